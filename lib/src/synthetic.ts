/**
 * Synthetic regression data sets built to separate optimizers: features on very different scales
 * (notebook 02), where the standardized airfoil data cannot tell them apart.
 */
import { DataIter, loadArray } from './data';
import { Random } from './random';

/** Options of `scaledRegression`. */
export interface ScaledRegressionOptions {
  /** Standard deviation of each feature; how far apart they are sets how ill-conditioned the problem is. */
  scales: number[];
  /** Number of examples (default 1000). */
  n?: number;
  /** Standard deviation of the label noise (default 0.1). */
  noise?: number;
  /** Minibatch size of the iterator (default 10). */
  batchSize?: number;
  /** Seed of the data's own generator (default 0); the lib's global generator (`manualSeed`) is not touched. */
  seed?: number;
}

/** The data set of `scaledRegression` and what it was made from. */
export interface ScaledRegression {
  /** Minibatches in a fresh order every pass, drawn from the lib's global generator like `getDataCh11`. */
  dataIter: DataIter;
  /** The weights that generated the labels, wⱼ = 1/(sⱼ·√d); the bias is 0. */
  trueWeights: number[];
  /** noise²/2: the expected halved squared loss of the true weights, the level no fit can beat by much. */
  noiseFloor: number;
}

/**
 * Linear regression with features on very different scales: xⱼ ~ N(0, sⱼ²), y = Σⱼ wⱼxⱼ + noise with
 * wⱼ = 1/(sⱼ·√d), so every feature explains the same share 1/d of y's variance — the small-scale
 * features matter as much as the large ones, but their weights are large and their gradients small.
 * The Hessian of the squared loss is nearly diagonal with entries ∝ sⱼ², so its condition number is
 * about (max s / min s)².
 */
export function scaledRegression(options: ScaledRegressionOptions): ScaledRegression {
  const { scales, n = 1000, noise = 0.1, batchSize = 10, seed = 0 } = options;
  if (scales.length === 0 || !scales.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RangeError(`scales must be positive finite numbers, got [${scales.join(', ')}]`);
  }
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isFinite(noise) || noise < 0) throw new RangeError(`noise must be a finite number >= 0, got ${noise}`);
  const d = scales.length;
  const trueWeights = scales.map((s) => 1 / (s * Math.sqrt(d)));
  const random = new Random(seed);
  const { features, labels } = linearExamples(n, trueWeights, noise, random, (j) => scales[j]! * random.normal());
  return { dataIter: loadArray(features, labels, d, batchSize), trueWeights, noiseFloor: noise ** 2 / 2 };
}

/** Options of `sparseRegression`. */
export interface SparseRegressionOptions {
  /** For each feature, the probability that it is nonzero in an example (in (0, 1]). */
  frequencies: number[];
  /** Number of examples (default 2000). */
  n?: number;
  /** Standard deviation of the label noise (default 0.1). */
  noise?: number;
  /** Minibatch size of the iterator (default 10). */
  batchSize?: number;
  /** Seed of the data's own generator (default 0); the lib's global generator is not touched. */
  seed?: number;
}

/**
 * Linear regression with sparse features (notebook 03): feature j is 1 with probability fⱼ and
 * 0 otherwise, y = Σⱼ xⱼ + noise, so every true weight is 1. A rare feature's weight gets a gradient
 * only in the few minibatches where the feature appears, and its curvature is fⱼ times smaller than
 * that of a feature present everywhere — a badly scaled direction in disguise.
 */
export function sparseRegression(options: SparseRegressionOptions): ScaledRegression {
  const { frequencies, n = 2000, noise = 0.1, batchSize = 10, seed = 0 } = options;
  if (frequencies.length === 0 || !frequencies.every((f) => Number.isFinite(f) && f > 0 && f <= 1)) {
    throw new RangeError(`frequencies must be probabilities in (0, 1], got [${frequencies.join(', ')}]`);
  }
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isFinite(noise) || noise < 0) throw new RangeError(`noise must be a finite number >= 0, got ${noise}`);
  const d = frequencies.length;
  const random = new Random(seed);
  const trueWeights = frequencies.map(() => 1);
  const { features, labels } = linearExamples(n, trueWeights, noise, random, (j) => (random.next() < frequencies[j]! ? 1 : 0));
  return { dataIter: loadArray(features, labels, d, batchSize), trueWeights, noiseFloor: noise ** 2 / 2 };
}

/**
 * n examples of y = w·x + noise·N(0, 1): feature j of each example drawn by `feature(j)`, then the
 * label's noise from `random` (the order both generators above have always drawn in).
 */
function linearExamples(n: number, weights: number[], noise: number, random: Random, feature: (j: number) => number): { features: Float32Array; labels: Float32Array } {
  const d = weights.length;
  const features = new Float32Array(n * d);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let y = 0;
    for (let j = 0; j < d; j++) {
      const x = feature(j);
      features[i * d + j] = x;
      y += weights[j]! * x;
    }
    labels[i] = y + noise * random.normal();
  }
  return { features, labels };
}
