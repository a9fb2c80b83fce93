/**
 * A static SVG picture of a line figure, drawn without a browser. figureHtml embeds it as an
 * <img> that the figure's script replaces with the interactive plot: where no script may run (a
 * reopened, untrusted notebook, whose HTML the front end sanitizes) the picture still shows.
 * It covers what `plot` and `Animator` draw: scatter traces (lines and/or markers) on one pair of
 * linear or log axes, with axis titles, a legend and a title; other figures get no picture.
 */
import type { Figure, Trace } from './figure';

/** plotly.js's default trace colours, in order. */
const COLORWAY = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

interface Axis {
  type?: string;
  range?: number[];
  title?: { text?: string };
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Axis values as plotted: log10 on log axes, undefined where a value cannot be drawn. */
function coord(v: unknown, log: boolean): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  if (!log) return v;
  return v > 0 ? Math.log10(v) : undefined;
}

function extent(values: number[], range: number[] | undefined): [number, number] {
  if (range && range.length === 2 && range.every(Number.isFinite)) return [range[0]!, range[1]!];
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** About five round tick values in [lo, hi] (in plotted units; log axes tick at powers of ten). */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log && Math.floor(hi) - Math.ceil(lo) >= 1) {
    const out: number[] = [];
    for (let e = Math.ceil(lo); e <= hi; e++) out.push(e);
    return out;
  }
  const span = hi - lo;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= 6)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function label(t: number, log: boolean): string {
  const v = log ? 10 ** t : t;
  return Number(v.toPrecision(6)).toString();
}

/** Whether `figureSvg` can draw the figure: scatter traces on the first axes only. */
function drawable(fig: Figure): boolean {
  const axes = Object.keys(fig.layout).filter((k) => /^[xy]axis\d+$/.test(k));
  const scatter = (t: Trace) => (t.type ?? 'scatter') === 'scatter' && (t['xaxis'] ?? 'x') === 'x' && (t['yaxis'] ?? 'y') === 'y';
  return axes.length === 0 && fig.data.every(scatter);
}

/** The figure as a standalone SVG document, or undefined for figures it does not cover (contours, subplots). */
export function figureSvg(fig: Figure): string | undefined {
  if (!drawable(fig)) return undefined;
  const layout = fig.layout as { width?: number; height?: number; margin?: Record<string, number>; showlegend?: boolean; title?: { text?: string }; xaxis?: Axis; yaxis?: Axis };
  const W = layout.width ?? 480;
  const H = layout.height ?? 320;
  const m = { l: 60, r: 20, t: 20, b: 50, ...layout.margin };
  const xlog = layout.xaxis?.type === 'log';
  const ylog = layout.yaxis?.type === 'log';
  const series = fig.data.map((t) => {
    const xs = t.x ?? (t.y ?? []).map((_, i) => i);
    return (t.y ?? []).map((y, i) => [coord(xs[i], xlog), coord(y, ylog)] as const);
  });
  const finite = (k: 0 | 1) => series.flat().map((p) => p[k]).filter((v): v is number => v !== undefined);
  const [x0, x1] = extent(finite(0), layout.xaxis?.range);
  const [y0, y1] = extent(finite(1), layout.yaxis?.range);
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#ccc"/>`,
  ];
  for (const t of ticks(x0, x1, xlog)) {
    const x = num(px(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`, `<text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${label(t, xlog)}</text>`);
  }
  for (const t of ticks(y0, y1, ylog)) {
    const y = num(py(t));
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#eee"/>`, `<text x="${m.l - 6}" y="${y}" dy="4" text-anchor="end">${label(t, ylog)}</text>`);
  }
  const clip = `<clipPath id="plot"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></clipPath>`;
  const drawn: string[] = [];
  series.forEach((points, i) => {
    const trace = fig.data[i]!;
    const style = (trace['line'] ?? {}) as { color?: string; dash?: string; width?: number };
    const color = escape(style.color ?? ((trace['marker'] as { color?: unknown } | undefined)?.color as string | undefined) ?? COLORWAY[i % COLORWAY.length]!);
    const mode = String(trace['mode'] ?? 'lines');
    if (mode.includes('lines')) {
      // A missing value breaks the line, as in plotly.
      const runs: string[][] = [[]];
      for (const [x, y] of points) {
        if (x === undefined || y === undefined) runs.push([]);
        else runs[runs.length - 1]!.push(`${num(px(x))},${num(py(y))}`);
      }
      const dash = style.dash && style.dash !== 'solid' ? ` stroke-dasharray="${style.dash === 'dot' ? '2,3' : '6,4'}"` : '';
      for (const run of runs.filter((r) => r.length > 1)) drawn.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="${style.width ?? 2}"${dash}/>`);
    }
    if (mode.includes('markers')) {
      for (const [x, y] of points) if (x !== undefined && y !== undefined) drawn.push(`<circle cx="${num(px(x))}" cy="${num(py(y))}" r="3" fill="${color}"/>`);
    }
  });
  parts.push(`<g clip-path="url(#plot)">${drawn.join('')}</g>`);
  const xt = layout.xaxis?.title?.text;
  const yt = layout.yaxis?.title?.text;
  if (xt) parts.push(`<text x="${num((m.l + W - m.r) / 2)}" y="${H - 10}" text-anchor="middle">${escape(xt)}</text>`);
  if (yt) parts.push(`<text transform="translate(16 ${num((m.t + H - m.b) / 2)}) rotate(-90)" text-anchor="middle">${escape(yt)}</text>`);
  if (layout.title?.text) parts.push(`<text x="${num(W / 2)}" y="${m.t - 14}" text-anchor="middle" font-size="14">${escape(layout.title.text)}</text>`);
  if (layout.showlegend) {
    fig.data.forEach((t, i) => {
      if (t.name === undefined) return;
      const y = m.t + 14 + 16 * i;
      const color = escape(((t['line'] as { color?: string } | undefined)?.color) ?? COLORWAY[i % COLORWAY.length]!);
      parts.push(`<line x1="${W - m.r - 110}" x2="${W - m.r - 92}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"/>`, `<text x="${W - m.r - 86}" y="${y}">${escape(t.name)}</text>`);
    });
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" fill="#444">` +
    `<defs>${clip}</defs>${parts.join('')}</svg>`
  );
}
