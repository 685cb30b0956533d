"""The root conftest's own rules: which notebooks the suite (and the site) takes, and what a
killed test run leaves behind."""

from __future__ import annotations

import importlib.util

from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT


def root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", REPO_ROOT / "conftest.py")
    assert spec is not None and spec.loader is not None
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)  # COURSE_OUTPUT_ROOT is set: it makes no folder of its own
    return root


def test_only_the_chapters_of_notebooks_are_collected():
    """nbval collected every notebook in notebooks/: a learner's Untitled.ipynb or a papermill
    copy saved there was run and failed the suite (and the site build)."""
    ignored = root_conftest().pytest_ignore_collect
    for name in ("Untitled.ipynb", "copy_of_04.ipynb", "04_ner.nbconvert.ipynb", "out.ipynb"):
        assert ignored(NOTEBOOKS_DIR / name, None) is True, name
    for chapter in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        assert ignored(chapter, None) is None, chapter.name
    assert ignored(REPO_ROOT / "tests" / "test_collect.py", None) is None
    assert ignored(REPO_ROOT / "elsewhere" / "Untitled.ipynb", None) is None  # outside: as given


def test_a_killed_runs_folder_is_removed_a_day_later(tmp_path):
    """Removed at exit only, so a killed run's folder (saved models included) stayed in /tmp."""
    import os
    import time

    old, fresh = (tmp_path / f"course-test-runs-{n}" for n in ("old", "fresh"))
    for folder in (old, fresh):
        folder.mkdir()
    (tmp_path / "other-old").mkdir()
    day_ago = time.time() - 25 * 3600
    for folder in (old, tmp_path / "other-old"):
        os.utime(folder, (day_ago, day_ago))
    assert root_conftest().remove_stale_run_folders(str(tmp_path)) == [str(old)]
    assert not old.exists() and fresh.exists() and (tmp_path / "other-old").exists()
