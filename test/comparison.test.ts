/**
 * The claims of notebooks/02-optimizer-comparison.ipynb, checked by calling the lib directly with the
 * notebook's settings (seed, learning rates, data, epochs). If the notebook's settings change, change
 * them here too: the notebook's own check cells guard its prose, these tests guard the lib behaviour
 * the prose relies on. Also unit tests of the helpers the notebook uses (lib/src/synthetic.ts, table.ts, linear.ts).
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { assertClose, dataDir } from './helpers';

const tf = d2l.tf;
const SEED = 1;

/** The notebook's `train`: seed reset, no figure, undefined when trainConciseCh11 reports divergence. */
async function train(name: string, config: d2l.OptimizerConfig, data: d2l.DataIter, epochs: number, seed = SEED): Promise<d2l.TrainResult | undefined> {
  d2l.manualSeed(seed);
  try {
    return await d2l.trainConciseCh11(name, config, data, epochs, { plot: false, verbose: false });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('Training diverged')) return undefined;
    throw e;
  }
}

/** A run that must not diverge. */
async function mustTrain(name: string, config: d2l.OptimizerConfig, data: d2l.DataIter, epochs: number, seed = SEED): Promise<d2l.TrainResult> {
  const run = await train(name, config, data, epochs, seed);
  assert.ok(run, `${name} at learning rate ${config.learningRate} diverged`);
  return run;
}

const last = (xs: number[]): number => xs[xs.length - 1]!;

/** The notebook's ten optimizers and learning rates on the airfoil data. */
const contenders: [string, d2l.OptimizerConfig][] = [
  ['sgd', { learningRate: 0.01 }],
  ['momentum', { learningRate: 0.001, momentum: 0.9 }],
  ['adagrad', { learningRate: 0.1 }],
  ['rmsprop', { learningRate: 0.01, decay: 0.9 }],
  ['adadelta', { learningRate: 0.01 }],
  ['adamax', { learningRate: 0.02 }],
  ['adam', { learningRate: 0.01 }],
  ['yogi', { learningRate: 0.01 }],
  ['amsgrad', { learningRate: 0.01 }],
  ['adamw', { learningRate: 0.01, weightDecay: 0.01 }],
];

describe('optimizer comparison on the airfoil data (notebook 02)', function () {
  this.timeout(600_000);
  let airfoil: d2l.DataIter;
  const runs = new Map<string, d2l.TrainResult>();

  before(async () => {
    [airfoil] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    for (const [name, config] of contenders) runs.set(name, await mustTrain(name, config, airfoil, 2));
  });

  it('Adam reaches the chapter level (about 0.244) and all ten end within 0.005 of each other', () => {
    const adam = last(runs.get('adam')!.losses);
    assert.ok(adam >= 0.236 && adam <= 0.252, `Adam's final loss ${adam} is outside [0.236, 0.252]`);
    const finals = [...runs.values()].map((r) => last(r.losses));
    finals.forEach((loss, i) => assert.ok(loss >= 0.236 && loss <= 0.252, `${contenders[i]![0]} ends at ${loss}`));
    assert.ok(Math.max(...finals) - Math.min(...finals) < 0.005, `final losses span ${Math.min(...finals)}..${Math.max(...finals)}`);
  });

  it('the least-squares optimum is 0.2417 and every optimizer ends within 0.003 above it', () => {
    const optimum = d2l.leastSquares(airfoil).loss;
    assertClose(optimum, 0.2417, 0.00005, 'least-squares loss');
    for (const [name, run] of runs) {
      const gap = last(run.losses) - optimum;
      assert.ok(gap >= -1e-4 && gap < 0.003, `${name} ends ${gap} above the optimum`);
    }
  });

  it('AdaGrad starts fastest, momentum slowest; after the first epoch the curves stay within 0.015', () => {
    const names = contenders.map(([name]) => name);
    const all = names.map((n) => runs.get(n)!);
    const first = all.map((r) => r.losses[0]!);
    assert.equal(names[first.indexOf(Math.min(...first))], 'adagrad');
    assert.equal(names[first.indexOf(Math.max(...first))], 'momentum');
    all[0]!.epochs.forEach((epoch, i) => {
      if (epoch < 1) return;
      const at = all.map((r) => r.losses[i]!);
      assert.ok(Math.max(...at) - Math.min(...at) < 0.015, `spread ${Math.max(...at) - Math.min(...at)} at epoch ${epoch}`);
    });
  });

  it('every run reports 15 evaluations with cumulative training times', () => {
    for (const [name, run] of runs) {
      assert.equal(run.losses.length, 15, name);
      assert.equal(run.times.length, 15, name);
      run.times.forEach((t, i) => assert.ok(t >= 0 && (i === 0 || t >= run.times[i - 1]!), `${name}: times are cumulative`));
      assert.ok(run.secPerEpoch > 0, name);
    }
  });

  it('tf.train.adadelta takes exactly the steps of tf.train.sgd, and diverges at the usual learning rate 1', async () => {
    assert.deepEqual(runs.get('adadelta')!.losses, runs.get('sgd')!.losses);
    const sgd = await mustTrain('sgd', { learningRate: 0.1 }, airfoil, 1);
    const adadelta = await mustTrain('adadelta', { learningRate: 0.1 }, airfoil, 1);
    assert.deepEqual(adadelta.losses, sgd.losses, 'also at learning rate 0.1');
    assert.equal(await train('adadelta', { learningRate: 1 }, airfoil, 2), undefined);
  });

  it('a run repeats exactly with the same seed (the sweep reuses the comparison runs at 0.01)', async () => {
    const again = await mustTrain('adam', { learningRate: 0.01 }, airfoil, 2);
    assert.deepEqual(again.losses, runs.get('adam')!.losses);
  });

  it('over seeds 1 to 6 Adam ends between 0.242 and 0.257 (the limits section)', async () => {
    const finals: number[] = [];
    for (let seed = 1; seed <= 6; seed++) finals.push(last((await mustTrain('adam', { learningRate: 0.01 }, airfoil, 2, seed)).losses));
    assert.equal(Math.min(...finals).toFixed(3), '0.242', `seeds 1-6 give ${finals.join(', ')}`);
    assert.equal(Math.max(...finals).toFixed(3), '0.257', `seeds 1-6 give ${finals.join(', ')}`);
  });

  it("SGD's stability limit 2/λmax on airfoil is 0.4765 (float64 eigenvalues: λmax of the Hessian 4.197)", () => {
    assertClose(d2l.sgdStabilityLimit(airfoil), 0.4765, 0.001, 'stability limit');
  });

  describe('learning-rate sweep (exercise 1)', () => {
    const sweepRates = [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
    const sweep = new Map<string, (number | undefined)[]>();
    const at = (name: string, lr: number): number | undefined => sweep.get(name)![sweepRates.indexOf(lr)];

    before(async () => {
      for (const name of ['sgd', 'adam', 'yogi']) {
        const finals: (number | undefined)[] = [];
        for (const lr of sweepRates) {
          const run = lr === 0.01 ? runs.get(name) : await train(name, { learningRate: lr }, airfoil, 2);
          finals.push(run && last(run.losses));
        }
        sweep.set(name, finals);
      }
    });

    it('Adam and Yogi have a finite final loss at every learning rate from 1e-3 to 10', () => {
      for (const name of ['adam', 'yogi']) {
        sweep.get(name)!.forEach((loss, i) => assert.ok(loss !== undefined && Number.isFinite(loss), `${name} at ${sweepRates[i]}: ${loss}`));
      }
    });

    it('SGD diverges exactly at the grid points above its stability limit (0.3 finishes, 1 diverges)', () => {
      const limit = d2l.sgdStabilityLimit(airfoil);
      sweepRates.forEach((lr, i) => assert.equal(sweep.get('sgd')![i] === undefined, lr > limit, `SGD at ${lr}`));
      assert.ok(at('sgd', 0.3) !== undefined && at('sgd', 1) === undefined);
    });

    it("all three reach below 0.25 at 0.01 and 0.03, are too slow (> 0.3) at 1e-3, and Adam's good region is not wider than SGD's", () => {
      for (const name of ['sgd', 'adam', 'yogi']) {
        for (const lr of [0.01, 0.03]) assert.ok(at(name, lr)! < 0.25, `${name} at ${lr}: ${at(name, lr)}`);
        assert.ok(at(name, 1e-3)! > 0.3, `${name} at 1e-3: ${at(name, 1e-3)}`);
      }
      const good = (name: string) => sweep.get(name)!.filter((l) => l !== undefined && l < 0.26).length;
      assert.ok(good('adam') <= good('sgd'), `Adam ${good('adam')} good points, SGD ${good('sgd')}`);
    });

    it('Yogi ends below Adam at learning rates 3 and 10', () => {
      assert.ok(at('yogi', 3)! < at('adam', 3)!);
      assert.ok(at('yogi', 10)! < at('adam', 10)!);
    });
  });
});

describe('optimizer comparison on features of different scales (notebook 02)', function () {
  this.timeout(600_000);
  const hard = d2l.scaledRegression({ scales: [3, 1, 0.3, 0.1, 0.03], n: 1000, noise: 0.1, seed: 0 });
  const floor = hard.noiseFloor;
  const final = new Map<string, number | undefined>();
  const settings: [string, d2l.OptimizerConfig][] = [
    ['sgd', { learningRate: 0.05 }],
    ['sgd', { learningRate: 0.08 }],
    ['sgd', { learningRate: 0.2 }],
    ...[0.01, 0.02, 0.04].map((lr): [string, d2l.OptimizerConfig] => ['momentum', { learningRate: lr, momentum: 0.9 }]),
    ['adagrad', { learningRate: 0.1 }],
    ['adagrad', { learningRate: 1 }],
    ['rmsprop', { learningRate: 0.1, decay: 0.9 }],
    ['adam', { learningRate: 0.1 }],
    ['yogi', { learningRate: 0.1 }],
  ];
  const f = (label: string): number => {
    const loss = final.get(label);
    assert.ok(loss !== undefined, `${label} diverged`);
    return loss;
  };
  /** The lowest final loss over the finished runs of `name` (the notebook plots that run). */
  const best = (name: string): number => Math.min(...[...final].filter(([label, loss]) => label.startsWith(`${name} `) && loss !== undefined).map(([, loss]) => loss!));

  before(async () => {
    for (const [name, config] of settings) {
      const run = await train(name, config, hard.dataIter, 3);
      final.set(`${name} ${config.learningRate}`, run && last(run.losses));
    }
  });
  after(() => hard.dataIter.dispose());

  it('SGD is stable only below about 0.1 there (2/λmax with λmax ≈ 2·3²): 0.05 and 0.08 finish, 0.2 diverges', () => {
    const limit = d2l.sgdStabilityLimit(hard.dataIter);
    assert.ok(limit > 0.08 && limit < 0.12, `limit ${limit}`);
    assert.ok(final.get('sgd 0.05') !== undefined && final.get('sgd 0.08') !== undefined);
    assert.equal(final.get('sgd 0.2'), undefined, 'SGD at 0.2 diverges');
  });

  it('Adam and Yogi end below twice the noise floor', () => {
    for (const label of ['adam 0.1', 'yogi 0.1']) assert.ok(f(label) < 2 * floor, `${label}: ${f(label)}`);
  });

  it('the best SGD run stays above 20x the noise floor, the best momentum run above 10x but below SGD', () => {
    assert.ok(best('sgd') > 20 * floor, `best SGD ${best('sgd')}`);
    assert.ok(best('momentum') > 10 * floor, `best momentum ${best('momentum')}`);
    assert.ok(best('momentum') < best('sgd'), `best momentum ${best('momentum')}, best SGD ${best('sgd')}`);
  });

  it("AdaGrad at Adam's learning rate ends at least 5x higher than Adam; at 1 it is below 4x the floor", () => {
    assert.ok(f('adagrad 0.1') > 5 * f('adam 0.1'), `AdaGrad ${f('adagrad 0.1')}, Adam ${f('adam 0.1')}`);
    assert.ok(f('adagrad 1') < 4 * floor, `AdaGrad at 1: ${f('adagrad 1')}`);
  });

  it('RMSProp ends below AdaGrad at the same learning rate', () => {
    assert.ok(f('rmsprop 0.1') < f('adagrad 0.1'));
  });
});

describe('scaledRegression', () => {
  it('draws features with the given scales and weights 1/(s·√d), noise floor noise²/2', () => {
    const scales = [2, 0.5, 0.05];
    const data = d2l.scaledRegression({ scales, n: 4000, noise: 0.2, seed: 3 });
    scales.forEach((s, j) => assertClose(data.trueWeights[j]!, 1 / (s * Math.sqrt(3)), 1e-12, `w${j}`));
    assertClose(data.noiseFloor, 0.02, 1e-12, 'noise floor');
    assert.equal(data.dataIter.numExamples, 4000);
    assert.equal(data.dataIter.featureDim, 3);
    assert.equal(data.dataIter.batchSize, 10);
    const [X, y] = data.dataIter.tensors();
    const std = tf.tidy(() => tf.moments(X, 0).variance.sqrt().arraySync() as number[]);
    std.forEach((sd, j) => assertClose(sd / scales[j]!, 1, 0.05, `relative std of feature ${j}`));
    // Each feature explains 1/d of the variance, so Var(y) ≈ 1 + noise²; the residual of the true weights is the noise.
    const [varY, residual] = tf.tidy(() => {
      const w = tf.tensor2d(data.trueWeights, [3, 1]);
      const r = tf.sub(y, tf.matMul(X, w));
      return [tf.moments(y).variance.dataSync()[0]!, tf.mean(tf.square(r)).dataSync()[0]! / 2];
    });
    assertClose(varY, 1.04, 0.08, 'label variance');
    assertClose(residual, data.noiseFloor, 0.003, 'loss of the true weights');
    data.dataIter.dispose();
  });

  it('is deterministic in its seed and leaves the global generator alone', () => {
    d2l.manualSeed(5);
    const before = d2l.rng().next();
    d2l.manualSeed(5);
    const a = d2l.scaledRegression({ scales: [1, 0.1], n: 50, seed: 9 });
    const after = d2l.rng().next();
    assert.equal(after, before, 'the global generator is untouched');
    const b = d2l.scaledRegression({ scales: [1, 0.1], n: 50, seed: 9 });
    const c = d2l.scaledRegression({ scales: [1, 0.1], n: 50, seed: 10 });
    const values = (r: d2l.ScaledRegression) => Array.from(r.dataIter.tensors()[0].dataSync());
    assert.deepEqual(values(a), values(b));
    assert.notDeepEqual(values(a), values(c));
    [a, b, c].forEach((r) => r.dataIter.dispose());
  });

  it('rejects empty or non-positive scales, bad n and negative noise', () => {
    assert.throws(() => d2l.scaledRegression({ scales: [] }), RangeError);
    assert.throws(() => d2l.scaledRegression({ scales: [1, 0] }), RangeError);
    assert.throws(() => d2l.scaledRegression({ scales: [1, NaN] }), RangeError);
    assert.throws(() => d2l.scaledRegression({ scales: [1], n: 2.5 }), RangeError);
    assert.throws(() => d2l.scaledRegression({ scales: [1], noise: -1 }), RangeError);
  });
});

describe('tableBundle', () => {
  it('gives an HTML table and aligned text; mostly numeric columns are right-aligned', () => {
    const bundle = d2l.tableBundle(['name', 'loss'], [['sgd', 'diverged'], ['adam', '0.243'], ['yogi', 0.5]]);
    assert.equal(bundle['text/plain'], [
      'name      loss',
      '----  --------',
      'sgd   diverged',
      'adam     0.243',
      'yogi       0.5',
    ].join('\n'));
    const html = bundle['text/html'] as string;
    assert.ok(html.startsWith('<table>') && html.endsWith('</table>'));
    assert.ok(html.includes('<th>name</th><th style="text-align:right">loss</th>'));
    assert.ok(html.includes('<td>adam</td><td style="text-align:right">0.243</td>'));
  });

  it('escapes HTML and rejects rows of the wrong length', () => {
    const html = d2l.tableBundle(['a<b'], [['x & "y"']])['text/html'] as string;
    assert.ok(html.includes('<th>a&lt;b</th>') && html.includes('<td>x &amp; &quot;y&quot;</td>'));
    assert.throws(() => d2l.tableBundle(['a', 'b'], [['only one']]), RangeError);
  });

  it('showTable does nothing outside a kernel', () => {
    assert.equal(d2l.showTable(['a'], [[1]]), undefined);
  });
});

describe('leastSquares and sgdStabilityLimit (lib/src/linear.ts)', () => {
  /** n examples of d features from a seeded generator, labels from `f`. */
  function dataset(d: number, n: number, f: (x: number[]) => number, scale = 1): d2l.DataIter {
    const random = new d2l.Random(4);
    const features = new Float32Array(n * d);
    const labels = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const x = Array.from({ length: d }, () => scale * random.normal());
      x.forEach((v, j) => { features[k * d + j] = v; });
      labels[k] = f(Array.from(features.subarray(k * d, (k + 1) * d)));
    }
    return d2l.loadArray(features, labels, d, 10);
  }

  it('recovers exact weights and bias with zero loss, and the residual of noisy labels', () => {
    const exact = d2l.leastSquares(dataset(3, 200, (x) => 2 * x[0]! - 3 * x[1]! + 0.25 * x[2]! + 0.5));
    [2, -3, 0.25].forEach((w, j) => assertClose(exact.weights[j]!, w, 1e-5, `w${j}`));
    assertClose(exact.bias, 0.5, 1e-5, 'bias');
    assert.ok(exact.loss < 1e-10, `loss ${exact.loss}`);
    // With noise the fit beats every other weight vector, e.g. the true one and small perturbations of the fit.
    const random = new d2l.Random(8);
    const noisy = dataset(2, 500, (x) => x[0]! - x[1]! + 0.3 * random.normal());
    const fit = d2l.leastSquares(noisy);
    const lossAt = (w: number[], b: number) => {
      let sum = 0;
      for (let k = 0; k < noisy.numExamples; k++) sum += (noisy.features[2 * k]! * w[0]! + noisy.features[2 * k + 1]! * w[1]! + b - noisy.labels[k]!) ** 2;
      return sum / noisy.numExamples / 2;
    };
    assertClose(fit.loss, lossAt(fit.weights, fit.bias), 1e-9, 'reported loss');
    for (const [dw0, dw1, db] of [[0.01, 0, 0], [0, -0.01, 0], [0, 0, 0.01]]) {
      assert.ok(lossAt([fit.weights[0]! + dw0!, fit.weights[1]! + dw1!], fit.bias + db!) > fit.loss);
    }
    assert.ok(fit.loss > 0.03 && fit.loss < 0.06, `noise share 0.3²/2 = 0.045, got ${fit.loss}`);
  });

  it('names linearly dependent features instead of returning a meaningless fit', () => {
    const features = new Float32Array([1, 2, 2, 4, 3, 6, 4, 8]);
    const data = d2l.loadArray(features, new Float32Array([1, 2, 3, 4]), 2, 2);
    assert.throws(() => d2l.leastSquares(data), /linearly dependent/);
  });

  it('the stability limit separates converging from diverging full-batch gradient descent', () => {
    const data = dataset(2, 400, (x) => x[0]! + 2 * x[1]!, 3);
    const limit = d2l.sgdStabilityLimit(data);
    // Features of scale 3: λmax ≈ 2·9, so the limit is near 1/9.
    assert.ok(limit > 0.08 && limit < 0.14, `limit ${limit}`);
    const gd = (lr: number): number => {
      let w = [0, 0, 0];
      const n = data.numExamples;
      for (let step = 0; step < 300; step++) {
        const g = [0, 0, 0];
        for (let k = 0; k < n; k++) {
          const x = [data.features[2 * k]!, data.features[2 * k + 1]!, 1];
          const r = x.reduce((s, xi, i) => s + xi * w[i]!, 0) - data.labels[k]!;
          x.forEach((xi, i) => { g[i]! += (2 * r * xi) / n; });
        }
        w = w.map((wi, i) => wi - lr * g[i]!);
      }
      return Math.hypot(w[0]! - 1, w[1]! - 2, w[2]!);
    };
    assert.ok(gd(0.97 * limit) < 1e-3, 'converges just below the limit');
    assert.ok(gd(1.03 * limit) > 1, 'diverges just above it');
  });
});
