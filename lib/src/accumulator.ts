/** Sums `n` running totals side by side (d2l's `Accumulator`); used by `evaluateLoss`. */
export class Accumulator {
  private data: number[];

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Accumulator needs a positive integer size, got ${n}`);
    this.data = new Array<number>(n).fill(0);
  }

  /** Add one value to each slot; exactly `n` values are expected. */
  add(...values: number[]): void {
    if (values.length !== this.data.length) {
      throw new RangeError(`Accumulator.add expects ${this.data.length} values, got ${values.length}`);
    }
    this.data = this.data.map((a, i) => a + values[i]!);
  }

  /** Zero every slot. */
  reset(): void {
    this.data.fill(0);
  }

  /** The total in slot `i`. */
  get(i: number): number {
    const value = this.data[i];
    if (value === undefined) throw new RangeError(`Accumulator index ${i} out of range [0, ${this.data.length})`);
    return value;
  }

  /** Number of slots. */
  get length(): number {
    return this.data.length;
  }
}
