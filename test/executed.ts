/**
 * Executed copies of the notebooks for tests that look at their outputs: a copy written during
 * this mocha run (by test/notebooks.test.ts into build/notebooks, or by this file) is reused, any
 * other notebook is executed here on a cold kernel by tools/nbrun.py (into build/executed).
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PYTHON } from './python';

const repo = path.resolve(__dirname, '..', '..');
export const notebookDir = path.join(repo, 'notebooks');
/** When this mocha process started: copies written since then come from this run's code. */
const runStart = Date.now() - process.uptime() * 1000;

/** One output of an executed notebook (strings joined, as a Jupyter server hands them over). */
export interface NbOutput {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  text?: string;
}

/** Every notebook under notebooks/, in order. */
export const notebookNames = (): string[] => fs.readdirSync(notebookDir).filter((f) => f.endsWith('.ipynb')).sort();

/** The path of an executed copy of notebook `name` made by this run's code. */
export function executedNotebook(name: string): string {
  const outDir = path.join(repo, 'build', 'executed');
  for (const reused of [path.join(repo, 'build', 'notebooks', name), path.join(outDir, 'notebooks', name)]) {
    if (fs.existsSync(reused) && fs.statSync(reused).mtimeMs >= runStart) return reused;
  }
  const run = spawnSync(PYTHON, [path.join(repo, 'tools', 'nbrun.py'), path.join(notebookDir, name), '--out-dir', outDir, '--runs', '1', '--timeout', '900'], {
    cwd: repo, encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, `executing ${name} failed:\n${run.stdout}\n${run.stderr}`);
  // nbrun mirrors the notebook's path under --out-dir.
  const file = path.join(outDir, 'notebooks', name);
  assert.ok(fs.existsSync(file), `nbrun wrote no ${file}`);
  return file;
}

const join = (v: unknown): unknown => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v.join('') : v);

/** The code cells' outputs of an executed notebook, strings joined (nbformat may split them into lines). */
export function codeOutputs(file: string): NbOutput[][] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; outputs?: NbOutput[] }[] };
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => (c.outputs ?? []).map((o) => {
      const out: NbOutput = { ...o };
      if (o.data) out.data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, join(v)]));
      if ('text' in o) out.text = join(o.text) as string;
      return out;
    }));
}

/** What an output is: a figure (plotly JSON or the lib's figure HTML), a playground, or something else. */
export function outputKind(o: NbOutput): 'figure' | 'playground' | undefined {
  const html = typeof o.data?.['text/html'] === 'string' ? (o.data['text/html'] as string) : '';
  if (/class="d2l-playground"/.test(html)) return 'playground';
  if (o.data?.['application/vnd.plotly.v1+json'] !== undefined || /class="d2l-figure"/.test(html)) return 'figure';
  return undefined;
}
