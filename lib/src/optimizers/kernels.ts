/**
 * Fused, in-place optimizer steps compiled from the rules themselves: each rule of catalog.ts becomes
 * ONE pass over memory that reads the parameter, its gradient and its state and writes the parameter
 * and the state back into the buffers they came from. A new rule needs no kernel of its own.
 *
 * Why: the tensor form of a rule runs about a dozen kernels per parameter, each a full pass over
 * memory that allocates a parameter-size result; the traffic an Adam step needs is 28 bytes per
 * parameter (read p, g, m, v; write p, m, v), which is what these kernels move, allocating nothing.
 *
 * How: the rule's `step` runs once with SIMD operations (ops.ts simdOps) to emit WebAssembly SIMD
 * code, four float32 lanes per instruction (simd.ts). On the wasm backend the kernels run inside
 * tfjs's own heap, on the tensors where they lie; on cpu the tensors' typed arrays (storage.ts) are
 * copied through a small scratch memory CHUNK elements at a time. Every operation is the same
 * correctly rounded float32 operation as the tensor path's, so on cpu a fused step gives the bits of
 * the tensor step (test/fused.test.ts asserts equality). One tfjs difference: the wasm backend's Sign
 * kernel returns 0 for |x| below ~1e-6, so Yogi's tensor path branches differently there; the kernels
 * take the true sign, as the cpu backend does, on both backends.
 *
 * In place has one visible consequence: on the cpu backend `dataSync()` returns the backend's own
 * array, so an array read from a parameter before a step shows the values after it; copy it
 * (`.slice()`) to keep a snapshot, or `setFusedKernels(false)`.
 */
import * as tf from '@tensorflow/tfjs';
import { simdOps } from './ops';
import { AnyRule, constantList } from './rule';
import { add, buildModule, constant, KernelSpec, mul, Vec } from './simd';
import { float32Storage, makeExclusive, markWritten, storageReachable, wasmHeap } from './storage';

/** Elements per array staged at a time: 64 KiB per array, which stays in a core's L2 cache. */
const CHUNK = 16384;
const pagesFor = (arrays: number): number => Math.ceil((arrays * CHUNK * 4) / 65536);

const arrayOf = (state: string): string => `state:${state}`;

/** The kernel of a rule: arrays p, g and the rule's state; scalars the rule's constants. */
function kernelSpec(rule: AnyRule): KernelSpec {
  return {
    arrays: ['p', 'g', ...rule.state.map(arrayOf)],
    scalars: rule.constants,
    body(arrays, scalars, k) {
      const read = (name: string): Vec => k.let(arrays[name]!);
      const param = read('p');
      const state = Object.fromEntries(rule.state.map((s) => [s, read(arrayOf(s))]));
      const out = rule.step(simdOps((v) => k.let(v)), { param, grad: read('g'), state }, scalars);
      for (const s of rule.state) {
        const value = out.state[s];
        if (value === undefined) throw new Error(`rule ${rule.name}: step returned no state '${s}'`);
        k.store(arrayOf(s), value);
      }
      k.store('p', add(param, out.update));
    },
  };
}

/** Σ x·0 over an array: 0 while every x is finite, NaN once one is ±Infinity or NaN; returns 1 if 0. */
const FINITE: KernelSpec = {
  arrays: ['x'],
  scalars: [],
  reduce: true,
  body({ x }, _s, k) {
    k.setCarry(add(k.carry, mul(x!, constant(0))));
  },
};

type Kernel = (...args: number[]) => number;
interface Module {
  heap: Float32Array;
  kernel: Kernel;
}

// Whether this engine has WebAssembly SIMD: the only reason for the fused path not to exist. Any
// other failure to compile or instantiate a kernel is a bug in the lib and throws.
let simd: boolean | undefined;
function simdPresent(): boolean {
  simd ??= typeof WebAssembly === 'object' && WebAssembly.validate(buildModule({ probe: FINITE }, { pages: 1 }));
  return simd;
}

function instantiate(spec: KernelSpec, memory: { pages: number } | WebAssembly.Memory): Module {
  const own = !(memory instanceof WebAssembly.Memory);
  const bytes = buildModule({ kernel: spec }, own ? memory : 'imported');
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), own ? {} : { env: { memory } });
  const heap = new Float32Array((instance.exports['memory'] as WebAssembly.Memory).buffer);
  return { heap, kernel: instance.exports['kernel'] as Kernel };
}

const staging = new Map<AnyRule | 'finite', Module>(); // modules with a scratch memory of their own
const inHeap = new WeakMap<WebAssembly.Memory, Map<AnyRule | 'finite', Module>>(); // modules in tfjs-wasm heaps

function stagingModule(key: AnyRule | 'finite'): Module {
  let m = staging.get(key);
  if (m === undefined) {
    const spec = key === 'finite' ? FINITE : kernelSpec(key);
    m = instantiate(spec, { pages: pagesFor(spec.arrays.length) });
    staging.set(key, m);
  }
  return m;
}

/** The module working in place on `arrays` if they all lie in the wasm backend's heap, else undefined. */
function heapModule(key: AnyRule | 'finite', arrays: Float32Array[]): Module | undefined {
  const heap = wasmHeap();
  if (heap === undefined || !arrays.every((a) => a.buffer === heap.buffer)) return undefined;
  let modules = inHeap.get(heap);
  if (modules === undefined) inHeap.set(heap, (modules = new Map()));
  let m = modules.get(key);
  if (m === undefined) {
    m = instantiate(key === 'finite' ? FINITE : kernelSpec(key), heap);
    modules.set(key, m);
  }
  return m;
}

let enabled = true;
const counts = { inHeap: 0, staged: 0 };

/**
 * Turn the fused kernels on (default) or off; off, every optimizer step runs its rule's tensor ops.
 * For comparisons and benchmarks: both paths give the same numbers.
 */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Whether optimizer steps on the current backend can run fused: enabled, SIMD present, storage in reach. */
export function fusedKernelsAvailable(): boolean {
  return enabled && storageReachable() && simdPresent();
}

/**
 * How many fused steps ran inside the wasm heap and how many through the staging memory since the
 * process started (the contract test checks that wasm steps really run in the heap).
 */
export function fusedPathCounts(): { inHeap: number; staged: number } {
  return { ...counts };
}

/** One parameter's step: the parameter, its gradient, and its state variables in rule.state order. */
export interface FusedItem {
  param: tf.Variable;
  grad: tf.Tensor;
  slots: tf.Variable[];
}

/** Whether `item` can be stepped fused here (no side effects). */
export function fusedCanTake(rule: AnyRule, item: FusedItem): boolean {
  if (!fusedKernelsAvailable() || item.slots.length !== rule.state.length) return false;
  const { param, grad, slots } = item;
  return [param, grad, ...slots].every((t) => float32Storage(t) !== undefined &&
    tf.util.arraysEqual(t.shape, param.shape));
}

/**
 * Step every item fused and in place, all or nothing: copies that make buffers exclusive and the
 * backend's bookkeeping happen first, and only then is any value written. Each item must satisfy
 * fusedCanTake. Throws (having written nothing) where an internal fails.
 */
export function fusedApply(rule: AnyRule, items: FusedItem[], h: unknown, t: number): void {
  if (items.length === 0) return;
  const scalars = constantList(rule, h, t);
  const staged = stagingModule(rule); // compiled before anything is touched: a bad rule throws here
  // Copy-on-write first (it may allocate and move the wasm heap), then the bookkeeping.
  for (const { param, slots } of items) {
    if (![param, ...slots].every(makeExclusive)) throw new Error(`fused ${rule.name} step: storage went out of reach`);
  }
  items.forEach(({ param, slots }) => [param, ...slots].forEach(markWritten));
  // The views last: no allocation follows them.
  for (const { param, grad, slots } of items) {
    const arrays = [param, grad, ...slots].map((x) => float32Storage(x)!);
    const n = arrays[0]!.length;
    const direct = heapModule(rule, arrays);
    const whole = direct ? n - (n % 4) : 0; // groups of four done in place; the rest is staged
    if (whole > 0) direct!.kernel(...arrays.map((a) => a.byteOffset), whole * 4, ...scalars);
    if (whole < n) {
      runChunked(staged, arrays.map((a) => a.subarray(whole)), arrays.map((_, k) => k !== 1), scalars);
    }
    counts[whole > 0 ? 'inHeap' : 'staged'] += 1;
  }
}

/**
 * Run the module's kernel over `arrays` (all of one length) chunk by chunk through its scratch slots;
 * the arrays marked in `writes` get the kernel's results back.
 */
function runChunked(m: Module, arrays: Float32Array[], writes: boolean[], scalars: number[]): void {
  const n = arrays[0]!.length;
  const pointers = arrays.map((_, slot) => slot * CHUNK * 4);
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const padded = Math.ceil(count / 4) * 4; // kernels work on groups of four: zero the stragglers
    arrays.forEach((a, slot) => {
      m.heap.set(a.subarray(start, start + count), slot * CHUNK);
      m.heap.fill(0, slot * CHUNK + count, slot * CHUNK + padded);
    });
    m.kernel(...pointers, padded * 4, ...scalars);
    arrays.forEach((a, slot) => {
      if (writes[slot]) a.set(m.heap.subarray(slot * CHUNK, slot * CHUNK + count), start);
    });
  }
}

/**
 * One fused step of `rule` on `param` and its state `slots` (rule.state order), in place; false,
 * changing nothing, where the fused path does not apply here (the caller then runs the tensor step).
 */
export function fusedStep(rule: AnyRule, param: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], h: unknown, t: number): boolean {
  const item = { param, grad, slots };
  constantList(rule, h, t); // a bad step number throws even where the fused path does not apply
  if (!fusedCanTake(rule, item)) return false;
  fusedApply(rule, [item], h, t);
  return true;
}

/**
 * Whether each tensor holds only finite numbers, read in place without allocating, or undefined when
 * some tensor's storage is out of reach (the caller then checks with tensor ops).
 */
export function finiteFlags(tensors: tf.Tensor[]): boolean[] | undefined {
  if (!fusedKernelsAvailable()) return undefined;
  const storages = tensors.map(float32Storage);
  if (storages.some((x) => x === undefined)) return undefined;
  return storages.map((x) => allFinite(x!));
}

function allFinite(x: Float32Array): boolean {
  const direct = heapModule('finite', [x]);
  if (direct) {
    const whole = x.length - (x.length % 4);
    return (whole === 0 || direct.kernel(x.byteOffset, whole * 4) === 1) && x.subarray(whole).every(Number.isFinite);
  }
  const m = stagingModule('finite');
  for (let start = 0; start < x.length; start += CHUNK) {
    const count = Math.min(CHUNK, x.length - start);
    const padded = Math.ceil(count / 4) * 4;
    m.heap.set(x.subarray(start, start + count), 0);
    m.heap.fill(0, count, padded);
    if (m.kernel(0, padded * 4) !== 1) return false;
  }
  return true;
}
