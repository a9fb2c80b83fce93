/**
 * The static picture of a figure (lib/src/figure-svg.ts), the one an untrusted notebook shows, and
 * where figureHtml and playgroundHtml put it. The geometry is read back from the SVG's paths and
 * checked against the figure's data mapped to pixels by hand.
 */
import { strict as assert } from 'assert';
import * as d2l from 'd2l';
import { axisTicks, figureSvg, isoLines, simplify } from 'd2l/dist/figure-svg';
import { playgroundFigure, PLAYGROUND_STATIC_NOTE } from 'd2l/dist/playground';

type Pt = number[];

/** Every `<path>` element: its attributes and its subpaths as lists of [x, y] (only M and implicit line-to). */
function paths(svg: string): { attrs: string; lines: Pt[][] }[] {
  return [...svg.matchAll(/<path d="([^"]*)"([^>]*)\/>/g)].map((m) => ({
    attrs: m[2]!,
    lines: m[1]!.split('M').filter((s) => s !== '' && !/[a-zA-Z]/.test(s)).map((s) => s.trim().split(' ').map((p) => p.split(',').map(Number))),
  }));
}

/** The line paths drawn for series (2 px strokes, no fill), in drawing order. */
const seriesLines = (svg: string) => paths(svg).filter((p) => / fill="none" stroke="[^"]*" stroke-width="2"/.test(p.attrs) && p.lines.length > 0);

/** The `<text>` elements: position and content. */
function texts(svg: string): { x: number; y: number; text: string }[] {
  return [...svg.matchAll(/<text x="([^"]*)" y="([^"]*)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3]! }));
}

/** The subplot outlines: x, y, width, height of each frame rectangle. */
function frames(svg: string): number[][] {
  return [...svg.matchAll(/<rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="([^"]*)" fill="none" stroke="#ccc"\/>/g)].map((m) => m.slice(1, 5).map(Number));
}

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not within ${tol} of ${b}`);

describe('figureSvg: line figures', () => {
  it('maps a path\'s endpoints to the pixels of its data on the figure\'s axes', () => {
    // 480 × 320 with margins l 60, r 20, t 20, b 50: the plot area is x 60…460, y 20…270.
    const fig = d2l.lineFigure([0, 2, 10], [0, 4, 5], { xlim: [0, 10], ylim: [0, 5] });
    const [line] = seriesLines(figureSvg(fig));
    const pts = line!.lines[0]!;
    assert.deepEqual(pts[0], [60, 270]);
    assert.deepEqual(pts[1], [60 + 0.2 * 400, 270 - 0.8 * 250]);
    assert.deepEqual(pts[pts.length - 1], [460, 20]);
  });

  it('draws each series inside the plot area, higher values higher up, with its labels and legend', () => {
    const fig = d2l.lineFigure([1, 2, 3, 4], [[4, 2, 1.6, 1], [1, 2, 3, 5]], { legend: ['down', 'up'], xlabel: 'epoch', ylabel: 'loss' });
    const svg = figureSvg(fig);
    const [down, up] = seriesLines(svg).map((p) => p.lines[0]!);
    assert.equal(down!.length, 4);
    assert.ok(down!.every((p, i) => i === 0 || (p[0]! > down![i - 1]![0]! && p[1]! > down![i - 1]![1]!)), `falling values go down the picture: ${JSON.stringify(down)}`);
    const [frame] = frames(svg);
    const [fx, fy, fw, fh] = frame!;
    for (const [x, y] of [...down!, ...up!]) assert.ok(x! >= fx! && x! <= fx! + fw! && y! >= fy! && y! <= fy! + fh!, `(${x}, ${y}) lies in the plot area ${frame}`);
    const words = texts(svg).map((t) => t.text);
    for (const w of ['epoch', 'loss', 'down', 'up']) assert.ok(words.includes(w) || svg.includes(`>${w}</text>`), `labels ${w}`);
    // The legend sits right of the plot area, as plotly puts it (margin widened to fit).
    const legend = texts(svg).find((t) => t.text === 'down')!;
    assert.ok(legend.x > fx! + fw!, `legend at x ${legend.x}, plot area ends at ${fx! + fw!}`);
  });

  it('breaks a line at a missing value and labels a log axis as plotly does (1, 10, 10², 10³)', () => {
    const fig = d2l.lineFigure([1, 10, 100, 1000], [1, Number.NaN, 3, 4], { xscale: 'log' });
    const svg = figureSvg(fig);
    assert.deepEqual(seriesLines(svg)[0]!.lines.map((l) => l.length), [2], 'the points after the gap form the only line');
    const labels = texts(svg).map((t) => t.text);
    for (const t of ['1', '10', '10²', '10³']) assert.ok(labels.includes(t), `tick ${t} among ${labels}`);
  });

  it('log ticks: thinned decades over a wide range, round values inside one decade, the layout\'s tickvals as given', () => {
    const wide = axisTicks(-12, 0, true, 5);
    assert.ok(wide.length >= 3 && wide.length <= 7, `${wide.length} ticks over 12 decades`);
    assert.ok(wide.every((t) => Number.isInteger(t.at)) && wide.some((t) => t.label === '10⁻⁶'), JSON.stringify(wide));
    const narrow = axisTicks(Math.log10(0.235), Math.log10(0.38), true, 6).map((t) => Number(t.label));
    assert.ok(narrow.length >= 3 && narrow.every((v) => v >= 0.235 && v <= 0.38), `${narrow}`);
    const given = axisTicks(Math.log10(0.05), Math.log10(0.5), true, 6, { tickvals: [0.05, 0.1, 0.2, 0.5], ticktext: ['0.05', '0.1', '0.2', '0.5'] });
    assert.deepEqual(given.map((t) => t.label), ['0.05', '0.1', '0.2', '0.5']);
    near(given[1]!.at, -1, 1e-12, 'tickvals are placed at their log10');
  });

  it('thins a long series to what its pixels show, keeping every excursion', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.sin(i / 5000) + (i === 54_321 ? 3 : 0)); // one spike
    const svg = figureSvg(d2l.lineFigure(x, y));
    const pts = seriesLines(svg)[0]!.lines.flat();
    assert.ok(pts.length < 4 * 400, `${pts.length} points for a 400 px wide plot`);
    const ys = pts.map((p) => p[1]!);
    const [frame] = frames(svg);
    // y range −1…4 padded by 5 %: the spike reaches 4, the top of the data.
    near(Math.min(...ys), frame![1]! + frame![3]! * (0.05 / 1.1), 0.2, 'the spike is kept');
    // Douglas–Peucker on its own: a straight run collapses to its ends.
    assert.deepEqual(simplify([[0, 0], [1, 0.01], [2, 0], [3, 5]], 0.3), [[0, 0], [2, 0], [3, 5]]);
  });
});

describe('figureSvg: contours', () => {
  // z = x²/4 + y² on [−3, 3]²: the level-c iso-line is the ellipse with semi-axes 2√c and √c (inside the grid for c ≤ 2).
  const grid = d2l.linspace(-3, 3, 61);
  const z = grid.map((y) => grid.map((x) => x * x / 4 + y * y));
  const q = ([x, y]: Pt) => x! * x! / 4 + y! * y!;

  it('marching squares: the level set of a quadratic is one closed line on its ellipse', () => {
    const lines = isoLines(grid, grid, z, 1);
    assert.equal(lines.length, 1, 'one line');
    const line = lines[0]!;
    assert.deepEqual(line[0], line[line.length - 1], 'closed');
    // Linear interpolation along a grid edge of length h = 0.1 is off by at most h²/4 · |z''| = 0.005.
    for (const p of line) near(q(p), 1, 0.006, `(${p}) on x²/4 + y² = 1`);
    // It goes all the way round: its points cover every direction.
    const angles = new Set(line.map(([x, y]) => Math.floor(((Math.atan2(y!, x! / 2) + Math.PI) / (2 * Math.PI)) * 36) % 36));
    assert.equal(angles.size, 36);
  });

  it('draws the iso-lines on the right ellipses in pixels, and fills one band per level', () => {
    const fig: d2l.Figure = {
      data: [{ type: 'contour', x: grid, y: grid, z, contours: { start: 0.5, end: 2, size: 0.5, coloring: 'fill' }, line: { color: '#555', width: 0.6 } }],
      layout: { width: 400, height: 400, margin: { l: 50, r: 50, t: 50, b: 50 }, xaxis: { range: [-3, 3] }, yaxis: { range: [-3, 3] } },
    };
    const svg = figureSvg(fig);
    // Pixels 50…350 span −3…3 on both axes: 50 px per unit, y pointing down. The contours are
    // drawn from the panel's corner and placed there (<use>), so that other panels can reuse them.
    const use = /<use href="#g0" x="([^"]*)" y="([^"]*)"\/>/.exec(svg);
    assert.ok(use, 'the contours are placed in the panel');
    const [ox, oy] = [Number(use[1]), Number(use[2])];
    assert.deepEqual([ox, oy], [50, 50]);
    const data = ([px, py]: Pt) => [(px! + ox - 200) / 50, (200 - py! - oy) / 50];
    // Each level's sublevel set is filled and its outline stroked: here (inside the grid) the ellipse alone.
    const strokes = paths(svg).filter((p) => p.attrs.includes('stroke="#555"'));
    assert.ok(strokes.every((p) => /fill="#[0-9a-f]{6}" fill-rule="evenodd"/.test(p.attrs)), 'filled bands');
    const rings = strokes.flatMap((p) => p.lines);
    assert.equal(rings.length, 4, 'one closed line per level');
    rings.forEach((ring) => {
      const level = Math.round(2 * q(data(ring[0]!))) / 2;
      // Whole pixels and 0.5 px thinning: half a pixel each way, 0.02 units, changes q by at most ~0.02·|∇q| ≤ 0.07.
      for (const p of ring) near(q(data(p)), level, 0.08, `level ${level} at pixel (${p})`);
    });
    assert.deepEqual(rings.map((r) => Math.round(2 * q(data(r[0]!))) / 2).sort(), [0.5, 1, 1.5, 2]);
    rings.forEach((r) => assert.deepEqual(r[0], r[r.length - 1], 'each ring is closed'));
    const fills = paths(svg).filter((p) => /fill="#[0-9a-f]{6}" fill-rule="evenodd"/.test(p.attrs));
    assert.equal(fills.length, 4, 'each level\'s sublevel set is filled');
  });

  it('a heatmap: one cell per value, at its place, coloured along the colorscale', () => {
    const fig: d2l.Figure = {
      data: [{ type: 'heatmap', x: [0, 1], y: [0, 1], z: [[0, 1], [2, 3]], colorscale: [[0, '#000000'], [1, '#ffffff']] }],
      layout: { width: 300, height: 300, margin: { l: 50, r: 50, t: 50, b: 50 }, xaxis: { range: [-0.5, 1.5] }, yaxis: { range: [-0.5, 1.5] } },
    };
    const cells = [...figureSvg(fig).matchAll(/<rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="[^"]*" fill="(#[0-9a-f]{6})"\/>/g)].map((m) => ({ x: Number(m[1]) + 50, y: Number(m[2]) + 50, w: Number(m[3]), fill: m[4] }));
    // 200 px for two units: cells 100 px wide; z = 0 bottom left (black), z = 3 top right (white).
    assert.deepEqual(cells.map((c) => [c.x, c.y, c.fill]), [[50, 150, '#000000'], [150, 150, '#555555'], [50, 50, '#aaaaaa'], [150, 50, '#ffffff']]);
    assert.ok(cells.every((c) => Math.abs(c.w - 100) <= 0.5));
  });

  it('pathsGrid: one contour picture reused in every panel, each titled, each path starting at its start', () => {
    const paths2 = [
      { name: 'first', x: [-5, -1, 0], y: [-2, 1, 0] },
      { name: 'second', x: [-5, -3], y: [-2, 0.5] },
      { name: 'third', x: [-5, 0], y: [-2, 0] },
      { name: 'fourth', x: [-5, 1], y: [-2, 1] },
    ];
    const fig = d2l.pathsGrid(d2l.quadraticBowl, paths2, { title: 'the bowl' });
    const svg = figureSvg(fig);
    const boxes = frames(svg);
    assert.equal(boxes.length, 4, 'four panels');
    assert.equal((svg.match(/<g id="g\d+">/g) ?? []).length, 1, 'the contours are drawn once');
    assert.equal((svg.match(/<use href="#g0"/g) ?? []).length, 4, 'and placed in each panel');
    assert.equal(figureSvg(JSON.parse(JSON.stringify(fig)) as d2l.Figure), svg, 'equal grids are recognized as such, not only shared ones');
    const other = JSON.parse(JSON.stringify(fig)) as d2l.Figure;
    (other.data[3]!['z'] as number[][])[5]![5]! += 1; // the second panel's contour differs
    assert.equal((figureSvg(other).match(/<g id="g\d+">/g) ?? []).length, 2, 'a different grid gets its own picture');
    const titles = texts(svg);
    const [xr, yr] = [d2l.quadraticBowl.xRange, d2l.quadraticBowl.yRange];
    const lines = seriesLines(svg);
    paths2.forEach((p, k) => {
      const [bx, by, bw, bh] = boxes[k]!;
      const title = titles.find((t) => t.text === p.name);
      assert.ok(title, `panel ${k + 1} is titled ${p.name}`);
      near(title.x, bx! + bw! / 2, 0.2, `${p.name}'s title is centred over its panel`);
      assert.ok(title.y < by!, `${p.name}'s title is above its panel`);
      const px = (x: number) => bx! + ((x - xr[0]) / (xr[1] - xr[0])) * bw!;
      const py = (y: number) => by! + bh! - ((y - yr[0]) / (yr[1] - yr[0])) * bh!;
      const pts = lines[k]!.lines[0]!;
      near(pts[0]![0]!, px(p.x[0]!), 0.1, `${p.name} starts at x`);
      near(pts[0]![1]!, py(p.y[0]!), 0.1, `${p.name} starts at y`);
      near(pts[pts.length - 1]![0]!, px(p.x[p.x.length - 1]!), 0.1, `${p.name} ends at x`);
      near(pts[pts.length - 1]![1]!, py(p.y[p.y.length - 1]!), 0.1, `${p.name} ends at y`);
    });
    assert.ok(titles.some((t) => t.text === 'the bowl'), 'the grid\'s title');
  });
});

describe('figureSvg: small multiples', () => {
  it('one frame per panel at its domain, the titles over them, one legend entry per group below', () => {
    const t = [0, 1, 2, 3];
    const fig = d2l.smallMultiples(
      ['a', 'b', 'c', 'd', 'e'].map((title, k) => ({ title, traces: d2l.seriesTraces(t, [t.map((v) => v + k), t.map((v) => 2 * v)], ['one', 'two']) })),
      { columns: 3, xlabel: 'step', ylabel: 'value', yscale: 'log', ylim: [0.1, 100] },
    );
    const svg = figureSvg(fig);
    const boxes = frames(svg);
    assert.equal(boxes.length, 5);
    const layout = fig.layout as { width: number; height: number; margin: { l: number; r: number; t: number; b: number } };
    const [left, top] = [layout.margin.l, layout.margin.t];
    const [w, h] = [layout.width - layout.margin.l - layout.margin.r, layout.height - layout.margin.t - layout.margin.b];
    boxes.forEach(([x, y, bw, bh], k) => {
      const axis = fig.layout[`xaxis${k === 0 ? '' : k + 1}`] as { domain: number[] };
      const yaxis = fig.layout[`yaxis${k === 0 ? '' : k + 1}`] as { domain: number[] };
      near(x!, left + axis.domain[0]! * w, 0.1, `panel ${k + 1} left`);
      near(x! + bw!, left + axis.domain[1]! * w, 0.11, `panel ${k + 1} right`);
      near(y!, top + (1 - yaxis.domain[1]!) * h, 0.1, `panel ${k + 1} top`);
      near(y! + bh!, top + (1 - yaxis.domain[0]!) * h, 0.11, `panel ${k + 1} bottom`);
    });
    const words = texts(svg).map((x) => x.text);
    for (const title of ['a', 'b', 'c', 'd', 'e']) assert.equal(words.filter((x) => x === title).length, 1, `title ${title}`);
    assert.deepEqual([words.filter((x) => x === 'one').length, words.filter((x) => x === 'two').length], [1, 1], 'each group once in the legend');
    const legend = texts(svg).find((x) => x.text === 'one')!;
    assert.ok(legend.y > Math.max(...boxes.map(([, y, , bh]) => y! + bh!)), 'the legend is below the grid');
    for (const tick of ['10⁻¹', '1', '10', '10²']) assert.ok(words.includes(tick), `log tick ${tick}`);
    assert.equal(seriesLines(svg).length, 10, 'two series in each of five panels');
  });

  it('the sweep figure: error bars, crosses for diverged runs, a dotted limit', () => {
    const fig = d2l.sweepFigure([0.01, 0.1, 1], [{ name: 'sgd', finals: [[1, 2], [0.5, 0.6], [undefined, 0.4]] }], { limit: 0.5, limitName: 'limit' });
    const svg = figureSvg(fig);
    assert.ok(/stroke-dasharray="2,3"/.test(svg), 'the dotted limit');
    assert.ok(paths(svg).some((p) => p.attrs.includes('stroke-width="1.5"')), 'error bars');
    assert.ok(/<path d="M[^"]*l10,10m0,-10l-10,10"/.test(svg), 'a cross marks the diverged run');
  });
});

describe('figureSvg: playgrounds and the HTML', () => {
  for (const kind of ['trajectories', 'bias', 'reddi', 'noise'] as const) {
    it(`${kind}: the opening state, every computed series drawn`, () => {
      const settings = d2l.playgroundSettings(kind);
      const fig = playgroundFigure(kind, settings);
      const svg = figureSvg(fig, { note: PLAYGROUND_STATIC_NOTE });
      const named = fig.data.filter((t) => t.type === 'scatter' && String(t['mode']).includes('lines') && (t.y ?? []).length > 2);
      assert.ok(named.length >= 2, `${kind} has ${named.length} series`);
      const drawn = paths(svg).filter((p) => / fill="none" stroke="[^"]*" stroke-width="2"/.test(p.attrs) && p.lines.some((l) => l.length >= 2));
      assert.ok(drawn.length >= named.length, `${drawn.length} lines drawn for ${named.length} series`);
      assert.ok(svg.includes(PLAYGROUND_STATIC_NOTE.replace(/’/g, '’')), 'the note');
      const html = d2l.playgroundHtml(kind, settings, 'pg');
      assert.ok(/^<div id="pg" class="d2l-playground" data-playground-kind="[a-z]+"><img class="d2l-figure-static" [^>]*><\/div>/.test(html), html.slice(0, 200));
    });
  }

  it('trajectories: each path starts at the start point and ends where the rule ends, in pixels', () => {
    const settings = d2l.playgroundSettings('trajectories') as d2l.TrajectorySettings;
    const fig = playgroundFigure('trajectories', settings);
    const svg = figureSvg(fig);
    const [frame] = frames(svg);
    const [bx, by, bw, bh] = frame!;
    const layout = fig.layout as { xaxis: { range: number[] }; yaxis: { range: number[] } };
    const px = (x: number) => bx! + ((x - layout.xaxis.range[0]!) / (layout.xaxis.range[1]! - layout.xaxis.range[0]!)) * bw!;
    const py = (y: number) => by! + bh! - ((y - layout.yaxis.range[0]!) / (layout.yaxis.range[1]! - layout.yaxis.range[0]!)) * bh!;
    const runs = d2l.trajectoryRuns(settings);
    const lines = seriesLines(svg);
    assert.equal(lines.length, runs.length);
    runs.forEach((run, k) => {
      const pts = lines[k]!.lines.flat();
      const last = run.x.length - 1;
      near(pts[0]![0]!, px(run.x[0]!), 0.1, `${run.name} starts at x`);
      near(pts[0]![1]!, py(run.y[0]!), 0.1, `${run.name} starts at y`);
      // A diverging path leaves the picture: only compare an end inside it.
      if (Math.abs(run.x[last]!) < 5 && Math.abs(run.y[last]!) < 3) {
        near(pts[pts.length - 1]![0]!, px(run.x[last]!), 0.1, `${run.name} ends at x`);
        near(pts[pts.length - 1]![1]!, py(run.y[last]!), 0.1, `${run.name} ends at y`);
      }
    });
  });

  it('figureHtml starts the figure div with the picture: a data URL of the SVG that the script replaces', () => {
    const fig = d2l.lineFigure([1, 2], [3, 4], { title: 'Reddi\'s "x" & <y>' });
    const html = d2l.figureHtml(fig, 'f1');
    const img = /<div id="f1" class="d2l-figure"><img class="d2l-figure-static" [^>]*width="480" height="320" src="data:image\/svg\+xml,([^"]*)">/.exec(html);
    assert.ok(img, html.slice(0, 300));
    assert.ok(!/[<>&#"]/.test(img[1]!), 'nothing in the URL that HTML or a URL would read otherwise');
    assert.equal(decodeURIComponent(img[1]!), figureSvg(fig).replace(/"/g, "'"));
    assert.ok(html.includes("el.textContent='';window.Plotly.newPlot(el"), 'the script clears the picture before plotting');
    const contour = d2l.figureHtml(d2l.pathsFigure(d2l.quadraticBowl, [{ name: 'p', x: [-5, 0], y: [-2, 0] }]), 'f2');
    assert.ok(contour.includes('<img class="d2l-figure-static"'), 'contour figures have a picture too');
  });
});
