// Tests for lib/src/optimizers: each optimizer against an independent float64 transcription of its
// source's formula (the d2l chapter for Yogi, torch for AMSGrad and AdamW), against tf.train.adam
// where the math coincides, and for state round trips, validation, NaN handling and leaks.
import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'assert';
import {
  AdamW, Yogi, adamw, amsgrad, yogi, yogiRule, CATALOG, OPTIMIZERS, makeOptimizer,
} from 'd2l/dist/optimizers';

// ---------- float64 reference implementations, written from the formulas, not from the lib ----------

type Vec = number[];
interface RefSnapshot { p: Vec; m: Vec; v: Vec; vMax?: Vec }
interface RefHyper { lr: number; beta1: number; beta2: number; eps: number }

/** The chapter's from-scratch `yogi` (its `v` is our m, its `s` our v), with s starting at s0. */
function refYogi(p0: Vec, grads: Vec[], h: RefHyper, s0 = 0): RefSnapshot[] {
  const p = [...p0];
  const v = p0.map(() => 0);
  const s = p0.map(() => s0);
  return grads.map((g, step) => {
    const t = step + 1;
    for (let j = 0; j < p.length; j++) {
      v[j] = h.beta1 * v[j] + (1 - h.beta1) * g[j];
      s[j] = s[j] + (1 - h.beta2) * Math.sign(g[j] ** 2 - s[j]) * g[j] ** 2;
      const vCorr = v[j] / (1 - h.beta1 ** t);
      const sCorr = s[j] / (1 - h.beta2 ** t);
      p[j] -= h.lr * vCorr / (Math.sqrt(sCorr) + h.eps);
    }
    return { p: [...p], m: [...v], v: [...s] };
  });
}

/** torch.optim.Adam(amsgrad=True) ('raw': max over v) or optax.amsgrad ('corrected': max over v̂). */
function refAmsgrad(p0: Vec, grads: Vec[], h: RefHyper, maxOver: 'raw' | 'corrected' = 'raw'): RefSnapshot[] {
  const p = [...p0];
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  const vMax = p0.map(() => 0);
  return grads.map((g, step) => {
    const t = step + 1;
    const bc1 = 1 - h.beta1 ** t;
    const bc2 = 1 - h.beta2 ** t;
    for (let j = 0; j < p.length; j++) {
      m[j] = h.beta1 * m[j] + (1 - h.beta1) * g[j];
      v[j] = h.beta2 * v[j] + (1 - h.beta2) * g[j] * g[j];
      if (maxOver === 'raw') {
        vMax[j] = Math.max(vMax[j], v[j]);
        const denom = Math.sqrt(vMax[j]) / Math.sqrt(bc2) + h.eps;
        p[j] -= (h.lr / bc1) * m[j] / denom;
      } else {
        vMax[j] = Math.max(vMax[j], v[j] / bc2);
        p[j] -= h.lr * (m[j] / bc1) / (Math.sqrt(vMax[j]) + h.eps);
      }
    }
    return { p: [...p], m: [...m], v: [...v], vMax: [...vMax] };
  });
}

/**
 * torch.optim.AdamW ('before': p ← p·(1−lr·wd), then Adam); 'after' decays the Adam-updated p and
 * 'l2' adds wd·p to the gradient (torch.optim.Adam's weight_decay): the two conventions AdamW is not.
 */
function refAdamW(
  p0: Vec, grads: Vec[], h: RefHyper & { wd: number }, decay: 'before' | 'after' | 'l2' = 'before',
): RefSnapshot[] {
  const p = [...p0];
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  return grads.map((g, step) => {
    const t = step + 1;
    const bc1 = 1 - h.beta1 ** t;
    const bc2 = 1 - h.beta2 ** t;
    for (let j = 0; j < p.length; j++) {
      const gj = decay === 'l2' ? g[j] + h.wd * p[j] : g[j];
      if (decay === 'before') p[j] *= 1 - h.lr * h.wd;
      m[j] = h.beta1 * m[j] + (1 - h.beta1) * gj;
      v[j] = h.beta2 * v[j] + (1 - h.beta2) * gj * gj;
      const denom = Math.sqrt(v[j]) / Math.sqrt(bc2) + h.eps;
      p[j] -= (h.lr / bc1) * m[j] / denom;
      if (decay === 'after') p[j] *= 1 - h.lr * h.wd;
    }
    return { p: [...p], m: [...m], v: [...v] };
  });
}

/** Zeiler's Adadelta (Algorithm 1), with tfjs's slot names: accum_grad = E[g²], accum_var = E[Δ²]. */
function refAdadelta(p0: Vec, grads: Vec[], h: { lr: number; rho: number; eps: number }): Array<{ p: Vec; state: Record<string, Vec> }> {
  const p = [...p0];
  const eg = p0.map(() => 0);
  const ed = p0.map(() => 0);
  return grads.map((g) => {
    for (let j = 0; j < p.length; j++) {
      eg[j] = h.rho * eg[j] + (1 - h.rho) * g[j] * g[j];
      const delta = Math.sqrt(ed[j] + h.eps) / Math.sqrt(eg[j] + h.eps) * g[j];
      ed[j] = h.rho * ed[j] + (1 - h.rho) * delta * delta;
      p[j] -= h.lr * delta;
    }
    return { p: [...p], state: { accum_grad: [...eg], accum_var: [...ed] } };
  });
}

// ---------- helpers ----------

const P0 = [1, -2, 0.5, 3];
// Three steps chosen so that v both grows and shrinks (Yogi's sign flips, AMSGrad's max holds),
// gradients change sign, and one coordinate stays tiny.
const GRADS: Vec[] = [
  [2, -0.5, 0.01, 1],
  [0.01, -1.5, 0.02, -3],
  [-1, 3, 0.005, 0.5],
];

let nameCounter = 0;
/** A trainable float32 variable with a name no other test uses. */
function param(values: Vec, prefix = 'p'): tf.Variable {
  nameCounter += 1;
  const initial = tf.tensor1d(values);
  const variable = tf.variable(initial, true, `${prefix}${nameCounter}`);
  initial.dispose(); // tf.variable keeps its own reference to the data
  return variable;
}

/** |actual − expected| ≤ rtol·|expected| + atol elementwise: float32 against float64. */
function assertClose(actual: ArrayLike<number>, expected: Vec, what: string, rtol = 1e-6, atol = 1e-9): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let j = 0; j < expected.length; j++) {
    const err = Math.abs(actual[j] - expected[j]);
    assert.ok(err <= rtol * Math.abs(expected[j]) + atol,
      `${what}[${j}]: got ${actual[j]}, expected ${expected[j]} (error ${err.toExponential(2)})`);
  }
}

/** Largest |a − b| / max(|b|, tiny), to show how far two runs are apart. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let j = 0; j < b.length; j++) {
    worst = Math.max(worst, Math.abs(a[j] - b[j]) / Math.max(Math.abs(b[j]), 1e-30));
  }
  return worst;
}

/** The optimizer's state by name (getWeights minus `iter`), copied to plain arrays. */
async function stateOf(opt: tf.Optimizer): Promise<Map<string, Vec>> {
  const weights = await opt.getWeights();
  weights[0].tensor.dispose(); // `iter` is a new scalar owned by the caller
  const state = new Map<string, Vec>();
  for (const w of weights.slice(1)) state.set(w.name, Array.from(await w.tensor.data()));
  return state;
}

/** Applies one gradient per variable, in either of applyGradients' two argument forms. */
function applyStep(opt: tf.Optimizer, vars: tf.Variable[], grads: Vec[], form: 'map' | 'list'): void {
  const tensors = grads.map(g => tf.tensor1d(g));
  try {
    if (form === 'map') {
      const map: tf.NamedTensorMap = {};
      vars.forEach((v, i) => { map[v.name] = tensors[i]; });
      opt.applyGradients(map);
    } else {
      opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tensors[i] })));
    }
  } finally {
    tf.dispose(tensors);
  }
}

/** Runs GRADS through `opt` and compares params and state with the reference after every step. */
async function checkAgainstReference(
  opt: tf.Optimizer, ref: RefSnapshot[], form: 'map' | 'list', rtol = 1e-6,
): Promise<void> {
  const x = param(P0);
  try {
    for (let step = 0; step < GRADS.length; step++) {
      applyStep(opt, [x], [GRADS[step]], form);
      const state = await stateOf(opt);
      const at = `step ${step + 1}`;
      assertClose(x.dataSync(), ref[step].p, `${at} param`, rtol);
      assertClose(state.get(`${x.name}/m`) ?? [], ref[step].m, `${at} m`, rtol);
      assertClose(state.get(`${x.name}/v`) ?? [], ref[step].v, `${at} v`, rtol);
      const vMax = ref[step].vMax;
      if (vMax !== undefined) assertClose(state.get(`${x.name}/vhat`) ?? [], vMax, `${at} vhat`, rtol);
    }
    assert.equal(opt.iterations, GRADS.length);
  } finally {
    x.dispose();
    opt.dispose();
  }
}

/** Runs the same gradient sequence through two optimizers on two copies of P0; returns both params. */
function runSideBySide(a: tf.Optimizer, b: tf.Optimizer, grads: Vec[]): Array<[Float32Array, Float32Array]> {
  const xa = param(P0);
  const xb = param(P0);
  const out: Array<[Float32Array, Float32Array]> = [];
  for (const g of grads) {
    applyStep(a, [xa], [g], 'list');
    applyStep(b, [xb], [g], 'list');
    out.push([Float32Array.from(xa.dataSync()), Float32Array.from(xb.dataSync())]);
  }
  tf.dispose([xa, xb]);
  a.dispose();
  b.dispose();
  return out;
}

// Gradients whose squares grow every step, so Adam's v never decreases and AMSGrad's max is v itself.
const GROWING: Vec[] = Array.from({ length: 10 }, (_, k) => P0.map((_p, j) => (j % 2 ? -1 : 1) * (0.5 + j) * 1.5 ** k));

// ---------- tests ----------

describe('optimizers: update rules (rules.ts)', () => {
  it('yogiRule is state-in/state-out: returns new tensors and leaves its inputs alone', () => {
    const before = tf.memory().numTensors;
    const h = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-3 };
    const [update, m, v] = tf.tidy(() => {
      const g = tf.tensor1d([2, -0.5]);
      const state = { m: tf.zeros([2]), v: tf.zeros([2]) };
      const out = yogiRule(g, state, h, 1);
      assert.deepEqual(Array.from(state.m.dataSync()), [0, 0]);
      return [out.update, out.state.m, out.state.v];
    });
    // Step 1 from zero state: m = (1−β1)g, v = (1−β2)g², update = −lr·g/(|g| + ε).
    assertClose(update.dataSync(), [-0.1 * 2 / 2.001, 0.1 * 0.5 / 0.501], 'update');
    assertClose(m.dataSync(), [0.2, -0.05], 'm');
    assertClose(v.dataSync(), [0.004, 0.00025], 'v');
    tf.dispose([update, m, v]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects a step number that is not an integer >= 1', () => {
    const h = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-3 };
    tf.tidy(() => {
      const z = tf.zeros([1]);
      assert.throws(() => yogiRule(z, { m: z, v: z }, h, 0), /Invalid step t: 0/);
    });
  });
});

describe('optimizers: Yogi', () => {
  const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-3 };

  for (const form of ['map', 'list'] as const) {
    it(`matches the chapter's from-scratch yogi for 3 steps (zero init, ${form} form)`, async () => {
      await checkAgainstReference(yogi(h.lr), refYogi(P0, GRADS, h), form);
    });
  }

  it('first step is −lr·g/(|g| + ε), the same as Adam with ε = 1e-3', async () => {
    const opt = yogi(0.1);
    const x = param(P0);
    applyStep(opt, [x], [GRADS[0]], 'list');
    const expected = P0.map((p, j) => p - 0.1 * GRADS[0][j] / (Math.abs(GRADS[0][j]) + 1e-3));
    assertClose(x.dataSync(), expected, 'param');
    assertClose([expected[0]], [1 - 0.2 / 2.001], 'hand value'); // 0.900049975…
    x.dispose();
    opt.dispose();
  });

  it('initialAccumulatorValue = 1e-6 gives the TF Addons convention (v starts at 1e-6, m at 0)', async () => {
    const opt = yogi(h.lr, h.beta1, h.beta2, h.eps, 1e-6);
    await checkAgainstReference(opt, refYogi(P0, GRADS, h, 1e-6), 'list');
  });

  it('has the documented defaults', () => {
    const opt = yogi();
    assert.deepEqual(opt.getConfig(), {
      learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-3, initialAccumulatorValue: 0,
    });
    opt.dispose();
  });
});

describe('optimizers: AMSGrad', () => {
  const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

  for (const form of ['map', 'list'] as const) {
    it(`matches torch's AMSGrad (max over raw v) for 3 steps (${form} form)`, async () => {
      await checkAgainstReference(amsgrad(h.lr), refAmsgrad(P0, GRADS, h), form);
    });
  }

  it("differs from optax's convention (max over bias-corrected v̂) when v shrinks", () => {
    const x = param(P0);
    const opt = amsgrad(h.lr);
    GRADS.forEach(g => applyStep(opt, [x], [g], 'list'));
    const optax = refAmsgrad(P0, GRADS, h, 'corrected')[2].p;
    assert.ok(maxRelDiff(x.dataSync(), optax) > 1e-3, 'should not match optax.amsgrad');
    x.dispose();
    opt.dispose();
  });

  it('has the documented defaults', () => {
    const opt = amsgrad();
    assert.deepEqual(opt.getConfig(), { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    opt.dispose();
  });
});

describe('optimizers: AdamW', () => {
  // lr·wd = 0.01 and lr² terms make the three decay conventions differ well above float32 noise.
  const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-7, wd: 0.1 };

  for (const form of ['map', 'list'] as const) {
    it(`matches torch's AdamW (decay by lr·wd before the Adam step) for 3 steps (${form} form)`, async () => {
      await checkAgainstReference(adamw(h.lr, h.beta1, h.beta2, h.eps, h.wd), refAdamW(P0, GRADS, h), form);
    });
  }

  it('is neither decay-after-the-step nor L2 regularization', () => {
    const x = param(P0);
    const opt = adamw(h.lr, h.beta1, h.beta2, h.eps, h.wd);
    GRADS.forEach(g => applyStep(opt, [x], [g], 'list'));
    for (const other of ['after', 'l2'] as const) {
      const p = refAdamW(P0, GRADS, h, other)[2].p;
      assert.ok(maxRelDiff(x.dataSync(), p) > 1e-5, `should not match the '${other}' convention`);
    }
    x.dispose();
    opt.dispose();
  });

  it("continues tf.train.adam's saved state ([iter, …m, …v]) like Adam itself would", async () => {
    // β powers exact in float32 (see "reduce to Adam" below), so both sides round alike.
    const adam = tf.train.adam(0.01, 0.5, 0.75, 1e-7);
    const xa = param(P0);
    const xw = param(P0);
    GROWING.slice(0, 3).forEach(g => applyStep(adam, [xa], [g], 'list'));
    const w = adamw(0.01, 0.5, 0.75, 1e-7, 0);
    const weights = await adam.getWeights();
    await w.setWeights(weights);
    weights[0].tensor.dispose();
    xw.assign(xa);
    for (const g of GROWING.slice(3)) {
      applyStep(adam, [xa], [g], 'list');
      applyStep(w, [xw], [g], 'list');
      assertClose(xw.dataSync(), Array.from(xa.dataSync()), `step ${w.iterations}`, 1e-6);
    }
    tf.dispose([xa, xw]);
    adam.dispose();
    w.dispose();
  });

  it('has the documented defaults', () => {
    const opt = adamw();
    assert.deepEqual(opt.getConfig(), {
      learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.01,
    });
    opt.dispose();
  });
});

describe('optimizers: where AMSGrad and AdamW reduce to Adam (growing gradients, weightDecay 0)', () => {
  // tf.train.adam keeps β1ᵗ, β2ᵗ as float32 running products, ours come from float64 powers of t:
  // 1 − float32(0.999) is off by 1.3e-5 relative, which tfjs carries into every step (measured on
  // these 10 steps: tfjs vs float64 Adam 2.1e-7 at lr 0.001, 2.1e-6 at lr 0.01, 3.8e-4 at lr 0.1; ours
  // stay under 3e-7). So the tfjs comparisons use lr 0.001, or betas whose powers are exact in float32.
  const makers = [
    { name: 'AMSGrad', make: (lr: number, b1: number, b2: number) => amsgrad(lr, b1, b2, 1e-7) },
    { name: 'AdamW (weightDecay 0)', make: (lr: number, b1: number, b2: number) => adamw(lr, b1, b2, 1e-7, 0) },
  ];
  for (const { name, make } of makers) {
    it(`${name} equals tf.train.adam to 1e-6 with the defaults (lr 0.001, β 0.9/0.999, ε 1e-7), 10 steps`, () => {
      const runs = runSideBySide(make(0.001, 0.9, 0.999), tf.train.adam(0.001, 0.9, 0.999, 1e-7), GROWING);
      runs.forEach(([mine, adam], k) => assertClose(mine, Array.from(adam), `step ${k + 1}`));
    });

    it(`${name} equals tf.train.adam to 1e-6 at lr 0.1 with β 0.5/0.75 (β powers exact in float32)`, () => {
      const runs = runSideBySide(make(0.1, 0.5, 0.75), tf.train.adam(0.1, 0.5, 0.75, 1e-7), GROWING);
      runs.forEach(([mine, adam], k) => assertClose(mine, Array.from(adam), `step ${k + 1}`));
    });

    it(`${name} equals float64 Adam to 1e-6 at lr 0.1 with β 0.9/0.999`, () => {
      const exact = refAdamW(P0, GROWING, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-7, wd: 0 });
      const x = param(P0);
      const opt = make(0.1, 0.9, 0.999);
      GROWING.forEach((g, k) => {
        applyStep(opt, [x], [g], 'list');
        assertClose(x.dataSync(), exact[k].p, `step ${k + 1}`);
      });
      x.dispose();
      opt.dispose();
    });
  }
});

// One entry per optimizer of the catalog, for the behaviour they share through RuleOptimizer.
interface Kind {
  name: string;
  cls: (typeof CATALOG)[number];
  make: () => tf.Optimizer;
  revive: (config: tf.serialization.ConfigDict) => tf.Optimizer;
  slots: readonly string[];
}
const KINDS: Kind[] = CATALOG.map((cls) => ({
  name: cls.className,
  cls,
  // AdamW's decay on, so its state and update differ from Adam's.
  make: () => new cls(cls === AdamW ? { learningRate: 0.1, weightDecay: 0.1 } : { learningRate: 0.1 }),
  revive: (c) => cls.fromConfig(cls as unknown as tf.serialization.SerializableConstructor<tf.Optimizer>, c),
  slots: cls.descriptor.rule.state,
}));

describe('optimizers: state round trip through getWeights/setWeights', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: a restored optimizer continues exactly as the original`, async () => {
      const a = kind.make();
      const w = param(P0, 'w');
      const b = param([0.25], 'b');
      GRADS.forEach((g, k) => applyStep(a, [w, b], [g, [k - 1]], 'list'));

      const weights = await a.getWeights();
      // Layout: [iter, then each slot for every variable], like tf.train.adam's [iter, …m, …v].
      assert.deepEqual(weights.map(x => x.name),
        ['iter', ...kind.slots.flatMap(s => [`${w.name}/${s}`, `${b.name}/${s}`])]);
      assert.equal(weights[0].tensor.dataSync()[0], 3);

      const restored = kind.revive(a.getConfig());
      await restored.setWeights(weights);
      weights[0].tensor.dispose();
      assert.equal(restored.iterations, 3);
      assert.deepEqual(await stateOf(restored), await stateOf(a));

      const w2 = param(Array.from(w.dataSync()), 'w');
      const b2 = param(Array.from(b.dataSync()), 'b');
      for (const g of GRADS) {
        applyStep(a, [w, b], [g, [0.5]], 'map');
        applyStep(restored, [w2, b2], [g, [0.5]], 'map');
      }
      // Bit-for-bit: same kernels on the same inputs.
      assert.deepEqual(w2.dataSync(), w.dataSync());
      assert.deepEqual(b2.dataSync(), b.dataSync());
      assert.deepEqual([...(await stateOf(restored)).values()], [...(await stateOf(a)).values()]);
      tf.dispose([w, b, w2, b2]);
      a.dispose();
      restored.dispose();
    });
  }

  it('setWeights rejects a list with the wrong layout and keeps the old state', async () => {
    const opt = amsgrad(0.1);
    const x = param(P0);
    applyStep(opt, [x], [GRADS[0]], 'list');
    const before = await stateOf(opt);
    const adam = tf.train.adam(0.1);
    applyStep(adam, [x], [GRADS[0]], 'list');
    const adamWeights = await adam.getWeights(); // 3 tensors: iter, m, v; AMSGrad needs m, v, vhat
    await assert.rejects(opt.setWeights(adamWeights), /AMSGrad\.setWeights expects \[iter/);
    await assert.rejects(opt.setWeights([]), /AMSGrad\.setWeights expects/);
    assert.deepEqual(await stateOf(opt), before);
    assert.equal(opt.iterations, 1);
    adamWeights[0].tensor.dispose();
    x.dispose();
    adam.dispose();
    opt.dispose();
  });

  it('applyGradients refuses restored state whose shapes do not fit the variables', async () => {
    const a = yogi(0.1);
    const x = param(P0);
    applyStep(a, [x], [GRADS[0]], 'list');
    const weights = await a.getWeights();
    const b = yogi(0.1);
    await b.setWeights(weights);
    weights[0].tensor.dispose();
    const small = param([1, 2]);
    assert.throws(() => applyStep(b, [small], [[1, 1]], 'list'), /Yogi state for variable '.*' has shape \[4\] but the variable has shape \[2\]/);
    assert.deepEqual(Array.from(small.dataSync()), [1, 2]);
    tf.dispose([x, small]);
    a.dispose();
    b.dispose();
  });
});

describe('optimizers: which state belongs to which variable', () => {
  it('keeps each variable its own state when calls use different variable lists', async () => {
    // Same shapes on purpose: state kept by position (as tf.train.adam does) would mix a's and b's.
    const opt = amsgrad(0.1);
    const a = param(P0, 'a');
    const b = param(P0, 'b');
    const [g1, g2, g3] = GRADS;
    applyStep(opt, [a], [g1], 'list');
    applyStep(opt, [b], [g2], 'map');
    applyStep(opt, [a], [g3], 'list');
    const state = await stateOf(opt);
    assert.deepEqual([...state.keys()], ['m', 'v', 'vhat'].flatMap(s => [`${a.name}/${s}`, `${b.name}/${s}`]));
    assertClose(state.get(`${a.name}/m`) ?? [], g1.map((g, j) => 0.9 * 0.1 * g + 0.1 * g3[j]), 'a/m');
    assertClose(state.get(`${b.name}/m`) ?? [], g2.map(g => 0.1 * g), 'b/m');
    tf.dispose([a, b]);
    opt.dispose();
  });

  it('matches restored state to the same variables by name, whatever their order in the call', async () => {
    const a = yogi(0.1);
    const w = param(P0, 'w');
    const b = param([0.25], 'b');
    applyStep(a, [w, b], [GRADS[0], [1]], 'list');
    const weights = await a.getWeights();
    const restored = yogi(0.1);
    await restored.setWeights(weights);
    weights[0].tensor.dispose();
    // b before w: position would pair b with w's state (and fail on shape); names pair them right.
    applyStep(restored, [b, w], [[2], GRADS[1]], 'list');
    const state = await stateOf(restored);
    assertClose(state.get(`${w.name}/m`) ?? [], GRADS[0].map((g, j) => 0.9 * 0.1 * g + 0.1 * GRADS[1][j]), 'w/m');
    assertClose(state.get(`${b.name}/m`) ?? [], [0.9 * 0.1 * 1 + 0.1 * 2], 'b/m');
    tf.dispose([w, b]);
    a.dispose();
    restored.dispose();
  });

  it('refuses restored state that matches neither the names nor the number of variables', async () => {
    const a = adamw(0.1);
    const w = param(P0, 'w');
    const b = param([0.25], 'b');
    applyStep(a, [w, b], [GRADS[0], [1]], 'list');
    const weights = await a.getWeights();
    const restored = adamw(0.1);
    await restored.setWeights(weights);
    weights[0].tensor.dispose();
    const other = param(P0, 'other');
    assert.throws(() => applyStep(restored, [other], [GRADS[1]], 'list'),
      /AdamW holds restored state for 2 variable\(s\) .* that matches neither the names nor the number/);
    assert.deepEqual(Array.from(other.dataSync()), P0);
    tf.dispose([w, b, other]);
    a.dispose();
    restored.dispose();
  });
});

describe('optimizers: serialization', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: static className, registered with tf.serialization, getConfig/fromConfig round trip`, () => {
      assert.equal(kind.cls.className, kind.name);
      const registered = tf.serialization.SerializationMap.getMap().classNameMap[kind.name];
      assert.ok(registered !== undefined, 'registered');
      assert.equal(registered[0], kind.cls);
      const opt = kind.make();
      assert.equal(opt.getClassName(), kind.name);
      const copy = registered[1](registered[0], opt.getConfig());
      assert.ok(copy instanceof kind.cls);
      assert.deepEqual(copy.getConfig(), opt.getConfig());
      opt.dispose();
      copy.dispose();
    });
  }

  it('fromConfig fills missing entries with the defaults and rejects non-numbers', () => {
    const opt = Yogi.fromConfig<Yogi>(Yogi, { learningRate: 0.05 });
    assert.deepEqual(opt.getConfig(), {
      learningRate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-3, initialAccumulatorValue: 0,
    });
    opt.dispose();
    assert.throws(() => AdamW.fromConfig(AdamW, { weightDecay: '0.1' }),
      { name: 'TypeError', message: 'Invalid weightDecay in config: "0.1" (must be a number)' });
  });
});

describe('optimizers: hyperparameter validation', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['yogi lr 0', () => yogi(0), 'Invalid learningRate: 0 (must be a finite number > 0)'],
    ['amsgrad lr -1', () => amsgrad(-1), 'Invalid learningRate: -1 (must be a finite number > 0)'],
    ['adamw lr NaN', () => adamw(NaN), 'Invalid learningRate: NaN (must be a finite number > 0)'],
    ['yogi lr Infinity', () => yogi(Infinity), 'Invalid learningRate: Infinity (must be a finite number > 0)'],
    ['yogi beta1 1.5', () => yogi(0.01, 1.5), 'Invalid beta1: 1.5 (must be in [0, 1))'],
    ['amsgrad beta1 -0.1', () => amsgrad(0.01, -0.1), 'Invalid beta1: -0.1 (must be in [0, 1))'],
    ['adamw beta2 1', () => adamw(0.01, 0.9, 1), 'Invalid beta2: 1 (must be in [0, 1))'],
    ['amsgrad beta2 NaN', () => amsgrad(0.01, 0.9, NaN), 'Invalid beta2: NaN (must be in [0, 1))'],
    ['yogi epsilon -1e-3', () => yogi(0.01, 0.9, 0.999, -1e-3), 'Invalid epsilon: -0.001 (must be a finite number > 0)'],
    ['amsgrad epsilon NaN', () => amsgrad(0.01, 0.9, 0.999, NaN), 'Invalid epsilon: NaN (must be a finite number > 0)'],
    ['yogi positional arguments beyond its five', () => yogi(0.01, 0.9, 0.999, 1e-3, 0, 7), 'Yogi takes at most 5 arguments (learningRate, beta1, beta2, epsilon, initialAccumulatorValue), got 6'],
    ['Yogi by name, misspelt', () => new Yogi({ learningrate: 0.1 } as never), "Unknown hyperparameter 'learningrate' for yogi: use learningRate, beta1, beta2, epsilon, initialAccumulatorValue"],
    ['adamw weightDecay -0.01', () => adamw(0.01, 0.9, 0.999, 1e-7, -0.01), 'Invalid weightDecay: -0.01 (must be a finite number >= 0)'],
    ['yogi initialAccumulatorValue -1', () => yogi(0.01, 0.9, 0.999, 1e-3, -1), 'Invalid initialAccumulatorValue: -1 (must be a finite number >= 0)'],
    ['Yogi constructor beta2 2', () => new Yogi(0.01, 0.9, 2), 'Invalid beta2: 2 (must be in [0, 1))'],
  ];
  for (const [label, make, message] of cases) {
    it(`${label} → RangeError`, () => {
      assert.throws(make, (err: unknown) => {
        assert.ok(err instanceof RangeError, `expected RangeError, got ${String(err)}`);
        assert.equal(err.message, message);
        return true;
      });
    });
  }

  it('accepts the boundary values β = 0, weightDecay = 0 and a tiny ε', () => {
    for (const opt of [yogi(0.01, 0, 0, 1e-30), amsgrad(0.01, 0, 0, 1e-30), adamw(0.01, 0, 0, 1e-30, 0)]) opt.dispose();
  });
});

describe('optimizers: NaN and Infinity gradients', () => {
  for (const kind of KINDS) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      it(`${kind.name}: a ${bad} gradient throws naming the variable; params, state and iterations stay`, async () => {
        const opt = kind.make();
        const w = param(P0, 'w');
        const b = param([0.25], 'b');
        applyStep(opt, [w, b], [GRADS[0], [1]], 'list');
        const state = await stateOf(opt);
        const params = [Array.from(w.dataSync()), Array.from(b.dataSync())];
        for (const form of ['map', 'list'] as const) {
          // The good gradient comes first: nothing may be applied before the bad one is found.
          assert.throws(() => applyStep(opt, [w, b], [GRADS[1], [bad]], form),
            new RegExp(`Non-finite gradient \\(NaN or Infinity\\) for variable '${b.name}'; parameters and optimizer state were left unchanged`));
        }
        assert.deepEqual([Array.from(w.dataSync()), Array.from(b.dataSync())], params);
        assert.deepEqual(await stateOf(opt), state);
        assert.equal(opt.iterations, 1);
        tf.dispose([w, b]);
        opt.dispose();
      });
    }
  }

  it('a bad first step creates no state at all', async () => {
    const opt = yogi();
    const x = param(P0);
    assert.throws(() => applyStep(opt, [x], [[1, NaN, 1, 1]], 'list'), new RegExp(`'${x.name}'`));
    assert.equal((await stateOf(opt)).size, 0);
    assert.deepEqual(Array.from(x.dataSync()), P0);
    x.dispose();
    opt.dispose();
  });
});

describe('optimizers: other applyGradients inputs', () => {
  it('rejects a gradient whose shape differs from its variable (tfjs would broadcast it)', () => {
    const opt = amsgrad();
    const x = param(P0);
    assert.throws(() => applyStep(opt, [x], [[1, 2]], 'list'), /gradient for '.*' has shape \[2\] but the variable has shape \[4\]/);
    x.dispose();
    opt.dispose();
  });

  it('rejects an unknown variable name', () => {
    const opt = adamw();
    const g = tf.ones([1]);
    assert.throws(() => opt.applyGradients({ 'no-such-variable': g }), /no tf\.Variable named 'no-such-variable'/);
    g.dispose();
    opt.dispose();
  });

  it('leaves a variable without gradient alone, as tfjs optimizers do', () => {
    const opt = yogi(0.1);
    const w = param(P0, 'w');
    const b = param([0.25], 'b');
    const g = tf.tensor1d(GRADS[0]);
    // A plain-JS caller's null; the typings do not allow it, hence the cast.
    opt.applyGradients([{ name: w.name, tensor: g }, { name: b.name, tensor: null as unknown as tf.Tensor }]);
    assert.deepEqual(Array.from(b.dataSync()), [0.25]);
    assert.notDeepEqual(Array.from(w.dataSync()), P0);
    tf.dispose([g, w, b]);
    opt.dispose();
  });
});

describe('optimizers: memory', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: no tensor leaks per step (50 steps, both forms, minimize too) and dispose() frees the state`, () => {
      const start = tf.memory().numTensors;
      const opt = kind.make();
      const w = param(P0, 'w');
      const b = param([0.25], 'b');
      applyStep(opt, [w, b], [GRADS[0], [1]], 'list'); // creates the state
      const afterFirst = tf.memory().numTensors;
      assert.equal(afterFirst, start + 2 + 2 * kind.slots.length);
      for (let k = 0; k < 50; k++) {
        applyStep(opt, [w, b], [GRADS[k % 3], [k]], k % 2 ? 'map' : 'list');
        opt.minimize(() => w.square().sum().add(b.sum()));
      }
      assert.equal(tf.memory().numTensors, afterFirst);
      opt.dispose();
      assert.equal(tf.memory().numTensors, start + 2);
      tf.dispose([w, b]);
      assert.equal(tf.memory().numTensors, start);
    });
  }
});

// ---------- the registry: every optimizer known by name ----------

/** The float64 reference of each of the lib's optimizers, with the hyperparameters the test uses. */
const REFERENCES: Record<string, { config: Record<string, number>; ref: (p0: Vec, grads: Vec[]) => Array<{ p: Vec; state: Record<string, Vec> }> }> = {
  yogi: { config: { learningRate: 0.1 }, ref: (p0, g) => refYogi(p0, g, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-3 }).map(({ p, m, v }) => ({ p, state: { m, v } })) },
  amsgrad: { config: { learningRate: 0.1 }, ref: (p0, g) => refAmsgrad(p0, g, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-7 }).map(({ p, m, v, vMax }) => ({ p, state: { m, v, vhat: vMax! } })) },
  adamw: { config: { learningRate: 0.1, weightDecay: 0.1 }, ref: (p0, g) => refAdamW(p0, g, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-7, wd: 0.1 }).map(({ p, m, v }) => ({ p, state: { m, v } })) },
  'adadelta-zeiler': { config: { learningRate: 0.5 }, ref: (p0, g) => refAdadelta(p0, g, { lr: 0.5, rho: 0.95, eps: 1e-6 }) },
};

describe('optimizers: the registry (registry.ts)', () => {
  it("lists each of the lib's optimizers once, each with a float64 reference here", () => {
    const ours = OPTIMIZERS.filter((o) => o.ours).map((o) => o.name);
    assert.deepEqual(ours, CATALOG.map((c) => c.descriptor.name));
    assert.deepEqual([...ours].sort(), Object.keys(REFERENCES).sort(), 'an optimizer without a reference test, or a reference without an optimizer');
    assert.equal(new Set(OPTIMIZERS.map((o) => o.name)).size, OPTIMIZERS.length, 'names are unique');
  });

  for (const entry of OPTIMIZERS.filter((o) => o.ours)) {
    it(`${entry.name}: makeOptimizer by name matches its float64 reference for 3 steps, parameters and every state slot`, async () => {
      const { config, ref } = REFERENCES[entry.name]!;
      const opt = makeOptimizer(entry.name, config);
      const expected = ref(P0, GRADS);
      const x = param(P0);
      try {
        for (let step = 0; step < GRADS.length; step++) {
          applyStep(opt, [x], [GRADS[step]!], 'list');
          assertClose(x.dataSync(), expected[step]!.p, `step ${step + 1} param`);
          const state = await stateOf(opt);
          const slots = Object.keys(expected[step]!.state);
          assert.deepEqual([...state.keys()], slots.map((s) => `${x.name}/${s}`));
          for (const s of slots) assertClose(state.get(`${x.name}/${s}`)!, expected[step]!.state[s]!, `step ${step + 1} ${s}`);
        }
      } finally {
        x.dispose();
        opt.dispose();
      }
    });
  }

  for (const entry of OPTIMIZERS) {
    it(`${entry.name}: made with its defaults, it reports them (the table agrees with the optimizer)`, () => {
      const opt = makeOptimizer(entry.name);
      const config = opt.getConfig() as Record<string, unknown>;
      for (const [key, value] of Object.entries(entry.defaults)) {
        // tfjs reports booleans (useNesterov, centered) as booleans and a null ε as its backend default.
        const reported = typeof config[key] === 'boolean' ? Number(config[key]) : config[key] ?? 1e-7;
        assert.equal(reported, value, `${entry.name}.${key}`);
      }
      opt.dispose();
    });
  }
});
