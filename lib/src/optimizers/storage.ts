/**
 * In-place access to the float32 storage of tensors on the `cpu` and `wasm` backends, for the fused
 * optimizer steps (fused.ts).
 *
 * TensorFlow.js tensors are immutable: every op writes a new buffer, and several tensors may share
 * one buffer (reshape, clone, tf.variable(t) and variable.assign(t) all share). Writing in place is
 * therefore only safe into a variable that is the sole owner of its buffer: `makeExclusive` first
 * gives a shared variable a private copy (copy-on-write, once), so nothing else sees the change.
 *
 * This reads backend internals of the pinned @tensorflow/tfjs 4.22 (the same ones its own kernels use):
 * the cpu backend keeps a typed array per buffer in `data`, the wasm backend an offset into its heap
 * in `dataIdMap`. On any other backend (tfjs-node's 'tensorflow', webgl) there is no storage to reach
 * and callers fall back to tensor ops.
 */
import * as tf from '@tensorflow/tfjs';

type DataId = object;

/** The parts of tfjs's MathBackendCPU used here. */
interface CpuBackend {
  data: { has(id: DataId): boolean; get(id: DataId): { values?: unknown } };
}

/** The parts of tfjs's BackendWasm used here (`wasm.asm` is the emscripten module's exports). */
interface WasmBackend {
  dataIdMap: { has(id: DataId): boolean; get(id: DataId): { id: number; memoryOffset: number } };
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: DataId }): Float32Array;
  wasm: {
    asm?: { memory?: unknown };
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
}

/**
 * The float32 values of `t`, as the array the backend itself holds (no copy), or undefined when they
 * are out of reach: another backend, another dtype, or data that lives on a backend not current.
 * On wasm the view is valid only until the next tensor allocation (the heap may grow and move).
 */
export function float32Storage(t: tf.Tensor): Float32Array | undefined {
  if (t.dtype !== 'float32' || t.isDisposed) return undefined;
  const name = tf.getBackend();
  const backend = tf.backend() as unknown;
  if (name === 'cpu') {
    const { data } = backend as CpuBackend;
    const values = data.has(t.dataId) ? data.get(t.dataId).values : undefined;
    return values instanceof Float32Array ? values : undefined;
  }
  if (name === 'wasm') {
    const wasm = backend as WasmBackend;
    return wasm.dataIdMap.has(t.dataId) ? wasm.typedArrayFromHeap(t) : undefined;
  }
  return undefined;
}

/**
 * Make `v` the only owner of its buffer, copying the values if another tensor shares them, and tell
 * whether its storage can be written in place. Call it for every variable of a step before taking any
 * `float32Storage` view: the copy allocates, which may move the wasm heap.
 */
export function makeExclusive(v: tf.Variable): boolean {
  const values = float32Storage(v);
  if (values === undefined) return false;
  if (tf.backend().refCount(v.dataId) > 1) {
    const copy = tf.tensor(values.slice(), v.shape, 'float32');
    v.assign(copy);
    copy.dispose();
  }
  return true;
}

/**
 * Tell the backend that `t`'s values were written in place. The wasm backend caches operators built
 * from a tensor's values under its id (XNNPACK packs matMul and conv weights once) and would go on
 * computing with the old values; registering the id afresh drops those caches, exactly as disposing
 * the tensor would, while keeping its memory. The cpu backend reads the values anew every time.
 */
export function markWritten(t: tf.Tensor): void {
  if (tf.getBackend() !== 'wasm') return;
  const backend = tf.backend() as unknown as WasmBackend;
  const { id, memoryOffset } = backend.dataIdMap.get(t.dataId);
  backend.wasm.tfjs.disposeData(id);
  backend.wasm.tfjs.registerTensor(id, t.size, memoryOffset);
}

/**
 * The WebAssembly memory holding the wasm backend's tensors, when that is the current backend (for
 * kernels that work on tensors where they lie, without copying); undefined otherwise.
 */
export function wasmHeap(): WebAssembly.Memory | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const memory = (tf.backend() as unknown as WasmBackend).wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}
