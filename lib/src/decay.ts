/**
 * Weight decay against an L2 penalty (notebook 05): a two-feature regression whose second weight must
 * be large, its ridge solution in closed form, and a full-batch fit that records the weights' path.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from './random';

/** Features, targets and the generating weights of `twoScaleRegression`. */
export interface TwoScaleData {
  X: tf.Tensor2D;
  y: tf.Tensor2D;
  trueWeights: [number, number];
}

/** n examples x1 ~ N(0, 1), x2 ~ N(0, 0.1²), y = 2x1 + 20x2 + N(0, 0.1²): the small feature needs a large weight. */
export function twoScaleRegression(n: number, seed: number): TwoScaleData {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  const random = new Random(seed);
  const features = new Float32Array(n * 2);
  const targets = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [x1, x2] = [random.normal(), 0.1 * random.normal()];
    features.set([x1, x2], 2 * i);
    targets[i] = 2 * x1 + 20 * x2 + 0.1 * random.normal();
  }
  return { X: tf.tensor2d(features, [n, 2]), y: tf.tensor2d(targets, [n, 1]), trueWeights: [2, 20] };
}

/** The minimizer of ‖Xw − y‖²/(2n) + λ‖w‖²/2, i.e. (XᵀX/n + λI)⁻¹Xᵀy/n, by Gaussian elimination in float64. */
export function ridgeSolution(X: tf.Tensor2D, y: tf.Tensor2D, lambda: number): number[] {
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new RangeError(`lambda must be a finite number >= 0, got ${lambda}`);
  const [n, d] = X.shape;
  const [xs, ys] = [X.arraySync(), y.arraySync()];
  // Augmented matrix [XᵀX/n + λI | Xᵀy/n].
  const a = Array.from({ length: d }, (_, i) => Array.from({ length: d + 1 }, (_, j) => {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += xs[k]![i]! * (j < d ? xs[k]![j]! : ys[k]![0]!);
    return sum / n + (i === j ? lambda : 0);
  }));
  for (let c = 0; c < d; c++) {
    const pivot = a.reduce((best, row, r) => (r >= c && Math.abs(row[c]!) > Math.abs(a[best]![c]!) ? r : best), c);
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    if (a[c]![c] === 0) throw new RangeError('XᵀX/n + λI is singular: use λ > 0 or independent features');
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= d; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row, i) => row[d]! / row[i]!);
}

/** What `fitFullBatch` recorded every `every` steps, and the weights at the end. */
export interface WeightRun {
  name: string;
  steps: number[];
  norms: number[];
  losses: number[];
  final: number[];
}

/**
 * Minimize `objective(w)` from w = 0 (dim × 1) with `optimizer`'s own minimize for `steps` full-batch
 * steps, recording ‖w‖ and `loss(w)` every `every` steps; disposes the optimizer.
 */
export function fitFullBatch(name: string, optimizer: tf.Optimizer, objective: (w: tf.Variable) => tf.Scalar,
  loss: (w: tf.Tensor) => tf.Scalar, dim: number, steps: number, every = 10): WeightRun {
  // tidy frees the zeros tensor; the variable keeps its own reference to the data.
  const w = tf.tidy(() => tf.variable(tf.zeros([dim, 1])));
  const run: WeightRun = { name, steps: [], norms: [], losses: [], final: [] };
  try {
    for (let step = 1; step <= steps; step++) {
      tf.tidy(() => { optimizer.minimize(() => objective(w)); });
      if (step % every === 0) {
        run.steps.push(step);
        run.norms.push(tf.tidy(() => w.norm().dataSync()[0]!));
        run.losses.push(tf.tidy(() => loss(w).dataSync()[0]!));
      }
    }
    run.final = Array.from(w.dataSync());
  } finally {
    w.dispose();
    optimizer.dispose();
  }
  return run;
}
