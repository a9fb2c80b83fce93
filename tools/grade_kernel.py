#!/usr/bin/python3
"""One grading kernel, run by tools/grade.py inside the sandbox (tools/sandbox.py); not a user tool.

Reads a job (JSON) on stdin, runs its cells on a cold tslab kernel with tools/nbrun.py and writes one
line of JSON on stdout: the record and (capped) outputs of every cell. Two roles:

- 'student': the submission's code (the source's locked setup cells, the solution cells, the cells the
  student added; never a test cell). A cell that times out or kills the kernel is left out of a new
  pass, so the kernel that remains has the state of all the others. Then it serves calls of the test
  kernel (tools/grader_wire.js serve) until the grader says it is done, interrupting a call that takes
  longer than the per-call time.
- 'tests': the source's locked cells and test cells, with each solution cell's function replaced by a
  call to the student's kernel. No student code runs here.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient.util import run_sync

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbrun import CellRecord, KernelStartError, Result, _Runner, execute_notebook  # noqa: E402

MESSAGE_LIMIT = 4000
OUTPUT_TEXT_LIMIT = 20000
CRASH_KINDS = ('timeout', 'dead-kernel')
WIRE = str(Path(__file__).resolve().parent / 'grader_wire.js')
TFJS = str(Path(__file__).resolve().parent.parent / 'node_modules' / '@tensorflow' / 'tfjs')


def _capped_outputs(outputs: list) -> list:
    kept, used = [], 0
    for o in outputs:
        if o.get('output_type') != 'stream' or used >= OUTPUT_TEXT_LIMIT:
            continue
        text = o.get('text', '')
        text = ''.join(text) if isinstance(text, list) else str(text)
        if used + len(text) > OUTPUT_TEXT_LIMIT:
            text = text[:OUTPUT_TEXT_LIMIT - used] + '\n... (output truncated by the grader)\n'
        used += len(text)
        kept.append({'output_type': 'stream', 'name': o.get('name', 'stdout'), 'text': text})
    return kept


def _record(rec: CellRecord, index: int) -> dict[str, Any]:
    d = rec.to_dict()
    d['index'] = index
    d['message'] = d['message'][:MESSAGE_LIMIT]
    return d


def _notebook(job: dict, indices: list[int]) -> Any:
    nb = nbformat.v4.new_notebook(metadata=job.get('metadata', {}))
    nb.cells = [nbformat.v4.new_code_cell(job['cells'][i]) for i in indices]
    return nb


def _emit(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload) + '\n')
    sys.stdout.flush()


def _write(dir_: Path, name: str, text: str) -> None:
    tmp = dir_ / f'.{name}.tmp'
    tmp.write_text(text, encoding='utf-8')
    tmp.replace(dir_ / name)


def serve(runner: _Runner, job: dict) -> None:
    """Serve the test kernel's calls from this kernel until the grader writes `done`."""
    opts = job['serve']
    to_student, from_student = Path(opts['toStudent']), Path(opts['fromStudent'])
    source = (f'require({json.dumps(WIRE)}).serve(require({json.dumps(TFJS)}), exports as any, '
              f'{json.dumps(opts)});')
    cell = nbformat.v4.new_code_cell(source)
    runner.nb.cells.append(cell)
    try:
        runner.client.execute_cell(cell, len(runner.nb.cells) - 1)
    except Exception as e:  # a kernel the student's code broke: the test kernel must not wait
        _write(from_student, 'failed', f'it could not start serving the tests ({type(e).__name__})')
        return
    if not (from_student / 'ready').exists():
        _write(from_student, 'failed', 'it could not start serving the tests: ' +
               ''.join(o.get('text', '') for o in cell.outputs)[:500])
        return
    km = runner.client.km
    interrupted: dict[int, float] = {}
    while not (to_student / 'done').exists():
        if km is None or not run_sync(km.is_alive)():
            _write(from_student, 'failed', f"the kernel died while running your notebook's code ({runner.death_reason()})")
            return
        n = len(list(from_student.glob('reply-*.json')))
        busy = from_student / f'busy-{n}'
        if busy.exists() and not (from_student / f'reply-{n}.json').exists():
            started = busy.stat().st_mtime
            if n not in interrupted and time.time() - started > opts['callSeconds']:
                interrupted[n] = time.time()
                try:
                    run_sync(km.interrupt_kernel)()
                except Exception:
                    pass
            elif n in interrupted and time.time() - interrupted[n] > 10:
                _write(from_student, 'failed', f'a call did not return within {opts["callSeconds"]} s, '
                       'even after an interrupt; the kernel running your notebook was stopped')
                run_sync(km.shutdown_kernel)(now=True)
                return
        time.sleep(0.05)


def run_student(job: dict) -> None:
    n = len(job['cells'])
    excluded: set[int] = set()
    records: dict[int, dict] = {}
    outputs: dict[int, list] = {}
    notes: list[str] = []
    passes = 0
    t0 = time.monotonic()

    while True:
        indices = [i for i in range(n) if i not in excluded]
        state: dict[str, Any] = {'served': False}

        def after(runner: _Runner, result: Result) -> None:
            crashed = [r for r in result.cells if r.kind in CRASH_KINDS]
            over = time.monotonic() - t0 > job['max_seconds']
            if crashed and not over:
                return  # a new pass without the cells that crashed
            if crashed:
                notes.append(f'time budget of {job["max_seconds"]:g} s used up: served from a kernel restarted '
                             'after a crash, without the state of the earlier cells')
            for r in result.cells:
                i = indices[r.index]
                records.setdefault(i, _record(r, i))
                outputs.setdefault(i, _capped_outputs(result.notebook.cells[r.index].get('outputs', [])))
            _emit({'records': list(records.values()), 'outputs': {str(k): v for k, v in outputs.items()},
                   'passes': passes + 1, 'notes': notes})
            state['served'] = True
            serve(runner, job)

        result = execute_notebook(_notebook(job, indices), cwd=job['cwd'], timeout=job['timeout'],
                                  stop_on_error=False, output_limit=job['output_limit'], after=after)
        passes += 1
        if state['served']:
            return
        first = next(k for k, r in enumerate(result.cells) if r.kind in CRASH_KINDS)
        # Cells up to the crash ran with their state: their first record counts. The ones after it
        # ran in a restarted kernel: they run again in the next pass, without the crashed cell.
        for r in result.cells[:first + 1]:
            i = indices[r.index]
            records.setdefault(i, _record(r, i))
            outputs.setdefault(i, _capped_outputs(result.notebook.cells[r.index].get('outputs', [])))
        excluded.add(indices[result.cells[first].index])
        notes.append(f'cell {indices[result.cells[first].index] + 1} of the run: {result.cells[first].kind}; '
                     f'pass {passes + 1} runs the other cells again without it')


def run_tests(job: dict) -> None:
    result = execute_notebook(_notebook(job, list(range(len(job['cells'])))), cwd=job['cwd'],
                              timeout=job['timeout'], stop_on_error=False, output_limit=job['output_limit'])
    _emit({'records': [_record(r, r.index) for r in result.cells],
           'outputs': {str(r.index): _capped_outputs(result.notebook.cells[r.index].get('outputs', []))
                       for r in result.cells},
           'passes': 1, 'notes': []})


def main() -> int:
    job = json.loads(sys.stdin.read())
    try:
        (run_student if job['role'] == 'student' else run_tests)(job)
    except KernelStartError as e:
        _emit({'kernel_error': str(e)[:MESSAGE_LIMIT]})
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
