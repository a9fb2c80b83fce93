/**
 * Visible checks of what a notebook's prose claims (used by notebooks 03–06): each check prints one
 * line when it holds and throws when it does not, so a notebook run fails as soon as a claim is false.
 */

/** Report `description` as checked when `holds`, else throw an Error naming the claim and `detail`. */
export function claim(description: string, holds: boolean, detail = ''): void {
  const suffix = detail === '' ? '' : ` (${detail})`;
  if (!holds) throw new Error(`Claim failed: ${description}${suffix}`);
  console.log(`✓ ${description}${suffix}`);
}

/** Claim that |actual − expected| ≤ tol; the printed line shows the measured value and the error. */
export function claimClose(description: string, actual: number, expected: number, tol: number): void {
  const error = Math.abs(actual - expected);
  claim(description, error <= tol, `measured ${fmt(actual)}, expected ${fmt(expected)}, |error| ${fmt(error)} ≤ ${fmt(tol)}`);
}

/** Compact number formatting for claim lines: 4 significant digits, exponent when tiny or huge. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}
