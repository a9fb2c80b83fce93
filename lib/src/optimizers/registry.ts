/**
 * Every optimizer `makeOptimizer` and `trainConciseCh11` know by name — TensorFlow.js's own and the
 * lib's (catalog.ts) — with their hyperparameters by name and their defaults, written once. The
 * optimizer tests iterate this list.
 */
import * as tf from '@tensorflow/tfjs';
import { CATALOG } from './catalog';
import { checkConfigKeys } from './validate';

/** One named optimizer: its hyperparameters with defaults, and how to make it from a full config. */
export interface RegisteredOptimizer {
  readonly name: string;
  /** Every hyperparameter it takes, with its default (tfjs's names). */
  readonly defaults: Readonly<Record<string, number>>;
  /** One of the lib's own (catalog.ts), rather than tf.train's. */
  readonly ours: boolean;
  create(config: Record<string, number>): tf.Optimizer;
}

// tfjs's epsilon default is its backend's (1e-7 on cpu and wasm); written out so the table is complete.
const EPS = 1e-7;
const tfjs = (name: string, defaults: Record<string, number>, create: (c: Record<string, number>) => tf.Optimizer): RegisteredOptimizer =>
  ({ name, defaults, ours: false, create });

/** The registry, tf.train's first (d2l's order), then the lib's. */
export const OPTIMIZERS: readonly RegisteredOptimizer[] = [
  tfjs('sgd', { learningRate: 0.01 }, (c) => tf.train.sgd(c['learningRate']!)),
  tfjs('momentum', { learningRate: 0.01, momentum: 0.9, useNesterov: 0 },
    (c) => tf.train.momentum(c['learningRate']!, c['momentum']!, c['useNesterov'] !== 0)),
  tfjs('adagrad', { learningRate: 0.01, initialAccumulatorValue: 0.1 },
    (c) => tf.train.adagrad(c['learningRate']!, c['initialAccumulatorValue']!)),
  tfjs('adadelta', { learningRate: 0.001, rho: 0.95, epsilon: EPS },
    (c) => tf.train.adadelta(c['learningRate']!, c['rho']!, c['epsilon']!)),
  tfjs('adamax', { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: EPS, decay: 0 },
    (c) => tf.train.adamax(c['learningRate']!, c['beta1']!, c['beta2']!, c['epsilon']!, c['decay']!)),
  tfjs('rmsprop', { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: EPS, centered: 0 },
    (c) => tf.train.rmsprop(c['learningRate']!, c['decay']!, c['momentum']!, c['epsilon']!, c['centered'] !== 0)),
  tfjs('adam', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: EPS },
    (c) => tf.train.adam(c['learningRate']!, c['beta1']!, c['beta2']!, c['epsilon']!)),
  ...CATALOG.map((cls): RegisteredOptimizer => ({
    name: cls.descriptor.name, defaults: cls.descriptor.defaults, ours: true, create: (c) => new cls(c),
  })),
];

/** Hyperparameters by tfjs's names, e.g. { learningRate: 0.01 }; a missing entry takes the default. */
export interface OptimizerConfig {
  learningRate?: number;
  [hyperparameter: string]: number | undefined;
}

/**
 * Build a registered optimizer by name ('adam', 'yogi', …). An unknown name or hyperparameter is an
 * error listing the valid ones (a misspelt key would otherwise train silently at the default).
 */
export function makeOptimizer(name: string, config: OptimizerConfig = {}): tf.Optimizer {
  const entry = OPTIMIZERS.find((o) => o.name === name.toLowerCase());
  if (entry === undefined) {
    throw new RangeError(`Unknown optimizer '${name}': use one of ${OPTIMIZERS.map((o) => o.name).join(', ')}, or pass a tf.Optimizer`);
  }
  checkConfigKeys(entry.name, config, entry.defaults);
  const full: Record<string, number> = { ...entry.defaults };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) full[k] = v;
  return entry.create(full);
}
