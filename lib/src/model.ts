/** The linear regression model and loss of chapter 11, and the whole-data evaluation. */
import * as tf from '@tensorflow/tfjs';
import { Accumulator } from './accumulator';
import { DataIter } from './data';

/** The linear model X·w + b (d2l's `linreg`). */
export function linreg(X: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(X, w as tf.Tensor2D), b));
}

/** Per-example squared loss (ŷ − y)²/2 (d2l's `squared_loss`); y is reshaped to ŷ's shape. */
export function squaredLoss(yHat: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.square(tf.sub(yHat, tf.reshape(y, yHat.shape))), 2));
}

/** Mean per-example loss of `net` over the whole data set (d2l's `evaluate_loss`); disposes all it makes. */
export function evaluateLoss(
  net: (X: tf.Tensor2D) => tf.Tensor,
  data: DataIter,
  loss: (yHat: tf.Tensor, y: tf.Tensor) => tf.Tensor,
): number {
  const metric = new Accumulator(2); // sum of losses, number of examples
  const [X, y] = data.tensors();
  const total = tf.tidy(() => tf.sum(loss(net(X), y)));
  metric.add(total.dataSync()[0]!, X.shape[0]);
  total.dispose();
  return metric.get(0) / metric.get(1);
}

/** The gradient of the minibatch loss with respect to w (featureDim values) and b. */
export interface LinregGrads {
  w: Float32Array;
  b: number;
}

// tfjs's cpu matMul sums products in float64 over blocks of 48 along the shared dimension and adds each
// block's sum into its float32 output; linregGrads rounds the same way.
const MATMUL_BLOCK = 48;
const f32 = Math.fround;

/**
 * The gradient of mean(squaredLoss(linreg(X, w, b), y)) over the examples `rows` of `data`, in closed
 * form: with the residual r = X·w + b − y, ∂w = Xᵀr/B and ∂b = Σr/B.
 *
 * Why: trainCh11 needs this gradient for every 10 × 5 minibatch, and tf.variableGrads records a tape
 * and runs ~20 kernels to get it, each costing far more than its arithmetic; these loops take a few
 * microseconds and make no tensors. Every intermediate is rounded as the autodiff graph's cpu kernels
 * round it (float64 arithmetic, a float32 result per op), so on the cpu backend the result is
 * bit-for-bit tf.variableGrads' (test/perf-equivalence.test.ts); other backends differ in the last bits.
 */
export function linregGrads(data: DataIter, rows: ArrayLike<number>, w: ArrayLike<number>, b: number): LinregGrads {
  const { features, labels, featureDim: d } = data;
  if (w.length !== d) throw new RangeError(`w has ${w.length} values but the data has ${d} features`);
  const B = rows.length;
  // Backward through mean → div by 2 → square: ∂loss/∂ŷᵢ = (1/B)/2 · 2(ŷᵢ − yᵢ), rounded per op.
  const dMean = f32(1 / B);
  const dHalf = f32(dMean / 2);
  const dyHat = new Float64Array(B);
  for (let r = 0; r < B; r++) {
    const i = rows[r]!;
    let xw = 0;
    for (let k0 = 0; k0 < d; k0 += MATMUL_BLOCK) {
      let sum = 0;
      for (let k = k0; k < Math.min(k0 + MATMUL_BLOCK, d); k++) sum += features[i * d + k]! * w[k]!;
      xw = f32(xw + sum);
    }
    const residual = f32(f32(xw + b) - labels[i]!);
    dyHat[r] = f32(dHalf * (2 * residual));
  }
  // Backward through the add (∂b: a sum kernel, float64 then rounded) and the matMul (∂w = Xᵀ·∂ŷ).
  let gradB = 0;
  for (let r = 0; r < B; r++) gradB += dyHat[r]!;
  const gradW = new Float32Array(d);
  for (let k = 0; k < d; k++) {
    let acc = 0;
    for (let r0 = 0; r0 < B; r0 += MATMUL_BLOCK) {
      let sum = 0;
      for (let r = r0; r < Math.min(r0 + MATMUL_BLOCK, B); r++) sum += features[rows[r]! * d + k]! * dyHat[r]!;
      acc = f32(acc + sum);
    }
    gradW[k] = acc;
  }
  return { w: gradW, b: f32(gradB) };
}
