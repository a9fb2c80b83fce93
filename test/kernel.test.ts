/**
 * The kernel the kernelspec starts (tools/tslab-kernel.js) against messages meant for other kernels:
 * a stale client of an earlier kernel can reach a new kernel's random port. After unsigned, foreign-
 * signed and malformed messages on its heartbeat, shell and control ports it must still answer
 * heartbeats, run cells with clean output, and run none of the foreign code. The same attack on bare
 * tslab must break it, or the wrapper is no longer needed. The wrapper also gives the cells the
 * global types tools/nbtypecheck.ts checks them against: @types/node's, not every @types package.
 * And a kernel whose port was taken before it could bind it exits at once, so nbrun can start another.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PYTHON } from './python';

const REPO = path.resolve(__dirname, '..', '..'); // build/test -> repo
const KERNELSPECS = path.join(REPO, '.jupyter', 'share', 'jupyter');

/**
 * Starts kernel argv[1] (found on JUPYTER_PATH) in argv[2], its stderr into the file argv[3], and a
 * client \`kc\` (heartbeat channel if HB); again on fresh ports when the wrapper exits 98 (port taken).
 */
const START = String.raw`
for attempt in range(3):
    km = jupyter_client.KernelManager(kernel_name=sys.argv[1])
    km.start_kernel(cwd=sys.argv[2], stderr=open(sys.argv[3], 'a'))
    kc = km.client(); kc.start_channels(hb=HB)
    try:
        kc.wait_for_ready(timeout=60); break
    except RuntimeError:
        status = km.provisioner.process.poll(); kc.stop_channels(); km.shutdown_kernel(now=True)
        if status != 98 or attempt == 2: raise
`;

/** Starts the kernel, sends the stray messages, prints a JSON verdict. */
const ATTACK = String.raw`
import json, sys, time, zmq, jupyter_client
from jupyter_client.session import Session
HB = False
${START}streams = []
def collect(m):
    if m['msg_type'] == 'stream': streams.append(m['content'])
kc.execute_interactive('const warm = 1', timeout=60, output_hook=collect)  # tslab now writes stderr into cells
ctx = zmq.Context()
def dealer(port):
    s = ctx.socket(zmq.DEALER); s.linger = 0; s.connect(f'tcp://{km.ip}:{port}'); return s
def heartbeat():
    q = ctx.socket(zmq.REQ); q.linger = 0; q.connect(f'tcp://{km.ip}:{km.hb_port}'); q.send(b'ping')
    ok = bool(q.poll(5000)); q.close(); return ok
foreign = Session(key=b'another kernel', username='stale')
strays = [dealer(port) for port in (km.hb_port, km.shell_port, km.control_port)]
for s in strays:
    s.send(b'one frame')
    s.send_multipart([b'<IDS|MSG>', b'no parts'])
    foreign.send(s, 'execute_request', {'code': 'console.log("FOREIGN CODE RAN")', 'silent': False,
                                        'store_history': True, 'user_expressions': {}, 'allow_stdin': False})
time.sleep(1)
while True:  # output addressed to the finished cell, as Jupyter would show it there
    try: collect(kc.get_iopub_msg(timeout=0.5))
    except Exception: break
reply = kc.execute_interactive('console.log("still here")', timeout=60, output_hook=collect)
verdict = {'heartbeat': heartbeat(), 'status': reply['content']['status'], 'streams': streams}
for s in strays: s.close()
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps(verdict))
`;

/** Runs each cell (argv[4], JSON) on a fresh kernel; prints [{status, text}] per cell. */
const CELLS = String.raw`
import json, sys, jupyter_client
HB = True
${START}results = []
for code in json.loads(sys.argv[4]):
    streams = []
    hook = lambda m: streams.append(m['content']) if m['msg_type'] == 'stream' else None
    reply = kc.execute_interactive(code, timeout=60, output_hook=hook)
    results.append({'status': reply['content']['status'], 'text': ''.join(s['text'] for s in streams)})
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps(results))
`;

/** Starts kernel argv[1] with its shell port already taken (argv[4]: 'nbrun' starts it through tools/nbrun.py). */
const PORT_TAKEN = String.raw`
import json, os, socket, sys, time, jupyter_client
blocker = socket.socket(); blocker.bind(('127.0.0.1', 0)); blocker.listen()
taken = blocker.getsockname()[1]
def occupied(km):  # keep the port we set: no fresh ports from jupyter_client's cache
    km.cache_ports = False; km.shell_port = taken; return km
if sys.argv[4] == 'nbrun':
    sys.path.insert(0, os.path.join(sys.argv[2], 'tools'))
    import nbformat, nbrun
    make, calls = nbrun._Client.create_kernel_manager, []
    def first_taken(self):
        calls.append(1); km = make(self); return occupied(km) if len(calls) == 1 else km
    nbrun._Client.create_kernel_manager = first_taken
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('console.log(1 + 1)')])
    attempts = []
    result = nbrun.execute_notebook(nb, cwd=sys.argv[2], kernel_name=sys.argv[1], after=lambda runner, _: attempts.append(runner.start_attempts))
    print(json.dumps({'ok': result.ok, 'text': ''.join(o.get('text', '') for o in result.notebook.cells[0].outputs),
                      'attempts': attempts, 'kernels': len(calls)}))
else:
    km = occupied(jupyter_client.KernelManager(kernel_name=sys.argv[1]))
    km.start_kernel(cwd=sys.argv[2], stderr=open(sys.argv[3], 'w'))
    began = time.time()
    while km.is_alive() and time.time() - began < 10: time.sleep(0.1)
    verdict = {'alive': km.is_alive(), 'status': km.provisioner.process.poll(), 'seconds': time.time() - began}
    km.shutdown_kernel(now=True)
    print(json.dumps(verdict))
`;

interface Verdict {
  heartbeat: boolean;
  status: string;
  streams: { name: string; text: string }[];
  log: string; // the kernel's own stderr
}

/** Runs `script` with argv [kernelName, REPO, log, ...extra] and JUPYTER_PATH `jupyterPath`; its last line, parsed. */
function runPython<T>(script: string, kernelName: string, jupyterPath: string, log: string, ...extra: string[]): T {
  const run = spawnSync(PYTHON, ['-c', script, kernelName, REPO, log, ...extra], {
    env: { ...process.env, JUPYTER_PATH: jupyterPath },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `the kernel script failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as T;
}

/** The attack on kernel `kernelName` of `jupyterPath`; the kernel's stderr goes to `log`. */
function attack(kernelName: string, jupyterPath: string, log: string): Verdict {
  const verdict = runPython<Omit<Verdict, 'log'>>(ATTACK, kernelName, jupyterPath, log);
  return { ...verdict, log: fs.readFileSync(log, 'utf8') };
}

/** Each cell's reply status and printed text, run in order on a fresh kernel `kernelName`. */
const runCells = (kernelName: string, jupyterPath: string, log: string, cells: string[]): { status: string; text: string }[] =>
  runPython(CELLS, kernelName, jupyterPath, log, JSON.stringify(cells));

describe('the tslab kernel (tools/tslab-kernel.js): stray messages, global types', function () {
  this.timeout(150_000);
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-kernel-'));
    // The control: tslab as installed, without the wrapper (kernel name 'bare-tslab', JUPYTER_PATH tmp).
    const bare = path.join(tmp, 'kernels', 'bare-tslab');
    fs.mkdirSync(bare, { recursive: true });
    const argv = [path.join(REPO, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'];
    fs.writeFileSync(path.join(bare, 'kernel.json'), JSON.stringify({ argv, display_name: 'bare tslab', language: 'typescript' }));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the kernelspec starts tslab through the wrapper', () => {
    const spec = JSON.parse(fs.readFileSync(path.join(KERNELSPECS, 'kernels', 'tslab', 'kernel.json'), 'utf8')) as { argv: string[] };
    assert.equal(spec.argv[0], path.join(REPO, 'tools', 'tslab-kernel.js'), "kernel.json is stale: run 'npm run setup'");
  });

  it('keeps its heartbeat, runs cells with clean output and none of the foreign code', () => {
    const v = attack('tslab', KERNELSPECS, path.join(tmp, 'tslab.log'));
    assert.ok(v.heartbeat, 'the kernel stopped answering heartbeats');
    assert.equal(v.status, 'ok');
    assert.deepEqual(v.streams, [{ name: 'stdout', text: 'still here\n' }]);
    // Shell and control drop each of their 3 stray messages; the heartbeat's REP socket drops
    // malformed requests itself, one or several per wake-up.
    assert.equal(v.log.match(/dropped a \d+-part message not signed for this kernel/g)?.length, 6, `the kernel's log:\n${v.log}`);
    assert.match(v.log, /dropped a malformed message on a kernel socket/);
  });

  // @types/mocha is installed here (the tests use it) and declares a global `describe`; tslab
  // alone would type-check a cell calling it and fail only when it runs.
  const GLOBALS = [
    'const platform: string = process.platform; console.log(typeof platform)', // @types/node: a global
    "import seedrandom from 'seedrandom'; const draw: seedrandom.prng = seedrandom('x'); console.log(typeof draw())", // imports keep their @types
    "describe('a suite', () => {})",
  ];

  it('type-checks cells against @types/node only, as tools/nbtypecheck does', () => {
    const [node, imported, mocha] = runCells('tslab', KERNELSPECS, path.join(tmp, 'types.log'), GLOBALS);
    assert.deepEqual(node, { status: 'ok', text: 'string\n' });
    assert.deepEqual(imported, { status: 'ok', text: 'number\n' });
    assert.equal(mocha!.status, 'error');
    assert.match(mocha!.text, /Cannot find name 'describe'/);
  });

  it('bare tslab loads every @types package: the call to describe type-checks and fails only when run', () => {
    const [node, imported, mocha] = runCells('bare-tslab', tmp, path.join(tmp, 'bare-types.log'), GLOBALS);
    assert.deepEqual([node, imported], [{ status: 'ok', text: 'string\n' }, { status: 'ok', text: 'number\n' }]);
    assert.equal(mocha!.status, 'error');
    assert.doesNotMatch(mocha!.text, /Cannot find name/);
    assert.match(mocha!.text, /describe is not defined/);
  });

  // jupyter_client picks free ports and releases them; until the kernel binds them another process
  // can take one (a clean-root run once failed so, with EADDRINUSE, when many kernels started at once).
  it('exits at once with status 98 when a port it was given is taken, and nbrun then starts a kernel on fresh ports', () => {
    const log = path.join(tmp, 'taken.log');
    const v = runPython<{ alive: boolean; status: number | null; seconds: number }>(PORT_TAKEN, 'tslab', KERNELSPECS, log, 'direct');
    assert.equal(v.alive, false, 'the kernel lives on without its shell socket');
    assert.equal(v.status, 98);
    assert.ok(v.seconds < 8, `it took ${v.seconds} s to exit`);
    assert.match(fs.readFileSync(log, 'utf8'), /cannot bind port \d+: .*exiting with status 98/);
    const run = runPython<{ ok: boolean; text: string; attempts: number[]; kernels: number }>(PORT_TAKEN, 'tslab', KERNELSPECS, log, 'nbrun');
    assert.deepEqual(run, { ok: true, text: '2\n', attempts: [2], kernels: 2 });
  });

  it('bare tslab, given a taken port, stays up without it and never says so', () => {
    const v = runPython<{ alive: boolean; status: number | null }>(PORT_TAKEN, 'bare-tslab', tmp, path.join(tmp, 'bare-taken.log'), 'direct');
    assert.equal(v.alive, true, 'bare tslab now exits by itself: the wrapper\'s bindOrExit may no longer be needed');
  });

  it('bare tslab, attacked the same way, loses its heartbeat and prints errors into the cell', () => {
    const v = attack('bare-tslab', tmp, path.join(tmp, 'bare-tslab.log'));
    assert.equal(v.heartbeat, false, 'bare tslab survived: tools/tslab-kernel.js may no longer be needed');
    assert.ok(v.streams.some((s) => s.name === 'stderr' && s.text.includes('UnhandledPromiseRejection')),
      `expected tslab's own rejections in the cell output, got ${JSON.stringify(v.streams)}`);
    assert.ok(!v.streams.some((s) => s.text.includes('FOREIGN CODE RAN')), 'tslab ran a message signed with another key');
  });
});
