/**
 * Entry point of the browser bundle (tools/bundle-playground.ts builds it with esbuild into
 * lib/dist/playground-bundle.js): `window.d2lPlayground.mount(root, kind, settings)` draws a
 * playground, computing with the same rule modules the notebooks import. Nothing here may import
 * TensorFlow.js or Node modules; the bundler fails if anything does.
 */
import { mountBias } from './bias-widget';
import { biasSettings, BiasSettings } from './bias';
import { mountNoise } from './noise-widget';
import { noiseSettings, NoiseSettings } from './noise';
import { mountReddi } from './reddi-widget';
import { reddiSettings, ReddiSettings } from './reddi';
import { mountTrajectories } from './trajectories-widget';
import { trajectorySettings, TrajectorySettings } from './trajectories';
import type { PlaygroundHandle } from './mount';

/** Mount the playground `kind` in `root` with `settings` (checked again here, as the page may hand-edit them). */
export function mount(root: HTMLElement, kind: string, settings: unknown): PlaygroundHandle<unknown> {
  switch (kind) {
    case 'trajectories':
      return mountTrajectories(root, trajectorySettings(settings as TrajectorySettings)) as PlaygroundHandle<unknown>;
    case 'bias':
      return mountBias(root, biasSettings(settings as BiasSettings)) as PlaygroundHandle<unknown>;
    case 'noise':
      return mountNoise(root, noiseSettings(settings as NoiseSettings)) as PlaygroundHandle<unknown>;
    case 'reddi':
      return mountReddi(root, reddiSettings(settings as ReddiSettings)) as PlaygroundHandle<unknown>;
    default:
      throw new RangeError(`unknown playground '${kind}'`);
  }
}

// The computations too, so a page (and test/playground-rules.test.ts) can run them without a widget.
export { trajectoryRuns, trajectorySettings } from './trajectories';
export { reddiRuns, reddiSettings } from './reddi';
export { biasRun, biasSettings } from './bias';
export { noiseRun, noiseSettings } from './noise';
