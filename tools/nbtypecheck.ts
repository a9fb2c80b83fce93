/**
 * Strict type-checking of notebook code cells.
 *
 * tslab compiles every cell on its own with fixed, lenient options (no strict mode), so an
 * implicit `any` or a possibly-undefined value passes in Jupyter. Here the code cells of each
 * notebook become one virtual TypeScript module (cells concatenated in order, so later cells see
 * earlier declarations, and top-level await is allowed), checked with `strict: true`; every
 * diagnostic is mapped back to its notebook, cell and line.
 *
 * Cell numbers are 1-based and count ALL cells (markdown too), the same as tools/nbrun.py.
 * Cells tagged "raises-exception" or "typecheck-skip" (deliberately broken) are left out.
 * As in one module, re-declaring a top-level `const` in a later cell is reported (TS2451).
 *
 * CLI: node build/tools/nbtypecheck.js [--json] NOTEBOOK...
 * Exit codes: 0 no diagnostics, 1 diagnostics found, 2 usage error (unreadable notebook).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export interface Diagnostic {
  notebook: string; // the path as given
  cell: number | null; // 1-based, counting all cells; null: not inside a cell (e.g. an options error)
  line: number | null; // 1-based, within the cell
  column: number | null; // 1-based
  sourceLine: string | null; // the cell line the diagnostic points at
  code: number; // TypeScript error code, e.g. 7006
  category: 'error' | 'warning' | 'suggestion' | 'message';
  message: string;
}

/** The file is missing, is not JSON, or is not a notebook: a usage error (exit code 2). */
export class NotebookReadError extends Error {}

const SKIP_TAGS = ['raises-exception', 'typecheck-skip'];

// Where typescript itself is installed: the project's node_modules, holding @types/node too.
const NODE_MODULES = path.resolve(path.dirname(require.resolve('typescript/package.json')), '..');

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  // Bundler resolution reads "types"/"exports" of '@tensorflow/tfjs' and the 'd2l' workspace
  // package like node does, and (with module ESNext) allows top-level await.
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // A notebook without imports is still a module, so top-level await type-checks.
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], // same as tsconfig.base.json
  types: ['node'], // the kernel is node: process, setTimeout, require
  typeRoots: [path.join(NODE_MODULES, '@types')],
  esModuleInterop: true,
  skipLibCheck: true,
  forceConsistentCasingInFileNames: true,
};

interface CellSpan {
  cell: number; // 1-based over all cells
  firstLine: number; // 0-based line of the virtual file where the cell starts
  lines: string[];
}

interface VirtualModule {
  notebook: string;
  fileName: string;
  text: string;
  spans: CellSpan[];
}

function readNotebook(notebook: string): { cells: unknown[] } {
  let raw: string;
  try {
    raw = fs.readFileSync(notebook, 'utf8');
  } catch {
    throw new NotebookReadError(`${notebook}: no such file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new NotebookReadError(`${notebook}: invalid JSON: ${(e as Error).message}`);
  }
  const nb = json as { cells?: unknown; nbformat?: unknown };
  if (typeof json !== 'object' || json === null || !Array.isArray(nb.cells) || nb.nbformat === undefined) {
    throw new NotebookReadError(`${notebook}: not a Jupyter notebook (JSON without "nbformat" and "cells")`);
  }
  return { cells: nb.cells };
}

function toModule(notebook: string): VirtualModule {
  const spans: CellSpan[] = [];
  const parts: string[] = [];
  let line = 0;
  readNotebook(notebook).cells.forEach((value, i) => {
    const cell = value as { cell_type?: string; source?: string | string[]; metadata?: { tags?: string[] } };
    if (cell.cell_type !== 'code') return;
    if ((cell.metadata?.tags ?? []).some((t) => SKIP_TAGS.includes(t))) return;
    const source = Array.isArray(cell.source) ? cell.source.join('') : (cell.source ?? '');
    const lines = source.split('\n');
    spans.push({ cell: i + 1, firstLine: line, lines });
    // A ';' line between cells: without it, a cell ending in `x = 1` followed by a cell starting
    // with `(` would parse as a call, which never happens in tslab (it compiles cells apart).
    parts.push(source, ';');
    line += lines.length + 1;
  });
  // Next to the notebook, so imports resolve from its folder as they do in the kernel.
  const fileName = path.resolve(notebook) + '.ts';
  return { notebook, fileName, text: parts.join('\n'), spans };
}

function category(c: ts.DiagnosticCategory): Diagnostic['category'] {
  switch (c) {
    case ts.DiagnosticCategory.Error: return 'error';
    case ts.DiagnosticCategory.Warning: return 'warning';
    case ts.DiagnosticCategory.Suggestion: return 'suggestion';
    default: return 'message';
  }
}

function mapDiagnostic(d: ts.Diagnostic, modules: Map<string, VirtualModule>, fallback: string): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const base = { code: d.code, category: category(d.category), message };
  const mod = d.file ? modules.get(d.file.fileName) : undefined;
  if (!d.file || !mod || d.start === undefined) {
    // Outside any notebook (options, a broken .d.ts): still report it, attributed loosely.
    const where = d.file ? `${d.file.fileName}: ` : '';
    return { notebook: mod?.notebook ?? fallback, cell: null, line: null, column: null, sourceLine: null,
      ...base, message: where + message };
  }
  const pos = d.file.getLineAndCharacterOfPosition(d.start);
  // The last span starting at or before the line holds it (a ';' separator line maps to the cell above).
  const span = [...mod.spans].reverse().find((s) => s.firstLine <= pos.line);
  if (!span) {
    return { notebook: mod.notebook, cell: null, line: null, column: null, sourceLine: null, ...base };
  }
  const lineInCell = Math.min(pos.line - span.firstLine, span.lines.length - 1);
  return {
    notebook: mod.notebook,
    cell: span.cell,
    line: lineInCell + 1,
    column: pos.character + 1,
    sourceLine: span.lines[lineInCell] ?? null,
    ...base,
  };
}

/** Type-check the code cells of each notebook in strict mode; throws NotebookReadError. */
export function typecheckNotebooks(paths: string[]): Diagnostic[] {
  const modules = new Map<string, VirtualModule>();
  for (const p of paths) {
    const mod = toModule(p);
    modules.set(mod.fileName, mod);
  }
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  // Serve the virtual modules; everything else (libs, node_modules) comes from disk.
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const mod = modules.get(fileName);
    return mod
      ? ts.createSourceFile(fileName, mod.text, languageVersion, true, ts.ScriptKind.TS)
      : getSourceFile.call(host, fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => modules.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => modules.get(fileName)?.text ?? readFile.call(host, fileName);

  const program = ts.createProgram([...modules.keys()], COMPILER_OPTIONS, host);
  const fallback = paths[0] ?? '';
  return ts.getPreEmitDiagnostics(program).map((d) => mapDiagnostic(d, modules, fallback));
}

/** One diagnostic in the same shape nbrun.py prints failures. */
export function formatDiagnostic(d: Diagnostic): string {
  let where = `${d.notebook}: `;
  if (d.cell !== null) where += `cell ${d.cell} (1-based, counting all cells), line ${d.line}, column ${d.column}: `;
  const text = `${where}${d.category} TS${d.code}: ${d.message}`;
  return d.sourceLine !== null ? `${text}\n    > ${d.sourceLine}` : text;
}

function main(argv: string[]): number {
  const json = argv.includes('--json');
  const paths = argv.filter((a) => a !== '--json');
  const unknown = paths.find((a) => a.startsWith('--'));
  if (paths.length === 0 || unknown !== undefined) {
    if (unknown !== undefined) console.error(`nbtypecheck: error: unknown option ${unknown}`);
    console.error('usage: node build/tools/nbtypecheck.js [--json] NOTEBOOK...');
    return 2;
  }
  let diagnostics: Diagnostic[];
  try {
    diagnostics = typecheckNotebooks(paths);
  } catch (e) {
    if (e instanceof NotebookReadError) {
      console.error(`nbtypecheck: error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (json) {
    console.log(JSON.stringify(diagnostics, null, 2));
  } else {
    for (const d of diagnostics) console.log(formatDiagnostic(d));
    const n = diagnostics.length;
    console.log(`nbtypecheck: ${n} diagnostic${n === 1 ? '' : 's'} in ${paths.length} notebook${paths.length === 1 ? '' : 's'}`);
  }
  return diagnostics.length > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
