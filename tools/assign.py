#!/usr/bin/python3
"""Make the student release of nbgrader-style TypeScript assignment notebooks.

A source notebook (assignments/source/*.ipynb) marks its cells the way nbgrader does, in the cell
metadata `nbgrader: {grade, solution, locked, points, grade_id, schema_version: 3}`:

- solution cells (`solution: true`): the reference code between `// BEGIN SOLUTION` and
  `// END SOLUTION` lines is replaced by a stub that compiles and throws
  `Error('Not implemented: <function> — replace this line with your solution')`
  (a solution cell without markers is replaced as a whole);
- graded test cells (`grade: true, locked: true, points: N`): everything between
  `// BEGIN HIDDEN TESTS` and `// END HIDDEN TESTS` is removed (a comment says that hidden tests
  run at grading time);
- locked cells (tests, setup, helpers, read-only instructions): fingerprinted with nbgrader's
  checksum in `nbgrader.checksum`, and marked non-editable/non-deletable for Jupyter.

Outputs and execution counts are cleared. The release records which source it came from in
`metadata.d2l_assignment` ({name, source_sha256}); tools/grade.py uses it to tell a student's edit
from an instructor's later change to the source.

CLI: /usr/bin/python3 tools/assign.py [SOURCE...] [--out DIR] [--force]
  SOURCE  source notebooks or folders of them (default: assignments/source)
  --out   release folder (default: assignments/release); files keep their names
  --force overwrite release files that already exist
Exit codes: 0 released, 1 refused because release files exist (nothing written), 2 usage error or
invalid source (nothing written).
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbgrader_meta import (  # noqa: E402
    BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, GRADE_ID, HIDDEN_PLACEHOLDER, MARKERS, STUB,
    RegionError, compute_checksum, file_sha256, has_marker, is_grade, is_locked, is_solution, nbgrader_meta,
    regions, replace_regions,
)
from nbrun import NotebookLoadError, load_notebook, parse_notebook  # noqa: E402  (the project's notebook reader)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO / 'assignments' / 'source'
DEFAULT_RELEASE = REPO / 'assignments' / 'release'

# "// Test (2 points): ..." on the first line of a test cell must agree with the metadata.
POINTS_HEADER = re.compile(r'^\s*//\s*Test\s*\((\d+(?:\.\d+)?)\s+points?\)', re.I)
# Names for the stub message: the function (or const) a solution region sits in.
ENCLOSING_NAME = re.compile(r'\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=')


class SourceError(ValueError):
    """The source notebook is not a valid assignment (a usage error, exit code 2)."""


def _regions(source: str, begin: str, end: str, where: str) -> list[tuple[int, int]]:
    try:
        return regions(source, begin, end, where)
    except RegionError as e:
        raise SourceError(str(e)) from None


# ---------------------------------------------------------------------------------------------
# Validating a source notebook


def validate_source(nb: Any, name: str) -> list[str]:
    """All the reasons `nb` is not a usable assignment source (empty list: it is)."""
    errors: list[str] = []
    kernel = nb.metadata.get('kernelspec', {})
    if kernel.get('name') != 'tslab' and kernel.get('language') != 'typescript':
        errors.append(f'{name}: the kernel is {kernel.get("name")!r}, not tslab: the stubs and markers are TypeScript')
    seen: dict[str, int] = {}
    graded = 0
    for i, cell in enumerate(nb.cells):
        where = f'{name}: cell {i + 1}'
        source = cell.source
        meta = nbgrader_meta(cell)
        if meta is None:
            if 'nbgrader' in cell.metadata:
                errors.append(f'{where}: metadata "nbgrader" is not an object')
            for marker in MARKERS:
                if has_marker(source, marker):
                    errors.append(f'{where}: "{marker}" in a cell without nbgrader metadata (mark it as a solution or test cell)')
            continue
        where = f'{where} ({meta.get("grade_id", "no grade_id")})'
        grade_id = meta.get('grade_id')
        if not isinstance(grade_id, str) or not GRADE_ID.match(grade_id):
            errors.append(f'{where}: grade_id must be letters, digits, "-" or "_" (got {grade_id!r})')
        elif grade_id in seen:
            errors.append(f'{where}: grade_id {grade_id!r} is also used by cell {seen[grade_id] + 1}')
        else:
            seen[grade_id] = i
        if meta.get('schema_version') != 3:
            errors.append(f'{where}: schema_version must be 3 (got {meta.get("schema_version")!r})')
        for key in ('grade', 'solution', 'locked'):
            if not isinstance(meta.get(key, False), bool):
                errors.append(f'{where}: "{key}" must be true or false')
        grade, solution = is_grade(cell), is_solution(cell)
        if grade and solution:
            errors.append(f'{where}: manually graded answers (grade and solution) are not supported: '
                          'make a solution cell and a separate graded test cell')
        if (grade or solution) and cell.cell_type != 'code':
            errors.append(f'{where}: solution and graded cells must be code cells (this is {cell.cell_type})')
        if grade:
            graded += 1
            points = meta.get('points')
            if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
                errors.append(f'{where}: a graded cell needs "points" > 0 (got {points!r})')
            else:
                header = POINTS_HEADER.match(source.split('\n', 1)[0])
                if header and float(header.group(1)) != float(points):
                    errors.append(f'{where}: the first line says {header.group(1)} points, the metadata {points}')
        try:
            if solution:
                _regions(source, BEGIN_SOLUTION, END_SOLUTION, where)
            elif has_marker(source, BEGIN_SOLUTION) or has_marker(source, END_SOLUTION):
                errors.append(f'{where}: solution markers in a cell that is not a solution cell')
            if grade:
                _regions(source, BEGIN_HIDDEN, END_HIDDEN, where)
            elif has_marker(source, BEGIN_HIDDEN) or has_marker(source, END_HIDDEN):
                errors.append(f'{where}: hidden-test markers in a cell that is not a graded test cell')
        except SourceError as e:
            errors.append(str(e))
    if graded == 0:
        errors.append(f'{name}: no graded cells (nbgrader metadata with "grade": true)')
    return errors


def read_source(path: os.PathLike | str, data: Optional[bytes] = None) -> Any:
    """Load and validate a source notebook (from `data` if the caller read it already); raises
    SourceError with every problem found."""
    try:
        nb = load_notebook(path) if data is None else parse_notebook(data, str(path))
    except NotebookLoadError as e:
        raise SourceError(str(e)) from None
    errors = validate_source(nb, str(path))
    if errors:
        raise SourceError('\n'.join(errors))
    return nb


# ---------------------------------------------------------------------------------------------
# The release transform


def stub_name(lines: list[str], before: int, fallback: str) -> str:
    """The function (or const) a solution region at line `before` sits in: the stub names it."""
    for line in reversed(lines[:before]):
        m = ENCLOSING_NAME.search(line)
        if m:
            return m.group(1) or m.group(2)
    return fallback


def strip_solution(source: str, grade_id: str) -> str:
    """Replace each solution region by a throwing stub (the whole cell if it has no markers)."""
    if not _regions(source, BEGIN_SOLUTION, END_SOLUTION, grade_id):
        return STUB.format(name=grade_id)
    return replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, grade_id,
                           lambda lines, b: [STUB.format(name=stub_name(lines, b, grade_id))])


def strip_hidden_tests(source: str, grade_id: str) -> str:
    """Replace each hidden-test region by a one-line note that hidden tests run at grading time."""
    _regions(source, BEGIN_HIDDEN, END_HIDDEN, grade_id)
    return replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, grade_id, lambda _l, _b: [HIDDEN_PLACEHOLDER])


def release_cell(cell: Any) -> Any:
    """The student's version of one source cell."""
    new = copy.deepcopy(cell)
    meta = nbgrader_meta(new)
    if new.cell_type == 'code':
        new.outputs = []
        new.execution_count = None
    new.metadata.pop('execution', None)
    if meta is None:
        return new
    if is_solution(new):
        new.source = strip_solution(new.source, meta['grade_id'])
    elif is_grade(new):
        new.source = strip_hidden_tests(new.source, meta['grade_id'])
    meta.pop('checksum', None)
    if is_locked(new) or is_solution(new):
        # nbgrader fingerprints solution cells too: an unchanged stub means "not attempted".
        meta['checksum'] = compute_checksum(new)
    if is_locked(new):
        new.metadata['editable'] = False
        new.metadata['deletable'] = False
    return new


def release_notebook(nb: Any, name: str, source_sha256: str) -> Any:
    """The student release of a validated source notebook."""
    out = copy.deepcopy(nb)
    out.cells = [release_cell(c) for c in nb.cells]
    out.metadata['d2l_assignment'] = {'name': name, 'source_sha256': source_sha256}
    for i, cell in enumerate(out.cells):  # belt and braces: nothing of the solutions may leak
        for marker in MARKERS:
            if marker in cell.source:
                raise SourceError(f'{name}: cell {i + 1}: "{marker}" would remain in the release '
                                  '(a marker with extra text on its line?)')
    nbformat.validate(out)
    return out


def assignment_name(path: os.PathLike | str) -> str:
    return Path(path).stem


# ---------------------------------------------------------------------------------------------
# Files


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=str(path.parent))
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='\n') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def notebook_text(nb: Any) -> str:
    return nbformat.writes(nb) + '\n'


def expand_sources(args: list[str]) -> list[Path]:
    paths: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found = sorted(q for q in p.glob('*.ipynb') if not q.name.startswith('.'))
            if not found:
                raise SourceError(f'{arg}: no .ipynb files in this folder')
            paths.extend(found)
        else:
            paths.append(p)
    return paths


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog='assign.py',
        description='Write the student release of assignment notebooks: solutions replaced by stubs, '
                    'hidden tests removed, outputs cleared, locked cells fingerprinted.',
        epilog='Exit codes: 0 released, 1 release files exist (use --force; nothing written), '
               '2 usage error or invalid source (nothing written).')
    ap.add_argument('sources', nargs='*', metavar='SOURCE',
                    help=f'source notebooks or folders (default: {DEFAULT_SOURCE.relative_to(REPO)})')
    ap.add_argument('--out', default=str(DEFAULT_RELEASE), metavar='DIR',
                    help=f'release folder (default: {DEFAULT_RELEASE.relative_to(REPO)})')
    ap.add_argument('--force', action='store_true', help='overwrite existing release files')
    args = ap.parse_args(argv)

    out_dir = Path(args.out)
    try:
        sources = expand_sources(args.sources or [str(DEFAULT_SOURCE)])
        names = [s.name for s in sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SourceError(f'two sources would be released under the same name: {", ".join(dupes)}')
        releases = []
        errors = []
        for src in sources:
            try:
                nb = read_source(src)
                target = out_dir / src.name
                if target.resolve() == src.resolve():
                    raise SourceError(f'{src}: --out would overwrite the source notebook')
                releases.append((src, target, release_notebook(nb, assignment_name(src), file_sha256(src))))
            except SourceError as e:
                errors.append(str(e))
        if errors:
            raise SourceError('\n'.join(errors))
    except SourceError as e:
        for line in str(e).split('\n'):
            print(f'assign: error: {line}', file=sys.stderr)
        print('assign: nothing written', file=sys.stderr)
        return 2

    existing = [t for _, t, _ in releases if t.exists()]
    if existing and not args.force:
        for t in existing:
            print(f'assign: error: {t} exists (use --force to overwrite it)', file=sys.stderr)
        print('assign: nothing written', file=sys.stderr)
        return 1
    for src, target, nb in releases:
        write_atomic(target, notebook_text(nb))
        graded = [c for c in nb.cells if is_grade(c)]
        points = sum(float(c.metadata['nbgrader']['points']) for c in graded)
        print(f'released {src} -> {target} ({len(graded)} graded cells, {points:g} points)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
