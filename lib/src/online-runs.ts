/**
 * The online problems of online.ts played with the tensor update rules of optimizers/rules.ts
 * (adamRule, amsgradRule, yogiRule): notebook 05 checks its plain-number rules against these.
 */
import * as tf from '@tensorflow/tfjs';
import { OnlinePlay, OnlineProblem } from './online';
import { AdamHyperparams, RuleResult } from './optimizers';

/** Hyperparameters of an online run; the learning rate may follow a schedule t ↦ α_t. */
export interface OnlineHyperparams extends Omit<AdamHyperparams, 'learningRate'> {
  learningRate: number | ((t: number) => number);
}

/** A rule of optimizers/rules.ts (adamRule, amsgradRule, yogiRule): gradient and state in, step out. */
export type OnlineRule<S> = (grad: tf.Tensor, state: S, h: AdamHyperparams, t: number) => RuleResult<S>;

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
