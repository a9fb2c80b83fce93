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

/** A trainer that runs the chapter's adam and keeps a copy of the parameters after its latest step. */
function recordingAdam(): { trainer: typeof chapterAdam; steps: () => number; lastParams: () => number[][] } {
  let steps = 0;
  let last: number[][] = [];
  const trainer: typeof chapterAdam = (params, states, hp) => {
    chapterAdam(params, states, hp);
    steps++;
    last = params.map((p) => Array.from(p.value.dataSync()));
  };
  return { trainer, steps: () => steps, lastParams: () => last };
}

/** Mean squared loss (ŷ − y)²/2 of the linear model over the whole data set, in float64. */
function lossOf(iter: d2l.DataIter, w: number[], b: number): number {
  const d = iter.featureDim;
  let total = 0;
  for (let i = 0; i < iter.numExamples; i++) {
    let yHat = b;
    for (let j = 0; j < d; j++) yHat += iter.features[i * d + j]! * w[j]!;
    total += (yHat - iter.labels[i]!) ** 2 / 2;
  }
  return total / iter.numExamples;
}

/** Run `fn` with console.log captured; returns the lines it printed. */
async function captureLog(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return lines;
}

describe('trainCh11 bookkeeping when the 200-example cadence misses the end of training', () => {
  it('batch 64, 1 epoch (never a multiple of 200): records the final loss of the trained parameters and prints it', async () => {
    d2l.manualSeed(2);
    const [iter, d] = await d2l.getDataCh11(64, 1500, { folder: dataDir });
    const rec = recordingAdam();
    let result: d2l.TrainResult | undefined;
    const lines = await captureLog(async () => {
      result = await d2l.trainCh11(rec.trainer, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 1, { plot: false });
    });
    const r = result!;
    assert.equal(rec.steps(), Math.ceil(1500 / 64), 'one step per minibatch');
    assert.equal(r.losses.length, 1, 'one point: the end of training');
    assert.equal(r.times.length, 1);
    assert.deepEqual(r.epochs, [1]);
    const [w, [b]] = rec.lastParams() as [number[], number[]];
    assertClose(r.losses[0]!, lossOf(iter, w, b!), 1e-6, 'final loss of the parameters after the last step');
    assert.ok(r.secPerEpoch > 0, `secPerEpoch ${r.secPerEpoch}`);
    assert.equal(lines[lines.length - 1], `loss: ${r.losses[0]!.toFixed(3)}, ${r.secPerEpoch.toFixed(3)} sec/epoch`);
    iter.dispose();
  });

  it('batch 10, 1 epoch: the 7 evaluations every 200 examples plus one at the end (epoch 1)', async () => {
    d2l.manualSeed(2);
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    const rec = recordingAdam();
    const r = await d2l.trainCh11(rec.trainer, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 1, { plot: false, verbose: false });
    const expected = [...Array.from({ length: 7 }, (_, i) => ((i + 1) * 200) / 1500), 1];
    assert.equal(r.epochs.length, expected.length);
    r.epochs.forEach((e, i) => assertClose(e, expected[i]!, 1e-12, `epoch of point ${i}`));
    assert.equal(r.times.length, r.losses.length);
    const [w, [b]] = rec.lastParams() as [number[], number[]];
    assertClose(r.losses[7]!, lossOf(iter, w, b!), 1e-6, 'final loss');
    iter.dispose();
  });

  it('the fractional epoch counts examples, also after a ragged last minibatch (1500 = 23 × 64 + 28)', async () => {
    const [iter, d] = await d2l.getDataCh11(64, 1500, { folder: dataDir });
    // Every 1500 examples: each evaluation lands right after the ragged batch of 28.
    const r = await d2l.trainCh11(chapterAdam, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 2, { plot: false, verbose: false, evalEvery: 1500 });
    assert.deepEqual(r.epochs, [1, 2]);
    // The default cadence hits 3000 = 2 epochs exactly: one point, at epoch 2, not a second one.
    const r2 = await d2l.trainCh11(chapterAdam, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 2, { plot: false, verbose: false });
    assert.deepEqual(r2.epochs, [2]);
    iter.dispose();
  });

  it('counts the training time after the last evaluation', async () => {
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    // 150 steps in the epoch; the last evaluation is after step 140. The last 10 steps each take at
    // least 30 ms, so the epoch took at least 0.3 s of training whatever the machine's load.
    let step = 0;
    const slowTail: typeof chapterAdam = (params, states, hp) => {
      chapterAdam(params, states, hp);
      if (++step > 140) {
        const until = performance.now() + 30;
        while (performance.now() < until);
      }
    };
    const r = await d2l.trainCh11(slowTail, initMomentStates(d), { lr: 0.01, t: 1 }, iter, d, 1, { plot: false, verbose: false });
    assert.equal(step, 150);
    assert.ok(r.secPerEpoch >= 0.3, `secPerEpoch ${r.secPerEpoch} misses the last 10 steps (≥ 0.3 s)`);
    assertClose(r.times[r.times.length - 1]!, r.secPerEpoch, 1e-12, 'the last cumulative time is the whole training time');
    iter.dispose();
  });

  it('rejects a number of epochs or an evaluation cadence it cannot honour, and frees what it made', async () => {
    const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    iter.tensors();
    const before = tf.memory().numTensors;
    const quiet = { plot: false, verbose: false };
    await assert.rejects(d2l.trainCh11(chapterAdam, [], { lr: 0.01, t: 1 }, iter, d, 0, quiet), /numEpochs must be a positive integer, got 0/);
    await assert.rejects(d2l.trainCh11(chapterAdam, [], { lr: 0.01, t: 1 }, iter, d, 1.5, quiet), /numEpochs must be a positive integer, got 1\.5/);
    await assert.rejects(d2l.trainConciseCh11('sgd', {}, iter, 1, { ...quiet, evalEvery: 0 }), /evalEvery must be a positive integer number of examples, got 0/);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    iter.dispose();
  });

  it('trainConciseCh11 too: batch 64, 1 epoch ends with a point at epoch 1 and a real time', async () => {
    d2l.manualSeed(2);
    const [iter] = await d2l.getDataCh11(64, 1500, { folder: dataDir });
    const r = await d2l.trainConciseCh11('sgd', { learningRate: 0.05 }, iter, 1, { plot: false, verbose: false });
    assert.deepEqual(r.epochs, [1]);
    assert.equal(r.losses.length, 1);
    assert.ok(r.losses[0]! < 0.5 && r.secPerEpoch > 0, `loss ${r.losses[0]}, ${r.secPerEpoch} sec/epoch`);
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
