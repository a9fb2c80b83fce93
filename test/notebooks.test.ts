/**
 * Every notebook under notebooks/ executed top to bottom on a cold tslab kernel by Jupyter's own
 * executor (tools/nbrun.py), then run again in the same kernel; the chapter's results are read
 * back from the executed copy written under build/notebooks.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as d2l from 'd2l';
import { Execution, execute } from './executed';
import { chapterAdam, dataDir, initMomentStates, MomentState } from './helpers';

const repo = path.resolve(__dirname, '..', '..');
const notebookDir = path.join(repo, 'notebooks');
// nbrun mirrors the notebook's path under --out-dir: build/ + notebooks/X.ipynb.
const outDir = path.join(repo, 'build', 'notebooks');
const notebooks = fs.readdirSync(notebookDir).filter((f) => f.endsWith('.ipynb')).sort();

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  id?: string;
  cell_type: string;
  metadata?: { jupyter?: { source_hidden?: boolean } };
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string } };
}

const readNotebook = (file: string): Notebook => JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
const text = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join('') : t ?? '');

/** The executed cell with this id, which must exist. */
function cellById(nb: Notebook, id: string): Cell {
  const cell = nb.cells.find((c) => c.id === id);
  assert.ok(cell, `the executed notebook has no cell '${id}'`);
  return cell;
}

/** The `loss: x.xxx, y.yyy sec/epoch` line a training cell printed. */
function lossLine(cell: Cell): { loss: number; secPerEpoch: number } {
  const stdout = (cell.outputs ?? []).filter((o) => o.name === 'stdout').map((o) => text(o.text)).join('');
  const m = /loss: (\d+\.\d{3}), (\d+\.\d{3}) sec\/epoch/.exec(stdout);
  assert.ok(m, `cell '${cell.id}' printed no loss line; stdout was:\n${stdout}`);
  return { loss: Number(m[1]), secPerEpoch: Number(m[2]) };
}

/** The plotly figures a cell displayed. */
function figures(cell: Cell): { data: { x: number[]; y: number[] }[]; layout: Record<string, unknown> }[] {
  return (cell.outputs ?? [])
    .map((o) => o.data?.['application/vnd.plotly.v1+json'])
    .filter((f): f is { data: { x: number[]; y: number[] }[]; layout: Record<string, unknown> } => f !== undefined);
}

describe('notebooks as committed', () => {
  for (const name of notebooks) {
    it(`${name} carries no outputs and runs on the tslab kernel`, () => {
      const nb = readNotebook(path.join(notebookDir, name));
      assert.equal(nb.metadata.kernelspec?.name, 'tslab');
      for (const [i, cell] of nb.cells.entries()) {
        if (cell.cell_type !== 'code') continue;
        assert.deepEqual(cell.outputs, [], `${name} cell ${i + 1} has stored outputs: clear them before committing`);
        assert.equal(cell.execution_count, null, `${name} cell ${i + 1} has an execution count`);
      }
    });

    it(`${name}: the checks of the text sit in collapsed cells, and collapsed cells hold only checks`, () => {
      const nb = readNotebook(path.join(notebookDir, name));
      for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
        const collapsed = cell.metadata?.jupyter?.source_hidden === true;
        const checks = /\bd2l\.claim(Close)?\(/.test(text(cell.source));
        assert.equal(collapsed, checks, `${name} cell '${cell.id}': ${checks ? 'checks the text but is not collapsed (metadata jupyter.source_hidden)' : 'is collapsed but checks nothing'}`);
        if (collapsed) assert.ok(!/d2l\.(show|plot|showTable|playground)\(|console\.log\(/.test(text(cell.source)), `${name} cell '${cell.id}': a collapsed cell displays something`);
      }
    });

    it(`${name} ends with a References section: full citations, each with a link`, () => {
      const nb = readNotebook(path.join(notebookDir, name));
      const prose = nb.cells.filter((c) => c.cell_type === 'markdown').map((c) => text(c.source)).join('\n');
      const at = prose.indexOf('## References');
      assert.ok(at >= 0, `${name} has no '## References' heading`);
      const entries = prose.slice(at).split('\n').filter((l) => l.startsWith('* '));
      assert.ok(entries.length > 0, `${name}: the References section lists nothing`);
      for (const e of entries) {
        // Authors, (year), title, venue in italics, then a markdown link (not a code span: the book renders links).
        assert.match(e, /^\* [A-Z][^()]+ \((19|20)\d\d\)\. .*\*[^*]+\*.* \[[^\]]+\]\(https:\/\/[^)\s]+\)$/, `${name}: reference not in the common form:\n${e}`);
        assert.ok(!e.includes('`'), `${name}: a code span in a reference:\n${e}`);
      }
    });
  }
});

describe('links between notebooks', () => {
  /** The anchor Jupyter and nbconvert give a markdown heading: its text with spaces as hyphens. */
  const anchor = (heading: string): string => heading.replace(/[*_`]/g, '').trim().replace(/ /g, '-');
  const headings = new Map(notebooks.map((name) => [name, readNotebook(path.join(notebookDir, name)).cells
    .filter((c) => c.cell_type === 'markdown')
    .flatMap((c) => text(c.source).split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => anchor(l.replace(/^#+ /, ''))))]));
  for (const name of notebooks) {
    it(`${name}: every link to a notebook names one that exists, and its #section a heading there`, () => {
      const prose = readNotebook(path.join(notebookDir, name)).cells.filter((c) => c.cell_type === 'markdown').map((c) => text(c.source)).join('\n');
      for (const [, target, section] of prose.matchAll(/\]\(([\w.-]+\.ipynb)(?:#([^)\s]+))?\)/g)) {
        assert.ok(headings.has(target!), `${name} links to ${target}, which is not in notebooks/`);
        if (section !== undefined) assert.ok(headings.get(target!)!.includes(section), `${name} links to ${target}#${section}; its headings are ${headings.get(target!)!.join(', ')}`);
      }
    });
  }
});

describe('notebook code type-checks under strict TypeScript', function () {
  this.timeout(120_000);
  it('no diagnostics in any notebook (tslab itself compiles cells leniently)', () => {
    interface Diagnostic { notebook: string; cell: number; line: number; sourceLine: string; message: string }
    const checker = require(path.join(repo, 'build', 'tools', 'nbtypecheck.js')) as {
      typecheckNotebooks(paths: string[]): Diagnostic[];
    };
    const diagnostics = checker.typecheckNotebooks(notebooks.map((n) => path.join(notebookDir, n)));
    const report = diagnostics.map((d) => `${path.basename(d.notebook)} cell ${d.cell} line ${d.line}: ${d.message}\n  > ${d.sourceLine}`);
    assert.deepEqual(report, []);
  });
});

describe('notebooks executed by Jupyter (cold kernel, then again in the same kernel)', function () {
  this.timeout(15 * 60 * 1000);
  let runs: Promise<Execution>[] = [];
  before(() => {
    const kernel = path.join(repo, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
    assert.ok(fs.existsSync(kernel), `no tslab kernelspec at ${kernel}: run 'npm run setup' first`);
    runs = execute(notebooks); // or joins the executions an earlier test started (test/executed.ts)
  });

  for (const name of notebooks) {
    it(`${name} runs top to bottom twice without a cell error, and its collapsed check cells print nothing`, async () => {
      const run = await runs[notebooks.indexOf(name)]!;
      assert.equal(run.status, 0, `${name} failed:\n${run.output}`);
      const checks = readNotebook(path.join(outDir, name)).cells.filter((c) => c.metadata?.jupyter?.source_hidden === true);
      for (const cell of checks) assert.deepEqual(cell.outputs, [], `${name} cell '${cell.id}': a check that holds must be quiet`);
    });
  }
});

describe('the Adam chapter reproduces d2l', function () {
  this.timeout(60_000);
  const executed = path.join(outDir, '01-adam.ipynb');
  let nb: Notebook;
  before(() => {
    assert.ok(fs.existsSync(executed), `no executed chapter at ${executed}: its execution test failed`);
    nb = readNotebook(executed);
  });

  // d2l printed 0.245 (Adam) and 0.243 (Yogi); PyTorch on this machine gives 0.244 (0.243–0.246 over seeds).
  for (const id of ['train-adam', 'train-yogi', 'train-concise']) {
    it(`${id}: final loss in [0.236, 0.252], with its loss curve`, () => {
      const cell = cellById(nb, id);
      const { loss } = lossLine(cell);
      assert.ok(loss >= 0.236 && loss <= 0.252, `${id} final loss ${loss} outside [0.236, 0.252]`);
      const figs = figures(cell);
      assert.equal(figs.length, 1, `${id} should draw one figure`);
      const epochs = id === 'train-concise' ? 4 : 2;
      const trace = figs[0]!.data[0]!;
      assert.equal(trace.y.length, (epochs * 1500) / 200, 'one point per 200 examples');
      assert.equal(trace.x[trace.x.length - 1], epochs);
      assert.deepEqual((figs[0]!.layout['xaxis'] as { range: number[] }).range, [0, epochs]);
      assert.ok(Math.abs(trace.y[trace.y.length - 1]! - loss) < 5e-4, 'the figure ends at the printed loss');
      const [low, high] = (figs[0]!.layout['yaxis'] as { range: [number, number] }).range;
      assert.ok(trace.y.every((y) => y > low && y < high), `${id}: every evaluation inside the figure's y range [${low}, ${high}] (first ${trace.y[0]})`);
    });
  }
});

/** The chapter's from-scratch yogi, exactly as notebooks/01-adam.ipynb writes it. */
function chapterYogi(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }): void {
  const tf = d2l.tf;
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-3];
  params.forEach((p, i) => {
    const [v, s] = states[i]!;
    tf.tidy(() => {
      const g2 = p.grad.square();
      v.assign(v.mul(beta1).add(p.grad.mul(1 - beta1)));
      s.assign(s.add(g2.sub(s).sign().mul(g2).mul(1 - beta2)));
      const vHat = v.div(1 - beta1 ** hyperparams.t);
      const sHat = s.div(1 - beta2 ** hyperparams.t);
      p.value.assign(p.value.sub(vHat.mul(hyperparams.lr).div(sHat.sqrt().add(eps))));
    });
  });
  hyperparams.t += 1;
}

describe("the chapter's prose (notebook 01), rerun over seeds with the notebook's settings", function () {
  this.timeout(300_000);
  const quiet = { plot: false, verbose: false };
  const last = (xs: number[]): number => xs[xs.length - 1]!;
  let data: d2l.DataIter;
  const adam: d2l.TrainResult[] = [];
  const yogi: d2l.TrainResult[] = [];

  /** Two epochs of a from-scratch rule from `seed` (the notebook's trainCh11 call). */
  async function scratch(rule: typeof chapterAdam, seed: number, lr = 0.01): Promise<d2l.TrainResult> {
    d2l.manualSeed(seed);
    const states = initMomentStates(data.featureDim);
    const run = await d2l.trainCh11(rule, states, { lr, t: 1 }, data, data.featureDim, 2, quiet);
    d2l.tf.dispose(states.flat());
    return run;
  }

  before(async () => {
    [data] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
    for (let seed = 1; seed <= 10; seed++) {
      adam.push(await scratch(chapterAdam, seed));
      yogi.push(await scratch(chapterYogi, seed));
    }
  });

  it("seeds 1-10: Adam's final loss spans 0.242-0.257, Yogi's lies inside that span; every curve's lowest point is 0.242-0.244, above the optimum 0.2417", () => {
    const span = (runs: d2l.TrainResult[]) => [Math.min(...runs.map((r) => last(r.losses))), Math.max(...runs.map((r) => last(r.losses)))].map((x) => x.toFixed(3));
    assert.deepEqual(span(adam), ['0.242', '0.257'], 'Adam');
    const [yogiLow, yogiHigh] = span(yogi);
    assert.ok(yogiLow! >= '0.242' && yogiHigh! <= '0.257', `Yogi ${yogiLow}-${yogiHigh}`);
    const lowest = adam.map((r) => Math.min(...r.losses));
    const optimum = d2l.leastSquares(data).loss;
    assert.equal(optimum.toFixed(4), '0.2417');
    assert.ok(lowest.every((l) => l > optimum), 'no curve dips below the least-squares optimum');
    assert.deepEqual([Math.min(...lowest), Math.max(...lowest)].map((x) => x.toFixed(3)), ['0.242', '0.244']);
  });

  it("the best weights reach 0.58 in magnitude, so the paper's η = 0.001 ends above 0.3 after two epochs (seeds 1-8)", async () => {
    const largest = Math.max(...d2l.leastSquares(data).weights.map(Math.abs));
    assert.equal(largest.toFixed(2), '0.58');
    assert.ok(300 * 0.001 < largest && largest < 300 * 0.01);
    for (let seed = 1; seed <= 8; seed++) {
      const loss = last((await scratch(chapterAdam, seed, 0.001)).losses);
      assert.ok(loss > 0.3, `seed ${seed}: ${loss}`);
    }
  });

  it("tf.train.adam's default ε = 1e-7 and the chapter's 1e-6 change no evaluated loss by more than 1e-6 (same seed, seeds 1-8)", async () => {
    for (let seed = 1; seed <= 8; seed++) {
      d2l.manualSeed(seed);
      const byDefault = await d2l.trainConciseCh11('adam', { learningRate: 0.01 }, data, 4, quiet);
      d2l.manualSeed(seed);
      const chapterEps = await d2l.trainConciseCh11('adam', { learningRate: 0.01, epsilon: 1e-6 }, data, 4, quiet);
      const gap = Math.max(...byDefault.losses.map((l, i) => Math.abs(l - chapterEps.losses[i]!)));
      assert.ok(gap < 1e-6, `seed ${seed}: gap ${gap}`);
    }
  });

  it("the paper's ε = 1e-8 and d2l's 1e-6 change no evaluated loss by more than 1e-5 here (seeds 1-8)", async () => {
    const tf = d2l.tf;
    /** The chapter's update on d2l.adamRule with a chosen ε. */
    const withEps = (epsilon: number): d2l.TrainerFn<d2l.Moments[], { t: number }> => (params, states, hp) => {
      params.forEach((p, i) => {
        const next = tf.tidy(() => {
          const { update, state } = d2l.adamRule(p.grad, states[i]!, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon }, hp.t);
          p.value.assign(p.value.add(update));
          return { m: state.m, v: state.v };
        });
        tf.dispose([states[i]!.m, states[i]!.v]);
        states[i] = next;
      });
      hp.t += 1;
    };
    const zeros = (): d2l.Moments[] => [{ m: tf.zeros([5, 1]), v: tf.zeros([5, 1]) }, { m: tf.zeros([1]), v: tf.zeros([1]) }];
    for (let seed = 1; seed <= 8; seed++) {
      const runs: number[][] = [];
      for (const eps of [1e-6, 1e-8]) {
        d2l.manualSeed(seed);
        const states = zeros();
        runs.push((await d2l.trainCh11(withEps(eps), states, { t: 1 }, data, 5, 2, quiet)).losses);
        tf.dispose(states.flatMap((st) => [st.m, st.v]));
      }
      const gap = Math.max(...runs[0]!.map((l, i) => Math.abs(l - runs[1]![i]!)));
      assert.ok(gap < 1e-5, `seed ${seed}: gap ${gap}`);
      d2l.manualSeed(seed);
      const states = initMomentStates(5);
      const chapter = await d2l.trainCh11(chapterAdam, states, { lr: 0.01, t: 1 }, data, 5, 2, quiet);
      d2l.tf.dispose(states.flat());
      assert.ok(Math.max(...chapter.losses.map((l, i) => Math.abs(l - runs[0]![i]!))) < 1e-5, 'the rule with ε = 1e-6 is the chapter\'s adam');
    }
  });

  it('without bias correction a steady gradient would take steps of 3.16η at t = 1 and 6.5η at t = 10', () => {
    const uncorrected = (t: number) => (1 - 0.9 ** t) / Math.sqrt(1 - 0.999 ** t);
    assert.equal(uncorrected(1).toFixed(2), '3.16');
    assert.equal(uncorrected(10).toFixed(1), '6.5');
    // The same ratio from the lib's bias-corrected rule: one step at t from raw moments of a steady g = 1.
    const tf = d2l.tf;
    for (const t of [1, 10]) {
      const rawV = 1 - 0.9 ** t;
      const rawS = 1 - 0.999 ** t;
      const corrected = tf.tidy(() => d2l.adamRule(tf.scalar(1), { m: tf.scalar((rawV - 0.1) / 0.9), v: tf.scalar((rawS - 0.001) / 0.999) },
        { learningRate: 1, beta1: 0.9, beta2: 0.999, epsilon: 0 }, t).update.dataSync()[0]!);
      assert.ok(Math.abs(corrected + 1) < 1e-5, `the corrected step is η at t = ${t}: ${corrected}`);
    }
  });

  it("a run of quiet steps: Adam's s keeps β2^k of its value (37% after 1000, 5% after 3000); Yogi's barely moves", () => {
    const tf = d2l.tf;
    const h = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-6 };
    let adamS = 1;
    let yogiS = 1;
    const small = 0.01; // g² = 1e-4 against s = 1
    for (let k = 1; k <= 3000; k++) {
      [adamS, yogiS] = tf.tidy(() => [
        d2l.adamRule(tf.scalar(small), { m: tf.scalar(0), v: tf.scalar(adamS) }, h, 1000 + k).state.v.dataSync()[0]!,
        d2l.yogiRule(tf.scalar(small), { m: tf.scalar(0), v: tf.scalar(yogiS) }, h, 1000 + k).state.v.dataSync()[0]!,
      ]);
      if (k === 1) assert.ok(Math.abs(adamS - 1) < 1.001e-3, 'one small gradient moves Adam\'s s by 0.1%');
      if (k === 1000) assert.equal(adamS.toFixed(2), '0.37');
    }
    assert.ok(adamS > 0.04 && adamS < 0.06, `after 3000: ${adamS}`);
    assert.ok(yogiS > 0.999, `Yogi after 3000: ${yogiS}`);
  });
});
