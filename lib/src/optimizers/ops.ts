/**
 * The element-wise operations an update rule is written in (rules in updates.ts use nothing else), and
 * their implementations: on plain numbers in float32 or float64 (references, playgrounds), and on
 * WebAssembly SIMD vectors (kernels.ts compiles the fused steps from the same rule); the tensor form
 * is in tensor-step.ts. One definition of the math, several ways to run it. No TensorFlow.js here:
 * the browser playgrounds bundle this file.
 *
 * Every operation is one IEEE float32 operation on tensors and in SIMD, correctly rounded, so a rule
 * gives the same bits through the tensor path on the cpu backend and through its fused kernel.
 */
import * as simd from './simd';

/** Element-wise arithmetic over values of type T (tensors, numbers or SIMD vectors). */
export interface Ops<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
  /** −1, 0 or +1 (0 for NaN), as tf.sign. */
  sign(a: T): T;
  /** The larger of a and b; NaN if either is NaN. */
  max(a: T, b: T): T;
}

const f = Math.fround;
const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/**
 * Numbers rounded to float32 after every operation: the same results as the tensor path on cpu (for
 * + − × ÷ and √, float64 then one rounding to float32 is the correctly rounded float32 result).
 * Constants must be rounded too (numberConstants does it).
 */
export const float32Ops: Ops<number> = {
  add: (a, b) => f(a + b),
  sub: (a, b) => f(a - b),
  mul: (a, b) => f(a * b),
  div: (a, b) => f(a / b),
  sqrt: (a) => f(Math.sqrt(a)),
  sign,
  max: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
};

/** Plain float64 arithmetic, for references with less rounding than the optimizers have. */
export const float64Ops: Ops<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  sqrt: Math.sqrt,
  sign,
  max: float32Ops.max,
};

/**
 * SIMD arithmetic for a kernel body: each result goes into a local of its own (`bind`), so a value a
 * rule uses twice is computed once.
 */
export function simdOps(bind: (v: simd.Vec) => simd.Vec): Ops<simd.Vec> {
  return {
    add: (a, b) => bind(simd.add(a, b)),
    sub: (a, b) => bind(simd.sub(a, b)),
    mul: (a, b) => bind(simd.mul(a, b)),
    div: (a, b) => bind(simd.div(a, b)),
    sqrt: (a) => bind(simd.sqrt(a)),
    sign: (a) => bind(simd.sign(a)),
    max: (a, b) => bind(simd.max(a, b)),
  };
}
