"""Inference: raw text → words, tags and entity spans with character offsets.

Words are the tokenizer's own: its normaliser runs, then its pre-tokenization (whitespace and
punctuation splits), and each word keeps its character offsets in the raw text. These are the
words that transformers' token-classification pipeline reads, so ``aggregation_strategy="first"``
there and :func:`predict` here find the same entities, with four exceptions: an accent typed as
a combining character stays in its word here (the pipeline may cut or merge entities around it);
a special token written out in the text (``[MASK]``, ``[UNK]``) is read here as the characters
``[``, ``MASK``, ``]``, where the pipeline's tokenizer reads it as that token; a character the
tokenizer's normaliser deletes (a soft hyphen, a zero-width space) inside a word keeps the word
whole here, where the pipeline, which tells a subword from a word by comparing lengths, may join
it to the word before; and a text longer than the model limit is cut into overlapping windows
here, where the pipeline truncates it.
Texts are batched by length. Where the
hardware has bf16 natively the model runs in bf16 (see ``python -m helpers.bench ner`` for
what it buys), and every window with a near tie between two labels is rerun in fp32, so the labels
are those of fp32; in bf16 the linear layers' weights are cast and packed for oneDNN once per
call (helpers.models.packed_linears). A model with a learned casing feature (helpers.casing)
also gets each word's casing, aligned to its subwords (``casing_ids``). Taught in
notebooks/04_ner.ipynb.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from helpers.alignment import CASING_PAD, STRIDE, tokenize_and_align, word_level
from helpers.labels import entity_spans, is_bio_tag
from helpers.models import (
    PRECISIONS,
    autocast,
    autocast_dtype,
    own_forward,
    pick_precision,
    uses_casing,
)
from helpers.params import need_int, need_probability

# Low precision can flip the label of a word whose two most probable labels are nearly tied.
# `python -m helpers.bench margin` (:func:`low_precision_moves`) measures it. On corpus v3 (all
# 3,862 sentences, the project recipe's model, AMD EPYC with AVX512-BF16), bf16 moved a label
# probability by at most 0.029 from fp32's and the gap between a word's two most probable labels
# by at most 0.056; the 20 words whose label it changed had fp32 gaps of at most 0.041. (On
# corpus v2 an earlier measurement gave 0.041 and 0.056.) A window where every word's gap is at
# least RECHECK_MARGIN keeps fp32's labels; any other window is rerun in fp32 (0.15 is safer
# still and costs ~12% more time in `python -m helpers.bench ner`).
RECHECK_MARGIN = 0.1
# A model call costs about as much time as this many more padded tokens (length batching:
# measured on 2 CPU cores, 4 to 32 are equally fast, 64 and unbounded batches ~8% slower).
CALL_COST = 16


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
    """The words the tokenizer sees in ``text``, and their ``(start, end)`` offsets in it.

    As in a call of the tokenizer (and so in the token-classification pipeline), its normaliser
    runs before its pre-tokenizer: a character that the normaliser deletes (a control or format
    character such as a zero-width space or a form feed) belongs to no word and joins what it
    separated, and text in CJK scripts gives one word per character. Each word is the original
    text of its span; a combining mark that the normaliser strips (an accent typed as its own
    character) stays at the end of its word's span.
    """
    from tokenizers import PreTokenizedString

    backend = tokenizer.backend_tokenizer
    pieces = PreTokenizedString(text)
    if backend.normalizer is not None:
        pieces.normalize(backend.normalizer.normalize)
    if backend.pre_tokenizer is not None:
        backend.pre_tokenizer.pre_tokenize(pieces)
    spans = [o for _, o, _ in pieces.get_splits(offset_referential="original", offset_type="char")]
    offsets = []
    for k, (start, end) in enumerate(spans):
        stop = spans[k + 1][0] if k + 1 < len(spans) else len(text)
        while end < stop and unicodedata.category(text[end]).startswith("M"):
            end += 1
        offsets.append((start, end))
    return [text[a:b] for a, b in offsets], offsets


def _continue(tag: str) -> str:
    """The tag a word with no token takes: it continues the previous word's entity."""
    return "I-" + tag[2:] if tag.startswith("B-") else tag


def _first_pieces(word_ids: Sequence[int | None]) -> list[int]:
    """Positions of each word's first token in one window (the tokens whose predictions count)."""
    out, prev = [], None
    for pos, wid in enumerate(word_ids):
        if wid is not None and wid != prev:
            out.append(pos)
        prev = wid
    return out


def length_batches(lengths: Sequence[int], batch_size: int, call_cost: int = CALL_COST) -> list:
    """Indices of ``lengths`` grouped into batches of similar length, shortest first.

    Windows are sorted by length; a batch closes when it holds ``batch_size`` windows, or when
    padding it to the next window's length would cost more tokens than a model call does
    (``call_cost`` tokens' worth of time). Used by :func:`predict`, which notebook 04 calls.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        b = batches[-1] if batches else None
        if b and len(b) < batch_size and (lengths[i] - lengths[b[-1]]) * len(b) <= call_cost:
            b.append(i)
        else:
            batches.append([i])
    return batches


def _low_precision(model: Any, precision: str, device: Any) -> str | None:
    """The low precision (bf16/fp16) ``precision`` runs in on ``device`` (None: the model as it
    is)."""
    import torch

    if device.type not in ("cpu", "cuda"):
        return None  # other backends: the model runs as it is stored
    chosen = pick_precision(precision, device.type)
    if next(model.parameters()).dtype != torch.float32:
        return None  # a model stored in bf16/fp16 already runs in its own precision
    return None if autocast_dtype(chosen) is None else chosen


def _windows(
    model: Any, tokenizer: Any, words: Sequence[Sequence[str]], max_length: int | None, stride: int
) -> tuple[dict[str, Any], list[list[int]], int]:
    """The windows of non-empty ``words`` as the model reads them (``max_length`` and ``stride``
    checked by :func:`_check_windows`): the encoding (casing ids too for a model with a casing
    feature), each window's first pieces, and the padding id."""
    max_length = _check_windows(model, max_length, stride)
    enc = tokenize_and_align(
        words,
        None,
        tokenizer,
        max_length=max_length,
        stride=stride,
        tokenless="keep",
        casing=uses_casing(model),  # a model with a casing feature reads each word's casing
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return enc, [_first_pieces(w) for w in enc["word_ids"]], pad_id


@contextmanager
def _evaluating(model: Any) -> Iterator[None]:
    """``model`` in eval mode, without gradients, on its own ``forward``; its mode restored after.

    no_grad, not inference_mode: under inference_mode autocast casts every weight to bf16 again
    at every model call; under no_grad it casts each trainable weight once for the whole call.
    """
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), own_forward(model):
            yield
    finally:
        model.train(was_training)


def _run_windows(
    model: Any,
    ids: Sequence[Sequence[int]],
    firsts: Sequence[Sequence[int]],
    todo: Sequence[int],
    batch_size: int,
    pad_id: int,
    out: list,
    margins: list[float],
    casing: Sequence[Sequence[int]] | None = None,
    probs_out: list | None = None,
) -> None:
    """Forward the windows ``todo`` in length batches; store per-token (label, probability).

    ``margins[i]`` gets the smallest gap between the two most probable labels over the first
    tokens of window ``i``'s words (1.0 when it has none). ``casing``: the windows'
    ``casing_ids``, for a model with a casing feature (helpers.casing). ``probs_out[i]``, if
    given, gets window ``i``'s label probabilities (tokens x labels, fp32, on the CPU).
    """
    import torch

    device = next(model.parameters()).device
    for batch in length_batches([len(ids[i]) for i in todo], batch_size):
        rows = [todo[k] for k in batch]
        width = len(ids[rows[-1]])  # the longest: batches come sorted by length
        padded = [list(ids[i]) + [pad_id] * (width - len(ids[i])) for i in rows]
        input_ids = torch.tensor(padded, device=device)
        mask = None  # no padding, no mask: attention takes its fast path
        if len(ids[rows[0]]) < width:  # right padding keeps token positions equal to word_ids'
            lens = torch.tensor([len(ids[i]) for i in rows], device=device)
            mask = (torch.arange(width, device=device)[None, :] < lens[:, None]).long()
        extra = {}
        if casing is not None:  # padded like the ids (padding is masked: its casing is "pad")
            rows_casing = [list(casing[i]) + [CASING_PAD] * (width - len(casing[i])) for i in rows]
            extra["casing_ids"] = torch.tensor(rows_casing, device=device)
        logits = model(input_ids=input_ids, attention_mask=mask, **extra).logits
        probs = logits.float().softmax(-1)
        top2 = probs.topk(min(2, probs.shape[-1]), dim=-1).values.cpu()
        # a one-label model has no runner-up: no tie to recheck
        gap = (top2[..., 0] - (top2[..., 1] if top2.shape[-1] > 1 else 0.0)).tolist()
        conf, best = top2[..., 0].tolist(), probs.argmax(-1).cpu().tolist()
        for r, i in enumerate(rows):
            n = len(ids[i])
            out[i] = list(zip(best[r][:n], conf[r][:n], strict=True))
            margins[i] = min((gap[r][p] for p in firsts[i]), default=1.0)
            if probs_out is not None:
                probs_out[i] = probs[r, :n].cpu()


def low_precision_moves(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    precision: str = "bf16",
    batch_size: int = 32,
    max_length: int | None = None,
    stride: int = STRIDE,
) -> dict[str, float | int]:
    """How far ``precision`` moves label probabilities from fp32's (what RECHECK_MARGIN rests on).

    Every window of ``sentences`` runs twice, as :func:`predict_word_tags` runs it: in fp32, and
    under ``precision``'s autocast with the weights packed. Returns the ``windows`` and
    ``tokens`` compared; ``any_token`` and ``first_piece``: the largest move of one label's
    probability, on any token and on the tokens that carry a word's label; ``gap``: the largest
    move of the gap between a word's two most probable fp32 labels (at most twice
    ``first_piece``); ``flips``: words whose label changes, ``flip_gap``: the largest fp32 gap
    among them, and ``flip_gap_low``: the largest gap between their two most probable labels
    under ``precision`` (both 0.0 without a flip). predict decides what to rerun from the gaps
    under ``precision``, so it keeps fp32's labels while ``flip_gap_low`` stays below its
    ``recheck_margin``; ``flip_gap_low`` is at most ``gap`` minus the word's fp32 gap.
    """
    enc, firsts, pad_id = _windows(
        model, tokenizer, [s for s in sentences if len(s)], max_length, stride
    )
    ids, n, casing = enc["input_ids"], len(enc["input_ids"]), enc.get("casing_ids")
    device = next(model.parameters()).device
    runs = []
    with _evaluating(model):
        for p in ("fp32", precision):
            probs: list = [None] * n
            with autocast(p, device, model):
                _run_windows(
                    model, ids, firsts, range(n), batch_size, pad_id, [None] * n, [1.0] * n,
                    casing, probs,
                )  # fmt: skip
            runs.append(probs)
    out: dict[str, float | int] = {"windows": n, "tokens": sum(map(len, ids))}
    out |= {"any_token": 0.0, "first_piece": 0.0, "gap": 0.0, "flips": 0, "flip_gap": 0.0}
    out["flip_gap_low"] = 0.0
    for a, b, f in zip(*runs, firsts, strict=True):
        out["any_token"] = max(out["any_token"], float((a - b).abs().max()))
        if not f:
            continue
        a, b = a[f], b[f]  # the tokens that carry a word's label
        out["first_piece"] = max(out["first_piece"], float((a - b).abs().max()))
        if a.shape[-1] < 2:
            continue  # one label: no gap, no flip
        best = a.topk(2, dim=-1).indices  # fp32's two most probable labels of each word
        gap_a, gap_b = (x.gather(-1, best) for x in (a, b))
        gap_a, gap_b = gap_a[:, 0] - gap_a[:, 1], gap_b[:, 0] - gap_b[:, 1]
        out["gap"] = max(out["gap"], float((gap_a - gap_b).abs().max()))
        flipped = a.argmax(-1) != b.argmax(-1)
        out["flips"] += int(flipped.sum())
        if flipped.any():
            out["flip_gap"] = max(out["flip_gap"], float(gap_a[flipped].max()))
            low = b[flipped].topk(2, dim=-1).values  # what predict's rerun rule reads
            out["flip_gap_low"] = max(out["flip_gap_low"], float((low[:, 0] - low[:, 1]).max()))
    return out


def _check_windows(model: Any, max_length: int | None, stride: int) -> int | None:
    """Refuse, by name, a ``stride`` below 0 and a ``max_length`` that leaves windows no new
    token or is beyond the model's positions. Returns the windows' length: ``max_length``, or
    for ``None`` the model's positions where they are fewer than 512 (the tokenizer's limit,
    which tokenize_and_align takes, can be larger: a 64-position model failed on long texts)."""
    need_int("stride", stride, 0)  # -1 failed deep in the tokenizer, True was 1
    limit = getattr(model.config, "max_position_embeddings", None)
    if max_length is not None:  # 0 used to mean the limit; 1000 failed inside the model
        need_int("max_length", max_length, stride + 3, limit if isinstance(limit, int) else None)
        return max_length
    return limit if isinstance(limit, int) and stride + 3 <= limit < 512 else None


def _predict_words(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    batch_size: int,
    max_length: int | None,
    stride: int,
    precision: str = "auto",
    recheck_margin: float = RECHECK_MARGIN,
    pack_weights: bool = True,
) -> tuple[list[list[str]], list[list[float]], list[list[bool]], list[int]]:
    """Tags, probabilities, whether each word has a token, and the windows rerun in fp32."""

    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r}: expected one of {PRECISIONS}")
    need_probability("recheck_margin", recheck_margin)  # True was 1.0: every window rerun
    need_int("batch_size", batch_size, 1)  # True ran as 1, "4" failed in a comparison
    labels = list(model.config.id2label.values())
    if "O" not in labels or not all(is_bio_tag(t) for t in labels):
        raise ValueError(  # entity_spans opens no entity on a bare "PER": none would be found
            f"the model's labels {labels[:6]} are not NER tags (O, B-x, I-x): predict reads "
            "entities from B-x/I-x tags"
        )
    device = next(model.parameters()).device
    low = _low_precision(model, precision, device)
    nonempty = [i for i, s in enumerate(sentences) if len(s)]
    enc, firsts, pad_id = _windows(
        model, tokenizer, [sentences[i] for i in nonempty], max_length, stride
    )
    ids, n = enc["input_ids"], len(enc["input_ids"])
    casing = enc.get("casing_ids")
    per_window: list[Any] = [None] * n
    margins = [1.0] * n
    rechecked: list[int] = []
    # Hand-batched on purpose: windows sorted by length, no per-text overhead: faster than the
    # token-classification pipeline, with the same entities (tests/test_predict.py).
    with _evaluating(model):
        # bf16 on a CPU: the linear layers' weights cast and laid out for oneDNN once per
        # call (helpers.models.packed_linears): the same numbers, sooner
        with autocast(low or "fp32", device, model if pack_weights else None):
            _run_windows(
                model, ids, firsts, range(n), batch_size, pad_id, per_window, margins, casing
            )
        if low is not None:
            # A near tie may flip in low precision: those windows are rerun in fp32, so
            # every word's label is the one fp32 gives.
            rechecked = [i for i in range(n) if margins[i] < recheck_margin]
            _run_windows(
                model, ids, firsts, rechecked, batch_size, pad_id, per_window, margins, casing
            )
    id2label = model.config.id2label
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
    return tags, scores, has_token, rechecked


def predict_word_tags(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    batch_size: int = 32,
    max_length: int | None = None,
    stride: int = STRIDE,
    precision: str = "auto",
    recheck_margin: float = RECHECK_MARGIN,
    pack_weights: bool = True,
) -> tuple[list[list[str]], list[list[float]]]:
    """Tags (and their probabilities) for pre-split sentences, one per word.

    Windows are sorted by length and batched (:func:`length_batches`); each word takes its first
    subword's prediction from the window where it has the most context. A word that yields no
    token continues the previous word's tag (``B-x`` → ``I-x``, ``O`` at the start), probability 0.

    ``precision`` (one of ``helpers.models.PRECISIONS``; ``"auto"``: bf16 where the hardware has
    it natively, see :func:`helpers.models.pick_precision`) runs the model under autocast; any
    window where two labels of a word are within ``recheck_margin`` is then rerun in fp32, so the
    tags are fp32's and the probabilities within ~0.03 of fp32's (equal for rerun windows).
    ``pack_weights``: in bf16 on a CPU, run the linear layers with weights packed once per call
    (:func:`helpers.models.packed_linears`; False: plain autocast, the same results, for
    comparison). Taught in notebooks/04_ner.ipynb.
    """
    tags, scores, _, _ = _predict_words(
        model, tokenizer, sentences, batch_size, max_length, stride, precision, recheck_margin,
        pack_weights,
    )  # fmt: skip
    return tags, scores


def predict(
    texts: str | Sequence[str],
    model: Any,
    tokenizer: Any,
    batch_size: int = 32,
    max_length: int | None = None,
    stride: int = STRIDE,
    precision: str = "auto",
    recheck_margin: float = RECHECK_MARGIN,
    pack_weights: bool = True,
) -> list[Prediction]:
    """Raw texts → :class:`Prediction` per text (words, tags, entities with offsets).

    Entities are read from the words that have tokens, as the pipeline does (it never sees a
    word the tokenizer drops), so both give the same entities; ``precision``,
    ``recheck_margin`` and ``pack_weights`` as in :func:`predict_word_tags` (fp32's labels,
    scores within ~0.03 of fp32's in low precision). Taught in notebooks/04_ner.ipynb.
    """
    # a generator or an open file is read once (it used to be used up by the first of two passes)
    texts = [texts] if isinstance(texts, str) else list(texts)
    split = [split_words(t, tokenizer) for t in texts]
    tags, scores, has_token, _ = _predict_words(
        model,
        tokenizer,
        [w for w, _ in split],
        batch_size,
        max_length,
        stride,
        precision,
        recheck_margin,
        pack_weights,
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
