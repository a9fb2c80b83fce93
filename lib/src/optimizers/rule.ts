/**
 * What an update rule is (optax's model: state in, state out) and how to run one on numbers
 * (tensor-step.ts runs it on tensors). The rules themselves are in updates.ts and classic.ts;
 * kernels.ts compiles the same rules into fused in-place steps. No TensorFlow.js here: the browser
 * playgrounds bundle this file.
 */
import { float32Ops, float64Ops, Ops } from './ops';

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

/** The rule's constants at step t by name, each passed through `wrap` (a rounding, a tensor). */
export function mapConstants<T>(rule: AnyRule, h: unknown, t: number, wrap: (x: number) => T): Record<string, T> {
  const values = constantList(rule, h, t);
  return Object.fromEntries(rule.constants.map((name, k) => [name, wrap(values[k]!)]));
}

/**
 * One step of `rule` on plain numbers: 'float32' rounds every operation and constant as the tensor
 * path does (same results as tensorStep, tensor-step.ts, on the cpu backend), 'float64' does not round.
 */
export function numberStep<S extends string, H, C extends string>(
  rule: Rule<S, H, C>, x: RuleInput<number, S>, h: H, t: number, precision: 'float32' | 'float64' = 'float32',
): RuleOutput<number, S> {
  const single = precision === 'float32';
  const c = mapConstants(rule, h, t, single ? Math.fround : (v) => v) as Record<C, number>;
  return rule.step(single ? float32Ops : float64Ops, x, c);
}

/** Options of `numberStepper`. */
export interface StepperOptions<S extends string> {
  /** Where each state slot starts (default 0), e.g. AdaGrad's accumulator at 0.1. */
  initial?: Partial<Record<S, number>>;
  /** As numberStep's: 'float64' (default here) or 'float32'. */
  precision?: 'float32' | 'float64';
}

/** Step t of a rule on a vector of plain numbers: the gradient (and the parameter, for rules that read it) in, the change to add out. */
export type NumberStepper = (grad: readonly number[], t: number, param?: readonly number[]) => number[];

/**
 * `rule` on n coordinates of plain numbers, keeping its own state: how the playgrounds (live/) run
 * the lib's rules, e.g. as a toys.ts StepRule. `h` may be a schedule t ↦ hyperparameters.
 * The constants are computed once per step for all coordinates; each coordinate is numberStep's.
 */
export function numberStepper<S extends string, H, C extends string>(
  rule: Rule<S, H, C>, h: H | ((t: number) => H), n: number, options: StepperOptions<S> = {},
): NumberStepper & { readonly states: ReadonlyArray<Readonly<Record<S, number>>> } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`numberStepper needs n >= 1 coordinates, got ${n}`);
  const single = (options.precision ?? 'float64') === 'float32';
  const round = single ? Math.fround : (v: number): number => v;
  const ops = single ? float32Ops : float64Ops;
  const states = Array.from({ length: n }, () =>
    Object.fromEntries(rule.state.map((s) => [s, round(options.initial?.[s] ?? 0)])) as Record<S, number>);
  const schedule = typeof h === 'function' ? (h as (t: number) => H) : (): H => h;
  const step: NumberStepper = (grad, t, param) => {
    if (grad.length !== n) throw new RangeError(`${rule.name}: expected ${n} gradient coordinates, got ${grad.length}`);
    const c = mapConstants(rule, schedule(t), t, round) as Record<C, number>;
    return states.map((state, i) => {
      const g = round(grad[i]!);
      const out = rule.step(ops, { param: param ? round(param[i]!) : g, grad: g, state }, c);
      states[i] = out.state;
      return out.update;
    });
  };
  // The state after the last step, per coordinate (the bias playground plots the raw moments).
  return Object.assign(step, { states });
}
