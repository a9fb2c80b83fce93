/**
 * `npm run bench`: how fast the chapter's training loop, one optimizer step on 1M and 4M parameters,
 * and the notebooks run, next to PyTorch on the same machine (bench/torch_bench.py) when it is
 * installed (`/usr/bin/python3 -c 'import torch'`).
 *
 * The machine is shared and noisy, so every workload runs in rounds: each round measures every
 * variant once, in a rotating order, PyTorch included (a Python process answers requests between our
 * own measurements). A ratio is taken between two variants of the SAME round, and the table shows
 * medians over rounds; min–max shows the spread.
 *
 * and the autograder with and without its sandbox.
 *
 * Options: --quick (fewer rounds), --no-notebooks, --no-torch, --no-grading. Writes build/bench/results.json.
 * D2L_DATA_DIR names the folder with the airfoil data, as for the tests; D2L_BENCH_PYTHON the
 * interpreter for PyTorch (default /usr/bin/python3; see torch-probe.ts).
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as d2l from 'd2l';
import { playgroundTimes } from './playground';
import { lastLine, probeTorch } from './torch-probe';

const tf = d2l.tf;
const repo = path.resolve(__dirname, '..', '..');
const dataDir = process.env['D2L_DATA_DIR'] ?? path.join(repo, 'data');
// Jupyter (tools/nbrun.py) is Debian's, under Debian's interpreter, as in the npm scripts.
const python = '/usr/bin/python3';
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');

const MiB = 1024 * 1024;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const log = (line: string): void => void process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// PyTorch, as a child process answering one JSON request per line.

class Torch {
  version = '';
  threads = 0;
  private readonly lines: AsyncIterableIterator<string>;

  /** What the child wrote on stderr (also passed through), to say why it stopped. */
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
  }

  /** Start bench/torch_bench.py --serve, or explain why PyTorch is not available. */
  static async start(): Promise<Torch | string> {
    if (args.has('--no-torch')) return 'skipped (--no-torch)';
    const probe = probeTorch();
    if (!probe.ok) return `not available: ${probe.why}`;
    const child = spawn(probe.python, [path.join(repo, 'bench', 'torch_bench.py'), '--serve'], { stdio: 'pipe' });
    // A child that died makes writes fail with EPIPE; the closed stdout already says so.
    child.stdin.on('error', () => undefined);
    const torch = new Torch(child);
    let info: { torch: string; threads: number };
    try {
      info = (await torch.request({ op: 'info' })) as { torch: string; threads: number };
    } catch (e) {
      torch.stop();
      return `not available: ${probe.python} imports torch ${probe.version}, but bench/torch_bench.py --serve failed: ${(e as Error).message}${torch.stderr ? `: ${lastLine(torch.stderr)}` : ''}`;
    }
    torch.version = info.torch;
    torch.threads = info.threads;
    return torch;
  }

  async request(message: Record<string, unknown>): Promise<unknown> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error('bench/torch_bench.py exited');
    const reply = JSON.parse(value) as { error?: string };
    if (reply.error) throw new Error(`bench/torch_bench.py: ${reply.error}`);
    return reply;
  }

  stop(): void {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements in rounds.

interface Variant {
  name: string;
  /** One sample (a time in ms, or ms/epoch); called once per round. */
  sample(round: number): Promise<number>;
  /** Peak bytes allocated and released within one step (steps only). */
  transientBytes?: number;
  /** Tensors still allocated after a step that were not before (steps only). */
  netTensors?: number;
  note?: string;
}

interface Row {
  workload: string;
  variant: string;
  unit: string;
  samples: number[];
  /** Per-round ratio to the workload's baseline, and to PyTorch. */
  vsBaseline: number[];
  vsTorch: number[];
  transientMiB?: number;
  netTensors?: number;
  note?: string;
}

async function measure(workload: string, unit: string, variants: Variant[], rounds: number, baseline: string, torchName?: string): Promise<Row[]> {
  const samples = new Map(variants.map((v) => [v.name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round) % variants.length]!; // rotate, so no variant always runs first
      samples.get(v.name)!.push(await v.sample(round));
    }
    log(`  ${workload}: round ${round + 1}/${rounds} done`);
  }
  const ratios = (name: string | undefined, mine: number[]): number[] => {
    const other = name === undefined ? undefined : samples.get(name);
    return other === undefined ? [] : mine.map((x, i) => x / other[i]!);
  };
  return variants.map((v) => {
    const mine = samples.get(v.name)!;
    return {
      workload, variant: v.name, unit, samples: mine,
      vsBaseline: ratios(baseline, mine), vsTorch: ratios(torchName, mine),
      transientMiB: v.transientBytes === undefined ? undefined : v.transientBytes / MiB,
      netTensors: v.netTensors, note: v.note,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Workload 1: the chapter's loop, trainCh11 with the notebook's from-scratch adam.

type MomentState = [d2l.tf.Variable, d2l.tf.Variable];

/** The notebook's `adam`, unchanged (notebooks/01-adam.ipynb). */
function adam(params: d2l.Parameter[], states: MomentState[], hyperparams: { lr: number; t: number }) {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-6];
  params.forEach((p, i) => {
    const [v, s] = states[i]!;
    tf.tidy(() => {
      v.assign(v.mul(beta1).add(p.grad.mul(1 - beta1)));
      s.assign(s.mul(beta2).add(p.grad.square().mul(1 - beta2)));
      const vHat = v.div(1 - beta1 ** hyperparams.t);
      const sHat = s.div(1 - beta2 ** hyperparams.t);
      p.value.assign(p.value.sub(vHat.mul(hyperparams.lr).div(sHat.sqrt().add(eps))));
    });
  });
  hyperparams.t += 1;
}

function initAdamStates(featureDim: number): MomentState[] {
  const zeros = (shape: number[]) => tf.tidy(() => tf.variable(tf.zeros(shape)));
  return [[zeros([featureDim, 1]), zeros([featureDim, 1])], [zeros([1]), zeros([1])]];
}

/** Final losses of the two cpu loops, by round, to show they agree. */
const loopLosses = new Map<string, number[][]>();

function chapterLoop(name: string, backend: d2l.BackendName, gradients: 'analytic' | 'autodiff'): Variant {
  return {
    name,
    async sample(round) {
      await d2l.useBackend(backend, { quiet: true });
      d2l.manualSeed(round + 1);
      const [iter, d] = await d2l.getDataCh11(10, 1500, { folder: dataDir });
      const states = initAdamStates(d);
      const result = await d2l.trainCh11(adam, states, { lr: 0.01, t: 1 }, iter, d, 2, { plot: false, verbose: false, gradients });
      tf.dispose(states.flat());
      iter.dispose();
      (loopLosses.get(name) ?? loopLosses.set(name, []).get(name)!).push(result.losses);
      return result.secPerEpoch * 1000;
    },
  };
}

async function chapterRows(torch: Torch | undefined): Promise<Row[]> {
  const variants = [
    chapterLoop('naive TF.js loop (autodiff, cpu)', 'cpu', 'autodiff'),
    chapterLoop('lib trainCh11 (cpu)', 'cpu', 'analytic'),
    chapterLoop('naive TF.js loop (autodiff, wasm)', 'wasm', 'autodiff'),
    chapterLoop('lib trainCh11 (wasm)', 'wasm', 'analytic'),
  ];
  if (torch) {
    variants.push({
      name: `PyTorch ${torch.version} d2l train_ch11`,
      async sample(round) {
        const reply = (await torch.request({ op: 'loop', seed: round + 1, data: path.join(dataDir, 'airfoil_self_noise.dat') })) as { sec_per_epoch: number };
        return reply.sec_per_epoch * 1000;
      },
    });
  }
  const rows = await measure('chapter loop, adam, batch 10', 'ms/epoch', variants, quick ? 5 : 11, variants[0]!.name, torch ? variants[4]!.name : undefined);
  // Same seed, same losses: the largest difference between the naive and the lib loop on cpu.
  const naive = loopLosses.get(variants[0]!.name)!;
  const lib = loopLosses.get(variants[1]!.name)!;
  const diff = Math.max(...naive.flatMap((run, r) => run.map((l, i) => Math.abs(l - lib[r]![i]!))));
  rows[1]!.note = `max |loss - naive loss| = ${diff} over ${naive.length} seeds`;
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Workload 2: one optimizer step on a single float32 parameter of n elements.

interface StepSpec {
  name: string;
  backend: d2l.BackendName;
  fused?: boolean;
  make(): d2l.tf.Optimizer;
  /** Slow variants (hundreds of ms a step) take one step per round instead of three. */
  slow?: boolean;
}

function stepVariant(spec: StepSpec, n: number): Variant {
  const variant: Variant = {
    name: spec.name,
    async sample(round) {
      await d2l.useBackend(spec.backend, { quiet: true });
      d2l.setFusedKernels(spec.fused ?? true);
      const param = tf.tidy(() => tf.variable(tf.randomNormal([n], 0, 1, 'float32', round + 1)));
      const grad = tf.randomNormal([n], 0, 1, 'float32', round + 101);
      const opt = spec.make();
      const grads = { [param.name]: grad };
      try {
        opt.applyGradients(grads); // the first step creates the state
        const before = tf.memory();
        const profile = await tf.profile(() => opt.applyGradients(grads));
        // peakBytes is the largest total after any kernel of the step (-Infinity: no kernel ran).
        variant.transientBytes = Math.max(variant.transientBytes ?? 0, profile.peakBytes - before.numBytes, 0);
        variant.netTensors = tf.memory().numTensors - before.numTensors;
        const reps = spec.slow ? 1 : 3;
        const times: number[] = [];
        for (let r = 0; r < reps; r++) {
          const start = performance.now();
          opt.applyGradients(grads); // cpu and wasm run kernels synchronously
          times.push(performance.now() - start);
        }
        return median(times);
      } finally {
        opt.dispose();
        tf.dispose([param, grad]);
        d2l.setFusedKernels(true);
      }
    },
  };
  return variant;
}

function nativeAvailable(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

async function stepRows(torch: Torch | undefined, n: number): Promise<Row[]> {
  const lr = 1e-3;
  const specs: StepSpec[] = [
    { name: 'tf.train.adam (cpu)', backend: 'cpu', make: () => tf.train.adam(lr), slow: true },
    { name: 'tf.train.adam (wasm)', backend: 'wasm', make: () => tf.train.adam(lr) },
  ];
  if (nativeAvailable()) specs.push({ name: 'tf.train.adam (tensorflow)', backend: 'tensorflow', make: () => tf.train.adam(lr) });
  // The lib's Adam is AdamW without decay (adamwRule adds an exact zero): the same rule as adamRule.
  specs.push(
    { name: 'lib Adam, tensor ops (cpu)', backend: 'cpu', fused: false, make: () => d2l.adamw(lr, 0.9, 0.999, 1e-7, 0), slow: true },
    { name: 'lib Adam, tensor ops (wasm)', backend: 'wasm', fused: false, make: () => d2l.adamw(lr, 0.9, 0.999, 1e-7, 0) },
    { name: 'lib Adam, fused (cpu)', backend: 'cpu', make: () => d2l.adamw(lr, 0.9, 0.999, 1e-7, 0) },
    { name: 'lib Adam, fused (wasm)', backend: 'wasm', make: () => d2l.adamw(lr, 0.9, 0.999, 1e-7, 0) },
    { name: 'lib AdamW wd 0.01, fused (cpu)', backend: 'cpu', make: () => d2l.adamw(lr) },
    { name: 'lib Yogi, fused (cpu)', backend: 'cpu', make: () => d2l.yogi(lr) },
    { name: 'lib AMSGrad, fused (cpu)', backend: 'cpu', make: () => d2l.amsgrad(lr) },
    { name: 'lib AdamW wd 0.01, fused (wasm)', backend: 'wasm', make: () => d2l.adamw(lr) },
    { name: 'lib Yogi, fused (wasm)', backend: 'wasm', make: () => d2l.yogi(lr) },
    { name: 'lib AMSGrad, fused (wasm)', backend: 'wasm', make: () => d2l.amsgrad(lr) },
  );
  const variants = specs.map((s) => stepVariant(s, n));
  if (torch) {
    variants.push({
      name: `torch.optim.Adam(foreach) ${torch.version}, ${torch.threads} thread(s)`,
      async sample() {
        const reply = (await torch.request({ op: 'step', n, reps: 3 })) as { times: number[] };
        return median(reply.times) * 1000;
      },
    });
  }
  const label = `Adam-family step, ${n / MiB}M params`;
  return measure(label, 'ms/step', variants, quick ? 3 : 5, specs[0]!.name, torch ? variants[variants.length - 1]!.name : undefined);
}

// ---------------------------------------------------------------------------------------------
// Workload 3: every notebook executed on a cold kernel by tools/nbrun.py.

interface NotebookReport {
  path: string;
  ok: boolean;
  seconds: number;
  cells: { index: number; seconds: number }[];
}

function notebookRows(): { rows: Row[]; why?: string } {
  if (args.has('--no-notebooks')) return { rows: [], why: 'skipped (--no-notebooks)' };
  const notebooks = fs.readdirSync(path.join(repo, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f));
  const outDir = path.join('build', 'bench-notebooks');
  const report = path.join(outDir, 'REPORT.json');
  const run = spawnSync(python, [path.join('tools', 'nbrun.py'), ...notebooks, '--out-dir', outDir, '--json', report], {
    cwd: repo, encoding: 'utf8', env: { ...process.env, D2L_DATA_DIR: dataDir },
  });
  if (!fs.existsSync(path.join(repo, report))) return { rows: [], why: `tools/nbrun.py wrote no report (exit ${run.status}):\n${run.stdout}${run.stderr}` };
  const results = JSON.parse(fs.readFileSync(path.join(repo, report), 'utf8')) as NotebookReport[];
  fs.rmSync(path.join(repo, report));
  const rows: Row[] = results.map((r) => {
    const cellTime = r.cells.reduce((sum, c) => sum + c.seconds, 0);
    const slowest = [...r.cells].sort((a, b) => b.seconds - a.seconds).slice(0, 3)
      .map((c) => `cell ${c.index + 1} ${fmt(c.seconds)} s`).join(', ');
    const status = r.ok ? '' : 'FAILED (run tools/nbrun.py on it); ';
    return {
      workload: 'notebook, cold kernel', variant: r.path, unit: 's', samples: [r.seconds], vsBaseline: [], vsTorch: [],
      note: `${status}cells ${fmt(cellTime)} s, kernel start and the rest ${fmt(r.seconds - cellTime)} s; slowest: ${slowest}`,
    };
  });
  const total = results.reduce((s, r) => s + r.seconds, 0);
  rows.push({ workload: 'notebook, cold kernel', variant: `all ${results.length} notebooks`, unit: 's', samples: [total], vsBaseline: [], vsTorch: [] });
  return { rows };
}

// ---------------------------------------------------------------------------------------------
// Workload 4: the autograder, sandboxed (bubblewrap, two kernels per submission) against --unsandboxed.

/** Reference solutions of assignment 01-adam (the source itself, under other names) in a fresh folder. */
function classFolder(name: string, size: number): string {
  const dir = path.join(repo, 'build', 'bench-grading', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < size; i++) fs.copyFileSync(path.join(repo, 'assignments', 'source', '01-adam.ipynb'), path.join(dir, `s${String(i).padStart(3, '0')}.ipynb`));
  return dir;
}

/** Grade `dir`; seconds per submission (from the reports) and the run's wall time. */
function gradeFolder(dir: string, extra: string[]): { perSubmission: number[]; wall: number; scores: number[] } {
  const out = `${dir}-out`;
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const run = spawnSync(python, [path.join('tools', 'grade.py'), '--source', path.join('assignments', 'source', '01-adam.ipynb'), dir, '--out', out, ...extra],
    { cwd: repo, encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`tools/grade.py exited ${run.status}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  const reports = fs.readdirSync(out).filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { score: number; execution: { seconds: number } });
  return { perSubmission: reports.map((r) => r.execution.seconds), wall, scores: reports.map((r) => r.score) };
}

function gradingRows(): { rows: Row[]; why?: string } {
  if (args.has('--no-grading')) return { rows: [], why: 'skipped (--no-grading)' };
  const rounds = quick ? 2 : 3;
  const sandboxed: number[] = [], unsandboxed: number[] = [], ratio: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const dir = classFolder('pair', 2);
      // Alternate which mode goes first, so a warm disk cache favours neither.
      const order = round % 2 ? ['--unsandboxed', ''] : ['', '--unsandboxed'];
      const got: Record<string, number> = {};
      for (const mode of order) {
        const r = gradeFolder(dir, mode ? [mode] : []);
        if (r.scores.some((x) => x !== 8)) throw new Error(`the reference solution scored ${r.scores.join(', ')} of 8 (${mode || 'sandboxed'})`);
        got[mode] = median(r.perSubmission);
      }
      sandboxed.push(got['']!);
      unsandboxed.push(got['--unsandboxed']!);
      ratio.push(got['']! / got['--unsandboxed']!);
    }
    const size = quick ? 6 : 20;
    const cls = gradeFolder(classFolder('class', size), ['--jobs', '2']);
    const per100 = (cls.wall / size) * 100;
    return {
      rows: [
        { workload: 'grading a submission', variant: 'unsandboxed (--unsandboxed)', unit: 's', samples: unsandboxed, vsBaseline: unsandboxed.map(() => 1), vsTorch: [] },
        { workload: 'grading a submission', variant: 'sandboxed (bubblewrap, two kernels)', unit: 's', samples: sandboxed, vsBaseline: ratio, vsTorch: [],
          note: `overhead ${fmt(median(sandboxed) - median(unsandboxed))} s per submission (median over ${rounds} rounds, same round)` },
        { workload: 'grading a class', variant: `${size} submissions, sandboxed, --jobs 2`, unit: 's', samples: [cls.wall], vsBaseline: [], vsTorch: [],
          note: `${fmt(cls.wall / size)} s per submission: a class of 100 takes about ${fmt(per100 / 60)} min` },
      ],
    };
  } catch (e) {
    return { rows: [], why: `not measured: ${(e as Error).message}` };
  }
}

// ---------------------------------------------------------------------------------------------
// The table.

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function table(rows: Row[]): string {
  const header = ['workload', 'variant', 'median', 'min–max', '× baseline', '× PyTorch', 'transient/step', 'net tensors'];
  const body = rows.map((r) => [
    r.workload,
    r.variant,
    `${fmt(median(r.samples))} ${r.unit}`,
    r.samples.length > 1 ? `${fmt(Math.min(...r.samples))}–${fmt(Math.max(...r.samples))}` : '',
    r.vsBaseline.length ? fmt(median(r.vsBaseline)) : '',
    r.vsTorch.length ? fmt(median(r.vsTorch)) : '',
    r.transientMiB === undefined ? '' : r.transientMiB === 0 ? '0' : `${fmt(r.transientMiB)} MiB`,
    r.netTensors === undefined ? '' : String(r.netTensors),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  let previous = '';
  rows.forEach((r, i) => {
    if (previous && r.workload !== previous) out.push('');
    previous = r.workload;
    out.push(line(body[i]!));
    if (r.note) out.push(`${' '.repeat(widths[0]! + 2)}  ↳ ${r.note}`);
  });
  return out.join('\n');
}

/** The issue's targets, each checked on the rows measured (ratios from the same rounds). */
function targets(rows: Row[]): string[] {
  const out: string[] = [];
  const find = (workload: string, variant: string) => rows.find((r) => r.workload.startsWith(workload) && r.variant.startsWith(variant));
  const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');
  const lib = find('chapter loop', 'lib trainCh11 (cpu)');
  if (lib) {
    const speedup = 1 / median(lib.vsBaseline);
    out.push(`${verdict(speedup >= 1.35)}  chapter loop: lib trainCh11 (cpu) ${fmt(speedup)}× faster than the naive TF.js loop (target ≥ 1.35×)`);
    if (lib.vsTorch.length) out.push(`${verdict(median(lib.vsTorch) <= 1)}  chapter loop: lib trainCh11 (cpu) at ${fmt(median(lib.vsTorch))}× PyTorch's time (target ≤ 1)`);
  }
  for (const r of rows.filter((x) => x.workload.startsWith('Adam-family') && x.variant.includes('fused'))) {
    const ratio = r.vsTorch.length ? median(r.vsTorch) : undefined;
    const allocates = r.transientMiB === 0 ? 'nothing' : `${fmt(r.transientMiB ?? NaN)} MiB`;
    const ok = (ratio === undefined || ratio <= 1.5) && r.transientMiB === 0 && r.netTensors === 0;
    out.push(`${verdict(ok)}  ${r.workload}, ${r.variant}: ${ratio === undefined ? '' : `${fmt(ratio)}× torch's time (≤ 1.5), `}` +
      `allocates ${allocates} within a step, leaves ${r.netTensors} tensors (none parameter-sized)`);
  }
  const sandbox = rows.find((r) => r.workload === 'grading a submission' && r.variant.startsWith('sandboxed'));
  const plain = rows.find((r) => r.workload === 'grading a submission' && r.variant.startsWith('unsandboxed'));
  if (sandbox && plain) {
    const overhead = median(sandbox.samples) - median(plain.samples);
    out.push(`${verdict(overhead <= 1)}  grading: the sandbox adds ${fmt(overhead)} s per submission (target ≤ 1 s)`);
  }
  const redraw = find('playground redraw', 'trajectories');
  if (redraw) out.push(`${verdict(median(redraw.samples) <= 50)}  playground: a slider move redraws 500 steps × 7 optimizers in ${fmt(median(redraw.samples))} ms (median; target ≤ 50 ms)`);
  const all = rows.find((r) => r.workload.startsWith('notebook') && r.variant.startsWith('all '));
  if (all) out.push(`${verdict(all.samples[0]! <= 60)}  notebooks: ${fmt(all.samples[0]!)} s for ${all.variant.slice(4)} on cold kernels (target ≤ 60 s)`);
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  const torchOrWhy = await Torch.start();
  const torch = typeof torchOrWhy === 'string' ? undefined : torchOrWhy;
  const lines: string[] = [];
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
  lines.push(`d2l bench — node ${process.version}, @tensorflow/tfjs ${tf.version.tfjs}, ${os.cpus().length} cores, ${quick ? 'quick' : 'full'} run`);
  lines.push(`load average at start: ${load()} (other work on the machine slows every row; ratios within a round hold up better)`);
  lines.push(torch ? `PyTorch ${torch.version} (${torch.threads} intra-op thread(s)) measured in the same rounds.`
    : `PyTorch ${torchOrWhy}: no PyTorch ratios.`);
  if (!nativeAvailable()) lines.push('tfjs-node (tensorflow backend): not installed (its installer downloads libtensorflow): not measured.');
  lines.push('× baseline / × PyTorch: time ratio to the first row of the workload / to PyTorch, taken within each');
  lines.push('round, median over rounds (below 1 is faster). transient/step: bytes allocated and freed within one');
  lines.push('step (tf.profile peak); net tensors: tensors a step leaves behind.');
  const rows: Row[] = [];
  try {
    await d2l.download('airfoil', { folder: dataDir });
    log('chapter loop …');
    rows.push(...(await chapterRows(torch)));
  } catch (e) {
    lines.push(`chapter loop: not measured: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const n of [1 * MiB, 4 * MiB]) {
    log(`optimizer step, ${n} params …`);
    rows.push(...(await stepRows(torch, n)));
  }
  torch?.stop();
  log('playground redraws in Chromium …');
  const redraws = await playgroundTimes(quick ? 10 : 40);
  if (typeof redraws === 'string') lines.push(`playground redraws: not measured: ${redraws}`);
  else {
    const workload = 'playground redraw, 500 steps × 7 optimizers';
    rows.push({ workload, variant: 'trajectories, slider → Plotly.react (Chromium)', unit: 'ms', samples: redraws.redraw, vsBaseline: [], vsTorch: [] });
    rows.push({ workload, variant: 'the rules alone (in the page)', unit: 'ms', samples: redraws.compute, vsBaseline: [], vsTorch: [] });
  }
  log('notebooks …');
  const notebooks = notebookRows();
  rows.push(...notebooks.rows);
  if (notebooks.why) lines.push(`notebooks: ${notebooks.why}`);
  log('grading …');
  const grading = gradingRows();
  rows.push(...grading.rows);
  if (grading.why) lines.push(`grading: ${grading.why}`);
  lines.push('', table(rows), '', ...targets(rows), '', `bench took ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${load()}`);
  console.log(lines.join('\n'));
  const out = path.join(repo, 'build', 'bench', 'results.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), rows }, null, 1));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
