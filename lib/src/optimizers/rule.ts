/**
 * What an update rule is (optax's model: state in, state out) and how to run one on tensors or on
 * numbers. The rules themselves are in catalog.ts; kernels.ts compiles the same rules into fused
 * in-place steps.
 */
import * as tf from '@tensorflow/tfjs';
import { float32Ops, float64Ops, Ops, tensorOps } from './ops';

/** One step's inputs, per element: the parameter, its gradient and the state named by the rule. */
export interface RuleInput<T, S extends string> {
  param: T;
  grad: T;
  state: Record<S, T>;
}

/** One step's outputs: the change to ADD to the parameter and the state after the step. */
export interface RuleOutput<T, S extends string> {
  update: T;
  state: Record<S, T>;
}

/**
 * An element-wise update rule. `constantsAt` computes its scalars for step t in float64 (e.g. the bias
 * corrections 1 − βᵗ); `step` is the math, written once against `Ops` so the tensor path, the number
 * path and the fused kernel all run the same operations in the same order.
 */
export interface Rule<S extends string, H, C extends string> {
  readonly name: string;
  /** The state it keeps per parameter, by name (these are also the optimizers' slot names). */
  readonly state: readonly S[];
  /** The scalar constants `step` reads. */
  readonly constants: readonly C[];
  constantsAt(h: H, t: number): Record<C, number>;
  step<T>(o: Ops<T>, x: RuleInput<T, S>, c: Record<C, T>): RuleOutput<T, S>;
}

/** Any rule, whatever its state, hyperparameters and constants (for registries and kernels). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<string, any, string>;

/** Throws unless t is a valid 1-based step number (every rule's bias corrections need t ≥ 1). */
export function checkStep(t: number): void {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`Invalid step t: ${t} (must be an integer >= 1)`);
}

/** The rule's constants at step t as an ordered list (the fused kernels take them in this order). */
export function constantList<H>(rule: Rule<string, H, string>, h: H, t: number): number[] {
  checkStep(t);
  const c = rule.constantsAt(h, t) as Record<string, number>;
  return rule.constants.map((name) => c[name]!);
}

function mapConstants<T>(rule: AnyRule, h: unknown, t: number, wrap: (x: number) => T): Record<string, T> {
  const values = constantList(rule, h, t);
  return Object.fromEntries(rule.constants.map((name, k) => [name, wrap(values[k]!)]));
}

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

/**
 * One step of `rule` on plain numbers: 'float32' rounds every operation and constant as the tensor
 * path does (same results as tensorStep on the cpu backend), 'float64' does not round.
 */
export function numberStep<S extends string, H, C extends string>(
  rule: Rule<S, H, C>, x: RuleInput<number, S>, h: H, t: number, precision: 'float32' | 'float64' = 'float32',
): RuleOutput<number, S> {
  const single = precision === 'float32';
  const c = mapConstants(rule, h, t, single ? Math.fround : (v) => v) as Record<C, number>;
  return rule.step(single ? float32Ops : float64Ops, x, c);
}
