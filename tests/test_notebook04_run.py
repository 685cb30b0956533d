"""Notebook 04 run with papermill on a user's file: saved wherever asked, before any quality bar.

Issue 7: an absolute ``output_dir`` outside the repository crashed the last cell, and the F1 floor
(calibrated for the embedded corpus) threw away a user's finished run before it was saved.
"""

from __future__ import annotations

import json

import pytest

from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT


@pytest.mark.slow
def test_user_file_absolute_output_dir_and_no_floor(tmp_path, tiny_model_dir):
    import papermill as pm

    from helpers.data import load_embedded

    data = tmp_path / "mine.csv"
    rows = ["Sentence,Tag"] + [
        f'"{" ".join(s.words)}","{s.tags!r}"' for s in load_embedded("train").sentences[:40]
    ]
    data.write_text("\n".join(rows) + "\n")
    out_dir = tmp_path / "elsewhere" / "run"  # absolute, outside the repository
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "04_ner.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={
            "model_name": tiny_model_dir,
            "data_path": str(data),
            "n_sentences": None,
            "epochs": 1,
            "f1_floor": 1.0,  # unreachable: must not stop a run on the user's own data
            "output_dir": str(out_dir),
            "precision": "fp32",
        },
        cwd=str(REPO_ROOT),
        kernel_name="python3",
        progress_bar=False,
    )
    report = json.loads((out_dir / "metrics.json").read_text())
    assert report["parameters"]["data_path"] == str(data)
    assert report["kept_epoch"] == 1 and 0.0 <= report["test"]["f1"] < 1.0
    # validation_size defaults to 0: nothing was scored during training (the test set never is)
    assert report["history"] and all("f1" not in row for row in report["history"])
    assert (out_dir / "model" / "model.safetensors").is_file()
    assert not list(REPO_ROOT.glob("elsewhere"))
