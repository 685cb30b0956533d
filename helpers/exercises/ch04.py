"""Checkers for the exercises of notebooks/04_ner.ipynb."""

from __future__ import annotations

import math

from helpers.exercises.common import ExerciseError, not_answered, plain


def check_steps(
    steps: int | None,
    warmup_steps: int | None,
    n_train: int,
    batch_size: int,
    epochs: int,
    warmup: float,
) -> str:
    """Check the optimizer-step and warm-up-step counts of a fine-tuning run.

    Taught in notebooks/04_ner.ipynb.
    """

    if steps is None or warmup_steps is None:
        return not_answered(
            f"each optimizer step sees one batch of {batch_size} sentences; count the batches of "
            "one epoch (the last one may be smaller), then all epochs"
        )
    steps, warmup_steps = plain(steps), plain(warmup_steps)  # 57.0, np.int64(57): accepted
    for name, value in (("steps", steps), ("warmup_steps", warmup_steps)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExerciseError(f"{name}: expected a whole number of steps, got {value!r}")
    per_epoch = math.ceil(n_train / batch_size)
    total = per_epoch * epochs
    if steps != total:  # the slips, only where they give another number than the right one
        if steps == (n_train // batch_size) * epochs:
            raise ExerciseError(
                f"{steps} drops the last, smaller batch of each epoch; the Trainer keeps it "
                "(round the batches per epoch up)"
            )
        if steps == per_epoch:
            raise ExerciseError(f"{steps} is one epoch; the run makes {epochs} passes")
        if steps == n_train * epochs:
            raise ExerciseError(f"{steps} counts sentences, not batches of {batch_size}")
        raise ExerciseError(
            f"{steps} steps is not right: batches per epoch = ceil({n_train} / {batch_size}), "
            f"times {epochs} epochs"
        )
    if warmup_steps != round(warmup * total):
        raise ExerciseError(
            f"{warmup_steps} warm-up steps is not right: warm-up is the fraction {warmup} of all "
            f"{total} steps, rounded"
        )
    return f"Right: {total} optimizer steps, the first {warmup_steps} warming the learning rate up."


def check_validation_cost(answer: int | None, n_sentences: int, validation_size: float) -> str:
    """How many of ``n_sentences`` are left to train on when ``validation_size`` is held out.

    ``n_sentences`` is the run's training side before any validation is held out (notebook 04
    passes ``len(splits.train) + len(splits.validation)``, a number even with
    ``n_sentences=None``).

    ``helpers.data.split_sentences`` uses scikit-learn's ``train_test_split``, which rounds the
    held-out part up. Taught in notebooks/04_ner.ipynb.
    """

    if answer is None:
        return not_answered(
            f"the validation part is a fraction {validation_size} of {n_sentences} sentences; "
            "scikit-learn's train_test_split documentation (test_size) says how a fraction "
            "becomes a whole number of sentences, and whatever is not held out is trained on"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ExerciseError(f"expected a whole number of sentences, got {answer!r}")
    held = math.ceil(validation_size * n_sentences)
    right = n_sentences - held
    if answer == right:
        return (
            f"Right: {right} sentences train the model and {held} only score it; with a few "
            "hundred sentences that is a real cost, which is why the default keeps the final "
            "epoch instead."
        )
    if answer == held:
        raise ExerciseError(f"{answer} is the validation part; how many are left for training?")
    if answer == n_sentences - math.floor(validation_size * n_sentences):
        raise ExerciseError(f"{answer} rounds the held-out part down; train_test_split rounds up")
    if answer == n_sentences:
        raise ExerciseError(f"{answer} is all of them: with validation, some are held out")
    raise ExerciseError(
        f"{answer} is not right: {n_sentences} minus ceil({validation_size} x {n_sentences})"
    )


def check_prediction(prediction: str | None, recipe_results: dict | None = None) -> str:
    """Open question: does keeping the best validation epoch beat keeping the final one?

    Not graded: any considered prediction is fine. The reply reports what the repo's recipe study
    (``python -m helpers.bench recipe``) measured, so the learner can compare with their own run.
    Taught in notebooks/04_ner.ipynb.
    """
    choices = ("higher", "lower", "about the same")
    if prediction is None:
        return not_answered(
            "predict, then run `papermill notebooks/04_ner.ipynb out.ipynb -p validation_size 0.1 "
            "-p keep best` and compare its test F1 with this run's"
        )
    said = " ".join(prediction.lower().split()) if isinstance(prediction, str) else None
    if said not in choices:  # "Higher", "about  the same ": accepted
        raise ExerciseError(f"prediction={prediction!r}: answer one of {choices}")
    prediction = said
    if not recipe_results:
        return f"Noted: {prediction!r}. Now run it and compare the two test F1 values."
    rows = recipe_results["recipes"]
    summary = "; ".join(
        f"{name}: mean F1 {r['mean_f1']:.3f} (sd {r['sd_f1']:.3f}, {len(r['runs'])} runs)"
        for name, r in rows.items()
    )
    return (
        f"Noted: {prediction!r}. The repo's study ({recipe_results['command']}) measured "
        f"{summary}. One run differs from another by about the sd, so compare with care."
    )
