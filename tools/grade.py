#!/usr/bin/python3
"""Autograde student submissions of a TypeScript (tslab) assignment notebook, nbgrader style.

    /usr/bin/python3 tools/grade.py --source assignments/source/01-adam.ipynb SUBMISSION...
        [--out DIR] [--timeout SEC] [--max-seconds SEC] [--on-tamper zero|regrade] [--jobs N]
        [--skip-invalid]

SUBMISSION is a notebook or a folder; a folder contributes every *.ipynb directly inside it (not
recursive; hidden files skipped). The student id is the file name without `.ipynb`
(`submissions/alice.ipynb` -> `alice`); two submissions with the same id are a usage error.

What is executed. The submission is never modified and never executed as it is: a grading notebook
is assembled in the SOURCE's cell order, where
- every locked cell (setup, helpers, instructions) and every graded test cell comes from the source
  notebook, hidden tests included, whatever the student did to it (edited, deleted, moved);
- every solution cell (matched by nbgrader grade_id) comes from the submission;
- cells the student added run where they were, after the known cell that preceded them.
It runs on a cold tslab kernel through tools/nbrun.py, one cell at a time with a per-cell timeout,
continuing after failures. When a cell times out or kills the kernel, the kernel is restarted and
the cells before it (except graded tests and cells that already hung) are replayed, so the cells
after it run with their state; a submission gets no new replay pass once it has used --max-seconds.
Worst case per submission: about max-seconds + (code cells x timeout) + kernel starts.

Scoring. Each graded test cell scores its full points if it finishes without an error, 0 otherwise
(type error, exception, timeout, dead kernel, uncaught asynchronous error, not run). A locked cell
whose content, type or nbgrader flags differ from the release (checked with nbgrader's checksum),
or that was deleted, is reported as tampered; a tampered graded cell scores 0 with
--on-tamper zero (the default; the report says whether the original test passed) or is graded
normally with --on-tamper regrade. A missing solution cell is reported; the tests that need it fail.

Output, in --out (default assignments/autograded/<assignment>/), all written atomically:
  <student>.json          the full report (per-test points and reasons, problems, timing)
  <student>.txt           a readable summary
  <student>.graded.ipynb  the executed grading notebook (contains hidden tests: instructors only)
  grades.csv              one row per student graded into this folder from the same source version

Malformed input (a file that is missing, not JSON, not a notebook or not valid against the
notebook schema; a folder without notebooks) is reported on stderr before any kernel starts, and
nothing is written for it. By default the whole run stops there (exit 2, nothing written at all);
with --skip-invalid the valid submissions are graded and the run exits 1. A valid notebook that
lacks the assignment's cells is graded: missing solution cells are reported, deleted locked cells
are re-inserted from the source (and count as tampered).

The machine, not the student: if the kernel cannot start, or one of the source's own cells fails
before any student code ran (lib not built, a package missing), the submission is retried once;
if it fails again nothing is written for it and the run exits 2.

Isolation (tools/grade_run.py, tools/sandbox.py): each submission runs in two bubblewrap sandboxes,
its own code in one kernel and the source's tests in another; see assignments/README.md. Before
grading, one sandbox is started as a self-test: where bubblewrap is missing or cannot create its
namespaces, grade refuses (exit 2) and says why, instead of scoring every submission 0.
--unsandboxed runs both kernels with the grader's own permissions (trusted work only).

Exit codes: 0 every submission graded (whatever the scores), 1 some inputs skipped
(--skip-invalid), 2 usage error, malformed input, invalid source, or the grading environment
failed (kernel, the source's setup cells).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import copy
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assign import REPO, SourceError, assignment_name, notebook_text, read_source, release_notebook, write_atomic  # noqa: E402
from nbgrader_meta import (  # noqa: E402
    BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, RegionError, cell_source, regions, replace_regions, compute_checksum, file_sha256, grade_id, is_grade, is_locked, is_solution,
    nbgrader_meta, nbgrader_release_source, normalize_source,
)
import grade_run  # noqa: E402
import sandbox  # noqa: E402
from nbrun import CellRecord, KernelStartError, NotebookLoadError, load_notebook, parse_notebook  # noqa: E402

REPORT_VERSION = 1
DEFAULT_TIMEOUT = 60
DEFAULT_MAX_SECONDS = 300
MESSAGE_LIMIT = 4000      # characters of a diagnostic kept in the report
OUTPUT_LIMIT = 20000      # characters of stream output kept per cell in the graded notebook
FAILED_KINDS = ('timeout', 'dead-kernel')

TEST, SOLUTION, LOCKED, STUDENT = 'test', 'solution', 'locked', 'student'


class UsageError(ValueError):
    """Bad command line or malformed input: exit code 2."""


class EnvironmentFailure(RuntimeError):
    """A cell of the source failed before any student code ran: the machine, not the student."""


@dataclass
class Problem:
    """Something the report tells the instructor (and the student) about a submission."""
    kind: str                  # e.g. 'tampered', 'missing-solution', 'timeout'
    severity: str              # 'error', 'warning' or 'info'
    where: str                 # 'notebook', a cell description, a path
    message: str
    details: Optional[str] = None
    source_line: Optional[str] = None
    seconds: Optional[float] = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# The assignment: source notebook, its release, and the role of every grade_id


@dataclass
class Assignment:
    path: Path
    name: str
    sha256: str
    source: Any      # the source notebook (solutions, hidden tests)
    release: Any     # what tools/assign.py gives students
    order: list[str] = field(default_factory=list)         # grade_ids in source order
    cells: dict[str, Any] = field(default_factory=dict)    # grade_id -> source cell
    released: dict[str, Any] = field(default_factory=dict)  # grade_id -> release cell
    stubs: dict[str, str] = field(default_factory=dict)     # solution grade_id -> its test-kernel stub
    functions: list[str] = field(default_factory=list)      # functions the solution cells define

    def role(self, grade_id: str) -> str:
        cell = self.cells[grade_id]
        return TEST if is_grade(cell) else SOLUTION if is_solution(cell) else LOCKED

    @property
    def tests(self) -> list[str]:
        return [g for g in self.order if self.role(g) == TEST]

    def points(self, grade_id: str) -> float:
        return float(self.cells[grade_id].metadata['nbgrader']['points'])


FUNCTION_HEADER = re.compile(r'^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]')


def remote_stub(cell: Any, gid: str) -> tuple[str, list[str]]:
    """The test kernel's version of a solution cell: each solution region becomes a call of the same
    function in the student's kernel. Returns (source, function names). SourceError unless every
    region is the body of a named function (the grader can only call functions across kernels)."""
    source = cell_source(cell)
    names: list[str] = []

    def stub(lines: list[str], begin: int) -> list[str]:
        header = next((m for m in (FUNCTION_HEADER.match(l) for l in reversed(lines[:begin])) if m), None)
        if header is None or lines[begin - 1].rstrip()[-1:] != '{':
            raise SourceError(f"solution cell '{gid}': line {begin + 1}: the grader calls the student's code from "
                              'a kernel of its own, so each solution region must be the whole body of a named '
                              'function (function name(...) { // BEGIN SOLUTION ... // END SOLUTION })')
        names.append(header.group(1))
        return [f'return d2lGraderRemote({json.dumps(header.group(1))}, arguments);']
    try:
        text = replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, gid, stub)
    except RegionError as e:
        raise SourceError(str(e)) from None
    if not names:
        raise SourceError(f"solution cell '{gid}': no // BEGIN SOLUTION region (the grader needs the function around it)")
    return text, names


def load_assignment(path: Path) -> Assignment:
    """Read the source once (its bytes are hashed and parsed: what is graded is what was verified)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise SourceError(f'{path}: cannot read: {e.strerror}') from None
    nb = read_source(path, data)  # raises SourceError
    sha = hashlib.sha256(data).hexdigest()
    a = Assignment(path=path, name=assignment_name(path), sha256=sha, source=nb,
                   release=release_notebook(nb, assignment_name(path), sha))
    for src, rel in zip(nb.cells, a.release.cells):
        meta = nbgrader_meta(src)
        if meta is not None:
            a.order.append(meta['grade_id'])
            a.cells[meta['grade_id']] = src
            a.released[meta['grade_id']] = rel
    for gid in a.order:
        if a.role(gid) == SOLUTION:
            a.stubs[gid], names = remote_stub(a.cells[gid], gid)
            a.functions.extend(n for n in names if n not in a.functions)
    return a


# ---------------------------------------------------------------------------------------------
# Assembling the grading notebook


@dataclass
class Slot:
    """One cell of the grading notebook and where it came from."""
    cell: Any
    role: str
    grade_id: Optional[str] = None
    origin: str = 'source'            # 'source' (from the source notebook), 'submission'
    submission_cell: Optional[int] = None  # 1-based position in the submission, counting all cells
    tampered: Optional[str] = None    # why a locked cell counts as tampered

    def describe(self) -> str:
        if self.role == STUDENT:
            return f'cell {self.submission_cell} of the submission (added by the student)'
        if self.role == SOLUTION:
            return f"solution cell '{self.grade_id}'"
        if self.role == TEST:
            return f"test cell '{self.grade_id}'"
        return f"locked cell '{self.grade_id}'"


def released_checksums(a: Assignment, gid: str) -> set[str]:
    """Fingerprints an untouched released copy of a cell may have: the source cell itself, our
    release of it, or nbgrader's (whose test cells drop hidden tests without a note and whose stub
    is assignments/nbgrader_config.py's). All are derived from the SOURCE cell, as nbgrader does."""
    original = a.cells[gid]
    return {compute_checksum(original, normalize=True),
            compute_checksum(a.released[gid], normalize=True),
            compute_checksum(original, normalize=True, source=normalize_source(nbgrader_release_source(original)))}


def tamper_reason(sub: Optional[Any], a: Assignment, gid: str, same_release: bool) -> Optional[str]:
    """Why the submission's copy of a locked cell does not match what was released (None: it does).

    The check is nbgrader's checksum over source, cell type, flags, grade id and points, with line
    endings and trailing whitespace ignored, against every fingerprint `released_checksums` allows.
    If the submission was released from another version of the source, the fingerprint stored in the
    cell at release time is accepted too, so the instructor's later edits are not blamed on the student.
    """
    if sub is None:
        return 'deleted from the submission'
    expected = released_checksums(a, gid)
    stored = (nbgrader_meta(sub) or {}).get('checksum')
    if not same_release and isinstance(stored, str):
        expected.add(stored)
    if {compute_checksum(sub), compute_checksum(sub, normalize=True)} & expected:
        return None
    released, original = a.released[gid], a.cells[gid]
    reasons = []
    if sub.cell_type != released.cell_type:
        reasons.append(f'cell type changed from {released.cell_type} to {sub.cell_type}')
    text = normalize_source(cell_source(sub))
    allowed = {normalize_source(c) for c in (released.source, original.source, nbgrader_release_source(original))}
    if text not in allowed:
        reasons.append('source changed' if text else 'source deleted')
    flags = lambda c: (is_grade(c), is_solution(c), is_locked(c), (nbgrader_meta(c) or {}).get('points'))  # noqa: E731
    if flags(sub) != flags(released):
        reasons.append('nbgrader metadata changed')
    return ', '.join(reasons) or 'checksum differs'


def is_unchanged_stub(a: Assignment, gid: str, text: str) -> bool:
    """A solution cell still as released (by assign.py or by nbgrader): not attempted."""
    stubs = {normalize_source(a.released[gid].source), normalize_source(nbgrader_release_source(a.cells[gid]))}
    return normalize_source(text) in stubs


def _code_cell(source: str, metadata: Optional[dict] = None) -> Any:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(copy.deepcopy(metadata or {}))
    return cell


def release_problems(a: Assignment, sub: Any) -> tuple[bool, list[Problem]]:
    """(released from this version of the source?, warnings about where the notebook came from)."""
    problems: list[Problem] = []
    info = sub.metadata.get('d2l_assignment')
    released_from = info if isinstance(info, dict) else {}
    same_release = released_from.get('source_sha256') in (None, a.sha256)
    if not same_release:
        problems.append(Problem('other-release', 'warning', 'notebook',
                                'this notebook was released from another version of the source '
                                f'(source sha256 {released_from.get("source_sha256")}); locked cells are '
                                'checked against the fingerprints stored at release time'))
    if released_from.get('name') not in (None, a.name):
        problems.append(Problem('other-assignment', 'warning', 'notebook',
                                f"this notebook was released for assignment '{released_from.get('name')}', "
                                f"it is graded as '{a.name}'"))
    return same_release, problems


def place_cells(a: Assignment, sub: Any) -> tuple[dict[str, tuple[int, Any]], dict[Optional[str], list[Slot]], list[Problem]]:
    """Match the submission's cells to the assignment's by grade_id.

    Returns (grade_id -> (position, cell) of its first copy; grade_id of the preceding known cell ->
    the cells the student added after it; problems). Duplicates of locked cells are dropped; other
    unknown or duplicated cells run as the student's own.
    """
    problems: list[Problem] = []
    placed: dict[str, tuple[int, Any]] = {}
    extras: dict[Optional[str], list[Slot]] = {}
    anchor: Optional[str] = None
    for j, cell in enumerate(sub.cells):
        gid = grade_id(cell)
        if gid in a.cells and gid not in placed:
            placed[gid] = (j, cell)
            anchor = gid
            continue
        where = f'cell {j + 1} of the submission'
        if gid in a.cells:
            if a.role(gid) != SOLUTION:
                problems.append(Problem('duplicate-locked-cell', 'warning', where,
                                        f"a second copy of locked cell '{gid}': ignored"))
                continue
            problems.append(Problem('duplicate-solution-cell', 'warning', where,
                                    f"a second cell with grade_id '{gid}': it runs as a cell of the student's own"))
        elif gid is not None:
            problems.append(Problem('unknown-grade-id', 'warning', where,
                                    f"grade_id '{gid}' is not in the source: it runs as a cell of the "
                                    "student's own and earns no points"))
        if cell.cell_type == 'code':
            new = _code_cell(cell_source(cell))
        else:  # markdown and raw cells are kept for reading, never executed
            new = copy.deepcopy(cell)
            new.metadata = {}
        extras.setdefault(anchor, []).append(Slot(new, STUDENT, origin='submission', submission_cell=j + 1))
    return placed, extras, problems


def solution_slot(a: Assignment, gid: str, got: Optional[tuple[int, Any]], problems: list[Problem]) -> Optional[Slot]:
    """The slot of a solution cell, from the submission (None when it has none)."""
    where = f"solution cell '{gid}'"
    if got is None:
        problems.append(Problem('missing-solution', 'error', where,
                                f"the submission has no cell with grade_id '{gid}' (deleted, or its metadata "
                                'changed); unless its code is in another cell, the tests that use it fail'))
        return None
    j, cell = got
    text = cell_source(cell)
    if cell.cell_type != 'code':
        problems.append(Problem('solution-not-code', 'error', where,
                                f'the solution cell was turned into a {cell.cell_type} cell, so it does not run'))
        kept = copy.deepcopy(cell)
        kept.metadata = {}
        return Slot(kept, SOLUTION, gid, origin='submission', submission_cell=j + 1)
    if is_unchanged_stub(a, gid, text):
        problems.append(Problem('not-attempted', 'info', where, 'unchanged since release'))
    meta = {'nbgrader': copy.deepcopy(a.cells[gid].metadata['nbgrader'])}
    return Slot(_code_cell(text, meta), SOLUTION, gid, origin='submission', submission_cell=j + 1)


def locked_slot(a: Assignment, gid: str, got: Optional[tuple[int, Any]], check: bool, same_release: bool,
                problems: list[Problem]) -> Slot:
    """A locked or test cell: always the source's copy; `check`: compare the submission's copy with it."""
    cell = copy.deepcopy(a.cells[gid])
    if cell.cell_type == 'code':
        cell.outputs, cell.execution_count = [], None
    role = a.role(gid)
    slot = Slot(cell, role, gid, origin='source', submission_cell=got[0] + 1 if got else None)
    slot.tampered = tamper_reason(got[1] if got else None, a, gid, same_release) if check else None
    if slot.tampered:
        problems.append(Problem('tampered', 'error' if role == TEST else 'warning', slot.describe(),
                                f'locked cell {slot.tampered}; the original from the source was used'))
    return slot


def assemble(a: Assignment, sub: Any) -> tuple[list[Slot], list[Problem]]:
    """The grading notebook's cells for a submission, and the problems found on the way."""
    same_release, problems = release_problems(a, sub)
    placed, extras, placing = place_cells(a, sub)
    problems += placing
    foreign = not placed  # none of the assignment's cells: a wrong file, or code pasted into a new notebook
    if foreign:
        problems.append(Problem('no-assignment-cells', 'error', 'notebook',
                                f"none of the cells of assignment '{a.name}' (by nbgrader grade_id) are in this "
                                'notebook: is it the right file? Its cells ran where the solution belongs'))
    # Cells before any known cell go first; in a foreign notebook all its cells do, placed where the
    # first solution cell belongs (after the setup they presumably rely on).
    lead = list(extras.get(None, []))
    slots = [] if foreign else lead
    for gid in a.order:
        role = a.role(gid)
        if foreign and lead and role in (SOLUTION, TEST):
            slots.extend(lead)
            lead = []
        if role == SOLUTION:
            slot = solution_slot(a, gid, placed.get(gid), problems)
            if slot is not None:
                slots.append(slot)
        else:
            slots.append(locked_slot(a, gid, placed.get(gid), not foreign, same_release, problems))
        slots.extend(extras.get(gid, []))
    return slots, problems


# ---------------------------------------------------------------------------------------------
# Execution: nbrun, plus replay after a timeout or a dead kernel


@dataclass
class Execution:
    records: dict[int, CellRecord]       # slot index -> record of the run that counts
    outputs: dict[int, list]             # slot index -> outputs of that run
    passes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    limit_hits: list[str] = field(default_factory=list)


def split_sides(a: Assignment, slots: list[Slot]) -> tuple[grade_run.Side, grade_run.Side]:
    """The student's kernel runs every code cell but the tests; the test kernel runs the source's
    locked and test cells, with the solution cells replaced by calls into the student's kernel."""
    student = grade_run.Side('student', [], [])
    tests = grade_run.Side('tests', [], [])
    for i, slot in enumerate(slots):
        if slot.cell.cell_type != 'code' or slot.role == TEST:
            continue
        student.cells.append(slot.cell.source)
        student.slots.append(i)
    by_id = {s.grade_id: i for i, s in enumerate(slots) if s.role in (LOCKED, TEST)}
    for gid in a.order:
        if a.role(gid) == SOLUTION:
            tests.cells.append(a.stubs[gid])
            tests.slots.append(None)
        elif a.cells[gid].cell_type == 'code' and gid in by_id:
            tests.cells.append(slots[by_id[gid]].cell.source)
            tests.slots.append(by_id[gid])
    return student, tests


def execute_slots(a: Assignment, slots: list[Slot], timeout: float, max_seconds: float, sandboxed: bool,
                  limits: sandbox.Limits, workdir: Path) -> Execution:
    """Run a submission's two kernels and collect the record of every code cell."""
    t0 = time.monotonic()
    student, tests = split_sides(a, slots)
    r = grade_run.run(student, tests, metadata=dict(a.source.metadata), timeout=timeout, max_seconds=max_seconds,
                      sandboxed=sandboxed, limits=limits, functions=a.functions, slot_count=len(slots),
                      workdir=workdir)
    if r.wire_failure is not None:
        raise EnvironmentFailure(f"the grader's own cells failed in the test kernel: {r.wire_failure[:300]}")
    ex = Execution(records={}, outputs=r.outputs, passes=r.passes, notes=r.notes + r.limit_hits)
    stopped = '; '.join(r.limit_hits) or 'the kernel gave no record of it'
    for i, slot in enumerate(slots):
        if slot.cell.cell_type != 'code':
            continue
        rec = r.records.get(i)
        if rec is None:
            if slot.role == TEST or not slot.cell.source.strip():
                rec = CellRecord(index=i, run=1, ok=not slot.cell.source.strip(), kind='ok' if not slot.cell.source.strip() else 'not-run',
                                 message='' if not slot.cell.source.strip() else f'not executed: {stopped}')
            else:
                rec = CellRecord(index=i, run=1, ok=True, kind='ok')  # a cell of the student's kernel left unreported
        elif rec.kind == 'timeout' and slot.role != TEST:
            rec.message = (f'did not finish within {timeout:g} s and was stopped; the cells after it ran in a new '
                           'kernel with the cells before it replayed')
        elif slot.role == TEST and not rec.ok and grade_run.DEAD_PHRASE in rec.message:
            rec.kind = 'dead-kernel'
            rec.message = rec.message[rec.message.index(grade_run.DEAD_PHRASE):]
        ex.records[i] = rec
    ex.limit_hits = list(r.limit_hits)
    ex.seconds = time.monotonic() - t0
    return ex


# ---------------------------------------------------------------------------------------------
# Reports


def _trim(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + f'\n... ({len(text) - limit} more characters)'


ERROR_LINE = re.compile(r'^\s*(?:Uncaught)?\w*(?:Error|Exception|Rejection)\b.*?:\s.*$', re.M)
TYPE_LINE = re.compile(r'^\d+:\d+ - .*$', re.M)


def short_reason(rec: CellRecord) -> str:
    """One line saying why a cell failed."""
    if rec.kind in ('timeout', 'dead-kernel', 'not-run'):
        return rec.message.split(';')[0].split('\n')[0]
    msg = rec.message or ''
    types = TYPE_LINE.findall(msg)
    if types:
        return 'type error: ' + '; '.join(t.strip() for t in types[:3]) + (' ...' if len(types) > 3 else '')
    m = ERROR_LINE.search(msg)
    line = m.group(0).strip() if m else next((x.strip() for x in msg.split('\n') if x.strip()), 'failed')
    return ('uncaught asynchronous error: ' if rec.kind == 'uncaught-async' else '') + line[:300]


def _stream_outputs(outputs: list) -> list:
    """Outputs for the graded notebook, with runaway printing cut short."""
    kept, used = [], 0
    for o in outputs:
        o = nbformat.from_dict(copy.deepcopy(o))
        if o.get('output_type') == 'stream':
            text = o.get('text', '')
            if used >= OUTPUT_LIMIT:
                continue
            if used + len(text) > OUTPUT_LIMIT:
                text = text[:OUTPUT_LIMIT - used] + '\n... (output truncated by the grader)\n'
            used += len(text)
            o['text'] = text
        kept.append(o)
    return kept


def check_environment(slots: list[Slot], ex: Execution) -> None:
    """The assignment's own cells that run before any student code cannot fail because of the student:
    if one does (lib not built, kernel broken, a package being reinstalled), grading is meaningless."""
    first_student = next((i for i, s in enumerate(slots) if s.role in (STUDENT, SOLUTION)), len(slots))
    for i in range(first_student):
        rec = ex.records.get(i)
        if rec is not None and not rec.ok:
            raise EnvironmentFailure(f'{slots[i].describe()} of the source failed before any student code ran: '
                                     f'{short_reason(rec)}')


def test_entry(a: Assignment, slot: Slot, rec: CellRecord, on_tamper: str, failed_before: list[str]) -> dict[str, Any]:
    """The report's record of one graded test cell."""
    assert slot.grade_id is not None
    passed = rec.ok
    max_points = a.points(slot.grade_id)
    entry: dict[str, Any] = {
        'grade_id': slot.grade_id, 'points': 0.0, 'max_points': max_points, 'passed': passed,
        'status': 'passed' if passed else 'failed', 'kind': rec.kind,
        'reason': '' if passed else short_reason(rec), 'message': '' if passed else _trim(rec.message),
        'source_line': rec.source_line, 'seconds': rec.seconds,
        'hidden_tests': BEGIN_HIDDEN in a.cells[slot.grade_id].source,
        'tampered': slot.tampered,
    }
    if slot.tampered and on_tamper == 'zero':
        entry.update(status='tampered', passed=False, original_test_passed=passed,
                     reason=f'locked test cell {slot.tampered} (the original test '
                            f'{"passed" if passed else "failed: " + short_reason(rec)})')
    elif passed:
        entry['points'] = max_points
    if not passed and failed_before:
        entry['earlier_failures'] = list(failed_before)
    return entry


def score_tests(a: Assignment, slots: list[Slot], ex: Execution, on_tamper: str,
                problems: list[Problem]) -> list[dict[str, Any]]:
    """Test entries in notebook order; failures of other cells become problems (and explain the tests)."""
    failed_before: list[str] = []  # non-test cells that failed so far, to explain failing tests
    tests = []
    for i, slot in enumerate(slots):
        rec = ex.records.get(i)
        if slot.role == TEST:
            assert rec is not None
            tests.append(test_entry(a, slot, rec, on_tamper, failed_before))
        elif rec is not None and not rec.ok:
            reason = short_reason(rec)
            failed_before.append(f'{slot.describe()}: {reason}')
            problems.append(Problem(rec.kind, 'error' if slot.role != STUDENT else 'warning', slot.describe(),
                                    reason, details=_trim(rec.message), source_line=rec.source_line,
                                    seconds=rec.seconds))
    return tests


def graded_notebook(a: Assignment, slots: list[Slot], ex: Execution, report: dict[str, Any]) -> Any:
    """The executed grading notebook, each cell saying where it came from (instructors only)."""
    graded = nbformat.v4.new_notebook(metadata=copy.deepcopy(dict(a.source.metadata)))
    for i, slot in enumerate(slots):
        cell = copy.deepcopy(slot.cell)
        cell.metadata['grading'] = {'role': slot.role, 'grade_id': slot.grade_id, 'origin': slot.origin,
                                    'submission_cell': slot.submission_cell}
        if slot.tampered:
            cell.metadata['grading']['tampered'] = slot.tampered
        rec = ex.records.get(i)
        if cell.cell_type == 'code':
            cell.outputs = _stream_outputs(ex.outputs.get(i, []))
            if rec is not None:
                cell.metadata['grading'].update(kind=rec.kind, message=_trim(rec.message))
        graded.cells.append(cell)
    graded.metadata['grading_report'] = {k: report[k] for k in ('student', 'score', 'max_score')}
    return graded


def grade_submission(a: Assignment, path: Path, student: str, *, timeout: float, max_seconds: float,
                     on_tamper: str, workdir: Path, sandboxed: bool = True,
                     limits: Optional[sandbox.Limits] = None) -> tuple[dict, Any]:
    """Grade one submission: (report, executed grading notebook). Raises NotebookLoadError.

    The submission is read once; the kernels get copies of its code, never the file."""
    t0 = time.monotonic()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise NotebookLoadError(f'{path}: cannot read: {e.strerror}') from None
    sha = hashlib.sha256(data).hexdigest()
    sub = read_submission(path, data)
    slots, problems = assemble(a, sub)
    limits = limits or sandbox.Limits()
    ex = execute_slots(a, slots, timeout, max_seconds, sandboxed, limits, workdir)
    check_environment(slots, ex)
    tests = score_tests(a, slots, ex, on_tamper, problems)
    for hit in ex.limit_hits:
        problems.append(Problem('limit', 'error', 'notebook', hit))
    report = {
        'report_version': REPORT_VERSION,
        'student': student,
        'assignment': a.name,
        'source': {'path': str(a.path), 'sha256': a.sha256},
        'submission': {'path': str(path), 'sha256': sha},
        'score': sum(t['points'] for t in tests),
        'max_score': sum(t['max_points'] for t in tests),
        'tests': tests,
        'problems': [p.to_dict() for p in problems],
        'execution': {'seconds': round(time.monotonic() - t0, 3), 'passes': ex.passes, 'notes': ex.notes,
                      'sandboxed': sandboxed, 'limits': limits.describe()},
        'settings': {'timeout': timeout, 'max_seconds': max_seconds, 'on_tamper': on_tamper},
    }
    graded = graded_notebook(a, slots, ex, report)
    return redact(a, report), graded


HIDDEN_NOTE = 'a hidden check of this test failed (hidden checks and their messages are not shown)'
STRING_PIECE = re.compile(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"|`([^`]*)`")


def secret_fragments(a: Assignment) -> list[str]:
    """Text of hidden tests and of solution regions that a report must never contain: their lines and
    the text of their string literals (error messages are made from those)."""
    found: set[str] = set()
    for gid in a.order:
        cell = a.cells[gid]
        source = cell_source(cell)
        marks = [(BEGIN_HIDDEN, END_HIDDEN)] if a.role(gid) == TEST else \
            [(BEGIN_SOLUTION, END_SOLUTION)] if a.role(gid) == SOLUTION else []
        visible = set(l.strip() for l in a.released[gid].source.split('\n'))
        lines = source.split('\n')
        for begin, end in marks:
            for b, e in regions(source, begin, end, gid):
                for line in lines[b + 1:e]:
                    text = line.strip()
                    if len(text) >= 12 and text not in visible:
                        found.add(text)
                    for m in STRING_PIECE.finditer(line):
                        literal = next(g for g in m.groups() if g is not None)
                        for piece in re.split(r'\$\{[^}]*\}', literal):
                            if len(piece.strip()) >= 6 and piece.strip() not in ''.join(visible):
                                found.add(piece.strip())
    return sorted(found, key=len, reverse=True)


def redact(a: Assignment, report: dict[str, Any]) -> dict[str, Any]:
    """The report as the student may see it: no text of hidden tests or solution regions."""
    fragments = secret_fragments(a)
    leaks = lambda text: isinstance(text, str) and any(f in text for f in fragments)  # noqa: E731
    for t in report['tests']:
        for key in ('message', 'reason', 'source_line'):
            if leaks(t.get(key)):
                t[key] = None if key == 'source_line' else HIDDEN_NOTE
        if 'earlier_failures' in t:
            t['earlier_failures'] = [HIDDEN_NOTE if leaks(e) else e for e in t['earlier_failures']]
    for x in report['problems']:
        for key in ('message', 'details', 'source_line'):
            if leaks(x.get(key)):
                x[key] = None if key != 'message' else '(not shown: it quotes the instructor\'s code)'
    report['execution']['notes'] = [n for n in report['execution']['notes'] if not leaks(n)]
    return report


SUMMARY_PROBLEMS = 20     # problems listed in a summary
SUMMARY_LINE = 300        # characters of each listed message


def summary_text(r: dict) -> str:
    out = io.StringIO()
    p = lambda s='': print(s, file=out)  # noqa: E731
    p(f"Assignment {r['assignment']}: {r['student']}")
    p(f"Score: {r['score']:g} / {r['max_score']:g}")
    p()
    width = max((len(t['grade_id']) for t in r['tests']), default=10)
    for t in r['tests']:
        mark = {'passed': 'PASS', 'failed': 'FAIL', 'tampered': 'TAMP'}[t['status']]
        hidden = ' (has hidden tests)' if t['hidden_tests'] else ''
        p(f"  {mark}  {t['points']:g}/{t['max_points']:g}  {t['grade_id']:<{width}}{hidden}")
        if t['status'] != 'passed':
            p(f"        {str(t['reason'])[:SUMMARY_LINE]}")
            for e in t.get('earlier_failures', [])[:3]:
                p(f'        (earlier: {str(e)[:SUMMARY_LINE]})')
    shown = [x for x in r['problems'] if x['severity'] != 'info'] + [x for x in r['problems'] if x['severity'] == 'info']
    if shown:
        p()
        p('Problems:')
        for x in shown[:SUMMARY_PROBLEMS]:
            p(f"  - [{x['severity']}] {x['kind']}: {x['where']}: {str(x['message'])[:SUMMARY_LINE]}")
        if len(shown) > SUMMARY_PROBLEMS:
            p(f'  ... and {len(shown) - SUMMARY_PROBLEMS} more (see the report)')
    p()
    p(f"Graded in {r['execution']['seconds']:.1f} s ({r['execution']['passes']} kernel pass"
      f"{'es' if r['execution']['passes'] != 1 else ''}); per-cell timeout {r['settings']['timeout']:g} s.")
    for note in r['execution']['notes']:
        p(f'  {note}')
    return out.getvalue()


MANIFEST = '.grades-manifest.json'  # student -> sha256 of the report the grader wrote


def _report_sha(text: str) -> str:
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def write_csv(out_dir: Path, a: Assignment, written: dict[str, tuple[dict, str]]) -> tuple[Path, int]:
    """grades.csv from the grader's own records: this run's reports (`written`: student -> (report,
    its JSON text)), plus earlier runs' reports into this folder whose file still has the hash the
    grader recorded for it when it wrote it. A report edited since, or one the grader never wrote,
    is left out (and named), whatever it says."""
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding='utf-8'))
        manifest = manifest if isinstance(manifest, dict) else {}
    except (OSError, ValueError):
        manifest = {}
    rows: dict[str, dict] = {}
    ignored, other_version = [], []
    for f in sorted(out_dir.glob('*.json')):
        student = f.name[:-len('.json')]
        if student in written or f.name.startswith('.'):  # the manifest itself (pathlib's glob matches dot files)
            continue
        try:
            text = f.read_text(encoding='utf-8')
            r = json.loads(text)
        except (OSError, ValueError):
            ignored.append(f.name)
            continue
        entry = manifest.get(student)
        if not isinstance(entry, dict) or entry.get('sha256') != _report_sha(text) or not isinstance(r, dict) \
                or r.get('student') != student:
            ignored.append(f.name)
            continue
        if r.get('assignment') != a.name or r.get('source', {}).get('sha256') != a.sha256:
            other_version.append(f.name)
            continue
        rows[student] = r
    for student, (r, text) in written.items():
        rows[student] = r
        manifest[student] = {'sha256': _report_sha(text)}
    manifest = {k: v for k, v in manifest.items() if (out_dir / f'{k}.json').exists() or k in written}
    if ignored:
        print(f'grade: warning: {len(ignored)} report(s) in {out_dir} were not written by the grader as they are '
              f'now (edited, or planted) and are left out of grades.csv: {", ".join(ignored)}', file=sys.stderr)
    if other_version:
        print(f'grade: note: {len(other_version)} report(s) in {out_dir} graded another version of the source and '
              f'are left out of grades.csv: {", ".join(other_version)}', file=sys.stderr)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\n')
    w.writerow(['student', 'score', 'max_score'] + a.tests + ['problems', 'submission_sha256'])
    for student in sorted(rows):
        r = rows[student]
        points = {t['grade_id']: t['points'] for t in r['tests']}
        problems = '; '.join(f"{x['kind']}: {x['where']}" for x in r['problems'] if x['severity'] != 'info')
        w.writerow([r['student'], f"{r['score']:g}", f"{r['max_score']:g}"]
                   + [f'{points.get(g, 0):g}' for g in a.tests] + [problems, r['submission']['sha256']])
    path = out_dir / 'grades.csv'
    write_atomic(manifest_path, json.dumps(manifest, indent=1, sort_keys=True) + '\n')
    write_atomic(path, buf.getvalue())
    return path, len(rows)


# ---------------------------------------------------------------------------------------------
# CLI


MAX_SUBMISSION_BYTES = 16 << 20  # a notebook of this assignment is a few kB; larger is a mistake or an attack


def read_submission(path: Path, data: Optional[bytes] = None) -> Any:
    """Load a submission (from `data` if already read) and check it against the notebook schema;
    NotebookLoadError if unusable."""
    try:
        size = len(data) if data is not None else path.stat().st_size
    except OSError:
        size = 0  # load_notebook names the problem
    if size > MAX_SUBMISSION_BYTES:
        raise NotebookLoadError(f'{path}: {size / (1 << 20):.1f} MiB is too large for a notebook of this assignment '
                                f'(limit {MAX_SUBMISSION_BYTES >> 20} MiB): remove large outputs or attachments')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # e.g. nbformat's MissingIDFieldWarning: harmless here
        nb = load_notebook(path) if data is None else parse_notebook(data, str(path))
        try:
            nbformat.validate(copy.deepcopy(nb))
        except RecursionError:
            raise NotebookLoadError(f'{path}: malformed notebook: nested too deeply to be a notebook') from None
        except nbformat.ValidationError as e:
            first = str(e).strip().split('\n')[0]
            raise NotebookLoadError(f'{path}: not a valid notebook: {first}') from None
    return nb


def find_submissions(args: list[str]) -> tuple[list[tuple[str, Path]], list[str]]:
    """(student id, path) for every submission; the errors of inputs that are unusable."""
    found: list[tuple[str, Path]] = []
    errors: list[str] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            files = sorted(q for q in p.glob('*.ipynb') if not q.name.startswith('.') and q.is_file())
            if not files:
                errors.append(f'{arg}: no .ipynb files in this folder')
            found.extend((q.name[:-len('.ipynb')], q) for q in files)
        else:
            stem = p.name[:-len('.ipynb')] if p.name.endswith('.ipynb') else p.stem
            found.append((stem, p))
    return found, errors


def _grade_job(job: tuple) -> tuple[str, Optional[dict], Optional[str], Optional[str]]:
    """Worker: (student, report, graded notebook text, error)."""
    a, path, student, opts = job
    for attempt in (1, 2):
        try:
            report, graded = grade_submission(a, path, student, **opts)
            return student, report, notebook_text(graded), None
        except KernelStartError as e:
            return student, None, None, f'kernel: {e}'
        except NotebookLoadError as e:
            return student, None, None, str(e)
        except EnvironmentFailure as e:
            if attempt == 2:
                return student, None, None, f'{e} (twice; check the setup: npm run build, the tslab kernelspec)'
            time.sleep(5)  # perhaps transient (the lib being rebuilt): one more try
    raise AssertionError('unreachable')


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog='grade.py', formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Autograde submissions of a tslab assignment notebook against the tests of its source.',
        epilog='Student id = file name without .ipynb. Outputs per student: <id>.json, <id>.txt, '
               '<id>.graded.ipynb (contains hidden tests), plus grades.csv.\n'
               'Exit codes: 0 all graded, 1 some inputs skipped (--skip-invalid), 2 usage error, malformed '
               'input, invalid source or kernel failure.')
    ap.add_argument('submissions', nargs='+', metavar='SUBMISSION', help='notebooks or folders of notebooks')
    ap.add_argument('--source', required=True, metavar='NOTEBOOK', help='the source notebook (with solutions and hidden tests)')
    ap.add_argument('--out', metavar='DIR', help='output folder (default: assignments/autograded/<assignment>)')
    ap.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT,
                    help=f'seconds per cell (default: {DEFAULT_TIMEOUT})')
    ap.add_argument('--max-seconds', type=float, default=DEFAULT_MAX_SECONDS,
                    help='time budget per submission: no new replay pass after it (default: %(default)s)')
    ap.add_argument('--on-tamper', choices=('zero', 'regrade'), default='zero',
                    help='a tampered graded cell scores 0 (default) or is graded from the original')
    ap.add_argument('--jobs', type=int, default=1, help='submissions graded in parallel (default: 1)')
    ap.add_argument('--skip-invalid', action='store_true',
                    help='grade the valid submissions even if some inputs are malformed (exit 1)')
    ap.add_argument('--unsandboxed', action='store_true',
                    help='run student code without the bubblewrap sandbox, with your own permissions '
                         '(only for trusted work, or where bubblewrap cannot run)')
    args = ap.parse_args(argv)

    try:
        if args.timeout <= 0 or args.max_seconds <= 0 or args.jobs < 1:
            raise UsageError('--timeout and --max-seconds must be > 0, --jobs >= 1')
        if not args.unsandboxed:
            if sandbox.bwrap_path() is None:
                raise UsageError(sandbox.missing_message())
            broken = sandbox.self_test(sandbox.Limits(), grade_run.PYTHON, REPO / 'build' / 'grading',
                                       grade_run.INSIDE / 'work')
            if broken:
                raise UsageError(broken)
        try:
            a = load_assignment(Path(args.source))
        except SourceError as e:
            raise UsageError(f'invalid source: {e}') from None
        out_dir = Path(args.out) if args.out else REPO / 'assignments' / 'autograded' / a.name
        subs, errors = find_submissions(args.submissions)
        ids: dict[str, Path] = {}
        valid: list[tuple[str, Path]] = []
        for student, path in subs:
            if student in ids:
                raise UsageError(f'student id {student!r} twice: {ids[student]} and {path}')
            ids[student] = path
            if path.resolve().parent == out_dir.resolve():
                raise UsageError(f'{path}: the output folder must not be the folder of the submissions')
            try:
                read_submission(path)
                valid.append((student, path))
            except NotebookLoadError as e:
                errors.append(f'{e} (nothing written for {student!r})')
        if errors and not args.skip_invalid:
            raise UsageError('\n'.join(errors + ['nothing graded: fix or remove these inputs, or pass --skip-invalid']))
    except UsageError as e:
        for line in str(e).split('\n'):
            print(f'grade: error: {line}', file=sys.stderr)
        return 2
    for line in errors:
        print(f'grade: error: {line}', file=sys.stderr)

    if args.unsandboxed:
        print('grade: warning: --unsandboxed: student code runs with your permissions and can read and change '
              'your files, the source notebooks and other submissions; grade only trusted work this way',
              file=sys.stderr, flush=True)
    opts = {'timeout': args.timeout, 'max_seconds': args.max_seconds, 'on_tamper': args.on_tamper,
            'workdir': REPO / 'build' / 'grading', 'sandboxed': not args.unsandboxed}
    jobs = [(a, path, student, opts) for student, path in valid]
    print(f'grading {len(jobs)} submission(s) of {a.name} ({sum(a.points(g) for g in a.tests):g} points, '
          f'{len(a.tests)} test cells) into {out_dir}', flush=True)
    t0 = time.monotonic()
    failed_setup = False
    written: dict[str, tuple[dict, str]] = {}

    def handle(result: tuple) -> None:
        nonlocal failed_setup
        student, report, graded_text, error = result
        if error is not None:
            print(f'grade: error: {student}: {error} (nothing written for {student!r})', file=sys.stderr, flush=True)
            failed_setup = True
            return
        assert report is not None and graded_text is not None
        out_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report, indent=2, ensure_ascii=False) + '\n'
        write_atomic(out_dir / f'{student}.graded.ipynb', graded_text)
        write_atomic(out_dir / f'{student}.txt', summary_text(report))
        write_atomic(out_dir / f'{student}.json', text)
        written[student] = (report, text)
        failed = [t['grade_id'] for t in report['tests'] if t['status'] != 'passed']
        serious = [x for x in report['problems'] if x['severity'] == 'error']
        print(f"  {student}: {report['score']:g}/{report['max_score']:g}"
              + (f" (not passed: {', '.join(failed)})" if failed else '')
              + (f' [{len(serious)} problem(s)]' if serious else '')
              + f" {report['execution']['seconds']:.1f} s", flush=True)

    if args.jobs == 1 or len(jobs) <= 1:
        for job in jobs:
            handle(_grade_job(job))
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for result in pool.map(_grade_job, jobs):
                handle(result)
    if jobs and out_dir.exists():
        path, n = write_csv(out_dir, a, written)
        print(f'wrote {path} ({n} student(s)) in {time.monotonic() - t0:.1f} s', flush=True)
    if failed_setup:
        return 2
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
