/**
 * Online optimization on the real line: Reddi, Kale & Kumar's counterexamples to Adam's convergence
 * and a runner that plays them with rules on plain numbers (notebooks 05 and 06, the Reddi
 * playground); online-runs.ts plays them with the tensor rules. No TensorFlow.js here: the browser
 * playgrounds bundle this file.
 */
import { numberStepper, Rule, StepperOptions } from './optimizers/rule';

/** A sequence of losses f_t on an interval [lo, hi] (±Infinity for none), and the best fixed point. */
export interface OnlineProblem {
  readonly name: string;
  loss(t: number, x: number): number;
  gradient(t: number, x: number): number;
  readonly lo: number;
  readonly hi: number;
  /** The minimizer of the long-run average loss: the comparator of the regret. */
  readonly optimum: number;
}

/** f_t(x) = c_t·x on [−1, 1] with c_t = `big` once every `period` steps (t mod period = 1), else −`small`. */
export function periodicLinear(big: number, small: number, period: number): OnlineProblem {
  const coefficient = (t: number): number => (t % period === 1 ? big : -small);
  const drift = big - (period - 1) * small;
  return {
    name: `f_t(x) = ${big}x if t mod ${period} = 1, else −${small}x`,
    loss: (t, x) => coefficient(t) * x,
    gradient: (t) => coefficient(t),
    lo: -1,
    hi: 1,
    // The average loss is (drift/period)·x: minimized at −1 when the rare term wins.
    optimum: drift > 0 ? -1 : 1,
  };
}

/** The experiment Reddi et al. plot: 1010x once every 101 steps, −10x otherwise (use β1 0.9, β2 0.99). */
export function reddiExperiment(): OnlineProblem {
  return periodicLinear(1010, 10, 101);
}

/** Reddi et al.'s Theorem 1: C·x once every 3 steps, −x otherwise, C > 2 (use β1 0, β2 1/(1 + C²)). */
export function reddiTheorem1(C: number): OnlineProblem {
  if (!(C > 2)) throw new RangeError(`Theorem 1 needs C > 2, got ${C}`);
  return periodicLinear(C, 1, 3);
}

/** What an online game recorded, per step t = 1…T. */
export interface OnlinePlay {
  /** x_t, the point played at step t (before seeing f_t). */
  x: number[];
  /** Average regret R_t/t, R_t = Σ_{s≤t} f_s(x_s) − f_s(optimum). */
  averageRegret: number[];
}

/** Mean of `values` over consecutive blocks of `period` (a full period of a periodic problem). */
export function periodMeans(values: number[], period: number): number[] {
  const means: number[] = [];
  for (let start = 0; start + period <= values.length; start += period) {
    let sum = 0;
    for (let i = start; i < start + period; i++) sum += values[i]!;
    means.push(sum / period);
  }
  return means;
}

/** A rule on plain numbers for one coordinate: the gradient at step t (1-based) in, the change to add out. */
export type ScalarRule = (gradient: number, t: number) => number;

/**
 * `runOnline` for a rule written on plain numbers (notebook 05 writes Adam, AMSGrad and Yogi this way;
 * the rule keeps its own state): play x_t, pay f_t(x_t), step with the gradient, project onto [lo, hi].
 */
export function playOnline(problem: OnlineProblem, rule: ScalarRule, steps: number, x0 = 0): OnlinePlay {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be an integer >= 0, got ${steps}`);
  const play: OnlinePlay = { x: [], averageRegret: [] };
  let [x, regret] = [x0, 0];
  for (let t = 1; t <= steps; t++) {
    play.x.push(x);
    regret += problem.loss(t, x) - problem.loss(t, problem.optimum);
    play.averageRegret.push(regret / t);
    x = Math.min(problem.hi, Math.max(problem.lo, x + rule(problem.gradient(t, x), t)));
  }
  return play;
}

/** A lib update rule (e.g. adamUpdate) as a ScalarRule for playOnline: numberStepper on one float64 coordinate; `state` is its state after the last step. */
export function scalarStepper<S extends string, H, C extends string>(
  rule: Rule<S, H, C>, h: H | ((t: number) => H), options: StepperOptions<S> = {},
): ScalarRule & { readonly state: Readonly<Record<S, number>> } {
  const stepper = numberStepper(rule, h, 1, options);
  const step: ScalarRule = (gradient, t) => stepper([gradient], t)[0]!;
  return Object.defineProperty(step, 'state', { get: () => stepper.states[0]!, enumerable: true }) as ScalarRule & { readonly state: Readonly<Record<S, number>> };
}
