/**
 * Small multiples: one small panel per group of curves, on shared axes, instead of many overlapping
 * curves in one plot (notebooks 02–06; contour.ts's pathsGrid uses the same grid).
 */
import { axisLayout, Figure, SERIES_COLORS, Trace } from './figure';

/** One panel: its title and the traces drawn in it (runTraces, seriesTraces, or any plotly traces). */
export interface Panel {
  title: string;
  traces: Trace[];
}

/** Size of a grid of panels, in pixels, and its title. */
export interface GridOptions {
  /** Panels per row (default: all of them, at most 4). */
  columns?: number;
  /** Width of one panel (default 260, narrower when many columns must fit a ~900 px page). */
  panelWidth?: number;
  /** Height of one panel (default 200). */
  panelHeight?: number;
  title?: string;
}

/** Options of `smallMultiples`: the grid and the axes every panel shares (named as in `plot`). */
export interface PanelOptions extends GridOptions {
  xlabel?: string;
  ylabel?: string;
  xlim?: [number, number];
  ylim?: [number, number];
  xscale?: 'linear' | 'log';
  yscale?: 'linear' | 'log';
}

/** Where one panel of a grid sits: its axis names and domains, and whether it is on the outer edge. */
export interface PanelCell {
  /** '' for the first panel, then '2', '3', …: layout keys are `xaxis${suffix}`, traces refer to `x${suffix}`. */
  suffix: string;
  x: [number, number];
  y: [number, number];
  /** Nothing below it (bottom row, or the row above an incomplete one): it carries the x-axis title. */
  bottom: boolean;
  /** First column: it carries the y-axis title. */
  left: boolean;
}

const GAP = { x: 50, y: 65 }; // room for tick labels, an axis title and the next panel's title
const MARGIN = { l: 60, r: 20, b: 50 };
const LEGEND_ROOM = 35;

/**
 * The layout of `count` panels in a grid, row by row, sized in pixels so that the gaps stay the same
 * whatever the number of panels: each panel's title as an annotation above it, no legend yet.
 */
export function panelGrid(count: number, options: GridOptions = {}, legend = false): { layout: Record<string, unknown>; cells: PanelCell[] } {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a grid needs at least one panel, got ${count}`);
  const columns = options.columns ?? Math.min(count, 4);
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`columns must be a positive integer, got ${options.columns}`);
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / cols);
  const pw = options.panelWidth ?? Math.min(260, Math.floor((900 - MARGIN.l - MARGIN.r - (cols - 1) * GAP.x) / cols));
  const ph = options.panelHeight ?? 200;
  const top = options.title === undefined ? 30 : 60;
  const bottom = MARGIN.b + (legend ? LEGEND_ROOM : 0);
  const [plotW, plotH] = [cols * pw + (cols - 1) * GAP.x, rows * ph + (rows - 1) * GAP.y];
  const cells = Array.from({ length: count }, (_, k): PanelCell => {
    const [row, col] = [Math.floor(k / cols), k % cols];
    const [px, py] = [col * (pw + GAP.x), row * (ph + GAP.y)]; // pixels from the plot area's top left
    return {
      suffix: k === 0 ? '' : String(k + 1), x: [px / plotW, (px + pw) / plotW], y: [1 - (py + ph) / plotH, 1 - py / plotH],
      bottom: k + cols >= count, left: col === 0,
    };
  });
  const layout: Record<string, unknown> = {
    width: plotW + MARGIN.l + MARGIN.r,
    height: plotH + top + bottom,
    margin: { ...MARGIN, t: top, b: bottom },
    showlegend: false,
    template: { layout: { font: { family: 'sans-serif' } } },
    annotations: [], // the panels' titles (panelTitle)
  };
  if (options.title !== undefined) layout['title'] = { text: options.title };
  return { layout, cells };
}

/** The title of panel `cell`: plotly has no subplot titles, so an annotation centred above the panel. */
export function panelTitle(cell: PanelCell, text: string): Record<string, unknown> {
  return { text, showarrow: false, xref: 'paper', yref: 'paper', x: (cell.x[0] + cell.x[1]) / 2, y: cell.y[1], xanchor: 'center', yanchor: 'bottom', font: { size: 12 } };
}

/**
 * A grid of panels on the same axes (one range and scale for all, so they compare at a glance), axis
 * titles only on the outer panels, log axes labelled as powers of ten. A legend appears when traces
 * carry a `legendgroup` (seriesTraces' do): one entry per group, below the grid.
 */
export function smallMultiples(panels: Panel[], options: PanelOptions = {}): Figure {
  if (panels.length === 0) throw new RangeError('smallMultiples needs at least one panel');
  const grouped = panels.some((p) => p.traces.some((t) => t['legendgroup'] !== undefined));
  const { layout, cells } = panelGrid(panels.length, options, grouped);
  const data: Trace[] = [];
  const seen = new Set<unknown>();
  panels.forEach((panel, k) => {
    const cell = cells[k]!;
    const s = cell.suffix;
    layout[`xaxis${s}`] = { ...axisLayout(cell.bottom ? options.xlabel : undefined, options.xlim, options.xscale), domain: cell.x, anchor: `y${s}` };
    layout[`yaxis${s}`] = { ...axisLayout(cell.left ? options.ylabel : undefined, options.ylim, options.yscale), domain: cell.y, anchor: `x${s}` };
    (layout['annotations'] as unknown[]).push(panelTitle(cell, panel.title));
    for (const trace of panel.traces) {
      const group = trace['legendgroup'];
      const first = group !== undefined && !seen.has(group);
      if (group !== undefined) seen.add(group);
      data.push({ ...trace, xaxis: `x${s}`, yaxis: `y${s}`, showlegend: first });
    }
  });
  if (grouped) {
    const plotH = (layout['height'] as number) - (layout['margin'] as { t: number; b: number }).t - (layout['margin'] as { b: number }).b;
    layout['showlegend'] = true;
    layout['legend'] = { orientation: 'h', x: 0, xanchor: 'left', y: -(MARGIN.b + 5) / plotH, yanchor: 'top' };
  }
  return { data, layout };
}

/**
 * The traces of one panel from series sharing x (or one x per series), coloured by position; with
 * `names`, each series joins the legend group of that name, so smallMultiples lists it once.
 */
export function seriesTraces(x: number[] | number[][], ys: number[][], names?: string[]): Trace[] {
  if (names !== undefined && names.length !== ys.length) throw new RangeError(`seriesTraces got ${names.length} names for ${ys.length} series`);
  return ys.map((y, i) => {
    const xi = Array.isArray(x[0]) ? (x as number[][])[i] : (x as number[]);
    if (xi === undefined || xi.length !== y.length) throw new RangeError(`series ${i}: ${xi?.length ?? 0} x values but ${y.length} y values`);
    const trace: Trace = { type: 'scatter', mode: 'lines', x: xi, y, line: { color: SERIES_COLORS[i % SERIES_COLORS.length] } };
    if (names !== undefined) Object.assign(trace, { name: names[i], legendgroup: names[i] });
    return trace;
  });
}

/** Options of `runTraces`. */
export interface RunTraceOptions {
  /** Line colour shared by the runs (default plotly blue). */
  color?: string;
  /** A level to draw as a dotted grey line across the panel (a noise floor, an optimum). */
  level?: number;
  /** What the runs are (e.g. 'SGD'): one legend entry for all of them, where a panel mixes methods. */
  name?: string;
}

/** The traces of one panel: each run's loss curve as a thin line (one per seed), plus an optional dotted level. */
export function runTraces(runs: { epochs: number[]; losses: number[] }[], options: RunTraceOptions = {}): Trace[] {
  const color = options.color ?? '#1f77b4';
  const traces: Trace[] = runs.map((r, i) => ({
    type: 'scatter', mode: 'lines', name: options.name ?? `run ${i + 1}`, x: r.epochs, y: r.losses, line: { color, width: 1.5 }, opacity: 0.75,
    ...(options.name === undefined ? {} : { legendgroup: options.name }),
  }));
  if (options.level !== undefined && runs.length > 0) {
    const end = Math.max(...runs.map((r) => r.epochs[r.epochs.length - 1] ?? 0));
    traces.push({ type: 'scatter', mode: 'lines', name: 'level', x: [0, end], y: [options.level, options.level], line: { color: 'gray', dash: 'dot', width: 1 } });
  }
  return traces;
}
