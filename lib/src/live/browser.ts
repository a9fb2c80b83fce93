/**
 * Entry point of the browser bundle (tools/bundle-playground.ts builds it with esbuild into
 * lib/dist/playground-bundle.js): `window.d2lPlayground.mount(root, kind, settings)` draws a
 * playground, computing with the same rule modules the notebooks import. Nothing here may import
 * TensorFlow.js or Node modules; the bundler fails if anything does.
 */
import { mountTrajectories } from './trajectories-widget';
import { trajectorySettings, TrajectorySettings } from './trajectories';
import type { PlaygroundHandle } from './mount';

/** Mount the playground `kind` in `root` with `settings` (checked again here, as the page may hand-edit them). */
export function mount(root: HTMLElement, kind: string, settings: unknown): PlaygroundHandle<unknown> {
  switch (kind) {
    case 'trajectories':
      return mountTrajectories(root, trajectorySettings(settings as TrajectorySettings)) as PlaygroundHandle<unknown>;
    default:
      throw new RangeError(`unknown playground '${kind}'`);
  }
}

export { trajectoryRuns, trajectorySettings } from './trajectories';
