/**
 * The noise-floor playground (notebook 06, exercise 1): minibatch SGD and the chapter's Adam on a
 * small synthetic linear regression shaped like the airfoil data (1500 examples, 5 standardized
 * features, label noise σ = 0.7, so the best possible loss is about σ²/2 ≈ 0.245), computed in plain
 * numbers with the lib's own rules (optimizers/classic.ts, updates.ts). The learning rate and the
 * minibatch size set how far above that floor the loss settles. Pure computation.
 */
import { sgdUpdate } from '../optimizers/classic';
import { AnyRule, numberStepper } from '../optimizers/rule';
import { adamUpdate } from '../optimizers/updates';
import { Random } from '../random';
import { checkKeys, integerIn, numberIn } from './check';

/** The two trainers it compares. */
export const NOISE_RULES = ['sgd', 'adam'] as const;
/** One of them. */
export type NoiseRule = (typeof NOISE_RULES)[number];

/** Everything that fixes the curves. */
export interface NoiseSettings {
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Seed of the data, the initial weights and the minibatch order. */
  seed: number;
}

/** What `d2l.playground('noise', options)` takes. */
export type NoisePlaygroundOptions = Partial<NoiseSettings>;

/** The chapter's setting: η = 0.01, minibatches of 10, two epochs. */
export function noisePreset(): NoiseSettings {
  return { learningRate: 0.01, batchSize: 10, epochs: 2, seed: 1 };
}

/** The preset with `options` on top, checked. */
export function noiseSettings(options: NoisePlaygroundOptions = {}): NoiseSettings {
  checkKeys('noise', options, ['learningRate', 'batchSize', 'epochs', 'seed']);
  const s = { ...noisePreset(), ...options };
  numberIn('learningRate', s.learningRate, 1e-6, 10);
  integerIn('batchSize', s.batchSize, 1, NOISE_EXAMPLES);
  integerIn('epochs', s.epochs, 1, 20);
  integerIn('seed', s.seed, 0, 2 ** 32 - 1);
  return s;
}

/** Examples, features and label noise of the synthetic problem. */
export const NOISE_EXAMPLES = 1500;
const FEATURES = 5;
const LABEL_NOISE = 0.7;
const TRUE_WEIGHTS = [0.4, -0.3, 0.25, -0.2, 0.15];

/** The loss curves: the halved squared loss on all examples every 200 examples (as d2l's train_ch11), per rule. */
export interface NoiseRun {
  epochs: number[];
  losses: Record<NoiseRule, number[]>;
  /** σ²/2, the expected loss of the true weights. */
  floor: number;
}

/** Train both rules from the same initial weights on the same minibatches and record the loss. */
export function noiseRun(s: NoiseSettings): NoiseRun {
  const data = new Random(s.seed);
  const X = Array.from({ length: NOISE_EXAMPLES }, () => Array.from({ length: FEATURES }, () => data.normal()));
  const y = X.map((x) => x.reduce((sum, v, j) => sum + v * TRUE_WEIGHTS[j]!, 0) + LABEL_NOISE * data.normal());
  const init = Array.from({ length: FEATURES }, () => 0.01 * data.normal()).concat([0]);
  const run: NoiseRun = { epochs: [], losses: { sgd: [], adam: [] }, floor: LABEL_NOISE ** 2 / 2 };
  const loss = (w: number[]): number => {
    let sum = 0;
    for (let i = 0; i < NOISE_EXAMPLES; i++) sum += (X[i]!.reduce((a, v, j) => a + v * w[j]!, w[FEATURES]!) - y[i]!) ** 2 / 2;
    return sum / NOISE_EXAMPLES;
  };
  for (const name of NOISE_RULES) {
    const rule: AnyRule = name === 'sgd' ? sgdUpdate : adamUpdate;
    // The chapter's Adam: β1 0.9, β2 0.999, ε 1e-6.
    const step = numberStepper(rule, { learningRate: s.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-6 }, FEATURES + 1);
    const order = new Random(s.seed + 1); // the same minibatches for both rules
    const w = init.slice();
    const curve = run.losses[name];
    let seen = 0;
    let t = 0;
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      const perm = Array.from({ length: NOISE_EXAMPLES }, (_, i) => i);
      for (let i = perm.length - 1; i > 0; i--) {
        const j = Math.floor(order.next() * (i + 1));
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      for (let start = 0; start < NOISE_EXAMPLES; start += s.batchSize) {
        const batch = perm.slice(start, start + s.batchSize);
        const grad = new Array<number>(FEATURES + 1).fill(0);
        for (const i of batch) {
          const r = X[i]!.reduce((a, v, j) => a + v * w[j]!, w[FEATURES]!) - y[i]!;
          X[i]!.forEach((v, j) => (grad[j]! += (r * v) / batch.length));
          grad[FEATURES]! += r / batch.length;
        }
        const update = step(grad, ++t);
        update.forEach((u, j) => (w[j]! += u));
        const before = seen;
        seen += batch.length;
        // One point every 200 examples, as d2l's train_ch11.
        if (Math.floor(seen / 200) > Math.floor(before / 200)) {
          curve.push(loss(w));
          if (name === 'sgd') run.epochs.push(seen / NOISE_EXAMPLES);
        }
      }
    }
  }
  return run;
}
