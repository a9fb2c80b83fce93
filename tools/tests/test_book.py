"""book.py's reading order: file names, digit runs compared as numbers."""
from pathlib import Path

from book import reading_order


def test_numbers_compare_as_numbers_and_case_is_ignored():
    names = ['10-b.ipynb', '2-a.ipynb', 'B.ipynb', '1-z.ipynb', 'a.ipynb']
    assert [p.name for p in reading_order([Path(n) for n in names])] == \
        ['1-z.ipynb', '2-a.ipynb', '10-b.ipynb', 'a.ipynb', 'B.ipynb']
