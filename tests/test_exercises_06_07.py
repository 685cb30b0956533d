"""Checkers of notebooks 06 and 07: right, wrong and empty answers."""

from __future__ import annotations

import pytest

from helpers.exercises import ExerciseError, ch06, ch07

# [CLS] a a a [SEP] b b [SEP]: segment 1 = two pieces of B + the final [SEP]
TYPES = [0, 0, 0, 0, 0, 1, 1, 1]


def test_06_segment_ones():
    assert ch06.check_segment_ones(None, TYPES).startswith("Not answered yet. Hint: ")
    assert ch06.check_segment_ones(3, TYPES).startswith("Right")
    for wrong, why in [
        (2, "final \\[SEP\\]"),
        (5, "segment 0"),
        (8, "whole input"),
        (4, "subword pieces"),
    ]:
        with pytest.raises(ExerciseError, match=why):
            ch06.check_segment_ones(wrong, TYPES)
    with pytest.raises(ExerciseError, match="whole number"):
        ch06.check_segment_ones("3", TYPES)


def test_06_min_correct():
    # Wilson 95% lower bounds for n=200 (scipy.stats.binomtest(k, 200).proportion_ci(
    # method="wilson")): 113/200 -> 0.4957, 114/200 -> 0.5007
    from scipy.stats import binomtest

    assert binomtest(114, 200).proportion_ci(method="wilson").low > 0.5
    assert binomtest(113, 200).proportion_ci(method="wilson").low < 0.5
    assert ch06.check_min_correct(None).startswith("Not answered yet. Hint: ")
    assert ch06.check_min_correct(114, 200).startswith("Right")
    with pytest.raises(ExerciseError, match="still contains 0.5"):
        ch06.check_min_correct(113, 200)
    with pytest.raises(ExerciseError, match="still contains 0.5"):
        ch06.check_min_correct(101, 200)
    # 86/200 (0.363-0.499) and 0 lie wholly below 0.5: "still contains 0.5" was false there
    for below in (86, 0):
        with pytest.raises(
            ExerciseError, match="wholly below 0.5, so such a model is reliably worse"
        ):
            ch06.check_min_correct(below, 200)
    with pytest.raises(ExerciseError, match="still contains 0.5"):
        ch06.check_min_correct(87, 200)  # 0.368-0.504
    with pytest.raises(ExerciseError, match="smaller count"):
        ch06.check_min_correct(130, 200)
    with pytest.raises(ExerciseError, match="between 0 and 200"):
        ch06.check_min_correct(201, 200)
    # n=20: 15/20 has lower bound 0.531, 14/20 has 0.481
    assert ch06.check_min_correct(15, 20).startswith("Right")


def test_07_clm_positions():
    lengths = [12, 20, 9, 15]  # 56 tokens, 4 sentences
    assert ch07.check_clm_positions(None, lengths).startswith("Not answered yet. Hint: ")
    assert ch07.check_clm_positions(52, lengths).startswith("Right")
    for wrong, why in [(56, "first token"), (8, "15%"), (40, "one target per sentence")]:
        with pytest.raises(ExerciseError, match=why):
            ch07.check_clm_positions(wrong, lengths)


def test_07_unchanged_targets():
    import torch

    ids = torch.tensor([[101, 103, 7, 8, 103, 9, 102]])
    labels = torch.tensor([[-100, 5, 7, 8, 6, 4, -100]])  # 5 targets: 2 [MASK], 2 same, 1 random
    batch = {"input_ids": ids, "labels": labels}
    assert ch07.check_unchanged_targets(None, batch, 103).startswith("Not answered yet. Hint: ")
    assert ch07.check_unchanged_targets(2, batch, 103).startswith("Right: 2 of the 5")
    for wrong, why in [(5, "every target"), (3, "random token"), (4, "not right")]:
        with pytest.raises(ExerciseError, match=why):
            ch07.check_unchanged_targets(wrong, batch, 103)


def test_07_mask_rate():
    from helpers.lm import LMRun

    # 12 steps: the table's "last loss (mean of 10)" is 7.2, 0.2 above the quoted default's 7.0
    run = LMRun("mlm", losses=[9.0, 9.0] + [7.2] * 10, positions=[40, 41] * 6, tokens=[100] * 12)
    why = " ".join(["word"] * 25)
    good = {"mlm_probability": 0.4, "targets_per_step": 40, "loss_change": 0.2, "why": why}
    assert ch07.check_mask_rate(None, 0.4, run, 7.0).startswith("Not answered yet. Hint: ")
    assert ch07.check_mask_rate(good, 0.4, run, 7.0).startswith("Plausible: 40 targets per step")
    own_default = ch07.check_mask_rate({**good, "loss_change": 0.17}, 0.4, run, 7.0)
    assert own_default.startswith("Plausible"), own_default  # 0.17: from one's own default run
    for change, why_ in [
        ({"mlm_probability": 0.15}, "default"),
        ({"mlm_probability": 0.3}, "ran with"),
        ({"targets_per_step": 15}, "expect about 40"),
        ({"targets_per_step": 37}, "read the masked LM's column"),  # within 20%, not the table's
        ({"targets_per_step": "40"}, "must be a number"),
        ({"loss_change": -0.2}, "the other way round"),
        ({"loss_change": 1e9}, "not what your run shows"),
        ({"loss_change": True}, "must be a number"),
        ({"why": "short"}, "20 words"),
    ]:
        with pytest.raises(ExerciseError, match=why_):
            ch07.check_mask_rate({**good, **change}, 0.4, run, 7.0)
    with pytest.raises(ExerciseError, match="exactly the keys"):
        ch07.check_mask_rate({"why": why}, 0.4, run, 7.0)


def test_07_the_quoted_default_loss_is_the_stored_runs():
    """Exercise 3 of notebook 07 quotes the default run's last loss in its text and passes it to
    the checker: both must be the stored run's table, or a re-executed notebook leaves them
    stale."""
    import json
    import re

    from helpers.paths import NOTEBOOKS_DIR

    cells = json.loads((NOTEBOOKS_DIR / "07_clm_vs_mlm.ipynb").read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells]
    table = next(
        "".join(o["data"]["text/plain"])
        for c in cells
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if "last loss (mean of 10)" in "".join(o.get("data", {}).get("text/plain", ""))
    )
    stored = re.search(r"last loss \(mean of 10\)\s+\S+\s+(\S+)", table).group(1)  # mlm column
    quoted = re.search(
        r"default_last_loss = (\S+)", next(s for s in sources if "check_mask_rate" in s)
    )
    assert quoted.group(1) == stored
    assert f"minus the default run's {stored} in the section 4 table" in " ".join(
        " ".join(s.split()) for s in sources
    )


def _same_doc_answer(**over):
    answer = {
        "negatives": "same_doc",
        "accuracy": 0.612,
        "excludes_chance": True,
        "why": " ".join(["word"] * 25),
    }
    return {**answer, **over}


def test_check_same_doc_right_and_unanswered():
    run = {"accuracy": 0.612, "low": 0.55}
    assert ch06.check_same_doc(None, "other_doc", run).startswith("Not answered yet")
    assert ch06.check_same_doc(_same_doc_answer(), "same_doc", run).startswith("Plausible")


@pytest.mark.parametrize(
    "over, negatives, explanation",
    [
        ({}, "other_doc", "this notebook ran with negatives='other_doc'"),
        ({"negatives": "other_doc"}, "same_doc", "-p negatives same_doc"),
        ({"accuracy": 0.7}, "same_doc", "accuracy=0.7"),
        ({"excludes_chance": False}, "same_doc", "does lie above 0.5"),
        ({"excludes_chance": 1}, "same_doc", "must be True or False, got 1"),
        ({"accuracy": True}, "same_doc", "accuracy must be a number"),
        ({"why": "because"}, "same_doc", "20 words"),
    ],
)
def test_check_same_doc_explains_slips(over, negatives, explanation):
    with pytest.raises(ExerciseError, match=explanation):
        ch06.check_same_doc(_same_doc_answer(**over), negatives, {"accuracy": 0.612, "low": 0.55})
