/**
 * The trajectories playground (notebook 04): seven optimizers on one of the toys, each step taken by
 * the lib's own update rules (optimizers/classic.ts and updates.ts) on plain numbers. Pure
 * computation, no DOM and no TensorFlow.js: the browser widget (widgets.ts) and Node share it.
 */
import { adagradUpdate, momentumUpdate, rmspropUpdate, sgdUpdate } from '../optimizers/classic';
import { numberStepper } from '../optimizers/rule';
import { adamUpdate, amsgradUpdate, yogiUpdate } from '../optimizers/updates';
import { bealeFunction, NamedTrajectory, quadraticBowl, rosenbrockValley, ruleTrajectory, saddleFunction, StepRule, Toy2D } from '../toys';
import { checkKeys, integerIn, numberIn, oneOf } from './check';

/** The toys the playground offers, by the name its options use. */
export const PLAYGROUND_TOYS: Readonly<Record<'bowl' | 'beale' | 'rosenbrock' | 'saddle', Toy2D>> = {
  bowl: quadraticBowl, beale: bealeFunction, rosenbrock: rosenbrockValley, saddle: saddleFunction,
};
/** One of the playground's toys. */
export type PlaygroundToy = keyof typeof PLAYGROUND_TOYS;

/** The optimizers it draws, in legend order (each keeps its colour when others are hidden). */
export const PLAYGROUND_OPTIMIZERS = ['gd', 'momentum', 'adagrad', 'rmsprop', 'adam', 'amsgrad', 'yogi'] as const;
/** One of the playground's optimizers. */
export type PlaygroundOptimizer = (typeof PLAYGROUND_OPTIMIZERS)[number];
/** Their names in the legend. */
export const OPTIMIZER_LABELS: Readonly<Record<PlaygroundOptimizer, string>> = {
  gd: 'GD', momentum: 'momentum', adagrad: 'AdaGrad', rmsprop: 'RMSProp', adam: 'Adam', amsgrad: 'AMSGrad', yogi: 'Yogi',
};

/** Everything that fixes the drawn paths. */
export interface TrajectorySettings {
  fn: PlaygroundToy;
  start: [number, number];
  steps: number;
  /** The optimizers drawn. */
  show: PlaygroundOptimizer[];
  /** Each optimizer's learning rate. */
  lr: Record<PlaygroundOptimizer, number>;
  /** Adam/AMSGrad/Yogi's β1, also momentum's μ. */
  beta1: number;
  /** Adam/AMSGrad/Yogi's β2. */
  beta2: number;
  /** ε of every adaptive method (TensorFlow.js's 1e-7 by default). */
  epsilon: number;
  /** RMSProp's decay ρ. */
  rho: number;
}

/** What `d2l.playground('trajectories', options)` takes: any of the settings; the rest come from the toy's preset. */
export type TrajectoryPlaygroundOptions = Partial<Omit<TrajectorySettings, 'lr'>> & { lr?: Partial<Record<PlaygroundOptimizer, number>> };

const rates = (sgd: number, adagrad: number, adaptive: number, momentum = sgd * 0.1): Record<PlaygroundOptimizer, number> =>
  ({ gd: sgd, momentum: Number(momentum.toPrecision(2)), adagrad, rmsprop: adaptive, adam: adaptive, amsgrad: adaptive, yogi: adaptive });
const all = [...PLAYGROUND_OPTIMIZERS];

/**
 * Notebook 04's settings for each toy: its first figure for the bowl (five optimizers, 50 steps),
 * the learning-rate table of its "three test functions" for the others.
 */
export function trajectoryPreset(fn: PlaygroundToy): TrajectorySettings {
  const toy = PLAYGROUND_TOYS[fn];
  const common = { fn, start: [toy.start[0], toy.start[1]] as [number, number], beta1: 0.9, beta2: 0.999, epsilon: 1e-7, rho: 0.9 };
  switch (fn) {
    case 'bowl':
      return { ...common, steps: 50, show: ['gd', 'momentum', 'adagrad', 'rmsprop', 'adam'], lr: { ...rates(0.4, 1, 0.3, 0.04), rmsprop: 0.2 } };
    case 'beale':
      return { ...common, steps: 300, show: all, lr: rates(0.01, 1, 0.1) };
    case 'rosenbrock':
      return { ...common, steps: 500, show: all, lr: rates(0.002, 1, 0.1) };
    case 'saddle':
      return { ...common, steps: 200, show: all, lr: rates(0.05, 0.5, 0.05) };
  }
}

/** The preset of `options.fn` (default the bowl) with `options` on top, checked. */
export function trajectorySettings(options: TrajectoryPlaygroundOptions = {}): TrajectorySettings {
  checkKeys('trajectories', options, ['fn', 'start', 'steps', 'show', 'lr', 'beta1', 'beta2', 'epsilon', 'rho']);
  const fn = oneOf('fn', options.fn ?? 'bowl', Object.keys(PLAYGROUND_TOYS) as PlaygroundToy[]);
  const preset = trajectoryPreset(fn);
  const s: TrajectorySettings = { ...preset, ...options, fn, lr: { ...preset.lr } };
  checkKeys('trajectories (lr)', options.lr ?? {}, PLAYGROUND_OPTIMIZERS);
  for (const [name, value] of Object.entries(options.lr ?? {})) s.lr[name as PlaygroundOptimizer] = numberIn(`lr.${name}`, value, 1e-6, 100);
  if (!Array.isArray(s.start) || s.start.length !== 2) throw new RangeError(`start must be a point [x, y], got ${JSON.stringify(s.start)}`);
  s.start = [numberIn('start[0]', s.start[0], -1e3, 1e3), numberIn('start[1]', s.start[1], -1e3, 1e3)];
  if (!Array.isArray(s.show)) throw new RangeError(`show must be a list of optimizers, e.g. ['adam', 'yogi'], got ${JSON.stringify(s.show)}`);
  s.show = PLAYGROUND_OPTIMIZERS.filter((o) => s.show.map((v) => oneOf('show[]', v, PLAYGROUND_OPTIMIZERS)).includes(o));
  integerIn('steps', s.steps, 1, 2000);
  numberIn('beta1', s.beta1, 0, 0.9999);
  numberIn('beta2', s.beta2, 0, 0.99999);
  numberIn('epsilon', s.epsilon, 1e-12, 1);
  numberIn('rho', s.rho, 0, 0.9999);
  return s;
}

/** A fresh stepper (zero state, AdaGrad's 0.1) of optimizer `name` with the settings' hyperparameters. */
export function playgroundRule(name: PlaygroundOptimizer, s: TrajectorySettings): StepRule {
  const lr = s.lr[name];
  const adam = { learningRate: lr, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon };
  const stepper = {
    gd: () => numberStepper(sgdUpdate, { learningRate: lr }, 2),
    momentum: () => numberStepper(momentumUpdate, { learningRate: lr, momentum: s.beta1 }, 2),
    adagrad: () => numberStepper(adagradUpdate, { learningRate: lr, initialAccumulatorValue: 0.1, epsilon: s.epsilon }, 2, { initial: { accumulator: 0.1 } }),
    rmsprop: () => numberStepper(rmspropUpdate, { learningRate: lr, decay: s.rho, epsilon: s.epsilon }, 2),
    adam: () => numberStepper(adamUpdate, adam, 2),
    amsgrad: () => numberStepper(amsgradUpdate, adam, 2),
    yogi: () => numberStepper(yogiUpdate, adam, 2),
  }[name]();
  return (g, t) => stepper(g, t) as [number, number];
}

/** The paths of the shown optimizers, each named as in the legend and tagged with its optimizer. */
export function trajectoryRuns(s: TrajectorySettings): Array<NamedTrajectory & { optimizer: PlaygroundOptimizer }> {
  const toy = PLAYGROUND_TOYS[s.fn];
  return s.show.map((optimizer) => ({
    optimizer,
    name: `${OPTIMIZER_LABELS[optimizer]}, η = ${s.lr[optimizer]}`,
    ...ruleTrajectory(playgroundRule(optimizer, s), toy, s.steps, { start: s.start }),
  }));
}
