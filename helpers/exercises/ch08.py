"""Checkers for the exercises of notebooks/08_pseudo_labelling.ipynb."""

from __future__ import annotations

import math
from typing import Any

from helpers.exercises.common import ExerciseError, need_why, not_answered, open_answer, plain

# Exercise 08a: the word confidences of five pseudo-labelled sentences and one threshold.
CONFIDENCES: list[list[float]] = [
    [0.99, 0.97, 0.62, 0.99, 0.98],  # one unsure word among sure ones
    [0.91, 0.85, 0.88],
    [0.80, 0.99, 0.99, 0.99],  # its weakest word sits exactly on the threshold
    [0.70, 0.72, 0.95],
    [0.99, 0.79, 0.99, 0.99, 0.99, 0.99],
]
THRESHOLD: float = 0.8


def check_selection(answer: object) -> str:
    """Check ``(kept under rule "min", kept under rule "mean")`` for ``CONFIDENCES``.

    Each is a list of sentence indices (from 0) whose confidence is >= the threshold.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    if answer is None:
        return not_answered(
            "give two lists of sentence indices, e.g. ([0, 2], [1, 2, 3]): first the "
            "sentences whose weakest word reaches the threshold, then those whose average does"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if (
        not isinstance(answer, (tuple, list))
        or len(answer) != 2
        or not all(isinstance(a, (list, tuple, set)) for a in answer)  # a set comprehension too
    ):
        raise ExerciseError(f"expected a pair of lists (min rule, mean rule), got {answer!r}")
    if not all(isinstance(i, int) and not isinstance(i, bool) for a in answer for i in a):
        raise ExerciseError("sentence indices must be plain ints counted from 0")
    for rule, kept in zip(("min", "mean"), answer, strict=True):
        if len(set(kept)) != len(kept):
            raise ExerciseError(f"{rule} rule: {list(kept)} names a sentence twice; list each once")
    got_min, got_mean = sorted(answer[0]), sorted(answer[1])
    conf, th = CONFIDENCES, THRESHOLD
    n = len(conf)
    if any(not 0 <= i < n for i in got_min + got_mean):
        raise ExerciseError(f"indices run from 0 to {n - 1}: there are {n} sentences")
    want_min = [i for i, c in enumerate(conf) if min(c) >= th]
    want_mean = [i for i, c in enumerate(conf) if sum(c) / len(c) >= th]
    if got_min != want_min:
        strict = [i for i, c in enumerate(conf) if min(c) > th]
        if got_min == strict:
            raise ExerciseError(
                f"min rule: sentence {want_min[-1]}'s weakest word is exactly {th}; the rule is "
                "'confidence >= threshold', so it passes"
            )
        if got_min == [i + 1 for i in want_min]:
            raise ExerciseError("min rule: indices count from 0 (the first sentence is 0)")
        extra = sorted(set(got_min) - set(want_min))
        if extra:
            raise ExerciseError(
                f"min rule: sentence {extra[0]} has a word at {min(conf[extra[0]])} < {th}; under "
                "'min' one unsure word keeps the whole sentence out"
            )
        raise ExerciseError(
            f"min rule: you left out sentence {sorted(set(want_min) - set(got_min))[0]}, "
            f"whose every word reaches {th}"
        )
    if got_mean != want_mean:
        missing = sorted(set(want_mean) - set(got_mean))
        if missing:
            c = conf[missing[0]]
            unsure = "although one of its words does not" if min(c) < th else "as under min"
            raise ExerciseError(
                f"mean rule: sentence {missing[0]} averages {sum(c) / len(c):.3f} >= {th}, so it "
                f"passes {unsure}"
            )
        extra = sorted(set(got_mean) - set(want_mean))[0]
        c = conf[extra]
        raise ExerciseError(f"mean rule: sentence {extra} averages {sum(c) / len(c):.3f} < {th}")
    let_in = sorted(set(want_mean) - set(want_min))
    return (
        f"Right: min keeps {want_min}, mean keeps {want_mean}; the mean lets in {let_in}, "
        "sentences with a word the model is unsure of, carried by their sure words."
    )


def check_rounds(answer: object) -> str:
    """Check ``(training-set size of rounds 0..3, sentences left in the pool)`` for the story

    50 labelled sentences, a pool of 100; round 1 selects 30, round 2 selects 12, round 3 none.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    if answer is None:
        return not_answered(
            "give ([n0, n1, n2, n3], left): the sentences each round's model trains "
            "on, and how many pool sentences are never pseudo-labelled"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if (
        not isinstance(answer, (tuple, list))
        or len(answer) != 2
        or not isinstance(answer[0], (list, tuple))
        or len(answer[0]) != 4
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in [*answer[0], answer[1]])
    ):
        raise ExerciseError(f"expected ([four ints], one int), got {answer!r}")
    sizes, left = list(answer[0]), answer[1]
    n_lab, pool, new = 50, 100, [0, 30, 12, 0]
    want = [n_lab + sum(new[: r + 1]) for r in range(4)]
    if sizes != want:
        if sizes == [n_lab + k for k in new]:
            raise ExerciseError(
                "a sentence pseudo-labelled in round 1 stays in the training set in round 2: "
                "the pseudo-labelled sentences accumulate"
            )
        if sizes[0] != n_lab:
            raise ExerciseError(f"round 0 trains on the {n_lab} labelled sentences only")
        if sizes[1:] == [n_lab + pool] * 3:
            raise ExerciseError(
                "only the sentences that pass the threshold join the training set, not the "
                "whole pool"
            )
        if sizes == [n_lab, *new[1:]]:
            raise ExerciseError(
                f"{', '.join(map(str, new[1:3]))} are the sentences rounds 1 and 2 add; each "
                f"round trains on the {n_lab} labelled sentences plus every sentence "
                "pseudo-labelled so far"
            )
        if sizes[:3] == want[:3] and sizes[3] != sizes[2]:
            raise ExerciseError("round 3 adds nothing: no sentence passed, so the set is unchanged")
        raise ExerciseError(f"{sizes}: add each round's new sentences to the previous round's set")
    if left != pool - sum(new):
        if left == pool - new[-1] or left == pool - new[2]:
            raise ExerciseError(
                "a selected sentence leaves the pool for good: subtract every round's selection"
            )
        raise ExerciseError(f"{left} left: the pool had {pool}; subtract what every round took")
    return (
        f"Right: {want}, and {left} pool sentences were never confident enough; a selected "
        "sentence leaves the pool and keeps the tags it got in the round it joined."
    )


def _low_threshold_slip(name: str, got: float, run: Any, tol: float) -> str | None:
    """What a wrong reading of :func:`check_low_threshold` most likely mixed up, if known."""
    rounds = run.rounds  # run: a helpers.pseudo_label.PseudoRun
    f1 = [r.test["f1"] for r in rounds]
    all_new = sum(r.n_new for r in rounds[1:])
    if name == "kept" and len(rounds) > 2 and got == all_new:
        return "that is every round's new sentences together; kept is round 1's only"
    if name == "precision" and 1 < got <= 100:
        return "looks like a percentage: give a fraction between 0 and 1"
    if name == "f1_change" and abs(got + (f1[-1] - f1[0])) <= tol:
        return "you subtracted the other way round: the last round's test F1 minus round 0's"
    if name == "f1_change" and len(f1) > 2 and abs(got - (f1[1] - f1[0])) <= tol:
        return "that is round 1's change; f1_change is the last round's test F1 minus round 0's"
    return None


def check_low_threshold(answer: object, run: object, default_threshold: float = 0.5) -> str:
    """Check the open exercise: a rerun with a lower threshold, read off and explained.

    ``answer`` is a dict with ``threshold``, ``kept`` (sentences pseudo-labelled in round 1),
    ``precision`` (their entity precision against the hidden gold, 2 decimals), ``f1_change``
    (last round's test F1 minus round 0's, 2 decimals) and ``why`` (your explanation); ``run``
    is the notebook's :class:`helpers.pseudo_label.PseudoRun`. Taught in
    notebooks/08_pseudo_labelling.ipynb.
    """

    if answer is None:
        return not_answered(
            f"rerun the notebook with a threshold below {default_threshold} (e.g. "
            "-p threshold 0.2 -p rounds 2), predict first, then fill the dict"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    keys = {"threshold", "kept", "precision", "f1_change", "why"}
    open_answer(answer, keys)
    th = run.threshold
    if th >= default_threshold:
        raise ExerciseError(
            f"this run used threshold {th}; rerun with one below {default_threshold} first"
        )
    if len(run.rounds) < 2:
        raise ExerciseError("this run has no pseudo-labelling round: rerun with rounds >= 1")
    first = run.rounds[1]
    f1 = [r.test["f1"] for r in run.rounds]
    checks = [
        ("threshold", answer["threshold"], th, 1e-9),
        ("kept", answer["kept"], first.n_new, 0),
        ("precision", answer["precision"], first.new_quality.get("precision", math.nan), 0.006),
        ("f1_change", answer["f1_change"], f1[-1] - f1[0], 0.006),
    ]
    for name, got, want, tol in checks:
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise ExerciseError(f"{name} must be a number, got {got!r}")
        if math.isnan(want):  # round 1 kept no pseudo entity: nothing to be precise about
            if not math.isnan(got):
                raise ExerciseError(
                    f"{name}={got!r}: round 1's kept sentences hold no pseudo entity, so "
                    "there is no precision; "
                    "give float('nan')"
                )
            continue
        if not abs(got - want) <= tol:
            slip = _low_threshold_slip(name, got, run, tol)
            raise ExerciseError(
                f"{name}={got!r}: {slip}"
                if slip
                else f"{name}={got!r} is not what this run measured: look again"
            )
    need_why(
        answer,
        15,
        "explain in a few sentences what the lower threshold let in and what retraining on it did",
    )
    wrong = first.new_quality.get("predicted", 0) - first.new_quality.get("correct", 0)
    return (
        f"Right readings: at threshold {th}, {first.n_new} sentences joined in round 1 with "
        f"{wrong} wrong entities, and test F1 moved by {f1[-1] - f1[0]:+.3f}. Compare your "
        "explanation with the section on errors that reinforce themselves."
    )
