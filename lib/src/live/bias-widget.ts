/**
 * The bias-correction playground in the page: β1, β2, the gradient noise σ and the number of steps;
 * three panels over t: the first moment (raw v and v̂), the second moment (raw s and ŝ, log scale)
 * and the step |Δ|/η with and without the correction. The numbers come from bias.ts.
 */
import { SERIES_COLORS as PATH_COLORS } from '../colors';
import type { Trace } from '../figure';
import { panel, slider } from './controls';
import { attach, Drawing, frame, legendBelow, PLOT_WIDTH, PlaygroundHandle } from './mount';
import { biasRun, BiasSettings } from './bias';

export function drawing(s: BiasSettings): Drawing {
  const run = biasRun(s);
  const t = run.rawV.map((_, i) => i + 1);
  const series: Drawing['series'] = {};
  const line = (key: keyof typeof run, name: string, axis: number, color: string, dash = 'solid'): Trace => {
    const y = run[key] as number[];
    series[key] = { x: t, y };
    return { type: 'scatter', mode: 'lines', x: t, y, name, xaxis: 'x', yaxis: axis === 1 ? 'y' : `y${axis}`, line: { color, width: 2, dash }, hoverinfo: 'skip' };
  };
  const level = (y: number, name: string, axis: number): Trace =>
    ({ type: 'scatter', mode: 'lines', x: [1, s.steps], y: [y, y], name, yaxis: axis === 1 ? 'y' : `y${axis}`, line: { color: 'black', width: 1, dash: 'dot' }, hoverinfo: 'skip' });
  const [c0, c1, c2, c3] = PATH_COLORS as [string, string, string, string];
  return {
    series,
    data: [
      line('rawV', 'raw v', 1, c0), line('hatV', 'v̂ (corrected)', 1, c1), level(1, 'E[g] = 1', 1),
      line('rawS', 'raw s', 2, c2), line('hatS', 'ŝ (corrected)', 2, c3), level(1 + s.noise ** 2, `E[g²] = ${Number((1 + s.noise ** 2).toPrecision(3))}`, 2),
      line('step', '|Δ|/η (corrected)', 3, c1, 'dash'), line('uncorrectedStep', '|Δ|/η (raw moments)', 3, c0, 'dash'),
    ],
    layout: {
      width: PLOT_WIDTH, height: 700, autosize: false, margin: { l: 60, r: 20, t: 40, b: 125 },
      title: { text: `β1 = ${s.beta1}, β2 = ${s.beta2}, g ~ N(1, ${Number((s.noise ** 2).toPrecision(3))}): means over ${run.lanes} runs`, font: { size: 13 } },
      grid: { rows: 3, columns: 1, subplots: [['xy'], ['xy2'], ['xy3']], roworder: 'top to bottom' },
      xaxis: { title: { text: 'step t' }, fixedrange: true, anchor: 'y3' },
      yaxis: { title: { text: 'first moment' }, domain: [0.7, 1], fixedrange: true },
      // One tick per decade: plotly's default labels 2 and 5 in every decade as well, which crowd a short panel.
      yaxis2: { title: { text: 'second moment' }, type: 'log', dtick: 1, exponentformat: 'power', domain: [0.36, 0.64], fixedrange: true },
      yaxis3: { title: { text: '|Δ| / η' }, type: 'log', domain: [0, 0.3], fixedrange: true },
      legend: legendBelow(-0.11),
      hovermode: false, dragmode: false,
      template: { layout: { font: { family: 'sans-serif' } } },
    },
  };
}

/** Mount the bias-correction playground in `root`, opening in `settings`. */
export function mountBias(root: HTMLElement, settings: BiasSettings): PlaygroundHandle<BiasSettings> {
  const { controls, plot } = frame(root, 'Bias correction and the step size');
  const s = settings;
  let handle: PlaygroundHandle<BiasSettings> | undefined;
  const redraw = (): void => void handle?.redraw();
  const body = panel(controls);
  slider(body, 'β1', { key: 'beta1', min: 0, max: 0.99, step: 0.01, value: s.beta1, onInput: (v) => { s.beta1 = v; redraw(); } });
  slider(body, 'β2', { key: 'beta2', min: 0.9, max: 0.9999, step: 0.0001, value: s.beta2, onInput: (v) => { s.beta2 = v; redraw(); } });
  slider(body, 'gradient noise σ', { key: 'noise', min: 0, max: 3, step: 0.05, value: s.noise, onInput: (v) => { s.noise = v; redraw(); } });
  slider(body, 'steps', { key: 'steps', min: 10, max: 3000, log: true, integer: true, value: s.steps, onInput: (v) => { s.steps = v; redraw(); } });
  handle = attach(root, 'bias', plot, s, drawing);
  return handle;
}
