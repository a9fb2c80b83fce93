/**
 * The data hub: data set name → URL + sha1, downloaded once into a cache folder, verified each time
 * (the cached copy and every fresh download). A file that fails verification never stays in the cache.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** d2l's data server; `D2L_DATA_URL` overrides it (a mirror, or a local server in tests). */
export const DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/';

/** A file the hub knows: where it lives relative to the data URL and its sha1. */
export interface HubEntry {
  readonly file: string;
  readonly sha1: string;
}

/** Known data sets, by the names the book uses. */
export const DATA_HUB: Readonly<Record<string, HubEntry>> = {
  airfoil: { file: 'airfoil_self_noise.dat', sha1: '76e5be1548fd8222e5074cf0faae75edff8cf93f' },
};

/** Where downloads are cached: `D2L_DATA_DIR`, else the repository's `data/` folder. */
export function dataDir(): string {
  return process.env['D2L_DATA_DIR'] ?? path.resolve(__dirname, '..', '..', 'data');
}

/** sha1 of a buffer, as lowercase hex. */
export function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** Options of `download`; each falls back to the environment, then to the defaults above. */
export interface DownloadOptions {
  folder?: string;
  baseUrl?: string;
  /** Give up on a silent server after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * Return the local path of data set `name`, downloading it when the cache lacks a verified copy.
 * Used by `getDataCh11`.
 */
export async function download(name: string, options: DownloadOptions = {}): Promise<string> {
  const entry = DATA_HUB[name];
  if (!entry) throw new RangeError(`Unknown data set '${name}': the hub knows ${Object.keys(DATA_HUB).join(', ')}`);
  const folder = options.folder ?? dataDir();
  const target = path.join(folder, path.basename(entry.file));

  if (fs.existsSync(target)) {
    const cached = fs.readFileSync(target);
    const digest = sha1(cached);
    if (digest === entry.sha1) return target;
    // A truncated or altered cache entry: drop it before fetching a fresh copy, so it never survives.
    removeBadFile(target, `cached ${target} does not match its sha1 (${cached.length} bytes, sha1 ${digest}, expected ${entry.sha1})`);
  }

  const url = (options.baseUrl ?? process.env['D2L_DATA_URL'] ?? DATA_URL) + entry.file;
  const body = await fetchBytes(url, entry.file, folder, options.timeoutMs ?? 60_000);
  const digest = sha1(body);
  if (digest !== entry.sha1) {
    throw new Error(`Downloaded ${url} but its sha1 is ${digest}, expected ${entry.sha1} (${body.length} bytes): the server sent a different or damaged file. Nothing was written to ${folder}; retry later or point D2L_DATA_URL at a mirror.`);
  }
  fs.mkdirSync(folder, { recursive: true });
  // Write next to the target and rename: a crash mid-write leaves no half file under the real name.
  const partial = `${target}.${process.pid}.part`;
  fs.writeFileSync(partial, body);
  fs.renameSync(partial, target);
  return target;
}

function removeBadFile(file: string, why: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    throw new Error(`${why}, and it could not be removed (${(e as Error).message}). Delete it by hand or set D2L_DATA_DIR to a writable folder.`);
  }
  console.warn(`d2l: ${why}; removed it and downloading again`);
}

async function fetchBytes(url: string, file: string, folder: string, timeoutMs: number): Promise<Buffer> {
  const hint = `Check the network connection, or put a verified copy of ${file} in ${folder} (or set D2L_DATA_DIR to a folder that has one).`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new Error(`Could not download ${url}: ${cause}. ${hint}`);
  }
  if (!response.ok) throw new Error(`Could not download ${url}: HTTP ${response.status} ${response.statusText}. ${hint}`);
  let body: Buffer;
  try {
    body = Buffer.from(await response.arrayBuffer());
  } catch (e) {
    throw new Error(`Download of ${url} broke off: ${(e as Error).message}. ${hint}`);
  }
  const expected = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(expected) && body.length !== expected) {
    throw new Error(`Download of ${url} is truncated: got ${body.length} of ${expected} bytes. Nothing was written; ${hint}`);
  }
  return body;
}
