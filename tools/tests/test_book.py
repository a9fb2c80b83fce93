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


def test_sections_are_the_h2_and_h3_headings_without_their_pilcrow_links():
    from book import page_sections
    body = ('<h1 id="T">T<a class="anchor-link" href="#T">&#182;</a></h1>'
            '<h2 id="A-&amp;-B">A &amp; <code>B</code><a class="anchor-link" href="#A-&amp;-B">&#182;</a></h2>'
            '<h3 id="c">c<a class="anchor-link" href="#c">&#182;</a></h3><h4 id="d">d</h4>')
    assert page_sections(body) == [(2, 'A-&amp;-B', 'A &amp; B'), (3, 'c', 'c')]


def test_toc_lists_every_page_and_opens_the_current_one_into_nested_sections():
    import re
    from book import page_toc
    sections = [(2, 'one', 'One'), (3, 'one-a', 'One a'), (3, 'one-b', 'One b'), (2, 'two', 'Two')]
    pages = [('a.html', 'A'), ('b.html', 'B <x>'), ('c.html', 'C')]
    toc = page_toc(sections, pages, 'b.html')
    assert re.findall(r'href="([^"]+)"', toc) == ['a.html', 'b.html', '#one', '#one-a', '#one-b', '#two', 'c.html']
    assert toc.count('aria-current="page"') == 1
    assert '<li class="d2l-toc-current"><a href="b.html" aria-current="page">B &lt;x&gt;</a>' in toc
    # h3 sit in their own list inside the h2's item, and the markup is balanced.
    assert re.search(r'<li><a href="#one">One</a>\s*<ol>\s*<li><a href="#one-a">', toc)
    assert toc.count('<ol') == toc.count('</ol>') and toc.count('<li') == toc.count('</li>')


def test_toc_of_a_page_without_sections_is_the_list_of_pages():
    from book import page_toc
    assert 'd2l-toc-sections' not in page_toc([], [('a.html', 'A')], 'a.html')


def test_download_copy_keeps_the_cells_and_drops_outputs(tmp_path):
    import nbformat
    from book import book_links, download_copy, download_href, Entry
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell('console.log(1)')
    code.outputs = [nbformat.v4.new_output('stream', text='1\n')]
    code.execution_count = 3
    nb.cells = [nbformat.v4.new_markdown_cell('# T'), code]
    src = tmp_path / '01-x.ipynb'
    nbformat.write(nb, str(src))
    dest = tmp_path / 'site' / download_href(Entry(source=src, title='T'))
    download_copy(src, dest)
    got = nbformat.read(str(dest), as_version=4)
    nbformat.validate(got)
    assert [c.source for c in got.cells] == ['# T', 'console.log(1)']
    assert got.cells[1].outputs == [] and got.cells[1].execution_count is None
    assert dest.relative_to(tmp_path / 'site').as_posix() == 'notebooks/01-x.ipynb'
    # The page's download link is not turned into a link to the page.
    assert book_links('<a href="notebooks/01-x.ipynb" download>') == '<a href="notebooks/01-x.ipynb" download>'


def test_dark_theme_applies_only_on_screen_when_the_system_asks(tmp_path):
    from book import lab_css
    for name, text in [('index.css', '.a{}'), ('theme-light.css', ':root{--c:white}'), ('theme-dark.css', ':root{--c:black}')]:
        (tmp_path / name).write_text(text)
    css = lab_css(tmp_path)
    assert css.index(':root{--c:white}') < css.index('@media screen and (prefers-color-scheme: dark) {\n:root{--c:black}\n}')
