/**
 * The fast training loops give the numbers of the plain ones: closed-form gradients (model.ts
 * linregGrads, the default) against the tape (options.gradients = 'autodiff': tf.variableGrads in
 * trainCh11, optimizer.minimize in trainConciseCh11), for the same seed. To 1e-6 on every backend; on cpu, where the closed form rounds like the
 * autodiff graph's kernels, bit for bit. No timings here: those are in `npm run bench`.
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { MomentState, chapterAdam, dataDir, initMomentStates } from './helpers';

const tf = d2l.tf;
interface Run {
  losses: number[];
  epochs: number[];
  /** The gradients the trainer saw in its first steps: [w…, b] per step. */
  grads: number[][];
}

async function train(gradients: 'analytic' | 'autodiff', seed: number, batchSize: number, epochs: number, evalEvery?: number): Promise<Run> {
  d2l.manualSeed(seed);
  const [iter, d] = await d2l.getDataCh11(batchSize, 1500, { folder: dataDir });
  const states = initMomentStates(d);
  const grads: number[][] = [];
  const trainer = (params: d2l.Parameter[], s: MomentState[], h: { lr: number; t: number }) => {
    if (grads.length < 20) grads.push(params.flatMap((p) => Array.from(p.grad.dataSync())));
    chapterAdam(params, s, h);
  };
  try {
    const result = await d2l.trainCh11(trainer, states, { lr: 0.01, t: 1 }, iter, d, epochs, { plot: false, verbose: false, gradients, evalEvery });
    return { losses: result.losses, epochs: result.epochs, grads };
  } finally {
    tf.dispose(states.flat());
    iter.dispose();
  }
}

/** Element-wise |a − e| ≤ tol over two arrays of equal, non-zero length (two empty runs prove nothing). */
function assertAllClose(actual: number[], expected: number[], tol: number, what: string): void {
  assert.ok(expected.length > 0, `${what}: nothing to compare`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `${what}[${i}]: ${a} vs ${expected[i]}`));
}

function suite(backend: d2l.BackendName, bitwise: boolean): void {
  describe(`the training loops' closed-form gradients equal autodiff's on the ${backend} backend`, function () {
    this.timeout(120_000);
    let previous: string;
    before(async () => {
      previous = tf.getBackend();
      await d2l.useBackend(backend, { quiet: true });
    });
    after(async () => {
      await d2l.useBackend(previous, { quiet: true });
    });

    it('linregGrads equals tf.variableGrads of mean(squaredLoss(linreg)) for batches of 1, 10, 64 and 1500', async () => {
      const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
      const random = new d2l.Random(7);
      for (const size of [1, 10, 64, 1500]) {
        const rows = random.shuffle(Uint32Array.from({ length: 1500 }, (_, i) => i)).subarray(0, size);
        const wValues = random.normalArray(d, 0, 0.5);
        const bValue = Math.fround(random.normal());
        const fast = d2l.linregGrads(iter, rows, wValues, bValue);
        const w = tf.variable(tf.tensor2d(wValues, [d, 1]));
        const b = tf.variable(tf.tensor1d([bValue]));
        const X = tf.tensor2d(Array.from(rows).flatMap((i) => Array.from(iter.features.subarray(i * d, i * d + d))), [size, d]);
        const y = tf.tensor2d(Array.from(rows, (i) => iter.labels[i]!), [size, 1]);
        const { value, grads } = tf.variableGrads(() => tf.mean(d2l.squaredLoss(d2l.linreg(X, w, b), y)) as d2l.tf.Scalar, [w, b]);
        const expected = [...grads[w.name]!.dataSync(), ...grads[b.name]!.dataSync()];
        const actual = [...fast.w, fast.b];
        assertAllClose(actual, expected, 1e-6, `batch of ${size}`);
        if (bitwise) assert.deepEqual(actual, expected, `batch of ${size}: bit for bit on cpu`);
        tf.dispose([value, ...Object.values(grads), w, b, X, y]);
      }
      iter.dispose();
    });

    it('trainConciseCh11: same losses with closed-form gradients as with optimizer.minimize, tfjs and lib optimizers', async () => {
      const [iter] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
      for (const name of ['sgd', 'momentum', 'adam', 'yogi', 'amsgrad', 'adamw']) {
        const run = async (gradients: 'analytic' | 'autodiff') => {
          d2l.manualSeed(4);
          return (await d2l.trainConciseCh11(name, { learningRate: 0.01 }, iter, 1, { plot: false, verbose: false, gradients })).losses;
        };
        const plain = await run('autodiff');
        const fast = await run('analytic');
        assertAllClose(fast, plain, 1e-6, `${name} losses`);
        assert.ok(plain.length >= 7, `${name}: ${plain.length} evaluations in one epoch`);
        if (bitwise) assert.deepEqual(fast, plain, `${name}: bit for bit on cpu`);
      }
      iter.dispose();
    });

    // Batch 64 never meets the 200-example cadence in one epoch (only the final point), and with a
    // cadence of 320 it gives a curve whose last point follows the ragged batch of 28.
    const cases = [{ batchSize: 10, epochs: 2, evalEvery: undefined }, { batchSize: 64, epochs: 1, evalEvery: undefined }, { batchSize: 64, epochs: 1, evalEvery: 320 }];
    for (const { batchSize, epochs, evalEvery } of cases) {
      it(`same seed, same losses and gradients: the notebook's adam, batch ${batchSize}, ${epochs} epoch(s), evaluated every ${evalEvery ?? 200} examples`, async () => {
        for (const seed of [1, 2]) {
          const plain = await train('autodiff', seed, batchSize, epochs, evalEvery);
          const fast = await train('analytic', seed, batchSize, epochs, evalEvery);
          assert.equal(plain.epochs[plain.epochs.length - 1], epochs, `seed ${seed}: the curve ends at the end of training`);
          assert.deepEqual(fast.epochs, plain.epochs, `seed ${seed}: evaluated at the same epochs`);
          assertAllClose(fast.losses, plain.losses, 1e-6, `seed ${seed} losses`);
          assert.equal(plain.grads.length, Math.min(20, epochs * Math.ceil(1500 / batchSize)), `seed ${seed}: gradients recorded`);
          assert.equal(fast.grads.length, plain.grads.length, `seed ${seed}: as many steps`);
          fast.grads.forEach((g, k) => assertAllClose(g, plain.grads[k]!, 1e-6, `seed ${seed}, step ${k + 1} gradient`));
          if (bitwise) assert.deepEqual(fast.losses, plain.losses, `seed ${seed}: bit for bit on cpu`);
        }
      });
    }
  });
}

suite('cpu', true);
suite('wasm', false);

describe('trainCh11 input checks', () => {
  it('names a featureDim that does not match the data', async () => {
    const [iter] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    await assert.rejects(d2l.trainCh11(() => undefined, null, {}, iter, 4, 1, { plot: false, verbose: false }),
      /featureDim is 4 but the data has 5 features/);
    iter.dispose();
  });
});
