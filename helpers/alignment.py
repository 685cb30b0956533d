"""Subword alignment: one label per word ↔ one label per WordPiece token.

A tokenizer splits "tokenization" into "token", "##ization"; the model predicts one label per
token, the corpus has one per word. ``word_ids()`` links the two. Taught in
notebooks/03_subword_alignment.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

IGNORE = -100  # the label PyTorch's cross-entropy skips: special tokens, unlabelled subwords
STRATEGIES = ("first", "all")
# Windows of a sentence longer than max_length share this many tokens (training, scoring and
# predict read the same windows; helpers.train.MIN_MAX_LENGTH leaves room for them).
STRIDE = 32
# A word's casing, the capital letters an uncased tokenizer throws away (ids are the positions):
# "lower" (every letter lower-case: "percent", "e-mail"), "capitalised" (the first letter upper,
# the rest not all upper: "Paris", "McDonald", "A"), "all_caps" (2+ letters, all upper: "NATO",
# "U.N."), "other" (no letter, a digit, a lower-case first letter with capitals after it, or
# letters without case: "1,800", ",", "G8", "iPhone"), and "pad" for special tokens and padding.
CASING = ("lower", "capitalised", "all_caps", "other", "pad")
CASING_PAD = CASING.index("pad")


def b_to_i_map(label2id: dict[str, int]) -> dict[int, int]:
    """Map the id of each ``B-x`` to the id of ``I-x`` (used for continuation subwords)."""
    return {
        i: label2id["I-" + t[2:]]
        for t, i in label2id.items()
        if t.startswith("B-") and "I-" + t[2:] in label2id
    }


def align_labels(
    word_ids: Sequence[int | None],
    word_labels: Sequence[int],
    strategy: str = "first",
    b_to_i: dict[int, int] | None = None,
    continues: int | None = None,
) -> list[int]:
    """Per-token labels from per-word label ids.

    Special tokens get ``IGNORE``. ``"first"``: only a word's first subword carries its label.
    ``"all"``: every subword does, with a continuation ``B-x`` turned into ``I-x`` (pass
    ``b_to_i``) so that "Ahmadinejad" → "ahmad", "##ine", "##jad" stays one entity, not three.
    ``continues``: the word whose first pieces lie before this sequence (a window that starts
    inside a word, :func:`continued_words`): its pieces here are continuation pieces.
    Taught in notebooks/03_subword_alignment.ipynb.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy={strategy!r}: expected one of {STRATEGIES}")
    out, prev = [], continues
    for wid in word_ids:
        if wid is None:
            out.append(IGNORE)
            continue  # [CLS]/[SEP]/padding sit between words, never inside one
        if wid != prev:
            out.append(int(word_labels[wid]))
        elif strategy == "first":
            out.append(IGNORE)
        else:
            lab = int(word_labels[wid])
            out.append((b_to_i or {}).get(lab, lab))
        prev = wid
    return out


def continued_words(
    samples: Sequence[int], word_ids: Sequence[Sequence[int | None]], stride: int
) -> list[int | None]:
    """For each window of :func:`tokenize_and_align`, the word it starts inside, else None.

    A window after the first of its sentence repeats the last ``stride`` tokens of the one
    before; when the token just before those belongs to the same word as the window's first
    token, the window starts in the middle of that word ("##ine" of "Ahmadinejad"), and its
    first token is not the word's first piece. Taught in notebooks/03_subword_alignment.ipynb.
    """
    out: list[int | None] = []
    before: dict[int, list[int]] = {}
    for s, wids in zip(samples, word_ids, strict=True):
        now = [w for w in wids if w is not None]
        prev = before.get(s)
        word = None
        if prev is not None and now:
            cut = len(prev) - stride
            if cut < 1 or now[:stride] != prev[cut:]:
                raise RuntimeError(f"window of sentence {s} does not repeat {stride} tokens")
            word = now[0] if prev[cut - 1] == now[0] else None
        out.append(word)
        before[s] = now
    return out


def word_casing(word: str) -> int:
    """The casing id (an index of :data:`CASING`) of one word, read from its letters.

    A word with no letter or with a digit is ``"other"``; otherwise all letters lower-case is
    ``"lower"``; a first letter in upper case is ``"all_caps"`` when there are 2+ letters and all
    are upper-case, else ``"capitalised"``; anything else (``"iPhone"``, letters without case) is
    ``"other"``. Never ``"pad"``: that id is for special tokens and padding.
    Taught in notebooks/04_ner.ipynb.
    """
    letters = [c for c in word if c.isalpha()]
    if not letters or any(c.isdigit() for c in word):
        return CASING.index("other")
    if all(c.islower() for c in letters):
        return CASING.index("lower")
    if letters[0].isupper():
        if len(letters) >= 2 and all(c.isupper() for c in letters):
            return CASING.index("all_caps")
        return CASING.index("capitalised")
    return CASING.index("other")


def align_casing(word_ids: Sequence[int | None], casings: Sequence[int]) -> list[int]:
    """Per-token casing ids from per-word ones, over ``word_ids()`` as :func:`align_labels` does.

    Special tokens get :data:`CASING_PAD`; every subword of a word, continuation pieces included,
    gets the word's casing (the model reads it at every piece, as ``strategy="all"`` labels every
    piece): "Ahmadinejad" → "ahmad", "##ine", "##jad" are all ``"capitalised"``.
    Taught in notebooks/04_ner.ipynb.
    """
    return [CASING_PAD if wid is None else int(casings[wid]) for wid in word_ids]


def refuse_flat(name: str, sentences: Sequence[Any]) -> None:
    """Raise ``TypeError`` when a sentence of ``sentences`` is a string: a flat list of words or
    tags (one sentence not wrapped in a list) would be read as sentences of single letters."""
    flat = next((i for i, s in enumerate(sentences) if isinstance(s, str)), None)
    if flat is not None:
        raise TypeError(
            f"{name}: sentence {flat} is the string {sentences[flat]!r}; expected a list per "
            f"sentence (one sentence: pass [{name}])"
        )


def tokenize_and_align(
    words: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]] | None,
    tokenizer: Any,
    label2id: dict[str, int] | None = None,
    strategy: str = "first",
    max_length: int | None = None,
    stride: int = STRIDE,
    origins: Sequence[str] | None = None,
    tokenless: str = "raise",
    casing: bool = False,
) -> dict[str, list]:
    """Tokenize pre-split sentences and align their labels.

    A sentence longer than ``max_length`` tokens (default: the model's limit) is cut into
    overlapping windows (``stride`` tokens shared), so no word loses its label; ``sample`` maps
    each window back to its sentence and ``word_ids`` keeps the alignment for decoding.
    A word that yields no token at all (a zero-width space, a soft hyphen, a lone control
    character: the tokenizer drops them) would lose its label: ``tokenless="raise"`` stops with an
    error that names the sentence (``origins[i]`` describes sentence ``i``, e.g. its file line);
    ``"keep"`` lets inference go on (such words have no token in ``word_ids``).
    ``casing=True`` adds ``casing_ids``: each word's :func:`word_casing`, aligned to its tokens by
    :func:`align_casing` (for a model with a casing feature, see helpers.casing).
    Taught in notebooks/03_subword_alignment.ipynb.
    """
    if tokenless not in ("raise", "keep"):
        raise ValueError(f"tokenless={tokenless!r}: expected 'raise' or 'keep'")
    refuse_flat("words", words)
    refuse_flat("tags", tags or ())
    if tags is not None:
        _check_tags(words, tags, label2id, origins)

    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not whole(stride) or stride < 0:  # -1 used to fail inside the tokenizer
        raise ValueError(f"stride={stride!r}: expected an integer >= 0")
    if max_length is None:
        max_length = min(tokenizer.model_max_length, 512)
    elif not whole(max_length) or max_length < 3:  # 0 used to mean the model's limit
        raise ValueError(f"max_length={max_length!r}: expected None or an integer >= 3")
    if stride >= max_length - 2:
        raise ValueError(f"stride={stride}: must be smaller than max_length-2={max_length - 2}")
    enc = tokenizer(
        [list(w) for w in words],
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
    )
    # the tokenizer reads an empty batch as one empty sentence ([CLS] [SEP]): keep no window
    kept = len(enc["input_ids"]) if words else 0
    samples = enc["overflow_to_sample_mapping"][:kept]
    out: dict[str, list] = {
        k: list(v)[:kept] for k, v in enc.items() if k != "overflow_to_sample_mapping"
    }
    out["sample"] = list(samples)
    out["word_ids"] = [enc.word_ids(i) for i in range(kept)]
    seen: dict[int, set[int]] = {}
    for s, wids in zip(samples, out["word_ids"], strict=True):
        seen.setdefault(s, set()).update(w for w in wids if w is not None)
    for s, ws in enumerate(words if tokenless == "raise" else ()):
        missing = sorted(set(range(len(ws))) - seen.get(s, set()))
        if missing:
            shown = ", ".join(repr(ws[i]) for i in missing[:5])
            where = origins[s] if origins is not None else f"sentence {s}"
            raise ValueError(
                f"{where}: {len(missing)} of {len(ws)} words produced no token ({shown}), so "
                "they would lose their labels: remove or replace such characters (zero-width "
                "space, soft hyphen, control characters) in the data"
            )
    if tags is not None:
        if label2id is None:
            raise ValueError("label2id is needed to align tags")
        b2i = b_to_i_map(label2id) if strategy == "all" else None
        inside = continued_words(samples, out["word_ids"], stride)
        out["labels"] = [
            align_labels(wids, [label2id[t] for t in tags[s]], strategy, b2i, word)
            for s, wids, word in zip(samples, out["word_ids"], inside, strict=True)
        ]
    if casing:
        per_word = [[word_casing(w) for w in ws] for ws in words]
        out["casing_ids"] = [
            align_casing(wids, per_word[s])
            for s, wids in zip(samples, out["word_ids"], strict=True)
        ]
    return out


def _check_tags(
    words: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]],
    label2id: dict[str, int] | None,
    origins: Sequence[str] | None,
) -> None:
    """One tag per word of every sentence, each a key of ``label2id`` (when given): a sentence
    with an extra tag used to shift every later label by one, silently."""
    if len(tags) != len(words):
        raise ValueError(
            f"tags holds {len(tags)} sentences and words {len(words)}: expected one tag list "
            "per sentence"
        )
    for s, (ws, ts) in enumerate(zip(words, tags, strict=True)):
        where = origins[s] if origins is not None else f"sentence {s}"
        if len(ts) != len(ws):
            raise ValueError(f"{where}: {len(ts)} tags for {len(ws)} words: expected one per word")
        unknown = next((t for t in ts if label2id is not None and t not in label2id), None)
        if unknown is not None:
            raise ValueError(
                f"{where}: tag {unknown!r} is not in label2id ({sorted(label2id)[:8]}...)"
            )


def word_level(
    windows: Sequence[tuple[Sequence[int | None], Sequence[Any]]],
    n_words: int,
    allow_missing: bool = False,
) -> list[Any]:
    """Token-level values (per window) → one value per word, from each word's first subword.

    When windows overlap, a word is taken from the window where its first subword sits farthest
    from the window's edges (most context on both sides). A word with no token raises, or is
    ``None`` with ``allow_missing``. Taught in notebooks/03_subword_alignment.ipynb.
    """
    best: dict[int, tuple[int, Any]] = {}
    for wids, values in windows:
        n = len(wids)
        prev = None
        for pos, wid in enumerate(wids):
            if wid is not None and wid != prev:
                margin = min(pos, n - 1 - pos)
                if wid not in best or margin > best[wid][0]:
                    best[wid] = (margin, values[pos])
            prev = wid
    beyond = sorted(w for w in best if not 0 <= w < n_words)
    if beyond:  # they used to be dropped: n_words does not fit the windows
        raise ValueError(f"word ids {beyond[:10]} are beyond n_words={n_words}")
    missing = [i for i in range(n_words) if i not in best]
    if missing and not allow_missing:
        raise ValueError(f"words {missing[:10]} have no token in any window")
    return [best[i][1] if i in best else None for i in range(n_words)]


def tokenless_words(
    sentences: Sequence[Sequence[str]], tokenizer: Any
) -> list[tuple[int, list[int]]]:
    """``(sentence index, [word indices])`` of the words that yield no token at all (a zero-width
    space, a soft hyphen, a lone control character): such a word would lose its label. Each
    distinct word is tokenized once. Used by ``python -m helpers.ner`` to refuse such words in
    its files, and by :func:`helpers.train.evaluate_ner` in the sentences it scores.
    """
    distinct = sorted({w for ws in sentences for w in ws})
    if not distinct:
        return []
    ids = tokenizer(distinct, add_special_tokens=False)["input_ids"]
    empty = {w for w, i in zip(distinct, ids, strict=True) if not i}
    return [
        (s, [j for j, w in enumerate(ws) if w in empty])
        for s, ws in enumerate(sentences)
        if empty.intersection(ws)
    ]


def check_scorable(sentences: Sequence[Any], tokenizer: Any) -> None:
    """Refuse, naming its sentence, a gold word that gives no token (a zero-width space, a soft
    hyphen): the model never sees it, so its predicted tag would be a guess that seqeval scores.

    ``sentences`` have ``words``, ``line`` and ``doc_id`` (``helpers.data.Sentence``). Called by
    :func:`helpers.train.evaluate_ner`, and before training by notebook 04 and ``helpers.bench``
    for the test split, which no training step featurizes."""
    for i, missing in tokenless_words([s.words for s in sentences], tokenizer):
        s = sentences[i]
        raise ValueError(
            f"{sentence_origin(i, s.line, s.doc_id)}: word {missing[0] + 1} "
            f"({s.words[missing[0]]!r}) gives no token with this model's tokenizer, so the model "
            "never sees it and its tag could only be guessed: remove or replace such characters "
            "(zero-width space, soft hyphen, control characters) in the data"
        )


def sentence_origin(index: int, line: int | None, doc_id: str | None) -> str:
    """How errors name sentence ``index`` (from 0): its number, file line and document."""
    where = [f"file line {line}"] if line is not None else []
    where += [f"document {doc_id!r}"] if doc_id else []
    return f"sentence {index + 1}" + (f" ({', '.join(where)})" if where else "")


def features_dataset(dataset: Any, tokenizer: Any, label2id: dict[str, int], **kwargs: Any) -> Any:
    """Map a ``datasets.Dataset`` of ``words``/``tags`` to model features (one row per window).

    Errors name a sentence by its number in the whole dataset and, when the dataset has ``line``
    and ``doc_id`` columns (as :func:`helpers.data.to_dataset_dict` makes), by its file line.
    """

    def fn(batch: dict[str, list], idx: list[int]) -> dict[str, list]:
        lines = batch.get("line") or [None] * len(idx)
        docs = batch.get("doc_id") or [None] * len(idx)
        origins = [sentence_origin(*x) for x in zip(idx, lines, docs, strict=True)]
        enc = tokenize_and_align(
            batch["words"], batch["tags"], tokenizer, label2id, origins=origins, **kwargs
        )
        enc.pop("word_ids")
        return enc

    from datasets.utils import logging as ds_logging

    bars = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()  # a progress bar per map is noise in notebooks and logs
    try:
        return dataset.map(fn, batched=True, with_indices=True, remove_columns=dataset.column_names)
    finally:
        if bars:  # the user's own setting comes back
            ds_logging.enable_progress_bar()


# ---- small readers used by notebooks/03_subword_alignment.ipynb


def pieces_per_word(word_ids: Sequence[int | None]) -> list[int]:
    """How many tokens each word became, from one window's ``word_ids`` (``None`` skipped).

    A word that has no token in ``word_ids`` (cut off by a window) counts 0.
    Taught in notebooks/03_subword_alignment.ipynb.
    """
    seen = [w for w in word_ids if w is not None]
    if not seen:
        return []
    if min(seen) < 0:
        raise ValueError(f"word_ids holds a negative word index {min(seen)}: expected >= 0")
    counts = [0] * (max(seen) + 1)
    for w in seen:
        counts[w] += 1
    return counts


def n_tokens(words: Sequence[str], tokenizer: Any) -> int:
    """Tokens of a pre-split sentence, ``[CLS]`` and ``[SEP]`` included, without truncation.

    Taught in notebooks/03_subword_alignment.ipynb.
    """
    return len(tokenizer(list(words), is_split_into_words=True)["input_ids"])


def split_entity_words(
    words: Sequence[str], tags: Sequence[str], tokenizer: Any
) -> tuple[int, int]:
    """``(B- words split into 2+ pieces, entity words split into 2+ pieces)`` of one sentence.

    Taught in notebooks/03_subword_alignment.ipynb.
    """
    if len(words) != len(tags):
        raise ValueError(f"{len(words)} words but {len(tags)} tags: expected one tag per word")
    split = [len(tokenizer.tokenize(w)) > 1 for w in words]
    b_split = sum(s and t.startswith("B-") for s, t in zip(split, tags, strict=True))
    entity_split = sum(s and t != "O" for s, t in zip(split, tags, strict=True))
    return b_split, entity_split


def tag_or_dash(label: int, id2label: dict[int, str]) -> str:
    """A label id as its tag, ``"-"`` for ``IGNORE`` (what a table of token labels shows).

    Taught in notebooks/03_subword_alignment.ipynb.
    """
    if label == IGNORE:
        return "-"
    if label not in id2label:
        raise KeyError(f"label id {label} is not in id2label (ids 0..{len(id2label) - 1})")
    return id2label[label]


def window_margins(word: int, windows_word_ids: Sequence[Sequence[int | None]]) -> dict[int, int]:
    """Window index → distance of ``word``'s first piece from that window's nearer edge.

    Only windows that hold the word appear. ``word_level`` reads a word from the window with the
    largest margin (the most context on both sides). Taught in notebooks/03_subword_alignment.ipynb.
    """
    out = {}
    for k, wids in enumerate(windows_word_ids):
        if word in wids:
            pos = list(wids).index(word)
            out[k] = min(pos, len(wids) - 1 - pos)
    return out
