/**
 * The offline HTML book (tools/book.py) opened page by page in headless Chromium, served from
 * 127.0.0.1 by a tiny static server: every plotly figure draws its SVG with all its traces and
 * points, KaTeX typesets the math, code is highlighted, the navigation links are right, nothing
 * logs an error and no request leaves the machine. A screenshot of each page goes to
 * build/screenshots/.
 *
 * Then each page is read as a book's reader would: at 1280 px (contents in a sticky sidebar listing
 * the page's sections and the other pages), at 390×844 (contents folded on top, nothing cut off at
 * the edge, prose ≥ 14 px), with a dark system setting (dark page, light text, readable code, math
 * and plotly figures, back to light without a reload), printed (no navigation, code wrapped, figures
 * unsplit and on white), and its notebook download link followed. A page is loaded once per viewport
 * and the checks share it, switching media and colour scheme as a reader's system would.
 * Screenshots: <page> (full page), <page>-wide, -phone, -dark, -print (what is in view).
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
  metadata?: { jupyter?: { source_hidden?: boolean } };
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
  /** Code cells whose input Jupyter shows collapsed (jupyter.source_hidden: the checks of the text). */
  collapsed: number;
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
    collapsed: nb.cells.filter((c) => c.cell_type === 'code' && c.metadata?.jupyter?.source_hidden === true).length,
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
  '.ipynb': 'application/x-ipynb+json',
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
    await closeTabs();
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
      const links = await page.$$eval('ol.d2l-toc a:not(.d2l-file)', (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
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

  /**
   * A reader's tabs: one per page and viewport, each in its own offline context, opened once and
   * shared by that page's checks below (every load draws all the page's figures again, which was
   * most of this file's time). Each check sets the viewport and media it needs.
   */
  const tabs = new Map<string, { page: Page; close: () => Promise<void> }>();
  const WIDE = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 844 };
  async function closeTabs(): Promise<void> {
    for (const t of tabs.values()) await t.close();
    tabs.clear();
  }
  async function tab(file: string, viewport: { width: number; height: number }): Promise<Page> {
    const key = `${file}@${viewport.width}`;
    const open = tabs.get(key);
    const page = open?.page ?? (await (async () => {
      const ctx = await offlineContext(browser!, watch);
      const p = await ctx.newPage();
      tabs.set(key, { page: p, close: () => ctx.close() });
      return p;
    })());
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: 'light', media: 'screen' });
    if (!open) {
      await page.goto(`${base}/${file}`, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction(() => document.documentElement.getAttribute('data-math') === 'done', null, { timeout: 60_000 });
    }
    return page;
  }
  const waitFigures = (page: Page, theme: 'light' | 'dark'): Promise<unknown> =>
    page.waitForFunction((t) => document.documentElement.getAttribute('data-figures') === t, theme, { timeout: 60_000 });
  const built = (): ManifestPage[] => manifest.pages.filter((p) => p.page);

  for (const name of notebooks) {
    const stem = name.replace(/\.ipynb$/, '');
    const entryOf = (): ManifestPage => {
      const e = manifest.pages.find((p) => p.notebook === name);
      assert.ok(e?.page, `${name} has no page`);
      return e;
    };

    // The page as d2l's reader sees it, then as a reader of a book would: at 1280 px and on a phone
    // (390×844), downloaded, with a dark system setting, and printed. Screenshots: <page>, -wide, -phone, -dark, -print.
    describe(`${stem}.html`, () => {
      after(closeTabs);

      it(`${stem}.html: figures drawn, math typeset, code highlighted, links right, offline`, async () => {
        const index = manifest.pages.findIndex((p) => p.notebook === name);
        const entry = manifest.pages[index];
        assert.ok(entry?.page && entry.executed, `${name} has no page: it failed to execute\n${bookLog}`);
        const expected = expectedFrom(entry.executed);
        const page = await tab(entry.page, WIDE);
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

        // Collapsed check cells: folded under one quiet line, their code there but not shown until opened.
        const folded = await page.$$eval('details.d2l-hidden-input', (els) => els.map((d) => ({
          open: (d as HTMLDetailsElement).open, code: d.querySelectorAll('.jp-InputArea .highlight').length,
          // checkVisibility: a closed <details> may still lay its content out (content-visibility: hidden) without showing it.
          shown: d.querySelector('.jp-InputArea')?.checkVisibility() ?? true, summary: d.querySelector('summary')?.offsetHeight ?? 0,
        })));
        assert.equal(folded.length, expected.collapsed, 'one folded block per collapsed check cell');
        folded.forEach((f, i) => assert.ok(!f.open && f.code === 1 && !f.shown && f.summary > 0, `folded block ${i + 1}: ${JSON.stringify(f)}`));

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
      });

      // The playgrounds (d2l.playground, lib/src/live): the page loads the shared bundle (assets/playground-bundle.js) and each one
      // draws, and redraws when a slider moves; test/playground.test.ts checks them in depth.
      it(`${stem}.html: its live playgrounds draw and follow their sliders, offline`, async function () {
        const entry = manifest.pages.find((p) => p.notebook === name);
        assert.ok(entry?.page && entry.executed, `${name} has no page: it failed to execute`);
        const expected = expectedFrom(entry.executed).playgrounds;
        if (expected === 0) this.skip();
        const page = await tab(entry.page, WIDE);
        type Handle = { drawn: number; series(): Record<string, { y: number[] }> };
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
      });

      it(`${stem}: nothing runs off the page at 1280 and 390 px; long code lines scroll inside their block; phone text ≥ 14 px`, async () => {
        const entry = entryOf();
        for (const width of [1280, 390]) {
          const page = await tab(entry.page!, width === WIDE.width ? WIDE : PHONE);
          await waitFigures(page, 'light');
          const m = await page.evaluate(() => {
            const vw = document.documentElement.clientWidth;
            const blocks = Array.from(document.querySelectorAll<HTMLElement>('.jp-InputArea-editor pre, .jp-OutputArea-output pre, .d2l-figure, .jp-RenderedMarkdown > *, .jp-RenderedHTMLCommon table'));
            const outside = blocks.filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > vw + 0.5); });
            const longCode = Array.from(document.querySelectorAll<HTMLElement>('.jp-InputArea-editor pre')).filter((el) => el.scrollWidth > el.clientWidth + 1);
            const text = Array.from(document.querySelectorAll<HTMLElement>('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li'));
            return {
              scrollWidth: document.documentElement.scrollWidth,
              vw,
              outside: outside.slice(0, 3).map((el) => `${el.tagName}.${el.className} right ${Math.round(el.getBoundingClientRect().right)}: ${(el.textContent ?? '').slice(0, 60)}`),
              longCode: longCode.length,
              longCodeNotScrollable: longCode.filter((el) => !['auto', 'scroll'].includes(getComputedStyle(el).overflowX)).length,
              smallest: Math.min(...text.map((el) => parseFloat(getComputedStyle(el).fontSize))),
              textCount: text.length,
            };
          });
          assert.ok(m.scrollWidth <= m.vw, `at ${width} px the page is ${m.scrollWidth} px wide`);
          assert.deepEqual(m.outside, [], `at ${width} px these blocks are cut off at the page's edge`);
          assert.equal(m.longCodeNotScrollable, 0, `at ${width} px ${m.longCodeNotScrollable} of ${m.longCode} long code blocks cannot scroll`);
          if (width === 390) {
            assert.ok(m.textCount > 0 && m.smallest >= 14, `on a phone the smallest prose font is ${m.smallest} px`);
            await screenshot(page, `${stem}-phone`, { fullPage: false });
          }
        }
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      });

      it(`${stem}: contents list the page's sections and the other pages; sticky beside the text at 1280 px, folded on top at 390 px`, async () => {
        const entry = entryOf();
        const page = await tab(entry.page!, WIDE);
        const toc = await page.evaluate(() => ({
          sections: Array.from(document.querySelectorAll('main h2[id], main h3[id]')).map((h) => `#${h.id}`),
          tocSections: Array.from(document.querySelectorAll('.d2l-toc .d2l-toc-current a[href^="#"]')).map((a) => a.getAttribute('href')),
          pages: Array.from(document.querySelectorAll('.d2l-toc-pages > li > a')).map((a) => a.getAttribute('href')),
          current: Array.from(document.querySelectorAll('.d2l-toc a[aria-current="page"]')).map((a) => a.getAttribute('href')),
        }));
        assert.ok(toc.sections.length > 0, 'the page has sections');
        assert.deepEqual(toc.tocSections, toc.sections, "the contents link to every h2/h3 of the page, in order");
        assert.deepEqual(toc.pages, built().map((p) => p.page), 'the contents link to every page of the book, in reading order');
        assert.deepEqual(toc.current, [entry.page], 'the current page is marked, once');
        // Beside the text, and still in view after scrolling half way down.
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
        const box = await page.evaluate(() => {
          const t = document.querySelector('.d2l-toc')!.getBoundingClientRect();
          const m = document.querySelector('main')!.getBoundingClientRect();
          const link = document.querySelector('.d2l-toc-current a[href^="#"]')!.getBoundingClientRect();
          return { tocRight: t.right, mainLeft: m.left, top: t.top, bottom: t.bottom, linkTop: link.top, height: innerHeight, scrolled: scrollY };
        });
        assert.ok(box.scrolled > 500, 'the page scrolled');
        assert.ok(box.tocRight <= box.mainLeft, `the contents sit left of the text (${box.tocRight} > ${box.mainLeft})`);
        assert.ok(box.top >= 0 && box.top < box.height && box.linkTop >= 0 && box.linkTop < box.height, `the contents stay in view while scrolling (top ${box.top})`);
        await screenshot(page, `${stem}-wide`, { fullPage: false });
        await page.evaluate(() => window.scrollTo(0, 0));
        {
          const page = await tab(entry.page!, PHONE);
          const folded = await page.evaluate(() => {
            const d = document.querySelector('details.d2l-toc') as HTMLDetailsElement;
            return { open: d.open, bottom: d.getBoundingClientRect().bottom, mainTop: document.querySelector('main')!.getBoundingClientRect().top };
          });
          assert.equal(folded.open, false, 'on a phone the contents start folded');
          assert.ok(folded.bottom <= folded.mainTop, 'on a phone the contents sit above the text');
          await page.click('details.d2l-toc > summary');
          assert.ok(await page.isVisible('.d2l-toc-current a[href^="#"]'), 'opening them shows the sections');
          await page.click('details.d2l-toc > summary');
        }
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      });

      it(`${stem}: links its notebook for download (the source without outputs)`, async () => {
        const entry = entryOf();
        const page = await tab(entry.page!, WIDE);
        {
          const href = await page.getAttribute('.d2l-download a[download]', 'href');
          assert.ok(href, 'a download link');
          const res = await page.request.get(`${base}/${href}`);
          assert.equal(res.status(), 200, `${href} resolves`);
          const nb = JSON.parse(await res.text()) as { nbformat: number; cells: NbCell[] };
          const source = JSON.parse(fs.readFileSync(path.join(notebookDir, name), 'utf8')) as { cells: NbCell[] };
          const text = (c: NbCell): string => (Array.isArray(c.source) ? c.source.join('') : c.source);
          assert.equal(nb.nbformat, 4);
          assert.deepEqual(nb.cells.map(text), source.cells.map(text), 'the same cells as the notebook');
          assert.ok(nb.cells.every((c) => (c.outputs ?? []).length === 0), 'no outputs');
          const fromIndex = await page.request.get(`${base}/index.html`);
          assert.ok((await fromIndex.text()).includes(`href="${href}"`), 'the index links the same file');
        }
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      });

      it(`${stem}: dark mode follows the system: dark page, light text, readable code, math and figures`, async () => {
        const entry = entryOf();
        const page = await tab(entry.page!, WIDE);
        await page.emulateMedia({ colorScheme: 'dark', media: 'screen' });
        await waitFigures(page, 'dark');
        const m = await page.evaluate(() => {
          const probe = document.createElement('span');
          document.body.appendChild(probe);
          const rgb = (c: string): number[] => {
            probe.style.color = '';
            probe.style.color = c;
            const v = getComputedStyle(probe).color.match(/[\d.]+/g)!.map(Number);
            return v;
          };
          const lum = (c: string): number => {
            const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
          };
          const contrast = (a: string, b: string): number => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
          const bg = getComputedStyle(document.body).backgroundColor;
          const worst = (sel: string, against: (el: Element) => string = () => bg): number =>
            Math.min(Infinity, ...Array.from(document.querySelectorAll(sel)).map((el) => contrast(getComputedStyle(el).color, against(el))));
          const codeBg = (el: Element): string => getComputedStyle(el.closest('.highlight') ?? document.body).backgroundColor;
          type Gd = { _fullLayout: Record<string, any>; data: { type?: string; marker?: { color?: unknown; line?: { color?: string; width?: number } }; line?: { color?: unknown } }[] };
          const figs = Array.from(document.querySelectorAll('.d2l-figure')) as unknown as Gd[];
          const figures = figs.map((gd, i) => {
            const L = gd._fullLayout;
            const paper = L['paper_bgcolor'] as string;
            const ticks = Array.from((gd as unknown as Element).querySelectorAll('.xtick text, .ytick text, .gtitle, .xtitle, .ytitle, .legendtext'));
            const badTraces: string[] = [];
            gd.data.forEach((t, k) => {
              if ((t.type ?? 'scatter') !== 'scatter') return;
              const marker = typeof t.marker?.color === 'string' ? t.marker.color : undefined;
              if (marker && contrast(marker, paper) < 3 && !(t.marker?.line?.color && (t.marker.line.width ?? 0) > 0 && contrast(t.marker.line.color, paper) >= 3)) badTraces.push(`trace ${k + 1} marker ${marker}`);
              const line = typeof t.line?.color === 'string' ? t.line.color : undefined;
              if (line && !/rgba\(.*,\s*0?\.\d+\)$/.test(line) && contrast(line, paper) < 3) badTraces.push(`trace ${k + 1} line ${line}`);
            });
            return {
              i: i + 1,
              paperLum: lum(paper),
              plotContrast: contrast(L['font'].color, L['plot_bgcolor']),
              fontContrast: contrast(L['font'].color, paper),
              tickContrast: Math.min(Infinity, ...ticks.map((el) => contrast((el as SVGElement).style.fill || getComputedStyle(el).fill, paper))),
              badTraces,
            };
          });
          return {
            bgLum: lum(bg),
            prose: worst('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li'),
            code: worst('.jp-InputArea .highlight span', codeBg),
            output: worst('.jp-OutputArea-output pre'),
            katex: worst('.katex'),
            toc: worst('.d2l-toc a'),
            figures,
          };
        });
        assert.ok(m.bgLum < 0.05, `the page background is dark (luminance ${m.bgLum.toFixed(3)})`);
        assert.ok(m.prose >= 7, `prose contrast ${m.prose.toFixed(1)}`);
        assert.ok(m.code >= 4.5, `code contrast ${m.code.toFixed(1)}`);
        assert.ok(m.output >= 4.5 || m.output === Infinity, `output contrast ${m.output.toFixed(1)}`);
        assert.ok(m.katex >= 7 || m.katex === Infinity, `math contrast ${m.katex.toFixed(1)}`);
        assert.ok(m.toc >= 4.5, `contents contrast ${m.toc.toFixed(1)}`);
        for (const f of m.figures) {
          assert.ok(f.paperLum < 0.05, `figure ${f.i}: background is dark (luminance ${f.paperLum.toFixed(3)})`);
          assert.ok(f.fontContrast >= 7 && f.plotContrast >= 7, `figure ${f.i}: text contrast ${f.fontContrast.toFixed(1)} / ${f.plotContrast.toFixed(1)}`);
          assert.ok(f.tickContrast >= 7, `figure ${f.i}: tick and title contrast ${f.tickContrast.toFixed(1)}`);
          assert.deepEqual(f.badTraces, [], `figure ${f.i}: traces too dark for the background`);
        }
        await screenshot(page, `${stem}-dark`, { fullPage: false });
        // Back to light when the system setting changes, without a reload.
        await page.emulateMedia({ colorScheme: 'light' });
        await waitFigures(page, 'light');
        const light = await page.evaluate(() => Array.from(document.querySelectorAll('.d2l-figure')).map((el) => (el as unknown as { _fullLayout: { paper_bgcolor: string } })._fullLayout.paper_bgcolor));
        for (const bg of light) assert.ok(['#fff', 'white', 'rgb(255, 255, 255)'].includes(bg), `a figure stayed on ${bg} in light mode`);
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      });
      it(`${stem}: prints without navigation, with wrapped code and unsplit figures`, async () => {
        const entry = entryOf();
        // A dark system setting must not reach the paper: dark on screen first, then printed.
        const page = await tab(entry.page!, WIDE);
        await page.setViewportSize({ width: 720, height: 1000 });
        await page.emulateMedia({ colorScheme: 'dark', media: 'screen' });
        await waitFigures(page, 'dark');
        await page.emulateMedia({ colorScheme: 'dark', media: 'print' });
        await waitFigures(page, 'light');
        const m = await page.evaluate(() => {
          const shown = (sel: string) => Array.from(document.querySelectorAll<HTMLElement>(sel)).filter((el) => getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0).length;
          const pres = Array.from(document.querySelectorAll<HTMLElement>('.jp-InputArea-editor pre'));
          const figs = Array.from(document.querySelectorAll<HTMLElement>('.d2l-figure'));
          return {
            nav: shown('.d2l-sidebar, .d2l-toc, .d2l-nav, .d2l-download'),
            unwrapped: pres.filter((el) => getComputedStyle(el).whiteSpace !== 'pre-wrap').length,
            hidden: pres.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => (el.textContent ?? '').split('\n')[0]).slice(0, 3),
            splittable: figs.filter((el) => getComputedStyle(el).breakInside !== 'avoid').length,
            widest: Math.max(0, ...figs.map((el) => el.querySelector('.main-svg')?.getBoundingClientRect().width ?? 0)),
            bg: getComputedStyle(document.body).backgroundColor,
            figureBg: figs.map((el) => (el as unknown as { _fullLayout?: { paper_bgcolor?: string } })._fullLayout?.paper_bgcolor),
          };
        });
        assert.equal(m.nav, 0, 'no sidebar, navigation or download link on paper');
        assert.equal(m.unwrapped, 0, 'code wraps on paper');
        assert.deepEqual(m.hidden, [], 'no code hidden past the edge on paper');
        assert.equal(m.splittable, 0, 'figures are not split across pages');
        assert.ok(m.widest <= 680, `figures fit the paper's 680 px of text (widest ${m.widest})`);
        assert.equal(m.bg, 'rgb(255, 255, 255)', 'paper stays white with a dark system setting');
        for (const bg of m.figureBg) assert.ok(bg === '#fff' || bg === 'rgb(255, 255, 255)' || bg === 'white', `a figure prints on ${bg}`);
        await screenshot(page, `${stem}-print`, { fullPage: false });
        assert.equal(problems(watch), '', `${entry.page} had problems`);
      });

    });
  }
});
