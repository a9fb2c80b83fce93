/**
 * The Reddi playground (notebook 05): Reddi, Kale & Kumar's Theorem 1 problem (C·x once every three
 * steps, −x otherwise, on [−1, 1]) played by Adam, AMSGrad and Yogi with the lib's own rules
 * (optimizers/updates.ts) on plain numbers. Pure computation: the widget and Node share it.
 *
 * The rules run in float32, as the tf optimizers and notebook 05's tensor rules do: on this problem
 * Yogi's v reaches g² exactly (v − g² = 0, sign 0), and whether float64 rounding lands just above or
 * below decides a step, so float64 would draw a Yogi path visibly off the notebook's figure.
 */
import { playOnline, reddiTheorem1 } from '../online';
import { AnyRule, numberStepper } from '../optimizers/rule';
import { adamUpdate, amsgradUpdate, yogiUpdate } from '../optimizers/updates';
import { checkKeys, integerIn, numberIn, oneOf } from './check';

/** The three rules it plays, in legend order. */
export const REDDI_RULES = ['adam', 'amsgrad', 'yogi'] as const;
/** One of them. */
export type ReddiRule = (typeof REDDI_RULES)[number];
const LABELS: Record<ReddiRule, string> = { adam: 'Adam', amsgrad: 'AMSGrad', yogi: 'Yogi' };
/** ε per rule, as notebook 05 (Yogi's is the chapter's 1e-3). */
const EPSILON: Record<ReddiRule, number> = { adam: 1e-8, amsgrad: 1e-8, yogi: 1e-3 };

/** Everything that fixes the game. */
export interface ReddiSettings {
  /** The large gradient, C > 2. */
  C: number;
  beta1: number;
  beta2: number;
  /** When true, β2 follows C as 1/(1 + C²), the theorem's choice. */
  beta2FromC: boolean;
  /** The step size α: α/√t, or α at every step. */
  alpha: number;
  schedule: 'sqrt' | 'constant';
  steps: number;
}

/** What `d2l.playground('reddi', options)` takes. */
export type ReddiPlaygroundOptions = Partial<ReddiSettings>;

/** Notebook 05's Theorem 1 figure: C = 3, β1 = 0, β2 = 1/(1 + C²), α_t = 0.5/√t, 1500 steps. */
export function reddiPreset(): ReddiSettings {
  return { C: 3, beta1: 0, beta2: 0.1, beta2FromC: true, alpha: 0.5, schedule: 'sqrt', steps: 1500 };
}

/** The preset with `options` on top, checked; β2 = 1/(1 + C²) unless β2 is given or beta2FromC is false. */
export function reddiSettings(options: ReddiPlaygroundOptions = {}): ReddiSettings {
  checkKeys('reddi', options, ['C', 'beta1', 'beta2', 'beta2FromC', 'alpha', 'schedule', 'steps']);
  const s: ReddiSettings = { ...reddiPreset(), ...(options.beta2 !== undefined ? { beta2FromC: false } : {}), ...options };
  numberIn('C', s.C, 2.000001, 1e4);
  numberIn('beta1', s.beta1, 0, 0.999);
  if (typeof s.beta2FromC !== 'boolean') throw new RangeError(`beta2FromC must be true or false, got ${JSON.stringify(s.beta2FromC)}`);
  if (s.beta2FromC) s.beta2 = 1 / (1 + s.C * s.C);
  numberIn('beta2', s.beta2, 0, 0.99999);
  numberIn('alpha', s.alpha, 1e-6, 100);
  oneOf('schedule', s.schedule, ['sqrt', 'constant']);
  integerIn('steps', s.steps, 3, 20000);
  return s;
}

/** The points x_t played by each rule (t = 1 … steps), named as in the legend. */
export function reddiRuns(s: ReddiSettings): Array<{ rule: ReddiRule; name: string; x: number[] }> {
  const problem = reddiTheorem1(s.C);
  return REDDI_RULES.map((rule) => {
    const update: AnyRule = { adam: adamUpdate, amsgrad: amsgradUpdate, yogi: yogiUpdate }[rule];
    const h = (t: number) => ({ learningRate: s.schedule === 'sqrt' ? s.alpha / Math.sqrt(t) : s.alpha, beta1: s.beta1, beta2: s.beta2, epsilon: EPSILON[rule] });
    const stepper = numberStepper(update, h, 1, { precision: 'float32' });
    const play = playOnline(problem, (g, t) => stepper([g], t)[0]!, s.steps);
    return { rule, name: LABELS[rule], x: play.x };
  });
}
