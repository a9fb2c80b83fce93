import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { assertClose } from './helpers';

describe('Timer', () => {
  it('records intervals; sum, avg and cumsum agree', async () => {
    const timer = new d2l.Timer();
    await new Promise((r) => setTimeout(r, 20));
    const first = timer.stop();
    timer.start();
    await new Promise((r) => setTimeout(r, 10));
    const second = timer.stop();
    assert.ok(first >= 0.015, `first interval ${first} s should cover the 20 ms wait`);
    assertClose(timer.sum(), first + second, 1e-12, 'sum');
    assertClose(timer.avg(), (first + second) / 2, 1e-12, 'avg');
    assert.deepEqual(timer.cumsum(), [first, first + second]);
  });
});

describe('Accumulator', () => {
  it('adds slot-wise, resets, and rejects the wrong arity', () => {
    const acc = new d2l.Accumulator(2);
    acc.add(1, 10);
    acc.add(2.5, 20);
    assert.deepEqual([acc.get(0), acc.get(1)], [3.5, 30]);
    assert.throws(() => acc.add(1), /expects 2 values, got 1/);
    assert.throws(() => acc.get(2), /out of range/);
    acc.reset();
    assert.deepEqual([acc.get(0), acc.get(1)], [0, 0]);
  });
});

describe('Random', () => {
  it('is reproducible for a seed and roughly standard normal', () => {
    const a = new d2l.Random(5).normalArray(20000);
    const b = new d2l.Random(5).normalArray(20000);
    assert.deepEqual(a, b);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    // Standard error of the mean is 1/sqrt(20000) ≈ 0.007; allow 4 of them.
    assertClose(mean, 0, 0.03, 'mean');
    assertClose(variance, 1, 0.05, 'variance');
  });
});

describe('figures', () => {
  it('lineFigure builds one trace per series with d2l-style axes', () => {
    const fig = d2l.lineFigure([1, 2, 3], [[1, 4, 9], [1, 2, 3]], {
      xlabel: 'x', ylabel: 'y', legend: ['square', 'identity'], yscale: 'log', ylim: [1, 100],
    });
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data.map((t) => t.name), ['square', 'identity']);
    const yaxis = fig.layout['yaxis'] as { type: string; range: number[]; title: { text: string } };
    assert.deepEqual([yaxis.type, yaxis.range, yaxis.title.text], ['log', [0, 2], 'y']);
  });

  it('the HTML fallback carries the figure JSON and cannot be closed early by the data', () => {
    const fig = d2l.lineFigure([0, 1], [0, 1], { title: '</script><b>' });
    const html = d2l.figureHtml(fig, 'f1');
    assert.ok(html.includes('id="f1"'));
    assert.equal(html.split('</script>').length - 1, 1, 'only the wrapper closes the script');
  });

  it('figureBundle offers plotly JSON, HTML and text', () => {
    const bundle = d2l.figureBundle(d2l.lineFigure([0, 1], [0, 1], { xlabel: 'epoch', ylabel: 'loss' }));
    assert.deepEqual(Object.keys(bundle).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    assert.equal(bundle['text/plain'], '<Figure: 1 trace, loss vs epoch>');
  });
});
