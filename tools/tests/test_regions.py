"""Marker regions: the release transform of assign.py and nbgrader's, and their errors."""
import pytest

from assign import SourceError, strip_hidden_tests, strip_solution
from nbgrader_meta import (HIDDEN_PLACEHOLDER, NBGRADER_STUB, RegionError, nbgrader_release_source,
                           normalize_source, regions)

SOLUTION = ('function adam(p: number[]): void {\n'
            '  // BEGIN SOLUTION\n'
            '  p[0] -= 1;\n'
            '  // END SOLUTION\n'
            '}\n'
            'const scale = (x: number): number => {\n'
            '    // BEGIN SOLUTION\n'
            '    return 2 * x;\n'
            '    // END SOLUTION\n'
            '};')
TEST = '// Test (1 point)\n{\n  check(1);\n  // BEGIN HIDDEN TESTS\n  check(2);\n  // END HIDDEN TESTS\n}'


def cell(source, **flags):
    meta = {'grade': False, 'solution': False, 'locked': False, 'grade_id': 'c', 'schema_version': 3, **flags}
    return {'cell_type': 'code', 'source': source, 'metadata': {'nbgrader': meta}}


def test_each_solution_region_becomes_a_stub_naming_its_function_at_the_marker_indent():
    out = strip_solution(SOLUTION, 'adam').split('\n')
    assert out[1] == "  throw new Error('Not implemented: adam — replace this line with your solution');"
    assert out[4] == "    throw new Error('Not implemented: scale — replace this line with your solution');"
    assert 'p[0] -= 1;' not in '\n'.join(out) and 'return 2 * x;' not in '\n'.join(out)
    assert len(out) == len(SOLUTION.split('\n')) - 4, 'three lines of each region become one'


def test_a_solution_cell_without_markers_is_replaced_as_a_whole():
    assert strip_solution('let x = 1;', 'gid') == \
        "throw new Error('Not implemented: gid — replace this line with your solution');"


def test_hidden_tests_leave_a_note_and_keep_the_visible_lines():
    out = strip_hidden_tests(TEST, 't')
    assert 'check(2)' not in out and 'check(1)' in out
    assert f'  {HIDDEN_PLACEHOLDER}' in out.split('\n')


@pytest.mark.parametrize('source, message', [
    ('// BEGIN SOLUTION\nx', 'line 1: "// BEGIN SOLUTION" is never closed'),
    ('x\n// END SOLUTION', 'line 2: "// END SOLUTION" without "// BEGIN SOLUTION"'),
    ('// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION', 'line 2: "// BEGIN SOLUTION" inside another region'),
])
def test_unbalanced_markers_are_named_with_their_line(source, message):
    with pytest.raises(RegionError, match=message):
        regions(source, '// BEGIN SOLUTION', '// END SOLUTION', 'cell 3')
    with pytest.raises(SourceError, match=message):
        strip_solution(source, 'gid')


def test_nbgrader_release_drops_hidden_tests_without_a_note_and_uses_its_own_stub():
    assert nbgrader_release_source(cell(TEST, grade=True, locked=True, points=1)) == \
        '// Test (1 point)\n{\n  check(1);\n}'
    released = nbgrader_release_source(cell(SOLUTION, solution=True))
    assert released.split('\n')[1:3] == ['  ' + line for line in NBGRADER_STUB.split('\n')]
    assert nbgrader_release_source(cell('let x = 1;', solution=True)) == NBGRADER_STUB
    assert nbgrader_release_source(cell('helper();', locked=True)) == 'helper();'


def test_normalize_ignores_line_endings_and_trailing_blanks_only():
    assert normalize_source('a  \r\nb\t\n\n') == 'a\nb'
    assert normalize_source(' a') != normalize_source('a'), 'leading indentation is content'


def test_nbgrader_config_stub_is_the_one_the_grader_accepts():
    from conftest import REPO
    seen = {}
    exec((REPO / 'assignments' / 'nbgrader_config.py').read_text(), {'get_config': lambda: _Config(seen)})
    assert seen['ClearSolutions.code_stub']['typescript'] == NBGRADER_STUB
    assert seen['ClearSolutions.begin_solution_delimeter'] == '// BEGIN SOLUTION'


class _Config:
    """Records `c.Section.option = value` assignments of an nbgrader config file."""

    def __init__(self, seen):
        object.__setattr__(self, 'seen', seen)

    def __getattr__(self, section):
        seen = self.seen

        class Section:
            def __setattr__(self, option, value):
                seen[f'{section}.{option}'] = value
        return Section()
