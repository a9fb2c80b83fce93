/**
 * Executed copies of the notebooks, made once per mocha run for every test that needs them:
 * tools/nbrun.py runs each notebook on a cold tslab kernel and then again in the same kernel (what
 * test/notebooks.test.ts checks), writing the copy to build/notebooks (test/site.test.ts builds the
 * book from those). Whichever test asks first starts the execution; two kernels run at a time.
 */
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PYTHON } from './python';

const repo = path.resolve(__dirname, '..', '..');
export const notebookDir = path.join(repo, 'notebooks');

/** One output of an executed notebook (strings joined, as a Jupyter server hands them over). */
export interface NbOutput {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  text?: string;
}

/** Every notebook under notebooks/, in order. */
export const notebookNames = (): string[] => fs.readdirSync(notebookDir).filter((f) => f.endsWith('.ipynb')).sort();

/** How one execution went: nbrun's exit status and output, and where it wrote the executed copy. */
export interface Execution { status: number | null; output: string; file: string }

/** A kernel keeps about one core busy: two notebooks at a time use a 2-core machine well. */
const JOBS = 2;
let active = 0;
const waiting: (() => void)[] = [];
const runs = new Map<string, Promise<Execution>>();

async function inSlot<T>(f: () => Promise<T>): Promise<T> {
  while (active >= JOBS) await new Promise<void>((r) => waiting.push(r));
  active++;
  try {
    return await f();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

function nbrun(name: string): Promise<Execution> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [path.join(repo, 'tools', 'nbrun.py'), path.join('notebooks', name), '--out-dir', 'build', '--runs', '2', '--timeout', '300'], { cwd: repo });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    // nbrun mirrors the notebook's path under --out-dir.
    const file = path.join(repo, 'build', 'notebooks', name);
    child.on('error', (e) => resolve({ status: null, output: `${output}\n${String(e)}`, file }));
    child.on('close', (status) => resolve({ status, output, file }));
  });
}

/** Start (or join) the executions of these notebooks; each notebook is executed once per mocha run. */
export function execute(names: string[]): Promise<Execution>[] {
  return names.map((name) => {
    let run = runs.get(name);
    if (run === undefined) {
      run = inSlot(() => nbrun(name));
      runs.set(name, run);
    }
    return run;
  });
}

/** The path of the executed copy of notebook `name` (executing it if no test has yet); fails if it failed. */
export async function executedNotebook(name: string): Promise<string> {
  const run = await execute([name])[0]!;
  assert.equal(run.status, 0, `executing ${name} failed:\n${run.output}`);
  assert.ok(fs.existsSync(run.file), `nbrun wrote no ${run.file}`);
  return run.file;
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
