"""Run one grading kernel (tools/grade_kernel.py) in a bubblewrap sandbox, with limits.

What the sandbox sees: the system (/usr, /etc) read-only; of the checkout only what the kernel needs,
read-only (node_modules, the lib, the kernelspec, tools/); its own scratch folder (its working
directory, writable) and the call folders it shares with the other kernel of the same submission.
Not the source notebooks, not other submissions, not the reports, not the instructor's home.
It has no network (its own, empty network namespace), its own PID namespace (when the grader stops
it, every process it started dies with it: bwrap --die-with-parent, and the namespace's init is
bwrap), and runs as an unprivileged user of its own, so the process limit counts only its processes.

Limits (per process; the runner reports which one was hit): memory (RLIMIT_DATA), CPU time
(RLIMIT_CPU), processes and threads (RLIMIT_NPROC, effective because the uid is unprivileged), file
size (RLIMIT_FSIZE); the wall time is enforced by the grader, the output size by the runner.
"""
from __future__ import annotations

import os
import resource
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

REPO = Path(__file__).resolve().parent.parent
BWRAP = 'bwrap'
PACKAGE = 'bubblewrap'  # the Debian package that provides bwrap
# What of the checkout a kernel needs, read-only: tslab and tfjs, the d2l lib, the kernelspec, the runner.
REPO_READ_ONLY = ('node_modules', 'lib', '.jupyter', 'tools', 'package.json')


@dataclass
class Limits:
    memory_bytes: int = 3 << 30       # address space a process may write (node's heap, tensors)
    heap_bytes: int = 1 << 30         # V8's heap: reached first, so a hoarding kernel dies at once
                                      # (near RLIMIT_DATA instead, V8 collects for minutes before failing)
    cpu_seconds: int = 600            # per process
    processes: int = 256              # processes and threads of the sandbox's user
    file_bytes: int = 64 << 20        # largest file it may write
    output_bytes: int = 1 << 20       # output kept per cell (the runner enforces it)

    def describe(self) -> str:
        return (f'memory {self.memory_bytes >> 20} MiB per process (JavaScript heap {self.heap_bytes >> 20} MiB), '
                f'CPU {self.cpu_seconds} s per process, '
                f'{self.processes} processes/threads, files up to {self.file_bytes >> 20} MiB, '
                f'output {self.output_bytes >> 10} KiB per cell')


def bwrap_path() -> Optional[str]:
    return shutil.which(BWRAP)


def missing_message() -> str:
    return (f"the autograder runs each submission in a sandbox made with bubblewrap, which is not installed: "
            f"install the Debian package '{PACKAGE}' (sudo apt-get install {PACKAGE}, or npm run setup), "
            "or pass --unsandboxed to run student code with your own permissions (not for untrusted work)")


def _system_mounts() -> list[str]:
    args = ['--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc']
    for d in ('/bin', '/lib', '/lib64', '/lib32', '/sbin'):
        if os.path.islink(d):
            args += ['--symlink', os.readlink(d), d]
        elif os.path.isdir(d):
            args += ['--ro-bind', d, d]
    return args


def command(argv: list[str], *, scratch: Path, inside_scratch: Path, binds: list[tuple[Path, Path, bool]]) -> list[str]:
    """The bwrap command line running argv with `scratch` (host) mounted at `inside_scratch` as its
    working directory; `binds`: (host path, path inside, writable)."""
    bwrap = bwrap_path()
    assert bwrap is not None, missing_message()
    args = [bwrap, '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL']
    args += _system_mounts()
    args += ['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp']
    for rel in REPO_READ_ONLY:
        p = REPO / rel
        if p.exists():
            args += ['--ro-bind', str(p), str(p)]
    args += ['--bind', str(scratch), str(inside_scratch)]
    for host, inside, writable in binds:
        args += ['--bind' if writable else '--ro-bind', str(host), str(inside)]
    args += ['--chdir', str(inside_scratch), '--']
    return args + argv


def preexec(limits: Limits, uid: Optional[int]) -> Callable[[], None]:
    """Set the limits (and drop to `uid` when running as root) in the child before bwrap starts."""
    def apply() -> None:
        os.setsid()  # its own process group: the grader can stop all of it at once
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    return apply


def sandbox_uid(slot: int, offset: int = 0) -> Optional[int]:
    """An unprivileged uid of its own for each concurrently running sandbox (None: not root, keep ours).

    As root the process limit would not apply (the kernel exempts root), and files would be root's."""
    if os.geteuid() != 0:
        return None
    return 61000 + offset + slot % 2000


def minimal_env(home: Path, extra: Optional[dict[str, str]] = None, limits: Optional[Limits] = None) -> dict[str, str]:
    """The environment a kernel gets: nothing of the grader's own (tokens, paths) beyond what it needs."""
    env = {
        'NODE_OPTIONS': f'--max-old-space-size={(limits or Limits()).heap_bytes >> 20}',
        'PATH': '/usr/local/bin:/usr/bin:/bin',
        'HOME': str(home),
        'LANG': os.environ.get('LANG', 'C.UTF-8'),
        'JUPYTER_PATH': str(REPO / '.jupyter' / 'share' / 'jupyter'),
        'JUPYTER_RUNTIME_DIR': str(home / '.runtime'),
        'JUPYTER_CONFIG_DIR': str(home / '.jupyter-config'),
        'JUPYTER_DATA_DIR': str(home / '.jupyter-data'),
        'IPYTHONDIR': str(home / '.ipython'),
        'PYTHONDONTWRITEBYTECODE': '1',
    }
    env.update(extra or {})
    return env


def self_test(limits: Limits, python: str, workdir: Path, inside: Path) -> Optional[str]:
    """Start one sandbox exactly as a grading kernel starts (same mounts, limits and uid) and run
    `python -c print(...)` in it: None if that worked, else why not and what to do.

    Grading refuses to start when this fails: otherwise every kernel would die at once and each
    submission would score 0 with nothing pointing at the machine."""
    import subprocess
    import tempfile
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix='selftest-', dir=str(workdir)))
    uid = sandbox_uid(0)
    try:
        if uid is not None:
            os.chown(scratch, uid, uid)
        argv = command([python, '-c', 'print("sandbox-ok")'], scratch=scratch, inside_scratch=inside, binds=[])
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=minimal_env(inside),
                               preexec_fn=preexec(limits, uid))
        except (OSError, subprocess.TimeoutExpired) as e:
            return f'bubblewrap could not be started: {e}'
        if p.returncode == 0 and p.stdout.strip() == 'sandbox-ok':
            return None
        why = (p.stderr.strip() or p.stdout.strip() or f'exit code {p.returncode}').splitlines()[-1][:300]
        return (f'bubblewrap cannot create the grading sandbox on this machine ({why}). It needs user and '
                'PID namespaces: they are refused inside a chroot, inside some containers, and where the '
                'kernel disables them (sysctl kernel.unprivileged_userns_clone=0 or '
                'user.max_user_namespaces=0). Grade on a machine or VM where '
                "'bwrap --unshare-all --ro-bind / / true' works, or pass --unsandboxed to run student code "
                'with your own permissions (not for untrusted work)')
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
