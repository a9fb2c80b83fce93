/**
 * The offline HTML book (tools/book.py) opened page by page in headless Chromium, served from
 * 127.0.0.1 by a tiny static server: every plotly figure draws its SVG with all its traces and
 * points, KaTeX typesets the math, code is highlighted, the navigation links are right, nothing
 * logs an error and no request leaves the machine. A screenshot of each page goes to
 * build/screenshots/.
 *
 * The site is built into a temporary folder. To keep CI time down it reuses the executed copies
 * that test/notebooks.test.ts wrote earlier in this mocha run (mocha loads files alphabetically);
 * a notebook without such a copy is executed by tools/book.py itself.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { clear, launch, newWatch, offlineContext, problems, repo, screenshot, Watch } from './browser';
import { PYTHON } from './python';

const notebookDir = path.join(repo, 'notebooks');
const notebooks = fs.readdirSync(notebookDir).filter((f) => f.endsWith('.ipynb')).sort();
/** When this mocha process started: executed copies written since then come from this run. */
const runStart = Date.now() / 1000 - process.uptime();

interface ManifestPage {
  notebook: string;
  title: string;
  page: string | null;
  ok: boolean;
  reused: boolean;
  executed: string | null;
}
interface Manifest {
  title: string;
  pages: ManifestPage[];
}
interface PlotlyJson {
  data: { type?: string; mode?: string; x?: unknown[]; y?: unknown[] }[];
}
interface NbOutput {
  data?: Record<string, unknown>;
}
interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: NbOutput[];
}

/** What a page must show, read from its executed notebook (independently of the page builder). */
interface Expected {
  /** Per figure, in page order: the number of points of each trace. */
  figures: number[][];
  /** Per figure: which traces are scatter traces (drawn in plotly's .scatterlayer). */
  scatter: boolean[][];
  /** Per figure: the finite points of each trace (the markers plotly can draw). */
  finite: number[][];
  hasMath: boolean;
  hasCode: boolean;
  /** Playground outputs (d2l.playground) of the notebook. */
  playgrounds: number;
}

function expectedFrom(executedNotebook: string): Expected {
  const nb = JSON.parse(fs.readFileSync(executedNotebook, 'utf8')) as { cells: NbCell[] };
  const src = (c: NbCell): string => (Array.isArray(c.source) ? c.source.join('') : c.source);
  const figures: number[][] = [];
  let playgrounds = 0;
  const scatter: boolean[][] = [];
  const finite: number[][] = [];
  const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const html = out.data?.['text/html'];
      if ((Array.isArray(html) ? html.join('') : String(html ?? '')).includes('class="d2l-playground"')) playgrounds++;
      const fig = out.data?.['application/vnd.plotly.v1+json'] as PlotlyJson | undefined;
      if (!fig) continue;
      figures.push(fig.data.map((t) => t.y?.length ?? 0));
      scatter.push(fig.data.map((t) => (t.type ?? 'scatter') === 'scatter'));
      finite.push(fig.data.map((t) => (t.y ?? []).filter((v, i) => isNum(v) && (t.x === undefined || isNum(t.x[i]))).length));
    }
  }
  const markdown = nb.cells.filter((c) => c.cell_type === 'markdown').map(src).join('\n');
  return {
    figures,
    scatter,
    finite,
    hasMath: /\$[^$]+\$/.test(markdown),
    hasCode: nb.cells.some((c) => c.cell_type === 'code' && src(c).trim() !== ''),
    playgrounds,
  };
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** A static file server for `root` on 127.0.0.1 (an ephemeral port); unknown paths get 404. */
function serve(root: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Text of the prose as a reader sees it, without typeset formulas (their hidden MathML keeps the TeX). */
const proseText = (page: Page): Promise<string> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('.jp-RenderedMarkdown'))
      .map((el) => {
        const copy = el.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('.katex').forEach((k) => k.remove());
        return copy.textContent ?? '';
      })
      .join('\n'),
  );

interface DrawnFigure {
  svgs: number;
  traces: number;
  points: number[];
  scatterTraces: number;
  /** Markers drawn per scatter trace (0 for line-only traces). */
  markers: number[];
  message: string;
}

/** What plotly drew for each .d2l-figure: its SVG layers, traces, data points and markers. */
const drawnFigures = (page: Page): Promise<DrawnFigure[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.d2l-figure')).map((el) => {
      const gd = el as unknown as { data?: { y?: unknown[] }[] };
      return {
        svgs: el.querySelectorAll('.main-svg').length,
        traces: gd.data?.length ?? 0,
        points: (gd.data ?? []).map((t) => t.y?.length ?? 0),
        scatterTraces: el.querySelectorAll('.scatterlayer > .trace').length,
        markers: Array.from(el.querySelectorAll('.scatterlayer > .trace')).map((t) => t.querySelectorAll('.points path').length),
        message: el.querySelector('.main-svg') ? '' : (el.textContent ?? ''),
      };
    }),
  );

describe('the HTML book in headless Chromium, offline', function () {
  this.timeout(20 * 60 * 1000);
  let siteDir = '';
  let tmp = '';
  let manifest: Manifest;
  let bookLog = '';
  let server: http.Server | undefined;
  let base = '';
  let browser: Browser | undefined;
  let context: BrowserContext;
  const watch: Watch = newWatch();

  before(async function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-site-'));
    siteDir = path.join(tmp, 'site');
    const build = spawnSync(
      PYTHON,
      [
        path.join(repo, 'tools', 'book.py'),
        '--out-dir', siteDir,
        '--executed-dir', path.join(tmp, 'notebooks'),
        '--reuse-executed', path.join(repo, 'build', 'notebooks'),
        '--newer-than', String(runStart),
        // The notebooks this file declared tests for (others may be adding notebooks meanwhile).
        ...notebooks.map((n) => path.join(notebookDir, n)),
      ],
      { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    // 1 = some notebook failed to execute: its own test below fails, the other pages are still checked.
    assert.ok(build.status === 0 || build.status === 1, `tools/book.py failed:\n${build.stdout}\n${build.stderr}`);
    bookLog = `${build.stdout}\n${build.stderr}`;
    // Its summary (which notebooks were executed, which reused, how long) for the CI log.
    console.log(build.stdout.slice(build.stdout.indexOf('\nSummary') + 1).replace(/^/gm, '      ').trimEnd());
    manifest = JSON.parse(fs.readFileSync(path.join(siteDir, 'book.json'), 'utf8')) as Manifest;
    server = await serve(siteDir);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launch();
    context = await offlineContext(browser, watch);
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(() => clear(watch));

  it('ships plotly.js and KaTeX once, as local assets', () => {
    for (const asset of ['plotly.min.js', 'katex/katex.min.js', 'katex/katex.min.css', 'katex/contrib/auto-render.min.js']) {
      assert.ok(fs.existsSync(path.join(siteDir, 'assets', asset)), `assets/${asset} is missing`);
    }
    for (const p of manifest.pages.filter((m) => m.page)) {
      const source = fs.readFileSync(path.join(siteDir, p.page!), 'utf8');
      assert.equal(source.match(/<script src="assets\/plotly\.min\.js"><\/script>/g)?.length, 1, `${p.page}: one shared plotly.js`);
      assert.ok(!source.includes('data-d2l:plotly-bundle'), `${p.page} still inlines plotly.js`);
      // Nothing may load from another host; hyperlinks in the prose (a References section) load nothing.
      assert.ok(!/(src|href)="(https?:)?\/\//.test(source.replace(/<a\s[^>]*>/g, '')), `${p.page} loads a resource from another host`);
    }
  });

  it('index lists every notebook in reading order, linked to its page', async () => {
    assert.deepEqual(manifest.pages.map((p) => p.notebook), notebooks, 'the index follows the file names');
    const page = await context.newPage();
    try {
      await page.goto(`${base}/index.html`, { waitUntil: 'load', timeout: 120_000 });
      const links = await page.$$eval('ol.d2l-toc a', (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
      assert.deepEqual(
        links,
        manifest.pages.filter((p) => p.page).map((p) => ({ href: p.page, text: p.title })),
      );
      const items = await page.$$eval('ol.d2l-toc li', (lis) => lis.map((li) => li.textContent ?? ''));
      assert.equal(items.length, manifest.pages.length, 'a notebook that failed is still listed');
      await screenshot(page, 'index');
      assert.equal(problems(watch), '', 'the index page had problems');
    } finally {
      await page.close();
    }
  });

  for (const name of notebooks) {
    const stem = name.replace(/\.ipynb$/, '');
    it(`${stem}.html: figures drawn, math typeset, code highlighted, links right, offline`, async () => {
      const index = manifest.pages.findIndex((p) => p.notebook === name);
      const entry = manifest.pages[index];
      assert.ok(entry?.page && entry.executed, `${name} has no page: it failed to execute\n${bookLog}`);
      const expected = expectedFrom(entry.executed);
      const page = await context.newPage();
      try {
        await page.goto(`${base}/${entry.page}`, { waitUntil: 'load', timeout: 120_000 });
        await page.waitForFunction(() => document.documentElement.getAttribute('data-math') === 'done', null, { timeout: 60_000 });
        // A figure whose plotly.js is missing replaces itself with a message after 5 s; wait for either.
        await page.waitForFunction(
          (n) => Array.from(document.querySelectorAll('.d2l-figure')).filter((el) => el.querySelector('.main-svg') || el.textContent).length >= n,
          expected.figures.length,
          { timeout: 60_000 },
        );

        const drawn = await drawnFigures(page);
        assert.equal(drawn.length, expected.figures.length, 'one drawn figure per figure output of the notebook');
        drawn.forEach((fig, i) => {
          const want = expected.figures[i]!;
          assert.ok(fig.svgs > 0, `figure ${i + 1} drew no SVG: ${fig.message}`);
          assert.equal(fig.traces, want.length, `figure ${i + 1}: traces`);
          assert.deepEqual(fig.points, want, `figure ${i + 1}: points per trace`);
          assert.equal(fig.scatterTraces, expected.scatter[i]!.filter(Boolean).length, `figure ${i + 1}: scatter traces in the SVG`);
          const scatterPoints = expected.finite[i]!.filter((_, t) => expected.scatter[i]![t]);
          fig.markers.forEach((m, t) => assert.ok(m === 0 || m === scatterPoints[t], `figure ${i + 1} scatter trace ${t + 1}: ${m} markers for ${scatterPoints[t]} points`));
        });

        const math = await page.$$eval('.katex', (els) => els.length);
        const mathErrors = await page.$$eval('.katex-error', (els) => els.map((e) => e.textContent));
        assert.deepEqual(mathErrors, [], 'KaTeX could not typeset some formulas');
        if (expected.hasMath) assert.ok(math > 0, 'the page has math but KaTeX typeset none');
        const prose = await proseText(page);
        assert.ok(!prose.includes('$$'), 'raw $$ left in the prose');
        assert.ok(!/\\(begin|frac|mathbf|beta|hat)\b/.test(prose), `raw TeX left in the prose: ${/.{0,40}\\(begin|frac|mathbf|beta|hat)\b.{0,40}/.exec(prose)?.[0]}`);

        if (expected.hasCode) {
          const tokens = await page.$$eval('.jp-InputArea .highlight span', (els) => els.length);
          assert.ok(tokens > 0, 'code cells are not highlighted');
        }

        const nav = await page.$$eval('nav.d2l-nav-top a', (as) => as.map((a) => ({ rel: a.getAttribute('rel') ?? 'index', href: a.getAttribute('href') })));
        const built = manifest.pages.filter((p) => p.page);
        const k = built.findIndex((p) => p.notebook === name);
        const want = [
          ...(k > 0 ? [{ rel: 'prev', href: built[k - 1]!.page }] : []),
          { rel: 'index', href: 'index.html' },
          ...(k + 1 < built.length ? [{ rel: 'next', href: built[k + 1]!.page }] : []),
        ];
        assert.deepEqual(nav, want, 'links to the previous page, the index and the next page');
        assert.equal(await page.$$eval('nav.d2l-nav-bottom a', (as) => as.length), want.length, 'the same links at the bottom');

        await screenshot(page, stem);
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      } finally {
        await page.close();
      }
    });

    // The playgrounds (d2l.playground, lib/src/live): the page keeps the inlined bundle and each one
    // draws, and redraws when a slider moves; test/playground.test.ts checks them in depth.
    it(`${stem}.html: its live playgrounds draw and follow their sliders, offline`, async function () {
      const entry = manifest.pages.find((p) => p.notebook === name);
      assert.ok(entry?.page && entry.executed, `${name} has no page: it failed to execute`);
      const expected = expectedFrom(entry.executed).playgrounds;
      if (expected === 0) this.skip();
      const page = await context.newPage();
      type Handle = { drawn: number; series(): Record<string, { y: number[] }> };
      try {
        await page.goto(`${base}/${entry.page}`, { waitUntil: 'load', timeout: 120_000 });
        await page.waitForFunction((n) => {
          const els = Array.from(document.querySelectorAll('.d2l-playground')) as unknown as Array<{ d2lPlayground?: Handle }>;
          return els.length >= n && els.every((el) => (el.d2lPlayground?.drawn ?? 0) > 0);
        }, expected, { timeout: 60_000 });
        const ids = await page.$$eval('.d2l-playground', (els) => els.map((el) => el.id));
        assert.equal(ids.length, expected, 'one widget per playground output');
        for (const id of ids) {
          const state = () => page.evaluate((i) => {
            const h = (document.getElementById(i) as unknown as { d2lPlayground: Handle }).d2lPlayground;
            return { drawn: h.drawn, series: JSON.stringify(h.series()), svg: document.querySelectorAll(`#${i} .d2l-playground-plot .main-svg`).length };
          }, id);
          const before = await state();
          assert.ok(before.svg > 0, `${id} drew no plot`);
          await page.evaluate((i) => {
            const input = document.querySelector(`#${i} input[type=range]`) as HTMLInputElement;
            // 70% of the way: the middle of a log slider can be exactly the opening value (η = 0.01 in 1e-4…1).
            input.value = String(Number(input.min) + 0.7 * (Number(input.max) - Number(input.min)));
            input.dispatchEvent(new Event('input'));
          }, id);
          await page.waitForFunction(([i, n]) => (document.getElementById(i as string) as unknown as { d2lPlayground: Handle }).d2lPlayground.drawn > (n as number), [id, before.drawn] as const);
          assert.notEqual((await state()).series, before.series, `${id}: moving its first slider changed nothing`);
        }
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      } finally {
        await page.close();
      }
    });
  }
});
