/**
 * Which TensorFlow.js backend runs the lib's tensors.
 *
 * Policy, decided from `npm run bench` (2-core x86, Node 20; numbers in the README's Performance
 * section), with `D2L_BACKEND=cpu|wasm|tensorflow` or `useBackend(name)` to choose otherwise:
 * - `cpu` (default): the chapter's tensors are tiny (10 × 5 minibatches, 6 parameters), so the cost of
 *   each op call decides, and the pure-JS backend's is the lowest: the chapter's loop runs ~1.8×
 *   faster on cpu than on wasm. Large parameters still train at memory speed with the lib's
 *   optimizers, whose fused kernels (optimizers/fused.ts) step them in place on cpu too.
 * - `wasm` (`@tensorflow/tfjs-backend-wasm`) for large tensors: tfjs's own kernels (layers, matMul,
 *   tf.train.*) run ~35× faster than on cpu at 1M–4M elements (tf.train.adam's step), and the fused
 *   optimizer steps ~2× faster than on cpu, working inside the wasm heap without staging copies.
 * - `tensorflow` (`@tensorflow/tfjs-node`, an optional dependency whose installer downloads
 *   libtensorflow) only on request, even when installed: it could not be installed or measured
 *   here, its per-op cost through N-API is reported higher than cpu's on small models
 *   (tensorflow/tfjs#4402), and its tensors live in native memory, out of reach of the fused kernels.
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
 * Switch to `name` (default: `D2L_BACKEND`, else the policy above), wait until it is ready and
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
    chosen = 'cpu';
    why = 'the default, fastest for small tensors; D2L_BACKEND=wasm or tensorflow for large ones';
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
