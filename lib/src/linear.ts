/**
 * Exact facts about linear regression with a bias on a data set, computed in float64 from the
 * data's own arrays: the least-squares optimum (the level no optimizer can beat, notebooks 01–02)
 * and the largest learning rate at which plain gradient descent is stable (notebook 02).
 */
import { DataIter } from './data';

/** The least-squares fit of y ≈ X·w + b and its loss. */
export interface LeastSquares {
  weights: number[];
  bias: number;
  /** Mean halved squared error (the chapter's `squaredLoss`) of the fit on the whole data set. */
  loss: number;
}

/** [X 1]ᵀ[X 1] and [X 1]ᵀy in float64: the normal equations of a linear model with a bias. */
function normalEquations(data: DataIter): { A: number[][]; r: number[] } {
  const { features, labels, featureDim: d, numExamples: n } = data;
  const A = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
  const r = new Array<number>(d + 1).fill(0);
  const row = new Array<number>(d + 1).fill(1);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < d; j++) row[j] = features[k * d + j]!;
    for (let i = 0; i <= d; i++) {
      r[i]! += row[i]! * labels[k]!;
      for (let j = 0; j <= d; j++) A[i]![j]! += row[i]! * row[j]!;
    }
  }
  return { A, r };
}

/** The least-squares weights and bias of `data` (normal equations, Gauss–Jordan with pivoting) and their loss. */
export function leastSquares(data: DataIter): LeastSquares {
  const { A, r } = normalEquations(data);
  const m = A.length;
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let k = c + 1; k < m; k++) if (Math.abs(A[k]![c]!) > Math.abs(A[p]![c]!)) p = k;
    if (Math.abs(A[p]![c]!) < 1e-12 * Math.max(1, Math.abs(A[c]![c]!))) {
      throw new RangeError('leastSquares: the features are linearly dependent (with the bias column), so the fit is not unique; drop a redundant feature');
    }
    [A[c], A[p]] = [A[p]!, A[c]!];
    [r[c], r[p]] = [r[p]!, r[c]!];
    for (let k = 0; k < m; k++) {
      if (k === c) continue;
      const f = A[k]![c]! / A[c]![c]!;
      for (let j = c; j < m; j++) A[k]![j]! -= f * A[c]![j]!;
      r[k]! -= f * r[c]!;
    }
  }
  const solution = r.map((v, i) => v / A[i]![i]!);
  const weights = solution.slice(0, -1);
  const bias = solution[m - 1]!;
  const { features, labels, featureDim: d, numExamples: n } = data;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let yHat = bias;
    for (let j = 0; j < d; j++) yHat += features[k * d + j]! * weights[j]!;
    sum += (yHat - labels[k]!) ** 2;
  }
  return { weights, bias, loss: sum / n / 2 };
}

/**
 * SGD's stability limit 2/λmax for the mean squared error mean((X·w + b − y)²) that trainConciseCh11
 * minimizes: its Hessian is (2/n)·[X 1]ᵀ[X 1], and gradient descent with a learning rate above
 * 2/λmax grows the error along the top eigenvector. λmax by power iteration, to 1e-12 relative.
 */
export function sgdStabilityLimit(data: DataIter): number {
  const { A } = normalEquations(data);
  const H = A.map((row) => row.map((x) => (2 * x) / data.numExamples));
  let v = H.map(() => 1);
  let lambda = 0;
  for (let it = 0; it < 10_000; it++) {
    const Hv = H.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
    const norm = Math.hypot(...Hv);
    if (norm === 0) throw new RangeError('sgdStabilityLimit: the data set has no nonzero feature or bias direction');
    v = Hv.map((x) => x / norm);
    const next = H.reduce((s, row, i) => s + v[i]! * row.reduce((t, x, j) => t + x * v[j]!, 0), 0); // Rayleigh quotient
    if (Math.abs(next - lambda) <= 1e-12 * next) return 2 / next;
    lambda = next;
  }
  return 2 / lambda;
}
