import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { MomentState, assertClose, chapterAdam, dataDir, initMomentStates } from './helpers';

const tf = d2l.tf;
describe('one Adam step, by hand', () => {
  it('matches the update computed in float64 arithmetic', () => {
    // One parameter, gradient 0.5 then -0.2: v, s, bias correction and the step written out by hand.
    const p: d2l.Parameter = { value: tf.variable(tf.tensor1d([1.0])), grad: tf.tensor1d([0.5]) };
    const states: MomentState[] = [[tf.variable(tf.zeros([1])), tf.variable(tf.zeros([1]))]];
    const hp = { lr: 0.01, t: 1 };
    chapterAdam([p], states, hp);
    // t=1: v = 0.05, s = 0.00025, v̂ = 0.5, ŝ = 0.25, step = 0.01·0.5/(0.5 + 1e-6)
    let x = 1 - (0.01 * 0.5) / (0.5 + 1e-6);
    assertClose(p.value.dataSync()[0]!, x, 1e-7, 'x after step 1');
    p.grad = tf.tensor1d([-0.2]);
    chapterAdam([p], states, hp);
    // t=2: v = 0.9·0.05 − 0.02 = 0.025, s = 0.999·0.00025 + 0.001·0.04 = 0.00028975
    const vHat = 0.025 / (1 - 0.81);
    const sHat = 0.00028975 / (1 - 0.999 ** 2);
    x -= (0.01 * vHat) / (Math.sqrt(sHat) + 1e-6);
    assertClose(states[0]![0].dataSync()[0]!, 0.025, 1e-8, 'v after step 2');
    assertClose(states[0]![1].dataSync()[0]!, 0.00028975, 1e-9, 's after step 2');
    assertClose(p.value.dataSync()[0]!, x, 1e-6, 'x after step 2');
    assert.equal(hp.t, 3, 't counts the steps');
  });
});

describe('trainCh11', () => {
  it('evaluates 15 times in 2 epochs (3000 examples / 200), at fractional epochs, and converges', async () => {
    d2l.manualSeed(11);
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    const result = await d2l.trainCh11(chapterAdam, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 2, { plot: false, verbose: false });
    assert.equal(result.losses.length, 15);
    assert.equal(result.times.length, 15);
    result.epochs.forEach((e, i) => assertClose(e, ((i + 1) * 200) / 1500, 1e-12, `epoch of point ${i}`));
    result.times.forEach((t, i) => assert.ok(i === 0 || t >= result.times[i - 1]!, 'times are cumulative'));
    assert.ok(result.losses[0]! < 0.5, `loss after 200 examples ${result.losses[0]}`);
    assert.ok(result.losses[14]! > 0.236 && result.losses[14]! < 0.252, `final loss ${result.losses[14]}`);
    iter.dispose();
  });

  it('reproduces the same losses for the same seed', async () => {
    const run = async () => {
      d2l.manualSeed(5);
      const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
      const r = await d2l.trainCh11(chapterAdam, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 1, { plot: false, verbose: false });
      iter.dispose();
      return r.losses;
    };
    assert.deepEqual(await run(), await run());
  });

  it('leaks no tensors', async () => {
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    const states = initMomentStates(d);
    iter.tensors();
    const before = tf.memory().numTensors;
    await d2l.trainCh11(chapterAdam, states, { lr: 0.01, t: 1 }, iter, d, 1, { plot: false, verbose: false });
    assert.equal(tf.memory().numTensors, before);
    iter.dispose();
  });

  it('stops with a clear error instead of training on NaN', async () => {
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    const explode = (params: d2l.Parameter[]) => params.forEach((p) => p.value.assign(p.value.mul(1e30)));
    await assert.rejects(
      d2l.trainCh11(explode, null, {}, iter, d, 1, { plot: false, verbose: false }),
      /Training diverged: the loss is (NaN|Infinity) at epoch 0\.133\. Lower the learning rate/,
    );
    iter.dispose();
  });

  it('prints the loss line d2l prints', async () => {
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      await d2l.trainCh11(chapterAdam, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 1, { plot: false });
    } finally {
      console.log = log;
    }
    assert.match(lines[lines.length - 1]!, /^loss: 0\.\d{3}, \d+\.\d{3} sec\/epoch$/);
    iter.dispose();
  });
});

describe('trainConciseCh11', () => {
  it('trains tf.train.adam by name to the same level as the from-scratch loop, without leaks', async () => {
    d2l.manualSeed(3);
    const [iter] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    iter.tensors();
    const before = tf.memory().numTensors;
    const result = await d2l.trainConciseCh11('adam', { learningRate: 0.01 }, iter, 2, { plot: false, verbose: false });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(result.losses.length, 15);
    assert.ok(result.losses[14]! > 0.236 && result.losses[14]! < 0.252, `final loss ${result.losses[14]}`);
    iter.dispose();
  });

  it('accepts an optimizer instance and names the valid choices for an unknown name', async () => {
    const [iter] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    const opt = tf.train.sgd(0.05);
    const result = await d2l.trainConciseCh11(opt, {}, iter, 1, { plot: false, verbose: false });
    assert.ok(result.losses[result.losses.length - 1]! < 0.3);
    opt.dispose();
    await assert.rejects(d2l.trainConciseCh11('nadam', {}, iter, 1), /Unknown optimizer 'nadam': use one of sgd, momentum/);
    iter.dispose();
  });
});
