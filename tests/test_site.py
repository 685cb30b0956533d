"""The static site of ``make site`` (tools/site.py): built from the repository's notebooks as they
are, every page exists, every internal reference resolves, nothing loads from the network, and each
chapter page shows its title, parameters table, figures, navigation and results files.

The site is built once per module into a temporary folder; the expectations are read from the
notebooks and README.md here, not from tools/site.py. Error cases run on a tiny repository made
in a temporary folder (two notebooks and a README).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.paths import REPO_ROOT, is_chapter

SCRIPT = REPO_ROOT / "tools" / "site.py"
_spec = importlib.util.spec_from_file_location("course_site", SCRIPT)
assert _spec is not None and _spec.loader is not None
site = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = site  # dataclasses look their module up there
_spec.loader.exec_module(site)

NOTEBOOKS = sorted(p for p in (REPO_ROOT / "notebooks").glob("*.ipynb") if is_chapter(p))
RESULTS = sorted(p for p in (REPO_ROOT / "notebooks" / "results").glob("*") if p.is_file())
NETWORK = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.IGNORECASE)
URL_ATTRIBUTES = ("href", "src", "srcset", "data", "poster", "action")
PNG_1PX = (  # a 1x1 PNG, base64 as in a notebook's output
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def page_of(notebook: Path) -> str:
    return f"notebooks/{notebook.stem}.html"


def _internal(url: str) -> bool:
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith(("#", "//")))


def _references(soup: BeautifulSoup) -> list[tuple[str, str, str]]:
    """(tag, attribute, URL) of every URL-bearing attribute of the page."""
    return [
        (tag.name, attr, tag[attr])
        for tag in soup.find_all(True)
        for attr in URL_ATTRIBUTES
        if tag.has_attr(attr)
    ]


def _css_urls(css: str) -> list[str]:
    return CSS_URL.findall(css) + CSS_IMPORT.findall(css)


def _ids(soup: BeautifulSoup) -> set[str]:
    return {unquote(tag["id"]) for tag in soup.find_all(id=True)}


@pytest.fixture(scope="module")
def built(module_dir) -> tuple[Path, list[str]]:
    out = module_dir("site") / "site"
    notes: list[str] = []
    site.build_site(REPO_ROOT, out, log=notes.append)
    return out, notes


@pytest.fixture(scope="module")
def site_dir(built) -> Path:
    return built[0].resolve()


@pytest.fixture(scope="module")
def pages(site_dir: Path) -> dict[str, BeautifulSoup]:
    return {
        p.relative_to(site_dir).as_posix(): BeautifulSoup(p.read_text("utf-8"), "html.parser")
        for p in site_dir.rglob("*.html")
    }


def test_every_page_exists(site_dir: Path, pages: dict[str, BeautifulSoup]) -> None:
    assert NOTEBOOKS, "no notebooks found"
    assert set(pages) == {"index.html", *map(page_of, NOTEBOOKS)}
    assert (site_dir / "static" / "jupyterlab.css").stat().st_size > 10_000
    assert (site_dir / "static" / "site.css").is_file()


def test_every_internal_reference_resolves(site_dir: Path, pages: dict[str, BeautifulSoup]) -> None:
    checked = 0
    for name, soup in pages.items():
        for tag, attr, url in _references(soup):
            if url.startswith("#"):
                assert unquote(url[1:]) in _ids(soup), f"{name}: no id for {url!r}"
                continue
            if not _internal(url) or url.startswith("data:"):
                continue
            path, fragment = urlsplit(url).path, urlsplit(url).fragment
            target = (site_dir / PurePosixPath(name).parent / unquote(path)).resolve()
            assert target.is_relative_to(site_dir), f"{name}: {url!r} leaves the site"
            assert target.is_file(), f"{name}: <{tag} {attr}={url!r}> points to no file"
            if fragment and target.suffix == ".html":
                other = pages[target.relative_to(site_dir).as_posix()]
                assert unquote(fragment) in _ids(other), f"{name}: no id for {url!r}"
            checked += 1
    for css in site_dir.rglob("*.css"):
        for url in _css_urls(css.read_text("utf-8")):
            if _internal(url) and not url.startswith("data:"):
                assert (css.parent / unquote(url)).is_file(), (css.name, url)
    # each chapter page links at least its stylesheets, the index and a neighbour
    assert checked >= 4 * len(NOTEBOOKS), checked


def test_no_page_loads_anything_from_the_network(
    site_dir: Path, pages: dict[str, BeautifulSoup]
) -> None:
    for name, soup in pages.items():
        for tag, attr, url in _references(soup):
            if tag == "a":
                continue  # a hyperlink the reader may follow, not something the page loads
            for candidate in url.split(","):  # srcset lists several
                assert not NETWORK.match(candidate), f"{name}: <{tag} {attr}={url!r}> is remote"
        styles = [s.get_text() for s in soup.find_all("style")]
        styles += [t["style"] for t in soup.find_all(style=True)]
        for css in styles:
            for url in _css_urls(css):
                assert not NETWORK.match(url), f"{name}: CSS loads {url!r}"
        assert not soup.find_all("script", src=True), f"{name}: loads a script"
    for path in site_dir.rglob("*.css"):
        for url in _css_urls(path.read_text("utf-8")):
            assert not NETWORK.match(url), f"{path.name}: loads {url!r}"


def _title_in(notebook: nbformat.NotebookNode) -> str | None:
    """The notebook's first '# ' heading, markup removed."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return re.sub(r"[*`]", "", match.group(1)).strip()
    return None


def _h1_texts(soup: BeautifulSoup) -> list[str]:
    return [" ".join(h.get_text().replace("¶", "").split()) for h in soup.find_all("h1")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_page_shows_its_title(path: Path, pages: dict[str, BeautifulSoup]) -> None:
    soup = pages[page_of(path)]
    title = _title_in(nbformat.read(path, as_version=4))
    if title is None:  # no '# ' cell: the page is titled from the file name ("06_nsp")
        number, _, name = path.stem.partition("_")
        title = f"{number} · {name.replace('_', ' ')}"
    assert title in _h1_texts(soup)
    assert soup.title is not None and soup.title.get_text().startswith(title)


def test_every_chapter_has_its_own_title(built) -> None:
    """The course's chapters all carry a '# ' title, so the build noted none (an untitled one is
    reported: test_an_untitled_notebook_is_reported_and_titled_from_its_name)."""
    assert all(_title_in(nbformat.read(p, as_version=4)) for p in NOTEBOOKS)
    assert built[1] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_page_has_its_parameters_table(path: Path, pages: dict[str, BeautifulSoup]) -> None:
    cell = next(
        c
        for c in nbformat.read(path, as_version=4).cells
        if "parameters" in c.metadata.get("tags", [])
    )
    statements = ast.parse(cell.source).body
    lines = cell.source.splitlines()
    tables = pages[page_of(path)].select(".site-parameters table")
    assert len(tables) == 1
    assert [th.get_text() for th in tables[0].select("thead th")] == [
        "name",
        "type",
        "default",
        "comment",
    ]
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in tables[0].select("tbody tr")]
    assert len(rows) == len(statements), "one row per parameter"
    for (name, type_name, default, comment), node in zip(rows, statements, strict=True):
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        assert name == target.id
        assert ast.literal_eval(default) == ast.literal_eval(node.value), (name, default)
        if isinstance(node, ast.AnnAssign):
            assert type_name == ast.unparse(node.annotation)
        else:
            assert type_name == type(ast.literal_eval(node.value)).__name__
        last = lines[node.end_lineno - 1]
        if "  # " in last:  # a trailing comment on the assignment's last line
            assert last.split("  # ", 1)[1].strip() in comment, (name, comment)
        assert comment.strip(), f"{name} has no comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_page_shows_every_figure(path: Path, pages: dict[str, BeautifulSoup]) -> None:
    """Each image output is an embedded <img>; each markdown image points at a copied file."""
    notebook = nbformat.read(path, as_version=4)
    outputs = sum(  # nbconvert shows HTML or SVG rather than PNG when an output has them
        "image/png" in output.get("data", {})
        and not {"text/html", "image/svg+xml"} & set(output.get("data", {}))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    markdown = [
        src
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for src in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", cell.source)
    ]
    images = pages[page_of(path)].find_all("img")
    embedded = [i for i in images if i["src"].startswith("data:image/png;base64,")]
    linked = [i["src"] for i in images if not i["src"].startswith("data:")]
    assert len(embedded) == outputs
    assert linked == markdown
    assert images, f"{path.name}: no figure on its page"


@pytest.mark.parametrize("index", range(len(NOTEBOOKS)), ids=lambda i: NOTEBOOKS[i].stem)
def test_chapter_page_navigation(index: int, pages: dict[str, BeautifulSoup]) -> None:
    soup = pages[page_of(NOTEBOOKS[index])]
    for where in ("top", "bottom"):
        nav = soup.select_one(f"nav.site-nav-{where}")
        assert nav is not None
        hrefs = {a.get("rel", [None])[0]: a["href"] for a in nav.find_all("a")}
        assert nav.find("a", string="Contents")["href"] == "../index.html#chapters"
        if index > 0:
            assert hrefs["prev"] == f"{NOTEBOOKS[index - 1].stem}.html"
        else:
            assert "prev" not in hrefs
        if index + 1 < len(NOTEBOOKS):
            assert hrefs["next"] == f"{NOTEBOOKS[index + 1].stem}.html"
        else:
            assert "next" not in hrefs


def test_links_to_chapters_point_at_their_pages(pages: dict[str, BeautifulSoup]) -> None:
    linked = 0
    for name, soup in pages.items():
        for a in soup.find_all("a", href=True):
            assert not urlsplit(a["href"]).path.endswith(".ipynb"), (name, a["href"])
        linked += sum(
            urlsplit(a["href"]).path.endswith(".html")
            for a in soup.select(".jp-RenderedMarkdown a[href]")
        )
    sources = "".join(
        c.source
        for p in NOTEBOOKS
        for c in nbformat.read(p, as_version=4).cells
        if c.cell_type == "markdown"
    )
    assert linked == len(re.findall(r"\]\([^)\s]+\.ipynb(#[^)\s]*)?\)", sources))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_page_links_the_results_files_it_names(
    path: Path, site_dir: Path, pages: dict[str, BeautifulSoup]
) -> None:
    text = "".join(c.source for c in nbformat.read(path, as_version=4).cells)
    named = [p for p in RESULTS if p.name in text]
    hrefs = {a["href"] for a in pages[page_of(path)].select(".site-files a")}
    assert hrefs == {f"results/{p.name}" for p in named}
    for results_file in named:
        copy = site_dir / "notebooks" / "results" / results_file.name
        assert copy.read_bytes() == results_file.read_bytes()


def test_index_has_the_readme_chapter_table(pages: dict[str, BeautifulSoup]) -> None:
    readme = (REPO_ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Chapters\n", 1)[1].split("\n## ", 1)[0]
    readme_rows = [line for line in section.splitlines() if line.startswith("| [")]
    soup = pages["index.html"]
    assert soup.find("h1").get_text() == readme.splitlines()[0].removeprefix("# ")
    tables = soup.find_all("table")
    assert len(tables) == 1
    rows = tables[0].select("tbody tr")
    assert len(rows) == len(readme_rows) == len(NOTEBOOKS)
    for tr, line, notebook in zip(rows, readme_rows, NOTEBOOKS, strict=True):
        link = tr.find("td").find("a")
        assert link["href"] == page_of(notebook)
        assert link.get_text() == re.search(r"\[([^\]]+)\]", line).group(1)
        what = tr.find_all("td")[1].get_text()
        assert what.split()[:3] == re.sub(r"[`*]", "", line.split("|")[2]).split()[:3]


@pytest.mark.slow
def test_fresh_copy_of_the_tracked_files_builds_the_same_site(
    tmp_path: Path, site_dir: Path
) -> None:
    """``python tools/site.py`` in a copy holding only the files git tracks (as a fresh clone)
    writes byte-identical files: nothing untracked is needed, and the output is deterministic."""
    if not (REPO_ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: the tracked files are unknown")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    clone = tmp_path / "clone"
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            (clone / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / relative)
    result = subprocess.run(
        [sys.executable, "tools/site.py"], cwd=clone, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and "index.html" in result.stdout
    fresh = {p.relative_to(clone / "site"): p for p in (clone / "site").rglob("*") if p.is_file()}
    ours = {p.relative_to(site_dir): p for p in site_dir.rglob("*") if p.is_file()}
    assert set(fresh) == set(ours)
    for relative, path in fresh.items():
        assert path.read_bytes() == ours[relative].read_bytes(), relative


# --- a tiny repository, for the errors --------------------------------------------------------


def _tiny_repo(root: Path, first_markdown: str = "# 01 · First\n\nSee [next](02_b.ipynb).") -> Path:
    """README with a chapter table, two notebooks (01_a with a figure output, 02_b), an image."""
    (root / "notebooks").mkdir(parents=True)
    (root / "img").mkdir()
    (root / "img" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "README.md").write_text(
        "# Tiny course\n\nA tiny course.\n\n## Chapters\n\n| notebook | what |\n| --- | --- |\n"
        "| [01_a](notebooks/01_a.ipynb) | first |\n| [02_b](notebooks/02_b.ipynb) | second |\n",
        encoding="utf-8",
    )
    figure = new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"})
    for name, markdown in (("01_a", first_markdown), ("02_b", "# 02 · Second")):
        params = new_code_cell("seed = 0  # a seed\nrate: float = 1e-3  # a rate")
        params.metadata["tags"] = ["parameters"]
        cells = [new_markdown_cell(markdown), params, new_code_cell("plot()", outputs=[figure])]
        nbformat.write(new_notebook(cells=cells), root / "notebooks" / f"{name}.ipynb")
    return root


def test_tiny_repository_builds(tmp_path: Path) -> None:
    markdown = "# 01 · First\n\n![x](../img/x.png) [b](02_b.ipynb#top), math $p(x_i)$"
    root = _tiny_repo(tmp_path / "repo", markdown)
    files = site.build_site(root, tmp_path / "out", log=pytest.fail)
    names = {p.relative_to(tmp_path / "out").as_posix() for p in files}
    assert {"index.html", "notebooks/01_a.html", "notebooks/02_b.html", "img/x.png"} <= names
    page = (tmp_path / "out" / "notebooks" / "01_a.html").read_text("utf-8")
    assert 'href="02_b.html#top"' in page and 'src="../img/x.png"' in page
    assert "math $p(x_i)$" in page and "<script" not in page  # math stays plain text


def test_a_notebook_that_is_not_a_chapter_is_left_out(tmp_path: Path) -> None:
    """A learner's Untitled.ipynb or an nbconvert copy beside the chapters stopped the build
    (a chapter missing from the README's table)."""
    root = _tiny_repo(tmp_path / "repo", "# 01 · First")
    for name in ("Untitled.ipynb", "01_a.nbconvert.ipynb"):
        nbformat.write(
            new_notebook(cells=[new_markdown_cell("# scratch")]), root / "notebooks" / name
        )
    files = site.build_site(root, tmp_path / "out", log=pytest.fail)
    pages = {p.name for p in files if p.suffix == ".html"}
    assert pages == {"index.html", "01_a.html", "02_b.html"}


def test_srcset_candidates_are_resolved_and_copied(tmp_path: Path) -> None:
    markdown = "# 01 · First\n\n<img src='../img/x.png' srcset='../img/x.png 1x, ../img/x.png 2x'>"
    root = _tiny_repo(tmp_path / "repo", markdown)
    files = site.build_site(root, tmp_path / "out", log=pytest.fail)
    assert "img/x.png" in {p.relative_to(tmp_path / "out").as_posix() for p in files}
    page = (tmp_path / "out" / "notebooks" / "01_a.html").read_text("utf-8")
    assert 'srcset="../img/x.png 1x, ../img/x.png 2x"' in page


@pytest.mark.parametrize(
    "markdown, message",
    [
        ("# T\n\n![x](../img/missing.png)", "'../img/missing.png' points to img/missing.png"),
        ("# T\n\nSee [c](03_c.ipynb).", "'03_c.ipynb' points to notebooks/03_c.ipynb"),
        ("# T\n\n![x](https://example.org/x.png)", "would load from the network"),
        ("# T\n\nSee [up](../../outside.txt).", "leaves the repository"),
        ("# T\n\n<script src='https://cdn.example/x.js'></script>", "would load from the network"),
        # these passed: only a, img/src, source/src and script/src were looked at
        ("# T\n\n<link rel='stylesheet' href='https://cdn.example/x.css'>", "<link href="),
        ("# T\n\n<iframe src='https://example.org/v'></iframe>", "<iframe src="),
        ("# T\n\n<img src='../img/x.png' srcset='https://example.org/x2.png 2x'>", "srcset="),
        ("# T\n\n<video src='../img/missing.mp4'></video>", "points to img/missing.mp4"),
        (
            "# T\n\n<img src='../img/x.png' srcset='../img/x.png 1x, ../img/y.png 2x'>",
            "'../img/y.png' points to img/y.png",
        ),
    ],
)
def test_a_bad_link_stops_the_build_naming_it(tmp_path: Path, markdown: str, message: str) -> None:
    root = _tiny_repo(tmp_path / "repo", markdown)
    with pytest.raises(site.SiteError) as err:
        site.build_site(root, tmp_path / "out", log=lambda _: None)
    assert str(err.value).startswith("notebooks/01_a.ipynb: ") and message in str(err.value)


def test_a_chapter_missing_from_the_readme_table_is_named(tmp_path: Path) -> None:
    root = _tiny_repo(tmp_path / "repo")
    readme = root / "README.md"
    readme.write_text(readme.read_text("utf-8").replace("| [02_b]", "| 02_b"), encoding="utf-8")
    with pytest.raises(site.SiteError, match=r"^README.md, line 10: expected a link to a notebook"):
        site.build_site(root, tmp_path / "out")
    readme.write_text(
        "\n".join(line for line in readme.read_text("utf-8").splitlines() if "02_b" not in line),
        encoding="utf-8",
    )
    with pytest.raises(site.SiteError, match=r"table has no row for notebooks/02_b.ipynb"):
        site.build_site(root, tmp_path / "out")
    readme = _tiny_repo(tmp_path / "repo2") / "README.md"
    readme.write_text(readme.read_text("utf-8") + "| [01_a](notebooks/01_a.ipynb) | again |\n")
    with pytest.raises(site.SiteError, match=r"line 11: a second row for notebooks/01_a.ipynb"):
        site.build_site(readme.parent, tmp_path / "out")


def test_parameters_are_read_without_running_them() -> None:
    source = (
        "# the model to load;\n# a hub id needs a network\n"
        'model_name = "minilm"\n'
        "path: str = None  # None: the embedded corpus\n"
        "sizes = (\n    1,  # one\n    2,\n)\n"
        "rate = 3e-4  # peak rate\n"
    )
    params = site.parse_parameters(source, "nb.ipynb")
    assert params == [
        site.Parameter(
            "model_name", "str", '"minilm"', "the model to load; a hub id needs a network"
        ),
        site.Parameter("path", "str", "None", "None: the embedded corpus"),
        site.Parameter("sizes", "tuple", "(1, 2)", "one"),
        site.Parameter("rate", "float", "3e-4", "peak rate"),
    ]


def test_a_comment_line_below_a_commented_assignment_continues_its_comment() -> None:
    """04's casing and 05's model_name continue their comment on the next line: the site gave
    that line to the next parameter (strategy, data_path) and cut the first one mid-sentence."""
    source = (
        'casing = "auto"  # on for a BERT, or\n# off for other models\n'
        'strategy = "first"\n'
        "# leads seed: the assignment above it has no comment\n"
        "seed = 0  # fixes everything\n"
    )
    assert [p.comment for p in site.parse_parameters(source, "nb.ipynb")] == [
        "on for a BERT, or off for other models",
        "",
        "leads seed: the assignment above it has no comment fixes everything",
    ]


@pytest.mark.parametrize(
    "source, message",
    [
        ("seed = 1 + 1", "line 1: seed is not a literal"),
        ("seed = 0\nimport os", "line 2: expected 'name = literal'"),
        ("a = b = 0", "line 1: expected 'name = literal'"),
        ("seed: int", "line 1: expected 'name = literal'"),
        ("%matplotlib inline", "the parameters cell is not Python (line 1)"),
        ("# nothing", "the parameters cell assigns nothing"),
        ("d = {[1]: 2}", "line 1: d is not a literal"),  # was a bare TypeError, no file named
    ],
)
def test_bad_parameters_cells_are_named(source: str, message: str) -> None:
    with pytest.raises(site.SiteError) as err:
        site.parse_parameters(source, "notebooks/x.ipynb")
    assert str(err.value).startswith("notebooks/x.ipynb") and message in str(err.value)


def test_an_output_folder_that_is_not_a_site_is_not_deleted(tmp_path: Path) -> None:
    root = _tiny_repo(tmp_path / "repo")
    precious = tmp_path / "work" / "notes.txt"
    precious.parent.mkdir()
    precious.write_text("mine", encoding="utf-8")
    with pytest.raises(site.SiteError, match="not a site built by this tool; not deleted"):
        site.build_site(root, precious.parent)
    with pytest.raises(site.SiteError, match="would hold the repository"):
        site.build_site(root, root)
    assert precious.read_text(encoding="utf-8") == "mine"
    site.build_site(root, tmp_path / "out")
    site.build_site(root, tmp_path / "out")  # a site it built is replaced


def test_a_notebook_that_cannot_be_read_or_lacks_a_parameters_cell_is_named(
    tmp_path: Path,
) -> None:
    """A broken notebook stopped with nbformat's NotJSONError, naming no file; a markdown cell
    tagged 'parameters' was reported as 'found 1'."""
    root = _tiny_repo(tmp_path / "repo")
    path = root / "notebooks" / "02_b.ipynb"
    nb = nbformat.read(path, as_version=4)
    tagged = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    nb.cells[nb.cells.index(tagged)] = nbformat.v4.new_markdown_cell(
        "seed = 0", metadata={"tags": ["parameters"]}
    )
    nbformat.write(nb, path)
    with pytest.raises(site.SiteError, match=r"^notebooks/02_b.ipynb: expected one code cell "
                       r"tagged 'parameters', found a markdown cell$"):  # fmt: skip
        site.read_chapter(root, "notebooks/02_b.ipynb")
    path.write_text('{"cells": [,}', encoding="utf-8")
    with pytest.raises(site.SiteError, match=r"^notebooks/02_b.ipynb: not a readable notebook"):
        site.read_chapter(root, "notebooks/02_b.ipynb")


def test_an_untitled_notebook_is_reported_and_titled_from_its_name(tmp_path: Path) -> None:
    root = _tiny_repo(tmp_path / "repo")
    untitled = root / "notebooks" / "02_b.ipynb"
    nb = nbformat.read(untitled, as_version=4)
    nb.cells[0].source = "No title here, only text."
    nbformat.write(nb, untitled)
    notes: list[str] = []
    site.build_site(root, tmp_path / "out", log=notes.append)
    assert len(notes) == 1
    assert "notebooks/02_b.ipynb" in notes[0] and "no '# ' title" in notes[0]
    page = BeautifulSoup(
        (tmp_path / "out" / "notebooks" / "02_b.html").read_text("utf-8"), "html.parser"
    )
    assert "02 · b" in _h1_texts(page)
    assert page.title is not None and page.title.get_text().startswith("02 · b")
