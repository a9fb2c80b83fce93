/**
 * JupyterLab cannot be installed here, but its rendering code can: test/lab/page.ts bundles
 * JupyterLab's output area and rendermime with plotly's JupyterLab renderer (jupyterlab-plotly),
 * all from npm, and runs them in headless Chromium, offline. The test executes 01-adam.ipynb on a
 * cold kernel, recording every iopub message (tools/iopub_log.py), and then
 *
 * - replays each cell's messages live, as JupyterLab receives them while the cell runs: the loss
 *   curve must be redrawn with every update_display_data, with and without plotly's renderer;
 * - shows the executed notebook as JupyterLab shows it when reopened: trusted (every figure drawn
 *   with its final points) and untrusted (HTML sanitized, no scripts), where each figure must still
 *   show something;
 * - shows every other notebook's executed outputs untrusted too (test/executed.ts executes them, or
 *   reuses this run's copies): every figure and playground output must show its static picture
 *   (lib/src/figure-svg.ts), loaded and visibly drawn.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { launch, newWatch, offlineContext, problems, repo, screenshot, Watch } from './browser';
import type { Message, OutputView, Setup, Step } from './lab/page';
import { codeOutputs, executedNotebook, NbOutput, notebookNames, outputKind } from './executed';
import { PYTHON } from './python';

const outDir = path.join(repo, 'build', 'lab');
const notebook = path.join(repo, 'notebooks', '01-adam.ipynb');
const PLOTLY = 'application/vnd.plotly.v1+json';

interface Log {
  notebook: { cells: { cell_type: string; outputs?: Output[] }[] };
  cells: { index: number; messages: Message[] }[];
}
interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}
type Harness = {
  show(cells: Output[][], setup: Setup): Promise<OutputView[][]>;
  replay(messages: Message[], setup: Setup): Promise<Step[]>;
};
type Win = Window & { labHarness: Harness };

/** Points of the longest trace a MIME bundle's figure has: its plotly JSON, else its HTML's figure. */
function bundlePoints(data: Record<string, unknown>): number | undefined {
  let fig = data[PLOTLY] as { data: { y?: unknown[] }[] } | undefined;
  if (!fig && typeof data['text/html'] === 'string') {
    const m = /var fig=(\{.*?\});var el=/.exec(data['text/html']);
    if (m) fig = JSON.parse(m[1]!) as { data: { y?: unknown[] }[] };
  }
  return fig ? Math.max(0, ...fig.data.map((t) => t.y?.length ?? 0)) : undefined;
}

/**
 * An output as the Jupyter server hands it to JupyterLab: on disk nbformat may split strings into
 * lists of lines; the server's nbformat.reads joins them again before the page sees them.
 */
function joined(o: Output): Output {
  const join = (v: unknown): unknown => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v.join('') : v);
  const out: Output & { text?: unknown } = { ...o };
  if (o.data) out.data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, join(v)]));
  if ('text' in o) out.text = join((o as { text?: unknown }).text);
  return out;
}

const isFigure = (o: Output): boolean => o.data !== undefined && bundlePoints(o.data) !== undefined;

function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

/** JupyterLab shares one @lumino/* for the app and every extension: resolve them all to the top-level copy. */
const sharedLumino: esbuild.Plugin = {
  name: 'shared-lumino',
  setup(build) {
    build.onResolve({ filter: /^@lumino\// }, async (args) => {
      if (args.pluginData === 'shared') return undefined;
      const r = await build.resolve(args.path, { resolveDir: repo, kind: args.kind, pluginData: 'shared' });
      return r.errors.length > 0 ? { errors: r.errors } : { path: r.path };
    });
  },
};

describe('JupyterLab rendering (its output area, rendermime and plotly renderer, in Chromium)', function () {
  this.timeout(10 * 60 * 1000);
  let log: Log;
  let server: { url: string; close: () => Promise<void> } | undefined;
  let browser: Browser | undefined;
  const watch: Watch = newWatch();

  before(async function () {
    fs.mkdirSync(outDir, { recursive: true });
    const logFile = path.join(outDir, '01-adam.iopub.json');
    const run = spawnSync(PYTHON, [path.join(repo, 'tools', 'iopub_log.py'), notebook, logFile], { cwd: repo, encoding: 'utf8', env: process.env });
    assert.equal(run.status, 0, `recording ${notebook} failed:\n${run.stdout}\n${run.stderr}`);
    log = JSON.parse(fs.readFileSync(logFile, 'utf8')) as Log;
    await esbuild.build({
      entryPoints: [path.join(repo, 'test', 'lab', 'page.ts')],
      bundle: true,
      outfile: path.join(outDir, 'page.js'),
      format: 'iife',
      target: 'es2020',
      logLevel: 'error',
      loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
      define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
      plugins: [sharedLumino],
    });
    fs.writeFileSync(
      path.join(outDir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>JupyterLab output harness</title>' +
        '<link rel="stylesheet" href="page.css"><body><div id="cells"></div><script src="page.js"></script></body>',
    );
    server = await serve(outDir);
    browser = await launch();
  });

  after(async function () {
    await browser?.close();
    await server?.close();
  });

  async function open(): Promise<Page> {
    const context = await offlineContext(browser!, watch);
    const page = await context.newPage();
    await page.goto(`${server!.url}/index.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset['ready'] === '1');
    return page;
  }

  async function close(page: Page, name: string): Promise<void> {
    await screenshot(page, `jupyterlab-${name}`);
    await page.context().close();
    assert.equal(problems(watch), '', `the ${name} page had problems`);
  }

  /** Replay every cell of the notebook into one page (one session); the per-update checks. */
  async function replayLive(setup: Setup, name: string): Promise<void> {
    const page = await open();
    try {
      let updates = 0;
      for (const cell of log.cells) {
        const steps = await page.evaluate(([m, s]) => (window as unknown as Win).labHarness.replay(m, s), [cell.messages, setup] as const);
        cell.messages.forEach((m, k) => {
          if (m.msg_type !== 'update_display_data') return;
          const id = (m.content['transient'] as { display_id: string }).display_id;
          const expected = bundlePoints(m.content['data'] as Record<string, unknown>);
          if (expected === undefined) return;
          updates++;
          const index = steps[k]!.displays[id];
          assert.ok(index !== undefined, `cell ${cell.index + 1}: update ${k} targets display ${id}, never displayed`);
          const shown = steps[k]!.outputs[index]!;
          const drawn = shown.graphs.map((g) => g.points);
          assert.deepEqual(drawn, [expected], `cell ${cell.index + 1}, message ${k + 1}/${cell.messages.length}: the update carries ${expected} points but the page shows ${JSON.stringify(drawn)} (renderer ${shown.renderer})`);
        });
      }
      assert.ok(updates >= 10, `the notebook's training cells sent only ${updates} figure updates`);
    } finally {
      await close(page, name);
    }
  }

  it('live, with plotly\'s renderer: the loss curve is redrawn with every update', () => replayLive({ trusted: true, plotly: true }, 'live-plotly'));

  it('live, without plotly\'s renderer (HTML fallback): the loss curve is redrawn with every update', () => replayLive({ trusted: true, plotly: false }, 'live-html'));

  /** Show the executed notebook's stored outputs; every figure output must show its figure. */
  async function reopen(setup: Setup, name: string, check: (view: OutputView, output: Output, where: string) => void): Promise<void> {
    const page = await open();
    try {
      const cells = log.notebook.cells.filter((c) => c.cell_type === 'code').map((c) => (c.outputs ?? []).map(joined));
      const views = await page.evaluate(([c, s]) => (window as unknown as Win).labHarness.show(c, s), [cells, setup] as const);
      let figures = 0;
      cells.forEach((outputs, i) =>
        outputs.forEach((o, j) => {
          if (!isFigure(o)) return;
          figures++;
          check(views[i]![j]!, o, `code cell ${i + 1}, output ${j + 1}`);
        }),
      );
      assert.ok(figures >= 3, `the executed notebook has only ${figures} figures`);
    } finally {
      await close(page, name);
    }
  }

  const drawsFinalState = (view: OutputView, o: Output, where: string): void => {
    const points = bundlePoints(o.data!);
    assert.deepEqual(view.graphs.map((g) => [g.svg, g.points]), [[true, points]], `${where}: expected one drawn figure with ${points} points (renderer ${view.renderer})`);
  };

  it('reopened and trusted, with plotly\'s renderer: plotly draws every figure, final state', () =>
    reopen({ trusted: true, plotly: true }, 'trusted-plotly', (v, o, where) => {
      assert.equal(v.renderer, 'jp-RenderedPlotly', `${where}: rendered by ${v.renderer}`);
      drawsFinalState(v, o, where);
    }));

  it('reopened and trusted, without plotly\'s renderer: the HTML fallback draws every figure', () =>
    reopen({ trusted: true, plotly: false }, 'trusted-html', drawsFinalState));

  it('reopened untrusted, with plotly\'s renderer: plotly (a safe renderer) still draws every figure', () =>
    reopen({ trusted: false, plotly: true }, 'untrusted-plotly', drawsFinalState));

  /** An output shown untrusted, without plotly's renderer: no graph, one picture, visibly drawn. */
  const showsPicture = (v: OutputView, where: string): void => {
    assert.equal(v.graphs.length, 0, `${where}: no script runs in untrusted HTML, yet a graph was drawn`);
    assert.equal(v.images.length, 1, `${where}: shows no image: ${JSON.stringify(v)}`);
    const img = v.images[0]!;
    assert.ok(img.width >= 200 && img.height >= 100, `${where}: the image is ${JSON.stringify(img)}`);
    // Axes, labels and a line or two already ink a few per cent of a figure's pixels; a blank or broken picture inks none.
    assert.ok(img.inked >= 0.02, `${where}: the picture is (nearly) blank: ${(img.inked * 100).toFixed(2)} % of its pixels drawn`);
  };

  it('reopened untrusted, without plotly\'s renderer: the sanitized HTML still shows every figure as an image', () =>
    reopen({ trusted: false, plotly: false }, 'untrusted-html', (v, _o, where) => showsPicture(v, where)));

  it('every executed notebook reopened untrusted, without plotly\'s renderer: each figure and playground shows a drawn picture', async function () {
    this.timeout(40 * 60 * 1000); // executes the notebooks no earlier test of this run executed
    // 01 was executed for the recording above; the others are executed (or reused) first.
    const executed = await Promise.all(notebookNames().map(async (name) => ({
      name,
      outputs: (name === path.basename(notebook) ? log.notebook.cells.filter((c) => c.cell_type === 'code').map((c) => (c.outputs ?? []).map(joined)) : codeOutputs(await executedNotebook(name))) as NbOutput[][],
    })));
    const page = await open();
    const counts: string[] = [];
    try {
      for (const { name, outputs } of executed) {
        const views = await page.evaluate(([c, s]) => (window as unknown as Win).labHarness.show(c, s), [outputs, { trusted: false, plotly: false }] as const);
        const seen = { figure: 0, playground: 0 };
        const bytes: number[] = [];
        outputs.forEach((cell, i) =>
          cell.forEach((o, j) => {
            const kind = outputKind(o);
            if (kind === undefined) return;
            seen[kind]++;
            bytes.push(/<img class="d2l-figure-static"[^>]*>/.exec(String(o.data?.['text/html'] ?? ''))?.[0].length ?? 0);
            showsPicture(views[i]![j]!, `${name}, code cell ${i + 1}, output ${j + 1} (${kind})`);
          }),
        );
        assert.ok(seen.figure + seen.playground > 0, `${name} shows no figure at all`);
        const kb = (n: number) => (n / 1024).toFixed(1);
        counts.push(`${name}: ${seen.figure} figures, ${seen.playground} playgrounds; pictures ${kb(bytes.reduce((a, b) => a + b, 0))} KB (largest ${kb(Math.max(...bytes))} KB)`);
      }
      console.log(counts.map((c) => `      ${c}`).join('\n'));
    } finally {
      await close(page, 'untrusted-every-notebook');
    }
  });
});
