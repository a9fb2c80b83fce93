import { strict as assert } from 'assert';
import * as d2l from 'd2l';

const tf = d2l.tf;

describe('backend choice', () => {
  let previous: string;
  const savedEnv = process.env['D2L_BACKEND'];
  before(() => {
    previous = tf.getBackend();
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env['D2L_BACKEND'];
    else process.env['D2L_BACKEND'] = savedEnv;
    await d2l.useBackend(previous, { quiet: true });
  });

  it('says in one line which backend runs and why', async () => {
    const line = await d2l.useBackend('wasm', { quiet: true });
    assert.equal(line, "d2l: TensorFlow.js backend 'wasm' (requested)");
    assert.equal(tf.getBackend(), 'wasm');
    // The training loops keep an explicit choice instead of applying the default again.
    assert.equal(await d2l.backendReady(), line);
  });

  it('takes D2L_BACKEND when no name is given', async () => {
    process.env['D2L_BACKEND'] = 'cpu';
    assert.equal(await d2l.useBackend(undefined, { quiet: true }), "d2l: TensorFlow.js backend 'cpu' (from D2L_BACKEND)");
  });

  it('defaults to tfjs-node when it loads, else cpu, and says which', async () => {
    delete process.env['D2L_BACKEND'];
    let native = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      native = false;
    }
    const line = await d2l.useBackend(undefined, { quiet: true });
    assert.equal(tf.getBackend(), native ? 'tensorflow' : 'cpu');
    assert.match(line, native ? /native @tensorflow\/tfjs-node/ : /@tensorflow\/tfjs-node not installed/);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    assert.throws(() => d2l.parseBackendName('gpu'), /Unknown TensorFlow\.js backend 'gpu': use one of cpu, wasm, tensorflow/);
  });

  it('explains how to get the native backend when it is missing', async function () {
    try {
      require.resolve('@tensorflow/tfjs-node');
      this.skip(); // installed here: nothing to explain
    } catch {
      await assert.rejects(d2l.useBackend('tensorflow', { quiet: true }), /needs @tensorflow\/tfjs-node, which did not load .*npm install @tensorflow\/tfjs-node.*D2L_BACKEND=cpu/);
    }
  });
});
