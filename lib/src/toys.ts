/**
 * Two-dimensional test functions with exact gradients, and a runner that moves a point over one of
 * them with an update rule on plain numbers (notebooks 04 and 06, the trajectories playground);
 * toy-runs.ts runs a real tf.Optimizer over them. No TensorFlow.js here: the browser playgrounds
 * bundle this file.
 */
import { Random } from './random';

/** A function of two variables, its gradient, the window to draw it in and where a run starts. */
export interface Toy2D {
  readonly name: string;
  value(x: number, y: number): number;
  gradient(x: number, y: number): [number, number];
  /** Known minimizers (several for the saddle, which has two valleys). */
  readonly minima: ReadonlyArray<readonly [number, number]>;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly start: readonly [number, number];
  /** Contours of log10 f show more than contours of f (f spans many orders of magnitude). */
  readonly logScale: boolean;
}

/** The chapter's elongated bowl f = 0.1x² + 2y² (curvatures 0.2 and 4), minimum at the origin. */
export const quadraticBowl: Toy2D = {
  name: 'elongated bowl 0.1x² + 2y²',
  value: (x, y) => 0.1 * x * x + 2 * y * y,
  gradient: (x, y) => [0.2 * x, 4 * y],
  minima: [[0, 0]],
  xRange: [-5.5, 1.5],
  yRange: [-3, 2],
  start: [-5, -2],
  logScale: false,
};

/** Beale's function: flat plateaus and steep walls around a curved valley, minimum f(3, 0.5) = 0. */
export const bealeFunction: Toy2D = {
  name: "Beale's function",
  value: (x, y) => (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
  gradient: (x, y) => {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y ** 3;
    return [
      2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1),
      2 * a * x + 4 * b * x * y + 6 * c * x * y * y,
    ];
  },
  minima: [[3, 0.5]],
  xRange: [-1, 4.5],
  yRange: [-1.5, 2],
  start: [1, 1.5],
  logScale: true,
};

/** Rosenbrock's long, narrow, curved valley (1 − x)² + 100(y − x²)², minimum f(1, 1) = 0. */
export const rosenbrockValley: Toy2D = {
  name: "Rosenbrock's valley",
  value: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  gradient: (x, y) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
  minima: [[1, 1]],
  xRange: [-2, 2],
  yRange: [-1, 3],
  start: [-1.2, 1],
  logScale: true,
};

/**
 * A saddle between two valleys, x² + y⁴/4 − y²/2: a saddle point at the origin, minima f(0, ±1) = −1/4.
 * The run starts almost on the ridge line y = 0, where the gradient barely points off it.
 */
export const saddleFunction: Toy2D = {
  name: 'saddle x² + y⁴/4 − y²/2',
  value: (x, y) => x * x + y ** 4 / 4 - y * y / 2,
  gradient: (x, y) => [2 * x, y ** 3 - y],
  minima: [[0, 1], [0, -1]],
  xRange: [-2, 2],
  yRange: [-1.5, 1.5],
  start: [-1.5, 1e-6],
  logScale: false,
};

/** The points a run visited (start included) and f there. */
export interface Trajectory {
  x: number[];
  y: number[];
  values: number[];
  /** Why the run stopped before `steps`, if it did (the iterate left every sensible region). */
  stopped?: string;
}

/** Options of `trajectory` and `ruleTrajectory`. */
export interface TrajectoryOptions {
  /** Start here instead of the toy's own start. */
  start?: readonly [number, number];
  /** Stop once |x| or |y| exceeds this (a diverging run), default 1e4. */
  escapeRadius?: number;
  /** Add N(0, std²) to every gradient coordinate, drawn from Random(seed): a stochastic gradient. */
  noise?: { std: number; seed: number };
  /**
   * Where the toy's first minimum sits at step t (1-based): the function moves rigidly with it,
   * f_t(p) = f(p − (target(t) − minimum)). Without it the function stays put.
   */
  target?: (t: number) => readonly [number, number];
}

/** A point update on plain numbers: the gradient at step t (1-based) in, the change to add out. */
export type StepRule = (gradient: [number, number], t: number) => [number, number];

/**
 * The loop shared by `trajectory` (toy-runs.ts) and `ruleTrajectory`: `advance` takes the (noisy,
 * shifted) gradient at step t and returns the new point.
 */
export function walkToy(toy: Toy2D, steps: number, options: TrajectoryOptions, advance: (g: [number, number], t: number) => [number, number]): Trajectory {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be an integer >= 0, got ${steps}`);
  const { noise, target } = options;
  if (noise !== undefined && !(Number.isFinite(noise.std) && noise.std >= 0)) {
    throw new RangeError(`noise.std must be a finite number >= 0, got ${noise.std}`);
  }
  const [x0, y0] = options.start ?? toy.start;
  const radius = options.escapeRadius ?? 1e4;
  const random = noise ? new Random(noise.seed) : undefined;
  const [mx, my] = toy.minima[0]!;
  const path: Trajectory = { x: [x0], y: [y0], values: [toy.value(x0, y0)] };
  let [x, y] = [x0, y0];
  // The value recorded with point t is f_t, the function the step after it sees (f_1 for the start).
  const shifted = (t: number): [number, number] => {
    if (!target) return [x, y];
    const [tx, ty] = target(t);
    return [x - (tx - mx), y - (ty - my)];
  };
  if (target) path.values[0] = toy.value(...shifted(1));
  for (let step = 1; step <= steps; step++) {
    const g = toy.gradient(...shifted(step));
    if (random) {
      g[0] += noise!.std * random.normal();
      g[1] += noise!.std * random.normal();
    }
    if (!g.every(Number.isFinite)) {
      path.stopped = `non-finite gradient at step ${step}`;
      break;
    }
    [x, y] = advance(g, step);
    path.x.push(x);
    path.y.push(y);
    path.values.push(toy.value(...shifted(step + 1)));
    if (!(Math.abs(x) <= radius && Math.abs(y) <= radius)) {
      path.stopped = `left the box |x|, |y| ≤ ${radius} at step ${step}`;
      break;
    }
  }
  return path;
}

/** Like `trajectory`, for an update rule written on plain numbers (notebooks 04 and 06 write theirs). */
export function ruleTrajectory(rule: StepRule, toy: Toy2D, steps: number, options: TrajectoryOptions = {}): Trajectory {
  let [x, y] = options.start ?? toy.start;
  return walkToy(toy, steps, options, (g, t) => {
    const [dx, dy] = rule(g, t);
    [x, y] = [x + dx, y + dy];
    return [x, y];
  });
}

/** Distance of every point of `path` to where the moving minimum `target` was when the point was reached (point k ↔ target(k + 1), the minimum of the function the next step sees). */
export function distancesToTarget(path: Trajectory, target: (t: number) => readonly [number, number]): number[] {
  return path.x.map((x, k) => {
    const [tx, ty] = target(k + 1);
    return Math.hypot(x - tx, path.y[k]! - ty);
  });
}

/** Distance from the path's last point to the nearest of the toy's minima. */
export function distanceToMinimum(path: Trajectory, toy: Toy2D): number {
  const [x, y] = endPoint(path);
  return Math.min(...toy.minima.map(([mx, my]) => Math.hypot(x - mx, y - my)));
}

/** The last point of a path. */
export function endPoint(path: Trajectory): [number, number] {
  return [path.x[path.x.length - 1]!, path.y[path.y.length - 1]!];
}

/** A path with the name of the optimizer that walked it (what the contour figures take). */
export interface NamedTrajectory extends Trajectory {
  name: string;
}

/** A plain-number rule to compare, by name; `make` builds a fresh one (with zero state) for each run. */
export interface RuleSetup {
  name: string;
  make: () => StepRule;
}

/** Run every rule setup for `steps` steps on `toy` (compareOnToy, toy-runs.ts, for tf optimizers). */
export function compareRules(toy: Toy2D, setups: RuleSetup[], steps: number, options: TrajectoryOptions = {}): NamedTrajectory[] {
  return setups.map(({ name, make }) => ({ name, ...ruleTrajectory(make(), toy, steps, options) }));
}
