"""Checkers for the exercises of notebooks/06_nsp.ipynb."""

from __future__ import annotations

from helpers.exercises.common import ExerciseError, not_answered
from helpers.nsp import wilson_interval


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
    if answer < best:
        raise ExerciseError(
            f"with {answer}/{n} right the interval is {lo:.3f}-{hi:.3f}: it still contains 0.5, "
            "so a coin could have done as well"
        )
    raise ExerciseError(
        f"{answer}/{n} does exclude 0.5 (interval {lo:.3f}-{hi:.3f}), but a smaller count "
        "already does: look for the first one"
    )
