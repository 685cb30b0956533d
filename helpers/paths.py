"""Where things live, independent of the current directory.

Notebooks run from the repo root (papermill) and from ``notebooks/`` (JupyterLab); both resolve
files through these constants. Taught in notebooks/02_label_encoding.ipynb.
"""

import fnmatch
import os
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = REPO_ROOT / "data"
IMAGES_DIR: Path = REPO_ROOT / "nlp_images"
NOTEBOOKS_DIR: Path = REPO_ROOT / "notebooks"
CORPUS_TRAIN: Path = DATA_DIR / "news_ner_train.csv"
CORPUS_TEST: Path = DATA_DIR / "news_ner_test.csv"


def is_chapter(path: str | Path) -> bool:
    """A chapter's file name: ``NN_name.ipynb`` (not a learner's Untitled.ipynb, nor the
    ``NN_name.nbconvert.ipynb`` copy ``jupyter nbconvert --execute`` writes beside it)."""
    name = Path(path).name
    return fnmatch.fnmatch(name, "[0-9][0-9]_*.ipynb") and not name.endswith(".nbconvert.ipynb")


def resolve(path: str | Path) -> Path:
    """Return ``path`` as given if it exists, else relative to the repo root.

    A learner may pass ``data/x.csv`` from the repo root or from ``notebooks/``; both work.
    """
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p
    candidate = REPO_ROOT / p
    return candidate if candidate.exists() else p


def need_file(name: str, path: str | Path | None) -> Path | None:
    """A notebook's file parameter: ``None``, or a file as :func:`resolve` finds it. Otherwise
    ``FileNotFoundError`` (``ValueError`` for what is not a path) naming the parameter."""
    if path is None:
        return None
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise ValueError(f"{name}={path!r}: expected None or a file path")
    found = resolve(path)
    if not found.is_file():
        what = "a folder, expected a file" if found.is_dir() else "no such file"
        raise FileNotFoundError(
            f"{name}={str(path)!r}: {what} (a relative path: from the current folder, else the "
            "repo root)"
        )
    return found


def output_root() -> Path:
    """Where relative output paths go: the repo root, or ``$COURSE_OUTPUT_ROOT`` when set (the
    test suite sets it to a temporary folder, so its runs stay out of the learner's ``runs/``)."""
    root = os.environ.get("COURSE_OUTPUT_ROOT")
    return Path(root).expanduser() if root else REPO_ROOT


def output_path(path: str | Path) -> Path:
    """Where a run writes: an absolute path as given, a relative one under :func:`output_root`."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else output_root() / p


def shown(path: str | Path) -> str:
    """``path`` relative to :func:`output_root` or the repo root when it is inside one of them
    (the same text on every machine), else as it is."""
    p = Path(path).resolve()
    for root in (output_root(), REPO_ROOT):
        try:
            return str(p.relative_to(root.resolve()))
        except ValueError:
            continue
    return str(p)


def current_umask() -> int:
    """The process's umask (reading it means setting it: it is set back at once). Files made
    private by ``tempfile`` get ``0o666 & ~current_umask()`` to look like any new file."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
