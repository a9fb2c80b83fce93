/**
 * The Reddi playground in the page: C, β1, β2 (or β2 = 1/(1 + C²)), α and its schedule, the number of
 * steps; the points Adam, AMSGrad and Yogi play, on a log time axis. The numbers come from reddi.ts.
 */
import { SERIES_COLORS as PATH_COLORS } from '../colors';
import type { Trace } from '../figure';
import { checkbox, panel, select, slider } from './controls';
import { attach, Drawing, frame, legendBelow, PLOT_WIDTH, PlaygroundHandle } from './mount';
import { reddiRuns, ReddiSettings } from './reddi';

export function drawing(s: ReddiSettings): Drawing {
  const runs = reddiRuns(s);
  const t = Array.from({ length: s.steps }, (_, i) => i + 1);
  const series: Drawing['series'] = {};
  const data: Trace[] = runs.map((r, k) => {
    series[r.rule] = { x: t, y: r.x };
    const tail = r.x.slice(-3).reduce((a, b) => a + b, 0) / 3;
    return { type: 'scatter', mode: 'lines', x: t, y: r.x, name: `${r.name} (last period: ${tail.toFixed(2)})`, line: { color: PATH_COLORS[k], width: 2 }, hoverinfo: 'skip' };
  });
  data.push({ type: 'scatter', mode: 'lines', x: [1, s.steps], y: [-1, -1], name: 'optimum −1', line: { color: 'black', dash: 'dot', width: 1 }, hoverinfo: 'skip' });
  const rate = s.schedule === 'sqrt' ? `α/√t, α = ${s.alpha}` : `α = ${s.alpha}`;
  return {
    series,
    data,
    layout: {
      width: PLOT_WIDTH, height: 470, autosize: false, margin: { l: 50, r: 20, t: 40, b: 135 },
      title: { text: `C = ${Number(s.C.toPrecision(3))}, β1 = ${s.beta1}, β2 = ${Number(s.beta2.toPrecision(3))}, ${rate}`, font: { size: 13 } },
      xaxis: { type: 'log', dtick: 1, title: { text: 'step t' }, fixedrange: true }, // one tick per decade
      yaxis: { range: [-1.05, 1.05], title: { text: 'x_t' }, fixedrange: true },
      legend: legendBelow(-0.2),
      hovermode: false, dragmode: false,
      template: { layout: { font: { family: 'sans-serif' } } },
    },
  };
}

/** Mount the Reddi playground in `root`, opening in `settings`. */
export function mountReddi(root: HTMLElement, settings: ReddiSettings): PlaygroundHandle<ReddiSettings> {
  const { controls, plot } = frame(root, "Reddi et al.'s counterexample");
  const s = settings;
  let handle: PlaygroundHandle<ReddiSettings> | undefined;
  const redraw = (): void => void handle?.redraw();
  const body = panel(controls);
  let beta2Input: HTMLInputElement | undefined;
  const syncBeta2 = (): void => {
    if (!s.beta2FromC) return;
    s.beta2 = 1 / (1 + s.C * s.C);
    if (beta2Input) {
      beta2Input.value = String(s.beta2);
      beta2Input.nextElementSibling!.textContent = String(Number(s.beta2.toPrecision(4)));
    }
  };
  slider(body, 'C', { key: 'C', min: 2.1, max: 20, step: 0.1, value: s.C, onInput: (v) => { s.C = v; syncBeta2(); redraw(); } });
  checkbox(body, 'β2 = 1/(1 + C²)', s.beta2FromC, 'beta2FromC', 'inherit', (on) => { s.beta2FromC = on; syncBeta2(); redraw(); });
  beta2Input = slider(body, 'β2', { key: 'beta2', min: 0, max: 0.999, step: 0.001, value: s.beta2, onInput: (v) => { s.beta2 = v; s.beta2FromC = false; (body.querySelector('input[data-control="beta2FromC"]') as HTMLInputElement).checked = false; redraw(); } });
  slider(body, 'β1', { key: 'beta1', min: 0, max: 0.99, step: 0.01, value: s.beta1, onInput: (v) => { s.beta1 = v; redraw(); } });
  slider(body, 'α (step size)', { key: 'alpha', min: 0.001, max: 5, log: true, value: s.alpha, onInput: (v) => { s.alpha = v; redraw(); } });
  select(body, 'schedule', { sqrt: 'α/√t (the theorem)', constant: 'constant α' }, s.schedule, 'schedule', (v) => { s.schedule = v as ReddiSettings['schedule']; redraw(); });
  slider(body, 'steps', { key: 'steps', min: 30, max: 20000, log: true, integer: true, value: s.steps, onInput: (v) => { s.steps = v; redraw(); } });
  handle = attach(root, 'reddi', plot, s, drawing);
  return handle;
}
