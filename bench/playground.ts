/**
 * The playgrounds' redraw time in headless Chromium (issue 14's target: ≤ 50 ms for 500 steps × 7
 * optimizers): the trajectories playground on Rosenbrock's valley with every optimizer shown, one
 * learning-rate slider moved `moves` times, each redraw (the rules' computation + Plotly.react) timed
 * by the page's performance.now(); and the computation alone. test/playground.test.ts prints the same
 * figure; neither asserts it.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as d2l from 'd2l';

const chromiumPath = process.env['D2L_CHROMIUM'] ?? '/usr/bin/chromium';

/** Per-redraw and compute-only milliseconds, or why they could not be measured. */
export async function playgroundTimes(moves: number): Promise<{ redraw: number[]; compute: number[] } | string> {
  if (!fs.existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}`;
  // Loaded here, so a missing devDependency only skips these rows.
  const { chromium } = await import('playwright-core');
  const settings = d2l.trajectorySettings({ fn: 'rosenbrock', steps: 500, show: [...d2l.PLAYGROUND_OPTIMIZERS] });
  const html = `<!doctype html><meta charset="utf-8"><body><script src="/plotly.min.js"></script>${d2l.playgroundBundleHtml()}${d2l.playgroundHtml('trajectories', settings, 'pg')}</body>`;
  const plotly = fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'));
  const server = http.createServer((req, res) => res.end(req.url === '/plotly.min.js' ? plotly : html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => ((document.getElementById('pg') as unknown as { d2lPlayground?: { drawn: number } }).d2lPlayground?.drawn ?? 0) > 0);
    return await page.evaluate(async (n) => {
      type Handle = { settings: { lr: Record<string, number> }; redraw(): Promise<number> };
      const h = (document.getElementById('pg') as unknown as { d2lPlayground: Handle }).d2lPlayground;
      const input = document.querySelector('#pg input[data-control="lr-adam"]') as HTMLInputElement;
      const runs = (window as unknown as { d2lPlayground: { trajectoryRuns(s: unknown): unknown } }).d2lPlayground.trajectoryRuns;
      const out = { redraw: [] as number[], compute: [] as number[] };
      for (let k = 0; k < n; k++) {
        // As a drag would: move the slider, fire its input event, wait for that redraw.
        input.value = String(200 + (k % 2 === 0 ? k : -k));
        input.dispatchEvent(new Event('input'));
        out.redraw.push(await h.redraw());
        const t0 = performance.now();
        runs(h.settings);
        out.compute.push(performance.now() - t0);
      }
      return out;
    }, moves);
  } finally {
    await browser.close();
    server.close();
  }
}
