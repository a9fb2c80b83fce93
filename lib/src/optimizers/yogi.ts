/**
 * Yogi (Zaheer et al. 2018) as a tf.Optimizer, the chapter's "fix" for Adam; usable in
 * model.compile like tf.train.adam. The math is yogiRule in rules.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamHyperparams, yogiRule } from './rules';
import { fusedYogiStep } from './fused';
import { SlotOptimizer, SlotStep } from './slot-optimizer';
import { checkAdamHyperparams, checkNonNegative } from './validate';

/**
 * Yogi optimizer. State per variable: `m` and `v` (getWeights names `<variable>/m`, `<variable>/v`).
 *
 * Initial-accumulator convention: by default the d2l chapter's — m and v start at 0 and both are
 * bias-corrected, so this is exactly the chapter's from-scratch `yogi` (whose first step equals
 * Adam's with the same ε). `initialAccumulatorValue` fills v (not m) with that value instead, still bias-corrected:
 * 1e-6 gives TF Addons' Yogi (optax's scale_by_yogi also fills m with it).
 * Defaults: lr 0.01 and ε 1e-3, the chapter's and the paper's (Yogi wants a larger ε than Adam).
 */
export class Yogi extends SlotOptimizer {
  static readonly className = 'Yogi';
  static override readonly configKeys = ['learningRate', 'beta1', 'beta2', 'epsilon', 'initialAccumulatorValue'];
  private readonly hyperparams: AdamHyperparams;

  constructor(
    readonly learningRate = 0.01,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-3,
    readonly initialAccumulatorValue = 0,
  ) {
    super(['m', 'v']);
    checkAdamHyperparams({ learningRate, beta1, beta2, epsilon });
    checkNonNegative(initialAccumulatorValue, 'initialAccumulatorValue');
    this.hyperparams = { learningRate, beta1, beta2, epsilon };
  }

  protected override initialSlot(k: number, param: tf.Tensor): tf.Tensor {
    return k === 1 ? tf.fill(param.shape, this.initialAccumulatorValue) : tf.zerosLike(param);
  }

  protected override step(_param: tf.Tensor, grad: tf.Tensor, [m, v]: tf.Tensor[], t: number): SlotStep {
    const { update, state } = yogiRule(grad, { m, v }, this.hyperparams, t);
    return { update, slots: [state.m, state.v] };
  }

  protected override fusedStep(param: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], t: number): boolean {
    return fusedYogiStep(param, grad, slots, this.hyperparams, t);
  }
}
tf.serialization.registerClass(Yogi);

/** tf.train-style factory: `model.compile({optimizer: yogi(0.01), loss: 'meanSquaredError'})`. */
export function yogi(
  learningRate = 0.01, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-3, initialAccumulatorValue = 0,
): Yogi {
  return new Yogi(learningRate, beta1, beta2, epsilon, initialAccumulatorValue);
}
