/**
 * The lib's optimizers as tf.Optimizer classes: each one's descriptor (its rule from updates.ts,
 * defaults, checks, initial state), from which defineOptimizer makes the class. Adding an optimizer is
 * adding its rule to updates.ts, one section here and its entry in CATALOG; the registry,
 * makeOptimizer and the tests pick it up.
 */
import { defineOptimizer, OptimizerClass } from './rule-optimizer';
import { Rule } from './rule';
import {
  adadeltaUpdate, AdamConstant, AdamHyperparams, adamwUpdate, amsgradUpdate, YogiHyperparams, yogiUpdate,
} from './updates';
import { checkAdamHyperparams, checkBeta, checkLearningRate, checkPositive } from './validate';

const checkAdamFamily = (h: AdamHyperparams): void => checkAdamHyperparams(h);

// ---------- AdamW ----------

/** AdamW as a tf.Optimizer: Adam with weight decay on the parameters, not added to the gradient. */
export const AdamW = defineOptimizer({
  name: 'adamw',
  className: 'AdamW',
  rule: adamwUpdate,
  // lr 0.001 and ε 1e-7 as tf.train.adam on cpu/wasm (torch: ε 1e-8); weightDecay 0.01 as torch.
  defaults: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.01 },
  check(h) {
    checkAdamFamily(h);
    checkPositive(h.weightDecay, 'weightDecay', true);
  },
});
export type AdamW = InstanceType<typeof AdamW>;

// ---------- Yogi ----------

/**
 * Yogi as a tf.Optimizer. By default m and v start at 0, bias-corrected: exactly the chapter's
 * from-scratch `yogi`. `initialAccumulatorValue` fills v (not m), still bias-corrected: 1e-6 gives
 * TF Addons' Yogi (optax's scale_by_yogi also fills m). lr 0.01 and ε 1e-3 as the chapter and paper.
 */
export const Yogi = defineOptimizer({
  name: 'yogi',
  className: 'Yogi',
  rule: yogiUpdate as Rule<'m' | 'v', YogiHyperparams, AdamConstant>,
  defaults: { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-3, initialAccumulatorValue: 0 },
  check(h) {
    checkAdamFamily(h);
    checkPositive(h.initialAccumulatorValue, 'initialAccumulatorValue', true);
  },
  initial: { v: (h) => h.initialAccumulatorValue },
});
export type Yogi = InstanceType<typeof Yogi>;

// ---------- AMSGrad ----------

/** AMSGrad as a tf.Optimizer (state `m`, `v`, `vhat`, Keras's names); defaults as tf.train.adam's. */
export const AMSGrad = defineOptimizer({
  name: 'amsgrad',
  className: 'AMSGrad',
  rule: amsgradUpdate,
  defaults: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  check: checkAdamFamily,
});
export type AMSGrad = InstanceType<typeof AMSGrad>;

// ---------- Adadelta ----------

/**
 * Adadelta as Zeiler wrote it (slot names as tfjs's), for notebook 04: ρ 0.95, ε 1e-6 and learning
 * rate 1 (torch's default: the rule has units of its own and needs no step size).
 */
export const Adadelta = defineOptimizer({
  name: 'adadelta-zeiler',
  className: 'D2lAdadelta',
  rule: adadeltaUpdate,
  defaults: { learningRate: 1, rho: 0.95, epsilon: 1e-6 },
  check(h) {
    checkLearningRate(h.learningRate);
    checkBeta(h.rho, 'rho');
    checkPositive(h.epsilon, 'epsilon');
  },
});
export type Adadelta = InstanceType<typeof Adadelta>;

// ---------- the list ----------


/** Every optimizer of the lib's own, in the order the registry lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CATALOG: ReadonlyArray<OptimizerClass<any, any>> = [Yogi, AMSGrad, AdamW, Adadelta];

/** tf.train-style factories with positional hyperparameters: `model.compile({ optimizer: d2l.yogi(0.01), … })`. */
export const yogi = (...args: Array<number | undefined>): Yogi => new Yogi(...args);
export const amsgrad = (...args: Array<number | undefined>): AMSGrad => new AMSGrad(...args);
export const adamw = (...args: Array<number | undefined>): AdamW => new AdamW(...args);
