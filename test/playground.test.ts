/**
 * The live playgrounds (lib/src/playground.ts, lib/src/live/) in headless Chromium, offline: a page
 * made of exactly the HTML a notebook cell emits (the bundle output, then the playground output) is
 * served from 127.0.0.1 with plotly.js. Every slider, toggle and click must change what is drawn, the
 * page's numbers must equal the same rules run here in Node to 1e-6, the opening state must be the
 * notebook's static figure, and nothing may log an error or leave the machine. The redraw times are
 * printed (never asserted; `npm run bench` reports them).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import { Browser, BrowserContext, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs';
import * as d2l from 'd2l';
import { clear, launch, newWatch, offlineContext, problems, screenshot, Watch } from './browser';

type Series = Record<string, { x: number[]; y: number[] }>;

/** A page with plotly.js and the outputs of one notebook cell calling d2l.playground(kind, options). */
function playgroundPage(cells: Array<[d2l.PlaygroundKind, unknown]>): string {
  const outputs = cells.map(([kind, settings], i) => d2l.playgroundHtml(kind, settings, `pg-${i}`));
  return `<!doctype html><html><head><meta charset="utf-8"><title>playground</title></head><body>
<script src="/plotly.min.js"></script>
${d2l.playgroundBundleHtml()}
${outputs.join('\n')}
</body></html>`;
}

/** Serve `html` at / and plotly.js at /plotly.min.js on 127.0.0.1. */
function servePage(html: () => string): Promise<http.Server> {
  const plotly = require.resolve('plotly.js-dist-min/plotly.min.js');
  const server = http.createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
    else if (req.url === '/plotly.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(plotly));
    else res.writeHead(404).end('not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Largest coordinate gap between two sets of series with the same names and lengths (Infinity if they differ in shape). */
function seriesGap(a: Series, b: Series): number {
  const names = Object.keys(a).sort();
  if (names.join() !== Object.keys(b).sort().join()) return Infinity;
  let gap = 0;
  for (const n of names) {
    const [p, q] = [a[n]!, b[n]!];
    if (p.x.length !== q.x.length || p.y.length !== q.y.length) return Infinity;
    p.x.forEach((v, i) => (gap = Math.max(gap, Math.abs(v - q.x[i]!), Math.abs(p.y[i]! - q.y[i]!))));
  }
  return gap;
}

/** The trajectories the Node side computes for `settings`, keyed by optimizer like the page's series. */
function nodeTrajectories(settings: d2l.TrajectorySettings): Series {
  return Object.fromEntries(d2l.trajectoryRuns(settings).map((r) => [r.optimizer, { x: r.x, y: r.y }]));
}

const handleOf = (page: Page, id: string) => ({
  drawn: () => page.evaluate((i) => (document.getElementById(i) as unknown as { d2lPlayground: { drawn: number } }).d2lPlayground.drawn, id),
  settings: <S>() => page.evaluate((i) => JSON.parse(JSON.stringify((document.getElementById(i) as unknown as { d2lPlayground: { settings: unknown } }).d2lPlayground.settings)), id) as Promise<S>,
  series: () => page.evaluate((i) => (document.getElementById(i) as unknown as { d2lPlayground: { series(): Series } }).d2lPlayground.series(), id),
  /** Plotly's own copy of the drawn traces: name, x and y of every scatter trace with lines. */
  drawnLines: () => page.evaluate((i: string) => {
    const gd = document.querySelector(`#${i} .d2l-playground-plot`) as unknown as { data: { mode?: string; name?: string; x: number[]; y: number[] }[] };
    return gd.data.filter((t) => t.mode === 'lines').map((t) => ({ name: t.name ?? '', x: Array.from(t.x), y: Array.from(t.y) }));
  }, id),
  timings: () => page.evaluate((i) => (document.getElementById(i) as unknown as { d2lPlayground: { timings: number[] } }).d2lPlayground.timings, id),
});

/** Run `act` on the page and wait until the playground has redrawn at least once more. */
async function andRedraw(page: Page, id: string, act: () => Promise<unknown>): Promise<void> {
  const before = await handleOf(page, id).drawn();
  await act();
  await page.waitForFunction(([i, n]) => (document.getElementById(i as string) as unknown as { d2lPlayground: { drawn: number } }).d2lPlayground.drawn > (n as number), [id, before] as const, { timeout: 10_000 });
}

/** Move the range input `control` of playground `id` to `fraction` of its range, as a user's drag would (input event). */
function moveSlider(page: Page, id: string, control: string, fraction: number): Promise<void> {
  return page.evaluate(([i, c, f]) => {
    const input = document.querySelector(`#${i} input[data-control="${c}"]`) as HTMLInputElement;
    const [lo, hi] = [Number(input.min), Number(input.max)];
    const step = Number(input.step) || 1;
    input.value = String(lo + Math.round(((hi - lo) * (f as number)) / step) * step);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, [id, control, fraction] as const);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('playgrounds in headless Chromium, offline (lib/src/live)', function () {
  this.timeout(5 * 60 * 1000);
  let server: http.Server;
  let browser: Browser;
  let context: BrowserContext;
  let base = '';
  let html = '';
  const watch: Watch = newWatch();

  before(async () => {
    server = await servePage(() => html);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launch();
    context = await offlineContext(browser, watch);
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => clear(watch));

  /** Open a page with the playgrounds `cells` and wait until each has drawn once. */
  async function open(cells: Array<[d2l.PlaygroundKind, unknown]>): Promise<Page> {
    html = playgroundPage(cells);
    const page = await context.newPage();
    await page.goto(base, { waitUntil: 'load' });
    await page.waitForFunction((n) => Array.from({ length: n }, (_, i) => document.getElementById(`pg-${i}`) as unknown as { d2lPlayground?: { drawn: number } })
      .every((el) => (el?.d2lPlayground?.drawn ?? 0) > 0), cells.length, { timeout: 30_000 });
    return page;
  }

  describe('trajectories (notebook 04)', () => {
    it("opens in notebook 04's first figure: the five tf.train optimizers' 50 steps on the bowl, to float32 accuracy", async () => {
      const page = await open([['trajectories', d2l.playgroundSettings('trajectories')]]);
      try {
        const h = handleOf(page, 'pg-0');
        const drawn = await h.series();
        assert.deepEqual(Object.keys(drawn), ['gd', 'momentum', 'adagrad', 'rmsprop', 'adam']);
        // The notebook's figure: tf.train's optimizers with the notebook's learning rates.
        const figure = d2l.compareOnToy(d2l.quadraticBowl, [
          { name: 'gd', make: () => tf.train.sgd(0.4) }, { name: 'momentum', make: () => tf.train.momentum(0.04, 0.9) },
          { name: 'adagrad', make: () => tf.train.adagrad(1) }, { name: 'rmsprop', make: () => tf.train.rmsprop(0.2, 0.9) },
          { name: 'adam', make: () => tf.train.adam(0.3) },
        ], 50);
        const tfSeries: Series = Object.fromEntries(figure.map((p) => [p.name, { x: p.x, y: p.y }]));
        const gap = seriesGap(drawn, tfSeries);
        assert.ok(gap < 1e-4, `page and notebook figure differ by ${gap} (float64 rules against float32 optimizers)`);
        // What plotly holds is what was computed (no rounding on the way to the plot).
        const lines = await h.drawnLines();
        assert.equal(lines.length, 5);
        lines.forEach((l, k) => assert.ok(seriesGap({ p: l }, { p: Object.values(drawn)[k]! }) === 0, `trace ${l.name} is not the computed path`));
        await screenshot(page, 'playground-trajectories');
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });

    it('every toggle, slider and the function choice changes the paths, and the page equals Node to 1e-6 after each', async () => {
      const page = await open([['trajectories', d2l.playgroundSettings('trajectories')]]);
      const h = handleOf(page, 'pg-0');
      const id = 'pg-0';
      try {
        const check = async (what: string, before: Series): Promise<Series> => {
          const now = await h.series();
          assert.ok(seriesGap(now, before) > 1e-3, `${what}: the paths did not change`);
          const gap = seriesGap(now, nodeTrajectories(await h.settings<d2l.TrajectorySettings>()));
          assert.ok(gap <= 1e-6, `${what}: page and Node differ by ${gap}`);
          return now;
        };
        let before = await h.series();
        for (const name of ['amsgrad', 'yogi']) {
          await andRedraw(page, id, () => page.click(`#${id} input[data-control="show-${name}"]`));
          before = await check(`showing ${name}`, before);
        }
        await andRedraw(page, id, () => page.click(`#${id} input[data-control="show-gd"]`));
        before = await check('hiding GD', before);
        assert.ok(!('gd' in before));
        const sliders = await page.$$eval(`#${id} input[type=range]`, (els) => els.map((e) => (e as HTMLInputElement).dataset['control']!));
        assert.deepEqual(sliders.sort(), ['beta1', 'beta2', 'epsilon', 'rho', 'steps', ...d2l.PLAYGROUND_OPTIMIZERS.map((o) => `lr-${o}`)].sort());
        for (const control of sliders) {
          if (control === 'lr-gd') continue; // GD is hidden now: its slider moves nothing drawn (checked below)
          await andRedraw(page, id, () => moveSlider(page, id, control, control === 'epsilon' ? 0.9 : 0.3));
          before = await check(`slider ${control}`, before);
        }
        await andRedraw(page, id, () => moveSlider(page, id, 'lr-gd', 0.5));
        assert.equal(seriesGap(await h.series(), before), 0, 'a hidden optimizer\'s η changed the drawn paths');
        await andRedraw(page, id, () => page.selectOption(`#${id} select[data-control="fn"]`, 'beale'));
        before = await check('function → Beale', before);
        const beale = await h.settings<d2l.TrajectorySettings>();
        assert.deepEqual(beale, d2l.trajectoryPreset('beale'), "choosing a function restores notebook 04's settings for it");
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });

    it('a click on the contour plot moves the start there, and every path starts from it', async () => {
      const page = await open([['trajectories', d2l.playgroundSettings('trajectories')]]);
      const h = handleOf(page, 'pg-0');
      try {
        const before = await h.series();
        const box = (await page.locator('#pg-0 .d2l-playground-plot .main-svg').first().boundingBox())!;
        // The plotting area of the fixed layout (margins l 50, r 10, t 30, b 110 of 560 × 510): aim at (0.25, 0.75) of it.
        await andRedraw(page, 'pg-0', () => page.mouse.click(box.x + 50 + 0.25 * 500, box.y + 30 + 0.75 * 370));
        const s = await h.settings<d2l.TrajectorySettings>();
        const toy = d2l.quadraticBowl;
        const want = [toy.xRange[0] + 0.25 * (toy.xRange[1] - toy.xRange[0]), toy.yRange[1] - 0.75 * (toy.yRange[1] - toy.yRange[0])];
        assert.ok(Math.abs(s.start[0] - want[0]!) < 0.05 && Math.abs(s.start[1] - want[1]!) < 0.05, `start ${s.start} for a click at ${want}`);
        const now = await h.series();
        assert.ok(seriesGap(now, before) > 1e-3, 'the paths did not change');
        for (const p of Object.values(now)) assert.deepEqual([p.x[0], p.y[0]], s.start);
        assert.ok(seriesGap(now, nodeTrajectories(s)) <= 1e-6);
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });

    it('records the redraw time for 500 steps × 7 optimizers (printed, not asserted)', async () => {
      const settings = d2l.trajectorySettings({ fn: 'rosenbrock', steps: 500, show: [...d2l.PLAYGROUND_OPTIMIZERS] });
      const page = await open([['trajectories', settings]]);
      try {
        const h = handleOf(page, 'pg-0');
        for (let k = 0; k < 20; k++) await andRedraw(page, 'pg-0', () => moveSlider(page, 'pg-0', 'lr-adam', 0.3 + 0.01 * k));
        const times = (await h.timings()).slice(1);
        const series = await h.series();
        assert.equal(Object.keys(series).length, 7);
        console.log(`      redraw, 500 steps × 7 optimizers: median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms over ${times.length} slider moves`);
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });
  });

  describe('reddi (notebook 05)', () => {
    const nodeReddi = (settings: d2l.ReddiSettings): Series =>
      Object.fromEntries(d2l.reddiRuns(settings).map((r) => [r.rule, { x: r.x.map((_, i) => i + 1), y: r.x }]));

    it("opens in notebook 05's Theorem 1 figure: the tensor rules' 1500 points for C = 3, to float32 accuracy", async () => {
      const page = await open([['reddi', d2l.playgroundSettings('reddi')]]);
      try {
        const drawn = await handleOf(page, 'pg-0').series();
        const problem = d2l.reddiTheorem1(3);
        const h = (epsilon: number) => ({ learningRate: (t: number) => 0.5 / Math.sqrt(t), beta1: 0, beta2: 1 / (1 + 9), epsilon });
        const zero = (): d2l.Moments => ({ m: tf.scalar(0), v: tf.scalar(0) });
        const tensor: Series = {
          adam: d2l.runOnline(problem, d2l.adamRule, zero(), h(1e-8), 1500),
          amsgrad: d2l.runOnline(problem, d2l.amsgradRule, { ...zero(), vhat: tf.scalar(0) }, h(1e-8), 1500),
          yogi: d2l.runOnline(problem, d2l.yogiRule, zero(), h(1e-3), 1500),
        } as unknown as Series;
        for (const [k, run] of Object.entries(tensor)) tensor[k] = { x: run.x.map((_, i) => i + 1), y: (run as unknown as d2l.OnlinePlay).x };
        const gap = seriesGap(drawn, tensor);
        assert.ok(gap < 1e-4, `page and the tensor rules differ by ${gap}`);
        // …and the figure shows what notebook 05 says: Adam ends near +1, AMSGrad and Yogi near −1.
        const end = (k: string) => drawn[k]!.y.slice(-3).reduce((a, b) => a + b, 0) / 3;
        assert.ok(end('adam') > 0.99 && end('amsgrad') < -0.99 && end('yogi') < -0.98, `ends ${['adam', 'amsgrad', 'yogi'].map(end)}`);
        await screenshot(page, 'playground-reddi');
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });

    it('C, β1, β2 (and its link to C), α, the schedule and the steps all change the iterates; the page equals Node to 1e-6', async () => {
      const id = 'pg-0';
      const page = await open([['reddi', d2l.playgroundSettings('reddi')]]);
      const h = handleOf(page, id);
      try {
        let before = await h.series();
        const check = async (what: string): Promise<void> => {
          const now = await h.series();
          assert.ok(seriesGap(now, before) > 1e-3, `${what}: the iterates did not change`);
          const settings = await h.settings<d2l.ReddiSettings>();
          assert.ok(seriesGap(now, nodeReddi(settings)) <= 1e-6, `${what}: page and Node differ`);
          before = now;
        };
        await andRedraw(page, id, () => moveSlider(page, id, 'C', 0.5));
        await check('C');
        const linked = await h.settings<d2l.ReddiSettings>();
        assert.ok(linked.beta2FromC && Math.abs(linked.beta2 - 1 / (1 + linked.C ** 2)) < 1e-12, 'β2 follows C');
        await andRedraw(page, id, () => page.click(`#${id} input[data-control="beta2FromC"]`));
        assert.equal(seriesGap(await h.series(), before), 0, 'unlinking β2 alone changed the iterates');
        for (const control of ['beta2', 'C', 'beta1', 'alpha', 'steps']) {
          await andRedraw(page, id, () => moveSlider(page, id, control, control === 'steps' ? 0.85 : 0.6));
          await check(control);
        }
        assert.equal((await h.settings<d2l.ReddiSettings>()).beta2FromC, false);
        await andRedraw(page, id, () => page.selectOption(`#${id} select[data-control="schedule"]`, 'constant'));
        await check('schedule');
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });
  });

  describe('bias (notebook 03)', () => {
    const nodeBias = (settings: d2l.BiasSettings): Series => {
      const run = d2l.biasRun(settings);
      const t = run.rawV.map((_, i) => i + 1);
      return Object.fromEntries((['rawV', 'hatV', 'rawS', 'hatS', 'step', 'uncorrectedStep'] as const).map((k) => [k, { x: t, y: run[k] }]));
    };

    it("opens in notebook 03's figures: the noisy lanes' mean moments of d2l.momentTraces, raw and corrected, to float32 accuracy", async () => {
      const page = await open([['bias', d2l.playgroundSettings('bias')]]);
      try {
        const drawn = await handleOf(page, 'pg-0').series();
        // Notebook 03's computation: lane 0 constant, lanes 1…2000 N(1, 1) from Random(7), through the tensor rule.
        const noise = new d2l.Random(7);
        const grads = Array.from({ length: 50 }, () => Float32Array.from({ length: 2001 }, (_, i) => (i === 0 ? 1 : 1 + noise.normal())));
        const traces = d2l.momentTraces(grads, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-6 });
        const noisyMean = (rows: number[][]): number[] => rows.map((row) => row.slice(1).reduce((a, b) => a + b, 0) / 2000);
        for (const k of ['rawV', 'hatV', 'rawS', 'hatS'] as const) {
          const want = noisyMean(traces[k]);
          const gap = Math.max(...want.map((w, i) => Math.abs(w - drawn[k]!.y[i]!) / Math.abs(w)));
          assert.ok(gap < 1e-5, `${k}: relative gap ${gap} to the notebook's figure`);
        }
        // Without correction the first step is about (1 − β1)/√(1 − β2) ≈ 3.16 times larger (notebook 03's text).
        const first = drawn['uncorrectedStep']!.y[0]! / drawn['step']!.y[0]!;
        assert.ok(Math.abs(first - 0.1 / Math.sqrt(0.001)) < 0.01, `first-step ratio ${first}`);
        await screenshot(page, 'playground-bias');
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });

    it('β1, β2, the noise and the steps all change the curves; the page equals Node to 1e-6', async () => {
      const id = 'pg-0';
      const page = await open([['bias', d2l.playgroundSettings('bias')]]);
      const h = handleOf(page, id);
      try {
        let before = await h.series();
        for (const [control, at] of [['beta1', 0.5], ['beta2', 0.3], ['noise', 0.1], ['steps', 0.6]] as const) {
          await andRedraw(page, id, () => moveSlider(page, id, control, at));
          const now = await h.series();
          assert.ok(seriesGap(now, before) > 1e-3, `${control}: the curves did not change`);
          const gap = seriesGap(now, nodeBias(await h.settings<d2l.BiasSettings>()));
          assert.ok(gap <= 1e-6, `${control}: page and Node differ by ${gap}`);
          before = now;
        }
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });
  });

  describe('noise (notebook 06)', () => {
    const nodeNoise = (settings: d2l.NoiseSettings): Series => {
      const run = d2l.noiseRun(settings);
      return { sgd: { x: run.epochs, y: run.losses.sgd }, adam: { x: run.epochs, y: run.losses.adam } };
    };

    it('opens in the chapter setting; η, the minibatch size and the epochs change the curves; the page equals Node to 1e-6', async () => {
      const id = 'pg-0';
      const page = await open([['noise', d2l.playgroundSettings('noise')]]);
      const h = handleOf(page, id);
      try {
        assert.deepEqual(await h.settings(), { learningRate: 0.01, batchSize: 10, epochs: 2, seed: 1 });
        let before = await h.series();
        assert.ok(seriesGap(before, nodeNoise(await h.settings<d2l.NoiseSettings>())) <= 1e-6);
        // Two epochs of 1500 examples, a point every 200: 15 points per curve, both above the noise floor.
        assert.equal(before['adam']!.y.length, 15);
        for (const [control, at] of [['learningRate', 0.8], ['batchSize', 0.1], ['epochs', 0.5]] as const) {
          await andRedraw(page, id, () => moveSlider(page, id, control, at));
          const now = await h.series();
          assert.ok(seriesGap(now, before) > 1e-3, `${control}: the curves did not change`);
          const gap = seriesGap(now, nodeNoise(await h.settings<d2l.NoiseSettings>()));
          assert.ok(gap <= 1e-6, `${control}: page and Node differ by ${gap}`);
          before = now;
        }
        await screenshot(page, 'playground-noise');
        assert.equal(problems(watch), '');
      } finally {
        await page.close();
      }
    });
  });

  it('all four playgrounds on one page (one bundle, as in a notebook session) draw without errors', async () => {
    const kinds: d2l.PlaygroundKind[] = ['trajectories', 'bias', 'reddi', 'noise'];
    const page = await open(kinds.map((k) => [k, d2l.playgroundSettings(k)]));
    try {
      const drawn = await page.$$eval('.d2l-playground', (els) => els.map((el) => ({
        kind: el.getAttribute('data-playground'),
        svg: el.querySelectorAll('.d2l-playground-plot .main-svg').length,
        traces: el.querySelectorAll('.d2l-playground-plot .scatterlayer > .trace').length,
      })));
      assert.deepEqual(drawn.map((d) => d.kind), kinds);
      for (const d of drawn) assert.ok(d.svg > 0 && d.traces > 0, `${d.kind} drew nothing`);
      assert.equal(problems(watch), '');
    } finally {
      await page.close();
    }
  });

  it('bad options fail in the notebook cell, naming the option', () => {
    assert.throws(() => d2l.playgroundSettings('trajectories', { fn: 'himmelblau' as 'bowl' }), /fn must be one of 'bowl', 'beale'/);
    assert.throws(() => d2l.playgroundSettings('trajectories', { lr: { adamw: 0.1 } as never }), /no option 'adamw'/);
    assert.throws(() => d2l.playgroundSettings('trajectories', { learningRate: 0.1 } as never), /no option 'learningRate'; its options are: fn, start/);
    assert.throws(() => d2l.playgroundSettings('trajectories', { steps: 0 }), /steps must be an integer in \[1, 2000\]/);
    assert.throws(() => d2l.playgroundSettings('nonsense' as 'trajectories'), /unknown playground 'nonsense'/);
    assert.throws(() => d2l.playgroundSettings('reddi', { C: 2 }), /C must be a number in \[2\.000001/);
    assert.throws(() => d2l.playgroundSettings('reddi', { schedule: 'cosine' as 'sqrt' }), /schedule must be one of 'sqrt', 'constant'/);
    assert.equal(d2l.reddiSettings({ C: 4 }).beta2, 1 / 17, 'β2 follows C by default');
    assert.throws(() => d2l.playgroundSettings('noise', { batchSize: 0.5 }), /batchSize must be an integer in \[1, 1500\]/);
    assert.throws(() => d2l.playgroundSettings('bias', { noise: -1 }), /noise must be a number in \[0, 100\], got -1/);
    assert.equal(d2l.reddiSettings({ C: 4, beta2: 0.5 }).beta2, 0.5, 'a given β2 is kept');
  });
});
