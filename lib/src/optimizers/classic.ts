/**
 * TensorFlow.js's own classic optimizers (tf.train.sgd, momentum, adagrad, rmsprop) written as update
 * rules against ops.ts, operation for operation as tfjs 4.22 computes them, so they can run on plain
 * numbers (rule.ts numberStep, numberStepper): the trajectories playground (live/) draws them next to
 * the Adam family, and test/classic-rules.test.ts checks each against its tf.train optimizer. No
 * TensorFlow.js here, so the browser bundle can include it.
 */
import { Rule } from './rule';

/** tf.train.sgd's one hyperparameter. */
export interface SgdHyperparams {
  learningRate: number;
}

/** Plain gradient descent: update = −lr·g. */
export const sgdUpdate: Rule<never, SgdHyperparams, 'negLr'> = {
  name: 'sgd',
  state: [],
  constants: ['negLr'],
  constantsAt: (h) => ({ negLr: -h.learningRate }),
  step: (o, { grad }, c) => ({ update: o.mul(grad, c.negLr), state: {} }),
};

/** tf.train.momentum's hyperparameters (without Nesterov). */
export interface MomentumHyperparams {
  learningRate: number;
  momentum: number;
}

/** Heavy-ball momentum as tf.train.momentum: acc ← μ·acc + g (no damping), update = −lr·acc. */
export const momentumUpdate: Rule<'accumulation', MomentumHyperparams, 'momentum' | 'negLr'> = {
  name: 'momentum',
  state: ['accumulation'],
  constants: ['momentum', 'negLr'],
  constantsAt: (h) => ({ momentum: h.momentum, negLr: -h.learningRate }),
  step(o, { grad, state }, c) {
    const accumulation = o.add(o.mul(state.accumulation, c.momentum), grad);
    return { update: o.mul(accumulation, c.negLr), state: { accumulation } };
  },
};

/** tf.train.adagrad's hyperparameters; its accumulator starts at `initialAccumulatorValue` (tfjs: 0.1). */
export interface AdagradHyperparams {
  learningRate: number;
  initialAccumulatorValue: number;
  /** tfjs adds the backend's epsilon, 1e-7 on cpu and wasm. */
  epsilon: number;
}

/** AdaGrad as tf.train.adagrad: acc ← acc + g², update = −lr·g/√(acc + ε). Start `accumulator` at h.initialAccumulatorValue. */
export const adagradUpdate: Rule<'accumulator', AdagradHyperparams, 'epsilon' | 'negLr'> = {
  name: 'adagrad',
  state: ['accumulator'],
  constants: ['epsilon', 'negLr'],
  constantsAt: (h) => ({ epsilon: h.epsilon, negLr: -h.learningRate }),
  step(o, { grad, state }, c) {
    const accumulator = o.add(state.accumulator, o.mul(grad, grad));
    return { update: o.mul(o.div(grad, o.sqrt(o.add(accumulator, c.epsilon))), c.negLr), state: { accumulator } };
  },
};

/** tf.train.rmsprop's hyperparameters (momentum 0, not centered). */
export interface RmspropHyperparams {
  learningRate: number;
  /** The leaky average's decay ρ (tfjs default 0.9). */
  decay: number;
  /** Inside the root, as tfjs (default: the backend's epsilon, 1e-7). */
  epsilon: number;
}

/** RMSProp as tf.train.rmsprop(lr, decay): ms ← ρ·ms + (1−ρ)·g², update = −(g·lr)/√(ms + ε). */
// Negating lr is exact, so g·(−lr)/√(ms + ε) is tfjs's −((g·lr)/√(ms + ε)) bit for bit.
export const rmspropUpdate: Rule<'ms', RmspropHyperparams, 'decay' | 'oneMinusDecay' | 'epsilon' | 'negLr'> = {
  name: 'rmsprop',
  state: ['ms'],
  constants: ['decay', 'oneMinusDecay', 'epsilon', 'negLr'],
  constantsAt: (h) => ({ decay: h.decay, oneMinusDecay: 1 - h.decay, epsilon: h.epsilon, negLr: -h.learningRate }),
  step(o, { grad, state }, c) {
    const ms = o.add(o.mul(state.ms, c.decay), o.mul(o.mul(grad, grad), c.oneMinusDecay));
    return { update: o.div(o.mul(grad, c.negLr), o.sqrt(o.add(ms, c.epsilon))), state: { ms } };
  },
};
