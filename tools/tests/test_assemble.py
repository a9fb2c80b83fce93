"""grade.py's pure parts on the real 01-adam assignment: tamper detection and assembling the grading notebook."""
import copy
import hashlib

import nbformat
import pytest

from conftest import SOURCES
from grade import LOCKED, SOLUTION, STUDENT, TEST, assemble, load_assignment, tamper_reason
from nbgrader_meta import compute_checksum, nbgrader_release_source


@pytest.fixture(scope='module')
def adam():
    return load_assignment(SOURCES / '01-adam.ipynb')


def released(a):
    return copy.deepcopy(a.release)


def by_id(nb, gid):
    return next(c for c in nb.cells if (c.metadata.get('nbgrader') or {}).get('grade_id') == gid)


def kinds(problems):
    return sorted(p.kind for p in problems)


def test_checksum_is_nbgraders_md5_of_source_type_flags_id_and_points():
    cell = nbformat.v4.new_code_cell('check()')
    cell.metadata['nbgrader'] = {'grade': True, 'solution': False, 'locked': True, 'grade_id': 't1', 'points': 2}
    assert compute_checksum(cell) == hashlib.md5(b'check()codeTrueFalseTruet12.0').hexdigest()


def test_untouched_release_and_the_source_itself_are_not_tampering(adam):
    rel = released(adam)
    for gid in adam.order:
        if adam.role(gid) != SOLUTION:
            assert tamper_reason(by_id(rel, gid), adam, gid, True) is None, gid
            assert tamper_reason(by_id(adam.source, gid), adam, gid, True) is None, gid


def test_a_test_cell_as_nbgrader_releases_it_is_not_tampering(adam):
    cell = copy.deepcopy(by_id(adam.release, 'test-adam-state'))
    cell.source = nbgrader_release_source(adam.cells['test-adam-state'])
    assert 'Hidden tests run here' not in cell.source
    assert tamper_reason(cell, adam, 'test-adam-state', True) is None


@pytest.mark.parametrize('edit, reason', [
    (lambda c: setattr(c, 'source', c.source + '\nconsole.log(1);'), 'source changed'),
    (lambda c: setattr(c, 'source', ''), 'source deleted'),
    (lambda c: c.metadata['nbgrader'].update(points=1000), 'nbgrader metadata changed'),
    (lambda c: setattr(c, 'cell_type', 'markdown'), 'cell type changed from code to markdown'),
])
def test_edits_of_a_test_cell_are_named(adam, edit, reason):
    cell = copy.deepcopy(by_id(adam.release, 'test-adam-counter'))
    edit(cell)
    assert reason in tamper_reason(cell, adam, 'test-adam-counter', True)


def test_trailing_whitespace_and_crlf_are_not_edits(adam):
    cell = copy.deepcopy(by_id(adam.release, 'test-adam-counter'))
    cell.source = cell.source.replace('\n', '  \r\n')
    assert tamper_reason(cell, adam, 'test-adam-counter', True) is None


def test_assembly_takes_locked_cells_from_the_source_and_keeps_added_cells_in_place(adam):
    sub = released(adam)
    at = sub.cells.index(by_id(sub, 'adam')) + 1
    sub.cells.insert(at, nbformat.v4.new_code_cell('console.log("mine")'))
    by_id(sub, 'test-adam-counter').source = 'console.log("all good")'
    slots, problems = assemble(adam, sub)
    ids = [s.grade_id for s in slots if s.grade_id]
    assert ids == adam.order, 'the source order, every known cell once'
    mine = [i for i, s in enumerate(slots) if s.role == STUDENT and 'mine' in s.cell.source]
    assert len(mine) == 1 and slots[mine[0] - 1].grade_id == 'adam', 'runs after the cell that preceded it'
    counter = next(s for s in slots if s.grade_id == 'test-adam-counter')
    assert counter.role == TEST and counter.cell.source == adam.cells['test-adam-counter'].source
    assert counter.tampered == 'source changed'
    assert kinds(problems) == ['not-attempted', 'tampered']


def test_deleted_reordered_and_duplicated_cells(adam):
    sub = released(adam)
    helpers = by_id(sub, 'test-helpers')
    sub.cells.remove(helpers)
    sub.cells.append(helpers)                         # moved to the end
    sub.cells.append(copy.deepcopy(helpers))          # and duplicated
    sub.cells.remove(by_id(sub, 'test-adam-steps'))  # a test deleted
    slots, problems = assemble(adam, sub)
    assert [s.grade_id for s in slots if s.grade_id] == adam.order
    steps = next(s for s in slots if s.grade_id == 'test-adam-steps')
    assert steps.tampered == 'deleted from the submission' and steps.origin == 'source'
    assert 'duplicate-locked-cell' in kinds(problems)
    assert not any(s.role == STUDENT and s.cell.cell_type == 'code' for s in slots), 'the duplicate does not run'


def test_missing_solution_markdown_solution_and_a_foreign_notebook(adam):
    sub = released(adam)
    sub.cells.remove(by_id(sub, 'adam'))
    slots, problems = assemble(adam, sub)
    assert 'missing-solution' in kinds(problems) and not any(s.role == SOLUTION for s in slots)

    sub = released(adam)
    by_id(sub, 'adam').cell_type = 'markdown'
    slots, problems = assemble(adam, nbformat.from_dict(sub))
    assert 'solution-not-code' in kinds(problems)

    foreign = nbformat.v4.new_notebook()
    foreign.cells = [nbformat.v4.new_code_cell('function adam() {}')]
    slots, problems = assemble(adam, foreign)
    assert 'no-assignment-cells' in kinds(problems)
    first_test = next(i for i, s in enumerate(slots) if s.role == TEST)
    roles_before = [s.role for s in slots[:first_test]]
    assert roles_before[-1] == STUDENT and LOCKED in roles_before, "its code runs after the source's setup"
    assert not any(s.tampered for s in slots), 'nothing to compare with: not reported as tampering'
