"""Settings for every pytest run of this repository (``pytest --nbval``, ``pytest tests/`` or
``pytest --nbval notebooks/``), made at import, before anything imports ``torch``,
``transformers`` or ``huggingface_hub`` (each reads its variable once) and before any notebook
kernel starts (kernels inherit this process's environment).

- The hub is switched off: tests and notebooks never touch the network. A test that needs it
  unset uses ``monkeypatch.delenv``, which restores it afterwards.
- Runs saved under a relative path go to a temporary folder (``COURSE_OUTPUT_ROOT``), removed at
  the end: a test run leaves nothing in the learner's ``runs/``; the folders of runs killed
  more than a day ago are removed at the start.
- Only the chapters of ``notebooks/`` (``NN_name.ipynb``) are collected there.
- Under pytest-xdist (``-n N`` in pyproject.toml's addopts) each of the N workers, its tests and
  the notebook kernels it starts use ``cores // N`` threads, so the workers never fight over the
  cores; not when the user set ``OMP_NUM_THREADS`` themselves.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import tempfile
import time

os.environ["HF_HUB_OFFLINE"] = "1"
# runs saved under a relative path (notebook 04's runs/ner, 05's runs/mlm) go to a temporary
# folder, not the learner's runs/ (helpers.paths.output_root); each process removes its own
STALE_SECONDS = 24 * 3600  # a test run's folder this old outlived a killed run (no atexit)


def remove_stale_run_folders(root: str = tempfile.gettempdir()) -> list[str]:
    """Remove the ``course-test-runs-*`` folders of runs killed more than a day ago (saved
    models of about 87 MB each); return their paths."""
    now, gone = time.time(), []
    for path in glob.glob(os.path.join(root, "course-test-runs-*")):
        if os.path.isdir(path) and now - os.path.getmtime(path) > STALE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
            gone.append(path)
    return gone


if "COURSE_OUTPUT_ROOT" not in os.environ:
    remove_stale_run_folders()
    os.environ["COURSE_OUTPUT_ROOT"] = tempfile.mkdtemp(prefix="course-test-runs-")
    atexit.register(shutil.rmtree, os.environ["COURSE_OUTPUT_ROOT"], ignore_errors=True)
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _threads_per_worker() -> int | None:
    """``cores // N`` under N >= 2 xdist workers; None outside xdist or when the user set
    ``OMP_NUM_THREADS``."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2 or "OMP_NUM_THREADS" in os.environ:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // workers)


_THREADS = _threads_per_worker()
if _THREADS is not None:
    os.environ["OMP_NUM_THREADS"] = str(_THREADS)


def pytest_ignore_collect(collection_path, config):  # noqa: ARG001 (pytest's hook signature)
    """nbval collects every notebook it is shown; in notebooks/ only the chapters are tested
    (helpers.paths.is_chapter; a light module: it imports no library)."""
    from helpers.paths import NOTEBOOKS_DIR, is_chapter

    path = os.path.abspath(os.fspath(collection_path))
    if path.endswith(".ipynb") and os.path.dirname(path) == str(NOTEBOOKS_DIR):
        return not is_chapter(path) or None
    return None
