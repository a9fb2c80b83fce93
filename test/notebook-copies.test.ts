/**
 * The benchmark times the chapter's own from-scratch `adam`; it cannot import a notebook, so it keeps
 * a copy, and this test keeps the copy honest: the same code as notebooks/01-adam.ipynb, except for
 * the `!` non-null assertions the strict benchmark build needs.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { chapterNotebook, notebookFunctionSource } from './helpers';

/** The source of top-level function `name` in a TypeScript file. */
function fileFunctionSource(file: string, name: string): string {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const fn = source.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
  if (!fn) throw new Error(`${file} defines no function '${name}'`);
  return fn.getText(source);
}

/** Code compared token by token: no white space, no non-null assertions. */
const normalize = (code: string): string => code.replace(/!(?!=)/g, '').replace(/\s+/g, '');

describe("copies of the chapter's code", () => {
  it("bench/bench.ts's adam is notebook 01's adam", () => {
    const bench = path.resolve(__dirname, '..', '..', 'bench', 'bench.ts');
    const copy = fileFunctionSource(bench, 'adam');
    const original = notebookFunctionSource(chapterNotebook, 'adam');
    assert.equal(normalize(copy), normalize(original), `bench/bench.ts:\n${copy}\n\nnotebooks/01-adam.ipynb:\n${original}`);
  });

  it('the comparison sees a one-character change', () => {
    const original = notebookFunctionSource(chapterNotebook, 'adam');
    assert.notEqual(normalize(original.replace('0.999', '0.99')), normalize(original));
  });
});
