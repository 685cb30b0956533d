"""Checkers for the exercises of notebooks/07_clm_vs_mlm.ipynb."""

from __future__ import annotations

from typing import Any

from helpers.alignment import IGNORE
from helpers.exercises.common import ExerciseError, need_why, not_answered, open_answer, plain
from helpers.params import is_finite_number


def check_unchanged_targets(answer: object, batch: Any, mask_token_id: int) -> str:
    """Check how many of a masked-LM batch's targets were left as they were (the 10% of 80/10/10).

    ``batch`` is what ``DataCollatorForLanguageModeling(mlm=True)`` returned: ``input_ids`` and
    ``labels`` (``-100`` where no loss is taken). Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if answer is None:
        return not_answered(
            "a target has labels != -100; at an unchanged one, input_ids equals labels"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of targets, got {answer!r}")
    ids, labels = batch["input_ids"], batch["labels"]
    target = labels != IGNORE
    right = int((target & (ids == labels)).sum())
    n_targets, n_masked = int(target.sum()), int((target & (ids == mask_token_id)).sum())
    if answer == right:
        return (
            f"Right: {right} of the {n_targets} targets ({right / n_targets:.0%}) were left "
            f"unchanged, {n_masked} became [MASK] and the other {n_targets - right - n_masked} a "
            "random token. The model cannot tell which visible tokens it will be scored on, so it "
            "has to build a good vector for every position, not only for [MASK]."
        )
    if answer == n_targets:
        raise ExerciseError(
            f"{answer} counts every target; keep those whose input equals the label"
        )
    if answer == n_masked:
        raise ExerciseError(f"{answer} counts the targets shown as [MASK]; those were changed")
    if answer == n_targets - n_masked:
        raise ExerciseError(
            f"{answer} also counts the targets replaced by a random token; keep only those whose "
            "input equals the label"
        )
    if answer == round(0.1 * n_targets):
        raise ExerciseError(f"{answer} is 10% of the targets: count them, the rule is random")
    raise ExerciseError(
        f"{answer} is not right: count positions where labels != -100 and input_ids == labels"
    )


def check_mask_rate(
    answer: object, mlm_probability: float, run: Any, default_last_loss: float
) -> str:
    """Check the open exercise on a higher masking rate against the run in the notebook.

    ``run`` is the masked LM's :class:`helpers.lm.LMRun` of the notebook's own run; the learner
    reruns with another ``mlm_probability`` and reports its figures from the section 4 table.
    ``default_last_loss`` is the default run's "last loss (mean of 10)" that the exercise quotes.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if answer is None:
        return not_answered(
            "rerun with -p mlm_probability 0.4, predict first, then fill the dict from the table"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    keys = {"mlm_probability", "targets_per_step", "loss_change", "why"}
    open_answer(answer, keys)
    rate = answer["mlm_probability"]
    if not is_finite_number(rate) or not 0 < rate < 1:
        raise ExerciseError(f"mlm_probability must be a number between 0 and 1, got {rate!r}")
    if answer["mlm_probability"] == 0.15:
        raise ExerciseError("0.15 is the default: rerun with a higher rate, e.g. 0.4")
    if answer["mlm_probability"] != mlm_probability:
        raise ExerciseError(
            f"this notebook ran with mlm_probability={mlm_probability}; check the answer in the "
            f"run you made with {answer['mlm_probability']}"
        )
    for name in ("targets_per_step", "loss_change"):
        value = answer[name]
        if not is_finite_number(value):
            raise ExerciseError(f"{name} must be a number, got {value!r}")
    table = round(sum(run.positions) / len(run.positions))  # the table's "targets per step"
    got = answer["targets_per_step"]
    if not abs(got - table) <= 1:
        tokens = sum(run.tokens) / len(run.tokens)
        raise ExerciseError(
            f"targets_per_step={got!r}: read the masked LM's column of the table (with "
            f"{tokens:.0f} real tokens per step and a rate of {mlm_probability}, expect about "
            f"{mlm_probability * tokens:.0f})"
        )
    last = round(sum(run.losses[-10:]) / len(run.losses[-10:]), 2)  # the table's "last loss"
    change = last - default_last_loss
    # 0.05: the learner may subtract their own default run's figure, a little off the quoted one
    if not abs(answer["loss_change"] - change) <= 0.05:
        sign = (
            "; you subtracted the other way round"
            if abs(answer["loss_change"] + change) <= 0.05
            else ""
        )
        raise ExerciseError(
            f'loss_change={answer["loss_change"]!r} is not what your run shows: its "last loss '
            f"(mean of 10)\" minus the default's {default_last_loss:.2f}, 2 decimals{sign}"
        )
    need_why(answer, 20, "a few sentences on what you saw and why")
    return (
        f"Plausible: {table} targets per step, last loss {change:+.2f} against the default. Each "
        f"loss is a mean per target, and at {mlm_probability} each target keeps less context, "
        "so the mean can rise while the model learns from more positions; only a task both "
        "models share (e.g. the fill-ins) can say which model is better."
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
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
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
