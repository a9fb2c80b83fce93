/**
 * Contour plots of a two-variable test function with optimizer paths on top, as a static figure or
 * as a plotly animation with a play button and a step slider (notebook 04). Show them with `show`.
 */
import { SERIES_COLORS } from './colors';
import { Figure, Frame, Trace } from './figure';
import { GridOptions, panelGrid, panelTitle } from './panels';
import { Toy2D } from './toys';
import { linspace, short, toyContour } from './contour-trace';

export { linspace, toyContour } from './contour-trace';

/** One optimizer's path, as `trajectory` returns it, with the name to put in the legend. */
export interface NamedPath {
  name: string;
  x: number[];
  y: number[];
}

/** Size and title of a contour figure. */
export interface ContourOptions {
  /** Grid points per axis for the contour lines (default 80). */
  resolution?: number;
  title?: string;
  width?: number;
  height?: number;
}

/** Options of the animated figure. */
export interface AnimationOptions extends ContourOptions {
  /** Number of animation frames (default 50); each shows every path up to the same step. */
  frames?: number;
  /** Milliseconds per frame when playing (default 80). */
  frameDuration?: number;
}


function minimaTrace(toy: Toy2D): Trace {
  return {
    type: 'scatter',
    mode: 'markers',
    x: toy.minima.map(([x]) => x),
    y: toy.minima.map(([, y]) => y),
    marker: { symbol: 'star', size: 14, color: 'black' },
    name: toy.minima.length > 1 ? 'minima' : 'minimum',
  };
}

function pathTrace(path: NamedPath, i: number, x: number[], y: number[], markers: boolean): Trace {
  return {
    type: 'scatter',
    // Full-resolution paths read best as lines; the sampled animation frames mark their points.
    mode: markers ? 'lines+markers' : 'lines',
    x: x.map(short),
    y: y.map(short),
    name: path.name,
    line: { color: SERIES_COLORS[i % SERIES_COLORS.length], width: 2 },
    marker: { size: 3, color: SERIES_COLORS[i % SERIES_COLORS.length] },
  };
}

function contourLayout(toy: Toy2D, o: ContourOptions): Record<string, unknown> {
  return {
    title: { text: o.title ?? toy.name },
    xaxis: { title: { text: 'x' }, range: [...toy.xRange], showgrid: false, zeroline: false },
    yaxis: { title: { text: 'y' }, range: [...toy.yRange], showgrid: false, zeroline: false },
    width: o.width ?? 680,
    height: o.height ?? 480,
    margin: { l: 60, r: 20, t: 40, b: 50 },
    legend: { x: 1.02, y: 1 },
    template: { layout: { font: { family: 'sans-serif' } } },
  };
}

/** Static figure: contours of `toy`, every path in full, the minima as stars. */
export function pathsFigure(toy: Toy2D, paths: NamedPath[], options: ContourOptions = {}): Figure {
  return {
    data: [toyContour(toy, options.resolution), ...paths.map((p, i) => pathTrace(p, i, p.x, p.y, false)), minimaTrace(toy)],
    layout: contourLayout(toy, options),
  };
}

/**
 * Animated figure: frame k shows every path up to the same step s_k (0 … longest path), sampled at the
 * frame steps so each frame adds one point per path; a finished (or stopped) path stays at its end.
 */
export function animatedPathsFigure(toy: Toy2D, paths: NamedPath[], options: AnimationOptions = {}): Figure {
  const longest = Math.max(...paths.map((p) => p.x.length)) - 1;
  const count = Math.max(2, Math.min(options.frames ?? 50, longest + 1));
  const frameSteps = Array.from(new Set(linspace(0, longest, count).map(Math.round)));
  // The path points each frame ends at (clamped to the path's own length).
  const sampled = paths.map((p) => frameSteps.map((s) => Math.min(s, p.x.length - 1)));
  const upTo = (i: number, k: number): Trace => {
    const idx = sampled[i]!.slice(0, k + 1);
    return pathTrace(paths[i]!, i, idx.map((j) => paths[i]!.x[j]!), idx.map((j) => paths[i]!.y[j]!), true);
  };
  const pathIndices = paths.map((_, i) => i + 1); // trace 0 is the contour
  const frames: Frame[] = frameSteps.map((step, k) => ({
    name: String(step),
    data: paths.map((_, i) => upTo(i, k)),
    traces: pathIndices,
  }));
  const duration = options.frameDuration ?? 80;
  // redraw: true — with redraw: false plotly drops the contour trace after the first animated frame.
  const still = { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
  const layout = contourLayout(toy, options);
  layout['updatemenus'] = [{
    type: 'buttons',
    showactive: false,
    direction: 'left',
    x: 0,
    y: -0.12,
    xanchor: 'left',
    yanchor: 'top',
    buttons: [
      // From the first frame: the figure opens on the finished paths (what a static page shows).
      { label: '▶ play', method: 'animate', args: [null, { fromcurrent: false, mode: 'immediate', frame: { duration, redraw: true }, transition: { duration: 0 } }] },
      { label: '❚❚ pause', method: 'animate', args: [[null], still] },
    ],
  }];
  layout['sliders'] = [{
    active: frameSteps.length - 1,
    x: 0.2,
    len: 0.8,
    y: -0.08,
    currentvalue: { prefix: 'step ' },
    steps: frameSteps.map((step) => ({ label: String(step), method: 'animate', args: [[String(step)], still] })),
  }];
  layout['height'] = (options.height ?? 480) + 80;
  layout['margin'] = { l: 60, r: 20, t: 40, b: 130 };
  return {
    data: [toyContour(toy, options.resolution), ...paths.map((_, i) => upTo(i, frameSteps.length - 1)), minimaTrace(toy)],
    layout,
    frames,
  };
}

/** Options of `pathsGrid`: the grid's (panels.ts; default 3 columns, panels 220 px high, as wide as a page allows) and the contour's. */
export interface PathsGridOptions extends ContourOptions, Omit<GridOptions, 'title'> {}

/**
 * Small multiples (notebook 04): one contour panel per path, same function and axes in every panel,
 * the path's name above it, so many optimizers can be compared without a tangle of overlapping lines.
 */
export function pathsGrid(toy: Toy2D, paths: NamedPath[], options: PathsGridOptions = {}): Figure {
  const { layout, cells } = panelGrid(paths.length, { columns: 3, panelHeight: 220, ...options });
  const contour = toyContour(toy, options.resolution ?? 40);
  const data: Trace[] = [];
  paths.forEach((p, k) => {
    const cell = cells[k]!;
    const [xa, ya] = [`x${cell.suffix}`, `y${cell.suffix}`];
    layout[`xaxis${cell.suffix}`] = { domain: cell.x, range: [...toy.xRange], showgrid: false, zeroline: false, anchor: ya };
    layout[`yaxis${cell.suffix}`] = { domain: cell.y, range: [...toy.yRange], showgrid: false, zeroline: false, anchor: xa };
    data.push({ ...contour, xaxis: xa, yaxis: ya });
    data.push({ ...pathTrace(p, k, p.x, p.y, false), xaxis: xa, yaxis: ya });
    data.push({ ...minimaTrace(toy), xaxis: xa, yaxis: ya, marker: { symbol: 'star', size: 10, color: 'black' } });
    (layout['annotations'] as unknown[]).push(panelTitle(cell, p.name));
  });
  return { data, layout };
}
