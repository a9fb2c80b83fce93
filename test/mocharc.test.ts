/**
 * `npm test` (.mocharc.json) runs every test file; `npm run test:unit` (.mocharc.unit.json) runs the
 * same set minus an explicit list of files that need Jupyter or Chromium. A new test file is thus
 * in both runs unless it is listed; these checks keep the list honest.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const repo = path.resolve(__dirname, '..', '..');
const config = (name: string) => JSON.parse(fs.readFileSync(path.join(repo, name), 'utf8')) as { spec?: string[]; ignore?: string[] };

describe('test runs: npm test and npm run test:unit', () => {
  const full = config('.mocharc.json');
  const unit = config('.mocharc.unit.json');

  it('both take every compiled test file; only the unit run leaves some out', () => {
    assert.deepEqual(full.spec, ['build/test/**/*.test.js']);
    assert.equal(full.ignore, undefined, 'npm test must run every test file');
    assert.deepEqual(unit.spec, full.spec);
  });

  it('the unit run leaves out only test files that exist (a renamed one must not linger in the list)', () => {
    const left = unit.ignore ?? [];
    assert.ok(left.length > 0);
    for (const file of left) {
      const source = path.join(repo, file.replace(/^build\//, '').replace(/\.js$/, '.ts'));
      assert.ok(fs.existsSync(source), `.mocharc.unit.json leaves out ${file}, but ${path.relative(repo, source)} does not exist: remove it from the list`);
    }
  });
});
