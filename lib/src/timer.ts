/** Wall-clock stopwatch recording several intervals (d2l's `Timer`); used by the training loops. */
export class Timer {
  private readonly times: number[] = [];
  private started = 0;

  constructor() {
    this.start();
  }

  /** Start (or restart) the stopwatch. */
  start(): void {
    this.started = performance.now();
  }

  /** Stop the stopwatch, record the interval and return it in seconds. */
  stop(): number {
    const seconds = (performance.now() - this.started) / 1000;
    this.times.push(seconds);
    return seconds;
  }

  /** Average recorded interval in seconds (0 when nothing was recorded). */
  avg(): number {
    return this.times.length === 0 ? 0 : this.sum() / this.times.length;
  }

  /** Total recorded time in seconds. */
  sum(): number {
    return this.times.reduce((a, b) => a + b, 0);
  }

  /** Running totals: element i is the time accumulated up to and including interval i. */
  cumsum(): number[] {
    let total = 0;
    return this.times.map((t) => (total += t));
  }
}
