"""The course as a static website: ``python tools/site.py`` (or ``make site``) writes ``site/``.

A tool, not part of the ``helpers`` package: no notebook imports it. It renders every notebook in
``notebooks/`` with the outputs committed in it (nothing is re-run) through nbconvert's
``HTMLExporter`` and the small template in ``tools/site_template/``, which drops the lab template's
CDN scripts (require.js, MathJax, Mermaid, widgets), so the pages load nothing from the network and
math, if any, stays plain text. The site mirrors the repository's layout, so relative links in the
notebooks keep working: ``site/index.html`` (the README's title, opening paragraph and chapter
table), ``site/notebooks/NN_name.html`` (one page per chapter: navigation, prose, code, outputs and
a table of the parameters cell), and copies of the files the pages link to (``nlp_images/*.png``,
the ``notebooks/results/*.json`` files each chapter names). Links to chapters (``.ipynb``) become
links to their pages. A link to anything that is not a file of the repository stops the build
with the page and the link named. Output is deterministic: same sources, same bytes.
"""

from __future__ import annotations

import argparse
import ast
import io
import posixpath
import re
import shutil
import sys
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import jinja2
import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # helpers, from any folder
from helpers.paths import is_chapter  # noqa: E402  (the one rule for which notebooks are chapters)

TEMPLATE_DIR = Path(__file__).resolve().parent / "site_template"
NOTEBOOKS = "notebooks"  # the chapters' folder, relative to the repository root
RESULTS = "notebooks/results"  # the results files the chapters load
CHAPTERS_HEADING = "## Chapters"  # the README section that holds the chapter table


class SiteError(ValueError):
    """The sources cannot make a correct site: the message names the file and what was expected."""


@dataclass(frozen=True)
class Parameter:
    """One assignment of a notebook's ``parameters`` cell, as the chapter page shows it."""

    name: str
    type: str
    default: str
    comment: str


@dataclass(frozen=True)
class Chapter:
    """One notebook of ``notebooks/`` and what its page needs."""

    source: str  # repository-relative POSIX path, e.g. "notebooks/04_ner.ipynb"
    title: str
    parameters: list[Parameter]
    notebook: nbformat.NotebookNode
    title_in_notebook: bool = True  # False: no '# ' heading, the title comes from the file name

    @property
    def page(self) -> str:
        """The page's site-relative path: the notebook's path with ``.html``."""
        return str(PurePosixPath(self.source).with_suffix(".html"))


def parse_parameters(source: str, where: str) -> list[Parameter]:
    """The assignments of a parameters cell, read with ``ast`` (never run): name, type, default,

    comment. The type is the annotation if there is one, else the literal's type; the comment is
    every ``#`` comment from the end of the previous assignment to the end of this one, except
    that full-line comments right below an assignment that ends in a comment continue that one
    (``x = 1  # ... or`` / ``# ...``). Anything but ``name = literal`` or
    ``name: type = literal`` is an error naming ``where`` and the line.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise SiteError(f"{where}: the parameters cell is not Python (line {err.lineno})") from err
    comments: dict[int, list[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments.setdefault(tok.start[0], []).append(tok.string.lstrip("#").strip())
    params: list[Parameter] = []
    previous_end = 0
    for node in tree.body:
        expected = "'name = literal' or 'name: type = literal'"
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], None
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, node.annotation
        else:
            raise SiteError(f"{where}, parameters cell line {node.lineno}: expected {expected}")
        if not isinstance(target, ast.Name):
            raise SiteError(f"{where}, parameters cell line {node.lineno}: expected {expected}")
        assert node.value is not None
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, TypeError) as err:  # TypeError: {[1]: 2}, a list as a dict key
            raise SiteError(
                f"{where}, parameters cell line {node.lineno}: {target.id} is not a literal "
                "(a number, string, bool, None, or a list/tuple/dict of them)"
            ) from err
        segment = ast.get_source_segment(source, node.value) or ""
        default = segment if "\n" not in segment and "#" not in segment else ast.unparse(node.value)
        type_name = ast.unparse(annotation) if annotation is not None else type(value).__name__
        end = node.end_lineno or node.lineno
        start = previous_end + 1
        if previous_end in comments:  # the last assignment ended in a comment: continued?
            more = []
            while start < node.lineno and start in comments:
                more += comments[start]
                start += 1
            if more:
                params[-1] = replace(params[-1], comment=" ".join([params[-1].comment, *more]))
        comment = " ".join(
            text for line in range(start, end + 1) for text in comments.get(line, [])
        )
        params.append(Parameter(target.id, type_name, default, comment))
        previous_end = end
    if not params:
        raise SiteError(f"{where}: the parameters cell assigns nothing")
    return params


def _plain_text(markdown: str) -> str:
    """A markdown line's text without its markup (for titles in navigation)."""
    return BeautifulSoup(markdown2html_mistune(markdown), "html.parser").get_text().strip()


def read_chapter(root: Path, source: str) -> Chapter:
    """The notebook ``root/source``: its title (first ``# `` heading) and its parameters table.

    A notebook without a ``# `` heading is titled from its file name ("06_nsp" -> "06 · nsp");
    its page then shows that title as a heading of its own (``Chapter.title_in_notebook``).
    """
    try:
        notebook = nbformat.read(root / source, as_version=4)
    except (OSError, ValueError) as err:  # nbformat's NotJSONError is a ValueError
        raise SiteError(f"{source}: not a readable notebook ({err})") from err
    title = None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, flags=re.MULTILINE)
            if match:
                title = _plain_text(match.group(1))
                break
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1 or tagged[0].cell_type != "code":
        found = ", ".join(f"a {c.cell_type} cell" for c in tagged) or "none"
        raise SiteError(f"{source}: expected one code cell tagged 'parameters', found {found}")
    parameters = parse_parameters(tagged[0].source, source)
    if title:
        return Chapter(source, title, parameters, notebook)
    number, _, name = PurePosixPath(source).stem.partition("_")
    fallback = f"{number} · {name.replace('_', ' ')}" if name else number
    return Chapter(source, fallback, parameters, notebook, title_in_notebook=False)


def find_chapters(root: Path) -> list[Chapter]:
    """Every chapter in ``notebooks/`` (``NN_name.ipynb``: not a learner's Untitled.ipynb nor
    an nbconvert copy), in file-name order."""
    chapters = [p for p in (root / NOTEBOOKS).glob("*.ipynb") if is_chapter(p)]
    sources = sorted(p.relative_to(root).as_posix() for p in chapters)
    if not sources:
        raise SiteError(f"{root / NOTEBOOKS}: no notebooks found")
    return [read_chapter(root, s) for s in sources]


@dataclass(frozen=True)
class ReadmeParts:
    """What the index page takes from README.md (markdown)."""

    title: str
    intro: str
    table: str  # the chapter table and the footnotes right after it


def readme_parts(root: Path, chapters: list[Chapter]) -> ReadmeParts:
    """README.md's title, first paragraph and chapter table, checked against ``notebooks/``:

    every chapter has a row linking its notebook, and every row links an existing chapter.
    """
    path = "README.md"  # as errors name it
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    title_at = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if title_at is None:
        raise SiteError(f"{path}: no '# ' title line")
    intro: list[str] = []
    for line in lines[title_at + 1 :]:
        if line.strip():
            intro.append(line)
        elif intro:
            break
    try:
        start = lines.index(CHAPTERS_HEADING)
    except ValueError as err:
        raise SiteError(f"{path}: no '{CHAPTERS_HEADING}' section") from err
    table_at = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("|")), len(lines)
    )
    table_end = table_at
    while table_end < len(lines) and lines[table_end].startswith("|"):
        table_end += 1
    if table_end - table_at < 3 or any(
        lines[i].startswith("## ") for i in range(start + 1, table_at)
    ):
        raise SiteError(
            f"{path}, line {start + 1}: expected a table of chapters under this heading"
        )
    listed: dict[str, int] = {}
    for i in range(table_at + 2, table_end):
        first_cell = lines[i].strip("|").split("|")[0]
        match = re.search(r"\]\(([^)\s]+\.ipynb)\)", first_cell)
        if not match:
            raise SiteError(
                f"{path}, line {i + 1}: expected a link to a notebook in the row's first cell"
            )
        if match.group(1) in listed:
            raise SiteError(f"{path}, line {i + 1}: a second row for {match.group(1)}")
        listed[match.group(1)] = i + 1
    known = {c.source for c in chapters}
    for link, line_no in listed.items():
        if link not in known:
            raise SiteError(f"{path}, line {line_no}: {link} is not a notebook in {NOTEBOOKS}/")
    missing = sorted(known - listed.keys())
    if missing:
        raise SiteError(
            f"{path}, line {table_at + 1}: the chapter table has no row for {', '.join(missing)}"
        )
    # footnotes of the table: the paragraphs right after it that start with an escaped '*'
    end = table_end
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith("\\*")):
        if lines[end].startswith("\\*"):
            while end < len(lines) and lines[end].strip():
                end += 1
        else:
            end += 1
    table = "\n".join(lines[table_at:end]).strip()
    return ReadmeParts(_plain_text(lines[title_at][2:]), "\n".join(intro), table)


class _Site:
    """The output folder being written: the pages it will hold and the files copied into it."""

    def __init__(self, root: Path, out: Path, chapters: list[Chapter]) -> None:
        self.root, self.out = root.resolve(), out
        self.chapter_pages = {c.source: c.page for c in chapters}
        self.pages = {"index.html", *self.chapter_pages.values()}
        self.copied: set[str] = set()

    def copy(self, relative: str) -> None:
        """Copy the repository file ``relative`` to the same place under the site."""
        if relative not in self.copied:
            target = self.out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.root / relative, target)
            self.copied.add(relative)

    def resolve(self, url: str, page: str, source: str) -> str:
        """The URL a link of ``page`` (rendered from ``source``) needs in the site; copies its file.

        Links to chapters point at their pages, links to other repository files at copies of
        them; external links stay; anything else is an error naming the source and the link.
        """
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("#") or not parts.path:
            return url
        here = posixpath.dirname(page)
        target = posixpath.normpath(posixpath.join(here, unquote(parts.path)))
        if target in self.pages:
            return url
        if parts.path.startswith("/") or target.startswith(".."):
            raise SiteError(f"{source}: link {url!r} leaves the repository")
        if target in self.chapter_pages:
            new = posixpath.relpath(self.chapter_pages[target], here or ".")
            return new + (f"#{parts.fragment}" if parts.fragment else "")
        if not (self.root / target).is_file():
            raise SiteError(f"{source}: link {url!r} points to {target}, which is not a file")
        self.copy(target)
        return url

    def rewrite(self, soup: BeautifulSoup, page: str, source: str) -> None:
        """Every link and image reference of ``soup`` made to work in the site (see ``resolve``).

        A page may load nothing from the network: an image, script, stylesheet, frame or media
        file (``srcset`` candidates too) with a URL scheme other than ``data:`` is an error. A
        stylesheet link is left as it is (the site's own, in ``static/``).
        """
        for tag, attr in LOADED:
            for element in soup.find_all(tag, attrs={attr: True}):
                value = element[attr]
                urls = [c.split()[0] for c in value.split(",") if c.split()]
                if attr != "srcset":
                    urls = [value]
                for url in urls:
                    scheme = urlsplit(url).scheme
                    if tag != "a" and scheme and scheme != "data":
                        raise SiteError(
                            f"{source}: <{tag} {attr}={value!r}> would load from the network"
                        )
                resolved = [
                    self.resolve(url, page, source)
                    if (tag == "a" or not urlsplit(url).scheme) and tag != "link"
                    else url
                    for url in urls
                ]
                if attr == "srcset":
                    for url, new in zip(urls, resolved, strict=True):
                        value = value.replace(url, new, 1)
                    element[attr] = value
                else:
                    element[attr] = resolved[0]


# (tag, attribute) of every reference a page follows or loads
LOADED = (
    ("a", "href"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
    ("script", "src"), ("link", "href"), ("iframe", "src"), ("video", "src"),
    ("video", "poster"), ("audio", "src"), ("embed", "src"), ("object", "data"),
)  # fmt: skip


def _exporter() -> HTMLExporter:
    return HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(TEMPLATE_DIR)],
        template_file="site_chapter.html.j2",
    )


def _lab_stylesheet(exporter: HTMLExporter) -> str:
    """JupyterLab's light-theme CSS as nbconvert ships it (the lab template inlines it per page)."""
    for folder in exporter.template_paths:
        index = Path(folder) / "static" / "index.css"
        if index.is_file() and (index.parent / "theme-light.css").is_file():
            light = (index.parent / "theme-light.css").read_text(encoding="utf-8")
            return index.read_text(encoding="utf-8") + "\n" + light
    raise SiteError("nbconvert's lab template (static/index.css) was not found")


def _results_named(root: Path, chapter: Chapter) -> list[str]:
    """The files of ``notebooks/results/`` whose names appear in the chapter's cells."""
    text = "\n".join(cell.source for cell in chapter.notebook.cells)
    files = sorted(p for p in (root / RESULTS).glob("*") if p.is_file())
    return [p.relative_to(root).as_posix() for p in files if p.name in text]


def _link_code_mentions(soup: BeautifulSoup, files: list[str], page: str) -> None:
    """Inline ``code`` in prose that spells a results file's path becomes a link to its copy."""
    here = posixpath.dirname(page)
    for code in soup.select(".jp-RenderedMarkdown code"):
        text = code.get_text().strip()
        if code.find_parent("a") is None and code.find_parent("pre") is None and text in files:
            link = soup.new_tag("a", href=posixpath.relpath(text, here or "."))
            code.wrap(link)


def render_chapter(
    site: _Site, exporter: HTMLExporter, chapters: list[Chapter], i: int, title: str
) -> str:
    """The HTML page of ``chapters[i]``."""
    chapter = chapters[i]
    here = posixpath.dirname(chapter.page)

    def ref(other: Chapter) -> dict[str, str]:
        return {"href": posixpath.relpath(other.page, here), "title": other.title}

    results = _results_named(site.root, chapter)  # copied when the page's links are resolved
    notebook = nbformat.from_dict(chapter.notebook)
    notebook.metadata["title"] = f"{chapter.title} · {title}"
    resources = {
        "metadata": {"name": PurePosixPath(chapter.source).stem},
        "site": {
            "root": "../" * here.count("/") + ("../" if here else ""),
            "site_title": title,
            "chapter_title": None if chapter.title_in_notebook else chapter.title,
            "prev": ref(chapters[i - 1]) if i > 0 else None,
            "next": ref(chapters[i + 1]) if i + 1 < len(chapters) else None,
            "results": [
                {"href": posixpath.relpath(r, here), "name": PurePosixPath(r).name} for r in results
            ],
            "parameters": chapter.parameters,
        },
    }
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    soup = BeautifulSoup(body, "html.parser")
    _link_code_mentions(soup, results, chapter.page)
    site.rewrite(soup, chapter.page, chapter.source)
    return str(soup)


def render_index(site: _Site, readme: ReadmeParts, first: Chapter) -> str:
    """The index page: README's title, opening paragraph and chapter table."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, keep_trailing_newline=True
    )
    html = env.get_template("site_index.html.j2").render(
        title=readme.title,
        intro_html=markdown2html_mistune(readme.intro),
        table_html=markdown2html_mistune(readme.table),
        first={"href": first.page, "title": first.title},
    )
    soup = BeautifulSoup(html, "html.parser")
    site.rewrite(soup, "index.html", "README.md")
    return str(soup)


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def build_site(
    root: Path = REPO_ROOT, out: Path | None = None, log: Callable[[str], None] = _to_stderr
) -> list[Path]:
    """Write the site for the repository at ``root`` into ``out`` (default ``root/site``),

    replacing what was there; return the files written, sorted. ``log`` gets a note for each
    chapter titled from its file name.
    """
    root = root.resolve()
    out = (out or root / "site").resolve()
    chapters = find_chapters(root)
    for chapter in chapters:
        if not chapter.title_in_notebook:
            log(
                f"note: {chapter.source} has no '# ' title heading; its page is titled "
                f"{chapter.title!r} from the file name"
            )
    readme = readme_parts(root, chapters)
    if out == root or out in root.parents:
        raise SiteError(f"--out {out}: the output folder would hold the repository")
    if out.exists():
        if any(out.iterdir()) and not (out / "static" / "site.css").is_file():
            raise SiteError(
                f"--out {out}: not empty and not a site built by this tool; not deleted"
            )
        shutil.rmtree(out)
    (out / "static").mkdir(parents=True)
    exporter = _exporter()
    (out / "static" / "jupyterlab.css").write_text(_lab_stylesheet(exporter), encoding="utf-8")
    shutil.copyfile(TEMPLATE_DIR / "site.css", out / "static" / "site.css")
    site = _Site(root, out, chapters)
    for i, chapter in enumerate(chapters):
        page = out / chapter.page
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render_chapter(site, exporter, chapters, i, readme.title), encoding="utf-8")
    (out / "index.html").write_text(render_index(site, readme, chapters[0]), encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the repository to render")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default ROOT/site)")
    args = parser.parse_args(argv)
    try:
        files = build_site(args.root, args.out)
    except SiteError as err:
        print(f"site: {err}", file=sys.stderr)
        return 1
    index = (args.out or args.root / "site").resolve() / "index.html"
    print(f"wrote {len(files)} files; open {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
