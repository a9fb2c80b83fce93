"""Running one submission for tools/grade.py: two kernels, each in its own sandbox.

Why two kernels. A test that runs in the same process as the student's code can be talked into
passing (redefined helpers, patched Math or prototypes, a hooked lib, faked output). So the test
cells run in a kernel of their own that executes only the source's cells; the functions the solution
cells define are stubs there that call the student's kernel (tools/grader_wire.js): arguments go over
by value, the student's function runs in its own kernel, and the resulting values come back and are
checked with the test kernel's own, untouched objects. The student's kernel never sees a test cell
(so hidden tests stay hidden even from code that searches memory), and the test kernel never runs a
line of student code. Each kernel has its own client (tools/grade_kernel.py) inside its sandbox,
because a bubblewrap sandbox has no network to reach a kernel from outside; only JSON on stdout
leaves it. The two share just two folders of call files (one writable by each side).
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sandbox  # noqa: E402
from nbrun import KINDS, CellRecord, KernelStartError  # noqa: E402

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
PYTHON = os.environ.get('D2L_PYTHON') or '/usr/bin/python3'
INSIDE = REPO / 'build' / 'sandbox'  # where a sandbox sees its folders (under the repo: modules resolve)
STDOUT_LIMIT = 32 << 20
DEAD_PHRASE = 'the kernel died while running your notebook'


@dataclass
class Side:
    """One kernel's job and what came back."""
    role: str
    cells: list[str]
    slots: list[Optional[int]]          # slot index of each cell (None: the grader's own cell)
    payload: Optional[dict] = None
    error: Optional[str] = None


@dataclass
class RunResult:
    records: dict[int, CellRecord] = field(default_factory=dict)
    outputs: dict[int, list] = field(default_factory=dict)
    passes: int = 0
    notes: list[str] = field(default_factory=list)
    limit_hits: list[str] = field(default_factory=list)
    wire_failure: Optional[str] = None


class _Proc:
    """A runner process: feeds it its job, reads its one line of JSON (capped), stops it."""

    def __init__(self, argv: list[str], job: dict, env: dict, cwd: Optional[str], preexec: Any) -> None:
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  env=env, cwd=cwd, preexec_fn=preexec)
        assert self.p.stdin is not None
        threading.Thread(target=self._feed, args=(json.dumps(job).encode(),), daemon=True).start()
        self.buf = b''
        self.line: Optional[bytes] = None
        self.overflow = False

    def _feed(self, data: bytes) -> None:
        try:
            assert self.p.stdin is not None
            self.p.stdin.write(data)
            self.p.stdin.close()
        except OSError:
            pass

    def poll_line(self, wait: float) -> bool:
        """Read what is available for up to `wait` s; True once a full line (or EOF) arrived."""
        if self.line is not None:
            return True
        out = self.p.stdout
        assert out is not None
        ready, _, _ = select.select([out], [], [], wait)
        if not ready:
            return False
        chunk = os.read(out.fileno(), 1 << 20)
        if not chunk:
            self.line = self.buf
            return True
        self.buf += chunk
        if b'\n' in self.buf:
            self.line = self.buf.split(b'\n', 1)[0]
            return True
        if len(self.buf) > STDOUT_LIMIT:
            self.overflow, self.line = True, b''
            return True
        return False

    def stop(self, grace: float) -> None:
        try:
            self.p.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, 9)  # the sandbox's PID namespace dies with its init
            except ProcessLookupError:
                pass
            self.p.wait()


def _layout(base: Path, sandboxed: bool, uids: tuple[Optional[int], Optional[int]]) -> dict[str, Path]:
    host = {'student': base / 'student', 'tests': base / 'tests',
            'to-student': base / 'to-student', 'from-student': base / 'from-student'}
    owners = {'student': uids[0], 'from-student': uids[0], 'tests': uids[1], 'to-student': uids[1]}
    os.chmod(base, 0o711)
    for name, p in host.items():
        p.mkdir(mode=0o755 if name.endswith('student') and name != 'student' else 0o700)
        if owners[name] is not None:
            os.chown(p, owners[name], owners[name])
    return host


def _inside(name: str) -> Path:
    return INSIDE / ('work' if name in ('student', 'tests') else 'calls/' + name)


def _start(side: str, job: dict, host: dict[str, Path], sandboxed: bool, uid: Optional[int],
           limits: sandbox.Limits) -> _Proc:
    runner = [PYTHON, str(TOOLS / 'grade_kernel.py')]
    if not sandboxed:
        env = sandbox.minimal_env(host[side], {'D2L_GRADER_UNSANDBOXED': '1'}, limits)
        return _Proc(runner, job, env, str(host[side]), sandbox.preexec(limits, None))
    writable = 'from-student' if side == 'student' else 'to-student'
    binds = [(host[n], _inside(n), n == writable) for n in ('to-student', 'from-student')]
    argv = sandbox.command(runner, scratch=host[side], inside_scratch=_inside(side), binds=binds)
    return _Proc(argv, job, sandbox.minimal_env(_inside(side), limits=limits), None, sandbox.preexec(limits, uid))


def _records(side: Side, n_slots: int) -> tuple[dict[int, CellRecord], dict[int, list]]:
    """Validated records of one side, by slot index (the student's side is untrusted input)."""
    records: dict[int, CellRecord] = {}
    outputs: dict[int, list] = {}
    payload = side.payload or {}
    raw_outputs = payload.get('outputs') if isinstance(payload.get('outputs'), dict) else {}
    for r in payload.get('records', []) if isinstance(payload.get('records'), list) else []:
        try:
            k = int(r['index'])
            slot = side.slots[k]
            kind = r['kind'] if r['kind'] in KINDS else 'error'
            rec = CellRecord(index=slot if slot is not None else -1, run=1, ok=bool(r['ok']) and kind == 'ok',
                             kind=kind, message=str(r.get('message', ''))[:4000],
                             source_line=None if r.get('source_line') is None else str(r['source_line'])[:500],
                             line=r.get('line') if isinstance(r.get('line'), int) else None,
                             seconds=float(r.get('seconds', 0)))
        except (KeyError, TypeError, ValueError, IndexError):
            continue
        if slot is None:
            if not rec.ok:
                records[-1] = rec
            continue
        records[slot] = rec
        outs = raw_outputs.get(str(k), [])
        outputs[slot] = [o for o in outs if isinstance(o, dict) and isinstance(o.get('text'), str)][:50] \
            if isinstance(outs, list) else []
    return records, outputs


def run(student: Side, tests: Side, *, metadata: dict, timeout: float, max_seconds: float, sandboxed: bool,
        limits: sandbox.Limits, functions: list[str], slot_count: int, workdir: Path) -> RunResult:
    """Run both kernels of one submission; the test side's records decide the tests."""
    workdir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix='sub-', dir=str(workdir)))
    slot_id = os.getpid()
    uids = (sandbox.sandbox_uid(slot_id), sandbox.sandbox_uid(slot_id, 2000)) if sandboxed else (None, None)
    result = RunResult()
    try:
        host = _layout(base, sandboxed, uids)
        where = (lambda n: _inside(n)) if sandboxed else (lambda n: host[n])  # noqa: E731
        calls = {'toStudent': str(where('to-student')), 'fromStudent': str(where('from-student'))}
        call_seconds = timeout
        # The test kernel waits for the student's cells: they may take max_seconds plus their replays.
        ready_seconds = max_seconds + 2 * timeout + 60
        wire = json.dumps(str(TOOLS / 'grader_wire.js'))
        tfjs = json.dumps(str(REPO / 'node_modules' / '@tensorflow' / 'tfjs'))
        wire_cell = (f'const d2lGraderRemote: (name: string, args: IArguments) => any = require({wire}).client('
                     f'require({tfjs}), {json.dumps({**calls, "readySeconds": ready_seconds, "callSeconds": call_seconds})});')
        common = {'metadata': metadata, 'output_limit': limits.output_bytes, 'max_seconds': max_seconds}
        jobs = {
            'student': {**common, 'role': 'student', 'cells': student.cells, 'timeout': timeout,
                        'cwd': str(where('student')),
                        'serve': {**calls, 'functions': functions, 'callSeconds': call_seconds}},
            'tests': {**common, 'role': 'tests', 'cells': [wire_cell] + tests.cells,
                      # A backstop only: a call that hangs is interrupted after call_seconds, but the first
                      # call waits for the student's cells (ready_seconds).
                      'timeout': ready_seconds + 2 * timeout + 15, 'cwd': str(where('tests'))},
        }
        tests.slots = [None] + tests.slots
        procs = {side: _start(side, jobs[side], host, sandboxed, uids[i], limits)
                 for i, side in enumerate(('student', 'tests'))}
        n_code = len(student.cells) + len(tests.cells)
        wall = ready_seconds + n_code * (2 * timeout + 15) + 120
        deadline = time.monotonic() + wall
        while not procs['tests'].poll_line(0.2):
            procs['student'].poll_line(0)
            if time.monotonic() > deadline:
                result.limit_hits.append(f'wall-time limit of {wall:g} s reached: grading of this submission was stopped')
                break
        (host['to-student'] / 'done').write_text('done\n')
        for _ in range(50):  # the student's line is normally there long before
            if procs['student'].poll_line(0.1):
                break
        for p in procs.values():
            p.stop(5)
        for side, proc in (('student', student), ('tests', tests)):
            p = procs[side]
            if p.overflow:
                result.limit_hits.append(f'the {side} kernel wrote more than {STDOUT_LIMIT >> 20} MiB of results')
            try:
                proc.payload = json.loads(p.line or b'{}')
            except ValueError:
                proc.payload = {}
            if not isinstance(proc.payload, dict):
                proc.payload = {}
        # The test side runs only the source's cells: if it said nothing at all, the machine failed
        # (a sandbox that could not start, a runner that crashed), not the student.
        if not tests.payload and not result.limit_hits:
            raise KernelStartError('the test kernel\'s sandbox ended without a result (exit code '
                                   f'{procs["tests"].p.returncode}): the grading environment is broken')
        if 'kernel_error' in (tests.payload or {}):
            raise KernelStartError(str(tests.payload['kernel_error']))
        if 'kernel_error' in (student.payload or {}) and not (student.payload or {}).get('records'):
            raise KernelStartError(str(student.payload['kernel_error']))
        srec, sout = _records(student, slot_count)
        trec, tout = _records(tests, slot_count)
        result.wire_failure = trec.pop(-1).message if -1 in trec else None
        srec.pop(-1, None)
        result.records = {**srec, **trec}
        # A source cell (setup, helpers) that failed in the student's kernel but not in the test kernel
        # still counts as failed: before any student code it means the machine (grade.check_environment
        # retries, then gives up), not a verdict on the student.
        for k, rec in srec.items():
            if not rec.ok and k in trec and trec[k].ok:
                rec.message = "in the student's kernel: " + rec.message
                result.records[k] = rec
        result.outputs = {**sout, **tout}
        sp = student.payload or {}
        result.passes = int(sp.get('passes', 1)) if isinstance(sp.get('passes'), int) else 1
        result.notes = [str(n)[:500] for n in sp.get('notes', [])][:10] if isinstance(sp.get('notes'), list) else []
        failed = (host['from-student'] / 'failed')
        if failed.is_file() and not failed.is_symlink():
            result.notes.append("the notebook's kernel: " + failed.read_text(errors='replace')[:500])
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return result
