/**
 * The contour trace of a two-variable test function (notebook 04's figures and the trajectories
 * playground, which bundles it for the browser: so nothing here imports Node or TensorFlow.js).
 */
import type { Trace } from './figure';
import type { Toy2D } from './toys';

/** Five significant digits: plenty for a picture, and it keeps the figure JSON small. */
export function short(v: number): number {
  return Number(v.toPrecision(5));
}

/** Evenly spaced numbers from a to b inclusive. */
export function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** The contour trace of `toy` over its window; log-scaled toys show log10(f − f_min) (floored at 1e-4). */
export function toyContour(toy: Toy2D, resolution = 80): Trace {
  const xs = linspace(toy.xRange[0], toy.xRange[1], resolution);
  const ys = linspace(toy.yRange[0], toy.yRange[1], resolution);
  const fMin = Math.min(...toy.minima.map(([x, y]) => toy.value(x, y)));
  const z = ys.map((y) => xs.map((x) => {
    const f = toy.value(x, y);
    return short(toy.logScale ? Math.log10(Math.max(f - fMin, 1e-4)) : f);
  }));
  return {
    type: 'contour',
    x: xs.map(short),
    y: ys.map(short),
    z,
    ncontours: 25,
    // Light fill, darker towards low values, with thin grey level lines: the paths stay the focus.
    colorscale: [[0, '#6baed6'], [0.35, '#c6dbef'], [1, '#ffffff']],
    opacity: 0.8,
    contours: { coloring: 'fill', showlines: true },
    line: { color: 'rgba(80, 80, 80, 0.35)', width: 0.6 },
    showscale: false,
    hoverinfo: 'skip',
    name: toy.logScale ? 'log10 f' : 'f',
  };
}
