/**
 * Models saved with their optimizer state by version 0.1.0 of the lib (before the optimizers were
 * rebuilt on one rule each) still load: class names, config keys and slot names are unchanged, and
 * one more epoch after loading gives the weights that version computed (fixture made with it).
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import * as fs from 'fs';
import * as path from 'path';

const tf = d2l.tf;

interface Saved {
  modelTopology: object;
  trainingConfig: d2l.tf.io.TrainingConfig;
  weightSpecs: d2l.tf.io.WeightsManifestEntry[];
  weightData: string;
  afterOneEpoch: number[][];
}

const fixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'saved-models-0.1.0.json'), 'utf8')) as Record<string, Saved>;

describe('models saved by version 0.1.0 load and train on', () => {
  before(() => d2l.useBackend('cpu', { quiet: true }));

  for (const [className, saved] of Object.entries(fixture)) {
    it(`${className}: tf.loadLayersModel restores the optimizer, and the next epoch matches 0.1.0's`, async () => {
      const data = Buffer.from(saved.weightData, 'base64');
      const model = await tf.loadLayersModel(tf.io.fromMemory({
        modelTopology: saved.modelTopology, trainingConfig: saved.trainingConfig, weightSpecs: saved.weightSpecs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      }));
      assert.equal(model.optimizer.getClassName(), className);
      assert.ok(model.optimizer.iterations > 0, 'the iteration count was restored');
      const x = tf.tensor2d([[1, 2], [3, -1], [0.5, 0.25], [-2, 1]]);
      const y = tf.tensor2d([[1], [-1], [0.5], [2]]);
      await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
      model.getWeights().forEach((w, k) => {
        const got = Array.from(w.dataSync());
        saved.afterOneEpoch[k]!.forEach((e, j) => assert.ok(Math.abs(got[j]! - e) <= 1e-6 * Math.max(1, Math.abs(e)), `${className} weight ${k}[${j}]: ${got[j]} vs ${e}`));
      });
      model.optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    });
  }
});
