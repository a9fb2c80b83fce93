/**
 * Classroom assignments: tools/assign.py makes the student release of assignments/source/*.ipynb and
 * tools/grade.py grades submissions on the tslab kernel against the source's own tests.
 *
 * Submissions are generated here from the release and the source: the reference solution filled
 * into the release, the untouched release, plausible bugs, tampered or deleted tests, an infinite
 * loop, a crash, a type error, a missing solution cell. Each graded test cell must pass or fail
 * exactly as listed. Everything is written under build/test-assignments (inside the repo, so the
 * kernel resolves '@tensorflow/tfjs' and 'd2l' from node_modules).
 */
import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PYTHON } from './python';

const repo = path.resolve(__dirname, '..', '..');
const python = PYTHON;
const sourceDir = path.join(repo, 'assignments', 'source');
const work = path.join(repo, 'build', 'test-assignments');
const releaseDir = path.join(work, 'release');

// ---------------------------------------------------------------------------------------------
// Notebooks and reports

interface NbgraderMeta {
  grade: boolean;
  solution: boolean;
  locked: boolean;
  grade_id: string;
  points?: number;
  schema_version: number;
  checksum?: string;
}
interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  metadata: { nbgrader?: NbgraderMeta; editable?: boolean; deletable?: boolean; [key: string]: unknown };
  outputs?: unknown[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}
interface TestResult {
  grade_id: string;
  points: number;
  max_points: number;
  passed: boolean;
  status: 'passed' | 'failed' | 'tampered';
  kind: string;
  reason: string;
  message: string;
  hidden_tests: boolean;
  tampered: string | null;
  original_test_passed?: boolean;
  earlier_failures?: string[];
}
interface Problem {
  kind: string;
  severity: 'error' | 'warning' | 'info';
  where: string;
  message: string;
  seconds?: number;
}
interface Report {
  student: string;
  assignment: string;
  score: number;
  max_score: number;
  tests: TestResult[];
  problems: Problem[];
  execution: { seconds: number; passes: number; notes: string[] };
  submission: { path: string; sha256: string };
}

const text = (source: string | string[]): string => (Array.isArray(source) ? source.join('') : source);
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const writeNotebook = (file: string, nb: Notebook): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb, null, 1) + '\n');
};
const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const sources = fs.readdirSync(sourceDir).filter((f) => f.endsWith('.ipynb')).sort();

function cellById(nb: Notebook, gradeId: string): Cell {
  const cell = nb.cells.find((c) => c.metadata.nbgrader?.grade_id === gradeId);
  assert.ok(cell, `no cell with grade_id '${gradeId}'`);
  return cell;
}

/** Lines strictly between `begin` and `end` marker lines, trimmed (`startInside`: as if the text began with `begin`). */
function regionLines(source: string, begin: string, end: string, startInside = false): string[] {
  const out: string[] = [];
  let inside = startInside;
  for (const line of source.split('\n')) {
    if (line.trim() === begin) inside = true;
    else if (line.trim() === end) inside = false;
    else if (inside) out.push(line.trim());
  }
  return out;
}

/** nbgrader's checksum (nbgrader/utils.py compute_checksum), written here independently of assign.py. */
function nbgraderChecksum(cell: Cell): string {
  const m = cell.metadata.nbgrader!;
  const locked = m.solution ? false : m.grade ? true : m.locked;
  const py = (b: boolean) => (b ? 'True' : 'False');
  const points = m.grade ? (Number.isInteger(m.points) ? m.points!.toFixed(1) : String(m.points)) : '';
  return crypto.createHash('md5')
    .update(text(cell.source) + cell.cell_type + py(m.grade) + py(m.solution) + py(locked) + m.grade_id + points, 'utf8')
    .digest('hex');
}

function run(tool: 'assign' | 'grade', args: string[]): { status: number | null; stdout: string; stderr: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync(python, [path.join(repo, 'tools', `${tool}.py`), ...args], { cwd: repo, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** Replace `from` by `to` in `code`, which must contain it (so a stale mutation cannot pass silently). */
function mutate(code: string, from: string, to: string): string {
  assert.ok(code.includes(from), `the reference solution no longer contains ${JSON.stringify(from)}`);
  return code.split(from).join(to);
}

/** A student's notebook: the release with these solution cells filled in, then optionally edited. */
function submission(assignment: string, solutions: Record<string, string>, edit?: (nb: Notebook) => void): Notebook {
  const nb = readJson<Notebook>(path.join(releaseDir, assignment));
  for (const [gradeId, code] of Object.entries(solutions)) cellById(nb, gradeId).source = code;
  edit?.(nb);
  return nb;
}

/** The source's solution cell text (markers included: they are comments). */
const solutionOf = (assignment: string, gradeId: string): string =>
  text(cellById(readJson<Notebook>(path.join(sourceDir, assignment)), gradeId).source);

const report = (outDir: string, student: string): Report => readJson<Report>(path.join(outDir, `${student}.json`));
const passMap = (r: Report): Record<string, boolean> => Object.fromEntries(r.tests.map((t) => [t.grade_id, t.status === 'passed']));

function runAsync(tool: 'assign' | 'grade', args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(repo, 'tools', `${tool}.py`), ...args], { cwd: repo });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

/** Write generated submissions into a fresh folder; `unchanged()` compares their hashes with now. */
function writeFolder(name: string, subs: Record<string, Notebook>): { dir: string; unchanged: () => boolean } {
  const dir = path.join(work, 'submissions', name);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [student, nb] of Object.entries(subs)) writeNotebook(path.join(dir, `${student}.ipynb`), nb);
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const before = files.map(sha256);
  return { dir, unchanged: () => files.every((f, i) => sha256(f) === before[i]) };
}

/** Grade a folder of generated submissions; returns the run and whether the submissions kept their hashes. */
function gradeFolder(assignment: string, subs: Record<string, Notebook>, outDir: string, args: string[]) {
  const folder = writeFolder(path.basename(outDir), subs);
  const result = run('grade', ['--source', path.join(sourceDir, assignment), folder.dir, '--out', outDir, ...args]);
  return { result, dir: folder.dir, unchanged: folder.unchanged() };
}

describe('classroom assignments', function () {
  before(function () {
    this.timeout(60_000);
    const kernel = path.join(repo, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
    assert.ok(fs.existsSync(kernel), `no tslab kernelspec at ${kernel}: run 'npm run setup' first`);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    const r = run('assign', ['--out', releaseDir]);
    assert.equal(r.status, 0, `assign.py failed:\n${r.stdout}\n${r.stderr}`);
  });

  // ---------------------------------------------------------------------------------------------

  describe('assignments: the student release (tools/assign.py)', function () {
    this.timeout(120_000);

    it('releases every source notebook under its own name, with outputs cleared', () => {
      assert.ok(sources.length >= 4, 'Adam, Yogi, AMSGrad and the bias-correction-free Adam');
      for (const name of sources) {
        const src = readJson<Notebook>(path.join(sourceDir, name));
        const rel = readJson<Notebook>(path.join(releaseDir, name));
        assert.equal(rel.cells.length, src.cells.length, name);
        for (const cell of rel.cells.filter((c) => c.cell_type === 'code')) {
          assert.deepEqual(cell.outputs, [], `${name}: outputs left in the release`);
          assert.equal(cell.execution_count, null);
        }
        // Source notebooks are committed without outputs too.
        for (const cell of src.cells.filter((c) => c.cell_type === 'code')) assert.deepEqual(cell.outputs, [], `${name} source has outputs`);
      }
    });

    it('replaces every solution region by a stub that throws "Not implemented", leaking none of its lines', () => {
      for (const name of sources) {
        const src = readJson<Notebook>(path.join(sourceDir, name));
        const rel = readJson<Notebook>(path.join(releaseDir, name));
        const released = JSON.stringify(rel.cells.map((c) => text(c.source)));
        const solutions = src.cells.filter((c) => c.metadata.nbgrader?.solution);
        assert.ok(solutions.length > 0, `${name} has no solution cell`);
        for (const cell of solutions) {
          const gradeId = cell.metadata.nbgrader!.grade_id;
          const stub = text(cellById(rel, gradeId).source);
          assert.match(stub, /throw new Error\('Not implemented: \w+ — replace this line with your solution'\);/, `${name} ${gradeId}`);
          assert.doesNotMatch(stub, /BEGIN SOLUTION|END SOLUTION/);
          for (const line of regionLines(text(cell.source), '// BEGIN SOLUTION', '// END SOLUTION').filter((l) => l.length > 20)) {
            assert.ok(!released.includes(JSON.stringify(line).slice(1, -1)), `${name}: solution line leaked: ${line}`);
          }
        }
        // The stubs name their function: AMSGrad has two regions in one cell.
        if (name.includes('amsgrad')) {
          const stub = text(cellById(rel, 'amsgrad').source);
          assert.match(stub, /Not implemented: initAmsgradStates/);
          assert.match(stub, /Not implemented: amsgrad /);
        }
      }
    });

    it('removes the hidden tests and keeps the visible ones', () => {
      let hiddenCells = 0;
      for (const name of sources) {
        const src = readJson<Notebook>(path.join(sourceDir, name));
        const rel = readJson<Notebook>(path.join(releaseDir, name));
        const released = JSON.stringify(rel.cells.map((c) => text(c.source)));
        // Lines that also appear outside every hidden region (a shared declaration, say) are no secret.
        const outside = new Set(src.cells.flatMap((c) => regionLines(text(c.source), '// END HIDDEN TESTS', '// BEGIN HIDDEN TESTS', true)));
        for (const cell of src.cells.filter((c) => c.metadata.nbgrader?.grade)) {
          const source = text(cell.source);
          const hidden = regionLines(source, '// BEGIN HIDDEN TESTS', '// END HIDDEN TESTS');
          const relText = text(cellById(rel, cell.metadata.nbgrader!.grade_id).source);
          assert.doesNotMatch(relText, /HIDDEN TESTS/);
          if (hidden.length === 0) {
            assert.equal(relText, source, 'a test cell without hidden tests is released as it is');
            continue;
          }
          hiddenCells++;
          assert.match(relText, /Hidden tests run here when your notebook is graded\./);
          for (const line of hidden.filter((l) => l.length > 20 && !outside.has(l))) {
            assert.ok(!released.includes(JSON.stringify(line).slice(1, -1)), `${name}: hidden test line leaked: ${line}`);
          }
          const visible = source.split('\n').filter((l) => l.trim().startsWith('expect')).filter((l) => !hidden.includes(l.trim()));
          for (const line of visible) assert.ok(relText.includes(line), `${name}: visible test line missing: ${line}`);
        }
      }
      assert.ok(hiddenCells >= 8, `only ${hiddenCells} test cells have hidden tests`);
    });

    it("fingerprints locked cells with nbgrader's checksum and locks them for Jupyter", () => {
      for (const name of sources) {
        const rel = readJson<Notebook>(path.join(releaseDir, name));
        assert.equal((rel.metadata['d2l_assignment'] as { source_sha256: string }).source_sha256, sha256(path.join(sourceDir, name)));
        for (const cell of rel.cells.filter((c) => c.metadata.nbgrader)) {
          const m = cell.metadata.nbgrader!;
          assert.equal(m.schema_version, 3);
          assert.equal(m.checksum, nbgraderChecksum(cell), `${name} ${m.grade_id}: checksum`);
          if (m.grade) assert.ok(m.locked && (m.points ?? 0) > 0, `${name} ${m.grade_id}: graded cells are locked and worth points`);
          if (m.locked) {
            assert.equal(cell.metadata.editable, false);
            assert.equal(cell.metadata.deletable, false);
          }
        }
      }
    });

    it('refuses to overwrite an existing release without --force, and rewrites it with --force', () => {
      const file = path.join(releaseDir, sources[0]!);
      const released = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, 'an instructor edit');
      const refused = run('assign', ['--out', releaseDir]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /exists \(use --force/);
      assert.equal(fs.readFileSync(file, 'utf8'), 'an instructor edit', 'nothing written without --force');
      const forced = run('assign', ['--out', releaseDir, '--force']);
      assert.equal(forced.status, 0, forced.stderr);
      assert.equal(fs.readFileSync(file, 'utf8'), released, 'the release is reproducible');
      assert.deepEqual(fs.readdirSync(releaseDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
    });

    it('rejects a malformed source with a clear error and writes nothing', () => {
      const dir = path.join(work, 'bad-source');
      const nb = readJson<Notebook>(path.join(sourceDir, sources[0]!));
      const solution = nb.cells.find((c) => c.metadata.nbgrader?.solution)!;
      solution.source = text(solution.source).replace('// END SOLUTION', '');
      writeNotebook(path.join(dir, 'unclosed.ipynb'), nb);
      fs.writeFileSync(path.join(dir, 'broken.ipynb'), '{"cells": [');
      const out = path.join(work, 'bad-release');
      const r = run('assign', [dir, '--out', out]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /unclosed\.ipynb: cell \d+ \(\S+\): line \d+: "\/\/ BEGIN SOLUTION" is never closed/);
      assert.match(r.stderr, /broken\.ipynb: invalid JSON/);
      assert.ok(!fs.existsSync(out), 'nothing written');
    });

    it('type-checks the sources and the release in strict mode (tools/nbtypecheck)', () => {
      const checker = path.join(repo, 'build', 'tools', 'nbtypecheck.js');
      if (!fs.existsSync(checker)) {
        const tsc = spawnSync(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(repo, 'tools')], { encoding: 'utf8' });
        assert.equal(tsc.status, 0, `building tools/nbtypecheck.ts failed:\n${tsc.stdout}`);
      }
      const notebooks = [...sources.map((f) => path.join(sourceDir, f)), ...sources.map((f) => path.join(releaseDir, f))];
      const r = spawnSync(process.execPath, [checker, ...notebooks], { cwd: repo, encoding: 'utf8' });
      assert.equal(r.status, 0, `strict type errors:\n${r.stdout}\n${r.stderr}`);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('assignments: grading a class of ten (tools/grade.py, 01-adam)', function () {
    this.timeout(10 * 60_000);
    const name = '01-adam.ipynb';
    const out = path.join(work, 'graded', 'adam');
    const ids = ['test-adam-first-step', 'test-adam-state', 'test-adam-counter', 'test-adam-steps'];
    const timeout = 10;
  const maxSeconds = 120;
    let graded: ReturnType<typeof gradeFolder>;

    before(function () {
      const ref = solutionOf(name, 'adam');
      const adam = (code: string, edit?: (nb: Notebook) => void) => submission(name, { adam: code }, edit);
      const subs: Record<string, Notebook> = {
        'alice-reference': adam(ref),
        'bob-untouched': submission(name, {}),
        'carol-no-bias-correction': adam(mutate(mutate(ref,
          'v.div(1 - beta1 ** hyperparams.t)', 'v'), 's.div(1 - beta2 ** hyperparams.t)', 's')),
        'dave-t-never-incremented': adam(mutate(ref, 'hyperparams.t += 1;', '')),
        // Counts two steps per call, and "fixes" the visible counter test to hide it.
        'erin-tampered-test': adam(mutate(ref, 'hyperparams.t += 1;', 'hyperparams.t += 2;'), (nb) => {
          cellById(nb, 'test-adam-counter').source = "// Test (1 point)\nconsole.log('all good');";
        }),
        // A scratch cell that never ends, right after the solution.
        'frank-infinite-loop': adam(ref, (nb) => {
          const at = nb.cells.indexOf(cellById(nb, 'adam')) + 1;
          nb.cells.splice(at, 0, { id: 'scratch', cell_type: 'code', metadata: {}, source: 'while (true) {}', outputs: [], execution_count: null });
        }),
        'grace-missing-solution': adam(ref, (nb) => { nb.cells = nb.cells.filter((c) => c.metadata.nbgrader?.grade_id !== 'adam'); }),
        'heidi-type-error': adam(mutate(ref, 'const [v, s] = states[i];', "const [v, s] = states[i];\n    const lr: number = 'fast';")),
        // Deletes the visible state test and the fully hidden multi-step test cell.
        'ivan-deleted-tests': adam(ref, (nb) => {
          nb.cells = nb.cells.filter((c) => !['test-adam-state', 'test-adam-steps'].includes(c.metadata.nbgrader?.grade_id ?? ''));
        }),
        // Kills the kernel from the fourth step on.
        'judy-kernel-exit': adam(mutate(ref, 'hyperparams.t += 1;', 'hyperparams.t += 1;\n  if (hyperparams.t > 3) process.exit(1);')),
      };
      graded = gradeFolder(name, subs, out, ['--timeout', String(timeout), '--max-seconds', String(maxSeconds), '--jobs', '2']);
    });

    it('grades all ten unattended: exit 0, a report, a summary and a graded notebook each, one CSV row each', () => {
      const { result } = graded;
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
      const students = fs.readdirSync(graded.dir).map((f) => f.replace(/\.ipynb$/, '')).sort();
      assert.equal(students.length, 10);
      for (const s of students) {
        for (const ext of ['.json', '.txt', '.graded.ipynb']) assert.ok(fs.existsSync(path.join(out, s + ext)), `${s}${ext}`);
        assert.equal(report(out, s).student, s, 'student id = file name stem');
      }
      const csv = fs.readFileSync(path.join(out, 'grades.csv'), 'utf8').trim().split('\n');
      assert.equal(csv[0], ['student', 'score', 'max_score', ...ids, 'problems', 'submission_sha256'].join(','));
      assert.deepEqual(csv.slice(1).map((row) => row.split(',')[0]), students);
      const row = (s: string) => csv.find((r) => r.startsWith(s + ','))!.split(',');
      assert.deepEqual(row('alice-reference').slice(0, 7), ['alice-reference', '8', '8', '2', '2', '1', '3']);
      assert.deepEqual(row('dave-t-never-incremented').slice(0, 7), ['dave-t-never-incremented', '4', '8', '2', '2', '0', '0']);
      console.log(`      (graded 10 submissions in ${result.seconds.toFixed(1)} s with --jobs 2)`);
    });

    it('never modifies a submission', () => {
      assert.ok(graded.unchanged, 'a submission file changed');
    });

    it('gives the reference solution full marks and the untouched release zero, naming every failure', () => {
      const ref = report(out, 'alice-reference');
      assert.equal(ref.score, 8);
      assert.equal(ref.max_score, 8);
      assert.deepEqual(ref.problems.filter((p) => p.severity !== 'info'), []);
      const none = report(out, 'bob-untouched');
      assert.equal(none.score, 0);
      for (const t of none.tests) {
        assert.equal(t.status, 'failed');
        assert.match(t.reason, /Not implemented: adam/, `${t.grade_id}: ${t.reason}`);
      }
      assert.ok(none.problems.some((p) => p.kind === 'not-attempted'));
      assert.match(fs.readFileSync(path.join(out, 'bob-untouched.txt'), 'utf8'), /Score: 0 \/ 8[\s\S]*FAIL\s+0\/2\s+test-adam-first-step\s*\n\s+Error: Not implemented: adam/);
    });

    it('fails exactly the tests a plausible bug should fail', () => {
      assert.deepEqual(passMap(report(out, 'carol-no-bias-correction')),
        { 'test-adam-first-step': false, 'test-adam-state': true, 'test-adam-counter': true, 'test-adam-steps': false });
      assert.deepEqual(passMap(report(out, 'dave-t-never-incremented')),
        { 'test-adam-first-step': true, 'test-adam-state': true, 'test-adam-counter': false, 'test-adam-steps': false });
      assert.equal(report(out, 'carol-no-bias-correction').score, 3);
      const dave = report(out, 'dave-t-never-incremented').tests.find((t) => t.grade_id === 'test-adam-counter')!;
      assert.match(dave.reason, /t after one call: got 1, expected 2/);
    });

    it('detects and reports a tampered locked test cell: it scores 0 and the original test still runs', () => {
      const r = report(out, 'erin-tampered-test');
      assert.deepEqual(passMap(r), { 'test-adam-first-step': true, 'test-adam-state': true, 'test-adam-counter': false, 'test-adam-steps': false });
      const counter = r.tests.find((t) => t.grade_id === 'test-adam-counter')!;
      assert.equal(counter.status, 'tampered');
      assert.equal(counter.tampered, 'source changed');
      assert.equal(counter.original_test_passed, false, 'the original test caught the t += 2 bug');
      assert.ok(r.problems.some((p) => p.kind === 'tampered' && p.where === "test cell 'test-adam-counter'" && p.severity === 'error'));
      assert.match(fs.readFileSync(path.join(out, 'grades.csv'), 'utf8'), /erin-tampered-test,4,8,.*tampered: test cell 'test-adam-counter'/);
    });

    it('re-inserts deleted tests from the source (hidden ones included), so deleting them gains nothing', () => {
      const r = report(out, 'ivan-deleted-tests');
      assert.equal(r.score, 3);
      for (const id of ['test-adam-state', 'test-adam-steps']) {
        const t = r.tests.find((x) => x.grade_id === id)!;
        assert.equal(t.status, 'tampered');
        assert.equal(t.tampered, 'deleted from the submission');
        assert.equal(t.original_test_passed, true);
      }
    });

    it('--on-tamper regrade grades a tampered cell from the original instead, still reporting it', () => {
      const out2 = path.join(work, 'graded', 'adam-regrade');
      const r = run('grade', ['--source', path.join(sourceDir, name), path.join(graded.dir, 'ivan-deleted-tests.ipynb'), '--out', out2, '--on-tamper', 'regrade']);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const regraded = report(out2, 'ivan-deleted-tests');
      assert.equal(regraded.score, 8);
      assert.equal(regraded.problems.filter((p) => p.kind === 'tampered').length, 2);
    });

    it('an infinite loop costs only its own cell: it times out, is named, and everything else is graded', () => {
      const r = report(out, 'frank-infinite-loop');
      assert.equal(r.score, 8, 'the tests after the loop ran with the solution replayed');
      const loop = r.problems.find((p) => p.kind === 'timeout');
      assert.ok(loop, 'the timeout is reported');
      // Stopped after the timeout (the record includes restarting the kernel).
      assert.ok(loop.seconds! >= timeout && loop.seconds! < timeout + 40, `the loop ran ${loop.seconds} s`);
      assert.equal(loop.where, `cell ${readJson<Notebook>(path.join(graded.dir, 'frank-infinite-loop.ipynb')).cells.findIndex((c) => c.id === 'scratch') + 1} of the submission (added by the student)`);
      assert.match(loop.message, new RegExp(`did not finish within ${timeout} s`));
      assert.equal(r.execution.passes, 2);
      // The documented bound: no new pass after --max-seconds, a pass takes at most code cells × timeout.
      const codeCells = 9;
      assert.ok(r.execution.seconds < maxSeconds + codeCells * timeout, `graded in ${r.execution.seconds} s`);
    });

    it('a crash (the kernel exits) fails only the tests that crash, and says so', () => {
      const r = report(out, 'judy-kernel-exit');
      assert.deepEqual(passMap(r), { 'test-adam-first-step': true, 'test-adam-state': true, 'test-adam-counter': false, 'test-adam-steps': false });
      for (const t of r.tests.filter((x) => !x.passed)) {
        assert.equal(t.kind, 'dead-kernel');
        assert.match(t.reason, /the kernel died/);
      }
    });

    it('names a type error in the solution and a missing solution cell as the cause of the failing tests', () => {
      const typed = report(out, 'heidi-type-error');
      assert.equal(typed.score, 0);
      const cause = typed.problems.find((p) => p.where === "solution cell 'adam'")!;
      assert.match(cause.message, /type error: \d+:\d+ - Type 'string' is not assignable to type 'number'/);
      for (const t of typed.tests) assert.match(t.earlier_failures?.[0] ?? '', /solution cell 'adam': type error/);
      const missing = report(out, 'grace-missing-solution');
      assert.equal(missing.score, 0);
      assert.ok(missing.problems.some((p) => p.kind === 'missing-solution' && p.where === "solution cell 'adam'"));
      for (const t of missing.tests) assert.match(t.reason, /your notebook does not define adam\(\)/);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('assignments: grading Yogi, AMSGrad and the bias-correction-free Adam (three graders at once)', function () {
    this.timeout(10 * 60_000);
    const yogi = '02-yogi.ipynb', ams = '03-amsgrad.ipynb', nobias = '04-adam-no-bias-correction.ipynb';
    const outs = { yogi: path.join(work, 'graded', 'yogi'), ams: path.join(work, 'graded', 'amsgrad'), nobias: path.join(work, 'graded', 'nobias') };
    let runs: Record<keyof typeof outs, Awaited<ReturnType<typeof runAsync>>>;
    let unchanged: () => boolean;

    before(async () => {
      const yogiRef = solutionOf(yogi, 'yogi');
      const amsRef = solutionOf(ams, 'amsgrad');
      const folders = {
        yogi: writeFolder('yogi', {
          reference: submission(yogi, { yogi: yogiRef }),
          'source-itself': readJson<Notebook>(path.join(sourceDir, yogi)),
          'no-g2-factor': submission(yogi, { yogi: mutate(yogiRef, 'g2.sub(s).sign().mul(g2).mul(1 - beta2)', 'g2.sub(s).sign().mul(1 - beta2)') }),
        }),
        ams: writeFolder('amsgrad', {
          reference: submission(ams, { amsgrad: amsRef }),
          untouched: submission(ams, {}),
          'no-max': submission(ams, { amsgrad: mutate(amsRef, 'const sHat = sMax.div(', 'const sHat = s.div(') }),
        }),
        nobias: writeFolder('nobias', {
          reference: submission(nobias, { 'adam-no-bias': solutionOf(nobias, 'adam-no-bias') }),
          'plain-adam': submission(nobias, { 'adam-no-bias': mutate(solutionOf('01-adam.ipynb', 'adam'), 'function adam(', 'function adamNoBias(') }),
        }),
      };
      fs.writeFileSync(path.join(folders.nobias.dir, 'corrupt.ipynb'), '{"cells": [');
      unchanged = () => Object.values(folders).every((f) => f.unchanged());
      const grade = (source: string, f: { dir: string }, out: string, extra: string[] = []) =>
        runAsync('grade', ['--source', path.join(sourceDir, source), f.dir, '--out', out, ...extra]);
      const [y, a, n] = await Promise.all([
        grade(yogi, folders.yogi, outs.yogi), grade(ams, folders.ams, outs.ams), grade(nobias, folders.nobias, outs.nobias, ['--skip-invalid']),
      ]);
      runs = { yogi: y!, ams: a!, nobias: n! };
    });

    it('never modifies a submission', () => {
      assert.ok(unchanged(), 'a submission file changed');
    });

    it('02-yogi: the source itself and the filled-in release score full marks; Yogi without the g² factor fails exactly its value tests', () => {
      assert.equal(runs.yogi.status, 0, `${runs.yogi.stdout}\n${runs.yogi.stderr}`);
      for (const s of ['reference', 'source-itself']) {
        const r = report(outs.yogi, s);
        assert.equal(r.score, r.max_score, `${s}: ${JSON.stringify(r.tests.filter((t) => !t.passed))}`);
        assert.ok(!r.problems.some((p) => p.kind === 'tampered'), "the source's own test cells are not tampering");
      }
      assert.deepEqual(passMap(report(outs.yogi, 'no-g2-factor')),
        { 'test-yogi-first-step': false, 'test-yogi-second-moment': false, 'test-yogi-counter': true, 'test-yogi-steps': false });
    });

    it('03-amsgrad: reference full marks, untouched zero, dividing by s instead of sMax fails the max and multi-step tests', () => {
      assert.equal(runs.ams.status, 0, `${runs.ams.stdout}\n${runs.ams.stderr}`);
      assert.equal(report(outs.ams, 'reference').score, 8);
      const untouched = report(outs.ams, 'untouched');
      assert.equal(untouched.score, 0);
      assert.match(untouched.tests.find((t) => t.grade_id === 'test-amsgrad-init')!.reason, /Not implemented: initAmsgradStates/);
      assert.deepEqual(passMap(report(outs.ams, 'no-max')), {
        'test-amsgrad-init': true, 'test-amsgrad-first-step': true, 'test-amsgrad-max': false,
        'test-amsgrad-counter': true, 'test-amsgrad-steps': false,
      });
    });

    it('04-adam-no-bias-correction: reference full marks; plain Adam (raw averages in the state) fails; --skip-invalid grades the rest of a folder', () => {
      const r = runs.nobias;
      assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /corrupt\.ipynb: invalid JSON.*nothing written for 'corrupt'/);
      assert.ok(!fs.existsSync(path.join(outs.nobias, 'corrupt.json')));
      assert.equal(report(outs.nobias, 'reference').score, 7);
      assert.deepEqual(passMap(report(outs.nobias, 'plain-adam')),
        { 'test-nobias-first-step': false, 'test-nobias-state': false, 'test-nobias-counter': true, 'test-nobias-steps': false });
      const rows = fs.readFileSync(path.join(outs.nobias, 'grades.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
      assert.deepEqual(rows, ['plain-adam', 'reference']);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('assignments: malformed input is rejected before grading, with no partial report', function () {
    this.timeout(60_000);
    const source = path.join(sourceDir, '01-adam.ipynb');

    const cases = [
      ['invalid JSON', 'broken.ipynb', '{"cells": [', /broken\.ipynb: invalid JSON: .* at line 1 column \d+/],
      ['JSON that is not a notebook', 'essay.ipynb', '{"title": "my essay", "text": "..."}', /essay\.ipynb: not a Jupyter notebook/],
      ['a notebook with a malformed cell', 'odd.ipynb', '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 5}]}', /odd\.ipynb: not a valid notebook/],
      // 200,000 levels (400 KB) used to crash the whole run with a RecursionError, even with --skip-invalid.
      ['JSON nested 200,000 levels deep', 'deep.ipynb', '['.repeat(200_000) + ']'.repeat(200_000), /deep\.ipynb: malformed notebook: JSON nested too deeply/],
    ] as const;
    for (const [label, file, content, message] of cases) {
      it(`${label}: exit 2, the file and the reason named, nothing written`, () => {
        const dir = path.join(work, 'malformed', file.replace('.ipynb', ''));
        fs.rmSync(dir, { recursive: true, force: true });
        writeNotebook(path.join(dir, 'good.ipynb'), submission('01-adam.ipynb', {}));
        fs.writeFileSync(path.join(dir, file), content);
        const out = path.join(dir, '..', `${file}-out`);
        fs.rmSync(out, { recursive: true, force: true });
        for (const target of [dir, path.join(dir, file)]) {
          const r = run('grade', ['--source', source, target, '--out', out]);
          assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
          assert.match(r.stderr, message);
          assert.match(r.stderr, /nothing graded/);
          assert.doesNotMatch(r.stderr, /Traceback/);
          assert.ok(!fs.existsSync(out), 'no report, no CSV');
        }
      });
    }

    it('--skip-invalid grades the valid notebook of a folder holding all of these, naming each bad one (exit 1)', () => {
      const dir = path.join(work, 'malformed', 'all');
      fs.rmSync(dir, { recursive: true, force: true });
      writeNotebook(path.join(dir, 'good.ipynb'), submission('01-adam.ipynb', {}));
      for (const [, file, content] of cases) fs.writeFileSync(path.join(dir, file), content);
      const out = path.join(dir, '..', 'all-out');
      fs.rmSync(out, { recursive: true, force: true });
      const skipped = run('grade', ['--source', source, dir, '--out', out, '--skip-invalid']);
      assert.equal(skipped.status, 1, `${skipped.stdout}\n${skipped.stderr}`);
      for (const [, file, , message] of cases) {
        assert.match(skipped.stderr, message);
        assert.ok(!fs.existsSync(path.join(out, file.replace('.ipynb', '.json'))), `a report for ${file}`);
      }
      assert.doesNotMatch(skipped.stderr, /Traceback/);
      assert.ok(fs.existsSync(path.join(out, 'good.json')));
    });

    it('an invalid source, a missing submission or an empty folder: exit 2 with a clear message', () => {
      const empty = path.join(work, 'malformed', 'empty');
      fs.mkdirSync(empty, { recursive: true });
      const badSource = path.join(work, 'malformed', 'bad-source.ipynb');
      fs.writeFileSync(badSource, '{"cells": [');
      const cases: [string[], RegExp][] = [
        [['--source', badSource, empty], /invalid source: .*invalid JSON/],
        [['--source', source, path.join(work, 'no-such.ipynb')], /no-such\.ipynb: no such file/],
        [['--source', source, empty], /empty: no \.ipynb files in this folder/],
      ];
      for (const [args, message] of cases) {
        const r = run('grade', [...args, '--out', path.join(work, 'malformed', 'never')]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, message);
      }
      assert.ok(!fs.existsSync(path.join(work, 'malformed', 'never')));
    });
  });
});
