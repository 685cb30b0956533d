"""Checkers for the exercises of notebooks/03_subword_alignment.ipynb."""

from __future__ import annotations

import math

from helpers.alignment import IGNORE, align_labels, b_to_i_map, pieces_per_word
from helpers.exercises.common import ExerciseError, not_answered, plain
from helpers.labels import GMB_TYPES, label_maps, labels_for_types

# Exercise 03: the token labels of this sentence under strategy "first". Tokens and word_ids are
# what the packaged tokenizer gives (tests/test_exercises.py checks them against it).
WORDS: list[str] = ["Ahmadinejad", "visited", "Mogadishu", "on", "Tuesday", "."]
TAGS: list[str] = ["B-per", "O", "B-geo", "O", "B-tim", "O"]
TOKENS: list[str] = [
    "[CLS]", "ahmad", "##ine", "##jad", "visited", "mo", "##ga", "##dis", "##hu", "on",
    "tuesday", ".", "[SEP]",
]  # fmt: skip
WORD_IDS: list[int | None] = [None, 0, 0, 0, 1, 2, 2, 2, 2, 3, 4, 5, None]


def check_first_labels(answer: object) -> str:
    """Check the per-token label ids of ``WORDS`` / ``TAGS`` under strategy ``"first"``.

    Names the first wrong position and why: a special token that is not -100, a continuation
    piece labelled (with the word's own tag, or with ``I-x`` as strategy ``"all"`` would), a
    word's first piece left at -100 or given another tag's id, one label per word instead of
    per token. Taught in notebooks/03_subword_alignment.ipynb.
    """

    words, tags, tokens, wids = (
        WORDS, TAGS, TOKENS, WORD_IDS
    )  # fmt: skip
    if answer is None:
        return not_answered(
            "special tokens get -100; a word's first piece gets label2id[its tag]; every "
            "piece that continues a word (##...) gets -100 under 'first'"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    label2id, id2label = label_maps(labels_for_types(GMB_TYPES))
    word_ids = [label2id[t] for t in tags]
    expected = align_labels(wids, word_ids, "first")
    n = len(tokens)
    if not isinstance(answer, (list, tuple)):
        raise ExerciseError(
            f"expected a list of {n} integers (one per token), got {type(answer).__name__}"
        )
    strs = [a for a in answer if isinstance(a, str)]
    if strs:
        t = strs[0]
        hint = f" (label2id[{t!r}] = {label2id[t]})" if t in label2id else ""
        raise ExerciseError(
            f"the answer holds strings such as {t!r}: the model's labels are integer ids{hint}; "
            "use label2id[tag], and -100 for an ignored position"
        )
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError("every label must be a plain int (a label id, or -100)")
    answer = list(answer)
    if len(answer) != n:
        why = (
            "you gave one label per word; the model needs one per token, "
            if len(answer) == len(words)
            else ""
        )
        raise ExerciseError(
            f"{len(answer)} labels for {n} tokens: {why}[CLS] and [SEP] included "
            f"({n - 2} WordPieces between them)"
        )
    if answer == expected:
        kept = sum(e != IGNORE for e in expected)
        return (
            f"Right: {n} positions, {kept} labelled (one per word), {n - kept} set to -100 "
            "(2 special tokens and the continuation pieces)."
        )
    b2i = b_to_i_map(label2id)
    if answer == align_labels(wids, word_ids, "all", b2i):
        raise ExerciseError(
            "this is strategy 'all' (continuation pieces labelled, B-x turned into I-x); "
            "under 'first' every continuation piece gets -100"
        )

    def name(i: int) -> str:
        return "-100" if i == IGNORE else f"{i} ({id2label.get(i, 'no such label')})"

    pos = next(i for i, (a, e) in enumerate(zip(answer, expected, strict=True)) if a != e)
    got, tok, wid = answer[pos], tokens[pos], wids[pos]
    where = f"position {pos} ({tok!r})"
    if wid is None:
        raise ExerciseError(
            f"position {pos} is {tok}: a special token gets -100 (cross-entropy skips it), "
            f"you gave {name(got)}"
        )
    word, tag = words[wid], tags[wid]
    if pos > 0 and wids[pos - 1] == wid:
        if got == b2i.get(label2id[tag]):
            extra = f"you gave {name(got)}: that is strategy 'all'"
        elif got == label2id[tag]:
            extra = (
                f"you copied the word's tag {tag} onto it, which would count a second entity "
                "(naive all-subword labelling)"
                if tag.startswith("B-")
                else f"you copied the word's tag {tag} onto it: that is strategy 'all'"
            )
        else:
            extra = f"you gave {name(got)}"
        raise ExerciseError(
            f"{where} continues the word {word!r}: under 'first' only a word's first piece is "
            f"labelled, so it gets -100; {extra}"
        )
    raise ExerciseError(
        f"{where} is the first piece of the word {word!r}, tagged {tag}: it carries "
        f"label2id[{tag!r}] = {label2id[tag]}, you gave {name(got)}"
    )


def check_naive_entities(answer: object) -> str:
    """Check how many entities seqeval counts in the naive token labels of ``WORDS`` / ``TAGS``.

    Naive = every piece copies its word's tag, ``B-`` included (the source's labelling), so each
    piece of a ``B-`` word opens an entity of its own. Names the slips: the gold count, tokens
    or WordPieces counted, only the extra entities. Taught in notebooks/03_subword_alignment.ipynb.
    """

    if answer is None:
        return not_answered(
            "seqeval opens a new entity at every B- tag, and naive labelling gives every piece "
            "its word's own tag"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ExerciseError(f"expected a count of entities (an int), got {answer!r}")
    pieces = pieces_per_word(WORD_IDS)
    gold = sum(t.startswith("B-") for t in TAGS)
    naive = sum(n for n, t in zip(pieces, TAGS, strict=True) if t.startswith("B-"))
    if answer == naive:
        return (
            f"Right: {naive} entities for {gold} real ones; every extra piece of a B- word "
            "invents one (here " + " + ".join(
                f"{n} ({w})" for n, w, t in zip(pieces, WORDS, TAGS,
                                                strict=True) if t.startswith("B-")
            ) + ")."
        )  # fmt: skip
    slips = {
        gold: f"{gold} is the gold count, what 'first' and the fixed 'all' keep; naive copies "
        "B- onto every piece",
        len(TOKENS): "that is the number of tokens, not of entities",
        len(TOKENS) - 2: "that is the number of WordPieces, not of entities",
        naive - gold: f"that is only the extra entities; add the {gold} real ones",
    }
    raise ExerciseError(
        slips.get(answer, "list each piece with its copied tag and count the B- tags")
    )


# notebook 03's stride default (a test compares): the exercise asks for another one
DEFAULT_STRIDE = 8


def check_windows(
    answer: object, n_windows: int, n_tokens: int, max_length: int, stride: int
) -> str:
    """Open-ended: how many windows ``tokenize_and_align`` made for the long sentence.

    The arguments after ``answer`` come from the learner's own run (``len(win["input_ids"])``,
    the long sentence's token count, and the parameters), so the right answer follows whatever
    ``max_length`` and ``stride`` they chose; the default stride is refused (the exercise asks
    for a rerun). Taught in notebooks/03_subword_alignment.ipynb.
    """

    if answer is None:
        return not_answered(
            "each window holds max_length - 2 text tokens ([CLS] and [SEP] take two) and "
            "repeats the last stride tokens of the window before: predict, then run"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if stride == DEFAULT_STRIDE:
        raise ExerciseError(
            f"this run used the default stride {stride}: rerun with -p stride 16 first, then "
            "count that run's windows"
        )
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ExerciseError(f"expected a number of windows (an int), got {answer!r}")
    if answer == n_windows:
        return (
            f"Right: {n_windows} windows of at most {max_length} tokens for {n_tokens} tokens; "
            f"each new window adds up to {max_length - 2 - stride} new tokens."
        )
    text = n_tokens - 2
    if answer == math.ceil(text / (max_length - 2)) or answer == math.ceil(n_tokens / max_length):
        raise ExerciseError(
            f"that ignores the overlap: each window after the first repeats {stride} tokens, "
            f"so it adds only {max_length - 2 - stride} new ones"
        )
    raise ExerciseError(
        f"{answer} is not what your run made; count the 'window k' lines the long-sentence "
        "cell printed"
    )
