/** Shared test setup: where the verified airfoil copy is, and float comparison. */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import * as path from 'path';

/** The data cache the tests use: D2L_DATA_DIR (CI points it at ../shared/data) or the repo's data/. */
export const dataDir = process.env['D2L_DATA_DIR'] ?? path.resolve(__dirname, '..', '..', 'data');

/** Assert |actual − expected| ≤ tol, with a message naming the quantity. */
export function assertClose(actual: number, expected: number, tol: number, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} differs from ${expected} by more than ${tol}`);
}

/** The verified airfoil file, downloaded into the cache first if it is missing (as the notebooks do). */
export function airfoilPath(): Promise<string> {
  return d2l.download('airfoil', { folder: dataDir });
}
