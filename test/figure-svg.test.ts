/** The static picture of a line figure (lib/src/figure-svg.ts) and where figureHtml puts it. */
import { strict as assert } from 'assert';
import { figureHtml, lineFigure } from 'd2l';
import { figureSvg } from 'd2l/dist/figure-svg';

/** The polylines' points as [x, y] pixel pairs. */
function polylines(svg: string): number[][][] {
  return [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
}

describe('figureSvg: a static picture of a line figure', () => {
  it('draws each series through its points, inside the plot area, higher values higher up', () => {
    const fig = lineFigure([1, 2, 3, 4], [[4, 3, 2, 1], [1, 2, 3, 5]], { legend: ['down', 'up'], xlabel: 'epoch', ylabel: 'loss' });
    const svg = figureSvg(fig)!;
    const [down, up] = polylines(svg);
    assert.equal(down!.length, 4);
    assert.equal(up!.length, 4);
    const xs = down!.map((p) => p[0]!);
    assert.ok(xs.every((x, i) => i === 0 || x > xs[i - 1]!), `x pixels increase: ${xs}`);
    const ys = down!.map((p) => p[1]!);
    assert.ok(ys.every((y, i) => i === 0 || y > ys[i - 1]!), `falling values go down the picture: ${ys}`);
    for (const [x, y] of [...down!, ...up!]) assert.ok(x! >= 60 && x! <= 460 && y! >= 20 && y! <= 270, `(${x}, ${y}) lies in the plot area`);
    for (const text of ['epoch', 'loss', 'down', 'up']) assert.ok(svg.includes(`>${text}</text>`), `labels ${text}`);
  });

  it('breaks a line at a missing value and ticks a log axis at powers of ten', () => {
    const fig = lineFigure([1, 10, 100, 1000], [1, Number.NaN, 3, 4], { xscale: 'log' });
    const svg = figureSvg(fig)!;
    assert.deepEqual(polylines(svg).map((l) => l.length), [2], 'the points after the gap form the only line with two points');
    for (const t of ['1', '10', '100', '1000']) assert.ok(svg.includes(`>${t}</text>`), `tick ${t}`);
  });

  it('declines figures it does not cover (contours, subplots)', () => {
    assert.equal(figureSvg({ data: [{ type: 'contour', z: [[1, 2], [3, 4]] }], layout: {} }), undefined);
    assert.equal(figureSvg({ data: [{ type: 'scatter', x: [1], y: [1], xaxis: 'x2' }], layout: { xaxis2: {} } }), undefined);
  });

  it('figureHtml starts the figure div with the picture, as an image the script replaces', () => {
    const fig = lineFigure([1, 2], [3, 4]);
    const html = figureHtml(fig, 'f1');
    const img = /<div id="f1" class="d2l-figure"><img class="d2l-figure-static" [^>]*src="data:image\/svg\+xml,([^"]*)">/.exec(html);
    assert.ok(img, html.slice(0, 300));
    assert.equal(decodeURIComponent(img[1]!), figureSvg(fig));
    assert.ok(html.includes("el.textContent='';window.Plotly.newPlot(el"), 'the script clears the picture before plotting');
    assert.ok(!figureHtml({ data: [{ type: 'contour', z: [[1]] }], layout: {} }, 'f2').includes('<img'), 'no picture, no image');
  });
});
