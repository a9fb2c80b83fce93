import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { airfoilPath } from './helpers';

/** A loopback server that answers the airfoil file in one of several ways. */
function serve(mode: 'good' | 'altered' | 'truncated' | 'missing', body: Buffer): Promise<{ url: string; close: () => void; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    if (mode === 'missing') {
      res.writeHead(404).end();
    } else if (mode === 'altered') {
      const bad = Buffer.from(body);
      bad[100] = bad[100]! ^ 1;
      res.writeHead(200, { 'content-length': bad.length }).end(bad);
    } else if (mode === 'truncated') {
      // Promise the whole file, send half, hang up: what a dropped connection looks like.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    } else {
      res.writeHead(200, { 'content-length': body.length }).end(body);
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close(), hits: () => hits });
    }),
  );
}

/**
 * A loopback server that streams bytes in 64 KiB chunks, at the pace the client reads them, until the
 * client hangs up or `limit` bytes are out (so the test stops by itself even if the client never
 * does). `contentLength` is announced when given.
 */
function serveEndless(limit: number, contentLength?: number): Promise<{ url: string; close: () => void; sent: () => number; done: Promise<void> }> {
  let sent = 0;
  let finish: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, contentLength === undefined ? {} : { 'content-length': contentLength });
    const pump = (): void => {
      while (sent < limit && !res.destroyed) {
        sent += chunk.length;
        // Respect backpressure: the server must not be what fills this process's memory.
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
      finish();
    };
    res.on('close', () => finish());
    pump();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => { server.closeAllConnections(); server.close(); }, sent: () => sent, done });
    }),
  );
}

/** Sample the resident set size while `work` runs; returns its outcome and the peak growth in bytes. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ outcome: PromiseSettledResult<T>; growth: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const [outcome] = await Promise.allSettled([work()]);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { outcome: outcome!, growth: peak - base };
}

describe('data hub download of more than the data set holds', function () {
  this.timeout(60_000);
  const file = 'airfoil_self_noise.dat';
  const MiB = 1024 * 1024;
  let good: Buffer;
  let size: number;
  before(async () => {
    good = fs.readFileSync(await airfoilPath());
    size = good.length;
  });
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-hub-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('knows the exact size of the verified airfoil file', () => {
    assert.equal(d2l.DATA_HUB['airfoil']!.size, size);
  });

  it('stops an endless download right after the expected size, with bounded memory and a clean cache', async () => {
    const limit = 512 * MiB;
    const server = await serveEndless(limit);
    try {
      const { outcome, growth } = await peakRssGrowth(() => d2l.download('airfoil', { folder, baseUrl: server.url }));
      assert.equal(outcome.status, 'rejected', 'the download must fail');
      const message = ((outcome as PromiseRejectedResult).reason as Error).message;
      assert.match(message, new RegExp(`${server.url}${file}.*more than the expected ${size} bytes.*D2L_DATA_URL`));
      await server.done;
      // The client hung up: the server got nowhere near its own limit (past the file's size it only
      // filled socket buffers), and memory grew by far less than what the server was ready to send.
      assert.ok(server.sent() < 64 * MiB, `the server sent ${server.sent() / MiB} MiB before the client hung up`);
      assert.ok(growth < 64 * MiB, `resident memory grew by ${(growth / MiB).toFixed(1)} MiB during the download`);
      assert.deepEqual(fs.readdirSync(folder), [], 'no partial or temporary file left');
    } finally {
      server.close();
    }
  });

  it('refuses a Content-Length above the expected size before reading the body', async () => {
    const server = await serveEndless(512 * MiB, 10 * 1024 * MiB);
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: server.url }),
        new RegExp(`${server.url}${file} announces 10737418240 bytes, more than the expected ${size}.*D2L_DATA_URL`));
      await server.done;
      assert.ok(server.sent() < 64 * MiB, `the server sent ${server.sent() / MiB} MiB`);
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      server.close();
    }
  });

  it('rejects the real file with one byte too many, sent without Content-Length', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200);
      res.write(good);
      res.end('\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: url }), new RegExp(`more than the expected ${size} bytes`));
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      server.close();
    }
  });

  it('leaves nothing behind when a stalled download times out or the caller aborts it', async () => {
    // Half the file, then silence.
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': size });
      res.write(Buffer.alloc(size >> 1, 0x41));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: url, timeoutMs: 300 }), /broke off|timed out|aborted/i);
      assert.deepEqual(fs.readdirSync(folder), []);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: url, signal: controller.signal }), /aborted/i);
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('names a cache folder it cannot write to before contacting any server', async () => {
    const notAFolder = path.join(folder, 'plain-file');
    fs.writeFileSync(notAFolder, '');
    await assert.rejects(d2l.download('airfoil', { folder: notAFolder, baseUrl: 'http://127.0.0.1:9/' }),
      /Cannot write to the data cache folder .*plain-file.*Set D2L_DATA_DIR to a writable folder/);
    assert.deepEqual(fs.readdirSync(folder), ['plain-file']);
  });

  it('removes the temporary file a killed process left, not one a live process is writing', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = `${file}.${dead}.0123abcd.part`;
    const live = `${file}.${process.ppid}.0123abcd.part`;
    fs.writeFileSync(path.join(folder, stale), 'half');
    fs.writeFileSync(path.join(folder, live), 'half');
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-length': good.length }).end(good));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await d2l.download('airfoil', { folder, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      assert.deepEqual(fs.readdirSync(folder).sort(), [file, live].sort());
    } finally {
      server.close();
    }
  });
});

describe('data hub download', () => {
  const file = 'airfoil_self_noise.dat';
  let good: Buffer;

  before(async () => {
    good = fs.readFileSync(await airfoilPath());
  });
  let folder: string;

  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-hub-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('uses a verified cached copy without touching the network', async () => {
    fs.writeFileSync(path.join(folder, file), good);
    const got = await d2l.download('airfoil', { folder, baseUrl: 'http://127.0.0.1:9/' });
    assert.equal(got, path.join(folder, file));
  });

  it('downloads, verifies and caches a missing file', async () => {
    const server = await serve('good', good);
    try {
      const got = await d2l.download('airfoil', { folder, baseUrl: server.url });
      assert.equal(d2l.sha1(fs.readFileSync(got)), d2l.DATA_HUB['airfoil']!.sha1);
      await d2l.download('airfoil', { folder, baseUrl: server.url });
      assert.equal(server.hits(), 1, 'the second call is served from the cache');
      assert.deepEqual(fs.readdirSync(folder), [file], 'no temporary files left behind');
    } finally {
      server.close();
    }
  });

  it('replaces a truncated cached file and says so', async () => {
    fs.writeFileSync(path.join(folder, file), good.subarray(0, 1000));
    const server = await serve('good', good);
    try {
      await d2l.download('airfoil', { folder, baseUrl: server.url });
      assert.ok(fs.readFileSync(path.join(folder, file)).equals(good));
    } finally {
      server.close();
    }
  });

  it('rejects a download whose sha1 does not match and writes nothing', async () => {
    const server = await serve('altered', good);
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: server.url }), /sha1 is [0-9a-f]{40}, expected 76e5be15.*Nothing was kept/);
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      server.close();
    }
  });

  it('never keeps a bad cached file, even when the fresh download fails too', async () => {
    fs.writeFileSync(path.join(folder, file), 'not the data');
    const server = await serve('altered', good);
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: server.url }), /sha1/);
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      server.close();
    }
  });

  it('reports a truncated download', async () => {
    const server = await serve('truncated', good);
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: server.url }), /(truncated|broke off)/);
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      server.close();
    }
  });

  it('explains a missing network or server and how to work around it', async () => {
    const server = await serve('missing', good);
    try {
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: server.url }), /HTTP 404.*put a verified copy of airfoil_self_noise\.dat in/);
    } finally {
      server.close();
    }
    // A loopback port nobody listens on refuses the connection: the same path as having no network.
    const closed = await serve('missing', good);
    closed.close();
    await assert.rejects(d2l.download('airfoil', { folder, baseUrl: closed.url }), /Could not download .*ECONNREFUSED.*D2L_DATA_DIR/);
    assert.deepEqual(fs.readdirSync(folder), [], 'no temporary file left');
  });

  it('names the known data sets for an unknown one', async () => {
    await assert.rejects(d2l.download('mnist', { folder }), /Unknown data set 'mnist': the hub knows airfoil/);
  });
});
