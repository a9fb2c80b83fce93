/**
 * Seedable randomness for everything the lib draws at random (initial weights, minibatch order),
 * so a seed reproduces a training run exactly — like `torch.manual_seed` in the book.
 */

/** A uniform generator on [0, 1); mulberry32, small and fast, good enough for shuffling and init. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniform number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next(); // log(0) would give -Infinity
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `n` draws from N(mean, std²) as float32. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fisher–Yates shuffle of `array` in place. */
  shuffle<T extends { length: number; [i: number]: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }
}

let globalRandom = new Random((Math.random() * 2 ** 32) >>> 0);

/** Seed the lib's global generator (used by `trainCh11`, `getDataCh11` and friends). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`manualSeed expects an integer, got ${seed}`);
  globalRandom = new Random(seed);
}

/** The lib's global generator. */
export function rng(): Random {
  return globalRandom;
}
