/**
 * Shared setup of the browser tests: Debian's Chromium driven by playwright-core, headless and
 * offline. Every request that would leave 127.0.0.1 is aborted and recorded, so a test can fail on
 * it; console errors, uncaught page errors and failed local requests are recorded too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

export const repo = path.resolve(__dirname, '..', '..');
export const chromiumPath = process.env['D2L_CHROMIUM'] ?? '/usr/bin/chromium';
export const screenshotDir = path.join(repo, 'build', 'screenshots');

/** What a page did that a test may want to fail on. */
export interface Watch {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests to anything but 127.0.0.1 (all aborted). */
  offsite: string[];
  /** Local requests that failed or answered with an HTTP error. */
  failedRequests: string[];
}

export const newWatch = (): Watch => ({ consoleErrors: [], pageErrors: [], offsite: [], failedRequests: [] });

/** Fail early with a clear message when Chromium is not installed (tools/setup.sh installs it). */
export function requireChromium(): void {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: run 'npm run setup' (Debian package chromium) or set D2L_CHROMIUM`);
  }
}

/** Headless Chromium with a fresh profile (playwright makes a temporary one) and no background traffic. */
export function launch(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 120_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

const isLocal = (url: URL): boolean => url.hostname === '127.0.0.1';

/** A context that lets only 127.0.0.1 (and data:/blob: URLs) through, recording everything else. */
export async function offlineContext(browser: Browser, watch: Watch): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, serviceWorkers: 'block' });
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || isLocal(url)) {
      await route.continue();
    } else {
      watch.offsite.push(url.href);
      await route.abort('blockedbyclient');
    }
  });
  context.on('page', (page) => watchPage(page, watch));
  return context;
}

function watchPage(page: Page, watch: Watch): void {
  page.on('console', (msg) => {
    if (msg.type() === 'error') watch.consoleErrors.push(`${msg.text()} (${msg.location().url || page.url()})`);
  });
  page.on('pageerror', (err) => watch.pageErrors.push(`${err.name}: ${err.message}`));
  page.on('requestfailed', (req) => {
    const url = new URL(req.url());
    if (isLocal(url)) watch.failedRequests.push(`${req.url()}: ${req.failure()?.errorText ?? 'failed'}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) watch.failedRequests.push(`${res.url()}: HTTP ${res.status()}`);
  });
  // WebSockets bypass routing: record any that leave the machine.
  page.on('websocket', (ws) => {
    if (!isLocal(new URL(ws.url()))) watch.offsite.push(ws.url());
  });
}

/**
 * Save a screenshot as build/screenshots/<name>.png and return its path: the full page, or only the
 * viewport (`fullPage: false`; a long page's full PNG takes seconds to encode, so variants of a page
 * already saved in full keep to what is in view).
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true, timeout: 60_000 });
  return file;
}

/** The recorded problems as readable lines ('' when there were none). */
export function problems(watch: Watch): string {
  const lines: string[] = [];
  for (const url of watch.offsite) lines.push(`request left 127.0.0.1: ${url}`);
  for (const e of watch.pageErrors) lines.push(`uncaught error: ${e}`);
  for (const e of watch.consoleErrors) lines.push(`console error: ${e}`);
  for (const e of watch.failedRequests) lines.push(`failed request: ${e}`);
  return lines.join('\n');
}

/** Empty all the lists, e.g. between pages. */
export function clear(watch: Watch): void {
  watch.consoleErrors.length = 0;
  watch.pageErrors.length = 0;
  watch.offsite.length = 0;
  watch.failedRequests.length = 0;
}
