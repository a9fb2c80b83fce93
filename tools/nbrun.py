#!/usr/bin/python3
"""Execute tslab (TypeScript) notebooks with Jupyter's own executor and report real failures.

Why not `jupyter nbconvert --execute`, nbmake or nbval: tslab reports a type error or an
exception only as a stderr stream with a bare `status: 'error'` reply (no ename/evalue/traceback,
no `error` output), so those tools print an empty error or even pass a broken notebook. It also
routes output written after a cell finished (an exception thrown by a timer) to that finished
cell, which nbclient silently drops. This module drives nbclient cell by cell and turns all of
that into per-cell records with the real diagnostic.

Library use (the autograder imports this; put tools/ on sys.path first):

    from nbrun import execute_notebook
    result = execute_notebook('notebooks/adam.ipynb', timeout=300, runs=2)
    result.ok, result.failures, result.notebook, result.cells

CLI: /usr/bin/python3 tools/nbrun.py NOTEBOOK... [--out-dir build/notebooks] [--timeout 300]
     [--runs 1|2] [--keep-going] [--json REPORT.json]
Exit codes: 0 all notebooks passed, 1 some notebook failed, 2 usage or setup error.

Cell numbers: `CellRecord.index` is the 0-based position in `nb.cells` (markdown cells counted);
the CLI prints `index + 1`, i.e. 1-based counting ALL cells, as a notebook editor shows them.
"""
from __future__ import annotations

import argparse
import copy
import difflib
import json
import math
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any, Callable, Optional, Union

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync

REPO = Path(__file__).resolve().parent.parent
KERNEL_DIR = REPO / '.jupyter' / 'share' / 'jupyter'

# Run after the real cells so that timers the last cell left pending can still fire (and fail)
# while a request is running; its output is checked but never stored in the notebook. It waits until
# no timer or immediate is pending, polling every 25 ms, then 50 ms more for their output to arrive;
# the wait is bounded by LATE_WAIT_SECONDS, so a notebook that leaves an interval running costs at
# most that much. A failure scheduled later than the bound is not seen: that is the documented limit.
LATE_WAIT_SECONDS = 5
SENTINEL_SOURCE = (
    'await new Promise<void>((done) => {\n'
    f'  const until = Date.now() + {LATE_WAIT_SECONDS * 1000};\n'
    "  const pending = () => (process as any).getActiveResourcesInfo()\n"
    "    .filter((r: string) => r === 'Timeout' || r === 'Immediate').length;\n"
    '  const tick = (): unknown => (pending() === 0 || Date.now() > until ? setTimeout(done, 50) : setTimeout(tick, 25));\n'
    '  tick();\n'
    '});'
)
# tslab aborts every request that arrives within 200 ms after a failed one (jupyter.js
# `execQueue.reset(200)`), so we pause a bit longer than that after an error ...
AFTER_ERROR_PAUSE = 0.25
# ... and still re-send a request the kernel answered with status 'abort' (after a pause of
# its own, so retries work even if the pause above turns out too short on a slow machine).
ABORT_RETRIES = 3
ABORT_RETRY_PAUSE = 0.3

# tslab's process-level handlers print these (tslab/dist/main.js).
ASYNC_MARKERS = ('UncaughtException', 'UnhandledPromiseRejection')
# TensorFlow.js's harmless "install tfjs-node" notice on stderr.
TFJS_BANNER = re.compile(r'\n?=+\nHi, looks like you are running TensorFlow\.js in Node\.js.*?\n=+\n', re.S)
TYPE_DIAGNOSTIC = re.compile(r'^(\d+):(\d+) - ', re.M)
# Stack frames of node itself or of the kernel: noise for a notebook author.
INTERNAL_FRAME = re.compile(r'^\s+at .*(\(node:|\bnode:internal|/tslab/dist/|sigintHandlersWrap)')

KINDS = ('ok', 'error', 'timeout', 'dead-kernel', 'uncaught-async', 'output-limit', 'not-run')


class NotebookLoadError(ValueError):
    """The file is missing, is not JSON, or is not a notebook (a usage error, exit code 2)."""


class KernelStartError(RuntimeError):
    """The kernel could not be started (kernelspec missing, tslab not installed): a setup error."""


@dataclass
class CellRecord:
    index: int                  # 0-based position in nb.cells (markdown cells counted)
    run: int                    # 1-based run number (runs=2 executes every cell twice)
    ok: bool
    kind: str                   # one of KINDS
    message: str = ''           # the real diagnostic (stderr text, trimmed), '' when ok
    source_line: Optional[str] = None  # offending line of the cell source, when known
    line: Optional[int] = None  # 1-based line of source_line within the cell
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Result:
    notebook: Any               # the executed nbformat NotebookNode (outputs of the final run)
    cells: list[CellRecord] = field(default_factory=list)  # code cells, in run order
    path: Optional[str] = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cells)

    @property
    def failures(self) -> list[CellRecord]:
        return [c for c in self.cells if not c.ok and c.kind != 'not-run']

    def to_dict(self) -> dict[str, Any]:
        return {'path': self.path, 'ok': self.ok, 'seconds': round(self.seconds, 3),
                'cells': [c.to_dict() for c in self.cells]}


def ensure_jupyter_path() -> None:
    """Make the repo's `tslab` kernelspec findable; keeps whatever the caller already set."""
    current = os.environ.get('JUPYTER_PATH', '')
    parts = [p for p in current.split(os.pathsep) if p]
    if str(KERNEL_DIR) not in parts:
        os.environ['JUPYTER_PATH'] = os.pathsep.join([str(KERNEL_DIR)] + parts)


def load_notebook(path: Union[str, os.PathLike]) -> nbformat.NotebookNode:
    """Read a notebook, turning every way it can be unreadable into a clear NotebookLoadError."""
    p = Path(path)
    if not p.is_file():
        raise NotebookLoadError(f'{path}: no such file')
    return parse_notebook(p.read_bytes(), str(path))


def parse_notebook(data: bytes, path: str) -> nbformat.NotebookNode:
    """load_notebook for bytes already read (`path` names them in errors)."""
    try:
        raw = json.loads(data.decode('utf-8'))
    except RecursionError:
        raise NotebookLoadError(f'{path}: malformed notebook: JSON nested too deeply to be a notebook') from None
    except UnicodeDecodeError as e:
        raise NotebookLoadError(f'{path}: not UTF-8 text ({e})') from None
    except json.JSONDecodeError as e:
        raise NotebookLoadError(f'{path}: invalid JSON: {e.msg} at line {e.lineno} column {e.colno}') from None
    if not isinstance(raw, dict) or 'cells' not in raw or 'nbformat' not in raw:
        raise NotebookLoadError(f'{path}: not a Jupyter notebook (JSON without "nbformat" and "cells")')
    try:
        return nbformat.reads(json.dumps(raw), as_version=4)
    except RecursionError:
        raise NotebookLoadError(f'{path}: malformed notebook: nested too deeply to be a notebook') from None
    except Exception as e:  # nbformat raises assorted types for malformed notebooks
        raise NotebookLoadError(f'{path}: not a valid notebook: {e}') from None


# ---------------------------------------------------------------------------------------------
# Turning stderr text into a diagnostic


def _stderr_text(outputs: list) -> str:
    text = ''.join(o.get('text', '') for o in outputs
                   if o.get('output_type') == 'stream' and o.get('name') == 'stderr')
    return TFJS_BANNER.sub('', text)


def _trim_stack(text: str) -> str:
    """Drop node/kernel stack frames: the notebook author only needs the error and its own frames."""
    kept = [line for line in text.rstrip('\n').split('\n') if not INTERNAL_FRAME.match(line)]
    return '\n'.join(kept).strip('\n')


def _normalize(code: str) -> str:
    # tslab compiles top-level names to `exports.name`; whitespace may differ too.
    return re.sub(r'\s+', ' ', re.sub(r'\bexports\.', '', code)).strip()


def _locate(source: str, js_line: str) -> tuple[Optional[int], Optional[str]]:
    """Best effort: find the cell line matching the compiled-JS line that node quoted."""
    needle = _normalize(js_line)
    if not needle:
        return None, None
    lines = [(i + 1, line, _normalize(line)) for i, line in enumerate(source.split('\n'))]
    lines = [entry for entry in lines if entry[2]]
    for test in (lambda s: s == needle, lambda s: needle in s, lambda s: len(s) > 3 and s in needle):
        for n, line, norm in lines:
            if test(norm):
                return n, line
    # Type annotations are stripped in JS: accept the most similar line if it is close enough.
    scored = [(difflib.SequenceMatcher(None, norm, needle).ratio(), n, line) for n, line, norm in lines]
    if scored:
        ratio, n, line = max(scored)
        if ratio >= 0.7:
            return n, line
    return None, None


def diagnose(source: str, stderr: str) -> tuple[str, Optional[int], Optional[str]]:
    """Return (message, line, source_line) for a failed cell from its stderr text."""
    diag = TYPE_DIAGNOSTIC.search(stderr)
    if diag:
        # tslab prints `line:col - message` per diagnostic, line relative to the cell.
        message = stderr[diag.start():].strip()
        n = int(diag.group(1))
        lines = source.split('\n')
        return message, n, lines[n - 1] if 0 < n <= len(lines) else None
    # A synchronous throw: node prefixes "evalmachine.<anonymous>:L\n<compiled line>\n   ^\n\n".
    # L counts lines of tslab's compiled JS, not of the cell, so match the quoted text instead.
    head = re.search(r'(?m)^(?:evalmachine\.<anonymous>|\S+\.[cm]?js):\d+\n(.*)\n\s*\^+\s*\n', stderr)
    if head:
        line, source_line = _locate(source, head.group(1))
        if source_line is not None:  # the quoted compiled JS adds nothing to the source line
            stderr = stderr[:head.start()] + stderr[head.end():]
    else:
        line, source_line = None, None
    return _trim_stack(stderr) or '(the kernel reported an error without any message)', line, source_line


# ---------------------------------------------------------------------------------------------
# Execution


class _Client(NotebookClient):
    """NotebookClient that keeps iopub messages addressed to cells that already finished.

    nbclient only listens for the running request and drops everything else. tslab sends output
    written after a cell finished (an UncaughtException from a timer) with that cell's header,
    so without this the exception would vanish. Overrides a private method of nbclient 0.7
    (Debian's python3-nbclient); check it when upgrading nbclient.
    """

    def __init__(self, *args: Any, output_limit: Optional[int] = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.stray: list[dict] = []
        # Bytes of output kept per cell: beyond it output is dropped and the kernel interrupted, so a
        # cell printing gigabytes costs neither the caller's memory nor the rest of the per-cell time.
        self.output_limit = output_limit
        self.cell_output_bytes = 0
        self.output_capped = False

    def output(self, outs: list, msg: dict, display_id: Any, cell_index: int) -> Any:
        if self.output_limit is not None:
            size = len(json.dumps(msg.get('content', {})))
            self.cell_output_bytes += size
            if self.cell_output_bytes > self.output_limit:
                if not self.output_capped and self.km is not None:
                    self.output_capped = True
                    run_sync(self.km.interrupt_kernel)()
                return None
        return super().output(outs, msg, display_id, cell_index)

    async def _async_poll_output_msg(self, parent_msg_id: str, cell: Any, cell_index: int) -> None:
        assert self.kc is not None
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg['parent_header'].get('msg_id') == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            elif msg['msg_type'] == 'stream':
                self.stray.append(msg)

    async def async_drain_iopub(self, wait: float = 0.1) -> None:
        """Collect stream messages that arrive after the last request finished."""
        assert self.kc is not None
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=wait))
            except Empty:
                return
            if msg['msg_type'] == 'stream':
                self.stray.append(msg)

    drain_iopub = run_sync(async_drain_iopub)


_SENTINEL = object()  # msg_owner value for the sentinel request


# tools/tslab-kernel.js exits with this status (EADDRINUSE's errno) when a port it was given is taken:
# between jupyter_client choosing free ports and the kernel binding them, another process can take one.
PORT_TAKEN = 98
START_ATTEMPTS = 3


def _poll(process: Any) -> Optional[int]:
    """The exit status of a kernel process, or None while it runs (or when there is none)."""
    try:
        return None if process is None else process.poll()
    except Exception:  # the provisioner's process object is an implementation detail
        return None


class _Runner:
    def __init__(self, nb: Any, cwd: str, timeout: Optional[float], kernel_name: str,
                 startup_timeout: float, output_limit: Optional[int] = None) -> None:
        self.nb = nb
        self.reply: Optional[dict] = None
        self.running: Any = None              # CellRecord being executed, or _SENTINEL
        self.msg_owner: dict[str, Any] = {}   # request msg_id -> CellRecord or _SENTINEL
        self.last: Optional[CellRecord] = None  # last cell that really executed
        self.run = 0
        self.start_attempts = 0  # kernels started until one came up (see start)
        self.client = _Client(
            nb, kernel_name=kernel_name,
            # nbclient's timeout traits are integers.
            timeout=None if timeout is None else max(1, math.ceil(timeout)),
            startup_timeout=math.ceil(startup_timeout),
            # We classify errors ourselves, so never let nbclient raise CellExecutionError.
            allow_errors=True, record_timing=False,
            resources={'metadata': {'path': cwd}},
            on_cell_executed=self._on_executed, output_limit=output_limit)

    def _on_executed(self, cell: Any, cell_index: int, execute_reply: dict) -> None:
        self.reply = execute_reply['content']
        self.msg_owner[execute_reply['parent_header'].get('msg_id', '')] = self.running

    def start(self) -> None:
        """Start the kernel; once more on fresh ports (up to START_ATTEMPTS) if one of its ports was taken."""
        c = self.client
        for attempt in range(1, START_ATTEMPTS + 1):
            process = None
            try:
                c.km = c.create_kernel_manager()
                c.start_new_kernel()
                process = getattr(getattr(c.km, 'provisioner', None), 'process', None)
                c.start_new_kernel_client()
                self.start_attempts = attempt
                return
            except Exception as e:
                status = _poll(process)
                self._discard_kernel()
                if status == PORT_TAKEN and attempt < START_ATTEMPTS:
                    continue
                taken = f' (a port it was given was taken, {attempt} times)' if status == PORT_TAKEN else ''
                raise KernelStartError(f'cannot start kernel {c.kernel_name!r}{taken} (kernelspecs are searched in '
                                       f'JUPYTER_PATH={os.environ.get("JUPYTER_PATH", "")}): '
                                       f'{type(e).__name__}: {e}') from e

    def _discard_kernel(self) -> None:
        """Stop whatever a failed start left (client channels, the process, its connection file)."""
        try:
            self.stop()
        except Exception:  # the kernel is already gone, or was never started
            self.client.km = self.client.kc = None

    def exit_status(self) -> Optional[int]:
        """The dead kernel's exit status (negative: killed by that signal), when known."""
        return _poll(getattr(getattr(self.client.km, 'provisioner', None), 'process', None))

    def death_reason(self) -> str:
        """What a kernel's exit status says about why it died (limits set by the caller included)."""
        status = self.exit_status()
        if status is None:
            return 'process.exit() or out of memory'
        if status in (-6, 134):
            return f'it ran out of memory (exit status {status}: the JavaScript heap or the memory limit)'
        if status in (-24, 152):
            return f'it used up its CPU-time limit (SIGXCPU, exit status {status})'
        if status in (-9, 137):
            return f'it was killed (SIGKILL, exit status {status}; out of memory or a limit)'
        if status < 0:
            return f'it was killed by signal {-status}'
        return f'it exited with status {status} (process.exit() or a crash)'

    def stop(self) -> None:
        if self.client.km is not None:
            self.client._cleanup_kernel()
        self.client.km = self.client.kc = None

    def restart(self) -> None:
        # A timed-out cell is still spinning and a dead kernel is gone: start from scratch.
        self.stop()
        self.start()

    def _execute(self, cell: Any, index: int) -> dict:
        """Run one cell, re-sending it when tslab aborted it right after an earlier error."""
        reply: dict = {'status': 'ok'}
        for _ in range(ABORT_RETRIES + 1):
            self.reply = None
            self.client.execute_cell(cell, index)
            reply = self.reply or {'status': 'ok'}
            if reply.get('status') != 'abort':
                break
            time.sleep(ABORT_RETRY_PAUSE)
        return reply

    def run_cell(self, index: int) -> CellRecord:
        cell = self.nb.cells[index]
        rec = CellRecord(index=index, run=self.run, ok=True, kind='ok')
        self.running = self.last = rec
        self.client.cell_output_bytes, self.client.output_capped = 0, False
        t0 = time.monotonic()
        try:
            reply = self._execute(cell, index)
        except CellTimeoutError:
            rec.ok, rec.kind = False, 'timeout'
            rec.message = (f'cell did not finish within {self.client.timeout:g} s; the kernel was '
                           'restarted, so later cells run without the state of earlier cells')
            self.restart()
        except DeadKernelError:
            rec.ok, rec.kind = False, 'dead-kernel'
            rec.message = (f'the kernel died while running this cell ({self.death_reason()}); '
                           'it was restarted, so later cells run without the state of earlier cells')
            self.restart()
        else:
            if reply.get('status') == 'error':
                message, rec.line, rec.source_line = diagnose(cell.source, _stderr_text(cell.outputs))
                if 'raises-exception' in cell.metadata.get('tags', []):
                    rec.message = 'raised as expected (tagged raises-exception): ' + message
                else:
                    rec.ok, rec.kind, rec.message = False, 'error', message
                time.sleep(AFTER_ERROR_PAUSE)
            elif reply.get('status') == 'abort':
                rec.ok, rec.kind = False, 'not-run'
                rec.message = f'the kernel aborted this cell {ABORT_RETRIES + 1} times in a row'
        rec.seconds = round(time.monotonic() - t0, 3)
        if self.client.output_capped:
            note = (f'the cell printed more than the output limit ({self.client.output_limit} bytes): the rest '
                    'was dropped and the cell interrupted')
            rec.ok, rec.kind = False, 'output-limit'
            rec.message = note + ('\n' + rec.message if rec.message else '')
        self.check_async(cell.outputs)
        return rec

    def run_sentinel(self) -> None:
        """Give timers of the last cell a request to report into, then collect late output.

        A kernel that dies meanwhile (a timer calling process.exit, a crash in a callback) fails the
        last cell: its request had returned, but the notebook did not survive it.
        """
        cell = nbformat.v4.new_code_cell(SENTINEL_SOURCE)
        # execute_cell writes the cell back into nb.cells[index]: borrow a slot, then remove it.
        self.nb.cells.append(cell)
        self.running = _SENTINEL
        died = None
        try:
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
            self.client.drain_iopub()
        except DeadKernelError:
            died = 'during'
        except CellTimeoutError:
            died = 'hung'
        finally:
            self.nb.cells.pop()
        if died is None and self.client.km is not None and not run_sync(self.client.km.is_alive)():
            died = 'during'
        self.check_async(cell.outputs)
        rec = self.last
        if died is None or rec is None:
            return
        if died == 'hung':
            detail = ('the kernel stopped answering after the last cell finished (a callback it started '
                      'blocks the kernel)')
            kind = 'timeout'
        else:
            detail = ('the kernel died after the last cell finished (process.exit() or a crash in a callback '
                      'started by that cell or an earlier one)')
            kind = 'dead-kernel'
        if rec.ok:
            rec.ok, rec.kind, rec.message = False, kind, detail
        else:
            rec.message += '\n' + detail

    def check_async(self, outputs: list) -> None:
        """Turn UncaughtException output into failures of the cell it surfaced in or after.

        Output of the running request is in `outputs`; output tslab addressed to an earlier,
        finished request was collected by _Client as `stray`.
        """
        events = [(self.running, _stderr_text(outputs), True)]
        for msg in self.client.stray:
            owner = self.msg_owner.get(msg['parent_header'].get('msg_id', ''))
            if isinstance(owner, CellRecord) and owner.run == self.run:
                # Store it where Jupyter would show it: under the cell it was addressed to.
                self.nb.cells[owner.index].outputs.append(nbformat.v4.output_from_msg(msg))
            if msg['content'].get('name') == 'stderr':
                # Not addressed to any request we sent: blame the one running now.
                known = owner is not None
                events.append((owner if known else self.running, msg['content'].get('text', ''), not known))
        self.client.stray.clear()

        for owner, text, while_running in events:
            start = min((text.find(m) for m in ASYNC_MARKERS if m in text), default=-1)
            if start < 0:
                continue
            while_running = while_running and isinstance(owner, CellRecord)
            rec = owner if isinstance(owner, CellRecord) else self.last  # the sentinel: the last cell
            if rec is None:
                continue
            if while_running:
                where = f'surfaced in cell {rec.index + 1} while it ran'
                by = 'an earlier cell or in this one'
            else:
                last = ' (the last cell)' if self.running is _SENTINEL and rec is self.last else ''
                where = f'surfaced after cell {rec.index + 1}{last} finished'
                by = 'that cell or an earlier one'
            detail = (f'{where}; thrown asynchronously by a callback (timer, promise) started in {by}\n'
                      + _trim_stack(text[start:]))
            if rec.ok:
                rec.ok, rec.kind, rec.message = False, 'uncaught-async', detail
            else:
                rec.message += '\n' + detail


def execute_notebook(path_or_nb: Union[str, os.PathLike, Any], *, cwd: Optional[str] = None,
                     timeout: Optional[float] = 300, kernel_name: str = 'tslab', runs: int = 1,
                     stop_on_error: bool = True, startup_timeout: float = 60,
                     output_limit: Optional[int] = None,
                     after: Optional[Callable[['_Runner', 'Result'], None]] = None) -> Result:
    """Execute a notebook top to bottom `runs` times in one kernel and record every code cell.

    - path_or_nb: a notebook path (never modified) or an nbformat NotebookNode (copied).
    - cwd: the kernel's working directory; default the notebook's folder (as in Jupyter), or the
      current directory for a NotebookNode.
    - timeout: seconds per cell (None: no limit).
    - runs=2 executes all cells, then all again in the same kernel (proves the notebook can be
      re-run); the returned notebook holds the outputs of the final run.
    - stop_on_error=True stops at the first failure; later cells get kind 'not-run' and no
      outputs. False keeps executing the cells after a failing one; after a timeout or a dead
      kernel the kernel is restarted, so later cells run without the state of earlier cells.

    - output_limit: bytes of output kept per cell; a cell that prints more fails ('output-limit').
    - after(runner, result): called once all cells ran, with the kernel still running (the
      autograder serves calls from it); the kernel is stopped when it returns.

    Result.cells has one record per code cell per run started. Raises NotebookLoadError for
    unreadable input, KernelStartError when the kernel cannot start. The caller's
    environment (e.g. D2L_DATA_DIR) is passed to the kernel.
    """
    ensure_jupyter_path()
    path: Optional[str] = None
    if isinstance(path_or_nb, (str, os.PathLike)):
        path = str(path_or_nb)
        nb = load_notebook(path)
        cwd = cwd or str(Path(path).resolve().parent)
    else:
        nb = copy.deepcopy(path_or_nb)
    cwd = cwd or os.getcwd()
    if runs < 1:
        raise ValueError('runs must be >= 1')

    t0 = time.monotonic()
    runner = _Runner(nb, cwd, timeout, kernel_name, startup_timeout, output_limit)
    result = Result(notebook=nb, path=path)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    failed = lambda: stop_on_error and not result.ok  # noqa: E731
    runner.start()
    try:
        for run in range(1, runs + 1):
            runner.run = run
            for i in code:  # the stored outputs must all come from the final run
                nb.cells[i].outputs = []
                nb.cells[i].execution_count = None
            for i in code:
                if failed():
                    rec = CellRecord(index=i, run=run, ok=False, kind='not-run',
                                     message='not executed: an earlier cell failed')
                elif not nb.cells[i].source.strip():
                    rec = CellRecord(index=i, run=run, ok=True, kind='ok')
                else:
                    rec = runner.run_cell(i)
                result.cells.append(rec)
            if failed():
                break
            runner.run_sentinel()
            if failed():
                break
        if after is not None:
            after(runner, result)
    finally:
        runner.stop()
        result.seconds = time.monotonic() - t0
    return result


# ---------------------------------------------------------------------------------------------
# CLI


def _out_path(nb_path: str, out_dir: str) -> Path:
    """Mirror the notebook's path relative to the current directory, so equal names don't clash."""
    p = Path(nb_path).resolve()
    try:
        rel = p.relative_to(Path.cwd())
    except ValueError:
        rel = Path(p.name)
    return Path(out_dir) / rel


def report_failure(result: Result, rec: CellRecord, runs: int = 1) -> None:
    """Print where a cell failed (cell, run, line), the offending source line and the real error."""
    cell = result.notebook.cells[rec.index]
    where = f'  cell {rec.index + 1} (1-based, counting all cells)'
    if runs > 1:
        where += f', run {rec.run} of {runs}'
    if rec.line is not None:
        where += f', line {rec.line}'
    print(f'{where}: {rec.kind}')
    if rec.source_line is not None:
        print(f'    > {rec.source_line}')
    else:  # no exact line (timeout, dead kernel, async): show the start of the cell instead
        lines = cell.source.split('\n')
        for line in lines[:5]:
            print(f'    | {line}')
        if len(lines) > 5:
            print(f'    | ... ({len(lines) - 5} more lines)')
    for line in rec.message.split('\n'):
        print(f'    {line}')


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog='nbrun.py', description='Execute tslab notebooks with nbclient; fail on real errors.',
        epilog='Exit codes: 0 all passed, 1 a notebook failed, 2 usage or setup error. '
               'Cell numbers are 1-based and count all cells (markdown too).')
    ap.add_argument('notebooks', nargs='+', metavar='NOTEBOOK')
    ap.add_argument('--out-dir', default='build/notebooks',
                    help='where executed copies are written (default: build/notebooks)')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per cell (default: 300)')
    ap.add_argument('--runs', type=int, choices=(1, 2), default=1,
                    help='2: run all cells twice in the same kernel (default: 1)')
    ap.add_argument('--keep-going', action='store_true',
                    help='execute the remaining cells after a failing one')
    ap.add_argument('--kernel', default='tslab', help='kernelspec name (default: tslab)')
    ap.add_argument('--json', metavar='REPORT.json', help='also write a machine-readable report')
    args = ap.parse_args(argv)

    # Validate every input before starting any kernel: a typo should not cost a long run.
    try:
        for p in args.notebooks:
            load_notebook(p)
            if _out_path(p, args.out_dir).resolve() == Path(p).resolve():
                raise NotebookLoadError(f'{p}: --out-dir would overwrite the input notebook')
    except NotebookLoadError as e:
        print(f'nbrun: error: {e}', file=sys.stderr)
        return 2

    reports, failed = [], False
    for p in args.notebooks:
        try:
            result = execute_notebook(p, timeout=args.timeout, kernel_name=args.kernel,
                                      runs=args.runs, stop_on_error=not args.keep_going)
        except KernelStartError as e:  # a setup problem, not the notebook's
            print(f'nbrun: error: {p}: {e}', file=sys.stderr)
            return 2
        out = _out_path(p, args.out_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(result.notebook, str(out))
        status = 'PASS' if result.ok else 'FAIL'
        print(f'{status} {p} ({result.seconds:.1f} s)', flush=True)
        if not result.ok:
            failed = True
            for rec in result.failures:
                report_failure(result, rec, args.runs)
            print(f'  executed copy: {out}', flush=True)
        reports.append({**result.to_dict(), 'out': str(out)})

    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(reports, indent=2) + '\n', encoding='utf-8')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
