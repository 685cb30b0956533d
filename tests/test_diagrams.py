"""The diagrams: ``draw_all`` writes every PNG, deterministically, and nlp_images/ is up to date."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from helpers import diagrams
from helpers.paths import IMAGES_DIR

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
def drawn(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return diagrams.draw_all(tmp_path_factory.mktemp("diagrams"))


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


def test_committed_images_match_fresh_ones(drawn: list[Path]) -> None:
    """nlp_images/ is what ``python -m helpers.diagrams`` produces (rerun it after editing).

    Bytes must match; should a different Pillow/zlib build compress the same pixels differently,
    the decoded pixels must still match exactly.
    """
    for fresh in drawn:
        committed = IMAGES_DIR / fresh.name
        assert committed.exists(), f"{committed} missing: run python -m helpers.diagrams"
        if committed.read_bytes() == fresh.read_bytes():
            continue
        a, b = mpimg.imread(committed), mpimg.imread(fresh)
        assert a.shape == b.shape and np.array_equal(a, b), (
            f"{committed.name} is out of date: run python -m helpers.diagrams"
        )


def test_cli_redraws_identical_bytes(
    drawn: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m helpers.diagrams --out DIR`` writes there, and a redraw is byte-identical."""
    diagrams.main(["--out", str(tmp_path)])
    printed = [Path(p) for p in capsys.readouterr().out.split()]
    assert [p.name for p in printed] == [p.name for p in drawn]
    for first, again in zip(drawn, printed, strict=True):
        assert again.parent == tmp_path
        assert first.read_bytes() == again.read_bytes(), f"{first.name} is not deterministic"
