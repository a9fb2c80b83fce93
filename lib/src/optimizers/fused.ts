/**
 * Fused, in-place optimizer steps: Adam/AdamW, Yogi and AMSGrad as ONE pass over memory that reads
 * param, grad and the state and writes param and the state back into the buffers they came from.
 *
 * Why: the tensor form of a rule (rules.ts) runs ~12 kernels per parameter, each a full pass over
 * memory that allocates a parameter-size result; for 4M parameters tf.train.adam on the cpu backend
 * takes 0.4–1.8 s a step and allocates 224 MiB of temporaries. The traffic an Adam step needs is
 * 28 bytes per parameter (read p, g, m, v; write p, m, v), which is what these kernels move.
 *
 * How: the arithmetic runs in WebAssembly SIMD (simd.ts), four float32 lanes per instruction. On the
 * wasm backend the kernels run inside tfjs's own heap, on the tensors where they lie. On cpu the
 * tensors' typed arrays (storage.ts) are copied through a small scratch memory CHUNK elements at a
 * time, so the working set stays in cache and the buffers are written in place. Either way nothing
 * parameter-sized is allocated per step.
 *
 * In place has one visible consequence: on the cpu backend `dataSync()` returns the backend's own
 * array, not a copy, so an array read from a parameter before a step shows the values after it. Copy
 * it (`.slice()`, `Array.from`) to keep a snapshot, or `setFusedKernels(false)`. On wasm, tfjs caches
 * operators built from weights per tensor; storage.ts markWritten drops them after each step.
 *
 * The math: rules.ts is the reference. Each kernel below is its rule written per element, with the
 * same float32 operations in the same order; every wasm float op and every tfjs cpu kernel rounds
 * correctly to float32, so a fused step gives the bits of the tensor step on cpu (test/fused.test.ts
 * checks them against each other). One tfjs difference: the wasm backend's Sign kernel returns 0 for
 * |x| below ~1e-6, so Yogi's tensor rule branches differently there; the kernels take the true sign, as
 * the cpu backend does, on both backends. Backends whose storage is out of reach, and environments
 * without WebAssembly SIMD, take the tensor path; `setFusedKernels(false)` forces it.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamHyperparams, AdamWHyperparams } from './rules';
import { add, buildModule, constant, div, KernelSpec, max, mul, sign, sqrt, sub, Vec } from './simd';
import { float32Storage, makeExclusive, markWritten, wasmHeap } from './storage';

/** Elements per array staged at a time: five 64 KiB slots, which stay in a core's L2 cache. */
const CHUNK = 16384;
const SLOTS = 5;
const PAGES = (SLOTS * CHUNK * 4) / 65536;

/** m ← β1·m + (1−β1)·g, as firstMoment in rules.ts. */
const firstMoment = (m: Vec, g: Vec, s: Record<string, Vec>): Vec => add(mul(m, s.beta1), mul(g, s.oneMinusBeta1));
/** v ← β2·v + (1−β2)·g², as adamMoments in rules.ts. */
const secondMoment = (v: Vec, g: Vec, s: Record<string, Vec>): Vec => add(mul(v, s.beta2), mul(mul(g, g), s.oneMinusBeta2));
/**
 * −lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ), as biasCorrectedStep in rules.ts, and with its
 * three divisions: folding the corrections into constants would save two of them (the kernel is bound
 * by divisions, not memory: ~40% faster), but would round differently from rules.ts and tf.train.adam.
 */
const biasCorrectedStep = (m: Vec, v: Vec, s: Record<string, Vec>): Vec =>
  mul(div(div(m, s.bc1), add(sqrt(div(v, s.bc2)), s.epsilon)), s.negLr);
const STEP_SCALARS = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'bc1', 'bc2', 'epsilon', 'negLr'] as const;

const KERNELS: Record<string, KernelSpec> = {
  // adamRule, plus adamwRule's decay: p ← p + (update − p·lr·wd); decay 0 adds an exact zero.
  adam: {
    arrays: ['p', 'g', 'm', 'v'],
    scalars: [...STEP_SCALARS, 'decay'],
    body({ p, g, m, v }, s, k) {
      const m1 = k.let(firstMoment(m, g, s));
      const v1 = k.let(secondMoment(v, g, s));
      k.store('m', m1);
      k.store('v', v1);
      const param = k.let(p);
      k.store('p', add(param, sub(biasCorrectedStep(m1, v1, s), mul(param, s.decay))));
    },
  },
  // yogiRule: v ← v − (1−β2)·sign(v − g²)·g².
  yogi: {
    arrays: ['p', 'g', 'm', 'v'],
    scalars: STEP_SCALARS,
    body({ p, g, m, v }, s, k) {
      const m1 = k.let(firstMoment(m, g, s));
      const g2 = k.let(mul(g, g));
      const v0 = k.let(v);
      const v1 = k.let(sub(v0, mul(mul(sign(sub(v0, g2)), g2), s.oneMinusBeta2)));
      k.store('m', m1);
      k.store('v', v1);
      k.store('p', add(p, biasCorrectedStep(m1, v1, s)));
    },
  },
  // amsgradRule: vMax ← max(vMax, v) over the raw v, and the step uses vMax.
  amsgrad: {
    arrays: ['p', 'g', 'm', 'v', 'vMax'],
    scalars: STEP_SCALARS,
    body({ p, g, m, v, vMax }, s, k) {
      const m1 = k.let(firstMoment(m, g, s));
      const v1 = k.let(secondMoment(v, g, s));
      const vMax1 = k.let(max(vMax, v1));
      k.store('m', m1);
      k.store('v', v1);
      k.store('vMax', vMax1);
      k.store('p', add(p, biasCorrectedStep(m1, vMax1, s)));
    },
  },
  // Σ x·0 over the array: 0 while every x is finite, NaN once one is ±Infinity or NaN; returns 1 if 0.
  finite: {
    arrays: ['x'],
    scalars: [],
    reduce: true,
    body({ x }, _s, k) {
      k.setCarry(add(k.carry, mul(x, constant(0))));
    },
  },
};

type Kernel = (...args: number[]) => number;
interface Module {
  heap: Float32Array;
  kernels: Record<string, Kernel>;
}

function instantiate(memory: { pages: number } | 'imported', imports: WebAssembly.Imports = {}): Module | null {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buildModule(KERNELS, memory)), imports);
    const heap = new Float32Array((instance.exports['memory'] as WebAssembly.Memory).buffer);
    const kernels = Object.fromEntries(Object.keys(KERNELS).map((n) => [n, instance.exports[n] as Kernel]));
    return { heap, kernels };
  } catch {
    return null; // no WebAssembly SIMD here, or (imported) a memory of another kind, e.g. shared
  }
}

let enabled = true;
let staging: Module | null | undefined; // the module with its own scratch memory, which never grows
const inHeap = new WeakMap<WebAssembly.Memory, Module | null>(); // modules working in tfjs-wasm heaps

function load(): Module | null {
  if (staging === undefined) staging = instantiate({ pages: PAGES });
  return staging;
}

/** Kernels that work in place on `arrays` if they all lie in the wasm backend's heap, else undefined. */
function directKernels(arrays: Float32Array[]): Module['kernels'] | undefined {
  const heap = wasmHeap();
  if (heap === undefined || !arrays.every((a) => a.buffer === heap.buffer)) return undefined;
  if (!inHeap.has(heap)) inHeap.set(heap, instantiate('imported', { env: { memory: heap } }));
  return inHeap.get(heap)?.kernels;
}

/**
 * Turn the fused kernels on (default) or off; off, every optimizer step runs its rule's tensor ops.
 * For comparisons and benchmarks: both paths give the same numbers.
 */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Whether optimizer steps on the current backend can run fused: enabled, SIMD present, cpu or wasm. */
export function fusedKernelsAvailable(): boolean {
  return enabled && load() !== null && (tf.getBackend() === 'cpu' || tf.getBackend() === 'wasm');
}

/**
 * Run `kernel` over `arrays` (all of one length) chunk by chunk through the scratch slots; the arrays
 * marked in `writes` get the kernel's results back.
 */
function runChunked(m: Module, kernel: string, arrays: Float32Array[], writes: boolean[], scalars: number[]): void {
  const n = arrays[0].length;
  const pointers = arrays.map((_, slot) => slot * CHUNK * 4);
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const padded = Math.ceil(count / 4) * 4; // kernels work on groups of four: zero the stragglers
    arrays.forEach((a, slot) => {
      m.heap.set(a.subarray(start, start + count), slot * CHUNK);
      m.heap.fill(0, slot * CHUNK + count, slot * CHUNK + padded);
    });
    m.kernels[kernel](...pointers, padded * 4, ...scalars);
    arrays.forEach((a, slot) => {
      if (writes[slot]) a.set(m.heap.subarray(slot * CHUNK, slot * CHUNK + count), start);
    });
  }
}

/**
 * One fused step of `kernel` on `param` and its `slots`, or false (nothing changed) when the fused
 * path does not apply here and the caller should run the rule's tensor ops.
 */
function fusedStep(kernel: string, param: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], scalars: number[]): boolean {
  const m = fusedKernelsAvailable() ? load() : null;
  if (m === null || float32Storage(grad) === undefined) return false;
  if (!tf.util.arraysEqual(grad.shape, param.shape) || slots.some((s) => !tf.util.arraysEqual(s.shape, param.shape))) {
    throw new Error(`fused ${kernel} step: gradient and state must have the parameter's shape [${param.shape}]`);
  }
  // Copy-on-write first (it may allocate); then take the views, which no allocation follows.
  if (![param, ...slots].every(makeExclusive)) return false;
  const arrays = [param, grad, ...slots].map((t) => float32Storage(t)!);
  const writes = arrays.map((_, k) => k !== 1); // all but the gradient
  const direct = directKernels(arrays);
  const n = arrays[0]!.length;
  const whole = direct ? n - (n % 4) : 0; // groups of four done in place; the rest is staged
  if (whole > 0) direct![kernel]!(...arrays.map((a) => a.byteOffset), whole * 4, ...scalars);
  if (whole < n) runChunked(m, kernel, arrays.map((a) => a.subarray(whole)), writes, scalars);
  [param, ...slots].forEach(markWritten);
  return true;
}

function stepScalars(h: AdamHyperparams, t: number): number[] {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`Invalid step t: ${t} (must be an integer >= 1)`);
  // The order of STEP_SCALARS; the bias corrections in float64 from t, as rules.ts.
  return [h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, 1 - h.beta1 ** t, 1 - h.beta2 ** t, h.epsilon, -h.learningRate];
}

/**
 * Adam step t (adamRule), or AdamW with `h.weightDecay` (adamwRule), in place on `param` and its
 * state [m, v]. Returns false, changing nothing, where the fused path does not apply (see above).
 */
export function fusedAdamStep(
  param: tf.Variable, grad: tf.Tensor, [m, v]: tf.Variable[], h: AdamHyperparams & Partial<AdamWHyperparams>, t: number,
): boolean {
  const decay = h.learningRate * (h.weightDecay ?? 0);
  return fusedStep('adam', param, grad, [m, v], [...stepScalars(h, t), decay]);
}

/** Yogi step t (yogiRule) in place on `param` and its state [m, v]; false where it does not apply. */
export function fusedYogiStep(param: tf.Variable, grad: tf.Tensor, [m, v]: tf.Variable[], h: AdamHyperparams, t: number): boolean {
  return fusedStep('yogi', param, grad, [m, v], stepScalars(h, t));
}

/** AMSGrad step t (amsgradRule) in place on `param` and its state [m, v, vMax]; false where it does not apply. */
export function fusedAmsgradStep(
  param: tf.Variable, grad: tf.Tensor, [m, v, vMax]: tf.Variable[], h: AdamHyperparams, t: number,
): boolean {
  return fusedStep('amsgrad', param, grad, [m, v, vMax], stepScalars(h, t));
}

/**
 * Whether each tensor holds only finite numbers, read in place without allocating, or undefined when
 * some tensor's storage is out of reach (the caller then checks with tensor ops).
 */
export function finiteFlags(tensors: tf.Tensor[]): boolean[] | undefined {
  const m = fusedKernelsAvailable() ? load() : null;
  if (m === null) return undefined;
  const storages = tensors.map(float32Storage);
  if (storages.some((x) => x === undefined)) return undefined;
  return storages.map((x) => allFinite(m, x!));
}

function allFinite(m: Module, x: Float32Array): boolean {
  const direct = directKernels([x]);
  if (direct) {
    const whole = x.length - (x.length % 4);
    return (whole === 0 || direct['finite']!(x.byteOffset, whole * 4) === 1) && x.subarray(whole).every(Number.isFinite);
  }
  for (let start = 0; start < x.length; start += CHUNK) {
    const count = Math.min(CHUNK, x.length - start);
    const padded = Math.ceil(count / 4) * 4;
    m.heap.set(x.subarray(start, start + count), 0);
    m.heap.fill(0, count, padded);
    if (m.kernels['finite']!(0, padded * 4) !== 1) return false;
  }
  return true;
}
