#!/usr/bin/env node
'use strict';
/**
 * The tslab kernel as the kernelspec starts it (tools/setup.sh): tslab's own `main`, made to survive
 * messages that are not for it.
 *
 * Why: kernel ports are picked at random, so a socket of some earlier kernel's client (zeromq
 * reconnects on its own) can reach a new kernel's port. tslab 1.0.22 then
 * - stops answering heartbeats for good: its REP socket drops a request without a delimiter and
 *   `receive()` rejects with EAGAIN, which ends tslab's `for await` loop over the socket;
 * - prints "UnhandledPromiseRejection: invalid hmac" (or "message missing delimiter") into the
 *   output of whatever cell runs next, where it reads as that cell's error.
 * A Python kernel logs such messages and drops them; this does the same. test/kernel.test.ts sends
 * both kinds and checks the kernel still answers, with clean cell output.
 */
const crypto = require('crypto');
const path = require('path');

const tslabDir = path.dirname(require.resolve('tslab/package.json'));
// The same module instances tslab loads (zeromq resolved from tslab's folder).
const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));
const { ZmqServer } = require(path.join(tslabDir, 'dist', 'jupyter.js'));

// tslab points process.stderr.write at the running cell's output; the kernel's log is the real one.
const stderrWrite = process.stderr.write.bind(process.stderr);
const log = (text) => stderrWrite(`[tslab-kernel] ${text}\n`);

// receive() on an open socket without a timeout only fails with EAGAIN when the message it was
// woken for was dropped (a malformed request): wait for the next one instead of ending the loop.
const iterate = zmq.Socket.prototype[Symbol.asyncIterator];
zmq.Socket.prototype[Symbol.asyncIterator] = function robustIterator() {
  const inner = iterate.call(this);
  return {
    next: async () => {
      for (;;) {
        try {
          return await inner.next();
        } catch (err) {
          if (err && err.code === 'EAGAIN' && !this.closed) {
            log('dropped a malformed message on a kernel socket');
            continue;
          }
          throw err;
        }
      }
    },
  };
};

// Jupyter's wire format: [routing ids..., "<IDS|MSG>", hmac, header, parent, metadata, content, buffers...],
// the hmac (sha256 with the connection key) over everything after it. Anything else is not from this
// kernel's client; tslab would throw on it outside any handler.
const DELIM = Buffer.from('<IDS|MSG>');
function signedForUs(key, frames) {
  const at = frames.findIndex((f) => Buffer.isBuffer(f) && f.equals(DELIM));
  if (at < 0 || frames.length < at + 6) return false;
  const hmac = crypto.createHmac('sha256', key);
  for (const f of frames.slice(at + 2)) hmac.update(f);
  const want = Buffer.from(hmac.digest('hex'));
  const got = Buffer.from(frames[at + 1]);
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

const handle = ZmqServer.prototype.handleShellMessage;
ZmqServer.prototype.handleShellMessage = function checkedHandle(sock, ...frames) {
  if (!signedForUs(this.connInfo.key, frames)) {
    log(`dropped a ${frames.length}-part message not signed for this kernel`);
    return Promise.resolve();
  }
  return handle.call(this, sock, ...frames);
};

// jupyter_client picks free ports, releases them and writes them into the connection file; until the
// kernel binds them, another process can take one. tslab then logs the rejection and lives on, deaf
// on that socket, and the launcher waits until its start-up timeout (60 s). Exit at once instead, with
// status 98 (EADDRINUSE's errno) when the port was taken, so that the launcher sees the kernel die
// and can start one on fresh ports (tools/nbrun.py does; Jupyter's restarter picks new ports too).
const PORT_TAKEN = 98;
const bind = ZmqServer.prototype.bindSocket;
ZmqServer.prototype.bindSocket = async function bindOrExit(sock, port) {
  try {
    return await bind.call(this, sock, port);
  } catch (err) {
    const taken = err && err.code === 'EADDRINUSE';
    log(`cannot bind port ${port}: ${err && err.message}; exiting with status ${taken ? PORT_TAKEN : 1}`);
    process.exit(taken ? PORT_TAKEN : 1);
  }
};

// tslab sets no `types`, so TypeScript loads every package under node_modules/@types into each
// kernel's program: ~8 MB of declarations that the dev tools pull in (lodash, jQuery, React, mocha),
// about 0.9 s of every kernel start, and globals such as `describe` or `$` in the student's cells.
// Listing only @types/node in type roots gives the cells the globals tools/nbtypecheck.ts checks
// them against (`types: ['node']`); imported packages still find their own types.
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
const getDirectories = ts.sys.getDirectories;
ts.sys.getDirectories = function typeRootsNodeOnly(dir, ...rest) {
  const found = getDirectories.call(this, dir, ...rest);
  return /[\\/]node_modules[\\/]@types[\\/]?$/.test(dir) ? found.filter((name) => name === 'node') : found;
};

require(path.join(tslabDir, 'dist', 'main.js')).main();
