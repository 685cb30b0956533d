"""Entity-level NER metrics with the ``seqeval`` package (no hub download).

An entity counts as correct only if its type and its exact word span match. Taught in
notebooks/04_ner.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.alignment import IGNORE, refuse_flat
from helpers.labels import entity_spans, is_bio_tag

# ``evaluate.load(SEQEVAL_METRIC)`` works offline: the source's ``evaluate.load("seqeval")``.
SEQEVAL_METRIC = str(Path(__file__).with_name("seqeval_metric.py"))


def ner_metrics(
    y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], strict: bool = False
) -> dict[str, Any]:
    """Overall precision/recall/F1/accuracy and, per entity type, the same plus support.

    ``strict=True`` scores in seqeval's strict IOB2 mode (a span must start with ``B-``);
    the default matches seqeval's default (CoNLL ``conlleval``) behaviour. The per-type numbers
    are seqeval's own ``classification_report``. Taught in notebooks/03_subword_alignment.ipynb
    (called directly) and notebooks/04_ner.ipynb (through :func:`evaluate_ner`).
    """
    from seqeval.metrics import accuracy_score, classification_report
    from seqeval.scheme import IOB2

    refuse_flat("y_true", y_true)  # list("B-PER") would score its letters as tags
    refuse_flat("y_pred", y_pred)
    y_true, y_pred = [list(s) for s in y_true], [list(s) for s in y_pred]
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold sentences but {len(y_pred)} predicted")
    for i, (t, p) in enumerate(zip(y_true, y_pred, strict=False)):
        if len(t) != len(p):
            raise ValueError(f"sentence {i}: {len(t)} gold tags but {len(p)} predicted")
    if not any(y_true):  # seqeval's accuracy would divide by zero
        raise ValueError(f"nothing to score: {len(y_true)} sentences and no tag in any of them")
    for name, seqs in (("y_true", y_true), ("y_pred", y_pred)):
        # a bare "PER" was scored as a type "ER", "b-per" as "per"; an int failed in seqeval
        bad = next(((i, t) for i, s in enumerate(seqs) for t in s if not is_bio_tag(t)), None)
        if bad:
            raise ValueError(
                f"{name} sentence {bad[0]}: {bad[1]!r} is not an IOB2 tag ('O', 'B-<type>', "
                "'I-<type>')"
            )
    kw = {"mode": "strict", "scheme": IOB2} if strict else {}
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0, **kw)
    micro = report.pop("micro avg")
    for k in ("macro avg", "weighted avg"):
        report.pop(k, None)
    return {
        "precision": float(micro["precision"]),
        "recall": float(micro["recall"]),
        "f1": float(micro["f1-score"]),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_type": {
            t: {
                "precision": float(r["precision"]),
                "recall": float(r["recall"]),
                "f1": float(r["f1-score"]),
                "support": int(r["support"]),
            }
            for t, r in sorted(report.items())
        },
    }


def tags_from_logits(
    logits: np.ndarray, labels: np.ndarray, id2label: dict[int, str]
) -> tuple[list[list[str]], list[list[str]]]:
    """Token logits + aligned labels → (gold, predicted) tag sequences at labelled positions."""
    pred = np.asarray(logits).argmax(-1)
    labels = np.asarray(labels)  # a list of lists too
    if pred.shape != labels.shape:  # zip used to drop the rows one side lacked
        raise ValueError(
            f"logits give predictions of shape {pred.shape} but labels have {labels.shape}: "
            "expected one label per token"
        )
    gold_seqs, pred_seqs = [], []
    for p_row, l_row in zip(pred, labels, strict=True):
        keep = l_row != IGNORE
        gold_seqs.append([id2label[int(i)] for i in l_row[keep]])
        pred_seqs.append([id2label[int(i)] for i in p_row[keep]])
    return gold_seqs, pred_seqs


def entity_errors(
    gold: Sequence[str], pred: Sequence[str]
) -> list[tuple[str, tuple[str, int, int] | None, tuple[str, int, int] | None]]:
    """Each mistake in one sentence as ``(kind, gold_span, predicted_span)``.

    Kinds: ``missed`` (no overlapping prediction), ``spurious`` (no overlapping gold entity),
    ``wrong type`` (same words, other type), ``wrong boundary`` (same type, overlapping but
    different words), ``wrong type and boundary``. Spans are ``(type, start, end)``; mistakes
    come in the order of their gold span's position, then their predicted span's, so the list is
    the same in every process. Taught in notebooks/04_ner.ipynb.
    """
    if len(gold) != len(pred):  # a shorter prediction would read as the model's mistakes
        raise ValueError(f"{len(gold)} gold tags but {len(pred)} predicted: expected one per word")
    g, p = set(entity_spans(gold)), set(entity_spans(pred))
    out = []

    def overlaps(a, b):
        return a[1] < b[2] and b[1] < a[2]

    by_position = lambda s: (s[1], s[2], s[0])  # noqa: E731  (sets have no stable order)
    for ge in sorted(g - p, key=by_position):
        hits = [pe for pe in sorted(p - g, key=by_position) if overlaps(ge, pe)]
        if not hits:
            out.append(("missed", ge, None))
        for pe in hits:
            same_words, same_type = pe[1:] == ge[1:], pe[0] == ge[0]
            kind = (
                "wrong type"
                if same_words
                else "wrong boundary"
                if same_type
                else "wrong type and boundary"
            )
            out.append((kind, ge, pe))
    for pe in sorted(p - g, key=by_position):
        if not any(overlaps(ge, pe) for ge in g - p):
            out.append(("spurious", None, pe))
    return out


def type_confusion(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]
) -> tuple[list[str], np.ndarray]:
    """Word-level confusion of entity types (B-/I- merged; ``O`` included): (names, counts).

    ``counts[i, j]`` is how many words of gold type ``names[i]`` were predicted ``names[j]``.
    """
    from sklearn.metrics import confusion_matrix

    refuse_flat("gold", gold)  # a flat list of tags was read letter by letter
    refuse_flat("pred", pred)
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    if not any(len(s) for s in gold):
        raise ValueError("nothing to compare: no tag in any gold sentence")
    strip = lambda t: t[2:] if t != "O" else "O"  # noqa: E731
    g, p = [], []
    for gs, ps in zip(gold, pred, strict=True):
        if len(gs) != len(ps):
            raise ValueError(f"{len(gs)} gold tags but {len(ps)} predicted in one sentence")
        g += [strip(t) for t in gs]
        p += [strip(t) for t in ps]
    names = sorted((set(g) | set(p)) - {"O"}) + ["O"]
    return names, confusion_matrix(g, p, labels=names)
