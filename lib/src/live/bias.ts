/**
 * The bias-correction playground (notebook 03): Adam's moment estimates under gradients
 * g ~ N(1, σ²), raw and bias-corrected, and the step they make, averaged over many independent runs
 * (lanes) of the lib's own Adam rule (optimizers/updates.ts) on plain numbers. Pure computation.
 */
import { numberStepper } from '../optimizers/rule';
import { adamUpdate } from '../optimizers/updates';
import { Random } from '../random';
import { checkKeys, integerIn, numberIn } from './check';

/** Everything that fixes the curves. */
export interface BiasSettings {
  beta1: number;
  beta2: number;
  /** The gradient noise σ: g = 1 + σ·z, z ~ N(0, 1); σ = 0 is the constant gradient. */
  noise: number;
  steps: number;
  /** Seed of the noise (notebook 03 draws with Random(7)). */
  seed: number;
  /** Adam's ε (notebook 03's 1e-6). */
  epsilon: number;
}

/** What `d2l.playground('bias', options)` takes. */
export type BiasPlaygroundOptions = Partial<BiasSettings>;

/** Notebook 03's bias-correction figures: β1 0.9, β2 0.999, N(1, 1) gradients, 50 steps, Random(7). */
export function biasPreset(): BiasSettings {
  return { beta1: 0.9, beta2: 0.999, noise: 1, steps: 50, seed: 7, epsilon: 1e-6 };
}

/** The preset with `options` on top, checked. */
export function biasSettings(options: BiasPlaygroundOptions = {}): BiasSettings {
  checkKeys('bias', options, ['beta1', 'beta2', 'noise', 'steps', 'seed', 'epsilon']);
  const s = { ...biasPreset(), ...options };
  numberIn('beta1', s.beta1, 0, 0.9999);
  numberIn('beta2', s.beta2, 0, 0.99999);
  numberIn('noise', s.noise, 0, 100);
  integerIn('steps', s.steps, 1, 5000);
  integerIn('seed', s.seed, 0, 2 ** 32 - 1);
  numberIn('epsilon', s.epsilon, 1e-12, 1);
  return s;
}

/** Lanes averaged: notebook 03's 2000 up to 100 steps, fewer for longer runs (about 200,000 steps in all). */
export function biasLanes(steps: number): number {
  return steps <= 100 ? 2000 : Math.max(50, Math.round(200_000 / steps));
}

/** Per step t = 1 … steps, the lane means of the raw and corrected moments and of the step size in units of η. */
export interface BiasRun {
  lanes: number;
  rawV: number[];
  hatV: number[];
  rawS: number[];
  hatS: number[];
  /** Mean |Δ_t|/η of Adam's corrected step. */
  step: number[];
  /** Mean |Δ_t|/η the same moments would give without bias correction, η·v/(√s + ε). */
  uncorrectedStep: number[];
}

/** Run Adam on `lanes` independent noisy gradient streams (drawn step by step, lane by lane, as notebook 03) and average. */
export function biasRun(s: BiasSettings): BiasRun {
  const lanes = biasLanes(s.steps);
  const lr = 0.01;
  const adam = numberStepper(adamUpdate, { learningRate: lr, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon }, lanes);
  const random = new Random(s.seed);
  const run: BiasRun = { lanes, rawV: [], hatV: [], rawS: [], hatS: [], step: [], uncorrectedStep: [] };
  const g = new Array<number>(lanes);
  for (let t = 1; t <= s.steps; t++) {
    for (let i = 0; i < lanes; i++) g[i] = 1 + s.noise * random.normal();
    const update = adam(g, t);
    let [m, v, step, raw] = [0, 0, 0, 0];
    for (let i = 0; i < lanes; i++) {
      const state = adam.states[i]!;
      m += state.m;
      v += state.v;
      step += Math.abs(update[i]!) / lr;
      raw += Math.abs(state.m) / (Math.sqrt(state.v) + s.epsilon);
    }
    const [bc1, bc2] = [1 - s.beta1 ** t, 1 - s.beta2 ** t];
    run.rawV.push(m / lanes);
    run.hatV.push(m / lanes / bc1);
    run.rawS.push(v / lanes);
    run.hatS.push(v / lanes / bc2);
    run.step.push(step / lanes);
    run.uncorrectedStep.push(raw / lanes);
  }
  return run;
}
