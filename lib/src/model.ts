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
