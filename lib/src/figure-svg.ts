/**
 * A static SVG picture of a plotly figure, drawn without a browser. figureHtml embeds it as an
 * <img> that the figure's script replaces with the interactive plot: where no script may run (a
 * reopened, untrusted notebook, whose HTML the front end sanitizes) the picture still shows.
 *
 * It draws what the lib's figures use: scatter traces (lines, markers, error bars) and contour or
 * heatmap traces, on any number of subplots (each pair of axes at its domain: smallMultiples,
 * pathsGrid, the playgrounds' stacked panels), linear or log axes with plotly's ticks, axis and
 * panel titles (paper annotations), the legend and the title. Contours are iso-lines found by
 * marching squares, with the bands between them filled. Coordinates are rounded to 0.1 px and long
 * lines thinned to what the picture can show, so the picture stays a few kilobytes.
 * No imports of Node or the DOM: plain string building.
 */
import { SERIES_COLORS } from './colors';
import type { Figure, Trace } from './figure';

type Point = [number, number];

interface AxisSpec {
  type?: string;
  range?: number[];
  title?: { text?: string } | string;
  domain?: number[];
  anchor?: string;
  visible?: boolean;
  showgrid?: boolean;
  tickvals?: number[];
  ticktext?: string[];
}

interface Layout {
  width?: number;
  height?: number;
  margin?: Partial<Record<'l' | 'r' | 't' | 'b', number>>;
  showlegend?: boolean;
  legend?: { x?: number; y?: number; xanchor?: string; yanchor?: string; orientation?: string };
  title?: { text?: string; font?: { size?: number } } | string;
  annotations?: { text?: string; x?: number; y?: number; xref?: string; yref?: string; xanchor?: string; yanchor?: string; font?: { size?: number } }[];
  [key: string]: unknown;
}

/** An axis as drawn: plotted range (log10 units on log axes) and its pixel span. */
interface Axis {
  name: string;
  spec: AxisSpec;
  log: boolean;
  lo: number;
  hi: number;
  /** Pixel coordinates of lo and hi. */
  p0: number;
  p1: number;
}

/** Text and attribute values escaped for XML, quotes of both kinds included (see figure.ts staticPicture). */
const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** A pixel coordinate, rounded to 0.1 px. */
const num = (v: number): string => (Math.round(v * 10) / 10).toString();
const textOf = (t: { text?: string } | string | undefined): string | undefined => (typeof t === 'string' ? t : t?.text);

/** Axis values as plotted: log10 on log axes, undefined where a value cannot be drawn. */
function coord(v: unknown, log: boolean): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  if (!log) return v;
  return v > 0 ? Math.log10(v) : undefined;
}

/** A number as plotly writes it on a linear axis: at most 6 significant digits, a true minus sign. */
function plain(v: number): string {
  return Number(v.toPrecision(6)).toString().replace('-', '−');
}

const SUPERSCRIPT: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻' };

/** A power of ten as plotly's exponentformat 'power' writes it: 1, 10, 10², 10⁻³. */
function power(p: number): string {
  if (p === 0) return '1';
  if (p === 1) return '10';
  return `10${String(p).replace(/./g, (c) => SUPERSCRIPT[c] ?? c)}`;
}

/** Round tick values in [lo, hi] (plotted units), at most about `max` of them, with their labels. */
export function axisTicks(lo: number, hi: number, log: boolean, max: number, spec: AxisSpec = {}): { at: number; label: string }[] {
  const inside = (t: number) => t >= lo - 1e-9 * Math.abs(hi - lo) && t <= hi + 1e-9 * Math.abs(hi - lo);
  if (spec.tickvals) {
    return spec.tickvals
      .map((v, i) => ({ at: coord(v, log), label: spec.ticktext?.[i] ?? plain(v) }))
      .filter((t): t is { at: number; label: string } => t.at !== undefined && inside(t.at));
  }
  if (log) {
    const decades = Math.floor(hi) - Math.ceil(lo) + 1;
    if (decades >= 2) {
      const every = Math.max(1, Math.ceil(decades / Math.max(2, max)));
      const out: { at: number; label: string }[] = [];
      for (let e = Math.ceil(lo); e <= hi + 1e-9; e++) if (e % every === 0 || every === 1) out.push({ at: e, label: power(e) });
      return out;
    }
    // Less than two decades: 1, 2, 5 × 10ᵏ, or every mantissa where that gives too few.
    const mantissas = (ms: number[]) => {
      const out: { at: number; label: string }[] = [];
      for (let k = Math.floor(lo) - 1; k <= Math.ceil(hi); k++) {
        for (const m of ms) {
          const v = Number((m * 10 ** k).toPrecision(3));
          if (inside(Math.log10(v))) out.push({ at: Math.log10(v), label: plain(v) });
        }
      }
      return out;
    };
    const coarse = mantissas([1, 2, 5]);
    if (coarse.length >= 3) return coarse;
    const fine = mantissas([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (fine.length >= 2) return fine;
    // Within one mantissa step: round values as on a linear axis, placed on the log scale.
    return axisTicks(10 ** lo, 10 ** hi, false, max).filter((t) => t.at > 0).map((t) => ({ at: Math.log10(t.at), label: t.label }));
  }
  const span = hi - lo;
  if (!(span > 0)) return [{ at: lo, label: plain(lo) }];
  const target = Math.max(2, max);
  const mag = 10 ** Math.floor(Math.log10(span / target));
  const step = [1, 2, 2.5, 5, 10, 20].map((m) => m * mag).find((s) => span / s <= target) ?? 20 * mag;
  const out: { at: number; label: string }[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const t = Math.abs(k * step) < step * 1e-9 ? 0 : k * step;
    out.push({ at: t, label: plain(t) });
  }
  return out;
}

/**
 * Ramer–Douglas–Peucker: the fewest points of a polyline such that none dropped lies further than
 * `tolerance` pixels from the line kept. Iterative, so long series cannot overflow the stack.
 */
export function simplify(points: Point[], tolerance: number): Point[] {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = points[a]!;
    const [bx, by] = points[b]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    let worst = -1;
    let at = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i]!;
      let d: number;
      if (len2 === 0) d = Math.hypot(px - ax, py - ay);
      else {
        const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
        d = Math.hypot(px - ax - t * dx, py - ay - t * dy);
      }
      if (d > worst) [worst, at] = [d, i];
    }
    if (worst > tolerance) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/**
 * A series with x increasing, reduced to each pixel column's first, lowest, highest and last
 * point, in order: the same picture (every excursion kept) where many points share a column.
 */
function columns(points: Point[]): Point[] {
  const out: Point[] = [];
  let i = 0;
  while (i < points.length) {
    const col = Math.floor(points[i]![0]);
    let j = i;
    let lo = i;
    let hi = i;
    while (j + 1 < points.length && Math.floor(points[j + 1]![0]) === col) {
      j++;
      if (points[j]![1] < points[lo]![1]) lo = j;
      if (points[j]![1] > points[hi]![1]) hi = j;
    }
    for (const k of [...new Set([i, Math.min(lo, hi), Math.max(lo, hi), j])]) out.push(points[k]!);
    i = j + 1;
  }
  return out;
}

/** One polyline in path syntax, thinned to what 0.3 px can show (`coarse`: whole pixels, for decoration such as contour lines). */
function pathOf(points: Point[], coarse = false): string {
  let pts = points;
  const increasing = pts.every((p, i) => i === 0 || p[0] >= pts[i - 1]![0]);
  if (increasing) pts = columns(pts);
  pts = simplify(pts, coarse ? 0.5 : 0.3);
  const round = coarse ? (v: number) => String(Math.round(v)) : num;
  let out = '';
  let last = '';
  for (const [x, y] of pts) {
    const s = `${round(x)},${round(y)}`;
    if (s === last) continue;
    out += out === '' ? `M${s}` : ` ${s}`;
    last = s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Contours

/**
 * Marching squares: the iso-lines z = level of a grid (z[j][i] at x[i], y[j]), each as a list of
 * points in data coordinates, joined across cells into polylines (closed ones end where they
 * start). Saddle cells are split by the value at their centre.
 */
export function isoLines(x: number[], y: number[], z: number[][], level: number): Point[][] {
  const ny = z.length;
  const nx = z[0]?.length ?? 0;
  // Edge ids: horizontal edge (i, j)–(i+1, j) is 2·(j·nx + i), vertical edge (i, j)–(i, j+1) is 2·(j·nx + i) + 1.
  const h = (i: number, j: number) => 2 * (j * nx + i);
  const v = (i: number, j: number) => 2 * (j * nx + i) + 1;
  const point = (edge: number): Point => {
    const k = edge >> 1;
    const [i, j] = [k % nx, Math.floor(k / nx)];
    const [i2, j2] = edge & 1 ? [i, j + 1] : [i + 1, j];
    const a = z[j]![i]!;
    const b = z[j2]![i2]!;
    const t = a === b ? 0.5 : (level - a) / (b - a);
    return [x[i]! + t * (x[i2]! - x[i]!), y[j]! + t * (y[j2]! - y[j]!)];
  };
  // Segments as pairs of edge ids; each edge lies on at most two segments (the cells either side).
  const ends: number[] = [];
  const seg = (p: number, q: number) => void ends.push(p, q);
  for (let j = 0; j + 1 < ny; j++) {
    const row = z[j]!;
    const up = z[j + 1]!;
    for (let i = 0; i + 1 < nx; i++) {
      const a = row[i]!; // corners counter-clockwise from (i, j)
      const b = row[i + 1]!;
      const c = up[i + 1]!;
      const d = up[i]!;
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = h(i, j);
      const right = v(i + 1, j);
      const top = h(i, j + 1);
      const left = v(i, j);
      switch (code) {
        case 1: case 14: seg(left, bottom); break;
        case 2: case 13: seg(bottom, right); break;
        case 3: case 12: seg(left, right); break;
        case 4: case 11: seg(right, top); break;
        case 6: case 9: seg(bottom, top); break;
        case 7: case 8: seg(left, top); break;
        case 5: case 10: {
          // A saddle: the centre's side decides which corners the lines separate.
          const centreAbove = (a + b + c + d) / 4 > level;
          if ((code === 5) === centreAbove) { seg(left, top); seg(bottom, right); } else { seg(left, bottom); seg(right, top); }
          break;
        }
      }
    }
  }
  // Join the segments at their shared edges into polylines.
  const count = ends.length / 2;
  const slots = new Int32Array(4 * nx * ny).fill(-1); // per edge id, the (up to) two segments on it
  for (let s = 0; s < count; s++) {
    for (const e of [ends[2 * s]!, ends[2 * s + 1]!]) slots[2 * e] === -1 ? (slots[2 * e] = s) : (slots[2 * e + 1] = s);
  }
  const used = new Uint8Array(count);
  const other = (e: number, s: number) => (slots[2 * e] === s ? slots[2 * e + 1]! : slots[2 * e]!);
  /** The edges met walking from edge `from` along segment `s` and on, until the line ends or closes. */
  const walk = (from: number, s: number): number[] => {
    const chain: number[] = [];
    let edge = from;
    let at = s;
    while (at !== -1 && !used[at]) {
      used[at] = 1;
      edge = ends[2 * at] === edge ? ends[2 * at + 1]! : ends[2 * at]!;
      chain.push(edge);
      at = other(edge, at);
    }
    return chain;
  };
  const lines: Point[][] = [];
  for (let s = 0; s < count; s++) {
    if (used[s]) continue;
    const p = ends[2 * s]!;
    const forward = walk(p, s);
    const back = other(p, s);
    const backward = back === -1 || used[back] ? [] : walk(p, back);
    lines.push([...backward.reverse(), p, ...forward].map(point));
  }
  return lines;
}

/** Contour levels as plotly chooses them: `contours.start/size/end`, else a round step giving at most `ncontours`. */
function contourLevels(trace: Trace, zmin: number, zmax: number): number[] {
  const c = (trace['contours'] ?? {}) as { start?: number; end?: number; size?: number };
  if (c.start !== undefined && c.end !== undefined && c.size !== undefined && c.size > 0) {
    const out: number[] = [];
    for (let v = c.start; v <= c.end + c.size * 1e-9; v += c.size) out.push(v);
    return out;
  }
  const n = Number(trace['ncontours'] ?? 15);
  const span = zmax - zmin;
  if (!(span > 0)) return [];
  const mag = 10 ** Math.floor(Math.log10(span / n));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let k = Math.floor(zmin / step) + 1; k * step < zmax; k++) out.push(k * step);
  return out;
}

type Rgb = [number, number, number];

function parseColor(c: string): Rgb {
  const hex = /^#([0-9a-f]{6})$/i.exec(c);
  if (hex) return [0, 2, 4].map((k) => parseInt(hex[1]!.slice(k, k + 2), 16)) as Rgb;
  const rgb = /^rgba?\(([^)]*)\)$/.exec(c);
  if (rgb) return rgb[1]!.split(',').slice(0, 3).map((s) => Number(s.trim())) as Rgb;
  return [128, 128, 128];
}

const hex = (c: Rgb): string => `#${c.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0')).join('')}`;

/** The colour of `t` ∈ [0, 1] on a plotly colorscale given as [[stop, colour], …] (a blue ramp otherwise). */
function colorAt(scale: unknown, t: number): Rgb {
  const stops = (Array.isArray(scale) ? scale : [[0, '#08306b'], [1, '#f7fbff']]) as [number, string][];
  const u = Math.max(0, Math.min(1, t));
  for (let k = 1; k < stops.length; k++) {
    const [s0, c0] = stops[k - 1]!;
    const [s1, c1] = stops[k]!;
    if (u <= s1 || k === stops.length - 1) {
      const f = s1 === s0 ? 0 : Math.max(0, Math.min(1, (u - s0) / (s1 - s0)));
      const [a, b] = [parseColor(c0), parseColor(c1)];
      return a.map((v, i) => v + f * (b[i]! - v)) as Rgb;
    }
  }
  return parseColor(stops[0]![1]);
}

/** A trace's grid: x and y per column and row (indices when absent) and z, finite values only counted. */
function grid(trace: Trace): { x: number[]; y: number[]; z: number[][] } | undefined {
  const z = trace['z'] as number[][] | undefined;
  if (!Array.isArray(z) || z.length === 0 || !Array.isArray(z[0])) return undefined;
  const x = (trace.x as number[] | undefined) ?? z[0].map((_, i) => i);
  const y = (trace.y as number[] | undefined) ?? z.map((_, j) => j);
  return { x, y, z: z.map((row) => row.map((v) => (typeof v === 'number' ? v : Number.NaN))) };
}

/**
 * A contour trace in pixels: the bands between levels filled (each sublevel set painted over the
 * one above it, from the highest level down), their outlines stroked as the iso-lines. The grid is
 * padded with a ring of +∞ at its own border so that every sublevel set is a closed outline.
 */
function contourMarkup(trace: Trace, px: (x: number) => number, py: (y: number) => number): string {
  const g = grid(trace);
  if (!g) return '';
  const finite = g.z.flat().filter(Number.isFinite);
  const [zmin, zmax] = [Math.min(...finite), Math.max(...finite)];
  const levels = contourLevels(trace, zmin, zmax);
  const opacity = Number(trace['opacity'] ?? 1);
  const scale = trace['colorscale'];
  const band = (lo: number, hi: number) => {
    const c = colorAt(scale, ((lo + hi) / 2 - zmin) / (zmax - zmin || 1));
    return hex(c.map((v) => opacity * v + (1 - opacity) * 255) as Rgb); // over a white plot
  };
  const style = (trace['contours'] ?? {}) as { coloring?: string; showlines?: boolean };
  const line = (trace['line'] ?? {}) as { color?: string; width?: number };
  const fill = style.coloring !== 'lines' && style.coloring !== 'none';
  const stroke = style.showlines !== false;
  const ink = line.color ?? (fill ? 'rgba(0,0,0,0.3)' : undefined);
  const big = Number.POSITIVE_INFINITY;
  const xs = [g.x[0]!, ...g.x, g.x[g.x.length - 1]!];
  const ys = [g.y[0]!, ...g.y, g.y[g.y.length - 1]!];
  const padded = [new Array(xs.length).fill(big), ...g.z.map((row) => [big, ...row.map((v) => (Number.isFinite(v) ? v : big)), big]), new Array(xs.length).fill(big)];
  // +∞ against a finite value puts the crossing at the finite corner, i.e. on the border.
  const onBorder = padded.map((row) => row.map((v) => (v === big ? 1e300 : v)));
  const toPx = (lines: Point[][]) => lines.map((l) => pathOf(l.map(([x, y]) => [px(x), py(y)] as Point), true)).join('');
  const parts: string[] = [];
  if (fill) {
    const bounds = [zmin, ...levels, zmax];
    const [x0, x1, y0, y1] = [px(g.x[0]!), px(g.x[g.x.length - 1]!), py(g.y[0]!), py(g.y[g.y.length - 1]!)];
    parts.push(`<rect x="${num(Math.min(x0, x1))}" y="${num(Math.min(y0, y1))}" width="${num(Math.abs(x1 - x0))}" height="${num(Math.abs(y1 - y0))}" fill="${band(bounds[bounds.length - 2]!, zmax)}"/>`);
    // The outlines are the iso-lines too (stroked), except along the border, where the plot's frame covers them.
    const lines = stroke && ink ? ` stroke="${escape(ink)}" stroke-width="${line.width ?? 0.6}"` : '';
    for (let k = levels.length - 1; k >= 0; k--) {
      const d = toPx(isoLines(xs, ys, onBorder, levels[k]!));
      if (d) parts.push(`<path d="${d}" fill="${band(bounds[k]!, bounds[k + 1]!)}" fill-rule="evenodd"${lines}/>`);
    }
  } else if (stroke && ink) {
    const d = levels.map((l) => toPx(isoLines(g.x, g.y, g.z, l))).join('');
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${escape(ink)}" stroke-width="${line.width ?? 0.6}"/>`);
  }
  return parts.join('');
}

/** A heatmap trace in pixels: one rectangle per cell, at most 60 × 60 (a larger grid is sampled). */
function heatmapMarkup(trace: Trace, px: (x: number) => number, py: (y: number) => number): string {
  const g = grid(trace);
  if (!g) return '';
  const finite = g.z.flat().filter(Number.isFinite);
  const [zmin, zmax] = [Math.min(...finite), Math.max(...finite)];
  const [ny, nx] = [g.z.length, g.z[0]!.length];
  const [si, sj] = [Math.max(1, Math.ceil(nx / 60)), Math.max(1, Math.ceil(ny / 60))];
  const edge = (v: number[], i: number) => (i <= 0 ? v[0]! - (v[1]! - v[0]!) / 2 : i >= v.length ? v[v.length - 1]! + (v[v.length - 1]! - v[v.length - 2]!) / 2 : (v[i - 1]! + v[i]!) / 2);
  const parts: string[] = [];
  for (let j = 0; j < ny; j += sj) {
    for (let i = 0; i < nx; i += si) {
      const z = g.z[j]![i]!;
      if (!Number.isFinite(z)) continue;
      const [xa, xb] = [px(edge(g.x, i)), px(edge(g.x, Math.min(i + si, nx)))];
      const [ya, yb] = [py(edge(g.y, j)), py(edge(g.y, Math.min(j + sj, ny)))];
      const c = hex(colorAt(trace['colorscale'], (z - zmin) / (zmax - zmin || 1)));
      parts.push(`<rect x="${num(Math.min(xa, xb))}" y="${num(Math.min(ya, yb))}" width="${num(Math.abs(xb - xa) + 0.3)}" height="${num(Math.abs(yb - ya) + 0.3)}" fill="${c}"/>`);
    }
  }
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Scatter traces

interface Marker {
  symbol?: string;
  size?: number;
  color?: string;
  line?: { width?: number; color?: string };
}

const DASHES: Record<string, string> = { dot: '2,3', dash: '6,4', longdash: '10,4', dashdot: '6,3,2,3', longdashdot: '10,3,2,3' };

/** Markers of one symbol at `points` (pixels), as one element: filled circles are zero-length round-capped strokes. */
function markerMarkup(points: Point[], m: Marker, color: string): string {
  if (points.length === 0) return '';
  const size = m.size ?? 6;
  const symbol = m.symbol ?? 'circle';
  const at = (f: (x: number, y: number) => string) => points.map(([x, y]) => f(x, y)).join('');
  const r = size / 2;
  if (symbol === 'circle') return `<path d="${at((x, y) => `M${num(x)},${num(y)}h0`)}" stroke="${color}" stroke-width="${size}" stroke-linecap="round"/>`;
  if (symbol === 'circle-open') {
    const d = at((x, y) => `M${num(x - r)},${num(y)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`);
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${m.line?.width ?? 1}"/>`;
  }
  if (symbol === 'x') {
    const d = at((x, y) => `M${num(x - r)},${num(y - r)}l${size},${size}m0,${-size}l${-size},${size}`);
    return `<path d="${d}" stroke="${color}" stroke-width="${Math.max(1.5, size / 5)}"/>`;
  }
  if (symbol === 'star') {
    // A five-pointed star whose outer points lie on a circle of radius r, inner ones at 0.4 r.
    const star = Array.from({ length: 10 }, (_, k) => {
      const a = -Math.PI / 2 + (k * Math.PI) / 5;
      const q = k % 2 === 0 ? r * 1.2 : r * 0.48;
      return [q * Math.cos(a), q * Math.sin(a)];
    });
    const d = at((x, y) => `M${star.map(([dx, dy]) => `${num(x + dx!)},${num(y + dy!)}`).join(' ')}Z`);
    return `<path d="${d}" fill="${color}"/>`;
  }
  // Squares and any other symbol: a square of the marker's size.
  return `<path d="${at((x, y) => `M${num(x)},${num(y)}h0`)}" stroke="${color}" stroke-width="${size}" stroke-linecap="square"/>`;
}

/** The colour of trace `i`: its line or marker colour, else plotly's colourway by position. */
function traceColor(t: Trace, i: number): string {
  const line = t['line'] as { color?: string } | undefined;
  const marker = t['marker'] as { color?: unknown } | undefined;
  const c = line?.color ?? (typeof marker?.color === 'string' ? marker.color : undefined) ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
  return escape(c);
}

const isScatter = (t: Trace) => (t.type ?? 'scatter') === 'scatter' || t.type === 'scattergl';
const isGrid = (t: Trace) => t.type === 'contour' || t.type === 'heatmap';
const shown = (t: Trace) => t['visible'] !== false && t['visible'] !== 'legendonly';

/** A scatter trace's points in plotted units (undefined where a value cannot be drawn). */
function scatterPoints(t: Trace, xlog: boolean, ylog: boolean): [number | undefined, number | undefined][] {
  const ys = t.y ?? [];
  const xs = t.x ?? ys.map((_, i) => i);
  return ys.map((y, i) => [coord(xs[i], xlog), coord(y, ylog)]);
}

/** Error bar ends (plotted units) of a scatter trace, from `error_y`'s data arrays. */
function errorBars(t: Trace, ylog: boolean): { i: number; lo: number | undefined; hi: number | undefined }[] {
  const e = t['error_y'] as { visible?: boolean; array?: number[]; arrayminus?: number[]; symmetric?: boolean } | undefined;
  if (!e || e.visible === false || !e.array) return [];
  const ys = t.y ?? [];
  return ys.map((y, i) => {
    if (typeof y !== 'number') return { i, lo: undefined, hi: undefined };
    const up = e.array![i] ?? 0;
    const down = e.symmetric === false ? (e.arrayminus?.[i] ?? 0) : up;
    return { i, lo: coord(y - down, ylog), hi: coord(y + up, ylog) };
  });
}

// ---------------------------------------------------------------------------------------------
// The figure

const CHAR = 6.6; // width of an 11 px sans-serif character, on the wide side

/** Legend entries: traces shown, named, not opted out, one per legend group; grids only when asked. */
function legendEntries(fig: Figure): { trace: Trace; index: number }[] {
  const seen = new Set<unknown>();
  const out: { trace: Trace; index: number }[] = [];
  fig.data.forEach((t, index) => {
    if (!shown(t) || t['showlegend'] === false || (isGrid(t) && t['showlegend'] !== true) || t.name === undefined) return;
    const group = t['legendgroup'];
    if (group !== undefined) {
      if (seen.has(group)) return;
      seen.add(group);
    }
    out.push({ trace: t, index });
  });
  return out;
}

/** Whether two grid traces draw the same picture: the same grid and the same styling (shared arrays, or equal ones from JSON). */
function sameGrid(a: Trace, b: Trace): boolean {
  const strip = (t: Trace) => JSON.stringify({ ...t, x: undefined, y: undefined, z: undefined, xaxis: undefined, yaxis: undefined, name: undefined });
  const equal = (p: unknown, q: unknown): boolean =>
    p === q || (Array.isArray(p) && Array.isArray(q) && p.length === q.length && p.every((v, i) => equal(v, q[i])));
  return equal(a['z'], b['z']) && equal(a.x, b.x) && equal(a.y, b.y) && strip(a) === strip(b);
}

/** Options of figureSvg. */
export interface FigureSvgOptions {
  /** A line of small print under the figure (e.g. that the live version needs a trusted notebook). */
  note?: string;
}

/** The figure as a standalone SVG document: every subplot with its traces, axes, titles and legend. */
export function figureSvg(fig: Figure, options: FigureSvgOptions = {}): string {
  const layout = fig.layout as Layout;
  const W = layout.width ?? 700;
  const noteRoom = options.note ? 20 : 0;
  const H0 = layout.height ?? 450;
  const H = H0 + noteRoom;
  const m = { l: 80, r: 80, t: 100, b: 80, ...layout.margin };
  const entries = legendEntries(fig);
  const showLegend = layout.showlegend ?? entries.length >= 2;
  const legend = layout.legend ?? {};
  const horizontal = legend.orientation === 'h';
  const legendX = legend.x ?? (horizontal ? 0 : 1.02);
  const legendXAnchor = legend.xanchor ?? 'left';
  const itemWidth = (t: Trace) => 40 + CHAR * (t.name ?? '').length;
  const legendWidth = Math.max(0, ...entries.map((e) => itemWidth(e.trace))) + 12;
  // plotly widens the right margin to fit a legend placed outside the plot on the right.
  if (showLegend && entries.length > 0 && !horizontal && legendX >= 1 && legendXAnchor === 'left') m.r = Math.max(m.r, legendWidth + 10);
  const [left, right, top, bottom] = [m.l, W - m.r, m.t, H0 - m.b];

  // The axes the traces use, with their ranges.
  const axisKey = (ref: string) => `${ref[0]}axis${ref.slice(1)}`;
  const refs = (t: Trace): [string, string] => [String(t['xaxis'] ?? 'x'), String(t['yaxis'] ?? 'y')];
  const traces = fig.data.filter(shown);
  const axes = new Map<string, Axis>();
  const axisOf = (ref: string): Axis => {
    let a = axes.get(ref);
    if (!a) {
      const spec = (layout[axisKey(ref)] ?? {}) as AxisSpec;
      a = { name: ref, spec, log: spec.type === 'log', lo: 0, hi: 1, p0: 0, p1: 0 };
      axes.set(ref, a);
    }
    return a;
  };
  const subplots = new Map<string, [Axis, Axis]>();
  for (const t of traces) {
    const [xr, yr] = refs(t);
    subplots.set(`${xr}${yr}`, [axisOf(xr), axisOf(yr)]);
  }
  if (subplots.size === 0) subplots.set('xy', [axisOf('x'), axisOf('y')]);
  for (const a of axes.values()) {
    const letter = a.name[0] as 'x' | 'y';
    const values: number[] = [];
    let tight = letter === 'x';
    for (const t of traces) {
      const [xr, yr] = refs(t);
      if ((letter === 'x' ? xr : yr) !== a.name) continue;
      if (isGrid(t)) {
        const g = grid(t);
        for (const v of (letter === 'x' ? g?.x : g?.y) ?? []) if (coord(v, a.log) !== undefined) values.push(coord(v, a.log)!);
        continue;
      }
      const other = axisOf(letter === 'x' ? yr : xr);
      const pts = scatterPoints(t, letter === 'x' ? a.log : other.log, letter === 'y' ? a.log : other.log);
      for (const p of pts) {
        const v = p[letter === 'x' ? 0 : 1];
        if (v !== undefined) values.push(v);
      }
      if (letter === 'y') for (const e of errorBars(t, a.log)) for (const v of [e.lo, e.hi]) if (v !== undefined) values.push(v);
      if (String(t['mode'] ?? 'lines').includes('markers') || t['error_y']) tight = false;
    }
    const range = a.spec.range;
    if (range && range.length === 2 && range.every((v) => typeof v === 'number' && Number.isFinite(v))) [a.lo, a.hi] = [range[0]!, range[1]!];
    else if (values.length > 0) {
      let [lo, hi] = [Math.min(...values), Math.max(...values)];
      if (lo === hi) [lo, hi] = a.log ? [lo - 0.5, hi + 0.5] : [lo - 1, hi + 1];
      const pad = tight ? 0 : (hi - lo) * 0.05;
      [a.lo, a.hi] = [lo - pad, hi + pad];
    } else [a.lo, a.hi] = letter === 'x' ? [-1, 6] : [-1, 4];
    const [d0, d1] = a.spec.domain ?? [0, 1];
    if (letter === 'x') [a.p0, a.p1] = [left + d0! * (right - left), left + d1! * (right - left)];
    else [a.p0, a.p1] = [bottom - d0! * (bottom - top), bottom - d1! * (bottom - top)];
  }
  const map = (a: Axis) => (v: number) => a.p0 + ((v - a.lo) / (a.hi - a.lo || 1)) * (a.p1 - a.p0);

  const defs: string[] = [];
  const back: string[] = []; // subplot frames and grid lines
  const drawn: string[] = []; // traces, clipped per subplot
  const frames: string[] = []; // subplot outlines, over the traces
  const front: string[] = []; // tick labels, titles, legend
  const tickCache = new Map<string, { at: number; label: string }[]>();
  const ticksOf = (a: Axis) => {
    if (!tickCache.has(a.name)) {
      const len = Math.abs(a.p1 - a.p0);
      tickCache.set(a.name, axisTicks(a.lo, a.hi, a.log, Math.max(2, Math.floor(len / (a.name[0] === 'x' ? (a.log ? 45 : 70) : 35))), a.spec));
    }
    return tickCache.get(a.name)!;
  };
  // Identical contour pictures (pathsGrid repeats one function in every panel) are drawn once and reused.
  const reused: { key: string; trace: Trace; id: string }[] = [];
  let clipCount = 0;
  for (const [, [xa, ya]] of subplots) {
    const [x0, x1] = [Math.min(xa.p0, xa.p1), Math.max(xa.p0, xa.p1)];
    const [y0, y1] = [Math.min(ya.p0, ya.p1), Math.max(ya.p0, ya.p1)];
    const id = `c${clipCount++}`;
    defs.push(`<clipPath id="${id}"><rect x="${num(x0)}" y="${num(y0)}" width="${num(x1 - x0)}" height="${num(y1 - y0)}"/></clipPath>`);
    for (const [a, vertical] of [[xa, true], [ya, false]] as [Axis, boolean][]) {
      if (a.spec.showgrid === false || a.spec.visible === false) continue;
      const f = map(a);
      const d = ticksOf(a).map((t) => (vertical ? `M${num(f(t.at))},${num(y0)}V${num(y1)}` : `M${num(x0)},${num(f(t.at))}H${num(x1)}`)).join('');
      if (d) back.push(`<path d="${d}" stroke="#eee"/>`);
    }
    const [px, py] = [map(xa), map(ya)];
    const parts: string[] = [];
    traces.forEach((t) => {
      const [xr, yr] = refs(t);
      if (xr !== xa.name || yr !== ya.name) return;
      const i = fig.data.indexOf(t);
      if (isGrid(t)) {
        const key = `${String(t.type)}|${num(x1 - x0)}|${num(y1 - y0)}|${xa.lo},${xa.hi},${ya.lo},${ya.hi}`;
        const cached = reused.find((r) => r.key === key && sameGrid(r.trace, t));
        if (cached) {
          parts.push(`<use href="#${cached.id}" x="${num(x0)}" y="${num(y0)}"/>`);
          return;
        }
        // Drawn at the subplot's origin, placed with a translation, so that other panels can reuse it.
        const gx = (v: number) => px(xa.log ? Math.log10(v) : v) - x0;
        const gy = (v: number) => py(ya.log ? Math.log10(v) : v) - y0;
        const body = t.type === 'contour' ? contourMarkup(t, gx, gy) : heatmapMarkup(t, gx, gy);
        const gid = `g${reused.length}`;
        reused.push({ key, trace: t, id: gid });
        defs.push(`<g id="${gid}">${body}</g>`);
        parts.push(`<use href="#${gid}" x="${num(x0)}" y="${num(y0)}"/>`);
        return;
      }
      if (!isScatter(t)) return;
      const color = traceColor(t, i);
      const opacity = t['opacity'] === undefined ? '' : ` opacity="${Number(t['opacity'])}"`;
      const pts = scatterPoints(t, xa.log, ya.log);
      const mode = String(t['mode'] ?? (pts.length <= 20 ? 'lines+markers' : 'lines'));
      const style = (t['line'] ?? {}) as { dash?: string; width?: number };
      const out: string[] = [];
      const bars = errorBars(t, ya.log);
      if (bars.length > 0) {
        const e = t['error_y'] as { color?: string; thickness?: number; width?: number };
        const w = e.width ?? 4;
        const d = bars.map(({ i: k, lo, hi }) => {
          const x = pts[k]?.[0];
          if (x === undefined || lo === undefined || hi === undefined) return '';
          const [X, A, B] = [px(x), py(lo), py(hi)];
          return `M${num(X)},${num(A)}V${num(B)}M${num(X - w)},${num(A)}h${2 * w}M${num(X - w)},${num(B)}h${2 * w}`;
        }).join('');
        if (d) out.push(`<path d="${d}" stroke="${escape(e.color ?? color)}" stroke-width="${e.thickness ?? 2}"/>`);
      }
      if (mode.includes('lines')) {
        // A missing value breaks the line, as in plotly.
        const runs: Point[][] = [[]];
        for (const [x, y] of pts) {
          if (x === undefined || y === undefined) runs.push([]);
          else runs[runs.length - 1]!.push([px(x), py(y)]);
        }
        const d = runs.filter((r) => r.length > 1).map((r) => pathOf(r)).join('');
        const dash = style.dash && DASHES[style.dash] ? ` stroke-dasharray="${DASHES[style.dash]}"` : '';
        if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${style.width ?? 2}"${dash}/>`);
      }
      if (mode.includes('markers')) {
        const marker = (t['marker'] ?? {}) as Marker;
        const mc = typeof marker.color === 'string' ? escape(marker.color) : color;
        out.push(markerMarkup(pts.filter((p): p is Point => p[0] !== undefined && p[1] !== undefined).map(([x, y]) => [px(x), py(y)]), marker, mc));
      }
      parts.push(opacity ? `<g${opacity}>${out.join('')}</g>` : out.join(''));
    });
    drawn.push(`<g clip-path="url(#${id})">${parts.join('')}</g>`);
    frames.push(`<rect x="${num(x0)}" y="${num(y0)}" width="${num(x1 - x0)}" height="${num(y1 - y0)}" fill="none" stroke="#ccc"/>`);
  }

  // Tick labels and axis titles: an x axis along the bottom of the y axis it is anchored to, a y axis left of its x axis.
  for (const a of axes.values()) {
    if (a.spec.visible === false) continue;
    const f = map(a);
    const letter = a.name[0];
    const anchor = axes.get(a.spec.anchor ?? (letter === 'x' ? 'y' : 'x')) ?? [...subplots.values()].find(([xa, ya]) => (letter === 'x' ? xa : ya) === a)?.[letter === 'x' ? 1 : 0];
    const title = textOf(a.spec.title);
    const ticks = ticksOf(a);
    if (letter === 'x') {
      const y = anchor ? Math.max(anchor.p0, anchor.p1) : bottom;
      for (const t of ticks) front.push(`<text x="${num(f(t.at))}" y="${num(y + 15)}" text-anchor="middle">${escape(t.label)}</text>`);
      if (title) front.push(`<text x="${num((a.p0 + a.p1) / 2)}" y="${num(y + 34)}" text-anchor="middle" font-size="12">${escape(title)}</text>`);
    } else {
      const x = anchor ? Math.min(anchor.p0, anchor.p1) : left;
      for (const t of ticks) front.push(`<text x="${num(x - 5)}" y="${num(f(t.at) + 4)}" text-anchor="end">${escape(t.label)}</text>`);
      const wide = Math.max(0, ...ticks.map((t) => t.label.length)) * CHAR;
      if (title) front.push(`<text transform="translate(${num(Math.max(12, x - wide - 16))} ${num((a.p0 + a.p1) / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escape(title)}</text>`);
    }
  }

  // Annotations (the panels' titles), positioned in paper coordinates.
  for (const n of layout.annotations ?? []) {
    if (!n.text || (n.xref ?? 'paper') !== 'paper' || (n.yref ?? 'paper') !== 'paper') continue;
    const x = left + (n.x ?? 0.5) * (right - left);
    const y = bottom - (n.y ?? 0.5) * (bottom - top);
    const size = n.font?.size ?? 12;
    const anchor = n.xanchor === 'left' ? 'start' : n.xanchor === 'right' ? 'end' : 'middle';
    const dy = n.yanchor === 'bottom' ? -5 : n.yanchor === 'top' ? size + 2 : size / 3;
    front.push(`<text x="${num(x)}" y="${num(y + dy)}" text-anchor="${anchor}" font-size="${size}">${escape(n.text.replace(/<[^>]*>/g, ''))}</text>`);
  }
  const title = textOf(layout.title);
  if (title) {
    const size = (typeof layout.title === 'object' ? layout.title.font?.size : undefined) ?? 14;
    front.push(`<text x="${num(W / 2)}" y="${num(Math.max(size + 2, top / 2 + size / 3))}" text-anchor="middle" font-size="${size}">${escape(title.replace(/<[^>]*>/g, ''))}</text>`);
  }

  if (showLegend && entries.length > 0) {
    const items = entries.map(({ trace, index }) => {
      const color = traceColor(trace, index);
      const mode = String(trace['mode'] ?? 'lines');
      const style = (trace['line'] ?? {}) as { dash?: string };
      const sample = (x: number, y: number): string => {
        if (isGrid(trace)) return `<rect x="${num(x)}" y="${num(y - 5)}" width="30" height="10" fill="${hex(colorAt(trace['colorscale'], 0.3))}"/>`;
        if (!mode.includes('lines')) {
          const marker = (trace['marker'] ?? {}) as Marker;
          return markerMarkup([[x + 15, y]], { ...marker, size: Math.min(marker.size ?? 6, 12) }, typeof marker.color === 'string' ? escape(marker.color) : color);
        }
        const dash = style.dash && DASHES[style.dash] ? ` stroke-dasharray="${DASHES[style.dash]}"` : '';
        return `<path d="M${num(x)},${num(y)}h30" stroke="${color}" stroke-width="2"${dash}/>`;
      };
      return { name: trace.name!, sample, width: itemWidth(trace) };
    });
    const out: string[] = [];
    if (horizontal) {
      // Entries in rows below (or above) the plot, from legend.x.
      let x = left + legendX * (right - left);
      let y = bottom - (legend.y ?? -0.1) * (bottom - top) + 10;
      const x0 = x;
      for (const it of items) {
        if (x + it.width > W && x > x0) [x, y] = [x0, y + 19];
        out.push(it.sample(x, y), `<text x="${num(x + 35)}" y="${num(y + 4)}">${escape(it.name)}</text>`);
        x += it.width;
      }
    } else {
      const h = 19 * items.length + 6;
      let x = left + legendX * (right - left);
      if (legendXAnchor === 'right') x -= legendWidth;
      else if (legendXAnchor === 'center') x -= legendWidth / 2;
      let y = bottom - (legend.y ?? 1) * (bottom - top);
      if (legend.yanchor === 'bottom') y -= h;
      else if (legend.yanchor === 'middle') y -= h / 2;
      if (legendX < 1) out.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(legendWidth)}" height="${h}" fill="#fff" fill-opacity="0.8"/>`);
      items.forEach((it, k) => {
        const cy = y + 12 + 19 * k;
        out.push(it.sample(x + 4, cy), `<text x="${num(x + 39)}" y="${num(cy + 4)}">${escape(it.name)}</text>`);
      });
    }
    front.push(out.join(''));
  }
  if (fig.frames && fig.frames.length > 0 && !options.note) front.push(`<text x="${left}" y="${H - 6}" font-size="11" fill="#777">The animation plays where the notebook is trusted (its scripts run).</text>`);
  if (options.note) front.push(`<text x="8" y="${H - 6}" font-size="12" fill="#555">${escape(options.note)}</text>`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" fill="#444">` +
    `<defs>${defs.join('')}</defs><rect width="${W}" height="${H}" fill="#fff"/>${back.join('')}${drawn.join('')}${frames.join('')}${front.join('')}</svg>`
  );
}
