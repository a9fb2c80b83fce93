/**
 * The data hub: data set name → URL + sha1, downloaded once into a cache folder, verified each time
 * (the cached copy and every fresh download). A file that fails verification never stays in the cache.
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** d2l's data server; `D2L_DATA_URL` overrides it (a mirror, or a local server in tests). */
export const DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/';

/** A file the hub knows: where it lives relative to the data URL, its sha1 and its exact size. */
export interface HubEntry {
  readonly file: string;
  readonly sha1: string;
  /** Size in bytes: a download is cut off as soon as the server sends more than this. */
  readonly size: number;
}

/** Known data sets, by the names the book uses. */
export const DATA_HUB: Readonly<Record<string, HubEntry>> = {
  airfoil: { file: 'airfoil_self_noise.dat', sha1: '76e5be1548fd8222e5074cf0faae75edff8cf93f', size: 59_984 },
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
  /** Give up on a download that has not finished after this many milliseconds. */
  timeoutMs?: number;
  /** Cancels the download; nothing is left in the cache folder. */
  signal?: AbortSignal;
}

/**
 * Return the local path of data set `name`, downloading it when the cache lacks a verified copy.
 * The download streams into a temporary file in the cache folder, hashed on the way, and is renamed
 * into place only once its size and sha1 match; it is cut off as soon as the server sends more than
 * the data set's size. On any failure the temporary file is removed. Used by `getDataCh11`.
 */
export async function download(name: string, options: DownloadOptions = {}): Promise<string> {
  const entry = DATA_HUB[name];
  if (!entry) throw new RangeError(`Unknown data set '${name}': the hub knows ${Object.keys(DATA_HUB).join(', ')}`);
  const folder = options.folder ?? dataDir();
  const base = path.basename(entry.file);
  const target = path.join(folder, base);

  if (fs.existsSync(target)) {
    // Check the size first: a huge file under the data set's name is never read into memory.
    const bytes = fs.statSync(target).size;
    const digest = bytes === entry.size ? sha1(fs.readFileSync(target)) : undefined;
    if (digest === entry.sha1) return target;
    // A truncated or altered cache entry: drop it before fetching a fresh copy, so it never survives.
    const found = digest === undefined ? `${bytes} bytes, expected ${entry.size}` : `sha1 ${digest}, expected ${entry.sha1}`;
    removeBadFile(target, `cached ${target} does not match the data set (${found})`);
  }

  const url = (options.baseUrl ?? process.env['D2L_DATA_URL'] ?? DATA_URL) + entry.file;
  const copyHint = `put a verified copy of ${base} in ${folder} (or set D2L_DATA_DIR to a folder that has one)`;
  // Unique per process and call, next to the target so the final rename stays on one file system.
  const partial = path.join(folder, `${base}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  let fd: number;
  try {
    fs.mkdirSync(folder, { recursive: true });
    removeStaleParts(folder, base);
    fd = fs.openSync(partial, 'wx');
  } catch (e) {
    throw new Error(`Cannot write to the data cache folder ${folder} to download ${url}: ${(e as Error).message}. Set D2L_DATA_DIR to a writable folder, or to one that already holds a verified copy of ${base}.`);
  }
  try {
    let result: { bytes: number; digest: string };
    try {
      result = await fetchToFile(url, entry, fd, options, copyHint);
    } finally {
      fs.closeSync(fd);
    }
    const { bytes, digest } = result;
    if (digest !== entry.sha1) {
      throw new Error(`Downloaded ${url} but its sha1 is ${digest}, expected ${entry.sha1} (${bytes} bytes): the server sent a different or damaged file. Nothing was kept in ${folder}; retry later or point D2L_DATA_URL at a mirror.`);
    }
    fs.renameSync(partial, target);
  } catch (e) {
    fs.rmSync(partial, { force: true });
    throw e;
  }
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

/** Remove `<base>.<pid>[.<hex>].part` files whose process is gone (killed mid-download); others may still be writing theirs. */
function removeStaleParts(folder: string, base: string): void {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped}\\.(\\d+)(?:\\.[0-9a-f]+)?\\.part$`);
  for (const name of fs.readdirSync(folder)) {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      fs.rmSync(path.join(folder, name), { force: true });
    } catch {
      // Not ours and not needed: a file we cannot remove does not stop the download.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a request or body read failed, in words: the caller's abort, our time limit, or the network's own error. */
function failure(e: unknown, options: DownloadOptions, timeout: AbortSignal, timeoutMs: number): string {
  if (options.signal?.aborted) return 'aborted by the caller';
  if (timeout.aborted) return `timed out after ${timeoutMs} ms`;
  return (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
}

/**
 * Stream `url` into the open file `fd`, hashing as it goes; at most `entry.size` bytes are ever
 * accepted, so memory and disk stay bounded whatever the server sends.
 */
async function fetchToFile(url: string, entry: HubEntry, fd: number, options: DownloadOptions, copyHint: string): Promise<{ bytes: number; digest: string }> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const hint = `Check the network connection, or ${copyHint}.`;
  const tooMuch = (what: string) =>
    new Error(`${what}, more than the expected ${entry.size} bytes of ${entry.file}. That is not the data set, so nothing was kept: point D2L_DATA_URL at a mirror that serves it, or ${copyHint}.`);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (e) {
    throw new Error(`Could not download ${url}: ${failure(e, options, timeout, timeoutMs)}. ${hint}`);
  }
  const body = response.body;
  const drop = () => body?.cancel().catch(() => undefined);
  if (!response.ok) {
    await drop();
    throw new Error(`Could not download ${url}: HTTP ${response.status} ${response.statusText}. ${hint}`);
  }
  const announced = response.headers.get('content-length');
  if (announced !== null && Number(announced) > entry.size) {
    await drop();
    throw tooMuch(`Download refused: ${url} announces ${announced} bytes`);
  }
  const hash = createHash('sha1');
  let bytes = 0;
  const reader = body?.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array> | undefined;
      try {
        chunk = await reader?.read();
      } catch (e) {
        throw new Error(`Download of ${url} broke off after ${bytes} bytes: ${failure(e, options, timeout, timeoutMs)}. Nothing was kept; ${hint}`);
      }
      if (!chunk || chunk.done) break;
      bytes += chunk.value.length;
      if (bytes > entry.size) throw tooMuch(`Download stopped: ${url} sent ${bytes} bytes so far`);
      hash.update(chunk.value);
      for (let at = 0; at < chunk.value.length; ) at += fs.writeSync(fd, chunk.value, at);
    }
  } finally {
    // Hangs up on a server still sending (no-op once the body has ended).
    await reader?.cancel().catch(() => undefined);
  }
  // A compressed response announces its compressed length; the size check above still holds.
  const expected = response.headers.get('content-encoding') ? NaN : Number(announced ?? NaN);
  if ((Number.isFinite(expected) && bytes !== expected) || bytes < entry.size) {
    const of = Number.isFinite(expected) ? expected : entry.size;
    throw new Error(`Download of ${url} is truncated: got ${bytes} of ${of} bytes. Nothing was kept; ${hint}`);
  }
  return { bytes, digest: hash.digest('hex') };
}
