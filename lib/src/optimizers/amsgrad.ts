/**
 * AMSGrad (Reddi, Kale & Kumar 2018) as a tf.Optimizer: Adam that never lets the second moment
 * shrink, used by the chapter's convergence discussion. The math is amsgradRule in rules.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamHyperparams, amsgradRule } from './rules';
import { fusedAmsgradStep } from './fused';
import { SlotOptimizer, SlotStep } from './slot-optimizer';
import { checkAdamHyperparams } from './validate';

/**
 * AMSGrad optimizer in torch's convention (torch.optim.Adam(amsgrad=True)): vMax = max(vMax, v) over
 * the raw second moment, denominator √vMax/√(1−β2ᵗ) + ε; optax.amsgrad takes the max over the
 * bias-corrected v̂ instead. State per variable: `m`, `v`, `vhat` (the running max, named as in Keras).
 * Defaults as tf.train.adam on the cpu/wasm backends: lr 0.001, ε 1e-7 (torch uses 1e-8; 1e-7 keeps
 * ε meaningful next to float32 rounding and gives the same defaults as tfjs's Adam).
 */
export class AMSGrad extends SlotOptimizer {
  static readonly className = 'AMSGrad';
  static override readonly configKeys = ['learningRate', 'beta1', 'beta2', 'epsilon'];
  private readonly hyperparams: AdamHyperparams;

  constructor(
    readonly learningRate = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    super(['m', 'v', 'vhat']);
    checkAdamHyperparams({ learningRate, beta1, beta2, epsilon });
    this.hyperparams = { learningRate, beta1, beta2, epsilon };
  }

  protected override step(
    _param: tf.Tensor, grad: tf.Tensor, [m, v, vMax]: tf.Tensor[], t: number,
  ): SlotStep {
    const { update, state } = amsgradRule(grad, { m, v, vMax }, this.hyperparams, t);
    return { update, slots: [state.m, state.v, state.vMax] };
  }

  protected override fusedStep(param: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], t: number): boolean {
    return fusedAmsgradStep(param, grad, slots, this.hyperparams, t);
  }
}
tf.serialization.registerClass(AMSGrad);

/** tf.train-style factory: `model.compile({optimizer: amsgrad(0.01), loss: 'meanSquaredError'})`. */
export function amsgrad(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): AMSGrad {
  return new AMSGrad(learningRate, beta1, beta2, epsilon);
}
