/**
 * The claims of notebooks/02-optimizer-comparison.ipynb, checked by calling the lib directly with the
 * notebook's settings (seeds, learning rates, data, epochs). If the notebook's settings change, change
 * them here too: the notebook's own check cells guard its prose, these tests guard the lib behaviour
 * the prose relies on. Also unit tests of the helpers the notebook uses (lib/src/synthetic.ts, table.ts, linear.ts).
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { assertClose, dataDir } from './helpers';

const tf = d2l.tf;
const SEEDS = [1, 2, 3];

/** The notebook's `train`: seed reset, no figure, undefined when trainConciseCh11 reports divergence. */
async function train(name: string, config: d2l.OptimizerConfig, data: d2l.DataIter, epochs: number, seed: number): Promise<d2l.TrainResult | undefined> {
  d2l.manualSeed(seed);
  try {
    return await d2l.trainConciseCh11(name, config, data, epochs, { plot: false, verbose: false });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('Training diverged')) return undefined;
    throw e;
  }
}

/** A run that must not diverge. */
async function mustTrain(name: string, config: d2l.OptimizerConfig, data: d2l.DataIter, epochs: number, seed: number): Promise<d2l.TrainResult> {
  const run = await train(name, config, data, epochs, seed);
  assert.ok(run, `${name} at learning rate ${config.learningRate} diverged (seed ${seed})`);
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
const names = contenders.map(([name]) => name);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('optimizer comparison on the airfoil data (notebook 02, seeds 1-3)', function () {
  this.timeout(600_000);
  let airfoil: d2l.DataIter;
  /** Runs by optimizer, one per seed. */
  const runs = new Map<string, d2l.TrainResult[]>();
  const of = (name: string): d2l.TrainResult[] => runs.get(name)!;
  /** A run's lowest evaluation after the first epoch (its last one jitters around that level). */
  const secondEpochLow = (r: d2l.TrainResult): number => Math.min(...r.losses.filter((_, k) => r.epochs[k]! > 1));

  before(async () => {
    [airfoil] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    for (const [name, config] of contenders) {
      const perSeed: d2l.TrainResult[] = [];
      for (const seed of SEEDS) perSeed.push(await mustTrain(name, config, airfoil, 2, seed));
      runs.set(name, perSeed);
    }
  });

  it("tf.train.adam takes the steps of the chapter's rule (d2l.adamRule), to 1e-6 over three steps", () => {
    const h = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-6 };
    const x = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const opt = tf.train.adam(h.learningRate, h.beta1, h.beta2, h.epsilon);
    const gap = tf.tidy(() => {
      let byRule: d2l.tf.Tensor = tf.tensor1d([1, -2, 0.5]);
      let moments: d2l.Moments = { m: tf.zeros([3]), v: tf.zeros([3]) };
      for (let t = 1; t <= 3; t++) {
        const g = tf.tensor1d([0.3 * t, -1, 2 / t]);
        opt.applyGradients([{ name: x.name, tensor: g }]);
        const { update, state } = d2l.adamRule(g, moments, h, t);
        [byRule, moments] = [byRule.add(update), state];
      }
      return tf.max(tf.abs(x.sub(byRule))).dataSync()[0]!;
    });
    opt.dispose();
    x.dispose();
    assert.ok(gap < 1e-6, `gap ${gap}`);
    assert.ok(gap >= 0);
  });

  it('the least-squares optimum is 0.2417 and every run comes within 0.004 above it in its second epoch', () => {
    const optimum = d2l.leastSquares(airfoil).loss;
    assertClose(optimum, 0.2417, 0.00005, 'least-squares loss');
    for (const name of names) {
      for (const run of of(name)) {
        const gap = secondEpochLow(run) - optimum;
        assert.ok(gap >= 0 && gap < 0.004, `${name}'s lowest second-epoch evaluation is ${gap} above the optimum`);
      }
    }
  });

  it('on every seed AdaGrad is lowest at the first evaluation, momentum highest', () => {
    SEEDS.forEach((seed, i) => {
      const first = names.map((n) => of(n)[i]!.losses[0]!);
      assert.equal(names[first.indexOf(Math.min(...first))], 'adagrad', `seed ${seed}`);
      assert.equal(names[first.indexOf(Math.max(...first))], 'momentum', `seed ${seed}`);
    });
  });

  it('AdamW (decay 0.01) stays within 0.001 of Adam at every evaluation, but is not identical', () => {
    SEEDS.forEach((seed, i) => {
      const gaps = of('adamw')[i]!.losses.map((l, k) => Math.abs(l - of('adam')[i]!.losses[k]!));
      assert.ok(Math.max(...gaps) < 0.001, `seed ${seed}: ${Math.max(...gaps)}`);
      assert.ok(Math.max(...gaps) > 0, `seed ${seed}: the decay changes something`);
    });
  });

  it('every run reports 15 evaluations with cumulative training times', () => {
    for (const name of names) {
      for (const run of of(name)) {
        assert.equal(run.losses.length, 15, name);
        assert.equal(run.times.length, 15, name);
        run.times.forEach((t, i) => assert.ok(t >= 0 && (i === 0 || t >= run.times[i - 1]!), `${name}: times are cumulative`));
        assert.ok(run.secPerEpoch > 0, name);
      }
    }
  });

  it('tf.train.adadelta takes exactly the steps of tf.train.sgd, and diverges at the usual learning rate 1', async () => {
    SEEDS.forEach((seed, i) => assert.deepEqual(of('adadelta')[i]!.losses, of('sgd')[i]!.losses, `seed ${seed}`));
    const sgd = await mustTrain('sgd', { learningRate: 0.1 }, airfoil, 1, 1);
    const adadelta = await mustTrain('adadelta', { learningRate: 0.1 }, airfoil, 1, 1);
    assert.deepEqual(adadelta.losses, sgd.losses, 'also at learning rate 0.1');
    assert.equal(await train('adadelta', { learningRate: 1 }, airfoil, 2, 1), undefined);
  });

  it('a run repeats exactly with the same seed (the sweep reuses the comparison runs at 0.01)', async () => {
    const again = await mustTrain('adam', { learningRate: 0.01 }, airfoil, 2, 2);
    assert.deepEqual(again.losses, of('adam')[1]!.losses);
  });

  it("SGD's stability limit 2/λmax on airfoil is 0.4765 (float64 eigenvalues: λmax of the Hessian 4.197)", () => {
    assertClose(d2l.sgdStabilityLimit(airfoil), 0.4765, 0.001, 'stability limit');
  });

  describe('learning-rate sweep (exercise 1)', () => {
    const sweepRates = [1e-3, 0.01, 0.1, 0.3, 1, 10];
    /** Final losses by optimizer, rate, seed; undefined where diverged. */
    const sweep = new Map<string, (number | undefined)[][]>();
    const at = (name: string, lr: number): (number | undefined)[] => sweep.get(name)![sweepRates.indexOf(lr)]!;

    before(async () => {
      for (const name of ['sgd', 'adam', 'yogi']) {
        const rows: (number | undefined)[][] = [];
        for (const lr of sweepRates) {
          const row: (number | undefined)[] = [];
          for (const [i, seed] of SEEDS.entries()) {
            const run = lr === 0.01 ? of(name)[i] : await train(name, { learningRate: lr }, airfoil, 2, seed);
            row.push(run && last(run.losses));
          }
          rows.push(row);
        }
        sweep.set(name, rows);
      }
    });

    it('Adam and Yogi finish at every learning rate and seed from 1e-3 to 10, above 0.3 at 1 and 10', () => {
      for (const name of ['adam', 'yogi']) {
        sweepRates.forEach((lr) => at(name, lr).forEach((loss) => assert.ok(loss !== undefined && Number.isFinite(loss), `${name} at ${lr}: ${loss}`)));
        [...at(name, 1), ...at(name, 10)].forEach((loss) => assert.ok(loss! > 0.3, `${name} at 1 or 10: ${loss}`));
      }
    });

    it('SGD diverges exactly at the grid points above its stability limit (0.3 finishes, 1 diverges), on every seed', () => {
      const limit = d2l.sgdStabilityLimit(airfoil);
      sweepRates.forEach((lr) => at('sgd', lr).forEach((loss) => assert.equal(loss === undefined, lr > limit, `SGD at ${lr}`)));
      assert.ok(limit > 0.3 && limit < 1);
    });

    it('all three end above 0.3 at 1e-3 and come within 0.004 of the optimum in the second epoch at 0.01; at 0.1 SGD\'s median is below Adam\'s; at 1e-3 the two medians are within 0.03', () => {
      const optimum = d2l.leastSquares(airfoil).loss;
      for (const name of ['sgd', 'adam', 'yogi']) {
        at(name, 1e-3).forEach((loss) => assert.ok(loss! > 0.3, `${name} at 1e-3: ${loss}`));
        of(name).forEach((run) => assert.ok(secondEpochLow(run) < optimum + 0.004, `${name} at 0.01: lowest ${secondEpochLow(run)}`));
      }
      assert.ok(median(at('sgd', 0.1) as number[]) < median(at('adam', 0.1) as number[]));
      assert.ok(Math.abs(median(at('sgd', 1e-3) as number[]) - median(at('adam', 1e-3) as number[])) < 0.03, 'SGD and Adam close at 1e-3');
    });
  });
});

describe('optimizer comparison on features of different scales (notebook 02)', function () {
  this.timeout(600_000);
  const hard = d2l.scaledRegression({ scales: [3, 1, 0.3, 0.1, 0.03], n: 1000, noise: 0.1, seed: 0 });
  const floor = hard.noiseFloor;
  const grid: [string, number][] = [['sgd', 0.05], ['sgd', 0.08], ['momentum', 0.01], ['momentum', 0.02], ['momentum', 0.04],
    ['adagrad', 0.1], ['adagrad', 1], ['rmsprop', 0.1], ['adam', 0.1], ['yogi', 0.1]];
  const configOf = (name: string, lr: number): d2l.OptimizerConfig =>
    name === 'momentum' ? { learningRate: lr, momentum: 0.9 } : name === 'rmsprop' ? { learningRate: lr, decay: 0.9 } : { learningRate: lr };
  /** Loss curves by 'name lr', one per seed (the notebook's seeds, then two more for robustness). */
  const curves = new Map<string, number[][]>();
  const allSeeds = [...SEEDS, 4, 5];
  const lastEight = (losses: number[]) => losses.slice(-8);
  const ofSeeds = (label: string, seeds: number[]) => seeds.map((s) => curves.get(label)![allSeeds.indexOf(s)]!);

  before(async () => {
    for (const [name, lr] of grid) {
      const perSeed: number[][] = [];
      for (const seed of allSeeds) perSeed.push((await mustTrain(name, configOf(name, lr), hard.dataIter, 3, seed)).losses);
      curves.set(`${name} ${lr}`, perSeed);
    }
  });
  after(() => hard.dataIter.dispose());

  it('SGD is stable only below about 0.1 there (2/λmax with λmax ≈ 2·3²): 0.2 diverges on every seed', async () => {
    const limit = d2l.sgdStabilityLimit(hard.dataIter);
    assert.ok(limit > 0.08 && limit < 0.12, `limit ${limit}`);
    for (const seed of SEEDS) assert.equal(await train('sgd', { learningRate: 0.2 }, hard.dataIter, 3, seed), undefined, `seed ${seed}`);
  });

  for (const [what, seeds] of [['the notebook\'s seeds 1-3', SEEDS], ['seeds 4-5 too', [4, 5]]] as [string, number[]][]) {
    it(`${what}: SGD and momentum stay above 10x the floor late; Adam and Yogi end below 2x and stay below 5x late; AdaGrad ends at about 23x at 0.1 and below 4x at 1`, () => {
      for (const [name, lr] of grid.filter(([n]) => n === 'sgd' || n === 'momentum')) {
        for (const losses of ofSeeds(`${name} ${lr}`, seeds)) assert.ok(Math.min(...lastEight(losses)) > 10 * floor, `${name} ${lr}`);
      }
      for (const label of ['adam 0.1', 'yogi 0.1']) {
        for (const losses of ofSeeds(label, seeds)) {
          assert.ok(last(losses) < 2 * floor, `${label} ends at ${last(losses) / floor}x`);
          assert.ok(Math.max(...lastEight(losses)) < 5 * floor, `${label} late ${Math.max(...lastEight(losses)) / floor}x`);
        }
      }
      for (const losses of ofSeeds('adagrad 0.1', seeds)) assert.ok(last(losses) > 22 * floor && last(losses) < 24 * floor, `adagrad 0.1: ${last(losses) / floor}x`);
      for (const losses of ofSeeds('adagrad 1', seeds)) assert.ok(last(losses) < 4 * floor, `adagrad 1: ${last(losses) / floor}x`);
    });
  }

  it("seeds 1-3: momentum's lowest late evaluation is below SGD's by less than 2.5x; SGD 0.08 and momentum 0.04 jump by more than 5x late on some seed", () => {
    SEEDS.forEach((seed) => {
      const lowest = (prefix: string) => Math.min(...grid.filter(([n]) => n === prefix).flatMap(([n, lr]) => lastEight(ofSeeds(`${n} ${lr}`, [seed])[0]!)));
      const gain = lowest('sgd') / lowest('momentum');
      assert.ok(gain > 1 && gain < 2.5, `seed ${seed}: ${gain}`);
    });
    for (const label of ['sgd 0.08', 'momentum 0.04']) {
      const jump = Math.max(...ofSeeds(label, SEEDS).map((l) => Math.max(...lastEight(l)) / Math.min(...lastEight(l))));
      assert.ok(jump > 5, `${label}: ${jump}`);
    }
  });

  it('seeds 1-3: RMSProp ends below 3x the floor on some seed, its final losses more than fivefold apart; neither SGD 0.08 nor momentum 0.04 ends lower on every seed of 1-5', () => {
    const rmsprop = ofSeeds('rmsprop 0.1', SEEDS).map((l) => last(l) / floor);
    assert.ok(Math.min(...rmsprop) < 3 && Math.max(...rmsprop) > 5 * Math.min(...rmsprop), `RMSProp ${rmsprop.join(', ')}`);
    const sgd = ofSeeds('sgd 0.08', allSeeds).map(last);
    const momentum = ofSeeds('momentum 0.04', allSeeds).map(last);
    assert.ok(!sgd.every((l, i) => l < momentum[i]!) && !momentum.every((l, i) => l < sgd[i]!), 'the ranking of the final evaluation depends on the seed');
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

