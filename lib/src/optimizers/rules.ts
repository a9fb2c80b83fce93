/**
 * The Adam-family update rules as plain state-in/state-out tensor math (optax is the model).
 *
 * The only place the formulas live: the optimizer classes (yogi.ts, amsgrad.ts, adamw.ts) call these
 * functions, and notebooks or benchmarks can call them directly on their own tensors. A rule takes the
 * gradient, the state before the step, the hyperparameters and the 1-based step number t, and returns
 * the `update` to ADD to the parameter (already multiplied by −learningRate) plus the state after the
 * step. Rules create intermediate tensors: call them inside tf.tidy and keep what you need.
 */
import * as tf from '@tensorflow/tfjs';

/** Hyperparameters shared by Adam, Yogi and AMSGrad. */
export interface AdamHyperparams {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** AdamW adds the decoupled weight decay coefficient. */
export interface AdamWHyperparams extends AdamHyperparams {
  weightDecay: number;
}

/** Exponential moving averages of the gradient (m) and of its square (v) for one parameter. */
export interface Moments {
  m: tf.Tensor;
  v: tf.Tensor;
}

/** AMSGrad also keeps the running maximum of v. */
export interface AmsgradMoments extends Moments {
  vMax: tf.Tensor;
}

/** What every rule returns: the change to add to the parameter and the state after the step. */
export interface RuleResult<S> {
  update: tf.Tensor;
  state: S;
}

/**
 * Adam (Kingma & Ba, Algorithm 1 with ε outside the square root, as in tf.train.adam and torch):
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², update = −lr·m̂/(√v̂ + ε).
 */
export function adamRule(
  grad: tf.Tensor, state: Moments, h: AdamHyperparams, t: number,
): RuleResult<Moments> {
  const { m, v } = adamMoments(grad, state, h);
  return { update: biasCorrectedStep(m, v, h, t), state: { m, v } };
}

/**
 * Yogi (Zaheer et al. 2018), written as the d2l chapter's from-scratch `yogi`:
 * v ← v − (1−β2)·sign(v − g²)·g², then the same bias-corrected step as Adam.
 * With v starting at 0 this is exactly the chapter's s ← s + (1−β2)·sign(g² − s)·g².
 */
export function yogiRule(
  grad: tf.Tensor, state: Moments, h: AdamHyperparams, t: number,
): RuleResult<Moments> {
  const m = firstMoment(grad, state.m, h.beta1);
  const g2 = grad.square();
  // Adam moves v by (1−β2)·(g² − v): after large gradients, a run of small ones shrinks v
  // geometrically and the step size jumps. Yogi moves v by (1−β2)·g² in the same direction, so small
  // gradients shrink it only a little; its increase for large gradients is as fast as Adam's.
  const v = state.v.sub(tf.sign(state.v.sub(g2)).mul(g2).mul(1 - h.beta2));
  return { update: biasCorrectedStep(m, v, h, t), state: { m, v } };
}

/**
 * AMSGrad in torch's convention (torch.optim.Adam(amsgrad=True)): vMax ← max(vMax, v) over the RAW
 * second moment, then denominator √vMax/√(1−β2ᵗ) + ε. optax.amsgrad differs: it takes the max over
 * the bias-corrected v̂. While v never decreases both agree with Adam.
 */
export function amsgradRule(
  grad: tf.Tensor, state: AmsgradMoments, h: AdamHyperparams, t: number,
): RuleResult<AmsgradMoments> {
  const { m, v } = adamMoments(grad, state, h);
  const vMax = tf.maximum(state.vMax, v);
  return { update: biasCorrectedStep(m, vMax, h, t), state: { m, v, vMax } };
}

/**
 * AdamW (Loshchilov & Hutter) in torch's and optax's convention: the decay uses the parameter as it
 * was BEFORE this step and is scaled by the full learning rate, p ← p·(1 − lr·wd) then the Adam step;
 * i.e. update = −lr·wd·p + Adam's update. (The paper scales λ by the schedule multiplier η_t only.)
 */
export function adamwRule(
  param: tf.Tensor, grad: tf.Tensor, state: Moments, h: AdamWHyperparams, t: number,
): RuleResult<Moments> {
  const adam = adamRule(grad, state, h, t);
  // wd = 0 adds an exact zero, so AdamW without decay is bit-for-bit this file's Adam.
  return { update: adam.update.sub(param.mul(h.learningRate * h.weightDecay)), state: adam.state };
}

function adamMoments(grad: tf.Tensor, state: Moments, h: AdamHyperparams): Moments {
  const m = firstMoment(grad, state.m, h.beta1);
  const v = state.v.mul(h.beta2).add(grad.square().mul(1 - h.beta2));
  return { m, v };
}

function firstMoment(grad: tf.Tensor, m: tf.Tensor, beta1: number): tf.Tensor {
  return m.mul(beta1).add(grad.mul(1 - beta1));
}

// −lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ). The powers are computed in float64 from t,
// so the step needs no β-power state (tf.train.adam keeps float32 running products instead).
function biasCorrectedStep(m: tf.Tensor, v: tf.Tensor, h: AdamHyperparams, t: number): tf.Tensor {
  if (!Number.isInteger(t) || t < 1) {
    throw new RangeError(`Invalid step t: ${t} (must be an integer >= 1)`);
  }
  const mHat = m.div(1 - h.beta1 ** t);
  const vHat = v.div(1 - h.beta2 ** t);
  return mHat.div(vHat.sqrt().add(h.epsilon)).mul(-h.learningRate);
}

// Adadelta (Zeiler 2012, Algorithm 1). tf.train.adadelta in tfjs 4.22 divides by the accumulator from
// BEFORE adding g², so its two accumulators grow in lockstep and every step is exactly lr·g (SGD);
// this is the paper's rule, used by the Adadelta class (adadelta.ts).

/** Hyperparameters of Adadelta: decay ρ of both averages, ε inside both roots, and a final scale. */
export interface AdadeltaHyperparams {
  learningRate: number;
  rho: number;
  epsilon: number;
}

/** Leaky averages of the squared gradient and of the squared update, for one parameter. */
export interface AdadeltaState {
  accumulatedGrad: tf.Tensor;
  accumulatedUpdate: tf.Tensor;
}

/**
 * One Adadelta step (Zeiler 2012, Algorithm 1): E[g²] ← ρE[g²] + (1−ρ)g²,
 * Δ = √(E[Δ²] + ε)/√(E[g²] + ε)·g, E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²; update = −lr·Δ.
 */
export function adadeltaRule(grad: tf.Tensor, state: AdadeltaState, h: AdadeltaHyperparams): RuleResult<AdadeltaState> {
  const accumulatedGrad = state.accumulatedGrad.mul(h.rho).add(grad.square().mul(1 - h.rho));
  const delta = state.accumulatedUpdate.add(h.epsilon).sqrt().div(accumulatedGrad.add(h.epsilon).sqrt()).mul(grad);
  const accumulatedUpdate = state.accumulatedUpdate.mul(h.rho).add(delta.square().mul(1 - h.rho));
  return { update: delta.mul(-h.learningRate), state: { accumulatedGrad, accumulatedUpdate } };
}
