"""Checkers for the exercises of notebooks/07_clm_vs_mlm.ipynb."""

from __future__ import annotations

from helpers.exercises.common import ExerciseError, not_answered


def check_causal_zeros(answer: object, n: int) -> str:
    """Check how many entries of an ``n`` x ``n`` causal attention matrix are forced to 0.

    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if answer is None:
        return not_answered(
            "row i may look at positions 0..i; count the entries to the right of the diagonal"
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of entries, got {answer!r}")
    right = n * (n - 1) // 2
    if answer == right:
        return (
            f"Right: {right} of the {n * n} entries are 0 (all above the diagonal), so each "
            "position sees itself and its past only."
        )
    if answer == n * (n + 1) // 2:
        raise ExerciseError(
            f"{answer} counts the diagonal too: a position may attend to itself, only the "
            "future is blocked"
        )
    if answer in (n * n // 2, (n * n + 1) // 2):
        raise ExerciseError(f"{answer} is half the matrix; the diagonal is neither half")
    if answer == 0:
        raise ExerciseError("0 is the bidirectional (masked LM) case; the causal mask blocks some")
    raise ExerciseError(
        f"{answer} is not right: row 0 blocks {n - 1} entries, row 1 blocks {n - 2}, and so on"
    )


def check_clm_positions(answer: object, lengths: list[int]) -> str:
    """Check how many predictions a causal LM learns from in a batch of sentences.

    ``lengths`` are the sentences' token counts, [CLS] and [SEP] included, padding excluded.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if answer is None:
        return not_answered(
            "every position predicts the token after it; which token is never predicted?"
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of positions, got {answer!r}")
    total = sum(lengths)
    right = total - len(lengths)
    if answer == right:
        return (
            f"Right: {right} predictions, one per token except each sentence's first, against "
            f"about {round(0.15 * total)} for a masked LM on the same batch."
        )
    if answer == total:
        raise ExerciseError(
            f"{answer} counts every token; the first token of each sentence ([CLS]) has nothing "
            "before it and is never a target"
        )
    if abs(answer - 0.15 * total) <= 0.05 * total:
        raise ExerciseError(f"{answer} is about 15% of the tokens: that is the masked LM's count")
    raise ExerciseError(
        f"{answer} is not right: add up the lengths and take away one target per sentence"
    )
