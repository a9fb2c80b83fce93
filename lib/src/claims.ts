/**
 * Quiet checks of what a notebook's prose claims (used by notebooks 02–06): a check that holds prints
 * nothing, one that fails throws, so the page reads as text and a run stops as soon as a sentence
 * stops being true.
 */

/** Do nothing when `holds`, else throw an Error naming the claim and `detail`. */
export function claim(description: string, holds: boolean, detail = ''): void {
  if (holds) return;
  const suffix = detail === '' ? '' : ` (${detail})`;
  throw new Error(`Claim failed: ${description}${suffix}`);
}

/** Claim that |actual − expected| ≤ tol; a failure names the measured value and the error. */
export function claimClose(description: string, actual: number, expected: number, tol: number): void {
  const error = Math.abs(actual - expected);
  claim(description, error <= tol, `measured ${fmt(actual)}, expected ${fmt(expected)}, |error| ${fmt(error)} ≤ ${fmt(tol)}`);
}

/** Compact number formatting for claim messages: 4 significant digits, exponent when tiny or huge. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}
