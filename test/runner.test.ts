/**
 * The notebook executor (tools/nbrun.py) and the strict notebook type-checker (tools/nbtypecheck.ts)
 * against deliberately broken fixture notebooks: each failure must be caught with the right kind,
 * cell number (1-based, counting all cells), offending source line and the real diagnostic.
 *
 * Every kernel start costs ~2 s, so all nbrun invocations start together in `before` (a few at a
 * time: the machine may have 2 cores) and the tests only inspect their results.
 */
import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PYTHON } from './python';

const REPO = path.resolve(__dirname, '..', '..'); // build/test -> repo
const NBRUN = path.join(REPO, 'tools', 'nbrun.py');
const FIXTURES = path.join(REPO, 'test', 'fixtures');
const BROKEN = path.join('test', 'fixtures', 'broken');
const KERNEL_ENV = {
  ...process.env,
  JUPYTER_PATH: [path.join(REPO, '.jupyter', 'share', 'jupyter'), process.env['JUPYTER_PATH']].filter(Boolean).join(path.delimiter),
  NBRUN_FIXTURE_ENV: 'passed-through', // good.ipynb prints it: the caller's environment reaches the kernel
};

interface CellRecord {
  index: number;
  run: number;
  ok: boolean;
  kind: string;
  message: string;
  source_line: string | null;
  line: number | null;
  seconds: number;
}
interface NotebookReport {
  path: string;
  ok: boolean;
  out: string;
  cells: CellRecord[];
}
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  report: NotebookReport[]; // from --json; [] when the run wrote none (usage errors)
}
interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  metadata: { tags?: string[] };
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: unknown };
}

let tmp = '';
let runCount = 0;

/** Run nbrun.py on one notebook (path relative to the repo) with a private out-dir and JSON report. */
function nbrun(args: string[]): Promise<Run> {
  const dir = path.join(tmp, `run${++runCount}`);
  const json = path.join(dir, 'report.json');
  const argv = [NBRUN, ...args, '--out-dir', path.join(dir, 'out'), '--json', json];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, argv, { cwd: REPO, env: KERNEL_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const report = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')) as NotebookReport[]) : [];
      resolve({ status, stdout, stderr, report });
    });
  });
}

/** Start the jobs at most `limit` at a time; resolve with their results in order. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

function readNotebook(file: string): Notebook {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
}

function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join('') : (value ?? '');
}

function stdoutOf(cell: Cell | undefined): string {
  return (cell?.outputs ?? []).filter((o) => o.name === 'stdout').map((o) => text(o.text)).join('');
}

/** The single failing record of a one-notebook run, after checking the run failed. */
function failure(run: Run): CellRecord {
  assert.equal(run.status, 1, `exit code\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^FAIL /m);
  const failed = run.report[0]!.cells.filter((c) => !c.ok && c.kind !== 'not-run');
  assert.equal(failed.length, 1, JSON.stringify(failed));
  return failed[0]!;
}

describe('tools/nbrun.py', function () {
  const runs = new Map<string, Run>();

  before(async function () {
    this.timeout(120_000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nbrun-test-'));
    const jobs: [string, string[]][] = [
      ['infinite-loop', [path.join(BROKEN, 'infinite-loop.ipynb'), '--timeout', '5']], // slowest first
      ['good', [path.join('test', 'fixtures', 'good.ipynb'), '--runs', '2']],
      ['type-error', [path.join(BROKEN, 'type-error.ipynb')]],
      ['thrown-error', [path.join(BROKEN, 'thrown-error.ipynb')]],
      ['async-throw', [path.join(BROKEN, 'async-throw.ipynb')]],
      ['async-throw-last', [path.join(BROKEN, 'async-throw-last.ipynb')]],
      ['process-exit', [path.join(BROKEN, 'process-exit.ipynb')]],
      ['keep-going', [path.join(BROKEN, 'keep-going.ipynb'), '--keep-going']],
      ['late-throw-last', [path.join(BROKEN, 'late-throw-last.ipynb')]],
      ['late-reject-last', [path.join(BROKEN, 'late-reject-last.ipynb')]],
      ['late-exit-last', [path.join(BROKEN, 'late-exit-last.ipynb')]],
    ];
    const results = await pool(jobs.map(([, args]) => () => nbrun(args)), 3);
    jobs.forEach(([name], i) => runs.set(name, results[i]!));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const get = (name: string): Run => runs.get(name)!;

  it('fixture notebooks have no stored outputs and the tslab kernelspec', () => {
    const files = [path.join(FIXTURES, 'good.ipynb'),
      ...['broken', 'typecheck'].flatMap((d) =>
        fs.readdirSync(path.join(FIXTURES, d)).map((f) => path.join(FIXTURES, d, f)))];
    for (const file of files) {
      const nb = readNotebook(file);
      assert.deepEqual(nb.metadata.kernelspec, { name: 'tslab', display_name: 'TypeScript', language: 'typescript' }, file);
      for (const cell of nb.cells) assert.deepEqual(cell.outputs ?? [], [], file);
    }
  });

  it('passes a good notebook run twice in one kernel (its consts are re-declared) and stores the outputs', () => {
    const run = get('good');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^PASS test\/fixtures\/good\.ipynb \(\d+\.\d s\)$/m);
    const report = run.report[0]!;
    assert.deepEqual([...new Set(report.cells.map((c) => c.run))], [1, 2]);
    assert.ok(report.cells.every((c) => c.ok && c.kind === 'ok'));
    const out = readNotebook(report.out);
    assert.equal(stdoutOf(out.cells[2]), 'total is 6\n');
    assert.equal(stdoutOf(out.cells[3]), '12\n'); // a cell's last expression is printed
    // The kernel runs in the notebook's folder and sees the caller's environment.
    assert.equal(stdoutOf(out.cells[4]), `cwd ${FIXTURES}\nenv passed-through\n`);
    // The input notebook is never modified.
    assert.ok(readNotebook(path.join(FIXTURES, 'good.ipynb')).cells.every((c) => (c.outputs ?? []).length === 0));
  });

  it('reports a type error with its cell, source line and TypeScript diagnostic', () => {
    const run = get('type-error');
    const rec = failure(run);
    assert.equal(rec.kind, 'error');
    assert.equal(rec.index + 1, 3);
    assert.equal(rec.line, 1);
    assert.match(run.stdout, /cell 3 \(1-based, counting all cells\), line 1: error/);
    assert.ok(run.stdout.includes("> const count: number = 'not a number';"), run.stdout);
    assert.ok(run.stdout.includes("1:7 - Type 'string' is not assignable to type 'number'."), run.stdout);
    // Execution stopped at the failure: the next cell did not run.
    assert.equal(run.report[0]!.cells.at(-1)!.kind, 'not-run');
    assert.equal(stdoutOf(readNotebook(run.report[0]!.out).cells[3]), '');
  });

  it('reports a thrown error with the throwing source line and the Error message', () => {
    const run = get('thrown-error');
    const rec = failure(run);
    assert.equal(rec.kind, 'error');
    assert.equal(rec.index + 1, 2);
    assert.equal(rec.line, 3);
    assert.match(run.stdout, /cell 2 \(1-based, counting all cells\), line 3: error/);
    assert.ok(run.stdout.includes(">   throw new Error('limit too small: ' + limit);"), run.stdout);
    assert.ok(run.stdout.includes('Error: limit too small: 3'), run.stdout);
    // Outputs up to the failure are kept in the executed copy.
    assert.equal(stdoutOf(readNotebook(run.report[0]!.out).cells[1]), 'checking\n');
  });

  it('reports an exception thrown by a timer in a later cell, saying where it surfaced', () => {
    const run = get('async-throw');
    const rec = failure(run);
    assert.equal(rec.kind, 'uncaught-async');
    assert.equal(rec.index + 1, 2);
    assert.match(run.stdout, /cell 2 \(1-based, counting all cells\): uncaught-async/);
    assert.ok(run.stdout.includes('surfaced in cell 2 while it ran; thrown asynchronously'), run.stdout);
    assert.ok(run.stdout.includes('UncaughtException: Error: late failure from a timer'), run.stdout);
    assert.ok(run.stdout.includes("| await new Promise<void>((resolve) => setTimeout(resolve, 1500));"), run.stdout);
  });

  it('catches an exception thrown by a timer of the last cell', () => {
    const run = get('async-throw-last');
    const rec = failure(run);
    assert.equal(rec.kind, 'uncaught-async');
    assert.equal(rec.index + 1, 2);
    assert.ok(run.stdout.includes('surfaced after cell 2 (the last cell) finished'), run.stdout);
    assert.ok(run.stdout.includes('UncaughtException: Error: late failure from the last cell'), run.stdout);
    assert.ok(run.stdout.includes("|   throw new Error('late failure from the last cell');"), run.stdout);
    // The sentinel cell that caught it is not stored.
    assert.equal(readNotebook(run.report[0]!.out).cells.length, 2);
  });

  // The end of a notebook waits for the timers the last cell left pending (up to a bound), so a failure
  // one second later is not lost; each fixture's last cell returns before it fails.
  for (const [name, kind, message] of [
    ['late-throw-last', 'uncaught-async', 'UncaughtException: Error: thrown a second after the last cell'],
    ['late-reject-last', 'uncaught-async', 'rejected a second after the last cell'],
    ['late-exit-last', 'dead-kernel', 'the kernel died after the last cell finished'],
  ] as const) {
    it(`fails a last cell that ${name.split('-')[1]}s about a second after returning (${kind})`, () => {
      const run = get(name);
      const rec = failure(run);
      assert.equal(rec.kind, kind);
      assert.equal(rec.index + 1, 2, 'blamed on the last cell');
      assert.ok(rec.message.includes(message), rec.message);
    });
  }

  it('times out an infinite loop', () => {
    const run = get('infinite-loop');
    const rec = failure(run);
    assert.equal(rec.kind, 'timeout');
    assert.equal(rec.index + 1, 2);
    assert.match(run.stdout, /cell 2 \(1-based, counting all cells\): timeout/);
    assert.ok(run.stdout.includes('| while (true) {'), run.stdout);
    assert.ok(run.stdout.includes('cell did not finish within 5 s'), run.stdout);
  });

  it('reports a dead kernel after process.exit()', () => {
    const run = get('process-exit');
    const rec = failure(run);
    assert.equal(rec.kind, 'dead-kernel');
    assert.equal(rec.index + 1, 2);
    assert.match(run.stdout, /cell 2 \(1-based, counting all cells\): dead-kernel/);
    assert.ok(run.stdout.includes('| process.exit(3);'), run.stdout);
    assert.ok(run.stdout.includes('the kernel died while running this cell'), run.stdout);
  });

  it('with --keep-going really executes the cells after a failing one', () => {
    const run = get('keep-going');
    const rec = failure(run);
    assert.equal(rec.kind, 'error');
    assert.equal(rec.index + 1, 2);
    assert.deepEqual(run.report[0]!.cells.map((c) => c.kind), ['ok', 'error', 'ok', 'ok']);
    // tslab drops requests arriving within 200 ms of an error: the very next cell must still run.
    const out = readNotebook(run.report[0]!.out);
    assert.equal(stdoutOf(out.cells[2]), 'after the failure\n');
    assert.equal(stdoutOf(out.cells[3]), 'answer 42\n');
  });

  it('exits 2 with a clear message for a missing file, invalid JSON or a non-notebook', () => {
    const bad = path.join(tmp, 'bad.ipynb');
    const notNotebook = path.join(tmp, 'not-a-notebook.ipynb');
    fs.writeFileSync(bad, '{"cells": [');
    fs.writeFileSync(notNotebook, '{"hello": "world"}');
    const cases: [string, RegExp][] = [
      [path.join(tmp, 'missing.ipynb'), /missing\.ipynb: no such file/],
      [bad, /bad\.ipynb: invalid JSON: .* line 1 column 12/],
      [notNotebook, /not-a-notebook\.ipynb: not a Jupyter notebook/],
    ];
    // 200,000 levels of nesting (400 KB) overflow a recursive JSON parser: still a usage error, not a traceback.
    const deep = path.join(tmp, 'deep.ipynb');
    fs.writeFileSync(deep, '['.repeat(200_000) + ']'.repeat(200_000));
    cases.push([deep, /deep\.ipynb: malformed notebook: JSON nested too deeply/]);
    for (const [file, message] of cases) {
      const r = spawnSync(PYTHON, [NBRUN, file, '--out-dir', path.join(tmp, 'usage')], { env: KERNEL_ENV, encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /Traceback|RecursionError/);
    }
  });
});

interface Diagnostic {
  notebook: string;
  cell: number | null;
  line: number | null;
  column: number | null;
  sourceLine: string | null;
  code: number;
  message: string;
}

describe('tools/nbtypecheck', function () {
  this.timeout(60_000);
  const cli = path.join(REPO, 'build', 'tools', 'nbtypecheck.js');
  const strictError = path.join('test', 'fixtures', 'typecheck', 'strict-error.ipynb');
  const clean = path.join('test', 'fixtures', 'typecheck', 'clean.ipynb');

  before(() => {
    // tools/ is its own TypeScript project; build it here in case `tsc -b` at the root skipped it.
    const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-b', path.join(REPO, 'tools')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('reports a strict-mode error with its cell, line and source line', () => {
    const r = spawnSync(process.execPath, [cli, strictError], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`${strictError}: cell 3 (1-based, counting all cells), line 2, column 17: `
      + "error TS7006: Parameter 'x' implicitly has an 'any' type.\n    > function double(x) {"), r.stdout);
  });

  it('skips only cells tagged as deliberately broken, and resolves tfjs and d2l', () => {
    const api = require(cli) as { typecheckNotebooks(paths: string[]): Diagnostic[] };
    const diagnostics = api.typecheckNotebooks([path.join(REPO, strictError), path.join(REPO, clean)]);
    assert.deepEqual(diagnostics.map((d) => [path.basename(d.notebook), d.cell, d.line, d.code]),
      [['strict-error.ipynb', 3, 2, 7006]]);
  });

  it('passes a clean notebook and exits 2 for an unreadable one', () => {
    const ok = spawnSync(process.execPath, [cli, clean], { cwd: REPO, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /0 diagnostics in 1 notebook/);
    const missing = spawnSync(process.execPath, [cli, 'no/such.ipynb'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no\/such\.ipynb: no such file/);
  });
});
