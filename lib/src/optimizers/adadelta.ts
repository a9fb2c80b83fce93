/**
 * Adadelta as Zeiler (2012) wrote it (rule in rules.ts), for the trajectory comparisons of notebook 04.
 *
 * Why not tf.train.adadelta: in tfjs 4.22 it divides by the accumulated squared gradient from BEFORE
 * the current gradient is added. Both accumulators then start at 0 and grow in lockstep, so every
 * update is exactly lr·g: tf.train.adadelta(lr) takes the same steps as tf.train.sgd(lr)
 * (test/companion.test.ts checks this). Zeiler's Algorithm 1 uses the updated accumulator.
 */
import * as tf from '@tensorflow/tfjs';
import { AdadeltaHyperparams, adadeltaRule } from './rules';
import { SlotOptimizer, SlotStep } from './slot-optimizer';
import { checkBeta, checkLearningRate, checkNonNegative } from './validate';

/**
 * Adadelta optimizer with Zeiler's defaults (ρ 0.95, ε 1e-6) and learning rate 1 (torch's default: the
 * rule has units of its own and needs no step size). State per variable: `accum_grad`, `accum_var`,
 * tfjs's slot names.
 */
export class Adadelta extends SlotOptimizer {
  static readonly className = 'D2lAdadelta';
  static override readonly configKeys = ['learningRate', 'rho', 'epsilon'];
  private readonly hyperparams: AdadeltaHyperparams;

  constructor(readonly learningRate = 1, readonly rho = 0.95, readonly epsilon = 1e-6) {
    super(['accum_grad', 'accum_var']);
    checkLearningRate(learningRate);
    checkBeta(rho, 'rho');
    checkNonNegative(epsilon, 'epsilon');
    this.hyperparams = { learningRate, rho, epsilon };
  }

  protected override step(_param: tf.Tensor, grad: tf.Tensor, [accumulatedGrad, accumulatedUpdate]: tf.Tensor[]): SlotStep {
    const { update, state } = adadeltaRule(grad, { accumulatedGrad: accumulatedGrad!, accumulatedUpdate: accumulatedUpdate! }, this.hyperparams);
    return { update, slots: [state.accumulatedGrad, state.accumulatedUpdate] };
  }
}
tf.serialization.registerClass(Adadelta);
