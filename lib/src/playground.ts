/**
 * `d2l.playground(kind, options)`: a live widget in the notebook (sliders, toggles, a plotly plot
 * that redraws as they move), computed in the page by the browser bundle of the lib's own rules
 * (live/, bundled into dist/playground-bundle.js by `npm run build`). Like plotly.js, the bundle is
 * inlined once per kernel session, in its own output, so the executed notebook and the book pages
 * made from it keep a working copy offline.
 */
import * as fs from 'fs';
import * as path from 'path';
import { displayBundle } from './display';
import { Figure, shipPlotlyOnce, staticPicture } from './figure';
import { figureSvg } from './figure-svg';
import { drawing as biasDrawing } from './live/bias-widget';
import type { Drawing } from './live/mount';
import { drawing as noiseDrawing } from './live/noise-widget';
import { drawing as reddiDrawing } from './live/reddi-widget';
import { drawing as trajectoryDrawing } from './live/trajectories-widget';
import { BiasPlaygroundOptions, biasSettings } from './live/bias';
import { NoisePlaygroundOptions, noiseSettings } from './live/noise';
import { ReddiPlaygroundOptions, reddiSettings } from './live/reddi';
import { TrajectoryPlaygroundOptions, trajectorySettings } from './live/trajectories';

/** The playgrounds there are, and the options each takes. */
export interface PlaygroundOptionsByKind {
  trajectories: TrajectoryPlaygroundOptions;
  reddi: ReddiPlaygroundOptions;
  bias: BiasPlaygroundOptions;
  noise: NoisePlaygroundOptions;
}
/** A playground's name. */
export type PlaygroundKind = keyof PlaygroundOptionsByKind;

const SETTINGS: { [K in PlaygroundKind]: (options: PlaygroundOptionsByKind[K]) => unknown } = {
  trajectories: trajectorySettings,
  reddi: reddiSettings,
  bias: biasSettings,
  noise: noiseSettings,
};

/** The marker on the output that inlines the bundle (as PLOTLY_BUNDLE_MARKER for plotly.js). */
export const PLAYGROUND_BUNDLE_MARKER = 'd2l:playground-bundle';

/** Path of the browser bundle; a clear error when the lib was compiled without it. */
export function playgroundBundlePath(): string {
  const file = path.join(__dirname, 'playground-bundle.js');
  if (!fs.existsSync(file)) throw new Error(`the playground bundle ${file} is missing: run 'npm run build' (it bundles lib/src/live with esbuild)`);
  return file;
}

let bundleShipped = false;

/** The output that inlines the bundle, marked for the site builder. */
export function playgroundBundleHtml(source = fs.readFileSync(playgroundBundlePath(), 'utf8')): string {
  return `<script data-${PLAYGROUND_BUNDLE_MARKER}="1">\n${source.replace(/<\/script/gi, '<\\/script')}\n</script>`;
}

/** Emit the bundle as its own invisible output, once per kernel session. */
export function shipPlaygroundOnce(): void {
  if (bundleShipped) return;
  bundleShipped = displayBundle({ 'text/html': playgroundBundleHtml(), 'text/plain': '' });
}

let count = 0;

/** What playground `kind` draws first for `settings`, computed here exactly as the page computes it. */
function openingDrawing(kind: PlaygroundKind, settings: unknown): Drawing {
  switch (kind) {
    case 'trajectories': return trajectoryDrawing(settings as Parameters<typeof trajectoryDrawing>[0], new Map());
    case 'bias': return biasDrawing(settings as Parameters<typeof biasDrawing>[0]);
    case 'reddi': return reddiDrawing(settings as Parameters<typeof reddiDrawing>[0]);
    case 'noise': return noiseDrawing(settings as Parameters<typeof noiseDrawing>[0]);
  }
}

/**
 * The playground's opening state as one static figure: its plot, with the layer drawn underneath
 * (the contours) merged in, and the axes of that layer (the live plot on top hides its own).
 */
export function playgroundFigure(kind: PlaygroundKind, settings: unknown): Figure {
  const d = openingDrawing(kind, settings);
  const under = d.background;
  if (!under) return { data: d.data, layout: d.layout };
  const axes = Object.fromEntries(Object.entries(under.layout).filter(([k]) => /^[xy]axis\d*$/.test(k)));
  return { data: [...under.data, ...d.data], layout: { ...d.layout, ...axes } };
}

/** The line under a playground's picture, where the page runs no script. */
export const PLAYGROUND_STATIC_NOTE = 'Opening state: the live playground needs a trusted notebook.';

/** The checked settings of playground `kind` for `options` (the notebook's figure when options are omitted). */
export function playgroundSettings<K extends PlaygroundKind>(kind: K, options: PlaygroundOptionsByKind[K] = {} as PlaygroundOptionsByKind[K]): unknown {
  const make = SETTINGS[kind] as ((o: PlaygroundOptionsByKind[K]) => unknown) | undefined;
  if (!make) throw new RangeError(`unknown playground '${String(kind)}': choose one of ${Object.keys(SETTINGS).map((k) => `'${k}'`).join(', ')}`);
  return make(options);
}

/**
 * The HTML of one playground: a div holding a static picture of its opening state, and the script
 * that mounts the live widget in that div once plotly.js and the bundle are on the page.
 */
export function playgroundHtml(kind: PlaygroundKind, settings: unknown, id = `d2l-playground-${process.pid}-${count++}`): string {
  // Mounting replaces the div's children; where no script runs (an untrusted notebook) the picture stays.
  const picture = staticPicture(figureSvg(playgroundFigure(kind, settings), { note: PLAYGROUND_STATIC_NOTE }), `<playground: ${kind}, opening state>`);
  const json = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
  return (
    `<div id="${id}" class="d2l-playground" data-playground-kind="${kind}">${picture}</div>\n<script>(function(){` +
    `var el=document.getElementById(${json(id)});var s=${json(settings)};` +
    `function ready(){return window.Plotly&&window.d2lPlayground;}` +
    `function go(){window.d2lPlayground.mount(el,${json(kind)},s);}` +
    `if(ready()){go();return;}var tries=0;var wait=setInterval(function(){if(ready()){clearInterval(wait);go();}` +
    `else if(++tries>100){clearInterval(wait);el.textContent='The playground script is not on this page: restart the kernel and run the notebook again (d2l embeds it once per kernel session).';}},50);` +
    `})();</script>`
  );
}

/**
 * Show playground `kind` ('trajectories', …) in the notebook, opening in `options` (by default the
 * state of the notebook's static figure next to it). Bad options fail here, naming the option.
 */
export function playground<K extends PlaygroundKind>(kind: K, options?: PlaygroundOptionsByKind[K]): void {
  const settings = playgroundSettings(kind, options);
  shipPlotlyOnce();
  shipPlaygroundOnce();
  displayBundle({ 'text/html': playgroundHtml(kind, settings), 'text/plain': `<playground: ${kind}>` });
}
