/**
 * bench/bench.ts times trainCh11 with its own copy of the chapter's from-scratch `adam` (the bench
 * cannot import a notebook cell). The copy must stay the notebook's code: compare the two function
 * texts, ignoring layout and the non-null assertions strict mode needs (tslab compiles leniently).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const repo = path.resolve(__dirname, '..', '..');

/** The text of `function <name>(…) {…}` in `source`, by matching braces from its header. */
function functionText(source: string, name: string): string {
  const start = source.search(new RegExp(`\\bfunction ${name}\\(`));
  assert.ok(start >= 0, `no function ${name} found`);
  const open = source.indexOf('{', source.indexOf(')', start));
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}' && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error(`function ${name} is not closed`);
}

const normalize = (code: string): string => code.replace(/([\])])!/g, '$1').replace(/\s+/g, ' ').trim();

describe("bench: the chapter loop times the notebook's adam", () => {
  it('bench/bench.ts has the same adam as notebooks/01-adam.ipynb', () => {
    const nb = JSON.parse(fs.readFileSync(path.join(repo, 'notebooks', '01-adam.ipynb'), 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
    const cells = nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source)).filter((s) => /\bfunction adam\(/.test(s));
    assert.equal(cells.length, 1, 'exactly one cell of notebook 01 defines adam');
    const bench = fs.readFileSync(path.join(repo, 'bench', 'bench.ts'), 'utf8');
    assert.equal(normalize(functionText(bench, 'adam')), normalize(functionText(cells[0]!, 'adam')));
  });
});
