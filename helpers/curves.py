"""Loss curves: why training loss falls, and when validation loss stops following it.

A tiny, fast, deterministic experiment: the encoder stays frozen, its last-layer vectors are
computed once, and only a small classification head is trained on them through the course's one
training path (:func:`helpers.train.train_objective`, the library's ``Trainer``), so a learner
can watch train and validation loss epoch by epoch in seconds on a CPU.
Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.alignment import tokenize_and_align, word_level
from helpers.data import Sentence
from helpers.params import (
    COUNT_EXPECTED,
    SEED_EXPECTED,
    is_count_or_none,
    is_finite_number,
    is_int,
    is_seed,
    raise_first_failure,
)
from helpers.train import logged_losses, train_objective


@dataclass
class Curves:
    """Per-epoch losses of one run (epoch ``i`` is ``train_loss[i]``, ``val_loss[i]``)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)

    @property
    def best_epoch(self) -> int:
        """The epoch (0-based) with the lowest validation loss."""
        return min(range(len(self.val_loss)), key=self.val_loss.__getitem__)

    @property
    def val_rise(self) -> float:
        """How far the last validation loss sits above the best one (0 when it never rose)."""
        return self.val_loss[-1] - self.val_loss[self.best_epoch]


def token_features(
    encoder: Any,
    tokenizer: Any,
    sentences: Sequence[Sentence],
    label2id: dict[str, int],
    batch_size: int = 32,
) -> tuple[Any, Any]:
    """Frozen last-layer vectors of each word's first subword, and that word's label id.

    Returns ``(features, labels)``: a float tensor ``(n_words, hidden)`` and a long tensor
    ``(n_words,)``, one row per word in sentence order. Special tokens, continuation subwords and
    padding (on either side) never reach the result; a sentence longer than the model's limit is
    read in overlapping windows, and a word in two windows counts once, from the window where it
    has the most context (:func:`helpers.alignment.word_level`). Taught in
    notebooks/01_concepts.ipynb.
    """
    import torch

    if not sentences:
        raise ValueError("sentences is empty: expected at least one sentence")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: expected an integer >= 1")
    for i, s in enumerate(sentences):
        if len(s.tags) != len(s.words):
            raise ValueError(
                f"sentence {i}: {len(s.words)} words but {len(s.tags)} tags; "
                "expected one tag per word"
            )
    was_training = encoder.training
    encoder.eval()  # no dropout: the same input gives the same vectors
    xs, ys = [], []
    device = next(encoder.parameters()).device  # an encoder on a GPU reads there
    try:
        for start in range(0, len(sentences), batch_size):
            chunk = sentences[start : start + batch_size]
            enc = tokenize_and_align([s.words for s in chunk], None, tokenizer)
            batch = tokenizer.pad(
                {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]},
                return_tensors="pt",
            )
            with torch.no_grad():
                hidden = encoder(**batch.to(device)).last_hidden_state.cpu()
            width = hidden.shape[1]
            windows: dict[int, list] = {}  # sentence -> (word_ids, (row, column) per token)
            for row, (s, wids) in enumerate(zip(enc["sample"], enc["word_ids"], strict=True)):
                shift = width - len(wids) if tokenizer.padding_side == "left" else 0
                cells = [(row, shift + pos) for pos in range(len(wids))]
                windows.setdefault(s, []).append((wids, cells))
            for s, sentence in enumerate(chunk):
                if not sentence.words:  # no word, no row
                    continue
                rows, columns = zip(*word_level(windows[s], len(sentence.words)), strict=True)
                xs.append(hidden[list(rows), list(columns)])
                ys.append(torch.tensor([label2id[t] for t in sentence.tags], dtype=torch.long))
    finally:
        encoder.train(was_training)
    return torch.cat(xs), torch.cat(ys)


def _head_model(dim: int, num_labels: int, hidden: int, dropout: float) -> Any:
    """A classification head that takes ``features`` (and ``labels``) and returns its loss,
    as the ``Trainer`` expects of a model."""
    from torch import nn

    class Head(nn.Sequential):
        def forward(self, features: Any, labels: Any = None) -> dict[str, Any]:
            logits = super().forward(features)
            out = {"logits": logits}
            if labels is not None:
                out["loss"] = nn.functional.cross_entropy(logits, labels)
            return out

    layers: list[nn.Module] = [nn.Dropout(dropout)]
    if hidden:
        layers += [nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, num_labels)]
    else:
        layers.append(nn.Linear(dim, num_labels))
    return Head(*layers)


def _val_loss_callback(x_val: Any, y_val: Any, curves: Curves) -> Any:
    """A ``TrainerCallback`` that appends the validation loss (eval mode) after every step."""
    import torch
    from transformers import TrainerCallback

    class ValLoss(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            was_training = model.training
            model.eval()
            device = next(model.parameters()).device
            with torch.no_grad():
                curves.val_loss.append(float(model(x_val.to(device), y_val.to(device))["loss"]))
            model.train(was_training)

    return ValLoss()


def fit_head(
    x_train: Any,
    y_train: Any,
    x_val: Any,
    y_val: Any,
    num_labels: int,
    epochs: int = 150,
    lr: float = 1e-2,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    hidden: int = 0,
    seed: int = 0,
    threads: int | None = 1,
) -> tuple[Any, Curves]:
    """Train a classification head on fixed features; record train and validation loss per epoch.

    Full-batch training: the ``Trainer`` (:func:`helpers.train.train_objective`, fp32, AdamW at a
    constant learning rate ``lr``, no warm-up) takes one optimiser step per epoch over all
    training vectors, so a run takes seconds and, seeded, repeats exactly. ``hidden=0`` is one
    linear layer (what ``AutoModelForTokenClassification`` puts on top of BERT); ``hidden>0``
    adds a ReLU layer of that width (more capacity, overfits sooner). ``dropout`` (on the input
    vectors, training only) and ``weight_decay`` (on the weight matrices, the course's one rule)
    are the regularisers.

    The train loss of an epoch is the one the Trainer logs for its step (dropout active); the
    validation loss is measured after the step, in eval mode. ``threads=1`` runs on one CPU
    thread and restores torch's setting afterwards (the matrices are tiny, so extra threads only
    add overhead); ``None`` leaves torch's setting alone. Returns ``(head, curves)``, the head
    an ``nn.Sequential`` from features to logits, in eval mode, on the features' device (the
    ``Trainer`` trains it on a GPU when there is one).
    Taught in notebooks/01_concepts.ipynb.
    """
    import torch
    from transformers import default_data_collator

    values = {
        "epochs": epochs,
        "lr": lr,
        "weight_decay": weight_decay,
        "dropout": dropout,
        "hidden": hidden,
        "num_labels": num_labels,
        "seed": seed,
        "threads": threads,
    }
    # each test stops at a value of the wrong kind before comparing it (a text lr was a
    # TypeError); True is not an integer, and inf is not a number here
    checks = [
        (is_int(epochs) and epochs > 0, "epochs", "an integer > 0"),
        (is_finite_number(lr) and lr > 0, "lr", "a number > 0"),
        (is_finite_number(weight_decay) and weight_decay >= 0, "weight_decay", "a number >= 0"),
        (is_finite_number(dropout) and 0 <= dropout < 1, "dropout", "a fraction in [0, 1)"),
        (is_int(hidden) and hidden >= 0, "hidden", "an integer >= 0"),
        (is_int(num_labels) and num_labels > 1, "num_labels", "an integer > 1"),
        (is_seed(seed), "seed", SEED_EXPECTED),
        (is_count_or_none(threads), "threads", COUNT_EXPECTED),
    ]
    raise_first_failure(values, checks)
    if len(x_train) != len(y_train) or len(x_val) != len(y_val):
        raise ValueError("features and labels differ in length: expected one label per vector")
    for name, x, y in (("x_train", x_train, y_train), ("x_val", x_val, y_val)):
        if not len(x):  # an empty validation split made every validation loss NaN
            raise ValueError(f"{name} is empty: expected at least one feature vector")
        outside = y[(y < 0) | (y >= num_labels)]
        if len(outside):
            raise ValueError(
                f"y_{name[2:]} holds label id {int(outside[0])}: expected ids from 0 to "
                f"num_labels - 1 = {num_labels - 1}"
            )

    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        head = _head_model(x_train.shape[1], num_labels, hidden, dropout)
        data = [{"features": x, "labels": y} for x, y in zip(x_train, y_train, strict=True)]
        curves = Curves()
        trainer = train_objective(
            head, data, default_data_collator, epochs, len(data), lr,
            weight_decay=weight_decay, warmup=0.0, precision="fp32", seed=seed,
            callbacks=[_val_loss_callback(x_val, y_val, curves)], scheduler="constant",
        )  # fmt: skip
        curves.train_loss = logged_losses(trainer.state.log_history)
    finally:
        torch.set_num_threads(previous_threads)
    # the trained layers, features -> logits, back on the features' device (the Trainer may
    # have moved them to a GPU)
    return torch.nn.Sequential(*head).to(x_train.device).eval(), curves
