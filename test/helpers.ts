/** Shared test setup: where the verified airfoil copy is, and float comparison. */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import * as path from 'path';

/** The data cache the tests use: D2L_DATA_DIR (CI points it at ../shared/data) or the repo's data/. */
export const dataDir = process.env['D2L_DATA_DIR'] ?? path.resolve(__dirname, '..', '..', 'data');

/** Assert |actual − expected| ≤ tol, with a message naming the quantity. */
export function assertClose(actual: number, expected: number, tol: number, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} differs from ${expected} by more than ${tol}`);
}

/** The verified airfoil file, downloaded into the cache first if it is missing (as the notebooks do). */
export function airfoilPath(): Promise<string> {
  return d2l.download('airfoil', { folder: dataDir });
}

/** Momentum and second-moment state of one parameter, as the chapter's notebook keeps it. */
export type MomentState = [d2l.tf.Variable, d2l.tf.Variable];

/** The chapter's from-scratch adam, exactly as notebooks/01-adam.ipynb writes it. */
export function chapterAdam(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }): void {
  const tf = d2l.tf;
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-6];
  params.forEach((p, i) => {
    const [v, s] = states[i]!;
    tf.tidy(() => {
      v.assign(v.mul(beta1).add(p.grad.mul(1 - beta1)));
      s.assign(s.mul(beta2).add(p.grad.square().mul(1 - beta2)));
      const vHat = v.div(1 - beta1 ** hyperparams.t);
      const sHat = s.div(1 - beta2 ** hyperparams.t);
      p.value.assign(p.value.sub(vHat.mul(hyperparams.lr).div(sHat.sqrt().add(eps))));
    });
  });
  hyperparams.t += 1;
}

/** Zero moment states for linear regression's w (d × 1) and b (1). */
export function initMomentStates(d: number): MomentState[] {
  const zeros = (shape: number[]) => d2l.tf.tidy(() => d2l.tf.variable(d2l.tf.zeros(shape)));
  return [[zeros([d, 1]), zeros([d, 1])], [zeros([1]), zeros([1])]];
}
