/**
 * Plotly figures for notebooks (d2l's `plot` and the training loss curve). A figure is shown as a
 * plotly MIME bundle (rendered natively by JupyterLab, VS Code, nteract) plus an HTML fallback that
 * draws it with plotly.js in classic notebook and nbconvert HTML. plotly.js itself is inlined offline
 * once per kernel session, in its own output before the first figure (as plotly.py does), never into
 * every figure.
 */
import * as fs from 'fs';
import { displayBundle, MimeBundle, UpdatableDisplay } from './display';
import { figureSvg } from './figure-svg';

/** One plotly trace of any type (scatter, contour, heatmap, …); attributes pass through to plotly. */
export interface Trace {
  type?: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  [attribute: string]: unknown;
}

/** A line trace, as `lineFigure` and `Animator` build them. */
export interface LineTrace extends Trace {
  x: number[];
  y: number[];
}

/** An animation frame: named trace updates (see plotly's `Plotly.animate`). */
export interface Frame {
  name: string;
  data: Trace[];
  traces?: number[];
  layout?: Record<string, unknown>;
}

/** A plotly figure: exactly what `Plotly.newPlot` takes; `frames` make it animated. */
export interface Figure<T extends Trace = Trace> {
  data: T[];
  layout: Record<string, unknown>;
  frames?: Frame[];
}

export { SERIES_COLORS } from './colors';

/** Axis and legend options of `plot`, named like d2l's. */
export interface PlotOptions {
  xlabel?: string;
  ylabel?: string;
  legend?: string[];
  xlim?: [number, number];
  ylim?: [number, number];
  xscale?: 'linear' | 'log';
  yscale?: 'linear' | 'log';
  title?: string;
  width?: number;
  height?: number;
  /** Plotly trace mode per series, e.g. 'lines' or 'lines+markers'. */
  modes?: string[];
}

/** Build a line figure of one or more series sharing axes (d2l's `plot`, without drawing). */
export function lineFigure(X: number[] | number[][], Y: number[] | number[][], options: PlotOptions = {}): Figure<LineTrace> {
  const ys = isNested(Y) ? Y : [Y];
  const xs = isNested(X) ? X : ys.map(() => X as number[]);
  if (xs.length !== ys.length) throw new RangeError(`plot got ${xs.length} x series for ${ys.length} y series`);
  const data = ys.map((y, i): LineTrace => {
    const x = xs[i]!;
    if (x.length !== y.length) throw new RangeError(`series ${i}: ${x.length} x values but ${y.length} y values`);
    const trace: LineTrace = { x, y, type: 'scatter', mode: options.modes?.[i] ?? 'lines' };
    const name = options.legend?.[i];
    if (name !== undefined) trace.name = name;
    return trace;
  });
  return { data, layout: layoutFor(options, ys.length > 1 && options.legend !== undefined) };
}

function isNested(v: number[] | number[][]): v is number[][] {
  return v.length > 0 && Array.isArray(v[0]);
}

/**
 * One plotly axis the d2l way (lineFigure, smallMultiples, sweepFigure): title, range, scale. Log axes
 * get readable ticks: over 2.5 decades or more (or an automatic range) the powers of ten, written 10⁻³
 * rather than plotly's SI prefixes (1m, 1µ); over a narrower range plain numbers at 1, 2, 5 × 10ᵏ
 * (plotly's own minor labels there read "2" for both 0.2 and 2).
 */
export function axisLayout(title: string | undefined, range: [number, number] | undefined, scale: 'linear' | 'log' | undefined): Record<string, unknown> {
  const a: Record<string, unknown> = { showgrid: true, zeroline: false };
  if (title !== undefined) a['title'] = { text: title };
  if (scale !== undefined) a['type'] = scale;
  // Plotly's log axes take the range in log10 units.
  if (range !== undefined) a['range'] = scale === 'log' ? range.map(Math.log10) : range;
  if (scale === 'log') Object.assign(a, logTicks(range));
  return a;
}

function logTicks(range: [number, number] | undefined): Record<string, unknown> {
  if (range === undefined || Math.log10(range[1] / range[0]) >= 2.5) {
    return { exponentformat: 'power', minorloglabels: 'none', ...(range === undefined ? {} : { dtick: 1 }) };
  }
  const ticks = (mantissas: number[]): number[] => {
    const out: number[] = [];
    for (let k = Math.floor(Math.log10(range[0])); 10 ** k <= range[1]; k++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** k).toPrecision(3));
        if (v >= range[0] && v <= range[1]) out.push(v);
      }
    }
    return out;
  };
  const coarse = ticks([1, 2, 5]);
  const tickvals = coarse.length >= 3 ? coarse : ticks([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  return { tickmode: 'array', tickvals, ticktext: tickvals.map(String) };
}

function layoutFor(o: PlotOptions, showLegend: boolean): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    xaxis: axisLayout(o.xlabel, o.xlim, o.xscale),
    yaxis: axisLayout(o.ylabel, o.ylim, o.yscale),
    width: o.width ?? 480,
    height: o.height ?? 320,
    margin: { l: o.yscale === 'log' ? 80 : 60, r: 20, t: o.title ? 40 : 20, b: 50 }, // 10⁻¹² labels are wide
    showlegend: showLegend,
    template: { layout: { font: { family: 'sans-serif' } } },
  };
  if (o.title !== undefined) layout['title'] = { text: o.title };
  return layout;
}

let plotlyShipped = false;

/** The plotly.js bundle, read once (4.8 MB minified), from the `plotly.js-dist-min` package. */
function plotlySource(): string {
  return fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
}

/** JSON safe to embed inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The HTML fallback: a div and a script that draws the figure once plotly.js is on the page. The
 * div starts with a static picture of the figure (figure-svg.ts) that the script replaces: a front
 * end that sanitizes the HTML (a reopened, untrusted notebook) drops the script and shows the
 * picture. The marker comments let the site builder swap the inlined bundle for one shared copy.
 */
export function figureHtml(fig: Figure, id: string): string {
  const picture = staticPicture(figureSvg(fig), figureText(fig));
  return (
    `<div id="${id}" class="d2l-figure">${picture}</div>\n<script>(function(){` +
    `var fig=${scriptJson(fig)};var el=document.getElementById(${JSON.stringify(id)});` +
    `function draw(){el.textContent='';window.Plotly.newPlot(el,{data:fig.data,layout:fig.layout,frames:fig.frames||[],config:{responsive:true,displaylogo:false}});}` +
    `if(window.Plotly){draw();return;}` +
    `var tries=0;var wait=setInterval(function(){if(window.Plotly){clearInterval(wait);draw();}` +
    `else if(++tries>100){clearInterval(wait);el.textContent='plotly.js is not on this page: restart the kernel and run the notebook again (d2l embeds plotly.js once per kernel session).';}},50);` +
    `})();</script>`
  );
}

/**
 * An SVG picture as an <img> whose source is the SVG itself (a data: URL, which the sanitizers of
 * classic notebook and JupyterLab keep). Only the characters a URL or the attribute cannot hold
 * are escaped, and the SVG's attribute quotes become ' (figureSvg writes none inside a value), which
 * keeps the picture near its own size.
 */
export function staticPicture(svg: string, alt: string): string {
  const size = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  const src = svg.replace(/"/g, "'").replace(/[%#&<>\u{80}-\u{10ffff}]/gu, (c) => encodeURIComponent(c));
  return `<img class="d2l-figure-static" alt="${escapeAttr(alt)}" width="${size?.[1] ?? 700}" height="${size?.[2] ?? 450}" src="data:image/svg+xml,${src}">`;
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A short text stand-in for front ends without HTML. */
function figureText(fig: Figure): string {
  const layout = fig.layout as { xaxis?: { title?: { text?: string } }; yaxis?: { title?: { text?: string } } };
  const axes = `${layout.yaxis?.title?.text ?? 'y'} vs ${layout.xaxis?.title?.text ?? 'x'}`;
  return `<Figure: ${fig.data.length} trace${fig.data.length === 1 ? '' : 's'}, ${axes}>`;
}

let figureCount = 0;

/**
 * The marker the site builder (tools/book.py, PLOTLY_BUNDLE_ATTR) looks for to replace the inlined
 * bundle with one shared file; test/book-marker.test.ts runs book.py on this output to keep them in step.
 */
export const PLOTLY_BUNDLE_MARKER = 'd2l:plotly-bundle';

/** The output that inlines plotly.js (`source`, by default the bundle itself), marked for the site builder. */
export function plotlyBundleHtml(source: string = plotlySource()): string {
  return `<script data-${PLOTLY_BUNDLE_MARKER}="1">\n${source}\n</script>`;
}

/**
 * Emit plotly.js as its own invisible output, once per kernel session, so the HTML fallbacks of all
 * later figures (including ones updated in place) find `window.Plotly` offline.
 */
export function shipPlotlyOnce(): void {
  if (plotlyShipped) return;
  plotlyShipped = displayBundle({
    'text/html': plotlyBundleHtml(),
    'text/plain': '',
  });
}

/** The MIME bundle of a figure (plotly JSON, HTML fallback, text). */
export function figureBundle(fig: Figure, id = `d2l-fig-${process.pid}-${figureCount++}`): MimeBundle {
  return {
    'application/vnd.plotly.v1+json': fig.frames ? { data: fig.data, layout: fig.layout, frames: fig.frames } : { data: fig.data, layout: fig.layout },
    'text/html': figureHtml(fig, id),
    'text/plain': figureText(fig),
  };
}

/** Show a figure in the notebook; outside a kernel it does nothing. Returns nothing, so tslab prints nothing. */
export function show(fig: Figure): void {
  shipPlotlyOnce();
  displayBundle(figureBundle(fig));
}

/** d2l's `plot`: draw one or more series and return the figure. */
export function plot(X: number[] | number[][], Y: number[] | number[][], options: PlotOptions = {}): Figure<LineTrace> {
  const fig = lineFigure(X, Y, options);
  show(fig);
  return fig;
}

/**
 * A figure that grows while a loop runs (d2l's `Animator`): `add` appends points and redraws the
 * same output in place, so the notebook keeps only the final state; `done` ends the animation.
 *
 * JupyterLab's plotly renderer (jupyterlab-plotly) draws a figure once and ignores later redraws
 * of the same output (plotly.py#3053), and JupyterLab prefers it to HTML. So while the loop runs,
 * each redraw carries only the HTML (and text): JupyterLab then renders the HTML, whose script
 * redraws the figure every time, as classic notebook does. `done` sends the full bundle, plotly
 * JSON included, which JupyterLab hands back to plotly's renderer and the saved notebook keeps.
 */
export class Animator {
  readonly figure: Figure<LineTrace>;
  private readonly display = new UpdatableDisplay();
  private readonly id = `d2l-anim-${process.pid}-${figureCount++}`;

  constructor(options: PlotOptions & { legend?: string[] } = {}) {
    const n = options.legend?.length ?? 1;
    const empty = Array.from({ length: n }, () => [] as number[]);
    this.figure = lineFigure(empty, empty.map(() => [] as number[]), { modes: empty.map(() => 'lines+markers'), ...options });
  }

  /** Append one x and one y per series (`undefined` skips a series), then redraw. */
  add(x: number, ys: (number | undefined)[] | number): void {
    const values = Array.isArray(ys) ? ys : [ys];
    values.forEach((y, i) => {
      const trace = this.figure.data[i];
      if (y === undefined || !trace) return;
      trace.x.push(x);
      trace.y.push(y);
    });
    this.draw();
  }

  /** Redraw the current state while the loop runs (HTML and text only, see the class comment). */
  draw(): void {
    shipPlotlyOnce();
    const { 'application/vnd.plotly.v1+json': _plotly, ...live } = figureBundle(this.figure, this.id);
    this.display.show(live);
  }

  /** The loop has finished: redraw the final state as a full figure bundle (trainCh11 calls this). */
  done(): void {
    shipPlotlyOnce();
    this.display.show(figureBundle(this.figure, this.id));
  }

  /** The y values of series `i`, like d2l's `animator.Y[i]`. */
  Y(i = 0): number[] {
    return this.figure.data[i]?.y ?? [];
  }
}
