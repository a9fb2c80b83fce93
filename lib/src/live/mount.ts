/**
 * What every playground widget shares: the layout (controls beside a plotly plot), redrawing with
 * Plotly.react on every input, and a handle on the root element (`d2lPlayground`) through which the
 * page, and the browser tests, read the current settings, the computed series and the redraw times.
 */
import type { Trace } from '../figure';

/** The part of plotly.js the widgets use (the page loads plotly.js; the lib ships it once per session). */
interface PlotlyApi {
  react(el: HTMLElement, data: Trace[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<unknown>;
}

/** What a playground draws: plotly traces and layout, and the numbers behind them (for tests). */
export interface Drawing {
  data: Trace[];
  layout: Record<string, unknown>;
  /** The computed series, unrounded, by name. */
  series: Record<string, { x: number[]; y: number[] }>;
  /**
   * A costly static layer (contours) drawn in its own plot underneath, redrawn only when `key`
   * changes; its layout must have the same size, margins and axis ranges as `layout`.
   */
  background?: { key: string; data: Trace[]; layout: Record<string, unknown> };
}

/** Plot width that fits beside the controls on the book's page and in a notebook. */
export const PLOT_WIDTH = 560;

/**
 * A horizontal legend under the plot, `y` (paper units, negative) below the plotting area: there it
 * hides no curve and is not cut off at the page's edge; the layout's bottom margin makes the room.
 */
export const legendBelow = (y: number): Record<string, unknown> =>
  ({ orientation: 'h', x: 0, xanchor: 'left', y, yanchor: 'top', itemclick: false, itemdoubleclick: false, font: { size: 11 } });

/** The handle on a mounted playground's root element. */
export interface PlaygroundHandle<S> {
  readonly kind: string;
  readonly settings: S;
  /** The series of the last drawing. */
  series(): Drawing['series'];
  /** Milliseconds of every redraw so far (compute + Plotly.react), the first one included. */
  readonly timings: number[];
  /** Redraw (coalescing calls made while one runs); resolves with the last redraw's duration in ms. */
  redraw(): Promise<number>;
  /** How many redraws have finished. */
  readonly drawn: number;
}

/** The two areas of a playground: controls on the left, the plot on the right. */
export interface Frame {
  controls: HTMLElement;
  plot: HTMLElement;
}

/** Lay out `root` as a playground and return its controls area and plot element. */
export function frame(root: HTMLElement, title: string): Frame {
  root.replaceChildren();
  root.style.cssText = 'display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start;border:1px solid #ddd;border-radius:6px;padding:8px;';
  const controls = document.createElement('div');
  controls.style.cssText = 'flex:0 0 auto;max-width:330px;';
  const head = document.createElement('div');
  head.textContent = title;
  head.style.cssText = 'font:bold 14px sans-serif;margin-bottom:4px;';
  controls.append(head);
  const area = document.createElement('div');
  area.style.cssText = 'flex:1 1 480px;min-width:320px;position:relative;';
  const under = document.createElement('div');
  under.className = 'd2l-playground-under';
  under.style.cssText = 'position:absolute;left:0;top:0;';
  const plot = document.createElement('div');
  plot.className = 'd2l-playground-plot';
  plot.style.cssText = 'position:relative;';
  area.append(under, plot);
  root.append(controls, area);
  return { controls, plot };
}

/** Wire `draw` (settings → drawing) to `plot`, draw once, and attach the handle to `root`. */
export function attach<S>(root: HTMLElement, kind: string, plot: HTMLElement, settings: S, draw: (s: S) => Drawing): PlaygroundHandle<S> {
  const plotly = (window as unknown as { Plotly?: PlotlyApi }).Plotly;
  if (!plotly) throw new Error('plotly.js is not on this page: d2l.playground ships it with the first figure of a kernel session');
  let last: Drawing | undefined;
  let count = 0;
  let backgroundKey: string | undefined;
  const under = plot.previousElementSibling as HTMLElement;
  let busy: Promise<number> | undefined;
  let pending = false;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    last = draw(settings);
    const background = last.background;
    if (background && background.key !== backgroundKey) {
      backgroundKey = background.key;
      await plotly.react(under, background.data, background.layout, { ...config, staticPlot: true });
    }
    await plotly.react(plot, last.data, last.layout, config);
    const ms = performance.now() - t0;
    handle.timings.push(ms);
    count++;
    return ms;
  };
  const config = { displaylogo: false, displayModeBar: false, responsive: false, staticPlot: false };
  const handle: PlaygroundHandle<S> = {
    kind,
    settings,
    timings: [],
    get drawn() {
      return count;
    },
    series: () => last?.series ?? {},
    redraw() {
      // Inputs arriving during a redraw are coalesced into one more redraw with the latest settings.
      if (busy) {
        pending = true;
        return busy;
      }
      busy = (async () => {
        let ms = 0;
        do {
          pending = false;
          ms = await once();
        } while (pending);
        return ms;
      })().finally(() => (busy = undefined));
      return busy;
    },
  };
  (root as unknown as { d2lPlayground: PlaygroundHandle<S> }).d2lPlayground = handle;
  root.dataset['playground'] = kind;
  void handle.redraw();
  return handle;
}
