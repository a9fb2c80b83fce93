/**
 * Smoke test of the live notebook experience: Debian's classic Jupyter notebook server (on
 * 127.0.0.1, a free port, a random token) serving notebooks/, with 01-adam.ipynb opened in headless
 * Chromium and run with Cell → Run All (`Jupyter.notebook.execute_all_cells()`).
 *
 * Classic notebook ignores the plotly MIME type, so the figures can only appear through their HTML
 * fallback: that proves plotly.js loads offline from the bundle the first figure inlines, and that
 * the live loss curve is redrawn in place (update_display_data) rather than appended. Reopened
 * untrusted, every executed notebook's figures and playgrounds must still show their pictures
 * through classic notebook's own sanitizer. Nothing may leave 127.0.0.1. The notebook is never
 * saved (autosave off, the page made read-only), and the server and its kernels are always
 * stopped at the end.
 */
import { strict as assert } from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { clear, launch, newWatch, offlineContext, problems, repo, screenshot, Watch } from './browser';
import { codeOutputs, executedNotebook, notebookNames, outputKind } from './executed';
import { inked } from './inked';
import { PYTHON } from './python';

const notebookDir = path.join(repo, 'notebooks');
const notebookName = '01-adam.ipynb';
const kernelDir = path.join(repo, '.jupyter', 'share', 'jupyter');
const python = PYTHON;

/**
 * Starts the classic notebook server on the test's own Jupyter folders only. jupyter_core always
 * appends the machine's folders (/usr/share/jupyter, /usr/local/share/jupyter, /etc/jupyter, …) to
 * every search path, so a widgets nbextension or an nbconfig that happens to be installed there
 * would change what the page loads. Emptying those lists (and `-s`, no user site) leaves only
 * JUPYTER_PATH, JUPYTER_DATA_DIR and JUPYTER_CONFIG_DIR; the resolved paths are printed first so
 * the test can check the isolation really took effect.
 */
const serverLauncher = `
import json, sys
import jupyter_core.paths as paths
for name in ("SYSTEM_JUPYTER_PATH", "ENV_JUPYTER_PATH", "SYSTEM_CONFIG_PATH", "ENV_CONFIG_PATH"):
    getattr(paths, name).clear()
print("d2l-jupyter-paths " + json.dumps(paths.jupyter_path() + paths.jupyter_config_path()), flush=True)
from notebook.notebookapp import main
sys.argv[0] = "jupyter-notebook"
sys.exit(main())
`;

/**
 * Debian's classic notebook 6.4 page always asks the server for ipywidgets' classic extension (the
 * "HARDCODED WIDGETS HACK" block in notebook/static/notebook/js/main.js) unless jupyter-js-widgets
 * is already loaded. Where ipywidgets is not installed, which is what `npm run setup` leaves, the
 * server answers 404 with an HTML page; Chromium records that as a failed request (HTTP 404, or
 * aborted once requirejs drops the script) and a console error (the 404, or the HTML refused as a
 * script). Those records are the server's probe, not a fault of the chapter: drop exactly them,
 * for that one URL, and keep every other failed request and console error. Returns how many.
 */
function dropWidgetsProbe(watch: Watch, base: string): number {
  const url = `${base}/nbextensions/widgets/notebook/js/extension.js`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + "(\\?v=[^:'()\\s]*)?";
  const request = new RegExp(`^${url}: (HTTP 404|net::ERR_ABORTED)$`);
  const refused = new RegExp(
    `^(Refused to execute script from '${url}' because its MIME type \\('text/html'\\) is not executable.*` +
      `|Failed to load resource: the server responded with a status of 404 \\(Not Found\\) \\(${url}\\))$`,
  );
  const before = watch.failedRequests.length + watch.consoleErrors.length;
  watch.failedRequests = watch.failedRequests.filter((r) => !request.test(r));
  watch.consoleErrors = watch.consoleErrors.filter((e) => !refused.test(e));
  return before - watch.failedRequests.length - watch.consoleErrors.length;
}

/** A port that was free a moment ago (the server is told not to try others, and we retry). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** All processes descended from `pid` (from /proc), e.g. the kernels a server started. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stored outputs of the committed notebook, to prove the test saved nothing into it. */
function storedOutputs(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs?: unknown[] }[] };
  return nb.cells.reduce((n, c) => n + (c.outputs?.length ?? 0), 0);
}

/** A classic notebook server started for the test, with everything needed to stop it for sure. */
class NotebookServer {
  readonly token = crypto.randomBytes(24).toString('hex');
  base = '';
  log = '';
  private proc: ChildProcess | undefined;
  private exited = false;
  private readonly kernelPids = new Set<number>();

  constructor(private readonly tmp: string) {}

  async start(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Only this checkout's kernelspec; the launcher drops the machine's own folders.
      JUPYTER_PATH: kernelDir,
      // Fresh per-run config, data and runtime folders: no user settings, no writes to $HOME.
      JUPYTER_CONFIG_DIR: path.join(this.tmp, 'config'),
      JUPYTER_DATA_DIR: path.join(this.tmp, 'data'),
      JUPYTER_RUNTIME_DIR: path.join(this.tmp, 'runtime'),
      IPYTHONDIR: path.join(this.tmp, 'ipython'),
    };
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      this.exited = false;
      this.log = '';
      this.proc = spawn(
        python,
        ['-s', '-c', serverLauncher, '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${this.token}`, `--notebook-dir=${notebookDir}`,
          // CI machines run as root, which the server refuses without this.
          ...(process.getuid?.() === 0 ? ['--allow-root'] : [])],
        { env, cwd: repo, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      this.proc.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
      this.proc.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
      this.proc.once('exit', () => (this.exited = true));
      process.once('exit', this.killNow);
      this.base = `http://127.0.0.1:${port}`;
      if (await this.ready(120_000)) return;
      await this.stop();
      // Another process took the port between our check and the server's bind: try another.
      if (attempt < 3 && /already in use|Address already in use/i.test(this.log)) continue;
      throw new Error(`the notebook server did not start:\n${this.log}`);
    }
  }

  private async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.exited) {
      try {
        const res = await fetch(`${this.base}/api/status`, { headers: this.auth() });
        if (res.ok) return true;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    return false;
  }

  /** The data and config folders the server searches, as its launcher printed them. */
  searchPaths(): string[] {
    const line = /^d2l-jupyter-paths (.*)$/m.exec(this.log);
    if (!line) throw new Error(`the server's launcher did not print its search paths:\n${this.log}`);
    return JSON.parse(line[1]!) as string[];
  }

  auth(): Record<string, string> {
    return { Authorization: `token ${this.token}` };
  }

  /** Remember the kernels (children of the server) so they can be killed even if the server dies. */
  noteKernels(): void {
    if (this.proc?.pid && !this.exited) descendants(this.proc.pid).forEach((p) => this.kernelPids.add(p));
  }

  /** Shut the kernels down through the REST API, stop the server, then kill anything left. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid) return;
    this.noteKernels();
    if (!this.exited) {
      try {
        const res = await fetch(`${this.base}/api/kernels`, { headers: this.auth(), signal: AbortSignal.timeout(10_000) });
        const kernels = (await res.json()) as { id: string }[];
        for (const k of kernels) {
          await fetch(`${this.base}/api/kernels/${k.id}`, { method: 'DELETE', headers: this.auth(), signal: AbortSignal.timeout(30_000) });
        }
      } catch {
        // the server is not answering: the signals below still stop everything
      }
    }
    const group = -proc.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(group, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    for (let i = 0; i < 80 && !this.exited; i++) await sleep(250);
    if (!this.exited) signal('SIGKILL');
    for (const pid of this.kernelPids) {
      for (let i = 0; i < 20 && alive(pid); i++) await sleep(250);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    process.removeListener('exit', this.killNow);
    this.proc = undefined;
  }

  /** Last resort when mocha exits without running `after` (Ctrl-C): signal everything we started. */
  private readonly killNow = (): void => {
    const pids = [...(this.proc?.pid && !this.exited ? [-this.proc.pid] : []), ...this.kernelPids];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  leftovers(): number[] {
    return [...this.kernelPids].filter(alive);
  }
}

/** The bits of the classic notebook's JavaScript API the test uses. */
interface Cell {
  cell_type: string;
  element: { hasClass(c: string): boolean; find(sel: string): { toArray(): HTMLElement[] } };
  get_text(): string;
  output_area?: { outputs: { output_type: string; name?: string; text?: string; data?: Record<string, unknown>; transient?: { display_id?: string } }[] };
}
interface JupyterApi {
  notebook: {
    _fully_loaded: boolean;
    writable: boolean;
    set_autosave_interval(ms: number): void;
    get_cells(): Cell[];
    execute_all_cells(): void;
    kernel: { is_connected(): boolean; info_reply: Record<string, unknown> } | null;
    events: { on(event: string, fn: (e: unknown, data: Record<string, unknown>) => void): void };
  };
}
interface Probe {
  finished: number;
  /** Per display id, the number of points (longest trace) each in-place update carried. */
  updates: Record<string, number[]>;
}
type Win = Window & { Jupyter?: JupyterApi; Plotly?: unknown; __d2l?: Probe; __d2lWidgets?: boolean };

/** Fail on any console error or failed request of a notebook page, but for the two expected ones. */
function assertNoPageProblems(watch: Watch, base: string): void {
  // The notebook app's own MathJax 2.7 declares `@font-face { font-family: MathJax_Blank;
  // src: url("about:blank") }`, which Chromium refuses with two console errors on every load.
  watch.consoleErrors = watch.consoleErrors.filter((e) => !/about:blank/.test(e));
  dropWidgetsProbe(watch, base);
  assert.equal(problems(watch), '', 'the notebook page had problems');
}

/** Open a notebook of the server in `page`, read-only (nothing the test does is saved), once the notebook app has loaded it. */
async function openNotebook(page: Page, base: string, token: string, name: string): Promise<void> {
  await page.goto(`${base}/notebooks/${name}?token=${token}`, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForFunction(() => (window as Win).Jupyter?.notebook?._fully_loaded === true, null, { timeout: 120_000 });
  // Never write the committed notebook: no autosave, and the page refuses to save.
  await page.evaluate(() => {
    const nb = (window as Win).Jupyter!.notebook;
    nb.set_autosave_interval(0);
    nb.writable = false;
  });
}

/** Wait until the page's kernel is connected and has answered kernel_info. */
async function kernelReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const k = (window as Win).Jupyter!.notebook.kernel;
    return !!k && k.is_connected() && Object.keys(k.info_reply).length > 0;
  }, null, { timeout: 180_000 });
}

describe('classic Jupyter notebook in Chromium: Run All on 01-adam.ipynb', function () {
  this.timeout(15 * 60 * 1000);
  let tmp = '';
  let server: NotebookServer | undefined;
  let browser: Browser | undefined;
  const watch: Watch = newWatch();

  before(async function () {
    for (const [file, what] of [
      [path.join(kernelDir, 'kernels', 'tslab', 'kernel.json'), "the tslab kernelspec: run 'npm run setup'"],
      ['/usr/lib/python3/dist-packages/notebook/notebookapp.py', "Debian's jupyter-notebook: run 'npm run setup'"],
    ] as const) {
      assert.ok(fs.existsSync(file), `missing ${what} (${file})`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-jupyter-'));
    server = new NotebookServer(tmp);
    await server.start();
    const outside = server.searchPaths().filter((p) => ![tmp, kernelDir].some((own) => p === own || p.startsWith(own + path.sep)));
    assert.deepEqual(outside, [], "the notebook server searches the machine's Jupyter folders: its page would depend on what is installed there");
    browser = await launch();
  });

  after(async function () {
    this.timeout(120_000);
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('draws every figure from the inlined plotly.js, updated in place, offline', async () => {
    const nbFile = path.join(notebookDir, notebookName);
    assert.equal(storedOutputs(nbFile), 0, 'the committed notebook should carry no outputs');
    const context = await offlineContext(browser!, watch);
    const page: Page = await context.newPage();
    try {
      await openNotebook(page, server!.base, server!.token, notebookName);
      await kernelReady(page);
      server!.noteKernels();

      // Count finished cells and the in-place updates per display id, then Run All.
      const codeCells = await page.evaluate(() => {
        const w = window as Win;
        const probe: Probe = { finished: 0, updates: {} };
        w.__d2l = probe;
        const events = w.Jupyter!.notebook.events;
        events.on('finished_execute.CodeCell', () => probe.finished++);
        events.on('output_updated.OutputArea', (_e, data) => {
          const output = data['output'] as { transient?: { display_id?: string }; data: Record<string, unknown> };
          // Animator's live updates carry only the HTML (lib/src/figure.ts): read its figure there.
          type Fig = { data: { y?: unknown[] }[] };
          const html = /var fig=(\{.*?\});var el=/.exec(String(output.data['text/html'] ?? ''));
          const fig = (output.data['application/vnd.plotly.v1+json'] as Fig | undefined) ?? (html ? (JSON.parse(html[1]!) as Fig) : undefined);
          const id = output.transient?.display_id ?? '?';
          (probe.updates[id] ??= []).push(Math.max(0, ...(fig?.data ?? []).map((t) => t.y?.length ?? 0)));
        });
        const cells = w.Jupyter!.notebook.get_cells().filter((c) => c.cell_type === 'code' && c.get_text().trim() !== '');
        w.Jupyter!.notebook.execute_all_cells();
        return cells.length;
      });
      assert.ok(codeCells > 0, 'the notebook has code cells');
      await page.waitForFunction(
        (n) => {
          const w = window as Win;
          return w.__d2l!.finished >= n && w.Jupyter!.notebook.get_cells().every((c) => !c.element.hasClass('running'));
        },
        codeCells,
        { timeout: 10 * 60 * 1000, polling: 500 },
      );
      server!.noteKernels();

      // No cell may have failed: tslab reports errors on stderr only.
      const stderr = await page.evaluate(() =>
        (window as Win).Jupyter!.notebook.get_cells().flatMap((c, i) => (c.output_area?.outputs ?? []).filter((o) => o.name === 'stderr').map((o) => `cell ${i + 1}: ${o.text ?? ''}`)),
      );
      assert.deepEqual(stderr, [], 'cells wrote to stderr (a tslab error)');

      // What the kernel sent: per figure output, its display id and points per trace (final state).
      const figures = await page.evaluate(() =>
        (window as Win).Jupyter!.notebook.get_cells().flatMap((c, cell) =>
          (c.output_area?.outputs ?? [])
            .filter((o) => o.data?.['application/vnd.plotly.v1+json'] !== undefined)
            .map((o) => ({
              cell,
              displayId: o.transient?.display_id ?? null,
              points: (o.data!['application/vnd.plotly.v1+json'] as { data: { y?: unknown[] }[] }).data.map((t) => t.y?.length ?? 0),
            })),
        ),
      );
      assert.ok(figures.length > 0, `${notebookName} displayed no figure`);

      // What the browser drew: wait until every figure's HTML fallback has run plotly.
      await page.waitForFunction(
        (n) => document.querySelectorAll('.d2l-figure .main-svg').length > 0 && Array.from(document.querySelectorAll('.d2l-figure')).filter((el) => el.querySelector('.main-svg')).length >= n,
        figures.length,
        { timeout: 120_000 },
      );
      const drawn = await page.evaluate(() => {
        const w = window as Win;
        return {
          plotly: typeof w.Plotly,
          cells: w.Jupyter!.notebook.get_cells().map((c) =>
            c.element.find('.d2l-figure').toArray().map((el) => ({
              svg: el.querySelectorAll('.main-svg').length > 0,
              points: ((el as unknown as { data?: { y?: unknown[] }[] }).data ?? []).map((t) => t.y?.length ?? 0),
            })),
          ),
        };
      });
      assert.equal(drawn.plotly, 'object', 'window.Plotly comes from the inlined bundle');
      const updates = await page.evaluate(() => (window as Win).__d2l!.updates);
      for (const fig of figures) {
        const inCell = drawn.cells[fig.cell]!;
        assert.equal(inCell.length, figures.filter((f) => f.cell === fig.cell).length, `cell ${fig.cell + 1}: one drawn figure per figure output (updates replace, not append)`);
        const k = figures.filter((f) => f.cell === fig.cell).indexOf(fig);
        assert.ok(inCell[k]!.svg, `cell ${fig.cell + 1}: figure ${k + 1} has no plotly SVG`);
        assert.deepEqual(inCell[k]!.points, fig.points, `cell ${fig.cell + 1}: the drawn figure shows the final state`);
        const seen = fig.displayId === null ? [] : (updates[fig.displayId] ?? []);
        if (seen.length > 0) {
          // Progress: the figure was redrawn as points arrived, ending with all of them.
          assert.ok(seen.every((n, i) => i === 0 || n >= seen[i - 1]!), `cell ${fig.cell + 1}: updates went backwards: ${seen.join(', ')}`);
          assert.equal(seen[seen.length - 1], Math.max(...fig.points), `cell ${fig.cell + 1}: the last update has all the points`);
        }
      }
      // The training loops' loss curves (Animator) grow point by point: several redraws each.
      const live = figures.filter((f) => f.displayId !== null && (updates[f.displayId]?.length ?? 0) >= 2);
      assert.ok(live.length > 0, `no figure was updated in place while its cell ran: ${JSON.stringify(updates)}`);

      // The notebook scrolls inside #site: make the window as tall as the notebook to capture all of it.
      const height = await page.evaluate(() => (document.querySelector('#notebook')?.scrollHeight ?? 800) + 150);
      await page.setViewportSize({ width: 1200, height: Math.min(height, 16_000) });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await screenshot(page, `jupyter-${notebookName.replace(/\.ipynb$/, '')}`);
      assertNoPageProblems(watch, server!.base);
    } finally {
      await page.close();
      await context.close();
    }
    assert.equal(storedOutputs(nbFile), 0, 'the test must not save outputs into the committed notebook');
  });

  // lib/src/playground.ts: the widget arrives as HTML output (the bundle once, then the playground),
  // runs as trusted output of this session, and computes in the page without the kernel.
  it("shows a live playground (d2l.playground) through tslab's HTML output, offline", async () => {
    const nbFile = path.join(notebookDir, notebookName);
    clear(watch);
    const context = await offlineContext(browser!, watch);
    const page: Page = await context.newPage();
    type Scratch = { set_text(s: string): void; execute(): void };
    type Handle = { drawn: number; series(): Record<string, { x: number[] }> };
    try {
      await openNotebook(page, server!.base, server!.token, notebookName);
      await kernelReady(page);
      server!.noteKernels();
      // The server kept the kernel of the run above, which shipped plotly.js and would not again:
      // restart it, as a reader reopening the notebook would. Then one new cell at the top of the
      // unsaved, read-only page: nothing is written to the notebook.
      await page.evaluate(async () => {
        const nb = (window as Win).Jupyter!.notebook as unknown as {
          insert_cell_at_index(kind: string, i: number): Scratch;
          restart_kernel(o: { confirm: boolean }): Promise<unknown>;
        };
        await nb.restart_kernel({ confirm: false });
      });
      await kernelReady(page);
      server!.noteKernels();
      await page.evaluate(() => {
        const nb = (window as Win).Jupyter!.notebook as unknown as { insert_cell_at_index(kind: string, i: number): Scratch };
        const cell = nb.insert_cell_at_index('code', 0);
        cell.set_text("import * as d2l from 'd2l';\nd2l.playground('trajectories');");
        cell.execute();
      });
      await page.waitForFunction(() => ((document.querySelector('.d2l-playground') as unknown as { d2lPlayground?: Handle } | null)?.d2lPlayground?.drawn ?? 0) > 0, null, { timeout: 180_000 });
      const before = await page.evaluate(() => JSON.stringify((document.querySelector('.d2l-playground') as unknown as { d2lPlayground: Handle }).d2lPlayground.series()));
      assert.ok(before.includes('"adam"'), 'the playground drew the bowl figure\'s paths');
      await page.click('.d2l-playground input[data-control="show-yogi"]');
      await page.waitForFunction(() => 'yogi' in (document.querySelector('.d2l-playground') as unknown as { d2lPlayground: Handle }).d2lPlayground.series(), null, { timeout: 30_000 });
      const stderr = await page.evaluate(() => (window as Win).Jupyter!.notebook.get_cells().flatMap((c) => (c.output_area?.outputs ?? []).filter((o) => o.name === 'stderr').map((o) => o.text ?? '')));
      assert.deepEqual(stderr, [], 'the cell wrote to stderr (a tslab error)');
      await screenshot(page, 'jupyter-playground');
      assertNoPageProblems(watch, server!.base);
    } finally {
      await page.close();
      await context.close();
    }
    assert.equal(storedOutputs(nbFile), 0, 'the test must not save outputs into the committed notebook');
  });

  // A reopened notebook that the reader has not trusted: classic notebook renders its stored HTML
  // through its own sanitizer (no scripts), so each figure and playground must show its picture.
  it('reopened untrusted: every figure and playground of every executed notebook shows its picture', async function () {
    this.timeout(40 * 60 * 1000); // executes the notebooks no earlier test of this run executed
    // Execute (or reuse) every notebook first: the page is open only while it shows their outputs.
    const executed = await Promise.all(notebookNames().map(async (name) => ({ name, shown: codeOutputs(await executedNotebook(name)).flat().filter((o) => outputKind(o) !== undefined) })));
    clear(watch);
    const context = await offlineContext(browser!, watch);
    const page: Page = await context.newPage();
    const counts: string[] = [];
    try {
      await openNotebook(page, server!.base, server!.token, notebookName);
      server!.noteKernels();
      await page.addScriptTag({ content: `window.d2lInked = ${inked.toString()};` });
      for (const { name, shown } of executed) {
        assert.ok(shown.length > 0, `${name} shows no figure at all`);
        // One scratch cell at the bottom of the unsaved page; each output in turn in its output area, untrusted.
        const views = await page.evaluate(async (outputs) => {
          type Area = { clear_output(wait: boolean, ignoreQueue: boolean): void; fromJSON(o: unknown[]): void; trusted: boolean; element: { get(i: number): HTMLElement } };
          const nb = (window as Win).Jupyter!.notebook as unknown as { get_cells(): unknown[]; insert_cell_at_bottom(kind: string): { output_area: Area } };
          const area = nb.insert_cell_at_bottom('code').output_area;
          const out: { scripts: number; images: { width: number; height: number; inked: number }[] }[] = [];
          for (const o of outputs) {
            area.clear_output(false, true);
            area.trusted = false; // as for a notebook whose signature does not match (clear_output trusts again)
            area.fromJSON([o]);
            const node = area.element.get(0);
            const imgs = Array.from(node.querySelectorAll('img'));
            await Promise.all(imgs.map((img) => (img.complete ? Promise.resolve() : new Promise((r) => { img.onload = img.onerror = r; }))));
            out.push({
              scripts: node.querySelectorAll('script').length,
              images: imgs.filter((img) => img.naturalWidth > 0 && img.getBoundingClientRect().width > 0)
                .map((img) => ({ width: img.naturalWidth, height: img.naturalHeight, inked: (window as unknown as { d2lInked: typeof inked }).d2lInked(img) })),
            });
          }
          area.clear_output(false, true);
          return out;
        }, shown);
        views.forEach((v, k) => {
          const where = `${name}, ${outputKind(shown[k]!)} ${k + 1}`;
          assert.equal(v.scripts, 0, `${where}: the sanitizer kept a script`);
          assert.equal(v.images.length, 1, `${where}: shows ${v.images.length} images`);
          const img = v.images[0]!;
          assert.ok(img.width >= 200 && img.height >= 100 && img.inked >= 0.02, `${where}: the picture is ${JSON.stringify(img)}`);
        });
        counts.push(`${name}: ${views.length} pictures`);
      }
      console.log(counts.map((c) => `      ${c}`).join('\n'));
      assertNoPageProblems(watch, server!.base);
    } finally {
      await page.close();
      await context.close();
    }
  });

  it('loads cleanly where a widgets extension is installed too', async () => {
    // Machines with ipywidgets answer the page's widgets probe with a script: stand one in, in the
    // server's own data folder, and the page must load it and have no problem at all.
    const stub = path.join(tmp, 'data', 'nbextensions', 'widgets', 'notebook', 'js', 'extension.js');
    fs.mkdirSync(path.dirname(stub), { recursive: true });
    fs.writeFileSync(stub, 'define([], function () { return { load_ipython_extension: function () { window.__d2lWidgets = true; } }; });\n');
    clear(watch);
    const context = await offlineContext(browser!, watch);
    const page: Page = await context.newPage();
    try {
      await openNotebook(page, server!.base, server!.token, notebookName);
      await page.waitForFunction(() => (window as Win).__d2lWidgets === true, null, { timeout: 60_000 });
      server!.noteKernels();
      watch.consoleErrors = watch.consoleErrors.filter((e) => !/about:blank/.test(e));
      assert.equal(problems(watch), '', 'the notebook page had problems with a widgets extension installed');
    } finally {
      await page.close();
      await context.close();
    }
  });

  it('stops the server and its kernels', async () => {
    await server!.stop();
    assert.deepEqual(server!.leftovers(), [], 'kernel processes survived the server');
  });
});
