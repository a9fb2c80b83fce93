/**
 * Online optimization on the real line: Reddi, Kale & Kumar's counterexamples to Adam's convergence
 * and a runner that plays them with the update rules of optimizers/rules.ts (notebooks 05 and 06).
 */
import * as tf from '@tensorflow/tfjs';
import { AdamHyperparams, RuleResult } from './optimizers';

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

/** Hyperparameters of an online run; the learning rate may follow a schedule t ↦ α_t. */
export interface OnlineHyperparams extends Omit<AdamHyperparams, 'learningRate'> {
  learningRate: number | ((t: number) => number);
}

/** A rule of optimizers/rules.ts (adamRule, amsgradRule, yogiRule): gradient and state in, step out. */
export type OnlineRule<S> = (grad: tf.Tensor, state: S, h: AdamHyperparams, t: number) => RuleResult<S>;

/** What an online game recorded, per step t = 1…T. */
export interface OnlinePlay {
  /** x_t, the point played at step t (before seeing f_t). */
  x: number[];
  /** Average regret R_t/t, R_t = Σ_{s≤t} f_s(x_s) − f_s(optimum). */
  averageRegret: number[];
}

/** What `runOnline` records: the game, and the rule's final state. */
export interface OnlineRun extends OnlinePlay {
  /** The rule's state after the last step (m, v, …), read out as numbers (first element of each). */
  finalState: Record<string, number>;
}

/**
 * Play `steps` rounds of `problem` with `rule`: at step t play x_t, pay f_t(x_t), update with the
 * gradient of f_t, then project onto [lo, hi]. `state` is the rule's initial state (e.g. zeros for m and
 * v); the run takes ownership and disposes it.
 */
export function runOnline<S extends object>(
  problem: OnlineProblem, rule: OnlineRule<S>, state: S, h: OnlineHyperparams, steps: number, x0 = 0,
): OnlineRun {
  const lr = h.learningRate;
  const run: OnlineRun = { x: [], averageRegret: [], finalState: {} };
  let x = x0;
  let regret = 0;
  let current = state;
  try {
    for (let t = 1; t <= steps; t++) {
      run.x.push(x);
      regret += problem.loss(t, x) - problem.loss(t, problem.optimum);
      run.averageRegret.push(regret / t);
      const hyper: AdamHyperparams = { ...h, learningRate: typeof lr === 'number' ? lr : lr(t) };
      const g = problem.gradient(t, x);
      const { next, moved } = tf.tidy(() => {
        const result = rule(tf.scalar(g), current, hyper, t);
        return { next: result.state as unknown as tf.TensorContainer, moved: result.update.add(x) };
      });
      tf.dispose(current as unknown as tf.TensorContainer);
      current = next as unknown as S;
      const after = moved.dataSync()[0]!;
      moved.dispose();
      x = Math.min(problem.hi, Math.max(problem.lo, after));
    }
    for (const [name, tensor] of Object.entries(current as Record<string, tf.Tensor>)) run.finalState[name] = tensor.dataSync()[0]!;
  } finally {
    tf.dispose(current as unknown as tf.TensorContainer);
  }
  return run;
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
