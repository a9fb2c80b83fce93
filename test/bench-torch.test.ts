/**
 * `npm run bench` times PyTorch whenever Debian's interpreter imports it, and otherwise says what
 * is missing (bench/torch-probe.ts). Fake interpreters stand in for the ways it can go wrong.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

type TorchProbe = { ok: true; python: string; version: string } | { ok: false; python: string; why: string };
// bench/ compiles on its own (build/bench); load it from there, as `npm run bench` does.
const { probeTorch } = require(path.resolve(__dirname, '..', 'bench', 'torch-probe.js')) as {
  probeTorch(env?: NodeJS.ProcessEnv, timeoutMs?: number): TorchProbe;
};

describe('bench: finding PyTorch', () => {
  let tmp = '';
  const fake = (name: string, body: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const e = { ...process.env };
    delete e['D2L_BENCH_PYTHON'];
    return { ...e, ...extra };
  };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'd2l-bench-torch-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("uses /usr/bin/python3 whatever PYTHON or PATH's python3 is", function () {
    this.timeout(240_000);
    // Only where Debian's PyTorch is installed (python3-torch); importing it once costs seconds.
    if (!fs.existsSync('/usr/lib/python3/dist-packages/torch/__init__.py')) this.skip();
    const noTorch = fake('python3', "echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1");
    const probe = probeTorch(env({ PYTHON: noTorch, PATH: `${tmp}${path.delimiter}${process.env['PATH'] ?? ''}` }));
    assert.equal(probe.ok, true, probe.ok ? '' : probe.why);
    assert.equal(probe.python, '/usr/bin/python3');
  });

  it("names the interpreter, how it failed, the interpreter's last words and the fix", () => {
    const noTorch = fake('no-torch', "echo 'Traceback (most recent call last):' >&2; echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1");
    const probe = probeTorch(env({ D2L_BENCH_PYTHON: noTorch }));
    assert.equal(probe.ok, false);
    if (probe.ok) return;
    assert.equal(probe.why,
      `'${noTorch} -c 'import numpy, torch; print(torch.__version__)'' exited with code 1: ModuleNotFoundError: No module named 'torch'; ` +
        `D2L_BENCH_PYTHON=${noTorch} is set: install torch and numpy there, or unset it to use /usr/bin/python3`);
  });

  it('says when the interpreter is missing, crashes or hangs', () => {
    const missing = probeTorch(env({ D2L_BENCH_PYTHON: path.join(tmp, 'nowhere') }));
    assert.ok(!missing.ok && missing.why.startsWith(`${path.join(tmp, 'nowhere')} does not exist; `), JSON.stringify(missing));
    const crash = probeTorch(env({ D2L_BENCH_PYTHON: fake('crash', 'echo "OpenBLAS blas_thread_init: pthread_create failed" >&2; kill -SEGV $$') }));
    assert.ok(!crash.ok && /was killed by SIGSEGV: OpenBLAS blas_thread_init: pthread_create failed;/.test(crash.why), JSON.stringify(crash));
    const hang = probeTorch(env({ D2L_BENCH_PYTHON: fake('hang', 'exec sleep 30') }), 300);
    assert.ok(!hang.ok && /did not finish in 0\.3 s/.test(hang.why), JSON.stringify(hang));
  });
});
