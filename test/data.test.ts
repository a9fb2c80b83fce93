import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { assertClose, dataDir } from './helpers';

const tf = d2l.tf;

describe('getDataCh11 (airfoil)', () => {
  // Reference values computed independently with numpy:
  //   d = np.genfromtxt('airfoil_self_noise.dat', delimiter='\t'); s = (d - d.mean(0)) / d.std(0)
  const row0 = [-0.6620227, -1.14640293, 1.79929926, 1.31293526, -0.64480461, 0.19793876];
  const row1499 = [0.08364823, 1.49044302, -0.37373954, -0.72334483, 3.17277251, -2.2594441];
  // s[:1500].mean(0) and s[:1500].std(0): the first 1500 rows of data standardized over all 1503.
  const mean1500 = [-0.00140479, -0.00298089, 0.00074748, 0.00144669, -0.00634555, 0.00555615];
  const std1500 = [1.00041629, 0.99877338, 1.00085967, 1.00047561, 0.99087172, 0.99322056];

  it('standardizes all six columns over all 1503 rows and keeps the first 1500', async () => {
    const [iter, featureDim] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    assert.equal(featureDim, 5);
    assert.equal(iter.numExamples, 1500);
    assert.equal(iter.length, 150);
    const [X, y] = iter.tensors();
    const x = X.arraySync();
    const labels = y.arraySync().map((r) => r[0]!);
    for (let c = 0; c < 5; c++) {
      assertClose(x[0]![c]!, row0[c]!, 1e-6, `row 0 feature ${c}`);
      assertClose(x[1499]![c]!, row1499[c]!, 1e-6, `row 1499 feature ${c}`);
    }
    assertClose(labels[0]!, row0[5]!, 1e-6, 'row 0 label');
    assertClose(labels[1499]!, row1499[5]!, 1e-6, 'row 1499 label');
    const columns = [0, 1, 2, 3, 4].map((c) => x.map((r) => r[c]!)).concat([labels]);
    columns.forEach((col, c) => {
      const m = col.reduce((a, b) => a + b, 0) / col.length;
      const s = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length);
      assertClose(m, mean1500[c]!, 1e-6, `mean of column ${c}`);
      assertClose(s, std1500[c]!, 1e-6, `std of column ${c}`);
    });
    iter.dispose();
  });

  it('rejects n outside the data', async () => {
    await assert.rejects(d2l.getDataCh11(10, 2000, { folder: dataDir }), /n must be an integer in \[1, 1503\]/);
  });
});

describe('DataIter', () => {
  const n = 23;
  const features = Float32Array.from({ length: n * 2 }, (_, i) => i);
  const labels = Float32Array.from({ length: n }, (_, i) => i);

  it('visits every example once per pass, in batches, the last one smaller', () => {
    const iter = d2l.loadArray(features, labels, 2, 5, true, new d2l.Random(3));
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const [X, y] of iter) {
      sizes.push(X.shape[0]);
      const xs = X.arraySync();
      y.arraySync().forEach((r, k) => {
        seen.push(r[0]!);
        assert.deepEqual(xs[k], [2 * r[0]!, 2 * r[0]! + 1], 'features stay paired with their label');
      });
    }
    assert.deepEqual(sizes, [5, 5, 5, 5, 3]);
    assert.equal(iter.length, 5);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    assert.notDeepEqual(seen, Array.from({ length: n }, (_, i) => i), 'shuffled');
  });

  it('reshuffles each pass, reproducibly for a seed', () => {
    const order = (seed: number) => {
      const iter = d2l.loadArray(features, labels, 2, 5, true, new d2l.Random(seed));
      return [Array.from(iter.order()), Array.from(iter.order())];
    };
    const [a1, a2] = order(7);
    const [b1, b2] = order(7);
    assert.deepEqual(a1, b1);
    assert.deepEqual(a2, b2);
    assert.notDeepEqual(a1, a2, 'a new order every pass');
    assert.notDeepEqual(order(8)[0], a1, 'another seed, another order');
  });

  it('leaks no tensors, even when a loop breaks early', () => {
    const iter = d2l.loadArray(features, labels, 2, 5);
    const before = tf.memory().numTensors;
    for (const _ of iter) void _;
    for (const _ of iter) break;
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects mismatched shapes with a message naming them', () => {
    assert.throws(() => d2l.loadArray(features, labels.subarray(1), 2, 5), /23 examples but 22 labels/);
    assert.throws(() => d2l.loadArray(features, labels, 2, 0), /batchSize must be a positive integer/);
  });
});

describe('parseTable', () => {
  it('reads CRLF tab-separated rows and names the bad cell', () => {
    const t = d2l.parseTable('1\t2\r\n3\t4\r\n');
    assert.deepEqual([t.rows, t.cols, Array.from(t.values)], [2, 2, [1, 2, 3, 4]]);
    assert.throws(() => d2l.parseTable('1\t2\n3\tx\n', 'f.dat'), /f\.dat line 2, column 2: 'x' is not a number/);
    assert.throws(() => d2l.parseTable('1\t2\n3\n', 'f.dat'), /f\.dat line 2 has 1 columns, expected 2/);
  });
});
