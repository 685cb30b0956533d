"""Checkers for the exercises of notebooks/06_nsp.ipynb."""

from __future__ import annotations

from typing import Any

from helpers.exercises.common import ExerciseError, need_why, not_answered, open_answer, plain
from helpers.nsp import wilson_interval
from helpers.params import is_finite_number


def check_segment_ones(answer: object, token_type_ids: list[int]) -> str:
    """Check how many tokens of a ``[CLS] A [SEP] B [SEP]`` input carry segment id 1.

    ``token_type_ids`` is the pair's encoding as the tokenizer returns it. Taught in
    notebooks/06_nsp.ipynb.
    """
    if answer is None:
        return not_answered(
            "count the tokens of sentence B and decide which of the special "
            "tokens belong to B's segment"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of tokens, got {answer!r}")
    ones = sum(1 for t in token_type_ids if t == 1)
    zeros = len(token_type_ids) - ones
    if answer == ones:
        return f"Right: {ones} tokens (sentence B's pieces and the final [SEP]) carry segment id 1."
    if answer == ones - 1:
        raise ExerciseError(
            f"{answer} leaves out the final [SEP]: it closes sentence B and gets B's segment id 1"
        )
    if answer == zeros:
        raise ExerciseError(
            f"{answer} is segment 0: [CLS], sentence A and the first [SEP]; count the other side"
        )
    if answer == len(token_type_ids):
        raise ExerciseError(f"{answer} is the whole input; only sentence B's side has id 1")
    raise ExerciseError(
        f"{answer} is not right: B's segment starts right after the first [SEP]; count words "
        "as the tokenizer splits them (subword pieces), not as spaces do"
    )


def check_min_correct(answer: object, n: int = 200, confidence: float = 0.95) -> str:
    """Check the fewest right answers out of ``n`` whose Wilson interval lies above 0.5.

    Taught in notebooks/06_nsp.ipynb.
    """

    if answer is None:
        return not_answered(
            "try k = 100, 101, ... with helpers.nsp.wilson_interval(k, n) and "
            "stop at the first whose lower end is above 0.5"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer <= n:
        raise ExerciseError(f"expected a whole number between 0 and {n}, got {answer!r}")
    best = next(k for k in range(n + 1) if wilson_interval(k, n, confidence)[0] > 0.5)
    lo, hi = wilson_interval(answer, n, confidence)
    if answer == best:
        return (
            f"Right: {best}/{n} = {best / n:.3f} is the least accuracy that rules chance out "
            f"at {confidence:.0%} (interval {lo:.3f}-{hi:.3f}); a model just above half is not "
            "enough evidence."
        )
    if answer < best and hi < 0.5:  # 86/200 (0.363-0.499), or 0 from "the first that excludes"
        raise ExerciseError(
            f"with {answer}/{n} right the interval is {lo:.3f}-{hi:.3f}: it lies wholly below "
            "0.5, so such a model is reliably worse than a coin; the question asks for the first "
            "count whose lower end is above 0.5"
        )
    if answer < best:
        raise ExerciseError(
            f"with {answer}/{n} right the interval is {lo:.3f}-{hi:.3f}: it still contains 0.5, "
            "so a coin could have done as well"
        )
    raise ExerciseError(
        f"{answer}/{n} does exclude 0.5 (interval {lo:.3f}-{hi:.3f}), but a smaller count "
        "already does: look for the first one"
    )


def check_same_doc(answer: object, negatives: str, result: dict[str, Any]) -> str:
    """Check the open exercise on same-document negatives against the notebook's own run.

    ``result`` is the trained head's row (``evaluate(model, test_pairs)``: ``accuracy`` and
    ``low``, the lower end of the interval over documents) of the run the learner made with
    ``-p negatives same_doc``. Taught in notebooks/06_nsp.ipynb.
    """
    if answer is None:
        return not_answered(
            "rerun with -p negatives same_doc, write your prediction first, then fill the dict"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    keys = {"negatives", "accuracy", "excludes_chance", "why"}
    open_answer(answer, keys)
    said = answer["negatives"]
    if not (isinstance(said, str) and said.strip().lower() == "same_doc"):
        raise ExerciseError("the exercise reruns with -p negatives same_doc: report that run")
    if negatives != "same_doc":
        raise ExerciseError(
            f"this notebook ran with negatives={negatives!r}; check the answer in the run you "
            "made with same_doc"
        )
    acc = answer["accuracy"]
    if not is_finite_number(acc):
        raise ExerciseError(f"accuracy must be a number, got {acc!r}")
    if 1 < acc <= 100:
        raise ExerciseError(
            f"accuracy={acc!r} looks like a percentage: give the fraction, e.g. 0.553 for 55.3%"
        )
    if not isinstance(answer["excludes_chance"], bool):
        raise ExerciseError(
            f"excludes_chance must be True or False, got {answer['excludes_chance']!r}"
        )
    if not abs(acc - result["accuracy"]) <= 0.0015:
        raise ExerciseError(
            f"accuracy={acc!r}: read the trained head's accuracy from the table of your run "
            f"(3 decimals)"
        )
    excludes = bool(result["low"] > 0.5)
    if answer["excludes_chance"] is not excludes:
        raise ExerciseError(
            f"excludes_chance={answer['excludes_chance']!r}: the interval over documents starts at "
            f"{result['low']:.3f}, so it {'does' if excludes else 'does not'} lie above 0.5"
        )
    need_why(answer, 20, "a few sentences on what you saw and why")
    return (
        "Plausible. Same-document negatives share the anchor's topic, so topic words no longer "
        "separate the classes (ALBERT's argument): what is left to learn is order and coherence, "
        "which is harder, and one seed says little about it."
    )
