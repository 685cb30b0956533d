"""Inference: raw text → words, tags and entity spans with character offsets.

Words are the tokenizer's own pre-tokenization (whitespace and punctuation splits, with their
character offsets), the same words that transformers' token-classification pipeline uses, so
``aggregation_strategy="first"`` there and :func:`predict` here find the same entities. Texts are
batched by length and texts longer than the model limit are cut into overlapping windows.
Taught in notebooks/04_ner.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.alignment import tokenize_and_align, word_level
from helpers.labels import entity_spans


@dataclass
class Entity:
    """One predicted entity: its type, text, character span and mean word confidence."""

    type: str
    text: str
    start: int
    end: int
    score: float


@dataclass
class Prediction:
    """Words with their character offsets, one tag per word, and the entities they form."""

    text: str
    words: list[str]
    offsets: list[tuple[int, int]]
    tags: list[str]
    entities: list[Entity] = field(default_factory=list)


def split_words(text: str, tokenizer: Any) -> tuple[list[str], list[tuple[int, int]]]:
    """The tokenizer's pre-tokenization of ``text``: words and their ``(start, end)`` offsets."""
    pieces = tokenizer.backend_tokenizer.pre_tokenizer.pre_tokenize_str(text)
    return [w for w, _ in pieces], [tuple(o) for _, o in pieces]


def _continue(tag: str) -> str:
    """The tag a word with no token takes: it continues the previous word's entity."""
    return "I-" + tag[2:] if tag.startswith("B-") else tag


def _predict_words(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    batch_size: int,
    max_length: int | None,
    stride: int,
) -> tuple[list[list[str]], list[list[float]], list[list[bool]]]:
    """Tags, probabilities and whether each word has a token at all (see :func:`predict`)."""
    import torch

    nonempty = [i for i, s in enumerate(sentences) if len(s)]
    enc = tokenize_and_align(
        [sentences[i] for i in nonempty],
        None,
        tokenizer,
        max_length=max_length,
        stride=stride,
        tokenless="keep",
    )
    n = len(enc["input_ids"])
    order = sorted(range(n), key=lambda i: len(enc["input_ids"][i]))
    id2label = model.config.id2label
    device = next(model.parameters()).device
    per_window: list[Any] = [None] * n
    was_training = model.training
    model.eval()
    # Hand-batched on purpose: windows sorted by length, no per-text overhead: faster than the
    # token-classification pipeline, with the same entities (tests/test_predict.py).
    with torch.inference_mode():
        for b in range(0, n, batch_size):
            idx = order[b : b + batch_size]
            batch = tokenizer.pad(  # right padding keeps token positions equal to word_ids'
                {"input_ids": [enc["input_ids"][i] for i in idx]},
                padding_side="right",
                return_tensors="pt",
            )
            logits = model(
                input_ids=batch["input_ids"].to(device),
                attention_mask=batch["attention_mask"].to(device),
            ).logits
            probs = logits.float().softmax(-1).cpu()
            conf, best = probs.max(-1)
            for r, i in enumerate(idx):
                per_window[i] = list(zip(best[r].tolist(), conf[r].tolist(), strict=True))
    model.train(was_training)
    windows: dict[int, list] = {}
    for w, s in enumerate(enc["sample"]):
        windows.setdefault(s, []).append((enc["word_ids"][w], per_window[w]))
    tags: list[list[str]] = [[] for _ in sentences]
    scores: list[list[float]] = [[] for _ in sentences]
    has_token: list[list[bool]] = [[] for _ in sentences]
    for k, i in enumerate(nonempty):
        for pair in word_level(windows[k], len(sentences[i]), allow_missing=True):
            # A word the tokenizer drops (zero-width space, soft hyphen) has no prediction of
            # its own: it continues the previous word's tag, with probability 0.
            prev = tags[i][-1] if tags[i] else "O"
            tags[i].append(id2label[int(pair[0])] if pair else _continue(prev))
            scores[i].append(float(pair[1]) if pair else 0.0)
            has_token[i].append(pair is not None)
    return tags, scores, has_token


def predict_word_tags(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    batch_size: int = 32,
    max_length: int | None = None,
    stride: int = 32,
) -> tuple[list[list[str]], list[list[float]]]:
    """Tags (and their probabilities) for pre-split sentences, one per word.

    Windows are sorted by length and padded per batch; each word takes its first subword's
    prediction from the window where it has the most context. A word that yields no token
    continues the previous word's tag (``B-x`` → ``I-x``, ``O`` at the start), probability 0.
    """
    tags, scores, _ = _predict_words(model, tokenizer, sentences, batch_size, max_length, stride)
    return tags, scores


def predict(
    texts: str | Sequence[str],
    model: Any,
    tokenizer: Any,
    batch_size: int = 32,
    max_length: int | None = None,
    stride: int = 32,
) -> list[Prediction]:
    """Raw texts → :class:`Prediction` per text (words, tags, entities with offsets).

    Entities are read from the words that have tokens, as the pipeline does (it never sees a
    word the tokenizer drops), so both give the same entities. Taught in notebooks/04_ner.ipynb.
    """
    if isinstance(texts, str):
        texts = [texts]
    split = [split_words(t, tokenizer) for t in texts]
    tags, scores, has_token = _predict_words(
        model, tokenizer, [w for w, _ in split], batch_size, max_length, stride
    )
    out = []
    for text, (words, offsets), t, sc, ok in zip(
        texts, split, tags, scores, has_token, strict=True
    ):
        keep = [j for j in range(len(words)) if ok[j]]
        ents = []
        for kind, a, b in entity_spans([t[j] for j in keep]):
            start, end = offsets[keep[a]][0], offsets[keep[b - 1]][1]
            ents.append(
                Entity(kind, text[start:end], start, end, sum(sc[j] for j in keep[a:b]) / (b - a))
            )
        out.append(Prediction(text, words, offsets, t, ents))
    return out
