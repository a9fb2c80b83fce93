/**
 * A minimal WebAssembly builder for element-wise SIMD kernels (four float32 lanes per instruction),
 * just enough for the fused optimizer steps that kernels.ts compiles from the rules.
 *
 * Why WebAssembly: a JavaScript loop computes in float64 and does one element at a time; an Adam step
 * needs three divisions and a square root per element, and those, not memory, bound a JS loop (several
 * times slower than the same loop in f32x4; the bench measures it). Why hand-built bytes: the kernels
 * are a dozen arithmetic operations each, and writing them as expressions here needs no compiler
 * toolchain or extra dependency; WebAssembly.Module validates the bytes when kernels.ts loads them.
 *
 * A kernel runs `body` on every group of four elements of its arrays, which live in the module's
 * memory (its own, or one it imports) and are passed as byte offsets, together with the number of
 * bytes to process (a multiple of 16). Scalars are broadcast to the four lanes once, before the loop.
 */

/** Bytecode that leaves one f32x4 vector on the WebAssembly stack. */
export interface Vec {
  readonly code: readonly number[];
}

/** What a kernel body can do besides computing: name a value, write an array, carry a value along. */
export interface KernelBuilder {
  /** Compute `value` once into a local; the returned vector can be used any number of times. */
  let(value: Vec): Vec;
  /** Write `value` to the current four elements of `array`. */
  store(array: string, value: Vec): void;
  /** The carried vector (see KernelSpec.reduce), as left by the previous group of elements. */
  readonly carry: Vec;
  setCarry(value: Vec): void;
}

export interface KernelSpec {
  /** The arrays the kernel reads or writes, in parameter order. */
  arrays: readonly string[];
  /** The float32 scalars, in parameter order after the arrays and the byte count. */
  scalars: readonly string[];
  /** The loop body for one group of four elements (arrays read the current group). */
  body(arrays: Record<string, Vec>, scalars: Record<string, Vec>, k: KernelBuilder): void;
  /**
   * If set, a vector starting at 0 is carried through the loop (KernelBuilder.carry), and the kernel
   * returns 1 if all its lanes end at 0, else 0.
   */
  reduce?: boolean;
}

// Opcodes, from the WebAssembly core and SIMD specifications.
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD = 0xfd;
const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21, i32Const: 0x41, i32GeU: 0x4f, i32Add: 0x6a,
} as const;
const simd = {
  load: 0x00, store: 0x0b, const: 0x0c, splat: 0x13, eq: 0x41, lt: 0x43, gt: 0x44, and: 0x4e,
  i32x4AllTrue: 0xa3, sqrt: 0xe3, add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, max: 0xe9,
} as const;
const ALIGN_16 = 4; // log2 of the alignment of v128.load/store: every group starts at a multiple of 16 bytes

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n ? byte | 0x80 : byte);
  } while (n);
  return out;
}
const simdOp = (code: number): number[] => [SIMD, ...uleb(code)];
const vec = (code: number[]): Vec => ({ code });
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vector([...s].map((c) => [c.charCodeAt(0)]));

const binary = (code: number) => (a: Vec, b: Vec): Vec => vec([...a.code, ...b.code, ...simdOp(code)]);
/** Lane-wise IEEE float32 arithmetic, correctly rounded like every single tfjs kernel on cpu. */
export const add = binary(simd.add);
export const sub = binary(simd.sub);
export const mul = binary(simd.mul);
export const div = binary(simd.div);
/** Lane-wise maximum; NaN if either lane is NaN (as Math.max, which tf.maximum uses on cpu). */
export const max = binary(simd.max);
export const sqrt = (a: Vec): Vec => vec([...a.code, ...simdOp(simd.sqrt)]);

/** The same float32 number in all four lanes. */
export function constant(value: number): Vec {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return vec([...simdOp(simd.const), ...bytes]);
}

/** −1, 0 or +1 per lane, as tf.sign (0 for a NaN lane). */
export function sign(a: Vec): Vec {
  // Comparisons give all-ones masks; masking the bits of 1.0 turns each into 1.0 or 0.0.
  const one = constant(1);
  const zero = constant(0);
  const positive = vec([...a.code, ...zero.code, ...simdOp(simd.gt), ...one.code, ...simdOp(simd.and)]);
  const negative = vec([...a.code, ...zero.code, ...simdOp(simd.lt), ...one.code, ...simdOp(simd.and)]);
  return sub(positive, negative);
}

/** One kernel's signature (parameter and result types) and function body. */
function encodeKernel(spec: KernelSpec): { params: number[]; results: number[]; body: number[] } {
  const nArrays = spec.arrays.length;
  const bytesParam = nArrays;
  const firstScalar = nArrays + 1;
  const params = [...spec.arrays.map(() => I32), I32, ...spec.scalars.map(() => F32)];
  const index = params.length; // i32 local: byte offset of the current group
  let nextLocal = index + 1;    // v128 locals follow
  const newLocal = (): number => nextLocal++;
  const get = (local: number): number[] => [op.localGet, ...uleb(local)];
  const set = (local: number): number[] => [op.localSet, ...uleb(local)];
  const address = (array: string): number[] => [...get(spec.arrays.indexOf(array)), ...get(index), op.i32Add];

  const prologue: number[] = [];
  const scalars: Record<string, Vec> = {};
  spec.scalars.forEach((s, k) => {
    const local = newLocal();
    prologue.push(...get(firstScalar + k), ...simdOp(simd.splat), ...set(local));
    scalars[s] = vec(get(local));
  });
  const carryLocal = newLocal();
  prologue.push(...constant(0).code, ...set(carryLocal));

  const arrays: Record<string, Vec> = {};
  for (const a of spec.arrays) arrays[a] = vec([...address(a), ...simdOp(simd.load), ALIGN_16, 0]);
  const loopBody: number[] = [];
  spec.body(arrays, scalars, {
    let(value) {
      const local = newLocal();
      loopBody.push(...value.code, ...set(local));
      return vec(get(local));
    },
    store(array, value) {
      if (!spec.arrays.includes(array)) throw new Error(`internal: kernel has no array '${array}'`);
      loopBody.push(...address(array), ...value.code, ...simdOp(simd.store), ALIGN_16, 0);
    },
    carry: vec(get(carryLocal)),
    setCarry(value) {
      loopBody.push(...value.code, ...set(carryLocal));
    },
  });

  // reduce: all_true(carry == 0), left on the stack as the i32 result.
  const epilogue = spec.reduce ?
    [...get(carryLocal), ...constant(0).code, ...simdOp(simd.eq), ...simdOp(simd.i32x4AllTrue)] : [];
  const nV128 = nextLocal - index - 1;
  const locals = vector([[1, I32], [...uleb(nV128), V128]]);
  const body = [
    ...locals,
    ...prologue,
    // block { loop { if (index >= bytes) break; body; index += 16; continue } }
    op.block, 0x40, op.loop, 0x40,
    ...get(index), ...get(bytesParam), op.i32GeU, op.brIf, 1,
    ...loopBody,
    ...get(index), op.i32Const, 16, op.i32Add, ...set(index),
    op.br, 0, op.end, op.end,
    ...epilogue,
    op.end,
  ];
  return { params, results: spec.reduce ? [I32] : [], body };
}

/**
 * The bytes of a module exporting each kernel by name. Its memory is either its own (`pages` × 64 KiB,
 * exported as `memory`) or `'imported'`: the `env.memory` given at instantiation, e.g. the heap of
 * tfjs's wasm backend, so the kernels can work on tensors where they lie.
 */
export function buildModule(kernels: Record<string, KernelSpec>, memory: { pages: number } | 'imported'): Uint8Array<ArrayBuffer> {
  const names = Object.keys(kernels);
  const encoded = names.map((n) => encodeKernel(kernels[n]!));
  const noMaximum = 0x00;
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector(encoded.map((k) => [0x60, ...vector(k.params.map((p) => [p])), ...vector(k.results.map((r) => [r]))]))), // types
    ...(memory === 'imported' ? section(2, vector([[...name('env'), ...name('memory'), 0x02, noMaximum, 1]])) : []),
    ...section(3, vector(names.map((_, i) => uleb(i)))), // function i has type i
    ...(memory === 'imported' ? [] : section(5, vector([[noMaximum, ...uleb(memory.pages)]]))),
    ...section(7, vector([
      [...name('memory'), 0x02, 0],
      ...names.map((n, i) => [...name(n), 0x00, ...uleb(i)]),
    ])),
    ...section(10, vector(encoded.map((k) => [...uleb(k.body.length), ...k.body]))),
  ];
  return new Uint8Array(bytes);
}
