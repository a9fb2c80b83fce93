/** The training loops of chapter 11: from-scratch optimizers (`trainCh11`) and tf.train ones (`trainConciseCh11`). */
import * as tf from '@tensorflow/tfjs';
import { backendReady } from './backend';
import { DataIter } from './data';
import { Animator } from './figure';
import { evaluateLoss, linreg, linregGrads, squaredLoss } from './model';
import { makeOptimizer, OptimizerConfig } from './optimizers';
import { rng } from './random';
import { Timer } from './timer';

/** A trainable tensor and the gradient of the current minibatch loss with respect to it. */
export interface Parameter {
  readonly value: tf.Variable;
  grad: tf.Tensor;
}

/** Hyperparameters passed to a from-scratch optimizer; it may update them (e.g. a step counter `t`). */
export type Hyperparams = Record<string, number>;

/** A from-scratch optimizer: update `params` in place from their `grad`, using and updating `states`. */
export type TrainerFn<S, H extends Hyperparams> = (params: Parameter[], states: S, hyperparams: H) => void;

/** What a training run measured: the loss curve and the time spent training (evaluation excluded). */
export interface TrainResult {
  /** Fractional epoch of each evaluation (examples seen / examples per epoch); the last is `numEpochs`. */
  epochs: number[];
  /** Mean loss over the whole data set at each evaluation. */
  losses: number[];
  /** Cumulative training seconds at each evaluation; the last is the whole training time. */
  times: number[];
  /** Mean training seconds per epoch. */
  secPerEpoch: number;
}

/** Options shared by the training loops. */
export interface TrainOptions {
  /** Draw the live loss figure (default true; it is a no-op outside a notebook). */
  plot?: boolean;
  /** Print the `loss: …, … sec/epoch` line (default true). */
  verbose?: boolean;
  /** Evaluate every this many examples (d2l: 200); the end of training is always evaluated too. */
  evalEvery?: number;
  /**
   * How the minibatch gradient is computed. 'analytic' (default): the closed form of the linear
   * model's squared loss (model.ts linregGrads), the same numbers as the tape on the cpu backend, with
   * no tape or batch tensors. 'autodiff': the tape on tensor minibatches, as d2l's loops do
   * (tf.variableGrads; optimizer.minimize in trainConciseCh11) — slower, kept as the reference the
   * analytic path is tested and benchmarked against.
   */
  gradients?: 'analytic' | 'autodiff';
}

/**
 * The loss figure d2l draws: epoch on x in [0, epochs], loss on y from 0.22. d2l's top, 0.35, cuts off
 * the first evaluation at η = 0.01 (about 0.37–0.40); 0.45 keeps the whole fall in view.
 */
function lossAnimator(numEpochs: number): Animator {
  return new Animator({ xlabel: 'epoch', ylabel: 'loss', xlim: [0, numEpochs], ylim: [0.22, 0.45] });
}

/** Fail loudly instead of training on with NaN: name the step and the likely cause. */
function checkFinite(loss: number, epoch: number): void {
  if (!Number.isFinite(loss)) {
    throw new Error(`Training diverged: the loss is ${loss} at epoch ${epoch.toFixed(3)}. Lower the learning rate or check the optimizer's update.`);
  }
}

/**
 * The closed-form gradient of the minibatch `rows` for the linear model with weights `w` ([d, 1]) and
 * bias `b` ([1]): the two tensors the tape would give for the mean squaredLoss, times `scale` (2 for
 * the mean squared error: doubling is exact, so the bits stay the tape's).
 */
function closedFormGrads(data: DataIter, rows: Uint32Array, w: tf.Variable, b: tf.Variable, scale = 1): [tf.Tensor, tf.Tensor] {
  // dataSync reads the current values (the optimizer replaced or rewrote them); cheap for 6 numbers.
  const g = linregGrads(data, rows, w.dataSync(), b.dataSync()[0]!);
  return [tf.tensor2d(g.w.map((x) => x * scale), [g.w.length, 1]), tf.tensor1d([g.b * scale])];
}

/** Let the event loop run so live figure updates reach the notebook while training. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Shared bookkeeping of both loops: evaluation cadence, timing, figure, final line. As d2l: every
 * `evalEvery` examples the clock stops, the loss over the whole data set is recorded at the fractional
 * epoch, and the clock restarts. Unlike d2l, the end of training is always a point (unless the cadence
 * already fell there), the time after the last evaluation counts, and the epoch is examples seen over
 * examples per epoch, which stays right after a smaller last minibatch.
 */
class Progress {
  readonly timer = new Timer();
  readonly animator: Animator | undefined;
  readonly epochs: number[] = [];
  readonly losses: number[] = [];
  private readonly evalEvery: number;
  /** Examples trained on so far. */
  private seen = 0;
  /** `seen` at the latest evaluation (-1: none yet). */
  private evaluatedAt = -1;

  constructor(
    readonly numEpochs: number,
    private readonly options: TrainOptions,
    private readonly examplesPerEpoch: number,
    private readonly evaluate: () => number,
  ) {
    if (!Number.isInteger(numEpochs) || numEpochs < 1) throw new RangeError(`numEpochs must be a positive integer, got ${numEpochs}`);
    if (examplesPerEpoch < 1) throw new RangeError('the data set has no examples to train on');
    this.evalEvery = options.evalEvery ?? 200;
    if (!Number.isInteger(this.evalEvery) || this.evalEvery < 1) {
      throw new RangeError(`evalEvery must be a positive integer number of examples, got ${options.evalEvery}`);
    }
    if (options.plot ?? true) this.animator = lossAnimator(numEpochs);
  }

  /** Count a minibatch of `batchSize` examples; evaluate when the cadence falls here. */
  async step(batchSize: number): Promise<void> {
    this.seen += batchSize;
    if (this.seen % this.evalEvery === 0) {
      this.timer.stop();
      await this.record();
      this.timer.start();
    }
  }

  private async record(): Promise<void> {
    const epoch = this.seen / this.examplesPerEpoch;
    const loss = this.evaluate();
    checkFinite(loss, epoch);
    this.evaluatedAt = this.seen;
    this.epochs.push(epoch);
    this.losses.push(loss);
    if (this.animator) {
      this.animator.add(epoch, loss);
      await yieldToEventLoop();
    }
  }

  /** Record the end of training (call while the parameters are alive), print the line, return the result. */
  async finish(): Promise<TrainResult> {
    if (this.evaluatedAt !== this.seen) {
      // Training ran on since the last evaluation (or there was none): stop the clock here so that
      // time counts, and give the curve its final point.
      this.timer.stop();
      await this.record();
    }
    this.animator?.done();
    const secPerEpoch = this.timer.sum() / this.numEpochs;
    const last = this.losses[this.losses.length - 1]!;
    if (this.options.verbose ?? true) console.log(`loss: ${last.toFixed(3)}, ${secPerEpoch.toFixed(3)} sec/epoch`);
    return { epochs: this.epochs, losses: this.losses, times: this.timer.cumsum(), secPerEpoch };
  }
}

/**
 * Train linear regression with a from-scratch optimizer (d2l's `train_ch11`): w ~ N(0, 0.01²), b = 0;
 * after each minibatch `trainerFn([w, b], states, hyperparams)` updates the parameters; every 200
 * examples, and at the end of training, the loss over the whole data set is evaluated (not timed)
 * and plotted.
 *
 * The gradient handed to the trainer is computed in closed form by default (`options.gradients`):
 * on the chapter's tiny minibatches the autodiff tape and the two batch tensors per step cost more
 * than the trainer itself, and the closed form gives the same numbers.
 */
export async function trainCh11<S, H extends Hyperparams>(
  trainerFn: TrainerFn<S, H>,
  states: S,
  hyperparams: H,
  dataIter: DataIter,
  featureDim: number,
  numEpochs = 2,
  options: TrainOptions = {},
): Promise<TrainResult> {
  await backendReady();
  if (featureDim !== dataIter.featureDim) {
    throw new RangeError(`featureDim is ${featureDim} but the data has ${dataIter.featureDim} features`);
  }
  const w = tf.tidy(() => tf.variable(tf.tensor2d(rng().normalArray(featureDim, 0, 0.01), [featureDim, 1])));
  const b = tf.tidy(() => tf.variable(tf.zeros([1])));
  const net = (X: tf.Tensor2D) => linreg(X, w, b);
  const evaluate = () => evaluateLoss(net, dataIter, squaredLoss);
  const params: Parameter[] = [
    { value: w, grad: tf.zerosLike(w) },
    { value: b, grad: tf.zerosLike(b) },
  ];
  const setGrads = (gradW: tf.Tensor, gradB: tf.Tensor) => {
    tf.dispose(params.map((p) => p.grad));
    params[0]!.grad = gradW;
    params[1]!.grad = gradB;
  };
  try {
    const progress = new Progress(numEpochs, options, dataIter.numExamples, evaluate);
    for (let epoch = 0; epoch < numEpochs; epoch++) {
      if (options.gradients === 'autodiff') {
        for (const [X, y] of dataIter) {
          const { value, grads } = tf.variableGrads(() => tf.mean(squaredLoss(net(X), y)) as tf.Scalar, [w, b]);
          value.dispose();
          setGrads(grads[w.name]!, grads[b.name]!);
          trainerFn(params, states, hyperparams);
          await progress.step(X.shape[0]);
        }
      } else {
        for (const rows of dataIter.batchIndices()) {
          setGrads(...closedFormGrads(dataIter, rows, w, b));
          trainerFn(params, states, hyperparams);
          await progress.step(rows.length);
        }
      }
    }
    return await progress.finish();
  } finally {
    tf.dispose(params.map((p) => p.grad));
    w.dispose();
    b.dispose();
  }
}

/** Anything `trainConciseCh11` can train with: a registered optimizer name (optimizers/registry.ts) or an instance. */
export type OptimizerSpec = string | tf.Optimizer;

/**
 * Train the same regression with TensorFlow.js's own layer and optimizer (d2l's `train_concise_ch11`):
 * a dense layer with N(0, 0.01²) weights, mean squared error; the logged loss is halved to match
 * `squaredLoss`. Same evaluation cadence, figure and printed line as `trainCh11`, and the same
 * closed-form gradients by default (`options.gradients`): the optimizer's step is what is compared.
 */
export async function trainConciseCh11(
  optimizer: OptimizerSpec,
  hyperparams: OptimizerConfig,
  dataIter: DataIter,
  numEpochs = 4,
  options: TrainOptions = {},
): Promise<TrainResult> {
  await backendReady();
  const opt = typeof optimizer === 'string' ? makeOptimizer(optimizer, hyperparams) : optimizer;
  const d = dataIter.featureDim;
  const net = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 1,
        inputShape: [d],
        kernelInitializer: tf.initializers.zeros(),
        biasInitializer: 'zeros',
      }),
    ],
  });
  // Initial weights from the lib's seeded generator, so a seed reproduces the run.
  tf.tidy(() => net.layers[0]!.setWeights([tf.tensor2d(rng().normalArray(d, 0, 0.01), [d, 1]), tf.zeros([1])]));
  const predict = (X: tf.Tensor2D) => net.apply(X) as tf.Tensor2D;
  const mse = (yHat: tf.Tensor, y: tf.Tensor) => tf.square(tf.sub(yHat, tf.reshape(y, yHat.shape)));
  const evaluate = () => evaluateLoss(predict, dataIter, mse) / 2;
  const [kernel, bias] = net.layers[0]!.trainableWeights.map((lv) => lv.read() as tf.Variable);
  try {
    const progress = new Progress(numEpochs, options, dataIter.numExamples, evaluate);
    for (let epoch = 0; epoch < numEpochs; epoch++) {
      if (options.gradients === 'autodiff') {
        for (const [X, y] of dataIter) {
          opt.minimize(() => tf.mean(mse(predict(X), y)) as tf.Scalar);
          await progress.step(X.shape[0]);
        }
      } else {
        // The layer's own weights, stepped by the framework's optimizer, with the tape's gradient
        // computed in closed form (the mean squared error is twice the mean squaredLoss).
        for (const rows of dataIter.batchIndices()) {
          const [gradKernel, gradBias] = closedFormGrads(dataIter, rows, kernel!, bias!, 2);
          opt.applyGradients({ [kernel!.name]: gradKernel, [bias!.name]: gradBias });
          tf.dispose([gradKernel, gradBias]);
          await progress.step(rows.length);
        }
      }
    }
    return await progress.finish();
  } finally {
    net.dispose();
    // An optimizer made here is ours to free; one passed in stays the caller's.
    if (typeof optimizer === 'string') opt.dispose();
  }
}
