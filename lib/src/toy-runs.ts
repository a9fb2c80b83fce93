/**
 * The toys of toys.ts walked by real tf.Optimizers: the trajectories of notebook 04's figures.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedTrajectory, Toy2D, Trajectory, TrajectoryOptions, walkToy } from './toys';

/**
 * Run `steps` updates of `optimizer` on `toy` from its start and return the path. The gradient is the
 * toy's exact one (plus `options.noise`), handed to the optimizer's own applyGradients, so the path is
 * that optimizer's. Give each run a fresh optimizer: tf optimizers keep their state per variable position.
 */
export function trajectory(optimizer: tf.Optimizer, toy: Toy2D, steps: number, options: TrajectoryOptions = {}): Trajectory {
  const [x0, y0] = options.start ?? toy.start;
  // tidy frees the initial tensor; the variable holds its own reference to the data.
  const point = tf.tidy(() => tf.variable(tf.tensor1d([x0, y0]), true));
  try {
    return walkToy(toy, steps, options, (g) => {
      const grad = tf.tensor1d(g);
      optimizer.applyGradients([{ name: point.name, tensor: grad }]);
      grad.dispose();
      const now = point.dataSync();
      return [now[0]!, now[1]!];
    });
  } finally {
    point.dispose();
  }
}

/** An optimizer to compare, by name; `make` builds a fresh one for each run. */
export interface OptimizerSetup {
  name: string;
  make: () => tf.Optimizer;
}

/** Run every setup for `steps` steps on `toy` (a fresh optimizer each, disposed afterwards). */
export function compareOnToy(toy: Toy2D, setups: OptimizerSetup[], steps: number, options: TrajectoryOptions = {}): NamedTrajectory[] {
  return setups.map(({ name, make }) => {
    const optimizer = make();
    try {
      return { name, ...trajectory(optimizer, toy, steps, options) };
    } finally {
      optimizer.dispose();
    }
  });
}
