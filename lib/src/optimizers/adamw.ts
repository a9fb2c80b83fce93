/**
 * AdamW (Loshchilov & Hutter) as a tf.Optimizer: Adam with weight decay applied to the parameters
 * rather than added to the gradient. The math is adamwRule in rules.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamWHyperparams, adamwRule } from './rules';
import { fusedAdamStep } from './fused';
import { SlotOptimizer, SlotStep } from './slot-optimizer';
import { checkAdamHyperparams, checkNonNegative } from './validate';

/**
 * AdamW optimizer in torch's convention (torch.optim.AdamW): first p ← p·(1 − lr·wd) using the
 * parameter from before the step, then the Adam step; with weightDecay 0 it is Adam. State per
 * variable: `m`, `v`, the same names and order as tf.train.adam, so Adam state restores into AdamW.
 * Defaults: lr 0.001, weightDecay 0.01 (torch's), ε 1e-7 (tfjs's backend epsilon; torch uses 1e-8).
 */
export class AdamW extends SlotOptimizer {
  static readonly className = 'AdamW';
  static override readonly configKeys = ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'];
  private readonly hyperparams: AdamWHyperparams;

  constructor(
    readonly learningRate = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
    readonly weightDecay = 0.01,
  ) {
    super(['m', 'v']);
    checkAdamHyperparams({ learningRate, beta1, beta2, epsilon });
    checkNonNegative(weightDecay, 'weightDecay');
    this.hyperparams = { learningRate, beta1, beta2, epsilon, weightDecay };
  }

  protected override step(param: tf.Tensor, grad: tf.Tensor, [m, v]: tf.Tensor[], t: number): SlotStep {
    const { update, state } = adamwRule(param, grad, { m, v }, this.hyperparams, t);
    return { update, slots: [state.m, state.v] };
  }

  protected override fusedStep(param: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], t: number): boolean {
    return fusedAdamStep(param, grad, slots, this.hyperparams, t);
  }
}
tf.serialization.registerClass(AdamW);

/** tf.train-style factory: `model.compile({optimizer: adamw(0.001, 0.9, 0.999, 1e-7, 0.01), …})`. */
export function adamw(
  learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, weightDecay = 0.01,
): AdamW {
  return new AdamW(learningRate, beta1, beta2, epsilon, weightDecay);
}
