/**
 * The Python tools' unit tests (tools/tests, pytest) as part of `npm test`: diagnosis, region
 * stripping, tamper detection, assembly and reading order, without a kernel.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { PYTHON } from './python';

const repo = path.resolve(__dirname, '..', '..');

describe('tools: Python unit tests (pytest tools/tests)', function () {
  this.timeout(120_000);

  it('all pass', () => {
    const r = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tools/tests'], { cwd: repo, encoding: 'utf8' });
    assert.ok(r.error === undefined, `cannot run ${PYTHON} -m pytest: ${r.error?.message} (run 'npm run setup': it installs python3-pytest)`);
    assert.equal(r.status, 0, `pytest failed:\n${r.stdout}\n${r.stderr}`);
    const summary = /(\d+) passed/.exec(r.stdout);
    assert.ok(summary && Number(summary[1]) >= 20, `expected the unit tests to run:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /\d+ (failed|error)/);
  });
});
