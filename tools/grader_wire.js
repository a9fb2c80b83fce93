'use strict';
/**
 * Calls from the grader's test kernel to the submission's kernel, across the sandbox boundary.
 *
 * The test cells run in a kernel that never executes student code: each function a solution cell
 * defines is there a stub that calls `remote(name, arguments)`. The call and its arguments (numbers,
 * strings, arrays, plain objects, tensors and variables, by value) go as a JSON file into a folder the
 * submission's kernel can read; `serve()`, running in that kernel, calls the student's function and
 * writes back the result and the state of every argument afterwards; `remote` applies that state to
 * the caller's own objects (variable.assign, properties, array items), so in-place updates behave as
 * if the function had run locally. The student's code sees only the arguments of its own calls:
 * patching built-ins, the lib or the test helpers there cannot change a verdict, which is computed
 * with the test kernel's own objects.
 */
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const MAX_MESSAGE_BYTES = 64 << 20;
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 1 << 24;
const NEW_IDS = 1e9; // ids the serving side gives new objects (the caller's are small)
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DTYPES = new Set(['float32', 'int32', 'bool']);

const num = (x) => (Number.isFinite(x) ? x : String(x));
const unnum = (x) => (typeof x === 'string' ? Number(x) : x);

/** JSON-able description of `value`; objects get ids (`ids`: object -> id) so aliasing survives. */
function encoder(tf, ids = new Map(), next = 1) {
  const seen = new Set(); // described once per message; later occurrences are references
  function enc(v, depth) {
    if (depth > MAX_DEPTH) throw new Error('a value nested too deeply to pass between kernels');
    if (v === null) return null;
    switch (typeof v) {
      case 'number': return Number.isFinite(v) ? v : { $num: String(v) };
      case 'string': case 'boolean': return v;
      case 'function': return { $fn: 1 };
      case 'object': break;
      default: return { $undef: 1 };
    }
    if (seen.has(v)) return { $ref: ids.get(v) };
    seen.add(v);
    if (!ids.has(v)) ids.set(v, next++);
    const id = ids.get(v);
    if (v instanceof tf.Tensor) {
      if (v.isDisposed) return { $disposed: id };
      return { $tensor: id, variable: v instanceof tf.Variable, dtype: v.dtype, shape: v.shape.slice(), data: Array.from(v.dataSync(), num) };
    }
    if (Array.isArray(v)) return { $arr: id, items: v.map((x) => enc(x, depth + 1)) };
    const props = {};
    for (const k of Object.keys(v)) props[k] = enc(v[k], depth + 1);
    return { $obj: id, props };
  }
  return { enc: (v) => enc(v, 0), ids };
}

/** Objects from a description; `known` (id -> object) are updated in place when `update`. */
function materializer(tf, known, update) {
  let elements = 0;
  function make(node, depth) {
    if (depth > MAX_DEPTH) throw new Error('a value nested too deeply to pass between kernels');
    if (node === null || typeof node !== 'object') return node;
    if ('$num' in node) return Number(node.$num);
    if ('$undef' in node) return undefined;
    if ('$fn' in node) return () => { throw new Error('a function cannot be passed between kernels'); };
    if ('$ref' in node) {
      if (!known.has(node.$ref)) throw new Error('malformed reply: a reference to an unknown object');
      return known.get(node.$ref);
    }
    if ('$disposed' in node) return known.get(node.$disposed);
    if ('$tensor' in node) return tensor(node);
    if ('$arr' in node) {
      let target = known.get(node.$arr);
      const fresh = target === undefined;
      if (fresh) { target = []; known.set(node.$arr, target); }
      if (!Array.isArray(target)) throw new Error('malformed reply: an array where the caller had something else');
      if (fresh || update) {
        const items = node.items.map((x) => make(x, depth + 1));
        target.length = 0;
        items.forEach((x, i) => { target[i] = x; });
      }
      return target;
    }
    if ('$obj' in node) {
      let target = known.get(node.$obj);
      const fresh = target === undefined;
      if (fresh) { target = {}; known.set(node.$obj, target); }
      if (fresh || update) {
        const keys = Object.keys(node.props).filter((k) => !UNSAFE_KEYS.has(k));
        for (const k of Object.keys(target)) if (!keys.includes(k)) delete target[k];
        for (const k of keys) target[k] = make(node.props[k], depth + 1);
      }
      return target;
    }
    throw new Error('malformed reply: an unknown kind of value');
  }
  function tensor(node) {
    const { shape, dtype } = node;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) || !DTYPES.has(dtype)
        || !Array.isArray(node.data) || node.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new Error('malformed reply: a tensor whose shape, type or data do not fit together');
    }
    elements += node.data.length;
    if (elements > MAX_ELEMENTS) throw new Error('malformed reply: too many numbers');
    const values = node.data.map(unnum);
    const target = known.get(node.$tensor);
    if (target !== undefined) {
      if (update && target instanceof tf.Variable) {
        if (target.shape.join() !== shape.join()) {
          throw new Error(`a variable of shape [${target.shape}] came back with shape [${shape}]`);
        }
        tf.tidy(() => target.assign(tf.tensor(values, shape, dtype)));
      }
      return target;
    }
    const t = node.variable ? tf.variable(tf.tensor(values, shape, dtype)) : tf.tensor(values, shape, dtype);
    known.set(node.$tensor, t);
    return t;
  }
  return (node) => make(node, 0);
}

function writeAtomic(dir, name, text) {
  const tmp = path.join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o644); // O_EXCL: never follows a planted link
  try { fs.writeSync(fd, text); } finally { fs.closeSync(fd); }
  fs.renameSync(tmp, path.join(dir, name));
}

/** A regular file's text, or null if it is not there yet; never follows a symbolic link. */
function readIfThere(file, limit = MAX_MESSAGE_BYTES) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw new Error(`cannot read ${path.basename(file)} from the submission's kernel: ${e.code}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path.basename(file)} from the submission's kernel is not a file`);
    if (st.size > limit) throw new Error(`the submission's reply is larger than ${limit} bytes`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(sleeper, 0, 0, ms);

/** The calling side (test kernel). `opts`: { toStudent, fromStudent, readySeconds, callSeconds }. */
function client(tf, opts) {
  let n = 0;
  let ready = null;
  function wait(file, deadline, what) {
    for (;;) {
      const text = readIfThere(file);
      if (text !== null) return text;
      const failed = readIfThere(path.join(opts.fromStudent, 'failed'), 1 << 16);
      if (failed !== null) throw new Error(failed.slice(0, 500));
      if (Date.now() > deadline) throw new Error(what);
      sleep(2);
    }
  }
  function remote(name, args) {
    if (ready === null) {
      const text = wait(path.join(opts.fromStudent, 'ready'), Date.now() + opts.readySeconds * 1000,
        `the notebook's own cells did not finish within ${opts.readySeconds} s`);
      ready = JSON.parse(text);
    }
    if (!ready.defined.includes(name)) {
      throw new Error(`your notebook does not define ${name}() (check the solution cell's function name)`);
    }
    const e = encoder(tf);
    const request = { name, args: e.enc(Array.from(args)) };
    const known = new Map([...e.ids].map(([obj, id]) => [id, obj]));
    const k = n++;
    writeAtomic(opts.toStudent, `call-${k}.json`, JSON.stringify(request));
    // The serving side interrupts a call after callSeconds; wait a little longer for its reply.
    const text = wait(path.join(opts.fromStudent, `reply-${k}.json`), Date.now() + (opts.callSeconds + 10) * 1000,
      `${name}() did not return within ${opts.callSeconds} s`);
    const reply = JSON.parse(text);
    // The student's own error, as the student would see it running the test locally.
    if (typeof reply.error === 'string') throw new Error(reply.error.replace(/^Error: /, '').slice(0, 1000));
    const make = materializer(tf, known, true);
    make(reply.args);
    return make(reply.ret);
  }
  return remote;
}

/** The serving side (the submission's kernel). `scope`: tslab's object holding the notebook's names. */
function serve(tf, scope, opts) {
  const defined = opts.functions.filter((f) => typeof scope[f] === 'function');
  let n = 0;
  function handle(request) {
    const fn = scope[request.name];
    if (typeof fn !== 'function') throw new Error(`${request.name} is not a function in the notebook`);
    const known = new Map();
    const args = materializer(tf, known, false)(request.args);
    globalThis.d2lGraderInvoke = () => fn(...args);
    // Run inside a script so that the runner's SIGINT (a call over its time) interrupts it.
    const ret = vm.runInThisContext('d2lGraderInvoke()', { breakOnSigint: true });
    const ids = new Map([...known].map(([id, obj]) => [obj, id]));
    const e = encoder(tf, ids, NEW_IDS);
    return { ret: e.enc(ret), args: e.enc(args) };
  }
  function tick() {
    if (fs.existsSync(path.join(opts.toStudent, 'done'))) return;
    const text = readIfThere(path.join(opts.toStudent, `call-${n}.json`));
    if (text === null) { setTimeout(tick, 2); return; }
    writeAtomic(opts.fromStudent, `busy-${n}`, String(Date.now()));
    let reply;
    try {
      reply = handle(JSON.parse(text));
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      reply = { error: message.replace(/^Error: Script execution interrupted\.?/, `did not return within ${opts.callSeconds} s and was interrupted`) };
    }
    let body;
    try { body = JSON.stringify(reply); } catch (err) { body = JSON.stringify({ error: `its result cannot be sent back: ${err.message}` }); }
    writeAtomic(opts.fromStudent, `reply-${n}.json`, body);
    n++;
    setImmediate(tick);
  }
  writeAtomic(opts.fromStudent, 'ready', JSON.stringify({ defined }));
  tick();
  return defined;
}

module.exports = { client, serve, encoder, materializer };
