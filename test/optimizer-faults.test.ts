/**
 * Faults found by adversarial use of the optimizers, each pinned by a test: memory the optimizer does
 * not own is never written, a restore from the optimizer's own state is safe, a step is all or
 * nothing, hyperparameters that would give NaN are refused, and misspelled hyperparameter names fail.
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';

const tf = d2l.tf;

/** Every registered optimizer of the lib, made with a learning rate large enough to move visibly. */
const OURS = d2l.OPTIMIZERS.filter((o) => o.ours).map((o) => ({ name: o.name, make: () => d2l.makeOptimizer(o.name, { learningRate: 0.1 }) }));

async function onBackend(name: d2l.BackendName, fn: () => void | Promise<void>): Promise<void> {
  const previous = tf.getBackend();
  await d2l.useBackend(name, { quiet: true });
  try {
    await fn();
  } finally {
    await d2l.useBackend(previous, { quiet: true });
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`optimizer faults on the ${backend} backend`, () => {
    for (const { name, make } of OURS) {
      it(`${name}: never writes into the caller's array a variable was made from, nor couples two variables made from one array`, () =>
        onBackend(backend, () => {
          const arr = Float32Array.from({ length: 9 }, (_, i) => i - 4);
          const copy = arr.slice();
          const a = tf.tidy(() => tf.variable(tf.tensor1d(arr)));
          const b = tf.tidy(() => tf.variable(tf.tensor1d(arr)));
          const opt = make();
          const g = tf.tensor1d(Float32Array.from({ length: 9 }, (_, i) => (i % 2 ? 1 : -1)));
          opt.applyGradients({ [a.name]: g });
          assert.deepEqual(arr, copy, "the caller's array changed");
          assert.deepEqual(Array.from(b.dataSync()), Array.from(copy), 'a variable that was not stepped moved');
          assert.notDeepEqual(Array.from(a.dataSync()), Array.from(copy), 'the stepped variable should move');
          opt.dispose();
          tf.dispose([a, b, g]);
        }));

      it(`${name}: setWeights(await getWeights()) on itself keeps the state, and the next step continues it`, () =>
        onBackend(backend, async () => {
          const x = tf.variable(tf.tensor1d([1, -2, 3]));
          const y = tf.variable(tf.tensor1d([1, -2, 3]));
          const g = tf.tensor1d([0.3, -0.1, 2]);
          const [roundTrip, reference] = [make(), make()];
          for (let k = 0; k < 3; k++) {
            roundTrip.applyGradients({ [x.name]: g });
            reference.applyGradients({ [y.name]: g });
          }
          await roundTrip.setWeights(await roundTrip.getWeights());
          roundTrip.applyGradients({ [x.name]: g });
          reference.applyGradients({ [y.name]: g });
          assert.equal(roundTrip.iterations, reference.iterations);
          assert.deepEqual(Array.from(x.dataSync()), Array.from(y.dataSync()), 'the restored optimizer took another step');
          roundTrip.dispose();
          reference.dispose();
          tf.dispose([x, y, g]);
        }));
    }

  });
}

describe('optimizer faults: a step is all or nothing (wasm)', () => {
  it("when the backend's bookkeeping for a written tensor fails, no variable, state or count has changed", () =>
    onBackend('wasm', () => {
      const vars = [tf.variable(tf.tensor1d([1, 2, 3, 4, 5])), tf.variable(tf.tensor1d([6, 7]))];
      const opt = d2l.yogi(0.1);
      const step = () => {
        const grads = vars.map((v) => ({ name: v.name, tensor: tf.onesLike(v) }));
        try {
          opt.applyGradients(grads);
        } finally {
          tf.dispose(grads.map((g) => g.tensor));
        }
      };
      step();
      const before = vars.map((v) => Array.from(v.dataSync()));
      const state = async () => (await opt.getWeights()).slice(1).map((w) => Array.from(w.tensor.dataSync()));
      return state().then(async (stateBefore) => {
        // The second variable's re-registration (storage.ts markWritten) fails, as a changed tfjs might.
        const tfjs = (tf.backend() as unknown as { wasm: { tfjs: { registerTensor(...a: number[]): void } } }).wasm.tfjs;
        const original = tfjs.registerTensor;
        let calls = 0;
        tfjs.registerTensor = (...args: number[]) => {
          if (++calls === 2) throw new Error('registerTensor broken');
          original.apply(tfjs, args);
        };
        try {
          assert.throws(step, /registerTensor broken/);
        } finally {
          tfjs.registerTensor = original;
        }
        assert.equal(opt.iterations, 1);
        vars.forEach((v, k) => assert.deepEqual(Array.from(v.dataSync()), before[k], `variable ${k} changed`));
        assert.deepEqual(await state(), stateBefore, 'optimizer state changed');
        step(); // and the optimizer still works
        assert.equal(opt.iterations, 2);
        opt.dispose();
        tf.dispose(vars);
      });
    }));
});

describe('optimizer faults: hyperparameters', () => {
  it('epsilon = 0 is refused with a message (a coordinate whose gradient has been 0 would become 0/0 = NaN)', () => {
    for (const o of d2l.OPTIMIZERS.filter((x) => x.ours && 'epsilon' in x.defaults)) {
      assert.throws(() => d2l.makeOptimizer(o.name, { epsilon: 0 }), /Invalid epsilon: 0 \(must be a finite number > 0/, o.name);
    }
  });

  it('unknown hyperparameter names are an error listing the valid ones, for every registered optimizer', () => {
    assert.throws(() => d2l.makeOptimizer('adam', { learningrate: 0.5 }), /Unknown hyperparameter 'learningrate' for adam: use learningRate, beta1, beta2, epsilon/);
    assert.throws(() => d2l.makeOptimizer('yogi', { lr: 0.5 }), /Unknown hyperparameter 'lr' for yogi: use learningRate, beta1, beta2, epsilon, initialAccumulatorValue/);
    for (const o of d2l.OPTIMIZERS) {
      assert.throws(() => d2l.makeOptimizer(o.name, { nonsense: 1 }), new RegExp(`Unknown hyperparameter 'nonsense' for ${o.name}: use ${Object.keys(o.defaults).join(', ')}`));
      d2l.makeOptimizer(o.name, { ...o.defaults }).dispose();
    }
  });

  it('a learning rate given by name reaches the optimizer', () => {
    for (const o of d2l.OPTIMIZERS) {
      const opt = d2l.makeOptimizer(o.name, { learningRate: 0.5 });
      assert.equal((opt.getConfig() as { learningRate: number }).learningRate, 0.5, o.name);
      opt.dispose();
    }
  });
});
