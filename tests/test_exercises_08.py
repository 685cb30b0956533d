"""Checkers of notebooks/08_pseudo_labelling.ipynb: right, wrong and missing answers."""

from __future__ import annotations

import math

import pytest

from helpers.exercises import ExerciseError, ch08
from helpers.pseudo_label import PseudoRun, Round

# ---- 08a: which sentences pass (worked out by hand from ch08.CONFIDENCES, threshold 0.8)
# min: sentence 1 (weakest 0.85) and 2 (weakest exactly 0.80) pass.
# mean: 0 (0.910), 1 (0.880), 2 (0.9425), 4 (0.957) pass; 3 (0.790) does not.


def test_selection_right():
    assert ch08.check_selection(([1, 2], [0, 1, 2, 4])).startswith("Right")
    assert ch08.check_selection(((2, 1), (4, 2, 1, 0))).startswith("Right")
    # what a set comprehension gives: it used to be refused as "expected a pair of lists"
    assert ch08.check_selection(({1, 2}, {0, 1, 2, 4})).startswith("Right")


def test_selection_none_is_not_answered_yet():
    assert ch08.check_selection(None).startswith("Not answered yet. Hint: ")


@pytest.mark.parametrize(
    "answer,match",
    [
        (([1], [0, 1, 2, 4]), "exactly 0.8"),
        (([2, 3], [0, 1, 2, 4]), "count from 0"),
        (([1, 2, 4], [0, 1, 2, 4]), "sentence 4 has a word at 0.79"),
        (([1, 2], [1, 2]), "sentence 0 averages 0.910"),
        (([1, 2], [0, 1, 2, 3, 4]), "sentence 3 averages 0.790"),
        (([1, 2], [0, 1, 2, 7]), "0 to 4"),
        ("1, 2", "pair of lists"),
        (([1, 2, 2], [0, 1, 2, 4]), r"min rule: \[1, 2, 2\] names a sentence twice"),
        (([1, 2], [0, 1, 2, 4, 4]), "mean rule: .* names a sentence twice"),
    ],
)
def test_selection_wrong(answer, match):
    with pytest.raises(ExerciseError, match=match):
        ch08.check_selection(answer)


# ---- 08b: 50 labelled, pool 100, rounds add 30, 12, 0 → sizes 50, 80, 92, 92; 58 left


def test_rounds_right_and_none():
    assert ch08.check_rounds(([50, 80, 92, 92], 58)).startswith("Right")
    assert ch08.check_rounds(None).startswith("Not answered yet. Hint: ")


@pytest.mark.parametrize(
    "answer,match",
    [
        (([50, 80, 62, 50], 58), "accumulate"),
        (([0, 30, 42, 42], 58), "labelled sentences only"),
        (([50, 150, 150, 150], 58), "not the whole pool"),
        (([50, 80, 92, 93], 58), "round 3 adds nothing"),
        # each round's new sentences instead of the set it trains on (it used to be told
        # "round 3 adds nothing")
        (([50, 30, 12, 0], 58), "30, 12 are the sentences rounds 1 and 2 add; each round"),
        (([50, 80, 92, 92], 88), "leaves the pool for good"),
        (([50, 80, 92, 92], 42), "subtract what every round took"),
        (([50, 80, 92], 58), "four ints"),
    ],
)
def test_rounds_wrong(answer, match):
    with pytest.raises(ExerciseError, match=match):
        ch08.check_rounds(answer)


# ---- 08c: the open exercise reads a real PseudoRun; here one built by hand


def _run(threshold=0.2, precision=0.61):
    r0 = Round(0, 0, 0, 50, True, {"f1": 0.50}, 1.0)
    q = {
        "precision": precision,
        "recall": 0.5,
        "f1": 0.55,
        "entities": 40,
        "predicted": 33,
        "correct": 20,
    }
    r1 = Round(1, 70, 70, 120, True, {"f1": 0.47}, 2.0, new_quality=q)
    return PseudoRun(threshold, "min", [r0, r1], {}, None)


WHY = (
    "The low threshold let in many sentences whose tags were wrong, the retrained model learnt "
    "those mistakes as if they were gold and became more sure of them."
)


def test_low_threshold_right():
    ans = {"threshold": 0.2, "kept": 70, "precision": 0.61, "f1_change": -0.03, "why": WHY}
    msg = ch08.check_low_threshold(ans, _run())
    assert msg.startswith("Right") and "13 wrong entities" in msg


def test_low_threshold_none_and_default_run():
    assert ch08.check_low_threshold(None, _run()).startswith("Not answered yet. Hint: ")
    ans = {"threshold": 0.5, "kept": 70, "precision": 0.61, "f1_change": -0.03, "why": WHY}
    with pytest.raises(ExerciseError, match="rerun with one below 0.5"):
        ch08.check_low_threshold(ans, _run(0.5))


def test_low_threshold_with_no_precision_to_read():
    """A round that kept no sentence has no precision (NaN): the answer NaN is right, and the
    checker says so when it is missing, instead of rejecting every number."""
    ans = {"threshold": 0.2, "kept": 70, "precision": math.nan, "f1_change": -0.03, "why": WHY}
    assert ch08.check_low_threshold(ans, _run(precision=math.nan)).startswith("Right")
    with pytest.raises(ExerciseError, match="no precision; give float"):
        ch08.check_low_threshold({**ans, "precision": 0.0}, _run(precision=math.nan))
    with pytest.raises(ExerciseError, match="precision=nan is not what this run measured"):
        ch08.check_low_threshold(ans, _run())


@pytest.mark.parametrize(
    "change,match",
    [
        ({"kept": 120}, "kept=120 is not what this run measured"),
        ({"precision": 0.70}, "precision=0.7 is not"),
        ({"f1_change": 0.03}, "f1_change=0.03: you subtracted the other way round"),
        ({"f1_change": 0.05}, "f1_change=0.05 is not"),
        ({"precision": 61}, "precision=61: looks like a percentage"),
        ({"why": "it got worse"}, "15 words"),
        ({"kept": "70"}, "must be a number"),
    ],
)
def test_low_threshold_wrong(change, match):
    ans = {"threshold": 0.2, "kept": 70, "precision": 0.61, "f1_change": -0.03, "why": WHY}
    with pytest.raises(ExerciseError, match=match):
        ch08.check_low_threshold({**ans, **change}, _run())


def test_low_threshold_names_the_slips_of_a_run_with_two_rounds():
    """Both rounds' sentences added up, or round 1's F1 change: they used to get only "look
    again"."""
    r2 = Round(2, 10, 10, 130, True, {"f1": 0.52}, 3.0, new_quality={"precision": 0.5})
    run = _run()
    run.rounds.append(r2)
    ans = {"threshold": 0.2, "kept": 70, "precision": 0.61, "f1_change": 0.02, "why": WHY}
    assert ch08.check_low_threshold(ans, run).startswith("Right")
    with pytest.raises(ExerciseError, match="kept=80: that is every round's new sentences"):
        ch08.check_low_threshold({**ans, "kept": 80}, run)
    with pytest.raises(ExerciseError, match="f1_change=-0.03: that is round 1's change"):
        ch08.check_low_threshold({**ans, "f1_change": -0.03}, run)
