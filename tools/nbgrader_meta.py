"""nbgrader's cell metadata, checksums and marker regions: the one definition assign.py and grade.py share.

A cell's `metadata.nbgrader` is `{grade, solution, locked, points, grade_id, schema_version: 3}` as in
nbgrader. The checksum is nbgrader's (nbgrader/utils.py compute_checksum), so fingerprints written by
either tool can be compared. `nbgrader_release_source` reproduces what nbgrader's generate_assignment
makes of one source cell (ClearSolutions with the stub of assignments/nbgrader_config.py, then
ClearHiddenTests), so the grader can accept a release made by nbgrader as well as one made by assign.py.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Optional

BEGIN_SOLUTION, END_SOLUTION = '// BEGIN SOLUTION', '// END SOLUTION'
BEGIN_HIDDEN, END_HIDDEN = '// BEGIN HIDDEN TESTS', '// END HIDDEN TESTS'
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
HIDDEN_PLACEHOLDER = '// Hidden tests run here when your notebook is graded.'
STUB = "throw new Error('Not implemented: {name} — replace this line with your solution');"
# The code stub assignments/nbgrader_config.py gives nbgrader for TypeScript (a test checks they agree).
NBGRADER_STUB = "// YOUR CODE HERE\nthrow new Error('Not implemented');"
GRADE_ID = re.compile(r'^[A-Za-z0-9_-]+$')  # nbgrader's rule for grade ids


class RegionError(ValueError):
    """Unbalanced or nested BEGIN/END markers."""


def nbgrader_meta(cell: Any) -> Optional[dict]:
    meta = cell.get('metadata', {}).get('nbgrader')
    return meta if isinstance(meta, dict) else None


def grade_id(cell: Any) -> Optional[str]:
    gid = (nbgrader_meta(cell) or {}).get('grade_id')
    return gid if isinstance(gid, str) else None


def is_grade(cell: Any) -> bool:
    return bool((nbgrader_meta(cell) or {}).get('grade', False))


def is_solution(cell: Any) -> bool:
    return bool((nbgrader_meta(cell) or {}).get('solution', False))


def is_locked(cell: Any) -> bool:
    """nbgrader's rule: solution cells are never locked, graded cells always are."""
    meta = nbgrader_meta(cell)
    if meta is None or is_solution(cell):
        return False
    return True if is_grade(cell) else bool(meta.get('locked', False))


def cell_source(cell: Any) -> str:
    source = cell.get('source', '')
    return ''.join(source) if isinstance(source, list) else str(source)


def normalize_source(source: str) -> str:
    """What counts as the same cell text: line endings and trailing whitespace are not compared."""
    lines = source.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    return '\n'.join(line.rstrip() for line in lines).strip('\n')


def checksum_of(source: str, cell_type: str, grade: bool, solution: bool, locked: bool, gid: str,
                points: Any = None) -> str:
    """nbgrader's md5 over source, cell type, the three flags, the grade id and (graded) the points."""
    m = hashlib.md5()
    for part in (source, cell_type, str(grade), str(solution), str(locked), gid):
        m.update(part.encode('utf-8'))
    if grade:
        m.update(str(float(points or 0)).encode('utf-8'))
    return m.hexdigest()


def compute_checksum(cell: Any, *, normalize: bool = False, source: Optional[str] = None) -> str:
    """nbgrader's checksum of `cell` (utils.compute_checksum); `source` replaces the cell's text."""
    meta = nbgrader_meta(cell) or {}
    text = cell_source(cell) if source is None else source
    return checksum_of(normalize_source(text) if normalize else text, str(cell.get('cell_type', '')),
                       is_grade(cell), is_solution(cell), is_locked(cell), str(meta.get('grade_id', '')),
                       meta.get('points', 0))


def file_sha256(path: os.PathLike | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def regions(source: str, begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """(begin line, end line) pairs of marker regions, 0-based; RegionError if unbalanced or nested."""
    found, start = [], None
    for n, line in enumerate(source.split('\n')):
        text = line.strip()
        if text == begin:
            if start is not None:
                raise RegionError(f'{where}: line {n + 1}: "{begin}" inside another region (opened on line {start + 1})')
            start = n
        elif text == end:
            if start is None:
                raise RegionError(f'{where}: line {n + 1}: "{end}" without "{begin}"')
            found.append((start, n))
            start = None
    if start is not None:
        raise RegionError(f'{where}: line {start + 1}: "{begin}" is never closed by "{end}"')
    return found


def has_marker(source: str, marker: str) -> bool:
    return any(line.strip() == marker for line in source.split('\n'))


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def replace_regions(source: str, begin: str, end: str, where: str, stub: Any) -> str:
    """Replace every begin..end region (markers included) by `stub(lines, begin_line)` lines, indented
    like the begin marker."""
    lines = source.split('\n')
    out: list[str] = []
    pos = 0
    for b, e in regions(source, begin, end, where):
        out.extend(lines[pos:b])
        out.extend(_indent(lines[b]) + s for s in stub(lines, b))
        pos = e + 1
    out.extend(lines[pos:])
    return '\n'.join(out)


def nbgrader_release_source(cell: Any) -> str:
    """The text nbgrader 0.9's generate_assignment releases for a source cell: solution regions become
    NBGRADER_STUB (a solution cell without regions becomes the stub), hidden-test regions vanish."""
    source, where = cell_source(cell), grade_id(cell) or 'cell'
    if is_solution(cell):
        if not regions(source, BEGIN_SOLUTION, END_SOLUTION, where):
            return NBGRADER_STUB
        return replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, where, lambda _l, _b: NBGRADER_STUB.split('\n'))
    if is_grade(cell):
        return replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, where, lambda _l, _b: [])
    return source
