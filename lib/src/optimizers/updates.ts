/**
 * The update rules of the lib's optimizers, each written once against ops.ts: the tensor path
 * (tensor-step.ts), the number path (rule.ts numberStep) and the fused kernels (kernels.ts) all run
 * them, and catalog.ts makes the tf.Optimizer classes from them. No TensorFlow.js here: the browser
 * playgrounds (live/) bundle this file, so the pages compute with the notebooks' own rules.
 *
 * Conventions (which the notebooks state where they use them): AMSGrad and Yogi are bias-corrected as
 * in PyTorch and the d2l chapter; AdamW's decay is scaled by the learning rate as in PyTorch and optax.
 */
import { Ops } from './ops';
import { Rule } from './rule';

// ---------- shared pieces of the Adam family ----------

/** Hyperparameters shared by Adam, Yogi and AMSGrad. */
export interface AdamHyperparams {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The scalar constants every Adam-family rule reads. */
export const ADAM_CONSTANTS = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'bc1', 'bc2', 'epsilon', 'negLr'] as const;
/** One of ADAM_CONSTANTS. */
export type AdamConstant = (typeof ADAM_CONSTANTS)[number];

// The bias corrections 1 − βᵗ are computed in float64 from t, so no β-power state is needed
// (tf.train.adam keeps float32 running products instead).
/** ADAM_CONSTANTS at step t. */
export function adamConstants(h: AdamHyperparams, t: number): Record<AdamConstant, number> {
  return {
    beta1: h.beta1, oneMinusBeta1: 1 - h.beta1, beta2: h.beta2, oneMinusBeta2: 1 - h.beta2,
    bc1: 1 - h.beta1 ** t, bc2: 1 - h.beta2 ** t, epsilon: h.epsilon, negLr: -h.learningRate,
  };
}

/** m ← β1·m + (1−β1)·g: the leaky average of gradients (d2l's v, the momentum). */
function firstMoment<T>(o: Ops<T>, m: T, g: T, c: Record<AdamConstant, T>): T {
  return o.add(o.mul(m, c.beta1), o.mul(g, c.oneMinusBeta1));
}

/** v ← β2·v + (1−β2)·g²: the leaky average of squared gradients (d2l's s). */
function secondMoment<T>(o: Ops<T>, v: T, g: T, c: Record<AdamConstant, T>): T {
  return o.add(o.mul(v, c.beta2), o.mul(o.mul(g, g), c.oneMinusBeta2));
}

/** −lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ), with the three divisions tf.train.adam makes. */
function biasCorrectedStep<T>(o: Ops<T>, m: T, v: T, c: Record<AdamConstant, T>): T {
  return o.mul(o.div(o.div(m, c.bc1), o.add(o.sqrt(o.div(v, c.bc2)), c.epsilon)), c.negLr);
}

/** A rule of the Adam family: Adam's hyperparameters and constants, its own state and step. */
function adamFamily<S extends string>(name: string, state: readonly S[], step: Rule<S, AdamHyperparams, AdamConstant>['step']): Rule<S, AdamHyperparams, AdamConstant> {
  return { name, state, constants: ADAM_CONSTANTS, constantsAt: adamConstants, step };
}

// ---------- Adam ----------

/**
 * Adam (Kingma & Ba, Algorithm 1 with ε outside the square root, as tf.train.adam and torch):
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², update = −lr·m̂/(√v̂ + ε). TensorFlow.js has the class
 * (tf.train.adam); the rule is here for AdamW, the notebooks and the online experiments.
 */
export const adamUpdate = adamFamily('adam', ['m', 'v'], (o, { grad, state }, c) => {
  const m = firstMoment(o, state.m, grad, c);
  const v = secondMoment(o, state.v, grad, c);
  return { update: biasCorrectedStep(o, m, v, c), state: { m, v } };
});

// ---------- AdamW ----------

/** AdamW adds the decoupled weight decay coefficient. */
export interface AdamWHyperparams extends AdamHyperparams {
  weightDecay: number;
}

/**
 * AdamW (Loshchilov & Hutter) in torch's and optax's convention: the decay uses the parameter from
 * BEFORE the step and is scaled by the full learning rate, update = −lr·wd·p + Adam's update (the
 * paper scales λ by the schedule multiplier only). wd = 0 subtracts an exact zero: Adam's bits.
 */
export const adamwUpdate: Rule<'m' | 'v', AdamWHyperparams, AdamConstant | 'decay'> = {
  name: 'adamw',
  state: ['m', 'v'],
  constants: [...ADAM_CONSTANTS, 'decay'],
  constantsAt: (h, t) => ({ ...adamConstants(h, t), decay: h.learningRate * h.weightDecay }),
  step(o, x, c) {
    const { update, state } = adamUpdate.step(o, x, c);
    return { update: o.sub(update, o.mul(x.param, c.decay)), state };
  },
};

// ---------- Yogi ----------

/** Yogi's hyperparameters: Adam's plus where the second moment starts. */
export interface YogiHyperparams extends AdamHyperparams {
  initialAccumulatorValue: number;
}

/**
 * Yogi (Zaheer et al. 2018), written as the d2l chapter's from-scratch `yogi`:
 * v ← v − (1−β2)·sign(v − g²)·g², then Adam's bias-corrected step. Adam moves v by (1−β2)·(g² − v):
 * after large gradients a long run of small ones shrinks v geometrically and the step grows; Yogi
 * moves v by at most (1−β2)·g² per step, so such a run shrinks it only additively.
 */
export const yogiUpdate = adamFamily('yogi', ['m', 'v'], (o, { grad, state }, c) => {
  const m = firstMoment(o, state.m, grad, c);
  const g2 = o.mul(grad, grad);
  const v = o.sub(state.v, o.mul(o.mul(o.sign(o.sub(state.v, g2)), g2), c.oneMinusBeta2));
  return { update: biasCorrectedStep(o, m, v, c), state: { m, v } };
});

// ---------- AMSGrad ----------

/**
 * AMSGrad (Reddi, Kale & Kumar 2018) in torch's convention (torch.optim.Adam(amsgrad=True)):
 * vhat ← max(vhat, v) over the RAW second moment, denominator √vhat/√(1−β2ᵗ) + ε. optax.amsgrad takes
 * the max over the bias-corrected v̂ instead. While v never decreases both agree with Adam.
 */
export const amsgradUpdate = adamFamily('amsgrad', ['m', 'v', 'vhat'], (o, { grad, state }, c) => {
  const m = firstMoment(o, state.m, grad, c);
  const v = secondMoment(o, state.v, grad, c);
  const vhat = o.max(state.vhat, v);
  return { update: biasCorrectedStep(o, m, vhat, c), state: { m, v, vhat } };
});

// ---------- Adadelta ----------

/** Adadelta's hyperparameters: decay ρ of both averages, ε inside both roots, and a final scale. */
export interface AdadeltaHyperparams {
  learningRate: number;
  rho: number;
  epsilon: number;
}

/**
 * Adadelta (Zeiler 2012, Algorithm 1): E[g²] ← ρE[g²] + (1−ρ)g², Δ = √(E[Δ²] + ε)/√(E[g²] + ε)·g,
 * E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²; update = −lr·Δ. tf.train.adadelta in tfjs 4.22 divides by E[g²] from
 * BEFORE adding g², so its two averages stay equal and every step is SGD's; this is the paper's rule.
 */
export const adadeltaUpdate: Rule<'accum_grad' | 'accum_var', AdadeltaHyperparams, 'rho' | 'oneMinusRho' | 'epsilon' | 'negLr'> = {
  name: 'adadelta',
  state: ['accum_grad', 'accum_var'],
  constants: ['rho', 'oneMinusRho', 'epsilon', 'negLr'],
  constantsAt: (h) => ({ rho: h.rho, oneMinusRho: 1 - h.rho, epsilon: h.epsilon, negLr: -h.learningRate }),
  step(o, { grad, state }, c) {
    const accumGrad = o.add(o.mul(state.accum_grad, c.rho), o.mul(o.mul(grad, grad), c.oneMinusRho));
    const delta = o.mul(o.div(o.sqrt(o.add(state.accum_var, c.epsilon)), o.sqrt(o.add(accumGrad, c.epsilon))), grad);
    const accumVar = o.add(o.mul(state.accum_var, c.rho), o.mul(o.mul(delta, delta), c.oneMinusRho));
    return { update: o.mul(delta, c.negLr), state: { accum_grad: accumGrad, accum_var: accumVar } };
  },
};
