"""Checkers of notebook 04's exercises: None, right and each recognised wrong answer."""

from __future__ import annotations

import pytest

from helpers.exercises import ExerciseError, ch04

RUN = {"n_train": 300, "batch_size": 8, "epochs": 7, "warmup": 0.1}  # 38 batches per epoch


def test_steps_not_answered_gives_a_hint():
    assert ch04.check_steps(None, None, **RUN).startswith("Not answered yet. Hint:")


def test_steps_right():
    assert ch04.check_steps(266, 27, **RUN).startswith("Right: 266 optimizer steps")


@pytest.mark.parametrize(
    "steps, warmup, why",
    [
        (259, 26, "drops the last"),  # 37 full batches x 7
        (38, 4, "one epoch"),
        (2100, 210, "counts sentences"),
        (300, 30, "not right"),
        (266, 26, "warm-up steps is not right"),
    ],
)
def test_steps_wrong_answers_say_why(steps, warmup, why):
    with pytest.raises(ExerciseError, match=why):
        ch04.check_steps(steps, warmup, **RUN)


@pytest.mark.parametrize(
    "run, right",
    [
        ({**RUN, "epochs": 1}, (38, 4)),  # the right count is also "one epoch"
        ({**RUN, "batch_size": 1}, (2100, 210)),  # and here also "counts sentences"
        ({**RUN, "n_train": 304}, (266, 27)),  # 38 full batches: and here "drops the last"
    ],
)
def test_steps_right_where_a_slip_gives_the_same_number(run, right):
    """Settings the parameters allow, where a recognised slip and the right count coincide:
    the right count is right."""
    assert ch04.check_steps(*right, **run).startswith(f"Right: {right[0]} optimizer steps")


@pytest.mark.parametrize("steps, warmup", [("266", 27), (266.5, 27), (266, True)])
def test_steps_that_are_not_whole_numbers_are_named(steps, warmup):
    with pytest.raises(ExerciseError, match="expected a whole number of steps"):
        ch04.check_steps(steps, warmup, **RUN)


def test_validation_cost():
    hint = ch04.check_validation_cost(None, 300, 0.1)
    assert hint.startswith("Not answered yet. Hint:")
    assert "270" not in hint and "30 " not in hint and "rounded up" not in hint  # not the answer
    assert ch04.check_validation_cost(270, 300, 0.1).startswith("Right: 270")
    assert ch04.check_validation_cost(272, 303, 0.1).startswith("Right: 272")  # 30.3 → 31 held out
    with pytest.raises(ExerciseError, match="rounds the held-out part down"):
        ch04.check_validation_cost(273, 303, 0.1)
    with pytest.raises(ExerciseError, match="is the validation part"):
        ch04.check_validation_cost(30, 300, 0.1)
    with pytest.raises(ExerciseError, match="all of them"):
        ch04.check_validation_cost(300, 300, 0.1)
    with pytest.raises(ExerciseError, match="not right"):
        ch04.check_validation_cost(240, 300, 0.1)
    with pytest.raises(ExerciseError, match="expected a whole number of sentences, got '270'"):
        ch04.check_validation_cost("270", 300, 0.1)  # not "270 is not right"
    assert ch04.check_validation_cost(1, 2, 0.5).startswith("Right: 1")  # held out = trained on


def test_validation_cost_matches_the_split_the_notebook_makes():
    from helpers.data import Sentence, split_sentences

    pool = [Sentence(["w"], ["O"]) for _ in range(303)]
    train, _ = split_sentences(pool, 0.1, 42)
    assert ch04.check_validation_cost(len(train), 303, 0.1).startswith("Right")


def test_prediction_is_open_but_checked_for_form():
    assert ch04.check_prediction(None).startswith("Not answered yet. Hint:")
    with pytest.raises(ExerciseError, match="answer one of"):
        ch04.check_prediction("better")
    results = {
        "command": "python -m helpers.bench recipe",
        "recipes": {"a": {"mean_f1": 0.8, "sd_f1": 0.02, "runs": [{"f1": 0.8}] * 6}},
    }
    reply = ch04.check_prediction("higher", results)
    assert "mean F1 0.800 (sd 0.020, 6 runs)" in reply and "helpers.bench recipe" in reply
