"""Next-sentence prediction (NSP): sentence pairs from real documents, a head trained briefly.

BERT was pre-trained on two tasks at once: masked words, and "does sentence B follow sentence A?".
This module builds such pairs from a corpus whose sentences carry a ``doc_id`` and stand in
document order, loads an encoder with its NSP head (saying whether the head was trained or is new),
trains the head briefly and scores held-out pairs with a confidence interval.
Taught in notebooks/06_nsp.ipynb.
"""

from __future__ import annotations

import math
import random
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers import models
from helpers.data import Sentence
from helpers.models import (
    DEFAULT_MODEL,
    _load,
    autocast,
    default_device,
    own_forward,
    pick_precision,
)
from helpers.params import (
    is_integral,
    need_bool,
    need_choice,
    need_defined,
    need_int,
    need_number,
    need_seed,
    need_text,
)
from helpers.train import freeze, logged_losses, train_objective

# The labels of transformers' BertForNextSentencePrediction: 0 = B continues A, 1 = B is random.
# (Numbering them the other way round, IsNext = 1, reads every prediction backwards.)
IS_NEXT, NOT_NEXT = 0, 1
LABEL_NAMES = {IS_NEXT: "IsNext", NOT_NEXT: "NotNext"}
NEGATIVES = ("other_doc", "same_doc")
HEAD_PREFIX = "cls.seq_relationship."
PAIR_MAX_LENGTH = 128  # tokens of [CLS] A [SEP] B [SEP]: training and scoring cut pairs alike


def check_nsp_params(values: Mapping[str, Any]) -> None:
    """The parameters of notebooks/06_nsp.ipynb (pass ``globals()``): the first bad one raises
    ``ValueError`` naming it, before a model loads. ``freeze_layers`` is bounded by the model
    (:func:`helpers.train.freeze`) and ``precision`` by :func:`helpers.models.pick_precision`."""
    p = need_defined(values, [
        "model_name", "n_train_documents", "seed", "negatives", "epochs", "batch_size",
        "learning_rate", "head_learning_rate", "freeze_layers", "train_hard", "min_lower_bound",
    ])  # fmt: skip
    need_text("model_name", p["model_name"])
    if p["n_train_documents"] is not None:
        need_int("n_train_documents", p["n_train_documents"], 2)
    need_seed("seed", p["seed"])
    need_choice("negatives", p["negatives"], NEGATIVES)
    need_int("epochs", p["epochs"], 1)
    need_int("batch_size", p["batch_size"], 1)
    need_number("learning_rate", p["learning_rate"], 0, low_open=True)
    need_number("head_learning_rate", p["head_learning_rate"], 0, low_open=True)
    need_int("freeze_layers", p["freeze_layers"], 0)
    need_bool("train_hard", p["train_hard"])
    need_number("min_lower_bound", p["min_lower_bound"], 0, 1)


@dataclass(frozen=True)
class Pair:
    """Sentence A, sentence B, the label, and where both came from (indices into the input)."""

    a: str
    b: str
    label: int
    index_a: int
    index_b: int
    doc_a: str
    doc_b: str


def _documents(sentences: Sequence[Sentence]) -> list[list[int]]:
    """Indices of each document's sentences, in order; documents must be contiguous."""
    docs: list[list[int]] = []
    seen: set[str] = set()
    for i, s in enumerate(sentences):
        where = f"sentence {i}" + (f" (line {s.line})" if s.line is not None else "")
        if s.doc_id is None:
            raise ValueError(f"{where} has no doc_id: NSP pairs need documents")
        if docs and sentences[docs[-1][0]].doc_id == s.doc_id:
            docs[-1].append(i)
            continue
        if s.doc_id in seen:
            raise ValueError(
                f"{where}: document {s.doc_id!r} appears again after other documents; "
                "expected each document's sentences together and in order"
            )
        seen.add(s.doc_id)
        docs.append([i])
    return docs


def make_pairs(
    sentences: Sequence[Sentence], negatives: str = "other_doc", seed: int = 0, both: bool = False
) -> list[Pair]:
    """Balanced IsNext / NotNext pairs from ``sentences`` (one split: never mix train and test).

    Every sentence that has a successor in its document is an *anchor* A. The anchors are shuffled
    with ``seed``; half of them get their true next sentence (IsNext), the other half a negative
    (NotNext): with ``negatives="other_doc"`` a sentence from another document (BERT's recipe),
    with ``"same_doc"`` a sentence of the same document that is neither A, nor next to A (a harder
    negative: same topic, wrong order). With ``"same_doc"`` only anchors whose document offers
    such a sentence are used, for both classes. An odd anchor out is left unused, so the classes
    are exactly balanced. ``both=True`` gives every anchor both pairs, its IsNext and one
    NotNext: twice the pairs, but two pairs that share an anchor are not independent, so score
    them with :func:`cluster_bootstrap_interval` over anchors (or documents), not as if they
    were. Taught in notebooks/06_nsp.ipynb.
    """
    if negatives not in NEGATIVES:
        raise ValueError(f"negatives={negatives!r}: expected one of {NEGATIVES}")
    docs = _documents(sentences)
    doc_of = {i: d for d, idx in enumerate(docs) for i in idx}
    text = [" ".join(s.words) for s in sentences]

    def same_doc_candidates(i: int) -> list[int]:
        return [j for j in docs[doc_of[i]] if abs(j - i) > 1]

    anchors = [i for idx in docs for i in idx[:-1]]
    if negatives == "same_doc":
        anchors = [i for i in anchors if same_doc_candidates(i)]
    elif len(docs) < 2:
        raise ValueError("negatives='other_doc' needs at least two documents")
    if len(anchors) < 2:
        raise ValueError(f"only {len(anchors)} usable anchor sentences: need at least 2")
    rng = random.Random(seed)
    rng.shuffle(anchors)
    if both:
        plan = [(i, IS_NEXT) for i in anchors] + [(i, NOT_NEXT) for i in anchors]
    else:
        half = len(anchors) // 2
        plan = [(i, IS_NEXT) for i in anchors[:half]]
        plan += [(i, NOT_NEXT) for i in anchors[half : 2 * half]]
    pairs = []
    for i, label in plan:
        if label == IS_NEXT:
            j = i + 1
        elif negatives == "same_doc":
            j = rng.choice(same_doc_candidates(i))
        else:
            d = rng.choice([d for d in range(len(docs)) if d != doc_of[i]])
            j = rng.choice(docs[d])
        pairs.append(Pair(text[i], text[j], label, i, j, sentences[i].doc_id, sentences[j].doc_id))
    rng.shuffle(pairs)
    return pairs


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (``successes`` out of ``n``).

    Unlike the textbook "p ± z·sqrt(p(1-p)/n)" it stays inside [0, 1] and keeps its coverage for
    small ``n`` and proportions near 0 or 1. Taught in notebooks/06_nsp.ipynb.
    """
    from statistics import NormalDist

    # numpy's integers too (a count made with (preds == labels).sum()), computed as Python ints:
    # np.uint8 or np.int32 arithmetic would wrap around
    if not is_integral(n) or n <= 0:
        raise ValueError(f"n={n!r}: expected a positive integer")
    if not is_integral(successes) or not 0 <= successes <= n:
        raise ValueError(f"successes={successes!r}: expected an integer between 0 and n={n}")
    successes, n = int(successes), int(n)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r}: expected a fraction between 0 and 1")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def require_bert(name: str) -> None:
    """Stop unless ``name`` is a BERT checkpoint (:func:`helpers.models.require_bert`).
    Taught in notebooks/06_nsp.ipynb."""
    models.require_bert(name, "next-sentence prediction needs BertForNextSentencePrediction")


def load_nsp_model(
    name: str = DEFAULT_MODEL, seed: int = 0, **kwargs: Any
) -> tuple[Any, list[str], bool]:
    """``BertForNextSentencePrediction`` from ``name``: ``(model, missing_keys, head_trained)``.

    The head counts as trained when none of its weights (``cls.seq_relationship.*``) is missing
    from the checkpoint; the embedded MiniLM has none, so its head starts random, while
    ``bert-base-uncased`` ships one. ``seed`` fixes a new head's random start.
    Taught in notebooks/06_nsp.ipynb.
    """
    from transformers import BertForNextSentencePrediction, set_seed

    require_bert(name)
    set_seed(seed)
    model, info = _load(BertForNextSentencePrediction, name, output_loading_info=True, **kwargs)
    missing = sorted(info["missing_keys"])
    return model, missing, head_trained(missing)


def head_trained(missing_keys: Sequence[str]) -> bool:
    """True when no weight of the NSP head (``cls.seq_relationship.*``) is among the weights
    ``from_pretrained`` reported missing (and so initialised at random)."""
    return not any(k.startswith(HEAD_PREFIX) for k in missing_keys)


def encode_pairs(tokenizer: Any, pairs: Sequence[Pair], max_length: int = PAIR_MAX_LENGTH) -> Any:
    """``[CLS] A [SEP] B [SEP]`` encodings with ``token_type_ids`` (0 for A, 1 for B), padded."""
    _check_pair_length(max_length)
    return tokenizer(
        [p.a for p in pairs],
        [p.b for p in pairs],
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )


def pair_features(
    tokenizer: Any, pairs: Sequence[Pair], max_length: int = PAIR_MAX_LENGTH
) -> list[dict]:
    """One unpadded ``[CLS] A [SEP] B [SEP]`` feature per pair, with its ``labels`` (0 = IsNext).

    What the ``Trainer`` reads; ``DataCollatorWithPadding`` pads each batch. A pair longer than
    ``max_length`` tokens is cut (the longer sentence first), with a warning that counts them.
    """
    _check_pair_length(max_length)
    a, b = [p.a for p in pairs], [p.b for p in pairs]
    enc = tokenizer(a, b)
    n_long = sum(len(ids) > max_length for ids in enc["input_ids"])
    if n_long:
        warnings.warn(
            f"{n_long} of {len(pairs)} pairs are longer than max_length={max_length} tokens: "
            "the longer sentence of each is cut (truncation='longest_first')",
            stacklevel=2,
        )
        enc = tokenizer(a, b, truncation="longest_first", max_length=max_length)
    return [{**{k: enc[k][i] for k in enc}, "labels": p.label} for i, p in enumerate(pairs)]


def _check_pair_length(max_length: int) -> None:
    """Room for [CLS], two [SEP] and at least one token of each sentence (a smaller one would
    cut a whole sentence away)."""
    need_int("max_length", max_length, 5)


@dataclass
class NSPTrainResult:
    """What a short NSP training run did."""

    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0
    trainable: int = 0
    precision: str = "fp32"


def train_nsp(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[Pair] | Sequence[Sequence[Pair]],
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 3e-4,
    head_learning_rate: float = 3e-3,
    freeze_layers: int = 3,
    precision: str = "auto",
    seed: int = 0,
) -> NSPTrainResult:
    """Train the NSP head (and the encoder layers above ``freeze_layers``) with the ``Trainer``.

    The course's one training path, :func:`helpers.train.train_objective`: AdamW with the
    course's weight-decay rule, the head (``model.cls``) at ``head_learning_rate``, 10% linear
    warm-up then linear decay, ``precision`` as :func:`helpers.models.pick_precision`. The
    embeddings and the lowest ``freeze_layers`` layers stay frozen (and stay so afterwards).

    ``pairs`` is one list of pairs used for every epoch, or one list per epoch (for example
    :func:`make_pairs` with a new seed each pass: fresh negatives, less memorising); then the
    lists are joined and read once, shuffled, and ``epochs`` is ignored.
    Taught in notebooks/06_nsp.ipynb.
    """
    from transformers import DataCollatorWithPadding

    need_int("epochs", epochs, 1)  # True is not an integer
    need_int("batch_size", batch_size, 1)
    if not pairs:
        raise ValueError("no training pairs")
    if not isinstance(pairs[0], Pair):
        per_epoch = [list(p) for p in pairs]
        if len({len(p) for p in per_epoch}) != 1 or not per_epoch[0]:
            raise ValueError("pairs per epoch: expected non-empty lists of the same length")
        pairs, epochs = [p for epoch in per_epoch for p in epoch], 1
    device = default_device()
    prec = pick_precision(precision, device)
    trainable = freeze(model, embeddings=True, layers=freeze_layers)
    start = time.perf_counter()
    trainer = train_objective(
        model, pair_features(tokenizer, pairs), DataCollatorWithPadding(tokenizer), epochs,
        batch_size, learning_rate, head=model.cls, head_learning_rate=head_learning_rate,
        precision=prec, seed=seed,
    )  # fmt: skip
    losses = logged_losses(trainer.state.log_history)
    return NSPTrainResult(losses, time.perf_counter() - start, len(losses), trainable, prec)


def predict_nsp(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[Pair],
    batch_size: int = 64,
    precision: str = "fp32",
    pack_weights: bool = True,
) -> tuple[list[int], list[float]]:
    """Predicted labels and P(IsNext) for each pair, without gradients, in the pairs' order.

    Pairs are batched by length (shortest first), so a batch pads to its own longest pair, not
    to the longest of a random mix; padding is masked out, so a pair's result does not depend on
    its batch. ``precision`` as :func:`helpers.models.pick_precision` (default fp32: exact
    scores); in bf16 on a CPU the linear layers' weights are packed once per call
    (:func:`helpers.models.packed_linears`; ``pack_weights=False``: plain autocast, the same
    arithmetic). Taught in notebooks/06_nsp.ipynb.
    """
    import torch

    if not pairs:
        raise ValueError("pairs is empty: expected at least one pair to score")
    need_int("batch_size", batch_size, 1)  # -1 used to score nothing and return all IsNext
    need_bool("pack_weights", pack_weights)
    device = next(model.parameters()).device
    chosen = pick_precision(precision, device.type)
    model.eval()
    lengths = [len(f["input_ids"]) for f in pair_features(tokenizer, pairs)]
    order = sorted(range(len(pairs)), key=lambda i: lengths[i])
    preds: list[int] = [0] * len(pairs)
    probs: list[float] = [0.0] * len(pairs)
    # no_grad, not inference_mode: autocast then casts each trainable weight once, not per batch
    # in bf16 on a CPU the linear layers' weights are packed once (helpers.models.packed_linears)
    pack = model if pack_weights else None
    with torch.no_grad(), own_forward(model), autocast(chosen, device, pack):
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            enc = encode_pairs(tokenizer, [pairs[i] for i in idx]).to(device)
            p = model(**enc).logits.float().softmax(-1)
            for i, label, prob in zip(idx, p.argmax(-1).tolist(), p[:, IS_NEXT].tolist(),
                                      strict=True):  # fmt: skip
                preds[i], probs[i] = label, prob
    return preds, probs


def accuracy(pairs: Sequence[Pair], preds: Sequence[int]) -> tuple[int, int]:
    """``(correct, total)`` of predicted labels against the pairs' labels."""
    if len(pairs) != len(preds):
        raise ValueError(f"{len(pairs)} pairs but {len(preds)} predictions")
    return sum(p.label == y for p, y in zip(pairs, preds, strict=True)), len(pairs)


def cluster_bootstrap_interval(
    correct: Sequence[bool],
    clusters: Sequence[Any],
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval for accuracy when items come in dependent groups.

    ``clusters[i]`` names the group of item ``i`` (its anchor sentence, or its document). Whole
    groups are resampled with replacement, so items that share an anchor or a document move
    together and the interval is as wide as their dependence makes it; with one item per group
    it is the ordinary bootstrap. Deterministic for a given ``seed``.
    Taught in notebooks/06_nsp.ipynb.
    """
    if len(correct) != len(clusters) or len(correct) == 0:  # a numpy array has no truth value
        raise ValueError(
            f"{len(correct)} results but {len(clusters)} cluster names: need equal, > 0"
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r}: expected a fraction between 0 and 1")
    if not isinstance(resamples, int) or resamples < 100:
        raise ValueError(f"resamples={resamples!r}: expected an integer >= 100")
    groups: dict[Any, list[int]] = {}
    for ok, c in zip(correct, clusters, strict=True):
        g = groups.setdefault(c, [0, 0])
        g[0] += bool(ok)
        g[1] += 1
    sums = list(groups.values())
    rng = random.Random(seed)
    stats = []
    for _ in range(resamples):
        draw = [sums[rng.randrange(len(sums))] for _ in sums]
        stats.append(sum(k for k, _ in draw) / sum(n for _, n in draw))
    stats.sort()
    tail = (1 - confidence) / 2
    lo = stats[int(math.floor(tail * (resamples - 1)))]
    hi = stats[int(math.ceil((1 - tail) * (resamples - 1)))]
    return lo, hi
