/**
 * The fused in-place optimizer steps (lib/src/optimizers/fused.ts) against the reference math of
 * rules.ts: the same numbers (to 1e-6; in fact the same bits), updates made in place, nothing
 * parameter-sized allocated per step, and shared buffers never written. No timings here: those are
 * in `npm run bench`.
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';

const tf = d2l.tf;
type Tensor = d2l.tf.Tensor;

const STEPS = 6;
// 1 and 7: fewer than / not a multiple of the kernels' four lanes; 2·16384 + 3: three staging chunks.
const SIZES = [1, 7, 2 * 16384 + 3];

/** Values in (−scale, scale) from a seeded generator, with every 5th an exact zero. */
function values(n: number, seed: number, scale: number): Float32Array {
  const random = new d2l.Random(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 5 === 4 ? 0 : scale * (2 * random.next() - 1)));
}

/** Gradients that alternate large and small, so Yogi's sign and AMSGrad's max take both branches. */
const gradient = (n: number, step: number): Float32Array => values(n, 100 + step, step % 2 ? 0.01 : 3);

/** Largest |a − b| over two arrays of the same length. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Index of the first element whose bits differ (NaN equals NaN), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

interface RuleCase {
  name: string;
  rule: d2l.AnyRule;
  h: object;
  /** Initial value of each state slot: zeros, or Yogi's 1e-6. */
  initial: number[];
}

// Every rule of the catalog (and Adam's, which AdamW builds on), with a learning rate that moves.
const RULES: RuleCase[] = [
  { name: 'Adam', rule: d2l.adamUpdate, h: { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, initial: [0, 0] },
  ...d2l.CATALOG.map((cls) => ({
    name: cls.className,
    rule: cls.descriptor.rule as d2l.AnyRule,
    h: { ...cls.descriptor.defaults, learningRate: 0.01, ...('weightDecay' in cls.descriptor.defaults ? { weightDecay: 0.1 } : {}) },
    initial: cls.descriptor.rule.state.map(() => 0),
  })),
  { name: 'Yogi, v from 1e-6', rule: d2l.yogiUpdate, h: { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-3 }, initial: [0, 1e-6] },
];

/**
 * Run `fn` on the cpu backend, where the references are computed: tfjs-wasm's Sign kernel returns 0
 * for |x| below ~1e-6 (cpu: the true sign), so Yogi's tensor rule takes other branches on wasm, while
 * the fused kernels, the same code on both backends, take the true sign.
 */
async function onCpu<T>(fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await d2l.useBackend('cpu', { quiet: true });
  try {
    return await fn();
  } finally {
    await d2l.useBackend(previous, { quiet: true });
  }
}

/** The rule's tensor math for STEPS steps on n parameters: [param, ...state] after each step. */
function ruleSteps(c: RuleCase, n: number): Float32Array[][] {
  let p: Tensor = tf.tensor1d(values(n, 1, 1));
  let slots: Tensor[] = c.initial.map((x) => tf.fill([n], x));
  const out: Float32Array[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    const g = tf.tensor1d(gradient(n, t));
    const next = tf.tidy(() => {
      const state = Object.fromEntries(c.rule.state.map((s, k) => [s, slots[k]!]));
      const r = d2l.tensorStep(c.rule, { param: p, grad: g, state }, c.h, t);
      return { p: p.add(r.update), slots: c.rule.state.map((s) => r.state[s]!) };
    });
    tf.dispose([p, g, ...slots]);
    ({ p, slots } = next);
    out.push([p, ...slots].map((x) => Float32Array.from(x.dataSync())));
  }
  tf.dispose([p, ...slots]);
  return out;
}

/**
 * Run STEPS fused steps of `c` on n parameters; assert that each gives the bits of the rule's tensor
 * path on cpu (every operation is the same correctly rounded float32 operation) and was made in place.
 */
async function compareWithRule(c: RuleCase, n: number): Promise<void> {
  const expected = await onCpu(() => ruleSteps(c, n));
  const param = tf.tidy(() => tf.variable(tf.tensor1d(values(n, 1, 1))));
  const slots = c.initial.map((x) => tf.tidy(() => tf.variable(tf.fill([n], x))));
  try {
    for (let t = 1; t <= STEPS; t++) {
      const g = tf.tensor1d(gradient(n, t));
      assert.ok(d2l.fusedStep(c.rule, param, g, slots, c.h, t), `${c.name}: the fused path should apply on ${tf.getBackend()}`);
      g.dispose();
      const ids = [param, ...slots].map((v) => v.dataId);
      [param, ...slots].forEach((v, k) => {
        const at = firstBitDifference(Float32Array.from(v.dataSync()), expected[t - 1]![k]!);
        assert.equal(at, -1, `${c.name}, n=${n}, step ${t}: ${k === 0 ? 'param' : `slot ${c.rule.state[k - 1]}`}[${at}] is ${
          v.dataSync()[at]} fused, ${expected[t - 1]![k]![at]} by the tensor rule`);
      });
      // A second step on the same variables must not need a new buffer (the first may copy once).
      if (t > 1) [param, ...slots].forEach((v, k) => assert.equal(v.dataId, ids[k], `${c.name}: tensor ${k} was not updated in place`));
    }
  } finally {
    tf.dispose([param, ...slots]);
  }
}

interface OptimizerCase {
  name: string;
  make(): d2l.tf.Optimizer;
}

// Every optimizer of the catalog, plus the two conventions with a switch of their own.
const OPTIMIZERS: OptimizerCase[] = [
  ...d2l.CATALOG.map((cls) => ({ name: cls.className, make: () => new cls({ learningRate: 0.01 }) })),
  { name: 'Yogi (initialAccumulatorValue 1e-6)', make: () => d2l.yogi(0.01, 0.9, 0.999, 1e-3, 1e-6) },
  { name: 'AdamW weightDecay 0 (Adam)', make: () => d2l.adamw(0.01, 0.9, 0.999, 1e-7, 0) },
];

/** Train two parameters STEPS steps with `make()`, fused or not; the final values and state. */
async function runOptimizer(make: () => d2l.tf.Optimizer, fused: boolean): Promise<{ values: Float32Array[]; inPlace: boolean }> {
  d2l.setFusedKernels(fused);
  const shapes = [[3, 5], [2 * 16384 + 3]];
  const params = shapes.map((shape, k) => tf.tidy(() => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b), 10 + k, 1), shape))));
  let ids: object[] = [];
  const opt = make();
  try {
    for (let t = 1; t <= STEPS; t++) {
      const grads = params.map((p, k) => ({ name: p.name, tensor: tf.tensor(gradient(p.size, t + 10 * k), p.shape) }));
      opt.applyGradients(grads);
      tf.dispose(grads.map((g) => g.tensor));
      // The first fused step may copy a buffer the lib did not allocate (copy-on-write); later ones may not.
      if (t === 1) ids = params.map((p) => p.dataId);
    }
    const weights = await opt.getWeights();
    const out = [...params, ...weights.slice(1).map((w) => w.tensor)].map((t) => Float32Array.from(t.dataSync()));
    weights[0]!.tensor.dispose();
    return { values: out, inPlace: params.every((p, k) => p.dataId === ids[k]) };
  } finally {
    opt.dispose();
    tf.dispose(params);
    d2l.setFusedKernels(true);
  }
}

/** Kernels a step ran, bytes allocated and released within it, and the net change in tensors and bytes. */
async function stepMemory(step: () => void): Promise<{ kernels: number; transient: number; newTensors: number; newBytes: number }> {
  const before = tf.memory().numBytes;
  const profile = await tf.profile(step);
  // peakBytes is the largest total after any kernel of the step; -Infinity when no kernel ran.
  return { kernels: profile.kernels.length, transient: Math.max(profile.peakBytes - before, 0), newTensors: profile.newTensors, newBytes: profile.newBytes };
}

function fusedSuite(backend: d2l.BackendName): void {
  describe(`fused optimizer steps on the ${backend} backend`, () => {
    let previous: string;
    before(async () => {
      previous = tf.getBackend();
      await d2l.useBackend(backend, { quiet: true });
      assert.ok(d2l.fusedKernelsAvailable(), `fused kernels should be available on ${backend} (WebAssembly SIMD)`);
    });
    after(async () => {
      d2l.setFusedKernels(true);
      await d2l.useBackend(previous, { quiet: true });
    });

    for (const c of RULES) {
      it(`${c.name}: gives the tensor rule's bits on cpu over ${STEPS} steps, in place, at sizes ${SIZES.join(', ')}`, async () => {
        for (const n of SIZES) await compareWithRule(c, n);
      });
    }

    for (const c of OPTIMIZERS) {
      it(`${c.name}: applyGradients gives the same parameters and state fused as with tensor ops (on cpu)`, async () => {
        const plain = await onCpu(() => runOptimizer(c.make, false));
        const fused = await runOptimizer(c.make, true);
        assert.ok(!plain.inPlace, 'the tensor path replaces the parameter buffers');
        assert.ok(fused.inPlace, 'the fused path writes the parameter buffers in place');
        assert.equal(fused.values.length, plain.values.length);
        fused.values.forEach((v, k) => {
          assert.equal(firstBitDifference(v, plain.values[k]!), -1, `${c.name}: tensor ${k} (parameters, then state) differs by ${maxDiff(v, plain.values[k]!)}`);
        });
      });
    }

    it('a step allocates nothing: no transient or lasting tensors, tf.memory() unchanged across steps', async () => {
      const n = 1 << 18;
      const paramBytes = 4 * n;
      for (const c of OPTIMIZERS) {
        const param = tf.tidy(() => tf.variable(tf.randomNormal([n], 0, 1, 'float32', 3)));
        const grad = tf.randomNormal([n], 0, 1, 'float32', 4);
        const opt = c.make();
        const step = () => opt.applyGradients({ [param.name]: grad });
        step(); // the first step creates the state
        const memory = tf.memory();
        for (let k = 0; k < 3; k++) {
          const m = await stepMemory(step);
          assert.equal(m.kernels, 0, `${c.name}: a fused step ran ${m.kernels} tfjs kernels`);
          assert.equal(m.transient, 0, `${c.name}: ${m.transient} bytes allocated within a step`);
          assert.equal(m.newTensors, 0, `${c.name}: tensors left by a step`);
          assert.equal(m.newBytes, 0, `${c.name}: bytes left by a step`);
        }
        assert.equal(tf.memory().numTensors, memory.numTensors);
        assert.equal(tf.memory().numBytes, memory.numBytes);
        // The same measurement sees the tensor path's parameter-size temporaries.
        d2l.setFusedKernels(false);
        const plain = await stepMemory(step);
        d2l.setFusedKernels(true);
        assert.ok(plain.transient >= paramBytes, `${c.name}: the measurement should see the tensor path's temporaries (${plain.transient})`);
        opt.dispose();
        tf.dispose([param, grad]);
      }
    });

    it('never writes a buffer another tensor shares (copy-on-write)', async () => {
      const n = 9;
      const init = tf.tensor1d(values(n, 5, 1));
      const initValues = init.dataSync().slice();
      const param = tf.variable(init); // shares init's buffer
      const before = param.clone(); // shares too
      const g = tf.tensor1d(gradient(n, 1));
      const opt = d2l.adamw(0.1);
      opt.applyGradients({ [param.name]: g });
      // State restored from tensors the caller still holds: they must not change either.
      const saved = await opt.getWeights();
      const copies = saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
      const copyValues = copies.map((w) => w.tensor.dataSync().slice());
      const other = d2l.adamw(0.1);
      await other.setWeights(copies);
      other.applyGradients({ [param.name]: g });
      other.applyGradients({ [param.name]: g });
      assert.deepEqual(init.dataSync(), initValues, 'the tensor the variable was made from');
      assert.deepEqual(before.dataSync(), initValues, 'a clone taken before the step');
      copies.forEach((w, k) => assert.deepEqual(w.tensor.dataSync(), copyValues[k], `restored state ${w.name}`));
      assert.ok(maxDiff(param.dataSync(), initValues) > 0, 'the parameter itself did change');
      tf.dispose([init, param, before, g, ...saved.slice(0, 1).map((w) => w.tensor), ...copies.map((w) => w.tensor)]);
      opt.dispose();
      other.dispose();
    });

    it('ops that read the parameter after a fused step see its new values (wasm caches packed matMul weights)', () => {
      const w = tf.tidy(() => tf.variable(tf.tensor2d([[0.5], [-0.25], [2]])));
      const X = tf.tensor2d([[1, 2, 3], [-1, 0.5, 4]]);
      const opt = d2l.amsgrad(0.1);
      const g = tf.tensor2d([[1], [-1], [0.5]]);
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => tf.matMul(X, w).dataSync()); // lets the backend build (and cache) its operator
        opt.applyGradients({ [w.name]: g });
        const [w0, w1, w2] = Array.from(w.dataSync());
        const expected = [w0! + 2 * w1! + 3 * w2!, -w0! + 0.5 * w1! + 4 * w2!];
        const actual = tf.tidy(() => Array.from(tf.matMul(X, w).dataSync()));
        assert.ok(maxDiff(actual, expected) < 1e-5, `step ${step + 1}: matMul gave ${actual}, expected ${expected}`);
      }
      tf.dispose([w, X, g]);
      opt.dispose();
    });

    it('finds a non-finite gradient in any chunk and changes nothing', () => {
      const n = 2 * 16384 + 3;
      const param = tf.variable(tf.tensor1d(values(n, 6, 1)));
      const opt = d2l.yogi(0.01);
      const grad = tf.tensor1d(gradient(n, 1));
      opt.applyGradients({ [param.name]: grad });
      const p = param.dataSync().slice();
      for (const bad of [NaN, Infinity, -Infinity]) {
        const g = gradient(n, 2);
        g[n - 2] = bad; // in the last, ragged chunk
        const badGrad = tf.tensor1d(g);
        assert.throws(() => opt.applyGradients({ [param.name]: badGrad }), /Non-finite gradient/);
        badGrad.dispose();
      }
      assert.deepEqual(param.dataSync(), p);
      assert.equal(opt.iterations, 1);
      tf.dispose([param, grad]);
      opt.dispose();
    });
  });
}

fusedSuite('cpu');
fusedSuite('wasm');

describe('fused optimizer steps: fallback and failures', () => {
  const H = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

  it('setFusedKernels(false) makes the fused step decline without changing anything', () => {
    const param = tf.variable(tf.tensor1d([1, 2, 3]));
    const [m, v] = [tf.variable(tf.zeros([3])), tf.variable(tf.zeros([3]))];
    const g = tf.tensor1d([0.5, 0.5, 0.5]);
    d2l.setFusedKernels(false);
    try {
      assert.equal(d2l.fusedKernelsAvailable(), false);
      assert.equal(d2l.fusedStep(d2l.adamUpdate, param, g, [m, v], H, 1), false);
      assert.deepEqual(Array.from(param.dataSync()), [1, 2, 3]);
    } finally {
      d2l.setFusedKernels(true);
    }
    assert.equal(d2l.fusedStep(d2l.adamUpdate, param, g, [m, v], H, 1), tf.getBackend() === 'cpu' || tf.getBackend() === 'wasm');
    tf.dispose([param, m, v, g]);
  });

  it('rejects an invalid step number like the rules do', () => {
    const param = tf.variable(tf.tensor1d([1]));
    const [m, v] = [tf.variable(tf.zeros([1])), tf.variable(tf.zeros([1]))];
    const g = tf.tensor1d([1]);
    assert.throws(() => d2l.fusedStep(d2l.adamUpdate, param, g, [m, v], H, 0), /Invalid step t: 0/);
    tf.dispose([param, m, v, g]);
  });

  it("a rule whose kernel cannot be built is an error, not a silent switch to the slow path", async () => {
    // A rule that forgets one of its state outputs: compiling it must throw, naming the rule.
    const broken: d2l.AnyRule = {
      ...d2l.adamUpdate,
      name: 'broken-adam',
      step: (o, x, c) => ({ update: d2l.adamUpdate.step(o, x, c).update, state: { m: x.state['m']! } }),
    };
    await onCpu(() => {
      const param = tf.variable(tf.tensor1d([1, 2]));
      const [m, v] = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([2]))];
      const g = tf.tensor1d([1, 1]);
      try {
        assert.throws(() => d2l.fusedStep(broken, param, g, [m, v], H, 1), /rule broken-adam: step returned no state 'v'/);
        assert.deepEqual(Array.from(param.dataSync()), [1, 2]);
        assert.ok(d2l.fusedKernelsAvailable(), 'the other kernels stay on');
      } finally {
        tf.dispose([param, m, v, g]);
      }
    });
  });
});
