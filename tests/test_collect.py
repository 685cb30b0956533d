"""Which notebooks the suite and the site take: the chapters of notebooks/, nothing else there."""

from __future__ import annotations

import importlib.util

from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT


def test_only_the_chapters_of_notebooks_are_collected():
    """nbval collected every notebook in notebooks/: a learner's Untitled.ipynb or a papermill
    copy saved there was run and failed the suite (and the site build)."""
    spec = importlib.util.spec_from_file_location("root_conftest", REPO_ROOT / "conftest.py")
    assert spec is not None and spec.loader is not None
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    ignored = root.pytest_ignore_collect
    for name in ("Untitled.ipynb", "copy_of_04.ipynb", "04_ner.nbconvert.ipynb", "out.ipynb"):
        assert ignored(NOTEBOOKS_DIR / name, None) is True, name
    for chapter in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        assert ignored(chapter, None) is None, chapter.name
    assert ignored(REPO_ROOT / "tests" / "test_collect.py", None) is None
    assert ignored(REPO_ROOT / "elsewhere" / "Untitled.ipynb", None) is None  # outside: as given
