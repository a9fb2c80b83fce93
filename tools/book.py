#!/usr/bin/python3
"""Build the offline HTML book: execute every notebook, then turn the executed copies into pages.

    /usr/bin/python3 tools/book.py                 # what `npm start` runs (after `npm run build`)
    /usr/bin/python3 tools/book.py notebooks/01-adam.ipynb --out-dir /tmp/site

1. Every notebook in notebooks/ (reading order = file name order, numbers compared as numbers)
   runs top to bottom on a cold tslab kernel with tools/nbrun.py; a failing cell is reported with
   nbrun's diagnostic (cell, line, real error). The executed copies go to build/notebooks/.
2. build/site/ gets index.html (the notebooks in reading order, titled by their first markdown
   heading) and one page per notebook that executed cleanly, with links to the index and to the
   previous and next page. Pages use nbconvert's JupyterLab markup through the template in
   tools/book-template/, which loads nothing from the network: KaTeX typesets the math and one
   shared plotly.js draws the figures, both copied once into build/site/assets/. The plotly.js
   bundle each kernel session inlines into the notebook (see lib/src/figure.ts) is dropped from
   the pages in favour of that shared copy.
3. Every page has a table of contents (its own h2/h3 sections and the other pages, the current
   one marked; page_toc) and a link to download its notebook: notebooks/<name>.ipynb in the site
   is the source notebook without outputs (download_copy), the file a reader runs on their own
   kernel. The executed copy is not offered: the page already shows its outputs, and it inlines
   the 4.8 MB plotly.js bundle, which classic Jupyter would not even run in an untrusted notebook.
   Light and dark styles follow the reader's system setting; there is a print style.

The site works from file:// or any static server. Exit codes: 0 every notebook passed; 1 some
notebook failed (the pages of the others are still built); 2 usage or setup error.

--reuse-executed DIR takes executed copies from DIR instead of running the notebooks again (the
browser test uses it on the copies the notebook test has just written); a copy is used only if
it is newer than its notebook and than --newer-than (seconds since the epoch), otherwise the
notebook is executed as usual.
"""
from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / 'tools'
sys.path.insert(0, str(TOOLS))

import nbformat  # noqa: E402
import nbrun  # noqa: E402

BOOK_TITLE = 'Dive into Deep Learning: Adam in TypeScript'
TEMPLATE = 'book-template'
# lib/src/figure.ts marks the inlined plotly.js output with this attribute (PLOTLY_BUNDLE_MARKER);
# test/book-marker.test.ts strips the lib's own output with this module to keep the two in step.
PLOTLY_BUNDLE_ATTR = 'data-d2l:plotly-bundle'
PLOTLY_JS = REPO / 'node_modules' / 'plotly.js-dist-min' / 'plotly.min.js'
# The playgrounds' browser bundle (lib/src/playground.ts marks its inlined output the same way). A
# notebook run twice in one kernel ships it only in the first run, so pages load the shared copy.
PLAYGROUND_BUNDLE_ATTR = 'data-d2l:playground-bundle'
PLAYGROUND_JS = REPO / 'lib' / 'dist' / 'playground-bundle.js'
PLAYGROUND_TAG = '<script src="assets/playground-bundle.js"></script>'
PLOTLY_TAG = '<script src="assets/plotly.min.js"></script>'
KATEX_DIST = REPO / 'node_modules' / 'katex' / 'dist'
SITE_MARKER = '.d2l-book'  # marks a folder this script may wipe and rebuild


class SetupError(RuntimeError):
    """Something the build needs is missing (npm packages, nbconvert template): exit code 2."""


@dataclass
class Entry:
    """One notebook of the book and what happened to it."""
    source: Path
    title: str
    ok: bool = False
    seconds: float = 0.0
    reused: bool = False
    executed: Optional[Path] = None  # the executed copy
    page: Optional[str] = None       # file name of its page in the site, when built
    problem: str = ''                # why there is no page

    @property
    def name(self) -> str:
        return self.source.name


def reading_order(paths: list[Path]) -> list[Path]:
    """Sort by file name, comparing digit runs as numbers (2-x before 10-x)."""
    def key(p: Path) -> list[Any]:
        return [(0, int(t), '') if t.isdigit() else (1, 0, t.lower()) for t in re.split(r'(\d+)', p.name)]
    return sorted(paths, key=key)


def first_heading(nb: Any, fallback: str) -> str:
    """The text of the first markdown heading, without markdown markup."""
    for cell in nb.cells:
        if cell.cell_type != 'markdown':
            continue
        for line in cell.source.split('\n'):
            m = re.match(r'^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$', line)
            if m:
                text = re.sub(r'`([^`]*)`', r'\1', m.group(1))
                text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)
                text = re.sub(r'(\*\*|__|\*|_)(.+?)\1', r'\2', text)
                return text.strip() or fallback
    return fallback


def strip_plotly_bundles(nb: Any) -> int:
    """Drop the outputs that inline plotly.js or the playground bundle (the page loads the shared
    copies); return how many."""
    removed = 0
    for cell in nb.cells:
        if cell.cell_type != 'code':
            continue
        kept = []
        for out in cell.get('outputs', []):
            page_html = out.get('data', {}).get('text/html', '')
            if isinstance(page_html, list):
                page_html = ''.join(page_html)
            if PLOTLY_BUNDLE_ATTR in page_html or PLAYGROUND_BUNDLE_ATTR in page_html:
                removed += 1
            else:
                kept.append(out)
        cell.outputs = kept
    return removed


def reusable_copy(source: Path, reuse_dir: Optional[Path], newer_than: float) -> Optional[Path]:
    """An executed copy in reuse_dir newer than the notebook and than newer_than, if any."""
    if reuse_dir is None:
        return None
    # nbrun's CLI mirrors the path it was given, so the copy may sit one folder deeper.
    for candidate in (reuse_dir / source.name, reuse_dir / source.parent.name / source.name):
        if candidate.is_file():
            mtime = candidate.stat().st_mtime
            if mtime >= source.stat().st_mtime and mtime >= newer_than:
                return candidate
    return None


def execute(entry: Entry, executed_dir: Path, timeout: float, reuse_dir: Optional[Path],
            newer_than: float) -> Optional[Any]:
    """Execute (or reuse) one notebook; return the executed notebook, None when it failed."""
    copy_path = reusable_copy(entry.source, reuse_dir, newer_than)
    if copy_path is not None:
        entry.ok, entry.reused, entry.executed = True, True, copy_path
        print(f'REUSE {entry.name}: executed copy {copy_path}', flush=True)
        return nbformat.read(str(copy_path), as_version=4)

    print(f'RUN  {entry.name} ...', flush=True)
    try:
        result = nbrun.execute_notebook(entry.source, timeout=timeout, runs=1)
    except nbrun.NotebookLoadError as e:
        entry.problem = str(e)
        print(f'FAIL {entry.name}: {e}', flush=True)
        return None
    except nbrun.KernelStartError as e:
        raise SetupError(f'{e}; run `npm run setup` first') from e
    entry.seconds = result.seconds
    executed_dir.mkdir(parents=True, exist_ok=True)
    entry.executed = executed_dir / entry.name
    nbformat.write(result.notebook, str(entry.executed))
    if result.ok:
        entry.ok = True
        print(f'PASS {entry.name} ({result.seconds:.1f} s)', flush=True)
        return result.notebook
    entry.problem = 'execution failed'
    print(f'FAIL {entry.name} ({result.seconds:.1f} s)', flush=True)
    for rec in result.failures:
        nbrun.report_failure(result, rec)
    print(f'  executed copy: {entry.executed}', flush=True)
    return None


def make_exporter() -> Any:
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TOOLS)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    return exporter


def lab_static_dir(exporter: Any) -> Path:
    """nbconvert's JupyterLab stylesheet folder (the `lab` template's static/)."""
    for p in map(Path, exporter.template_paths):
        if p.name == 'lab' and (p / 'static' / 'index.css').is_file():
            return p / 'static'
    raise SetupError("nbconvert's 'lab' template (static/index.css) was not found: install jupyter-nbconvert")


def prepare_site(out_dir: Path) -> None:
    """Empty out_dir if it is an earlier build of this script (never some other folder)."""
    if out_dir.exists():
        if any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).exists():
            raise SetupError(f'{out_dir} exists and was not made by tools/book.py: choose another --out-dir')
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / SITE_MARKER).write_text('built by tools/book.py; rebuilt from scratch on every run\n')


def copy_assets(assets: Path, exporter: Any) -> None:
    """The files every page shares, copied once: plotly.js, KaTeX, stylesheets, the book script."""
    for needed in (PLOTLY_JS, KATEX_DIST / 'katex.min.js'):
        if not needed.is_file():
            raise SetupError(f'{needed} is missing: run `npm ci` (or `npm run setup`) first')
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copy2(PLOTLY_JS, assets / 'plotly.min.js')
    if PLAYGROUND_JS.is_file():
        shutil.copy2(PLAYGROUND_JS, assets / 'playground-bundle.js')
    katex = assets / 'katex'
    (katex / 'contrib').mkdir(parents=True, exist_ok=True)
    for name in ('katex.min.js', 'katex.min.css'):
        shutil.copy2(KATEX_DIST / name, katex / name)
    shutil.copy2(KATEX_DIST / 'contrib' / 'auto-render.min.js', katex / 'contrib' / 'auto-render.min.js')
    shutil.copytree(KATEX_DIST / 'fonts', katex / 'fonts')
    static = lab_static_dir(exporter)
    (assets / 'jupyterlab.css').write_text(lab_css(static), encoding='utf-8')
    for name in ('book.css', 'book.js'):
        shutil.copy2(TOOLS / TEMPLATE / 'assets' / name, assets / name)


def lab_css(static: Path) -> str:
    """JupyterLab's styles with its light theme, and its dark theme when the reader's system asks for one.

    The dark theme only redefines JupyterLab's CSS variables (:root), so wrapping it in a media
    query switches every colour, code highlighting included; on paper (print) the light theme stays.
    """
    read = lambda name: (static / name).read_text(encoding='utf-8')  # noqa: E731
    return (read('index.css') + '\n' + read('theme-light.css') + '\n'
            + '@media screen and (prefers-color-scheme: dark) {\n' + read('theme-dark.css') + '\n}\n')


def download_copy(source: Path, dest: Path) -> None:
    """The notebook a page offers for download: the source with every output and count cleared."""
    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == 'code':
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(nb)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))


DOWNLOAD_DIR = 'notebooks'  # in the site: notebooks/<name>.ipynb


def download_href(entry: 'Entry') -> str:
    return f'{DOWNLOAD_DIR}/{entry.name}'


_HEADING = re.compile(r'<h([23])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_ANCHOR_LINK = re.compile(r'<a\s+class="anchor-link"[^>]*>.*?</a>', re.S)
TOC_MARK = '<!--d2l:toc-->'


def page_sections(body: str) -> list[tuple[int, str, str]]:
    """The h2/h3 headings of a rendered page: (level, id, text as HTML without tags or the ¶ link)."""
    sections = []
    for level, ident, inner in _HEADING.findall(body):
        text = re.sub(r'<[^>]+>', '', _ANCHOR_LINK.sub('', inner)).strip()
        sections.append((int(level), ident, text))
    return sections


def page_toc(sections: list[tuple[int, str, str]], pages: list[tuple[str, str]], current: str) -> str:
    """The contents of one page: every page of the book ((href, title) in reading order), the
    current one marked (aria-current) and opened into its own sections, h3 nested under h2."""
    def section_list() -> str:
        out, open_sub = ['<ol class="d2l-toc-sections">'], False
        for k, (level, ident, text) in enumerate(sections):
            link = f'<a href="#{html.escape(ident, quote=True)}">{text}</a>'
            if level == 3 and k > 0:
                if not open_sub:
                    out[-1] = out[-1].removesuffix('</li>')
                    out.append('<ol>')
                    open_sub = True
                out.append(f'<li>{link}</li>')
                continue
            if open_sub:
                out.append('</ol></li>')
                open_sub = False
            out.append(f'<li>{link}</li>')
        if open_sub:
            out.append('</ol></li>')
        out.append('</ol>')
        return '\n'.join(out)

    items = []
    for href, title in pages:
        label = html.escape(title)
        if href == current:
            items.append(f'<li class="d2l-toc-current"><a href="{html.escape(href)}" aria-current="page">{label}</a>'
                         + (section_list() if sections else '') + '</li>')
        else:
            items.append(f'<li><a href="{html.escape(href)}">{label}</a></li>')
    return ('<ol class="d2l-toc-pages">\n' + '\n'.join(items) + '\n</ol>')


def book_links(body: str) -> str:
    """Links between notebooks (`06-exercises.ipynb#…`) point at the book's pages instead."""
    return re.sub(r'href="([\w.-]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def write_page(exporter: Any, nb: Any, entry: Entry, prev: Optional[Entry], nxt: Optional[Entry],
               out_dir: Path, pages: Optional[list[tuple[str, str]]] = None) -> None:
    nb = copy.deepcopy(nb)
    strip_plotly_bundles(nb)
    nb.metadata['title'] = entry.title
    link = lambda e: {'href': e.page, 'title': e.title} if e else None  # noqa: E731
    resources = {
        'metadata': {'name': entry.source.stem},
        'book': {'title': entry.title, 'book_title': BOOK_TITLE, 'prev': link(prev), 'next': link(nxt),
                 'download': download_href(entry), 'notebook': entry.name},
    }
    body, res = exporter.from_notebook_node(nb, resources=resources)
    body = book_links(body)
    if body.count(TOC_MARK) != 1:
        raise AssertionError(f'{entry.name}: the page template must hold one {TOC_MARK}')
    body = body.replace(TOC_MARK, page_toc(page_sections(body), pages or [(entry.page, entry.title)], entry.page or ''))
    download_copy(entry.source, out_dir / download_href(entry))
    if PLOTLY_BUNDLE_ATTR in body or PLAYGROUND_BUNDLE_ATTR in body:
        raise AssertionError(f'{entry.name}: an inlined plotly.js or playground bundle survived into the page')
    if 'class="d2l-playground"' in body:
        if not (out_dir / 'assets' / 'playground-bundle.js').is_file():
            raise SetupError(f'{entry.name} has a playground but {PLAYGROUND_JS} is missing: run `npm run build`')
        if body.count(PLOTLY_TAG) != 1:
            raise AssertionError(f'{entry.name}: the page template must load plotly.js once ({PLOTLY_TAG})')
        body = body.replace(PLOTLY_TAG, PLOTLY_TAG + '\n' + PLAYGROUND_TAG)
    highlight = out_dir / 'assets' / 'highlight.css'
    if not highlight.exists():  # the same pygments styles for every page: write them once
        highlight.write_text('\n'.join(res.get('inlining', {}).get('css', [])), encoding='utf-8')
    (out_dir / entry.page).write_text(body, encoding='utf-8')


def write_index(entries: list[Entry], out_dir: Path) -> None:
    items = []
    for e in entries:
        if e.page:
            items.append(f'<li><a href="{html.escape(e.page)}">{html.escape(e.title)}</a>'
                         f'<a class="d2l-file" href="{html.escape(download_href(e))}" download '
                         f'title="download the notebook">{html.escape(e.name)}</a></li>')
        else:
            items.append(f'<li><span class="d2l-failed">{html.escape(e.title)}</span>'
                         f'<span class="d2l-file">{html.escape(e.name)}</span> '
                         f'<span class="d2l-failed">(not built: {html.escape(e.problem)})</span></li>')
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="color-scheme" content="light dark">
<title>{html.escape(BOOK_TITLE)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/book.css">
</head>
<body class="d2l-index">
<h1>{html.escape(BOOK_TITLE)}</h1>
<p>The chapter on Adam from <em>Dive into Deep Learning</em>, as TypeScript notebooks for the tslab
kernel, executed to build these pages. The figures are interactive: hover for values, drag to zoom,
double-click to reset.</p>
<ol class="d2l-toc">
{chr(10).join(items)}
</ol>
</body>
</html>
"""
    (out_dir / 'index.html').write_text(page, encoding='utf-8')


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog='book.py', description='Execute the notebooks and build the offline HTML book.',
                                 epilog='Exit codes: 0 all notebooks passed, 1 a notebook failed, 2 usage or setup error.')
    ap.add_argument('notebooks', nargs='*', metavar='NOTEBOOK', help='default: every notebooks/*.ipynb')
    ap.add_argument('--out-dir', default=str(REPO / 'build' / 'site'), help='the site (default: build/site)')
    ap.add_argument('--executed-dir', default=str(REPO / 'build' / 'notebooks'),
                    help='where executed copies are written (default: build/notebooks)')
    ap.add_argument('--timeout', type=float, default=300, help='seconds per cell (default: 300)')
    ap.add_argument('--reuse-executed', metavar='DIR', help='take up-to-date executed copies from DIR')
    ap.add_argument('--newer-than', type=float, default=0.0, metavar='EPOCH',
                    help='with --reuse-executed: only copies written after this time')
    args = ap.parse_args(argv)

    sources = [Path(p).resolve() for p in args.notebooks] or [
        p for p in (REPO / 'notebooks').glob('*.ipynb') if not p.name.startswith('.')]
    sources = reading_order(sources)
    if not sources:
        print('book.py: error: no notebooks found in notebooks/', file=sys.stderr)
        return 2
    out_dir, executed_dir = Path(args.out_dir).resolve(), Path(args.executed_dir).resolve()
    reuse_dir = Path(args.reuse_executed).resolve() if args.reuse_executed else None
    t_start = time.monotonic()

    try:
        exporter = make_exporter()
        prepare_site(out_dir)
        copy_assets(out_dir / 'assets', exporter)

        entries, executed = [], {}
        for i, source in enumerate(sources, 1):
            try:
                title = first_heading(nbrun.load_notebook(source), source.stem)
            except nbrun.NotebookLoadError:
                title = source.stem
            entry = Entry(source=source, title=title)
            entries.append(entry)
            print(f'[{i}/{len(sources)}] {source.name}: {title}', flush=True)
            nb = execute(entry, executed_dir, args.timeout, reuse_dir, args.newer_than)
            if nb is not None:
                executed[entry.name] = nb
                entry.page = source.stem + '.html'
        t_pages = time.monotonic()

        built = [e for e in entries if e.page]
        pages = [(e.page, e.title) for e in built if e.page]
        for k, entry in enumerate(built):
            write_page(exporter, executed[entry.name], entry,
                       built[k - 1] if k > 0 else None, built[k + 1] if k + 1 < len(built) else None, out_dir, pages)
        write_index(entries, out_dir)
    except SetupError as e:
        print(f'book.py: error: {e}', file=sys.stderr)
        return 2

    manifest = {'title': BOOK_TITLE, 'pages': [
        {'notebook': e.name, 'title': e.title, 'page': e.page, 'ok': e.ok, 'reused': e.reused,
         'seconds': round(e.seconds, 2), 'executed': str(e.executed) if e.executed else None}
        for e in entries]}
    (out_dir / 'book.json').write_text(json.dumps(manifest, indent=2) + '\n', encoding='utf-8')

    failed = [e for e in entries if not e.ok]
    width = max(len(e.name) for e in entries)
    print('\nSummary')
    for e in entries:
        status = 'REUSED' if e.reused else ('PASS' if e.ok else 'FAIL')
        print(f'  {e.name:<{width}}  {status:<6} {e.seconds:7.1f} s' + (f'  {e.problem}' if e.problem else ''))
    execution = sum(e.seconds for e in entries)
    print(f'  {len(entries) - len(failed)} of {len(entries)} notebooks built; execution {execution:.1f} s, '
          f'pages {time.monotonic() - t_pages:.1f} s, total {time.monotonic() - t_start:.1f} s')
    print(f'  site: {out_dir / "index.html"}')
    if failed:
        print(f'  FAILED: {", ".join(e.name for e in failed)}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
