/**
 * The trajectories playground in the page: pick the function, toggle the optimizers, set their
 * learning rates, β1, β2, ε, ρ and the number of steps, click the contour plot to move the start.
 * The paths come from trajectories.ts (the lib's rules); this file only draws them.
 */
import { SERIES_COLORS as PATH_COLORS } from '../colors';
import { toyContour } from '../contour-trace';
import type { Trace } from '../figure';
import { checkbox, panel, select, slider } from './controls';
import { attach, Drawing, frame, legendBelow, PLOT_WIDTH, PlaygroundHandle } from './mount';
import {
  OPTIMIZER_LABELS, PLAYGROUND_OPTIMIZERS, PLAYGROUND_TOYS, PlaygroundToy, trajectoryPreset, trajectoryRuns, TrajectorySettings,
} from './trajectories';

// The legend sits below the plot (b: 40 for the ticks + 70 for it), where it hides no path.
const HEIGHT = 510;
const MARGIN = { l: 50, r: 10, t: 30, b: 110 };

const colorOf = (k: number): string => PATH_COLORS[k % PATH_COLORS.length]!;

/** The figure for `s`: contours (computed once per toy), one path per shown optimizer, the start and the minima. */
export function drawing(s: TrajectorySettings, contours: Map<PlaygroundToy, Trace>): Drawing {
  const toy = PLAYGROUND_TOYS[s.fn];
  if (!contours.has(s.fn)) contours.set(s.fn, toyContour(toy, 60));
  const runs = trajectoryRuns(s);
  const series: Drawing['series'] = {};
  const paths: Trace[] = runs.map((run) => {
    series[run.optimizer] = { x: run.x, y: run.y };
    const color = colorOf(PLAYGROUND_OPTIMIZERS.indexOf(run.optimizer));
    return { type: 'scatter', mode: 'lines', x: run.x, y: run.y, name: run.stopped ? `${run.name} (diverged)` : run.name, line: { color, width: 2 }, hoverinfo: 'skip' };
  });
  const axes = (title: boolean) => ({
    xaxis: { range: [...toy.xRange], showgrid: false, zeroline: false, fixedrange: true, visible: title },
    yaxis: { range: [...toy.yRange], showgrid: false, zeroline: false, fixedrange: true, visible: title },
  });
  const size = { width: PLOT_WIDTH, height: HEIGHT, autosize: false, margin: MARGIN, template: { layout: { font: { family: 'sans-serif' } } } };
  return {
    series,
    // The contours take most of plotly's time: drawn once per function, under a transparent plot of the paths.
    background: { key: s.fn, data: [contours.get(s.fn)!], layout: { ...size, ...axes(true), showlegend: false } },
    data: [
      ...paths,
      { type: 'scatter', mode: 'markers', x: toy.minima.map(([x]) => x), y: toy.minima.map(([, y]) => y), marker: { symbol: 'star', size: 13, color: 'black' }, name: 'minimum', hoverinfo: 'skip' },
      { type: 'scatter', mode: 'markers', x: [s.start[0]], y: [s.start[1]], marker: { size: 9, color: 'black', symbol: 'circle-open', line: { width: 2 } }, name: 'start (click to move)', hoverinfo: 'skip' },
    ],
    layout: {
      ...size,
      ...axes(false),
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      title: { text: `${toy.name}: ${s.steps} steps from (${s.start.map((v) => Number(v.toPrecision(3))).join(', ')})`, font: { size: 13 } },
      dragmode: false,
      hovermode: false,
      legend: legendBelow(-0.1),
      showlegend: true,
    },
  };
}

/** Mount the trajectories playground in `root`, opening in `settings`. */
export function mountTrajectories(root: HTMLElement, settings: TrajectorySettings): PlaygroundHandle<TrajectorySettings> {
  const { controls, plot } = frame(root, 'Optimizer trajectories');
  const s = settings;
  const contours = new Map<PlaygroundToy, Trace>();
  let handle: PlaygroundHandle<TrajectorySettings> | undefined;
  const redraw = (): void => void handle?.redraw();
  const build = (): void => {
    const body = panel(controls);
    select(body, 'function', { bowl: 'bowl 0.1x² + 2y²', beale: 'Beale', rosenbrock: 'Rosenbrock', saddle: 'saddle' }, s.fn, 'fn', (v) => {
      Object.assign(s, trajectoryPreset(v as PlaygroundToy));
      controls.replaceChildren(controls.firstChild!);
      build();
      redraw();
    });
    slider(body, 'steps', { key: 'steps', min: 1, max: 1000, step: 1, value: s.steps, onInput: (v) => { s.steps = v; redraw(); } });
    slider(body, 'β1 (momentum μ)', { key: 'beta1', min: 0, max: 0.99, step: 0.01, value: s.beta1, onInput: (v) => { s.beta1 = v; redraw(); } });
    slider(body, 'β2', { key: 'beta2', min: 0.9, max: 0.9999, step: 0.0001, value: s.beta2, onInput: (v) => { s.beta2 = v; redraw(); } });
    slider(body, 'ε', { key: 'epsilon', min: 1e-10, max: 1, log: true, value: s.epsilon, onInput: (v) => { s.epsilon = v; redraw(); } });
    slider(body, 'ρ (RMSProp)', { key: 'rho', min: 0, max: 0.999, step: 0.001, value: s.rho, onInput: (v) => { s.rho = v; redraw(); } });
    const rates = panel(controls, 'optimizers and learning rates η');
    PLAYGROUND_OPTIMIZERS.forEach((name, k) => {
      const line = document.createElement('div');
      rates.append(line);
      checkbox(line, OPTIMIZER_LABELS[name], s.show.includes(name), `show-${name}`, colorOf(k), (on) => {
        s.show = PLAYGROUND_OPTIMIZERS.filter((o) => (o === name ? on : s.show.includes(o)));
        redraw();
      });
      slider(line, 'η', { key: `lr-${name}`, min: 1e-4, max: 10, log: true, value: s.lr[name], onInput: (v) => { s.lr[name] = v; redraw(); } });
    });
  };
  build();
  // A click inside the plotting area moves the start there (plot coordinates from our fixed layout).
  plot.addEventListener('click', (e) => {
    const svg = plot.querySelector('.main-svg');
    if (!svg) return;
    const box = svg.getBoundingClientRect();
    const toy = PLAYGROUND_TOYS[s.fn];
    const fx = (e.clientX - box.left - MARGIN.l) / (PLOT_WIDTH - MARGIN.l - MARGIN.r);
    const fy = (e.clientY - box.top - MARGIN.t) / (HEIGHT - MARGIN.t - MARGIN.b);
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
    s.start = [toy.xRange[0] + fx * (toy.xRange[1] - toy.xRange[0]), toy.yRange[1] - fy * (toy.yRange[1] - toy.yRange[0])];
    redraw();
  });
  handle = attach(root, 'trajectories', plot, s, (current) => drawing(current, contours));
  return handle;
}
