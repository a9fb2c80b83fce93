import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import * as fs from 'fs';
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
      await assert.rejects(d2l.download('airfoil', { folder, baseUrl: server.url }), /sha1 is [0-9a-f]{40}, expected 76e5be15.*Nothing was written/);
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
  });

  it('names the known data sets for an unknown one', async () => {
    await assert.rejects(d2l.download('mnist', { folder }), /Unknown data set 'mnist': the hub knows airfoil/);
  });
});
