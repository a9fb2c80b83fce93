/**
 * Line plots as small multiples, and log axes with readable ticks (notebooks 04–06): one panel per
 * group of series instead of many overlapping curves in one plot.
 */
import { Figure, lineFigure, PlotOptions, Trace } from './figure';

/** One panel: its title and the series it draws (x shared by the series, or one x per series). */
export interface LinePanel {
  title: string;
  x: number[] | number[][];
  y: number[][];
  /** Names of the series, shown in a legend (drawn once, from the first panel that has names). */
  legend?: string[];
}

/** Options of `linePanels`: axis options shared by every panel, and the grid. */
export interface LinePanelOptions extends Omit<PlotOptions, 'legend' | 'modes' | 'width' | 'height'> {
  /** Panels per row (default: all in one row). */
  columns?: number;
  panelWidth?: number;
  panelHeight?: number;
}

/** The same colour for the same series position in every panel (d3's category10). */
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Tick labels like 10⁻³ rather than plotly's SI prefixes (1m, 1µ) and crowded minor labels. */
function readableLog(axis: Record<string, unknown>): Record<string, unknown> {
  return axis['type'] === 'log' ? { ...axis, exponentformat: 'power', minorloglabels: 'none' } : axis;
}

/** Make every log axis of `fig` label its ticks as powers of ten (returns the same figure). */
export function readableLogAxes<F extends Figure>(fig: F): F {
  for (const key of Object.keys(fig.layout)) {
    if (/^[xy]axis\d*$/.test(key)) fig.layout[key] = readableLog(fig.layout[key] as Record<string, unknown>);
  }
  return fig;
}

/** Small multiples of line plots (notebooks 04–06): same axes in every panel, titles above, one legend. */
export function linePanels(panels: LinePanel[], options: LinePanelOptions = {}): Figure {
  if (panels.length === 0) throw new RangeError('linePanels needs at least one panel');
  const columns = Math.max(1, Math.min(options.columns ?? panels.length, panels.length));
  const rows = Math.ceil(panels.length / columns);
  const [pw, ph] = [options.panelWidth ?? 260, options.panelHeight ?? 200];
  const gap = { x: 0.06, y: 0.16 };
  const cellW = (1 - gap.x * (columns - 1)) / columns;
  const cellH = (1 - gap.y * (rows - 1)) / rows;
  // lineFigure builds one axis the d2l way (title, range in log units, scale); we copy it per panel.
  const template = lineFigure([], [], { ...options, title: undefined }).layout as Record<string, Record<string, unknown>>;
  const legendFrom = panels.findIndex((p) => p.legend !== undefined);
  const data: Trace[] = [];
  const annotations: unknown[] = [];
  const layout: Record<string, unknown> = {
    width: columns * pw + 90,
    height: rows * ph + (options.title ? 80 : 50),
    margin: { l: 60, r: 20, t: options.title ? 60 : 30, b: 50 },
    showlegend: legendFrom >= 0,
    legend: { orientation: 'h', x: 0, y: -0.12 / rows - 0.08, yanchor: 'top' },
    template: { layout: { font: { family: 'sans-serif' } } },
    annotations,
  };
  if (options.title !== undefined) layout['title'] = { text: options.title };
  panels.forEach((panel, k) => {
    const [row, col] = [Math.floor(k / columns), k % columns];
    const suffix = k === 0 ? '' : String(k + 1);
    const x0 = col * (cellW + gap.x);
    const y1 = 1 - row * (cellH + gap.y);
    const xAxis: Record<string, unknown> = { ...template['xaxis'], domain: [x0, x0 + cellW], anchor: `y${suffix}` };
    const yAxis: Record<string, unknown> = { ...template['yaxis'], domain: [y1 - cellH, y1], anchor: `x${suffix}` };
    // Axis titles once: x on the bottom row, y on the left column.
    if (row < rows - 1 && k + columns < panels.length) delete xAxis['title'];
    if (col > 0) delete yAxis['title'];
    layout[`xaxis${suffix}`] = readableLog(xAxis);
    layout[`yaxis${suffix}`] = readableLog(yAxis);
    const fig = lineFigure(panel.x, panel.y, { legend: panel.legend });
    fig.data.forEach((trace, i) => data.push({
      ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}`, line: { color: COLORS[i % COLORS.length] },
      legendgroup: String(i), showlegend: k === legendFrom && trace.name !== undefined,
    }));
    annotations.push({ text: panel.title, showarrow: false, xref: 'paper', yref: 'paper', x: x0 + cellW / 2, y: y1, xanchor: 'center', yanchor: 'bottom', font: { size: 12 } });
  });
  return { data, layout };
}
