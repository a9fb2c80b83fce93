/**
 * The rules of catalog.ts as plain tensor functions, state in and state out (optax's shape), for
 * notebooks and experiments that step their own tensors: `adamRule(grad, { m, v }, h, t)`. Each
 * returns the `update` to ADD to the parameter and the state after the step; intermediate tensors
 * are created, so call them inside tf.tidy and keep what you need.
 */
import * as tf from '@tensorflow/tfjs';
import { AdadeltaHyperparams, adadeltaUpdate, AdamHyperparams, adamUpdate, AdamWHyperparams, adamwUpdate, amsgradUpdate, yogiUpdate } from './updates';
import { tensorStep } from './tensor-step';

/** What every tensor rule returns: the change to add to the parameter and the state after the step. */
export interface RuleResult<S> {
  update: tf.Tensor;
  state: S;
}

/**
 * The two leaky averages of the Adam family for one parameter: of the gradient (m) and of its square (v).
 * A type, not an interface, so that tf.dispose and tf.tidy accept it as a TensorContainer.
 */
export type Moments = {
  m: tf.Tensor;
  v: tf.Tensor;
};

/** Zero moments for a parameter of this shape: where adamRule and yogiRule start (notebook 03's trainer). */
export const zeroMoments = (shape: number[]): Moments => ({ m: tf.zeros(shape), v: tf.zeros(shape) });

/** AMSGrad also keeps the running maximum of v. */
export interface AmsgradMoments extends Moments {
  vhat: tf.Tensor;
}

/** Adadelta's leaky averages of the squared gradient and of the squared update. */
export interface AdadeltaState {
  accum_grad: tf.Tensor;
  accum_var: tf.Tensor;
}

// These rules never read the parameter; the gradient stands in for it.
/** Adam step t (catalog.ts adamUpdate). */
export const adamRule = (grad: tf.Tensor, state: Moments, h: AdamHyperparams, t: number): RuleResult<Moments> =>
  tensorStep(adamUpdate, { param: grad, grad, state }, h, t);

/** Yogi step t (catalog.ts yogiUpdate). */
export const yogiRule = (grad: tf.Tensor, state: Moments, h: AdamHyperparams, t: number): RuleResult<Moments> =>
  tensorStep(yogiUpdate, { param: grad, grad, state }, h, t);

/** AMSGrad step t (catalog.ts amsgradUpdate). */
export const amsgradRule = (grad: tf.Tensor, state: AmsgradMoments, h: AdamHyperparams, t: number): RuleResult<AmsgradMoments> =>
  tensorStep(amsgradUpdate, { param: grad, grad, state }, h, t);

/** Adadelta step (catalog.ts adadeltaUpdate); its rule does not depend on t. */
export const adadeltaRule = (grad: tf.Tensor, state: AdadeltaState, h: AdadeltaHyperparams): RuleResult<AdadeltaState> =>
  tensorStep(adadeltaUpdate, { param: grad, grad, state }, h, 1);

/** AdamW step t (catalog.ts adamwUpdate): the decay reads the parameter from before the step. */
export const adamwRule = (param: tf.Tensor, grad: tf.Tensor, state: Moments, h: AdamWHyperparams, t: number): RuleResult<Moments> =>
  tensorStep(adamwUpdate, { param, grad, state }, h, t);
