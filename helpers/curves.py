"""Loss curves: why training loss falls, and when validation loss stops following it.

A tiny, fast, deterministic experiment: the encoder stays frozen, its last-layer vectors are
computed once, and only a small classification head is trained on them with plain PyTorch,
so a learner can watch train and validation loss epoch by epoch in seconds on a CPU.
Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.alignment import IGNORE, tokenize_and_align
from helpers.data import Sentence
from helpers.params import raise_first_failure


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
    ``(n_words,)``. Special tokens and continuation subwords are dropped (their label is
    ``IGNORE``), and padding never reaches the result. Taught in notebooks/01_concepts.ipynb.
    """
    import torch

    if not sentences:
        raise ValueError("sentences is empty: expected at least one sentence")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: expected an integer >= 1")
    was_training = encoder.training
    encoder.eval()  # no dropout: the same input gives the same vectors
    xs, ys = [], []
    try:
        for start in range(0, len(sentences), batch_size):
            chunk = sentences[start : start + batch_size]
            enc = tokenize_and_align(
                [s.words for s in chunk], [s.tags for s in chunk], tokenizer, label2id
            )
            batch = tokenizer.pad(
                {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]},
                return_tensors="pt",
            )
            labels = torch.full(batch["input_ids"].shape, IGNORE, dtype=torch.long)
            for row, lab in enumerate(enc["labels"]):
                labels[row, : len(lab)] = torch.tensor(lab)
            with torch.no_grad():
                hidden = encoder(**batch).last_hidden_state
            keep = labels != IGNORE
            xs.append(hidden[keep])
            ys.append(labels[keep])
    finally:
        encoder.train(was_training)
    return torch.cat(xs), torch.cat(ys)


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

    Full-batch gradient descent with AdamW: one optimiser step per epoch over all training
    vectors, so a run takes seconds and, seeded, repeats exactly. ``hidden=0`` is one linear
    layer (what ``AutoModelForTokenClassification`` puts on top of BERT); ``hidden>0`` adds a
    ReLU layer of that width (more capacity, overfits sooner). ``dropout`` (on the input
    vectors, training only) and ``weight_decay`` are the regularisers.

    The train loss of an epoch is measured on the step's own forward pass (dropout active);
    the validation loss after the step, in eval mode. ``threads=1`` runs on one CPU thread and
    restores torch's setting afterwards (the matrices are tiny, so extra threads only add
    overhead); ``None`` leaves torch's setting alone. Returns ``(head, curves)``.
    Taught in notebooks/01_concepts.ipynb.
    """
    import torch
    from torch import nn

    values = {
        "epochs": epochs,
        "lr": lr,
        "weight_decay": weight_decay,
        "dropout": dropout,
        "hidden": hidden,
        "num_labels": num_labels,
    }
    checks = [
        (isinstance(epochs, int) and epochs > 0, "epochs", "an integer > 0"),
        (lr > 0, "lr", "a number > 0"),
        (weight_decay >= 0, "weight_decay", "a number >= 0"),
        (0 <= dropout < 1, "dropout", "a fraction in [0, 1)"),
        (isinstance(hidden, int) and hidden >= 0, "hidden", "an integer >= 0"),
        (isinstance(num_labels, int) and num_labels > 1, "num_labels", "an integer > 1"),
    ]
    raise_first_failure(values, checks)
    if len(x_train) != len(y_train) or len(x_val) != len(y_val):
        raise ValueError("features and labels differ in length: expected one label per vector")

    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        dim = x_train.shape[1]
        layers: list[nn.Module] = [nn.Dropout(dropout)]
        if hidden:
            layers += [nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, num_labels)]
        else:
            layers.append(nn.Linear(dim, num_labels))
        head = nn.Sequential(*layers)
        opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
        loss_fn = nn.CrossEntropyLoss()
        curves = Curves()
        for _ in range(epochs):
            head.train()
            opt.zero_grad()
            loss = loss_fn(head(x_train), y_train)
            loss.backward()
            opt.step()
            head.eval()
            with torch.no_grad():
                val = loss_fn(head(x_val), y_val)
            curves.train_loss.append(loss.item())
            curves.val_loss.append(val.item())
    finally:
        torch.set_num_threads(previous_threads)
    return head, curves
