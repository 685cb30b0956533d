"""Cells of chapters 07 and 08 that read what a run or a results file holds, run on inputs the
committed defaults never give them: a short run (07) and a study without its low threshold (08)."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest

from helpers.paths import NOTEBOOKS_DIR
from tests.notebook_cells import notebook_namespace


def _run(losses: list[float]) -> SimpleNamespace:
    return SimpleNamespace(losses=losses, positions=[10] * len(losses), tokens=[12] * len(losses))


def test_notebook07_loss_check_passes_a_short_run_whose_loss_falls():
    """6 steps from 8.0 to 3.0: the mean of the first and of the last 10 steps were one window,
    divided by 10, so the check could not pass even with ``loss_drop=0``."""
    runs = {
        "clm": _run([8.0, 7.0, 6.0, 5.0, 4.0, 3.0]),
        "mlm": _run([7.0, 6.0, 5.0, 4.5, 4.0, 3.5]),
    }
    runs["mlm"].positions = [1] * 6
    cell = notebook_namespace(
        "07_clm_vs_mlm.ipynb", "start, end =", runs=runs, loss_drop=1.0, math=math,
        tok=list(range(5339)), mlm_probability=0.15,
    )  # fmt: skip
    assert (cell["start"], cell["end"]) == (6.0, 4.0)  # mlm: the first 3 steps, the last 3


def test_notebook07_loss_check_still_fails_a_run_that_learns_nothing():
    runs = {"clm": _run([5.0] * 30), "mlm": _run([5.0] * 30)}
    with pytest.raises(AssertionError, match="clm: loss fell only from 5.00 to 5.00"):
        notebook_namespace(
            "07_clm_vs_mlm.ipynb", "start, end =", runs=runs, loss_drop=1.0, math=math,
            tok=list(range(5339)), mlm_probability=0.15,
        )  # fmt: skip


def _results_without_the_low_threshold() -> dict:
    results = json.loads((NOTEBOOKS_DIR / "results" / "pseudo_labelling.json").read_text())
    results["parameters"][
        "low_threshold"
    ] = -1.0  # python -m helpers.pseudo_label --low-threshold -1
    for seed in results["seeds"]:
        seed["runs"] = {"0.5": seed["runs"]["0.5"]}
    return results


def _section7(results: dict) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    try:
        return notebook_namespace(
            "08_pseudo_labelling.ipynb", "thresholds = ", "seeds_table.groupby",
            "fig, axes = plt.subplots(1, len(thresholds)",
            "quality = []", results=results, pd=pd, plt=plt,
        )  # fmt: skip
    finally:
        plt.close("all")


def test_notebook08_reads_a_study_run_without_its_low_threshold():
    """``--low-threshold -1`` (skip) is an option of the command; the cells used to stop with
    ``KeyError: '-1.0'`` (and one threshold gave a single Axes that the plot could not zip)."""
    results = _results_without_the_low_threshold()
    cell = _section7(results)
    assert cell["thresholds"] == ["0.5"]
    table = cell["seeds_table"]
    assert list(table.index) == [(s["seed"], 0.5) for s in results["seeds"]]
    assert len(cell["axes"]) == 1
    assert list(cell["summary"].index) == [0.5]


def test_notebook08_reads_the_committed_study_in_the_order_it_was_run():
    results = json.loads((NOTEBOOKS_DIR / "results" / "pseudo_labelling.json").read_text())
    cell = _section7(results)
    asked = results["parameters"]
    assert cell["thresholds"] == [str(asked["threshold"]), str(asked["low_threshold"])]
    assert len(cell["seeds_table"]) == 2 * len(results["seeds"]) and len(cell["axes"]) == 2
