/**
 * Which TensorFlow.js backend runs the lib's tensors.
 *
 * Default: the native `tensorflow` backend (`@tensorflow/tfjs-node`, an optional dependency whose
 * installer downloads libtensorflow) when it loads — whoever has it installed chose it — else the
 * pure-JS `cpu` backend. `D2L_BACKEND=cpu|wasm|tensorflow` or `useBackend(name)` chooses otherwise.
 * Which suits what (measured by `npm run bench`; the figures are in the README's Performance section):
 * - `cpu` suits the chapter: its tensors are tiny (10 × 5 minibatches, 6 parameters), so the cost of
 *   each op call decides. Large parameters still step at memory speed with the lib's optimizers,
 *   whose fused kernels (optimizers/kernels.ts) update them in place on cpu too.
 * - `wasm` (`@tensorflow/tfjs-backend-wasm`) suits large tensors: tfjs's own kernels (layers, matMul,
 *   tf.train.*) are much faster there, and the fused optimizer steps work inside the wasm heap
 *   without staging copies.
 * - `tensorflow` keeps its tensors in native memory, out of reach of the fused kernels (the optimizers
 *   fall back to their tensor rules there).
 */
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'cpu' | 'wasm' | 'tensorflow';
const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'tensorflow'];

/** Try to load the native backend; it registers itself with tfjs when its module loads. */
function loadNative(): string | undefined {
  try {
    // A computed name keeps TypeScript from requiring the optional package's types.
    const name = '@tensorflow/tfjs-node';
    require(name);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** Register the wasm backend (idempotent); its .wasm binaries ship inside the npm package. */
function loadWasm(): void {
  if (!tf.findBackendFactory('wasm')) require('@tensorflow/tfjs-backend-wasm');
}

/** Parse a backend name from user input, with an error that lists the valid names. */
export function parseBackendName(name: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new RangeError(`Unknown TensorFlow.js backend '${name}': use one of ${BACKENDS.join(', ')} (e.g. D2L_BACKEND=cpu)`);
}

let current: Promise<string> | undefined;

/**
 * Switch to `name` (default: `D2L_BACKEND`, else the default above), wait until it is ready and
 * return the one-line description that was printed. The training loops then keep this choice.
 */
export function useBackend(name?: BackendName | string, options: { quiet?: boolean } = {}): Promise<string> {
  const choice = switchBackend(name, options);
  current = choice;
  // A failed switch leaves no choice behind: the next training loop applies the policy again.
  choice.catch(() => {
    if (current === choice) current = undefined;
  });
  return choice;
}

async function switchBackend(name: BackendName | string | undefined, options: { quiet?: boolean }): Promise<string> {
  const requested = name ?? process.env['D2L_BACKEND'];
  let chosen: BackendName;
  let why: string;
  if (requested) {
    chosen = parseBackendName(requested);
    why = name ? 'requested' : 'from D2L_BACKEND';
    if (chosen === 'tensorflow') {
      const failure = loadNative();
      if (failure) throw new Error(`The tensorflow backend needs @tensorflow/tfjs-node, which did not load (${failure}). Install it with 'npm install @tensorflow/tfjs-node' (it downloads libtensorflow), or use D2L_BACKEND=cpu.`);
    }
  } else {
    const failure = loadNative();
    chosen = failure ? 'cpu' : 'tensorflow';
    why = failure
      ? '@tensorflow/tfjs-node not installed' // the README says how to choose another
      : 'native @tensorflow/tfjs-node';
  }
  if (chosen === 'wasm') loadWasm();
  if (!(await tf.setBackend(chosen))) throw new Error(`TensorFlow.js backend '${chosen}' failed to initialize`);
  await tf.ready();
  const line = `d2l: TensorFlow.js backend '${tf.getBackend()}' (${why})`;
  if (!options.quiet) console.log(line);
  return line;
}

/** The backend choice the training loops await: the last `useBackend` call's, else the policy's, made once. */
export function backendReady(): Promise<string> {
  return current ?? useBackend();
}
