/**
 * Small multiples (lib/src/panels.ts), the learning-rate sweep figure (lib/src/sweep.ts) and log axes
 * with readable ticks (lib/src/figure.ts's axisLayout): the figures notebooks 02–06 draw.
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { assertClose } from './helpers';

type Axis = Record<string, unknown> & { domain: [number, number] };

describe('smallMultiples (lib/src/panels.ts)', () => {
  const line = (name: string, y: number[]): d2l.Trace => ({ type: 'scatter', mode: 'lines', name, x: y.map((_, i) => i), y });
  const fig = d2l.smallMultiples(
    [{ title: 'a', traces: [line('a1', [1, 2]), line('a2', [2, 3])] }, { title: 'b', traces: [line('b', [3, 1])] }, { title: 'c', traces: [line('c', [1, 1])] }],
    { columns: 2, xlabel: 'step', ylabel: 'loss', ylim: [0.01, 10], yscale: 'log' },
  );
  const ax = (name: string): Axis => fig.layout[name] as Axis;

  it('puts each panel on its own axes in a grid, with shared ranges, titles above and axis labels outside', () => {
    assert.deepEqual(fig.data.map((t) => [t.name, t['xaxis'], t['yaxis']]), [['a1', 'x', 'y'], ['a2', 'x', 'y'], ['b', 'x2', 'y2'], ['c', 'x3', 'y3']]);
    for (const y of ['yaxis', 'yaxis2', 'yaxis3']) {
      assert.deepEqual([ax(y)['range'], ax(y)['dtick'], ax(y)['exponentformat']], [[-2, 1], 1, 'power'], `${y}: the shared log range, ticks at powers of ten written as 10ⁿ`);
    }
    // y labels on the left column only; x labels on the bottom row and on a panel with nothing below it.
    assert.ok(ax('yaxis')['title'] && !ax('yaxis2')['title'] && ax('yaxis3')['title']);
    assert.ok(!ax('xaxis')['title'] && ax('xaxis2')['title'] && ax('xaxis3')['title']);
    const notes = fig.layout['annotations'] as { text: string; x: number; y: number }[];
    assert.deepEqual(notes.map((n) => n.text), ['a', 'b', 'c']);
    notes.forEach((n, k) => {
      const s = k === 0 ? '' : String(k + 1);
      assertClose(n.x, (ax(`xaxis${s}`).domain[0] + ax(`xaxis${s}`).domain[1]) / 2, 1e-12, `title ${n.text} centred over its panel`);
      assert.equal(n.y, ax(`yaxis${s}`).domain[1], `title ${n.text} on top of its panel`);
    });
    assert.equal(fig.layout['showlegend'], false, 'runs and unnamed lines make no legend');
  });

  it('lays the panels out without overlap, the same size each, inside the figure', () => {
    const [x1, x2, x3] = ['xaxis', 'xaxis2', 'xaxis3'].map((k) => ax(k).domain);
    const [y1, y2, y3] = ['yaxis', 'yaxis2', 'yaxis3'].map((k) => ax(k).domain);
    assert.ok(x1![1] < x2![0] && y3![1] < y1![0], 'side by side and one above the other, with gaps');
    assert.deepEqual([y1, x3], [y2, x1], 'rows share y domains, columns share x domains');
    for (const d of [x1!, x2!, y1!, y3!]) assert.ok(d[0] >= 0 && d[1] <= 1 && d[1] > d[0]);
    assertClose(x1![1] - x1![0], x2![1] - x2![0], 1e-12, 'equal widths');
  });

  it('lists each named series once in a legend below the grid and keeps its colour in every panel', () => {
    const twoPanels = d2l.smallMultiples([
      { title: 'one', traces: d2l.seriesTraces([1, 2, 3], [[1, 2, 3], [3, 2, 1]], ['up', 'down']) },
      { title: 'two', traces: d2l.seriesTraces([1, 2, 3], [[2, 2, 2], [1, 1, 1]], ['up', 'down']) },
    ]);
    assert.deepEqual(twoPanels.data.map((t) => [t.name, t['showlegend']]), [['up', true], ['down', true], ['up', false], ['down', false]]);
    const colour = (t: d2l.Trace): string => (t['line'] as { color: string }).color;
    assert.equal(colour(twoPanels.data[0]!), colour(twoPanels.data[2]!));
    assert.notEqual(colour(twoPanels.data[0]!), colour(twoPanels.data[1]!));
    assert.equal(twoPanels.layout['showlegend'], true);
    assert.ok((twoPanels.layout['legend'] as { y: number }).y < 0, 'below the panels');
  });

  it('fits a page by default: four columns at most, at most 900 px wide', () => {
    const many = d2l.smallMultiples(Array.from({ length: 10 }, (_, k) => ({ title: String(k), traces: [line('l', [1, 2])] })));
    assert.ok((many.layout['width'] as number) <= 900, `width ${many.layout['width']}`);
    assert.equal((many.layout['annotations'] as unknown[]).length, 10);
    assert.equal((many.layout['xaxis5'] as Axis).domain[0], (many.layout['xaxis'] as Axis).domain[0], 'panel 5 starts the second row');
  });

  it('rejects an empty grid, a bad column count and series that do not match', () => {
    assert.throws(() => d2l.smallMultiples([]), /at least one panel/);
    assert.throws(() => d2l.smallMultiples([{ title: 'a', traces: [] }], { columns: 0 }), /columns/);
    assert.throws(() => d2l.seriesTraces([1, 2], [[1, 2]], ['a', 'b']), /2 names for 1 series/);
    assert.throws(() => d2l.seriesTraces([1, 2], [[1, 2, 3]]), /series 0: 2 x values but 3 y values/);
  });
});

describe('log axes (lib/src/figure.ts axisLayout)', () => {
  it('over 2.5 decades labels the powers of ten only, written 10ⁿ; linear axes untouched', () => {
    const fig = d2l.lineFigure([1, 1000], [1, 2], { xscale: 'log', xlim: [1, 1000] });
    const x = fig.layout['xaxis'] as Record<string, unknown>;
    assert.deepEqual([x['exponentformat'], x['dtick'], x['minorloglabels'], x['range']], ['power', 1, 'none', [0, 3]]);
    assert.equal((fig.layout['yaxis'] as Record<string, unknown>)['exponentformat'], undefined);
    assert.equal(d2l.axisLayout(undefined, undefined, 'log')['minorloglabels'], 'none', 'an automatic range: powers of ten only');
  });

  it('over a narrower range puts plain-number ticks at 1, 2, 5 × 10ᵏ inside it (1 … 9 where that gives fewer than three)', () => {
    const sweep = d2l.axisLayout('loss', [0.19, 25], 'log');
    assert.deepEqual([sweep['tickvals'], sweep['ticktext']], [[0.2, 0.5, 1, 2, 5, 10, 20], ['0.2', '0.5', '1', '2', '5', '10', '20']]);
    assert.deepEqual(d2l.axisLayout('loss', [0.22, 0.5], 'log')['tickvals'], [0.3, 0.4, 0.5]);
  });
});

describe('runTraces (lib/src/panels.ts)', () => {
  it('draws one line per run in one colour and the level across the longest run', () => {
    const traces = d2l.runTraces([{ epochs: [0.5, 1], losses: [2, 1] }, { epochs: [0.5, 1, 1.5], losses: [3, 2, 1] }], { color: 'red', level: 0.1 });
    assert.equal(traces.length, 3);
    assert.deepEqual(traces.slice(0, 2).map((t) => [t.x, t.y, (t['line'] as { color: string }).color]), [[[0.5, 1], [2, 1], 'red'], [[0.5, 1, 1.5], [3, 2, 1], 'red']]);
    assert.deepEqual([traces[2]!.x, traces[2]!.y], [[0, 1.5], [0.1, 0.1]]);
    assert.equal(d2l.runTraces([{ epochs: [1], losses: [1] }]).length, 1, 'no level unless asked');
    const named = d2l.smallMultiples(['a', 'b'].map((title) => ({
      title, traces: [...d2l.runTraces([{ epochs: [1, 2], losses: [2, 1] }, { epochs: [1, 2], losses: [3, 1] }], { name: 'SGD' }), ...d2l.runTraces([{ epochs: [1, 2], losses: [1, 1] }], { name: 'Adam', color: 'red' })],
    })));
    assert.deepEqual(named.data.filter((t) => t['showlegend']).map((t) => t.name), ['SGD', 'Adam'], 'named runs: one legend entry per method');
  });
});


describe('sweepFigure (lib/src/sweep.ts)', () => {
  const rates = [0.01, 0.1, 1];
  const fig = d2l.sweepFigure(rates, [
    { name: 'sgd', finals: [[0.3, 0.2, 0.4], [0.25, undefined, 0.26], [undefined, undefined, undefined]] },
    { name: 'adam', finals: [[0.5, 0.5, 0.5], [0.3, 0.31, 0.29], [2, 3, 1]] },
  ], { limit: 0.5, limitName: 'limit' });

  it('draws the median of the finished runs with bars to the lowest and highest, and crosses above everything where runs diverged', () => {
    const [sgd, sgdDiverged, adam] = fig.data;
    assert.deepEqual(sgd!.y, [0.3, 0.26, null]);
    const bars = sgd!['error_y'] as { array: number[]; arrayminus: number[] };
    [0.1, 0, 0].forEach((v, i) => assertClose(bars.array[i]!, v, 1e-12, `upper bar ${i}`));
    [0.1, 0.01, 0].forEach((v, i) => assertClose(bars.arrayminus[i]!, v, 1e-12, `lower bar ${i}`));
    assert.deepEqual(sgdDiverged!.x, [0.1, 1]);
    assert.ok((sgdDiverged!.y as number[]).every((y) => y > 3), 'crosses sit above the highest finished run');
    assert.deepEqual(adam!.y, [0.5, 0.3, 2]);
    assert.equal(fig.data.length, 4, 'adam never diverged, so no cross trace; plus the limit line');
    assert.deepEqual(fig.data[3]!.x, [0.5, 0.5]);
    const yRange = (fig.layout['yaxis'] as { range: number[] }).range;
    assert.ok(yRange[0]! < Math.log10(0.2) && yRange[1]! > Math.log10((sgdDiverged!.y as number[])[0]!), 'no point or cross is clipped');
  });

  it('rejects rows that do not match the rates, and a sweep where nothing finished', () => {
    assert.throws(() => d2l.sweepFigure([1, 2], [{ name: 'a', finals: [[1]] }]), /1 rows of final losses for 2 learning rates/);
    assert.throws(() => d2l.sweepFigure([1], [{ name: 'a', finals: [[undefined]] }]), /every run diverged/);
  });
});
