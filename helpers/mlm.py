"""Masked-language-model (MLM) domain adaptation, measured before and after.

Masking. transformers 5.x has one collator for MLM, ``DataCollatorForLanguageModeling``; the old
``DataCollatorForWholeWordMask`` is gone. Read from its source (5.23):

* token masking (``whole_word_mask=False``) is right as it is: each non-special token is picked with
  ``mlm_probability``; a picked token becomes ``[MASK]`` 80% of the time, a random vocabulary id
  10% and stays unchanged 10%; special tokens and padding (``special_tokens_mask``, or the
  tokenizer's special ids) are never picked. :class:`WordMaskCollator` uses it unchanged.
* ``whole_word_mask=True`` groups tokens by **character offsets**, not by ``##`` prefixes: a token
  starts a new word when its start offset differs from the previous token's end (a gap) or the
  previous token is special. On raw text a "word" is therefore a whitespace-separated chunk, with
  its punctuation: "U.S.", "Bush's" and "Tuesday." (with its full stop) are one word each, while
  the tokenizer's pre-tokenizer (``word_ids()``) makes 4, 3 and 2 words of them. On pre-split words
  (``is_split_into_words=True``) each word's offsets restart at 0, so the groups equal
  ``word_ids()``: the corpus's own words, a lone "," being a word of its own. It needs
  ``offset_mapping`` in every feature (fast tokenizers only).
* but with ``whole_word_mask=True`` it sets ``mask_replace_prob=1``: every picked word becomes
  ``[MASK]`` and the 80/10/10 split is dropped (it warns "Random token replacement is not
  supported with whole word masking").

What this module adds is only that: whole-word masking over the corpus's words, taken from
``word_ids()``, with the 80/10/10 split decided per token, drawing from the same seeded
``torch.Generator`` in the same order as the library. A word is picked with ``mlm_probability``
(so on average that fraction of tokens is picked too) and all its subwords go together.

Evaluation uses fixed masks: :func:`fixed_batches` masks the held-out sentences once from a fresh
CPU generator seeded with ``seed``, so the same tokens are hidden before and after adaptation and
the comparison measures the model, not the dice. Perplexity is ``exp`` of the mean cross-entropy
over the picked positions (labels != -100, whichever of the three replacements they got).

The embedded all-MiniLM-L6-v2 has no trained MLM head: loading it for MLM creates a random one.
Its decoder is tied to the word embeddings, so freezing the encoder freezes the decoder matrix
too; the head warm-up (:func:`warm_up_head`) then trains the transform (dense 384x384 +
LayerNorm) and the output bias (one number per vocabulary entry) for a fixed number of epochs,
choosing nothing on the held-out masks. That model is "before" (``warmup_epochs=0`` skips the
warm-up: then "before" is the random head); :func:`train_mlm` then adapts encoder and head
together. Both are runs of the course's one training path,
:func:`helpers.train.train_objective` (the library's ``Trainer``), with :class:`PickedOnly`
sending only the picked positions through the vocabulary projection.

Taught in notebooks/05_mlm.ipynb.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from transformers import DataCollatorForLanguageModeling

from helpers.alignment import IGNORE, tokenize_and_align
from helpers.data import experiment_splits, load_corpus, split_documents, split_sentences
from helpers.labels import build_label_list
from helpers.models import (
    DEFAULT_MODEL,
    PRECISIONS,
    autocast,
    cpu_kind,
    default_device,
    hf_quiet,
    load_masked_lm,
    load_tokenizer,
    own_forward,
    pick_precision,
)
from helpers.params import (
    BOOL_EXPECTED,
    COUNT_EXPECTED,
    SEED_EXPECTED,
    is_bool,
    is_count_or_none,
    is_finite_number,
    is_int,
    is_seed,
    need_available,
    need_bool,
    need_int,
    need_number,
    need_seed,
    raise_first_failure,
    refuse,
)
from helpers.paths import CORPUS_TEST, CORPUS_TRAIN, output_path, resolve, shown
from helpers.results import check_results_path, command_line, provenance, write_results
from helpers.train import (
    MIN_MAX_LENGTH,
    SPLIT_DEFAULTS,
    TrainConfig,
    evaluate_ner,
    logged_losses,
    train_ner,
    train_objective,
)

# ---------------------------------------------------------------- configuration


@dataclass
class AdaptConfig:
    """The parameters of an adaptation run (notebook 05's ``parameters`` cell has the same)."""

    model_name: str = DEFAULT_MODEL
    data_path: str | None = None  # None: data/news_ner_train.csv; never the NER test file
    n_sentences: int | None = 400  # adaptation sentences (of the training side); None = all
    heldout_size: float = 0.2  # fraction of documents held out for perplexity
    epochs: int = 2
    batch_size: int = 16
    learning_rate: float = 3e-4  # picked on held-out perplexity of the training file (1e-4: worse)
    warmup_learning_rate: float = 3e-3  # the head warm-up (encoder frozen)
    warmup_epochs: int = 3  # head warm-up passes (encoder frozen), final epoch kept; 0: none
    mlm_probability: float = 0.15
    whole_word_mask: bool = True
    max_length: int = 100
    precision: str = "auto"
    seed: int = 42
    output_dir: str = "runs/mlm"

    def validate(self) -> None:
        """Raise ``ValueError`` naming the parameter and what it expects."""
        number = is_finite_number
        checks = [
            (is_int(self.epochs) and self.epochs > 0, "epochs", "an integer > 0"),
            (is_int(self.batch_size) and self.batch_size > 0, "batch_size", "an integer > 0"),
            (number(self.learning_rate) and self.learning_rate > 0, "learning_rate",
             "a finite number > 0"),
            (number(self.warmup_learning_rate) and self.warmup_learning_rate > 0,
             "warmup_learning_rate", "a finite number > 0"),
            (is_int(self.warmup_epochs) and self.warmup_epochs >= 0, "warmup_epochs",
             "an integer >= 0 (0: no head warm-up)"),
            (number(self.mlm_probability) and 0 < self.mlm_probability < 1, "mlm_probability",
             "a fraction in (0, 1)"),
            (is_bool(self.whole_word_mask), "whole_word_mask", BOOL_EXPECTED),
            (number(self.heldout_size) and 0 < self.heldout_size < 1, "heldout_size",
             "a fraction in (0, 1)"),
            (is_int(self.max_length) and MIN_MAX_LENGTH <= self.max_length <= 512, "max_length",
             f"an integer from {MIN_MAX_LENGTH} to 512 (TrainConfig's range; a longer sentence "
             "becomes consecutive windows)"),
            (is_count_or_none(self.n_sentences), "n_sentences", COUNT_EXPECTED),
            (self.precision in PRECISIONS, "precision", "auto|bf16|fp16|fp32"),
            (is_seed(self.seed), "seed", SEED_EXPECTED),
            (self.data_path is None or (isinstance(self.data_path, (str, os.PathLike))
                                        and str(self.data_path).strip() != ""),
             "data_path", "None or a file path"),
            (isinstance(self.output_dir, (str, os.PathLike)) and str(self.output_dir).strip() != "",
             "output_dir", "a folder path"),
        ]  # fmt: skip
        raise_first_failure(vars(self), checks)


# ---------------------------------------------------------------- text and masking


def adaptation_text(
    data_path: str | Path | None = None,
    heldout_size: float = 0.2,
    seed: int = 42,
    n_sentences: int | None = None,
) -> tuple[list[list[str]], list[list[str]]]:
    """Words of the training side and of the held-out side, split by document.

    ``data_path=None`` is the embedded training file; the NER test file is refused (it scores
    NER later, so the encoder must never have read it). Files without document ids are split by
    sentence, and so is a file of one document (a line says so); the reader's notes are printed.
    ``n_sentences`` keeps the first N training-side sentences (the held-out side is whole).
    """

    if not is_count_or_none(n_sentences):
        refuse("n_sentences", n_sentences, COUNT_EXPECTED)  # AdaptConfig's rule
    need_seed("seed", seed)  # random.Random took -1 as 1 and True as 1
    path = resolve(data_path) if data_path is not None else CORPUS_TRAIN
    if path.resolve() == CORPUS_TEST.resolve():
        raise ValueError(
            f"data_path={str(data_path)!r} is the NER test file: adaptation must use training "
            "text only (data/news_ner_train.csv)"
        )
    corpus = load_corpus(path)
    for note in corpus.notes:  # e.g. the encoding it was decoded with
        print(f"note: {shown(path)}: {note}")
    sentences = corpus.sentences
    documents = {s.doc_id for s in sentences}
    if None not in documents and len(documents) >= 2:
        train, heldout = split_documents(sentences, heldout_size, seed, "heldout_size")
    else:
        if None not in documents:  # one document: a CoNLL file without -DOCSTART- lines
            print(f"note: {shown(path)} is one document: held out by sentence, not by document")
        train, heldout = split_sentences(sentences, heldout_size, seed, "heldout_size")
    need_available("n_sentences", n_sentences, len(train), f"the training side of {shown(path)}",
                   "sentences")  # fmt: skip
    if n_sentences is not None:
        train = train[:n_sentences]
    return [s.words for s in train], [s.words for s in heldout]


def encode(tokenizer: Any, sentences: Sequence[Sequence[str]], max_length: int) -> list[dict]:
    """Pre-split sentences → features with ``input_ids`` and ``word_ids`` (-1 off words, and on
    special tokens inside words: ``[UNK]``, which token masking never picks either).

    Uses :func:`helpers.alignment.tokenize_and_align`: a sentence longer than ``max_length``
    tokens becomes consecutive windows instead of being cut, and a word that yields no token is
    an error. The windows do not overlap (``stride=0``, unlike NER's, which share tokens so that
    every word is tagged with context): each token is masked, learned and scored in one window
    only, so a long sentence does not count its shared tokens twice.
    """
    # 0 used to mean the model's limit; True, 2 or -5 were refused naming stride
    need_int("max_length", max_length, 3, min(tokenizer.model_max_length, 512))
    enc = tokenize_and_align(sentences, None, tokenizer, max_length=max_length, stride=0)
    special = set(tokenizer.all_special_ids)  # [UNK] belongs to a word but is never a target
    return [
        {
            "input_ids": ids,
            "attention_mask": [1] * len(ids),
            "word_ids": [
                -1 if w is None or i in special else w for i, w in zip(ids, wids, strict=True)
            ],
        }
        for ids, wids in zip(enc["input_ids"], enc["word_ids"], strict=True)
    ]


def mask_words(
    input_ids: Any,
    word_ids: Any,
    mlm_probability: float,
    mask_token_id: int,
    vocab_size: int,
    generator: Any = None,
    mask_replace_prob: float = 0.8,
    random_replace_prob: float = 0.1,
) -> tuple[Any, Any]:
    """Whole-word masking: pick words with ``mlm_probability``, then 80/10/10 per token.

    ``word_ids`` is a ``(batch, length)`` tensor with -1 for special tokens and padding (never
    picked). Returns ``(inputs, labels)``: labels hold the original id at picked positions and
    -100 elsewhere. Draws in the library's order (pick, ``[MASK]``, random, random ids).
    """
    import torch

    inputs, labels = input_ids.clone(), input_ids.clone()
    in_word = word_ids >= 0
    prev = torch.nn.functional.pad(word_ids[:, :-1], (1, 0), value=-1)
    first = in_word & (word_ids != prev)  # first token of each word
    probs = torch.full(word_ids.shape, float(mlm_probability))
    drawn = torch.bernoulli(probs.masked_fill(~first, 0.0), generator=generator).bool()
    same_word = (word_ids[:, :, None] == word_ids[:, None, :]) & in_word[:, :, None]
    picked = (same_word & drawn[:, None, :]).any(-1)
    labels[~picked] = IGNORE
    replaced = (
        torch.bernoulli(torch.full(labels.shape, mask_replace_prob), generator=generator).bool()
        & picked
    )
    inputs[replaced] = mask_token_id
    if random_replace_prob > 0 and mask_replace_prob < 1:
        scaled = random_replace_prob / (1 - mask_replace_prob)
        randomised = (
            torch.bernoulli(torch.full(labels.shape, scaled), generator=generator).bool()
            & picked
            & ~replaced
        )
        random_ids = torch.randint(vocab_size, labels.shape, generator=generator)
        inputs[randomised] = random_ids[randomised]
    return inputs, labels


@dataclass
class WordMaskCollator(DataCollatorForLanguageModeling):
    """The library's MLM collator, with whole-word masking over ``word_ids`` and 80/10/10.

    ``whole_words=False`` is the library's token masking, unchanged. Features come from
    :func:`encode` (their ``word_ids`` are removed before padding). ``seed`` gives the collator
    its own CPU generator (the library's behaviour): successive calls continue its stream.
    """

    whole_words: bool = True

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        word_ids = [list(e["word_ids"]) for e in examples]
        rest = [{k: v for k, v in e.items() if k != "word_ids"} for e in examples]
        if not self.whole_words:
            return super().torch_call(rest)
        if self.seed is not None and self.generator is None:
            self.create_rng()
        batch = self.tokenizer.pad(
            rest, return_tensors="pt", pad_to_multiple_of=self.pad_to_multiple_of
        )
        width = batch["input_ids"].shape[1]
        if self.tokenizer.padding_side == "left":
            padded = [[-1] * (width - len(w)) + w for w in word_ids]
        else:
            padded = [w + [-1] * (width - len(w)) for w in word_ids]
        batch.pop("special_tokens_mask", None)
        batch["input_ids"], batch["labels"] = mask_words(
            batch["input_ids"],
            torch.tensor(padded, dtype=torch.long),
            self.mlm_probability,
            self.tokenizer.mask_token_id,
            len(self.tokenizer),
            self.generator,
            self.mask_replace_prob,
            self.random_replace_prob,
        )
        return batch


def make_collator(
    tokenizer: Any, whole_words: bool = True, mlm_probability: float = 0.15, seed: int | None = None
) -> WordMaskCollator:
    """A :class:`WordMaskCollator` with the 80/10/10 split (the library's defaults)."""
    need_bool("whole_words", whole_words)  # "false" used to run whole-word masking
    need_number("mlm_probability", mlm_probability, 0, 1, low_open=True, high_open=False)
    if seed is not None:
        need_seed("seed", seed)
    return WordMaskCollator(
        tokenizer=tokenizer, mlm_probability=mlm_probability, seed=seed, whole_words=whole_words
    )


def fixed_batches(
    features: Sequence[dict],
    tokenizer: Any,
    whole_words: bool = True,
    mlm_probability: float = 0.15,
    seed: int = 0,
    batch_size: int = 32,
) -> list[dict]:
    """Mask ``features`` once, in order, from a fresh generator seeded with ``seed``.

    The same arguments give the same masks on every call (and on every machine: the draws come
    from a CPU ``torch.Generator``), so perplexity before and after adaptation is measured on
    exactly the same hidden tokens.
    """
    need_seed("seed", seed)  # None drew other masks on every call
    need_int("batch_size", batch_size, 1)  # -1 gave no batch at all
    collator = make_collator(tokenizer, whole_words, mlm_probability, seed)
    return [
        collator([dict(f) for f in features[i : i + batch_size]])
        for i in range(0, len(features), batch_size)
    ]


def masked_text(tokenizer: Any, batch: dict, row: int = 0) -> tuple[str, str]:
    """``(input as the model sees it, what it must predict)`` for one row of a masked batch.

    Tokens are joined with spaces (subwords keep their ``##``); unpicked positions show ``·`` in
    the second string.
    """
    ids = batch["input_ids"][row].tolist()
    labels = batch["labels"][row].tolist()
    keep = [i for i, m in enumerate(batch["attention_mask"][row].tolist()) if m]
    seen = " ".join(tokenizer.convert_ids_to_tokens([ids[i] for i in keep]))
    target = " ".join(
        tokenizer.convert_ids_to_tokens(labels[i]) if labels[i] != IGNORE else "·" for i in keep
    )
    return seen, target


def masking_counts(batches: Sequence[dict], tokenizer: Any) -> dict[str, int]:
    """Maskable tokens (not special, not padding), picked ones, and how those were replaced."""
    import torch

    special = torch.tensor(sorted(tokenizer.all_special_ids))
    n_tokens = picked = as_mask = unchanged = 0
    for b in batches:
        sel = b["labels"] != IGNORE
        original = torch.where(sel, b["labels"], b["input_ids"])
        real = b["attention_mask"].bool() & ~torch.isin(original, special)
        n_tokens += int(real.sum())
        picked += int(sel.sum())
        as_mask += int((b["input_ids"][sel] == tokenizer.mask_token_id).sum())
        unchanged += int((b["input_ids"][sel] == b["labels"][sel]).sum())
    return {
        "tokens": n_tokens,
        "picked": picked,
        "mask": as_mask,
        "random": picked - as_mask - unchanged,
        "unchanged": unchanged,
    }


# ---------------------------------------------------------------- model, loss, perplexity


@dataclass
class LoadedMLM:
    """A masked-LM model, its tokenizer, and whether its MLM head came from the checkpoint."""

    model: Any
    tokenizer: Any
    new_head_keys: list[str]

    @property
    def has_trained_head(self) -> bool:
        return not self.new_head_keys


def new_head_keys(model: Any, loading_info: dict[str, Any]) -> list[str]:
    """The head weights ``from_pretrained(..., output_loading_info=True)`` reported missing:
    weights outside the encoder (``model.base_model``) that the library initialised at random."""
    prefix = model.base_model_prefix + "."
    return sorted(k for k in loading_info["missing_keys"] if not k.startswith(prefix))


def load_mlm(name: str = DEFAULT_MODEL, verbose: bool = True) -> LoadedMLM:
    """Load ``name`` for MLM and say whether its head was trained or newly initialised.

    The head counts as new when weights outside the encoder (``model.base_model``) were missing
    from the checkpoint and so were initialised at random (transformers' "newly initialized"
    report, which :func:`helpers.models.load_masked_lm` keeps quiet: this prints it).
    """
    model, info = load_masked_lm(name, output_loading_info=True)
    new = new_head_keys(model, info)
    if verbose:
        if new:
            print(
                f"{name}: {len(new)} MLM-head weights were not in the checkpoint and were newly "
                f"initialized at random: {', '.join(new)}. The head must be trained before its "
                "predictions mean anything."
            )
        else:
            print(f"{name}: the checkpoint has a trained MLM head.")
    return LoadedMLM(model, load_tokenizer(name), new)


def head_parameters(model: Any) -> list[tuple[str, Any]]:
    """``(name, parameter)`` of the head: everything not in the encoder (tied ones excluded)."""
    encoder = {id(p) for p in model.base_model.parameters()}
    return [(n, p) for n, p in model.named_parameters() if id(p) not in encoder]


class PickedOnly:
    """Inside ``with PickedOnly(model):`` the vocabulary projection runs on picked positions only.

    The MLM loss counts only the positions whose label is not -100 (about 15%), but the model
    projects every token onto the vocabulary (``model.get_output_embeddings()``, 384 x 30,522
    for MiniLM), its most expensive layer. Inside the block, a call ``model(..., labels=labels)``
    sends only the picked rows through that layer and hands the model ``labels[picked]``, so
    ``.loss`` is the same mean cross-entropy (the same gradients) for about a seventh of that
    layer's work, and ``.logits`` has one row per picked position. Calls without ``labels`` are
    left alone. Used around ``trainer.train()`` and by :func:`perplexity`.
    Taught in notebooks/05_mlm.ipynb.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.picked: Any = None
        self.handles: list[Any] = []

    def _take_labels(self, _module: Any, args: tuple, kwargs: dict) -> Any:
        labels = kwargs.get("labels")
        self.picked = None if labels is None else labels != IGNORE
        if labels is None:
            return None
        return args, {**kwargs, "labels": labels[self.picked]}

    def _select(self, _module: Any, args: tuple) -> Any:
        return None if self.picked is None else (args[0][self.picked], *args[1:])

    def __enter__(self) -> PickedOnly:
        decoder = self.model.get_output_embeddings()
        self.handles = [
            self.model.register_forward_pre_hook(self._take_labels, with_kwargs=True),
            decoder.register_forward_pre_hook(self._select),
        ]
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self.handles:
            h.remove()
        self.handles, self.picked = [], None


def masked_loss(model: Any, batch: dict, precision: str = "fp32") -> tuple[Any, int]:
    """Summed cross-entropy over the picked positions (in fp32), and how many there are.

    The same loss as ``model(**batch).loss`` (times the count), computed under
    :class:`PickedOnly`.
    """
    import torch

    device = next(model.parameters()).device
    labels = batch["labels"].to(device)
    inputs = {k: v.to(device) for k, v in batch.items() if k != "labels"}
    with PickedOnly(model), own_forward(model), autocast(precision, device):
        logits = model(**inputs, labels=labels).logits
    picked = labels[labels != IGNORE]
    loss = torch.nn.functional.cross_entropy(logits.float(), picked, reduction="sum")
    return loss, int(picked.numel())


@dataclass
class Perplexity:
    """Perplexity = exp(mean cross-entropy) over ``n_masked`` picked tokens."""

    perplexity: float
    loss: float
    n_masked: int


def perplexity(model: Any, batches: Sequence[dict], precision: str = "fp32") -> Perplexity:
    """exp(mean cross-entropy over every picked position of ``batches``)."""
    import torch

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for b in batches:
            loss, n = masked_loss(model, b, precision)
            total += float(loss)
            count += n
    model.train(was_training)
    if count == 0:
        raise ValueError("no masked token in the batches: nothing to score")
    mean = total / count
    return Perplexity(math.exp(mean), mean, count)


def fill_mask(
    model: Any, tokenizer: Any, words: Sequence[str], index: int, k: int = 5
) -> list[list[tuple[str, float]]]:
    """Hide every subword of ``words[index]`` with ``[MASK]``; top-``k`` per hidden position.

    Returns one list of ``(token, probability)`` per subword of the hidden word.
    """
    import torch

    if not is_int(index) or not 0 <= index < len(words):  # True was word 1, 1.5 gave []
        raise ValueError(f"index={index!r}: expected a word index from 0 to {len(words) - 1}")
    need_int("k", k, 1)
    enc = tokenizer(list(words), is_split_into_words=True, return_tensors="pt")
    where = [i for i, w in enumerate(enc.word_ids()) if w == index]
    if not where:
        raise ValueError(f"words[{index}] ({words[index]!r}) gives no token: nothing to hide")
    enc["input_ids"][0, where] = tokenizer.mask_token_id
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.inference_mode(), own_forward(model):
        logits = model(**{k_: v.to(device) for k_, v in enc.items()}).logits[0, where]
    model.train(was_training)
    probs, ids = logits.float().softmax(-1).topk(k)
    return [
        list(zip(tokenizer.convert_ids_to_tokens(i.tolist()), p.tolist(), strict=True))
        for p, i in zip(probs, ids, strict=True)
    ]


# ---------------------------------------------------------------- training


@dataclass
class Phase:
    """What one training phase did: the loss of every step, seconds, trainable numbers."""

    name: str
    steps: list[float] = field(default_factory=list)
    seconds: float = 0.0
    trainable: int = 0


def _train_phase(
    name: str, model: Any, features: Sequence[dict], collator: WordMaskCollator, **kw: Any
) -> Phase:
    """One run of the course's training path (:func:`helpers.train.train_objective`) with the
    vocabulary projection on picked positions only (:class:`PickedOnly`)."""

    frozen = kw.get("freeze_encoder", False)
    encoder = {id(p) for p in model.base_model.parameters()} if frozen else set()
    trainable = sum(p.numel() for p in model.parameters() if id(p) not in encoder)
    t0 = time.perf_counter()
    with PickedOnly(model):
        trainer = train_objective(model, list(features), collator, **kw)
    return Phase(
        name, logged_losses(trainer.state.log_history), time.perf_counter() - t0, trainable
    )


def warm_up_head(
    model: Any,
    features: Sequence[dict],
    collator: WordMaskCollator,
    learning_rate: float = 3e-3,
    batch_size: int = 16,
    epochs: int = 3,
    precision: str = "auto",
    seed: int = 42,
) -> Phase:
    """Train the MLM head alone (encoder frozen) for ``epochs``; the final epoch is kept.

    A ``Trainer`` run like :func:`train_mlm` with ``freeze_encoder=True``: nothing is chosen on
    held-out data, so held-out perplexity measured afterwards is an honest "before". With a tied
    decoder the trainable weights are the head's transform and its output bias; the decoder
    matrix is the frozen word-embedding table.
    """
    return _train_phase(
        "head warm-up", model, features, collator, epochs=epochs, batch_size=batch_size,
        learning_rate=learning_rate, freeze_encoder=True, precision=precision, seed=seed,
    )  # fmt: skip


def train_mlm(
    model: Any,
    features: Sequence[dict],
    collator: WordMaskCollator,
    learning_rate: float = 3e-4,
    batch_size: int = 16,
    epochs: int = 2,
    precision: str = "auto",
    seed: int = 42,
) -> Phase:
    """Adapt encoder and head together with the ``Trainer``: AdamW, 10% warm-up, linear decay.

    Every batch is masked afresh by ``collator``. Notebook 05 runs the same ``Trainer`` in its
    cells.
    """
    return _train_phase(
        "adaptation", model, features, collator, epochs=epochs, batch_size=batch_size,
        learning_rate=learning_rate, precision=precision, seed=seed,
    )  # fmt: skip


# ---------------------------------------------------------------- the whole run


@dataclass
class AdaptResult:
    """An adaptation run: the model, its phases, perplexities and where it was saved."""

    model: Any
    tokenizer: Any
    config: AdaptConfig
    precision: str
    had_trained_head: bool
    random_head: Perplexity | None
    before: Perplexity
    after: Perplexity
    warmup: Phase | None
    adaptation: Phase
    n_train: int
    n_heldout: int
    output_dir: Path | None = None


def adapt(
    config: AdaptConfig | None = None, save: bool = True, verbose: bool = True
) -> AdaptResult:
    """Load, (warm up the head,) measure "before", adapt, measure "after", save.

    The notebook runs the same steps one cell at a time; ``python -m helpers.mlm downstream``
    calls this.
    """
    from transformers import set_seed

    cfg = config or AdaptConfig()
    cfg.validate()
    device = default_device()
    precision = pick_precision(cfg.precision, device)
    set_seed(cfg.seed)
    loaded = load_mlm(cfg.model_name, verbose=verbose)
    model, tok = loaded.model.to(device), loaded.tokenizer
    train_words, heldout_words = adaptation_text(
        cfg.data_path, cfg.heldout_size, cfg.seed, cfg.n_sentences
    )
    train = encode(tok, train_words, cfg.max_length)
    heldout = fixed_batches(
        encode(tok, heldout_words, cfg.max_length), tok, cfg.whole_word_mask,
        cfg.mlm_probability, cfg.seed,
    )  # fmt: skip
    collator = make_collator(tok, cfg.whole_word_mask, cfg.mlm_probability, cfg.seed)
    random_head, warm = None, None
    if not loaded.has_trained_head:
        random_head = perplexity(model, heldout, precision)
        if cfg.warmup_epochs:  # 0: "before" is the random head, adaptation trains it too
            warm = warm_up_head(
                model, train, collator, cfg.warmup_learning_rate, cfg.batch_size,
                cfg.warmup_epochs, precision, cfg.seed,
            )  # fmt: skip
    before = perplexity(model, heldout, precision)
    phase = train_mlm(
        model, train, collator, cfg.learning_rate, cfg.batch_size, cfg.epochs, precision,
        cfg.seed,
    )  # fmt: skip
    after = perplexity(model, heldout, precision)
    result = AdaptResult(
        model, tok, cfg, precision, loaded.has_trained_head, random_head, before, after,
        warm, phase, len(train_words), len(heldout_words),
    )  # fmt: skip
    if save:
        save_adapted(result, output_path(cfg.output_dir))
    return result


def metrics_report(result: AdaptResult) -> dict[str, Any]:
    """What ``metrics.json`` holds: parameters, perplexities, masked-token counts, seconds."""
    import platform

    import torch
    import transformers

    def ppl(p: Perplexity | None) -> dict | None:
        return None if p is None else asdict(p)

    def phase(p: Phase | None) -> dict | None:
        if p is None:
            return None
        return {
            "seconds": round(p.seconds, 2),
            "steps": len(p.steps),
            "final_loss": p.steps[-1] if p.steps else None,
            "trainable_parameters": p.trainable,
        }

    return {
        "parameters": asdict(result.config),
        "sentences": {"train": result.n_train, "heldout": result.n_heldout},
        "had_trained_head": result.had_trained_head,
        "perplexity": {
            "random_head": ppl(result.random_head),
            "before": ppl(result.before),
            "after": ppl(result.after),
        },
        "warmup": phase(result.warmup),
        "adaptation": phase(result.adaptation),
        "precision": result.precision,
        "device": str(next(result.model.parameters()).device),
        "processor": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    }


def save_adapted(result: AdaptResult, directory: str | Path) -> Path:
    """Save the adapted model (safetensors), its tokenizer and ``metrics.json`` in ``directory``.

    The folder loads anywhere a model name is accepted: ``load_token_classifier`` takes its
    encoder (and drops the MLM head), ``load_mlm`` finds a trained head.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with hf_quiet(quiet=False):  # no "Writing model shards" bar in notebooks and logs
        result.model.save_pretrained(directory, safe_serialization=True)
        result.tokenizer.save_pretrained(directory)
    (directory / "metrics.json").write_text(json.dumps(metrics_report(result), indent=2))
    result.output_dir = directory
    return directory


# ---------------------------------------------------------------- downstream NER


def ner_f1(model_name: str, seed: int, output_dir: str) -> dict[str, Any]:
    """Notebook 04's recipe (its defaults: ``TrainConfig()``) on its split; test entity F1.
    As there, the model learns the labels of the training side only: a label that only the test
    split has gets no class (its entities count as missed), so the test split chooses nothing."""

    # notebook 04's defaults: the first 300 train sentences, no validation, the final epoch
    splits = experiment_splits(None, **SPLIT_DEFAULTS, seed=seed)
    labels = build_label_list(s.tags for s in [*splits.train, *splits.validation])
    cfg = TrainConfig(model_name=model_name, seed=seed, output_dir=output_dir)
    res = train_ner(splits.train, splits.validation, labels, cfg)
    m, _ = evaluate_ner(res.model, res.tokenizer, splits.test)
    return {
        "f1": m["f1"],
        "precision": m["precision"],
        "recall": m["recall"],
        "kept_epoch": res.kept_epoch,
        "train_seconds": round(res.train_seconds, 1),
        "ner_precision": res.precision,
    }


def downstream(
    seeds: Sequence[int],
    out: str | Path,
    config: AdaptConfig | None = None,
    command: str | None = None,
) -> dict:
    """Per seed: adapt (notebook 05's defaults, that seed), then NER with and without it.
    ``command``: what the results file records (None: this process's own command line)."""
    import platform
    import statistics
    import tempfile

    import torch
    import transformers

    base = config or AdaptConfig()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in seeds:
            cfg = AdaptConfig(**{**asdict(base), "seed": s, "output_dir": f"{tmp}/adapted-{s}"})
            t0 = time.perf_counter()
            res = adapt(cfg, verbose=False)
            adapt_s = time.perf_counter() - t0
            row = {
                "seed": s,
                "perplexity_before": res.before.perplexity,
                "perplexity_after": res.after.perplexity,
                "adapt_seconds": round(adapt_s, 1),
            }
            del res
            for name, model in (("unadapted", base.model_name), ("adapted", cfg.output_dir)):
                row[name] = ner_f1(model, s, f"{tmp}/ner-{name}-{s}")
            row["f1_difference"] = row["adapted"]["f1"] - row["unadapted"]["f1"]
            rows.append(row)
            print(
                f"seed {s}: perplexity {row['perplexity_before']:.1f} -> "
                f"{row['perplexity_after']:.1f}; NER F1 unadapted {row['unadapted']['f1']:.3f}, "
                f"adapted {row['adapted']['f1']:.3f}",
                flush=True,
            )

    def stats(values: list[float]) -> dict[str, float]:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return {"mean": statistics.mean(values), "sd": sd, "min": min(values), "max": max(values)}

    report = {
        # seeds[0]'s unadapted NER run: TrainConfig's defaults but for seed and output_dir
        **provenance(
            command or command_line("helpers.mlm"),
            TrainConfig(seed=seeds[0], output_dir="(temporary)"),
            ["output_dir", "seed"],
        ),
        "what": "NER test entity F1 (notebook 04's recipe, helpers.train.TrainConfig's defaults; "
        "first 300 training sentences, no validation, the final epoch, the fixed test file) with "
        "the embedded encoder "
        "unadapted and after MLM adaptation on training-file text (notebook 05's defaults)",
        "adaptation": asdict(base),
        "seeds": list(seeds),
        "runs": rows,
        "summary": {
            "unadapted_f1": stats([r["unadapted"]["f1"] for r in rows]),
            "adapted_f1": stats([r["adapted"]["f1"] for r in rows]),
            "difference": stats([r["f1_difference"] for r in rows]),
        },
        "cpu": cpu_kind(),
        "device": default_device(),
        "precision": pick_precision("auto"),
        "threads": torch.get_num_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "processor": platform.processor() or platform.machine(),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    }
    write_results(output_path(out), report)  # strict JSON, moved into place when complete
    return report


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m helpers.mlm", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("downstream", help="NER F1 with and without MLM adaptation, per seed")
    d.add_argument("--seeds", type=int, default=3, help="how many seeds (42, 43, ...)")
    d.add_argument("--out", default="notebooks/results/mlm_downstream.json")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error(f"--seeds {args.seeds}: expected an integer >= 1")
    try:
        check_results_path(output_path(args.out))  # where downstream writes, checked first
    except ValueError as e:
        ap.error(str(e))
    seeds = [42 + i for i in range(args.seeds)]
    report = downstream(seeds, args.out, command=command_line("helpers.mlm", argv))
    s = report["summary"]
    print(
        f"unadapted F1 {s['unadapted_f1']['mean']:.3f} ± {s['unadapted_f1']['sd']:.3f}; "
        f"adapted {s['adapted_f1']['mean']:.3f} ± {s['adapted_f1']['sd']:.3f} "
        f"({len(report['seeds'])} seeds) → {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
