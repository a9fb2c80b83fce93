"""book.py's reading order: file names, digit runs compared as numbers."""
from pathlib import Path

from book import reading_order


def test_numbers_compare_as_numbers_and_case_is_ignored():
    names = ['10-b.ipynb', '2-a.ipynb', 'B.ipynb', '1-z.ipynb', 'a.ipynb']
    assert [p.name for p in reading_order([Path(n) for n in names])] == \
        ['1-z.ipynb', '2-a.ipynb', '10-b.ipynb', 'a.ipynb', 'B.ipynb']


def test_links_between_notebooks_point_at_the_book_pages():
    from book import book_links
    body = '<a href="06-exercises.ipynb#Exercise-5">5</a> <a href="https://d2l.ai/x.ipynb">d2l</a> <a href="01-adam.ipynb">1</a>'
    assert book_links(body) == '<a href="06-exercises.html#Exercise-5">5</a> <a href="https://d2l.ai/x.ipynb">d2l</a> <a href="01-adam.html">1</a>'
