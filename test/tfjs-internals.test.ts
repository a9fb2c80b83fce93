/**
 * The contract with TensorFlow.js internals (lib/src/optimizers/storage.ts INTERNALS): every field the
 * fused steps rely on is present on this tfjs, the in-heap wasm path really runs, and model.ts's
 * assumption about cpu matMul rounding holds. A tfjs upgrade that breaks one of these would otherwise
 * only make things slower (the lib falls back to tensor ops); this file says what to revisit.
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { dataDir } from './helpers';

const tf = d2l.tf;

async function onBackend<T>(name: d2l.BackendName, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await d2l.useBackend(name, { quiet: true });
  try {
    return await fn();
  } finally {
    await d2l.useBackend(previous, { quiet: true });
  }
}

describe('TensorFlow.js internals the lib relies on', () => {
  for (const name of ['cpu', 'wasm'] as const) {
    it(`${name}: every listed internal is present (revisit storage.ts if one is missing)`, () =>
      onBackend(name, () => {
        const missing = d2l.missingInternals(name, tf.backend());
        const why = missing.map((m) => `${m}: ${(d2l.INTERNALS[name] as Record<string, string>)[m]}`);
        assert.deepEqual(why, [], `tfjs ${tf.version.tfjs} lacks what the fused steps use`);
        assert.ok(d2l.fusedKernelsAvailable());
      }));

    it(`${name}: the detection does fail on a backend without them (so the lib would fall back, not throw)`, () => {
      assert.deepEqual(d2l.missingInternals(name, {}), Object.keys(d2l.INTERNALS[name]));
    });
  }

  it('wasm: a fused step runs inside the heap, not through the staging copies', () =>
    onBackend('wasm', () => {
      const param = tf.variable(tf.randomNormal([4096], 0, 1, 'float32', 1));
      const grad = tf.randomNormal([4096], 0, 1, 'float32', 2);
      const opt = d2l.yogi(0.01);
      opt.applyGradients({ [param.name]: grad }); // creates the state
      const before = d2l.fusedPathCounts();
      opt.applyGradients({ [param.name]: grad });
      const after = d2l.fusedPathCounts();
      assert.equal(after.inHeap - before.inHeap, 1, 'in-heap steps');
      assert.equal(after.staged - before.staged, 0, 'staged steps');
      opt.dispose();
      tf.dispose([param, grad]);
    }));

  it('cpu: matMul over more than 48 rows rounds as model.ts linregGrads assumes (closed form = tape, bit for bit)', () =>
    onBackend('cpu', async () => {
      const runs: d2l.TrainResult[] = [];
      for (const gradients of ['analytic', 'autodiff'] as const) {
        d2l.manualSeed(5); // the same initial weights and minibatch order for both
        const [iter, d] = await d2l.getDataCh11(100, 1500, { folder: dataDir });
        const sgd = (params: d2l.Parameter[]) => params.forEach((p) => tf.tidy(() => p.value.assign(p.value.sub(p.grad.mul(0.05)))));
        runs.push(await d2l.trainCh11(sgd, null, {}, iter, d, 1, { plot: false, verbose: false, gradients }));
      }
      assert.ok(runs[0]!.losses.length > 0);
      assert.deepEqual(runs[0]!.losses, runs[1]!.losses);
    }));
});
