"""The diagrams tool: ``draw_all`` writes every PNG, deterministically; nlp_images/ is current.

``tools/diagrams.py`` is a script outside the ``helpers`` package; it is loaded here from its path.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from helpers.paths import IMAGES_DIR, REPO_ROOT

SCRIPT = REPO_ROOT / "tools" / "diagrams.py"
_spec = importlib.util.spec_from_file_location("course_diagrams", SCRIPT)
assert _spec is not None and _spec.loader is not None
diagrams = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(diagrams)

EXPECTED = {
    "BERT.png",
    "RL.png",
    "attention_masks.png",
    "families.png",
    "nsp.png",
    "pseudo_labelling.png",
    "alignment.png",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def drawn(module_dir) -> list[Path]:
    return diagrams.draw_all(module_dir("diagrams"))


def test_draw_all_writes_exactly_the_expected_files(drawn: list[Path]) -> None:
    assert {p.name for p in drawn} == EXPECTED
    assert len(drawn) == len(EXPECTED)
    assert {p.name for p in drawn[0].parent.iterdir()} == EXPECTED


def test_each_file_is_a_plausible_png(drawn: list[Path]) -> None:
    for path in drawn:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), path.name
        assert 0 < len(data) < 200_000, (path.name, len(data))
        img = mpimg.imread(path)
        height, width = img.shape[:2]
        assert 500 <= width <= 2500 and 500 <= height <= 2500, (path.name, img.shape)
        assert img.shape[2] in (3, 4)
        assert img.std() > 0.05, f"{path.name} looks blank"


def test_every_figure_function_is_documented() -> None:
    for name, draw in diagrams.FIGURES.items():
        doc = (draw.__doc__ or "").strip()
        assert doc.endswith(".ipynb."), name
        assert "Taught in notebooks/" in doc.splitlines()[-1], name


def test_each_notebook_a_figure_names_shows_it() -> None:
    """Every notebook named in a figure's "Taught in" line shows that figure in its markdown."""
    import json
    import re

    for name, draw in diagrams.FIGURES.items():
        named = re.findall(r"notebooks/(\w+\.ipynb)", (draw.__doc__ or "").strip().splitlines()[-1])
        assert named, name
        for notebook in named:
            cells = json.loads((REPO_ROOT / "notebooks" / notebook).read_text())["cells"]
            markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            assert f"](../nlp_images/{name})" in markdown, f"{notebook} does not show {name}"


def test_committed_images_match_fresh_ones(drawn: list[Path]) -> None:
    """nlp_images/ is what ``python tools/diagrams.py`` produces (rerun it after editing).

    Bytes must match; should a different Pillow/zlib build compress the same pixels differently,
    the decoded pixels must still match exactly.
    """
    for fresh in drawn:
        committed = IMAGES_DIR / fresh.name
        assert committed.exists(), f"{committed} missing: run python tools/diagrams.py"
        if committed.read_bytes() == fresh.read_bytes():
            continue
        a, b = mpimg.imread(committed), mpimg.imread(fresh)
        assert a.shape == b.shape and np.array_equal(a, b), (
            f"{committed.name} is out of date: run python tools/diagrams.py"
        )


def test_cli_redraws_identical_bytes(
    drawn: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python tools/diagrams.py --out DIR`` writes there, and a redraw is byte-identical."""
    diagrams.main(["--out", str(tmp_path)])
    printed = [Path(p) for p in capsys.readouterr().out.split()]
    assert [p.name for p in printed] == [p.name for p in drawn]
    for first, again in zip(drawn, printed, strict=True):
        assert again.parent == tmp_path
        assert first.read_bytes() == again.read_bytes(), f"{first.name} is not deterministic"


def test_helpers_package_does_not_ship_the_tool() -> None:
    import helpers

    assert "diagrams" not in helpers.__all__
    assert not (REPO_ROOT / "helpers" / "diagrams.py").exists()


@pytest.mark.slow
def test_script_runs_from_anywhere(tmp_path: Path) -> None:
    """``python tools/diagrams.py --out DIR`` works as a plain script, from another directory."""
    out = tmp_path / "images"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == EXPECTED
