/**
 * Whether the bench can time PyTorch, and if not, exactly why. The bench runs PyTorch with Debian's
 * interpreter, /usr/bin/python3 (where `apt-get install python3-torch` puts it), whatever `python3`
 * comes first on PATH; D2L_BENCH_PYTHON names another one on purpose. A generic variable such as
 * PYTHON is not read: build tools and version managers set it for their own use.
 */
import { spawnSync } from 'child_process';

export const defaultPython = '/usr/bin/python3';

export type TorchProbe = { ok: true; python: string; version: string } | { ok: false; python: string; why: string };

/** The interpreter the bench runs PyTorch with. */
export function benchPython(env: NodeJS.ProcessEnv = process.env): string {
  return env['D2L_BENCH_PYTHON'] || defaultPython;
}

/** The last non-empty line a failed command wrote (usually the exception), or ''. */
export function lastLine(text: string | null | undefined): string {
  return (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
}

/**
 * Import torch (and numpy, which bench/torch_bench.py needs too) in the bench's interpreter. The
 * timeout is generous: on a loaded machine the import alone takes seconds.
 */
export function probeTorch(env: NodeJS.ProcessEnv = process.env, timeoutMs = 180_000): TorchProbe {
  const python = benchPython(env);
  const code = 'import numpy, torch; print(torch.__version__)';
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', env, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return { ok: true, python, version: lastLine(r.stdout) };
  const command = `${python} -c '${code}'`;
  let what: string;
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') what = `${python} does not exist`;
  else if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') what = `'${command}' did not finish in ${timeoutMs / 1000} s`;
  else if (r.error) what = `'${command}' could not run: ${r.error.message}`;
  else if (r.signal) what = `'${command}' was killed by ${r.signal}`;
  else what = `'${command}' exited with code ${r.status}`;
  const said = lastLine(r.stderr);
  const fix = python === defaultPython
    ? "install Debian's PyTorch (apt-get install python3-torch)"
    : `D2L_BENCH_PYTHON=${python} is set: install torch and numpy there, or unset it to use ${defaultPython}`;
  return { ok: false, python, why: `${what}${said ? `: ${said}` : ''}; ${fix}` };
}
