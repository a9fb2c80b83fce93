/**
 * Small multiples: one small panel per group of curves, on shared axis ranges, instead of ten
 * overlapping curves in one plot (notebooks 02 and 03).
 */
import { Figure, Trace } from './figure';

/** One panel: its title and the curves drawn in it. */
export interface Panel {
  title: string;
  traces: Trace[];
}

/** Layout of `smallMultiples`; the ranges are shared by every panel so that panels compare at a glance. */
export interface PanelOptions {
  /** Panels per row (default 4). */
  columns?: number;
  xlabel?: string;
  ylabel?: string;
  xlim?: [number, number];
  ylim?: [number, number];
  xscale?: 'linear' | 'log';
  yscale?: 'linear' | 'log';
  /** Width of the whole figure in pixels (default 190 per column, at most 900). */
  width?: number;
  /** Height of one row in pixels (default 200). */
  rowHeight?: number;
  title?: string;
}

/** A grid of panels (row by row) with shared ranges; axis titles only on the outer panels, no legend. */
export function smallMultiples(panels: Panel[], options: PanelOptions = {}): Figure {
  if (panels.length === 0) throw new RangeError('smallMultiples needs at least one panel');
  const columns = Math.min(options.columns ?? 4, panels.length);
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`columns must be a positive integer, got ${options.columns}`);
  const rows = Math.ceil(panels.length / columns);
  const rowHeight = options.rowHeight ?? 200;
  const top = options.title ? 70 : 40;
  const layout: Record<string, unknown> = {
    grid: { rows, columns, pattern: 'independent', xgap: 0.12, ygap: 0.35 },
    width: options.width ?? Math.min(900, 190 * columns + 70), // a book page is about 900 px wide
    height: rowHeight * rows + top + 50,
    margin: { l: 60, r: 20, t: top, b: 50 },
    showlegend: false,
    template: { layout: { font: { family: 'sans-serif' } } },
  };
  if (options.title !== undefined) layout['title'] = { text: options.title };
  const annotations: Record<string, unknown>[] = [];
  const data: Trace[] = [];
  panels.forEach((panel, k) => {
    const suffix = k === 0 ? '' : String(k + 1);
    const [row, column] = [Math.floor(k / columns), k % columns];
    layout[`xaxis${suffix}`] = axis(row === rows - 1 || k + columns >= panels.length ? options.xlabel : undefined, options.xlim, options.xscale);
    layout[`yaxis${suffix}`] = axis(column === 0 ? options.ylabel : undefined, options.ylim, options.yscale);
    // Plotly has no subplot titles: an annotation centred above each panel's own axes.
    annotations.push({
      text: panel.title, showarrow: false, xref: `x${suffix} domain`, yref: `y${suffix} domain`,
      x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom', font: { size: 12 },
    });
    for (const trace of panel.traces) data.push({ ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}` });
  });
  layout['annotations'] = annotations;
  return { data, layout };
}

function axis(title: string | undefined, range: [number, number] | undefined, scale: 'linear' | 'log' | undefined): Record<string, unknown> {
  const a: Record<string, unknown> = { showgrid: true, zeroline: false };
  if (title !== undefined) a['title'] = { text: title };
  if (scale !== undefined) a['type'] = scale;
  // Plotly's log axes take the range in log10 units.
  if (range !== undefined) a['range'] = scale === 'log' ? range.map(Math.log10) : range;
  // Over two decades or more, label the powers of ten only; in a narrower range, also 2 and 5.
  if (scale === 'log' && range !== undefined) a['dtick'] = Math.log10(range[1] / range[0]) >= 2 ? 1 : 'D2';
  return a;
}

/** Options of `runTraces`. */
export interface RunTraceOptions {
  /** Line colour shared by the runs (default plotly blue). */
  color?: string;
  /** A level to draw as a dotted grey line across the panel (a noise floor, an optimum). */
  level?: number;
}

/** The traces of one panel: each run's loss curve as a thin line (one per seed), plus an optional dotted level. */
export function runTraces(runs: { epochs: number[]; losses: number[] }[], options: RunTraceOptions = {}): Trace[] {
  const color = options.color ?? '#1f77b4';
  const traces: Trace[] = runs.map((r, i) => ({
    type: 'scatter', mode: 'lines', name: `run ${i + 1}`, x: r.epochs, y: r.losses, line: { color, width: 1.5 }, opacity: 0.75,
  }));
  if (options.level !== undefined && runs.length > 0) {
    const end = Math.max(...runs.map((r) => r.epochs[r.epochs.length - 1] ?? 0));
    traces.push({ type: 'scatter', mode: 'lines', name: 'level', x: [0, end], y: [options.level, options.level], line: { color: 'gray', dash: 'dot', width: 1 } });
  }
  return traces;
}

/** One optimizer in a learning-rate sweep: finals[i][k] is the final loss at the i-th rate for the k-th seed, undefined where that run diverged. */
export interface SweepSeries {
  name: string;
  finals: (number | undefined)[][];
}

/** Labels and the optional vertical reference line of `sweepFigure`. */
export interface SweepOptions {
  xlabel?: string;
  ylabel?: string;
  /** A learning rate to mark with a dotted vertical line (e.g. SGD's stability limit). */
  limit?: number;
  limitName?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/**
 * Final loss against learning rate on log axes (notebook 02): per series the median over seeds of the
 * finished runs with bars from the lowest to the highest, and a cross along the top edge at every rate
 * where some run diverged. The loss axis spans every finished run, so nothing is clipped.
 */
export function sweepFigure(rates: number[], series: SweepSeries[], options: SweepOptions = {}): Figure {
  series.forEach((s) => {
    if (s.finals.length !== rates.length) throw new RangeError(`${s.name}: ${s.finals.length} rows of final losses for ${rates.length} learning rates`);
  });
  const done = (row: (number | undefined)[]): number[] => row.filter((l): l is number => l !== undefined && Number.isFinite(l));
  const everything = series.flatMap((s) => s.finals.flatMap(done));
  if (everything.length === 0) throw new RangeError('sweepFigure: every run diverged, there is nothing to plot');
  const [low, high] = [Math.min(...everything), Math.max(...everything)];
  const crossAt = high * 1.6; // above every finished run
  const data: Trace[] = [];
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const stats = s.finals.map((row) => {
      const xs = done(row).sort((a, b) => a - b);
      return xs.length === 0 ? null : { median: xs[Math.floor(xs.length / 2)]!, min: xs[0]!, max: xs[xs.length - 1]! };
    });
    data.push({
      type: 'scatter', mode: 'lines+markers', name: s.name, x: rates, y: stats.map((st) => st?.median ?? null), line: { color },
      error_y: { type: 'data', symmetric: false, array: stats.map((st) => (st ? st.max - st.median : 0)), arrayminus: stats.map((st) => (st ? st.median - st.min : 0)), color, thickness: 1.5, width: 4 },
    });
    const diverged = rates.filter((_, i) => s.finals[i]!.some((l) => l === undefined || !Number.isFinite(l)));
    if (diverged.length > 0) {
      data.push({ type: 'scatter', mode: 'markers', name: `${s.name} diverged`, x: diverged, y: diverged.map(() => crossAt), marker: { symbol: 'x', size: 10, color } });
    }
  });
  if (options.limit !== undefined) {
    data.push({ type: 'scatter', mode: 'lines', name: options.limitName ?? 'limit', x: [options.limit, options.limit], y: [low * 0.8, crossAt * 1.2], line: { dash: 'dot', color: 'gray' } });
  }
  const logRange = (a: number, b: number): number[] => [Math.log10(a), Math.log10(b)];
  const layout: Record<string, unknown> = {
    xaxis: { type: 'log', title: { text: options.xlabel ?? 'learning rate' }, range: logRange(Math.min(...rates) / 2, Math.max(...rates) * 2), showgrid: true },
    yaxis: { type: 'log', title: { text: options.ylabel ?? 'final loss' }, range: logRange(low * 0.8, crossAt * 1.3), dtick: 'D2', showgrid: true },
    width: options.width ?? 640,
    height: options.height ?? 400,
    margin: { l: 70, r: 20, t: 20, b: 50 },
    showlegend: true,
    template: { layout: { font: { family: 'sans-serif' } } },
  };
  return { data, layout };
}
