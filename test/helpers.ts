/** Shared test setup: where the verified airfoil copy is, and float comparison. */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

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

/** Momentum and second-moment state of one parameter, as the chapter's notebook keeps it. */
export type MomentState = [d2l.tf.Variable, d2l.tf.Variable];

/** notebooks/01-adam.ipynb, where the chapter's from-scratch optimizers are defined. */
export const chapterNotebook = path.resolve(__dirname, '..', '..', 'notebooks', '01-adam.ipynb');

/**
 * The source of the top-level function `name` as a notebook's code cells define it (TypeScript),
 * found with the compiler's parser so comments and neighbouring statements are left out.
 */
export function notebookFunctionSource(notebook: string, name: string): string {
  const cells = (JSON.parse(fs.readFileSync(notebook, 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> }).cells;
  for (const cell of cells.filter((c) => c.cell_type === 'code')) {
    const text = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const file = ts.createSourceFile('cell.ts', text, ts.ScriptTarget.ES2022, true);
    const fn = file.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
    if (fn) return fn.getText(file);
  }
  throw new Error(`${notebook} defines no function '${name}'`);
}

/** The function `name` of the chapter notebook, compiled and bound to this process's tf and d2l. */
function chapterFunction<F>(name: string): F {
  const js = ts.transpileModule(notebookFunctionSource(chapterNotebook, name), { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  return new Function('tf', 'd2l', `${js}\nreturn ${name};`)(d2l.tf, d2l) as F;
}

/** The chapter's from-scratch adam, compiled from notebooks/01-adam.ipynb itself (no copy to drift). */
export const chapterAdam = chapterFunction<(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }) => void>('adam');

/** Zero moment states for linear regression's w (d × 1) and b (1). */
export function initMomentStates(d: number): MomentState[] {
  const zeros = (shape: number[]) => d2l.tf.tidy(() => d2l.tf.variable(d2l.tf.zeros(shape)));
  return [[zeros([d, 1]), zeros([d, 1])], [zeros([1]), zeros([1])]];
}
