/**
 * The one boundary to TensorFlow.js internals: in-place access to the float32 storage of tensors on
 * the `cpu` and `wasm` backends, for the fused optimizer steps (kernels.ts).
 *
 * TensorFlow.js tensors are immutable: every op writes a new buffer, and several tensors may share
 * one (reshape, clone, tf.variable(t) and variable.assign(t) all share; on cpu a tensor made from a
 * caller's Float32Array keeps that very array). Writing in place is therefore only safe into a
 * variable that is the sole owner of a buffer the lib allocated: `makeExclusive` gives any other
 * variable a private copy first (copy-on-write, once), so nothing else ever sees the change.
 *
 * Every internal relied on is listed in INTERNALS and feature-detected per backend instance: where one
 * is missing (another tfjs version, another backend such as tfjs-node or webgl), storage is reported
 * out of reach and callers take the tensor path instead — they never fail mid-step. The contract test
 * (test/tfjs-internals.test.ts) checks every entry, so a tfjs upgrade that changes one fails there,
 * naming it. model.ts relies on one more internal fact, listed here with the rest: tfjs's cpu matMul
 * sums products in blocks of 48 along the shared dimension (linregGrads rounds the same way).
 */
import * as tf from '@tensorflow/tfjs';

type DataId = object;

/** The internals used, per backend, with what each is for. */
export const INTERNALS = {
  cpu: {
    'data.has': 'whether the backend holds a tensor (MathBackendCPU.data: a DataStorage)',
    'data.get': "a tensor's record, whose `values` is its Float32Array",
    refCount: 'how many tensors share a buffer (copy-on-write)',
  },
  wasm: {
    'dataIdMap.has': 'whether the backend holds a tensor',
    'dataIdMap.get': "a tensor's {id, memoryOffset} in the heap",
    typedArrayFromHeap: "a Float32Array view of a tensor's values in the heap",
    refCount: 'how many tensors share a buffer (copy-on-write)',
    'wasm.tfjs.registerTensor': "re-register an id, dropping XNNPACK's cached operators for it",
    'wasm.tfjs.disposeData': 'unregister an id before re-registering it',
    'wasm.asm.memory': 'the WebAssembly.Memory of the heap, for kernels working in place',
  },
  model: {
    'cpu matMul block 48': 'tfjs cpu matMul adds float64 partial sums per block of 48 into float32 (model.ts linregGrads)',
  },
} as const;

interface CpuBackend {
  data: { has(id: DataId): boolean; get(id: DataId): { values?: unknown } };
  refCount(id: DataId): number;
}

interface WasmBackend {
  dataIdMap: { has(id: DataId): boolean; get(id: DataId): { id: number; memoryOffset: number } };
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: DataId }): Float32Array;
  refCount(id: DataId): number;
  wasm: {
    asm?: { memory?: unknown };
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
}

const isFunction = (x: unknown): boolean => typeof x === 'function';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const at = (o: any, path: string): unknown => path.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o);

/** Which of the listed internals `backend` lacks (an empty list: in-place access works). */
export function missingInternals(name: 'cpu' | 'wasm', backend: unknown): string[] {
  const fields = Object.keys(INTERNALS[name]);
  return fields.filter((field) => {
    if (field === 'wasm.asm.memory') return !(at(backend, field) instanceof WebAssembly.Memory);
    return !isFunction(at(backend, field));
  });
}

const checked = new WeakMap<object, boolean>();

/** The current backend's name if its storage can be reached in place ('cpu' | 'wasm'), else undefined. */
function reachable(): 'cpu' | 'wasm' | undefined {
  const name = tf.getBackend();
  if (name !== 'cpu' && name !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as object;
  if (!checked.has(backend)) checked.set(backend, missingInternals(name, backend).length === 0);
  return checked.get(backend) ? name : undefined;
}

/** Whether the current backend's tensors can be read and written in place. */
export function storageReachable(): boolean {
  return reachable() !== undefined;
}

/**
 * The float32 values of `t`, as the array the backend itself holds (no copy), or undefined when they
 * are out of reach: another backend, another dtype, or data that lives on a backend not current.
 * On wasm the view is valid only until the next tensor allocation (the heap may grow and move).
 */
export function float32Storage(t: tf.Tensor): Float32Array | undefined {
  const name = reachable();
  if (name === undefined || t.dtype !== 'float32' || t.isDisposed) return undefined;
  if (name === 'cpu') {
    const { data } = tf.backend() as unknown as CpuBackend;
    const values = data.has(t.dataId) ? data.get(t.dataId).values : undefined;
    return values instanceof Float32Array ? values : undefined;
  }
  const wasm = tf.backend() as unknown as WasmBackend;
  return wasm.dataIdMap.has(t.dataId) ? wasm.typedArrayFromHeap(t) : undefined;
}

// cpu buffers the lib allocated itself, and so may write: a buffer tfjs was handed by a caller (a
// tensor made from their Float32Array) is theirs, even when no other tensor shares it.
const owned = new WeakSet<Float32Array>();

/**
 * Make `v` the only owner of a buffer the lib allocated, copying the values otherwise, and tell
 * whether its storage can be written in place. Call it for every variable of a step before taking any
 * `float32Storage` view: the copy allocates, which may move the wasm heap.
 */
export function makeExclusive(v: tf.Variable): boolean {
  const values = float32Storage(v);
  if (values === undefined) return false;
  const shared = (tf.backend() as unknown as CpuBackend).refCount(v.dataId) > 1;
  // On wasm every tensor's values were copied into the heap when it was made, so only sharing matters.
  if (shared || (tf.getBackend() === 'cpu' && !owned.has(values))) {
    const copy = tf.tensor(values.slice(), v.shape, 'float32');
    v.assign(copy);
    copy.dispose();
  }
  if (tf.getBackend() === 'cpu') owned.add(float32Storage(v)!);
  return true;
}

/**
 * Tell the backend that `t`'s values are about to be written in place. The wasm backend caches
 * operators built from a tensor's values under its id (XNNPACK packs matMul and conv weights once) and
 * would go on computing with the old values; registering the id afresh drops those caches, exactly as
 * disposing the tensor would, while keeping its memory. Done BEFORE the write, so a failure here
 * leaves every value as it was. The cpu backend reads the values anew every time.
 */
export function markWritten(t: tf.Tensor): void {
  if (reachable() !== 'wasm') return;
  const backend = tf.backend() as unknown as WasmBackend;
  const { id, memoryOffset } = backend.dataIdMap.get(t.dataId);
  backend.wasm.tfjs.disposeData(id);
  backend.wasm.tfjs.registerTensor(id, t.size, memoryOffset);
}

/**
 * The WebAssembly memory holding the wasm backend's tensors, when that is the current backend and its
 * memory is of the kind the kernels import (not shared); undefined otherwise.
 */
export function wasmHeap(): WebAssembly.Memory | undefined {
  if (reachable() !== 'wasm') return undefined;
  const memory = (tf.backend() as unknown as WasmBackend).wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer ? undefined : memory;
}
