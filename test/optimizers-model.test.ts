// Yogi, AMSGrad and AdamW inside tf.LayersModel: compile + fit, and saving/restoring their state both
// by hand (getWeights/setWeights) and through model.save({includeOptimizer: true}) + tf.loadLayersModel.
import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'assert';
import { AdamW, AMSGrad, Yogi, adamw, amsgrad, yogi } from 'd2l/dist/optimizers';

const KINDS = [
  { name: 'Yogi', cls: Yogi, make: () => yogi(0.05), revive: (c: tf.serialization.ConfigDict) => Yogi.fromConfig<Yogi>(Yogi, c) },
  {
    name: 'AMSGrad', cls: AMSGrad, make: () => amsgrad(0.05),
    revive: (c: tf.serialization.ConfigDict) => AMSGrad.fromConfig<AMSGrad>(AMSGrad, c),
  },
  {
    name: 'AdamW', cls: AdamW, make: () => adamw(0.05, 0.9, 0.999, 1e-7, 0.01),
    revive: (c: tf.serialization.ConfigDict) => AdamW.fromConfig<AdamW>(AdamW, c),
  },
];

const FIT = { epochs: 5, batchSize: 16, shuffle: false, verbose: 0 } as const;

/** y = 2·x1 − 3·x2 + 0.5·x3 + 1 on 64 fixed random points (seeded, so every run sees the same data). */
function regressionData(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([64, 3], 0, 1, 'float32', 7) as tf.Tensor2D;
    const y = x.matMul(tf.tensor2d([[2], [-3], [0.5]])).add(1) as tf.Tensor2D;
    return { x, y };
  });
}

/** One dense unit: linear regression, zero-initialized so runs are reproducible. */
function linearModel(optimizer: tf.Optimizer): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [3], kernelInitializer: 'zeros' })],
  });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map(w => Array.from(w.dataSync()));
}

describe('optimizers in tf.LayersModel', () => {
  let data: { x: tf.Tensor2D; y: tf.Tensor2D };
  before(() => { data = regressionData(); });
  after(() => tf.dispose([data.x, data.y]));

  for (const kind of KINDS) {
    it(`${kind.name}: model.fit on a linear regression lowers the loss`, async () => {
      const model = linearModel(kind.make());
      const history = await model.fit(data.x, data.y, { ...FIT, epochs: 30 });
      const loss = history.history.loss as number[];
      assert.ok(loss.every(Number.isFinite), 'finite losses');
      assert.ok(loss[loss.length - 1] < 0.1 * loss[0], `loss ${loss[0]} → ${loss[loss.length - 1]}`);
      model.optimizer.dispose();
      model.dispose();
    });

    it(`${kind.name}: a model given a copy of the weights and the optimizer state trains on identically`, async () => {
      const original = linearModel(kind.make());
      await original.fit(data.x, data.y, FIT);

      const opt = original.optimizer;
      const restoredOpt = kind.revive(opt.getConfig());
      const saved = await opt.getWeights();
      await restoredOpt.setWeights(saved);
      saved[0].tensor.dispose();
      const copy = linearModel(restoredOpt);
      copy.setWeights(original.getWeights());

      await original.fit(data.x, data.y, FIT);
      await copy.fit(data.x, data.y, FIT);
      assert.equal(restoredOpt.iterations, opt.iterations);
      assert.deepEqual(weightsOf(copy), weightsOf(original));
      for (const m of [original, copy]) {
        m.optimizer.dispose();
        m.dispose();
      }
    });

    it(`${kind.name}: survives model.save({includeOptimizer: true}) + tf.loadLayersModel`, async () => {
      const original = linearModel(kind.make());
      await original.fit(data.x, data.y, FIT);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await original.save(tf.io.withSaveHandler(async a => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }), { includeOptimizer: true });
      assert.ok(artifacts !== undefined);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));

      // The optimizer comes back through tf.serialization by its className, with its config and state.
      assert.ok(loaded.optimizer instanceof kind.cls, `loaded optimizer is a ${kind.name}`);
      assert.deepEqual(loaded.optimizer.getConfig(), original.optimizer.getConfig());
      assert.equal(loaded.optimizer.iterations, original.optimizer.iterations);

      await original.fit(data.x, data.y, FIT);
      await loaded.fit(data.x, data.y, FIT);
      assert.deepEqual(weightsOf(loaded), weightsOf(original));
      for (const m of [original, loaded]) {
        m.optimizer.dispose();
        m.dispose();
      }
    });
  }
});
