/**
 * Small experiments on Adam's update itself (notebook 03): the moments over a gradient sequence, the
 * step length against Kingma and Ba's bound and the Cauchy–Schwarz bound, and TensorFlow's
 * "efficient" form. Every step is taken with `adamRule`, the lib's one implementation of Adam.
 */
import * as tf from '@tensorflow/tfjs';
import { adamRule, AdamHyperparams, Moments } from './optimizers';

/** Raw and bias-corrected moments after every step, indexed [step][lane]. The papers' m, v are d2l's v, s. */
export interface MomentTraces {
  rawV: number[][];
  hatV: number[][];
  rawS: number[][];
  hatS: number[][];
}

/** Run Adam's moment updates on grads[t][lane] from zero moments and record them (bias-correction figure). */
export function momentTraces(grads: ArrayLike<number>[], h: AdamHyperparams): MomentTraces {
  const lanes = checkedLanes(grads);
  const out: MomentTraces = { rawV: [], hatV: [], rawS: [], hatS: [] };
  let state: Moments = { m: tf.zeros([lanes]), v: tf.zeros([lanes]) };
  grads.forEach((g, i) => {
    const t = i + 1;
    const next = tf.tidy(() => {
      const { m, v } = adamRule(tf.tensor1d(Array.from(g)), state, h, t).state;
      return { m, v };
    });
    tf.dispose([state.m, state.v]);
    state = next;
    const [v, s] = [Array.from(next.m.dataSync()), Array.from(next.v.dataSync())];
    out.rawV.push(v);
    out.hatV.push(v.map((x) => x / (1 - h.beta1 ** t)));
    out.rawS.push(s);
    out.hatS.push(s.map((x) => x / (1 - h.beta2 ** t)));
  });
  tf.dispose([state.m, state.v]);
  return out;
}

/** |Δ_t|/η at every step (rows) and lane (columns) when Adam with ε ≈ 0 sees grads[t][lane] (step-bound table). */
export function stepRatios(beta1: number, beta2: number, grads: ArrayLike<number>[]): number[][] {
  const lanes = checkedLanes(grads);
  // ε = 1e-30 only keeps 0/0 away in lanes that have seen no gradient yet.
  const h = { learningRate: 1, beta1, beta2, epsilon: 1e-30 };
  let state: Moments = { m: tf.zeros([lanes]), v: tf.zeros([lanes]) };
  const rows = grads.map((g, i) => {
    const { next, ratio } = tf.tidy(() => {
      const { update, state: s } = adamRule(tf.tensor1d(Array.from(g)), state, h, i + 1);
      return { next: { m: s.m, v: s.v }, ratio: update.abs() };
    });
    tf.dispose([state.m, state.v]);
    state = next;
    const row = Array.from(ratio.dataSync());
    ratio.dispose();
    return row;
  });
  tf.dispose([state.m, state.v]);
  return rows;
}

/** |Δ_t|/η for a lone gradient at step t after t − 1 zero gradients ("severe sparsity"), with ε = 0. */
export function spikeRatio(beta1: number, beta2: number, t: number): number {
  return tf.tidy(() => Math.abs(adamRule(tf.scalar(1), { m: tf.scalar(0), v: tf.scalar(0) }, { learningRate: 1, beta1, beta2, epsilon: 0 }, t).update.dataSync()[0]!));
}

/** Kingma and Ba's approximate bound on |Δ|/η: (1 − β1)/√(1 − β2) when that exceeds 1, else 1. */
export function kingmaBaBound(beta1: number, beta2: number): number {
  return Math.max(1, (1 - beta1) / Math.sqrt(1 - beta2));
}

/** The Cauchy–Schwarz bound C_t on |Δ_t|/η: the largest ratio any gradient sequence can reach at step t (ε = 0). */
export function cauchySchwarzBound(beta1: number, beta2: number, t: number): number {
  const r = beta1 ** 2 / beta2;
  const geometricSum = r === 1 ? t : (1 - r ** t) / (1 - r);
  return ((1 - beta1) / (1 - beta1 ** t)) * Math.sqrt(((1 - beta2 ** t) / (1 - beta2)) * geometricSum);
}

/** How TensorFlow's "efficient" form compares with the chapter's step, per step and gradient size. */
export interface EfficientFormComparison {
  /** Per step: the largest relative gap when ε̂ = ε·√(1 − β2ᵗ) (zero up to rounding). */
  matchedGap: number[];
  /** Per gradient size, then step: efficient step ÷ chapter step with a constant ε̂ = ε. */
  constantRatio: number[][];
}

/**
 * Feed constant gradients of the given sizes to Adam for `steps` steps and compare the chapter's step
 * (adamRule) with the efficient form α_t·v/(√s + ε̂), α_t = η√(1 − β2ᵗ)/(1 − β1ᵗ), on the same raw moments.
 */
export function efficientFormComparison(gradSizes: number[], steps: number, h: AdamHyperparams): EfficientFormComparison {
  const out: EfficientFormComparison = { matchedGap: [], constantRatio: gradSizes.map(() => []) };
  let state: Moments = { m: tf.zeros([gradSizes.length]), v: tf.zeros([gradSizes.length]) };
  for (let t = 1; t <= steps; t++) {
    const alpha = (h.learningRate * Math.sqrt(1 - h.beta2 ** t)) / (1 - h.beta1 ** t);
    const { next, chapter, matched, constant } = tf.tidy(() => {
      const { update, state: s } = adamRule(tf.tensor1d(gradSizes), state, h, t);
      const efficient = (epsHat: number) => s.m.div(s.v.sqrt().add(epsHat)).mul(-alpha);
      return { next: { m: s.m, v: s.v }, chapter: update, matched: efficient(h.epsilon * Math.sqrt(1 - h.beta2 ** t)), constant: efficient(h.epsilon) };
    });
    tf.dispose([state.m, state.v]);
    state = next;
    const [c, a, b] = [chapter.dataSync(), matched.dataSync(), constant.dataSync()];
    out.matchedGap.push(Math.max(...gradSizes.map((_, i) => Math.abs(a[i]! - c[i]!) / Math.abs(c[i]!))));
    gradSizes.forEach((_, i) => out.constantRatio[i]!.push(b[i]! / c[i]!));
    tf.dispose([chapter, matched, constant]);
  }
  tf.dispose([state.m, state.v]);
  return out;
}

function checkedLanes(grads: ArrayLike<number>[]): number {
  if (grads.length === 0) throw new RangeError('need at least one step of gradients');
  const lanes = grads[0]!.length;
  grads.forEach((g, i) => {
    if (g.length !== lanes) throw new RangeError(`step ${i + 1} has ${g.length} gradients, step 1 has ${lanes}: every step needs one per lane`);
  });
  return lanes;
}
