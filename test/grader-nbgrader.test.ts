/**
 * A release made by nbgrader 0.9's generate_assignment (test/fixtures/nbgrader, written by
 * make_release.py from nbgrader's preprocessors and assignments/nbgrader_config.py) grades the same as
 * our own: its test cells lack our "Hidden tests run here" line and its stub differs, and neither may
 * count as tampering. A correct solution scores full marks, the untouched release 0.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PYTHON } from './python';

const repo = path.resolve(__dirname, '..', '..');
const fixtures = path.join(repo, 'test', 'fixtures', 'nbgrader');
const work = path.join(repo, 'build', 'test-grader-nbgrader');
interface Cell { source: string | string[]; metadata: { nbgrader?: { grade_id: string; solution?: boolean } } }
interface Report { score: number; max_score: number; problems: { kind: string }[] }

describe('autograder: notebooks released by nbgrader', function () {
  this.timeout(10 * 60_000);

  for (const name of ['01-adam', '02-yogi', '03-amsgrad']) {
    it(`${name}: a correct solution in nbgrader's release scores full marks, its untouched release 0, nothing tampered`, () => {
      const dir = path.join(work, name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'subs'), { recursive: true });
      const released = fs.readFileSync(path.join(fixtures, `${name}.ipynb`), 'utf8');
      assert.doesNotMatch(released, /Hidden tests run here|BEGIN HIDDEN/);
      const src = JSON.parse(fs.readFileSync(path.join(repo, 'assignments', 'source', `${name}.ipynb`), 'utf8')) as { cells: Cell[] };
      const nb = JSON.parse(released) as { cells: Cell[] };
      for (const cell of nb.cells.filter((c) => c.metadata.nbgrader?.solution)) {
        cell.source = src.cells.find((c) => c.metadata.nbgrader?.grade_id === cell.metadata.nbgrader!.grade_id)!.source;
      }
      fs.writeFileSync(path.join(dir, 'subs', 'correct.ipynb'), JSON.stringify(nb));
      fs.writeFileSync(path.join(dir, 'subs', 'untouched.ipynb'), released);
      const r = spawnSync(PYTHON, [path.join(repo, 'tools', 'grade.py'), '--source', path.join(repo, 'assignments', 'source', `${name}.ipynb`),
        path.join(dir, 'subs'), '--out', path.join(dir, 'out'), '--jobs', '2', '--timeout', '20'], { cwd: repo, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const report = (s: string) => JSON.parse(fs.readFileSync(path.join(dir, 'out', `${s}.json`), 'utf8')) as Report;
      const correct = report('correct');
      assert.equal(correct.score, correct.max_score, JSON.stringify(correct));
      assert.equal(correct.max_score, 8);
      assert.equal(report('untouched').score, 0);
      for (const s of ['correct', 'untouched']) assert.ok(!report(s).problems.some((p) => p.kind === 'tampered'), s);
      assert.ok(report('untouched').problems.some((p) => p.kind === 'not-attempted'), "nbgrader's stub counts as not attempted");
    });
  }
});

describe('autograder: where bubblewrap is missing', function () {
  this.timeout(60_000);

  it('refuses, naming the package to install and the --unsandboxed way out, and writes nothing', () => {
    const out = path.join(work, 'no-bwrap');
    fs.rmSync(out, { recursive: true, force: true });
    const r = spawnSync(PYTHON, [path.join(repo, 'tools', 'grade.py'), '--source', path.join(repo, 'assignments', 'source', '01-adam.ipynb'),
      path.join(fixtures, '01-adam.ipynb'), '--out', out], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /install the Debian package 'bubblewrap'/);
    assert.match(r.stderr, /--unsandboxed/);
    assert.ok(!fs.existsSync(out));
  });
});

describe('autograder: where bubblewrap cannot build its sandbox', function () {
  this.timeout(60_000);

  it('refuses before any kernel starts, quoting bubblewrap and saying what to do, and writes nothing', () => {
    // A bwrap that fails as the real one does in a chroot or with user namespaces disabled.
    const bin = path.join(work, 'broken-bwrap');
    fs.rmSync(bin, { recursive: true, force: true });
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'bwrap'),
      '#!/bin/sh\necho "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n',
      { mode: 0o755 });
    const out = path.join(work, 'broken-bwrap-out');
    fs.rmSync(out, { recursive: true, force: true });
    const r = spawnSync(PYTHON, [path.join(repo, 'tools', 'grade.py'), '--source', path.join(repo, 'assignments', 'source', '01-adam.ipynb'),
      path.join(fixtures, '01-adam.ipynb'), '--out', out], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot create the grading sandbox/);
    assert.match(r.stderr, /No permissions to create new namespace/);
    assert.match(r.stderr, /--unsandboxed/);
    assert.doesNotMatch(r.stdout, /grading \d+ submission/);
    assert.ok(!fs.existsSync(out));
  });
});
