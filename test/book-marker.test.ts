/**
 * The lib marks the output that inlines plotly.js, and tools/book.py drops outputs carrying that
 * mark when it builds pages (they load one shared copy). The two name the mark separately, in
 * TypeScript and in Python: run book.py's own stripping on the lib's own outputs so that a change
 * to either side that breaks the pair fails here, without a kernel or a browser.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as d2l from 'd2l';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.resolve(__dirname, '..', '..');

describe("the plotly.js marker: lib/src/figure.ts and tools/book.py agree", () => {
  it("book.py drops the lib's inlined bundle and keeps its figures", () => {
    const bundle = d2l.plotlyBundleHtml('/* plotly.js stand-in */');
    const figure = d2l.figureHtml(d2l.lineFigure([0, 1], [[1, 2]], { legend: ['loss'] }), 'f1');
    const output = (html: string) => ({ output_type: 'display_data', metadata: {}, data: { 'text/html': html, 'text/plain': '' } });
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'code', id: 'c1', metadata: {}, execution_count: null, source: '', outputs: [output(bundle), output(figure)] }],
    };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-marker-'));
    try {
      const file = path.join(tmp, 'nb.ipynb');
      fs.writeFileSync(file, JSON.stringify(nb));
      const script = [
        'import json, sys',
        `sys.path.insert(0, ${JSON.stringify(path.join(repo, 'tools'))})`,
        'import book, nbformat',
        'nb = nbformat.read(sys.argv[1], as_version=4)',
        'removed = book.strip_plotly_bundles(nb)',
        'print(json.dumps({"removed": removed, "kept": [o["data"]["text/html"] for o in nb.cells[0].outputs]}))',
      ].join('\n');
      const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `python failed: ${r.stderr}`);
      const got = JSON.parse(r.stdout) as { removed: number; kept: string[] };
      assert.deepEqual(got, { removed: 1, kept: [figure] });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
