/**
 * Option checks shared by the playgrounds (live/): a wrong option fails in the notebook cell, before
 * any HTML is made, with a message naming the option and what it accepts.
 */

/** Throws unless every key of `options` is one of `known`, naming the playground and the keys it takes. */
export function checkKeys(playground: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new RangeError(`playground '${playground}' has no option '${key}'; its options are: ${known.join(', ')}`);
    }
  }
}

/** `value` if it is a finite number in [lo, hi], else a RangeError naming `name` and the range. */
export function numberIn(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be a number in [${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

/** `value` if it is an integer in [lo, hi], else a RangeError naming `name` and the range. */
export function integerIn(name: string, value: unknown, lo: number, hi: number): number {
  if (!Number.isInteger(value) || (value as number) < lo || (value as number) > hi) {
    throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${String(value)}`);
  }
  return value as number;
}

/** `value` if it is one of `choices`, else a RangeError listing them. */
export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
