/**
 * The noise-floor playground in the page: the learning rate, the minibatch size and the number of
 * epochs; the loss curves of minibatch SGD and Adam against the noise floor σ²/2 (noise.ts computes them).
 */
import { SERIES_COLORS as PATH_COLORS } from '../colors';
import { panel, slider } from './controls';
import { attach, Drawing, frame, legendBelow, PLOT_WIDTH, PlaygroundHandle } from './mount';
import { NOISE_EXAMPLES, noiseRun, NoiseSettings } from './noise';

export function drawing(s: NoiseSettings): Drawing {
  const run = noiseRun(s);
  const series: Drawing['series'] = {};
  const curve = (key: 'sgd' | 'adam', name: string, color: string) => {
    series[key] = { x: run.epochs, y: run.losses[key] };
    const last = run.losses[key][run.losses[key].length - 1];
    return { type: 'scatter', mode: 'lines+markers', x: run.epochs, y: run.losses[key], name: `${name} (last: ${last === undefined ? '–' : Number(last.toPrecision(3))})`, line: { color, width: 2 }, marker: { size: 4 }, hoverinfo: 'skip' };
  };
  const end = Math.max(...run.epochs, s.epochs);
  return {
    series,
    data: [
      curve('sgd', 'minibatch SGD', PATH_COLORS[0]!),
      curve('adam', 'Adam', PATH_COLORS[1]!),
      { type: 'scatter', mode: 'lines', x: [0, end], y: [run.floor, run.floor], name: `noise floor σ²/2 = ${run.floor.toFixed(3)}`, line: { color: 'black', dash: 'dot', width: 1 }, hoverinfo: 'skip' },
    ],
    layout: {
      width: PLOT_WIDTH, height: 470, autosize: false, margin: { l: 60, r: 20, t: 40, b: 135 },
      title: { text: `η = ${s.learningRate}, minibatches of ${s.batchSize}, ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}`, font: { size: 13 } },
      xaxis: { title: { text: 'epoch' }, range: [0, end], fixedrange: true },
      yaxis: { title: { text: 'loss (log scale)' }, type: 'log', fixedrange: true },
      legend: legendBelow(-0.2),
      hovermode: false, dragmode: false,
      template: { layout: { font: { family: 'sans-serif' } } },
    },
  };
}

/** Mount the noise-floor playground in `root`, opening in `settings`. */
export function mountNoise(root: HTMLElement, settings: NoiseSettings): PlaygroundHandle<NoiseSettings> {
  const { controls, plot } = frame(root, 'Learning rate, minibatch size and the noise floor');
  const s = settings;
  let handle: PlaygroundHandle<NoiseSettings> | undefined;
  const redraw = (): void => void handle?.redraw();
  const body = panel(controls);
  slider(body, 'learning rate η', { key: 'learningRate', min: 1e-4, max: 1, log: true, value: s.learningRate, onInput: (v) => { s.learningRate = v; redraw(); } });
  slider(body, 'minibatch size', { key: 'batchSize', min: 1, max: NOISE_EXAMPLES, log: true, integer: true, value: s.batchSize, onInput: (v) => { s.batchSize = v; redraw(); } });
  slider(body, 'epochs', { key: 'epochs', min: 1, max: 10, step: 1, value: s.epochs, onInput: (v) => { s.epochs = v; redraw(); } });
  handle = attach(root, 'noise', plot, s, drawing);
  return handle;
}
