/**
 * Update rules (rule.ts) run on tensors: the optimizers' tensor path (rule-optimizer.ts) and the
 * plain tensor functions of rules.ts. Kept apart from rule.ts and ops.ts so those stay free of
 * TensorFlow.js for the browser playgrounds.
 */
import * as tf from '@tensorflow/tfjs';
import { Ops } from './ops';
import { mapConstants, Rule, RuleInput, RuleOutput } from './rule';

/** Tensor arithmetic; scalars are float32 scalar tensors (which is what tfjs makes of a number). */
export const tensorOps: Ops<tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  sqrt: (a) => tf.sqrt(a),
  sign: (a) => tf.sign(a),
  max: (a, b) => tf.maximum(a, b),
};

/**
 * One step of `rule` on tensors. Creates intermediate tensors: call it inside tf.tidy and keep what
 * you need. Scalars become float32 scalar tensors, as tfjs makes of a number.
 */
export function tensorStep<S extends string, H, C extends string>(
  rule: Rule<S, H, C>, x: RuleInput<tf.Tensor, S>, h: H, t: number,
): RuleOutput<tf.Tensor, S> {
  const c = mapConstants(rule, h, t, (v) => tf.scalar(v)) as Record<C, tf.Tensor>;
  return rule.step(tensorOps, x, c);
}
