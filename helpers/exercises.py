"""Checkers for the short exercise at the end of each notebook.

Each ``check_*`` returns a one-line verdict when the answer is right and raises
``ExerciseError`` saying why when it is wrong, so a learner can run it until it passes.
"""

from __future__ import annotations


class ExerciseError(AssertionError):
    """A wrong answer; the message says what is wrong and gives a hint."""


# ---- notebooks/01_concepts.ipynb (section owned by the 01 author)

# The sizes of the embedded all-MiniLM-L6-v2, used when no config is passed.
_MINILM_SIZES = {
    "max_position_embeddings": 512,
    "hidden_size": 384,
    "vocab_size": 30522,
    "type_vocab_size": 2,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
}


def check_01_inputs(answer: object, config: object | None = None) -> str:
    """Check ``(segment id of a pair's 2nd sentence, rows of the position-embedding table)``.

    ``config`` is the model's config (``model.config``); without it the embedded MiniLM's sizes
    are used. Names the usual slips: segment ids counted from 1, sentence A's id, the hidden
    size, the vocabulary or segment table, 510/511 instead of 512, layers or heads.
    Taught in notebooks/01_concepts.ipynb.
    """
    sizes = {k: getattr(config, k, v) for k, v in _MINILM_SIZES.items()}
    n_pos = sizes["max_position_embeddings"]
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise ExerciseError(
            "expected a pair of integers: (segment id of sentence B, number of positions), "
            f"got {answer!r}"
        )
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError(f"both values must be plain ints, got {answer!r}")
    seg, pos = answer
    if seg != 1:
        if seg == 0:
            why = (
                "0 is sentence A's segment id (it also covers [CLS] and the first [SEP]); "
                "look at token_type_ids after the first [SEP]"
            )
        elif seg == 2:
            why = "segment ids count from 0: sentence A is 0, so sentence B is 1"
        else:
            why = (
                f"the segment table has only type_vocab_size={sizes['type_vocab_size']} rows "
                f"(ids 0..{sizes['type_vocab_size'] - 1}); sentence A is 0"
            )
        raise ExerciseError(f"segment id {seg} is wrong: {why}")
    if pos != n_pos:
        slips = {
            sizes["hidden_size"]: "that is the hidden size, the width of each vector (columns "
            "of the table), not its number of rows",
            sizes["vocab_size"]: "that is the vocabulary size, the rows of word_embeddings",
            sizes["type_vocab_size"]: "that is the segment table (token_type_embeddings)",
            n_pos - 1: f"that is the last position's index; positions count 0..{n_pos - 1}",
            n_pos - 2: "that is how many text tokens fit once [CLS] and [SEP] take two positions; "
            "the table itself has a row for those two as well",
            sizes["num_hidden_layers"]: "that is the number of encoder layers",
            sizes["num_attention_heads"]: "that is the number of attention heads per layer",
        }
        why = slips.get(
            pos,
            "count the rows of model.embeddings.position_embeddings.weight (its shape[0]); "
            "the length of one input is not it, the table covers every position the model can see",
        )
        raise ExerciseError(f"{pos} positions is wrong: {why}")
    return (
        f"Correct: sentence B gets segment id 1, and the position table has {n_pos} rows, "
        f"so one input holds at most {n_pos} tokens, [CLS] and [SEP] included."
    )

# ---- notebooks/02_label_encoding.ipynb (section owned by the 02 author)

# Exercise 02: the label ids of this sentence's tags under the source's map.
EXERCISE_02_WORDS: list[str] = [
    "Prime", "Minister", "Sadia", "Rehmatullah", "flew", "to", "Accra", "on", "Tuesday", ".",
]  # fmt: skip
EXERCISE_02_TAGS: list[str] = [
    "B-per", "I-per", "I-per", "I-per", "O", "O", "B-geo", "O", "B-tim", "O",
]  # fmt: skip


def _ids_under(labels: list[str], tags: list[str]) -> list[int]:
    index = {t: i for i, t in enumerate(labels)}
    return [index[t] for t in tags]


def check_02_label_ids(answer: object) -> str:
    """Check the label ids of ``EXERCISE_02_TAGS`` under ``['O'] + sorted(tags - {'O'})``.

    Recognises the usual slips (O sorted among the others, ids counted from 1, B-/I- of a type
    kept together, a map built from this one sentence) and names them.
    Taught in notebooks/02_label_encoding.ipynb.
    """
    from helpers.labels import GMB_TYPES, build_label_list, labels_for_types

    tags = EXERCISE_02_TAGS
    labels = labels_for_types(GMB_TYPES)
    expected = _ids_under(labels, tags)
    if not isinstance(answer, (list, tuple)):
        raise ExerciseError(
            f"expected a list of {len(tags)} integers (one id per tag), got {type(answer).__name__}"
        )
    if any(isinstance(a, str) for a in answer):
        raise ExerciseError("the answer holds strings: give each tag's integer id, not the tag")
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError("every id must be a plain int (e.g. 0, 7, 15)")
    answer = list(answer)
    if len(answer) != len(tags):
        raise ExerciseError(
            f"{len(answer)} ids for {len(tags)} tags: give exactly one id per tag, in order"
        )
    if answer == expected:
        return f"Correct: {answer}. I-per is {labels.index('I-per')} because O takes id 0."
    all_sorted = sorted(labels)
    interleaved = ["O"] + [f"{p}-{t}" for t in GMB_TYPES for p in "BI"]
    this_sentence = build_label_list([tags])
    slips = [
        (_ids_under(all_sorted, tags),
         "you sorted O among the others (it lands last, at 16); the source puts O first, at 0, "
         "and sorts only the other 16 labels"),
        ([i + 1 for i in expected],
         "every id is one too high: ids count from 0, so O is 0 and B-art is 1"),
        ([i - 1 for i in expected],
         "every id is one too low: O takes id 0, so the entity labels start at 1"),
        (_ids_under(interleaved, tags),
         "you kept B- and I- of each type together (B-art, I-art, B-eve, ...); sorted() compares "
         "whole strings, so all 8 B- labels come before all 8 I- labels"),
        (_ids_under(this_sentence, tags),
         f"you built the map from this sentence's tags only ({this_sentence}); the map comes from "
         "the whole corpus, all 17 labels"),
    ]  # fmt: skip
    for ids, why in slips:
        if answer == ids:
            raise ExerciseError(why)
    wrong = [i for i, (a, e) in enumerate(zip(answer, expected, strict=True)) if a != e]
    first = wrong[0]
    raise ExerciseError(
        f"{len(wrong)} of {len(tags)} ids are wrong; the first is position {first} "
        f"(tag {tags[first]!r}, you gave {answer[first]}). Recount it in the id → label table."
    )

# ---- notebooks/03_subword_alignment.ipynb (section owned by the 03 author)

# Exercise 03: the token labels of this sentence under strategy "first". Tokens and word_ids are
# what the packaged tokenizer gives (tests/test_exercises.py checks them against it).
EXERCISE_03_WORDS: list[str] = ["Ahmadinejad", "visited", "Mogadishu", "on", "Tuesday", "."]
EXERCISE_03_TAGS: list[str] = ["B-per", "O", "B-geo", "O", "B-tim", "O"]
EXERCISE_03_TOKENS: list[str] = [
    "[CLS]", "ahmad", "##ine", "##jad", "visited", "mo", "##ga", "##dis", "##hu", "on",
    "tuesday", ".", "[SEP]",
]  # fmt: skip
EXERCISE_03_WORD_IDS: list[int | None] = [None, 0, 0, 0, 1, 2, 2, 2, 2, 3, 4, 5, None]


def check_03_first_labels(answer: object) -> str:
    """Check the per-token label ids of ``EXERCISE_03_*`` under strategy ``"first"``.

    Names the first wrong position and why: a special token that is not -100, a continuation
    piece labelled (with the word's own tag, or with ``I-x`` as strategy ``"all"`` would), a
    word's first piece left at -100 or given another tag's id, one label per word instead of
    per token. Taught in notebooks/03_subword_alignment.ipynb.
    """
    from helpers.alignment import IGNORE, align_labels, b_to_i_map
    from helpers.labels import GMB_TYPES, label_maps, labels_for_types

    words, tags, tokens, wids = (
        EXERCISE_03_WORDS, EXERCISE_03_TAGS, EXERCISE_03_TOKENS, EXERCISE_03_WORD_IDS
    )  # fmt: skip
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
            f"Correct: {n} positions, {kept} labelled (one per word), {n - kept} set to -100 "
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


# ---- notebooks/04_ner.ipynb


def check_04_steps(
    steps: int, warmup_steps: int, n_train: int, batch_size: int, epochs: int, warmup: float
) -> str:
    """Check the optimizer-step and warm-up-step counts of a fine-tuning run.

    Taught in notebooks/04_ner.ipynb.
    """
    import math

    per_epoch = math.ceil(n_train / batch_size)
    total = per_epoch * epochs
    if steps == (n_train // batch_size) * epochs and steps != total:
        raise ExerciseError(
            f"{steps} drops the last, smaller batch of each epoch; the Trainer keeps it "
            "(round the batches per epoch up)"
        )
    if steps == per_epoch:
        raise ExerciseError(f"{steps} is one epoch; the run makes {epochs} passes")
    if steps == n_train * epochs:
        raise ExerciseError(f"{steps} counts sentences, not batches of {batch_size}")
    if steps != total:
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


# ---- notebooks/08_pseudo_labelling.ipynb

_NOT_YET = "not answered yet: "

# Exercise 08a: the word confidences of five pseudo-labelled sentences and one threshold.
EXERCISE_08_CONFIDENCES: list[list[float]] = [
    [0.99, 0.97, 0.62, 0.99, 0.98],  # one unsure word among sure ones
    [0.91, 0.85, 0.88],
    [0.80, 0.99, 0.99, 0.99],  # its weakest word sits exactly on the threshold
    [0.70, 0.72, 0.95],
    [0.99, 0.79, 0.99, 0.99, 0.99, 0.99],
]
EXERCISE_08_THRESHOLD: float = 0.8


def check_08_selection(answer: object) -> str:
    """Check ``(kept under rule "min", kept under rule "mean")`` for ``EXERCISE_08_CONFIDENCES``.

    Each is a list of sentence indices (from 0) whose confidence is >= the threshold.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    if answer is None:
        return (
            _NOT_YET + "give two lists of sentence indices, e.g. ([0, 2], [1, 2, 3]): first the "
            "sentences whose weakest word reaches the threshold, then those whose average does"
        )
    if (
        not isinstance(answer, (tuple, list))
        or len(answer) != 2
        or not all(isinstance(a, (list, tuple)) for a in answer)
    ):
        raise ExerciseError(f"expected a pair of lists (min rule, mean rule), got {answer!r}")
    if not all(isinstance(i, int) and not isinstance(i, bool) for a in answer for i in a):
        raise ExerciseError("sentence indices must be plain ints counted from 0")
    got_min, got_mean = sorted(answer[0]), sorted(answer[1])
    conf, th = EXERCISE_08_CONFIDENCES, EXERCISE_08_THRESHOLD
    n = len(conf)
    if any(not 0 <= i < n for i in got_min + got_mean):
        raise ExerciseError(f"indices run from 0 to {n - 1}: there are {n} sentences")
    want_min = [i for i, c in enumerate(conf) if min(c) >= th]
    want_mean = [i for i, c in enumerate(conf) if sum(c) / len(c) >= th]
    if got_min != want_min:
        strict = [i for i, c in enumerate(conf) if min(c) > th]
        if got_min == strict:
            raise ExerciseError(
                f"min rule: sentence {want_min[-1]}'s weakest word is exactly {th}; the rule is "
                "'confidence >= threshold', so it passes"
            )
        if got_min == [i + 1 for i in want_min]:
            raise ExerciseError("min rule: indices count from 0 (the first sentence is 0)")
        extra = sorted(set(got_min) - set(want_min))
        if extra:
            raise ExerciseError(
                f"min rule: sentence {extra[0]} has a word at {min(conf[extra[0]])} < {th}; under "
                "'min' one unsure word keeps the whole sentence out"
            )
        raise ExerciseError(
            f"min rule: you left out sentence {sorted(set(want_min) - set(got_min))[0]}, "
            f"whose every word reaches {th}"
        )
    if got_mean != want_mean:
        missing = sorted(set(want_mean) - set(got_mean))
        if missing:
            c = conf[missing[0]]
            raise ExerciseError(
                f"mean rule: sentence {missing[0]} averages {sum(c) / len(c):.3f} >= {th}, so it "
                "passes although one of its words does not"
            )
        extra = sorted(set(got_mean) - set(want_mean))[0]
        c = conf[extra]
        raise ExerciseError(f"mean rule: sentence {extra} averages {sum(c) / len(c):.3f} < {th}")
    let_in = sorted(set(want_mean) - set(want_min))
    return (
        f"Right: min keeps {want_min}, mean keeps {want_mean}; the mean lets in {let_in}, "
        "sentences with a word the model is unsure of, carried by their sure words."
    )


def check_08_rounds(answer: object) -> str:
    """Check ``(training-set size of rounds 0..3, sentences left in the pool)`` for the story

    50 labelled sentences, a pool of 100; round 1 selects 30, round 2 selects 12, round 3 none.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    if answer is None:
        return (
            _NOT_YET + "give ([n0, n1, n2, n3], left): the sentences each round's model trains "
            "on, and how many pool sentences are never pseudo-labelled"
        )
    if (
        not isinstance(answer, (tuple, list))
        or len(answer) != 2
        or not isinstance(answer[0], (list, tuple))
        or len(answer[0]) != 4
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in [*answer[0], answer[1]])
    ):
        raise ExerciseError(f"expected ([four ints], one int), got {answer!r}")
    sizes, left = list(answer[0]), answer[1]
    n_lab, pool, new = 50, 100, [0, 30, 12, 0]
    want = [n_lab + sum(new[: r + 1]) for r in range(4)]
    if sizes != want:
        if sizes == [n_lab + k for k in new]:
            raise ExerciseError(
                "a sentence pseudo-labelled in round 1 stays in the training set in round 2: "
                "the pseudo-labelled sentences accumulate"
            )
        if sizes[0] != n_lab:
            raise ExerciseError(f"round 0 trains on the {n_lab} labelled sentences only")
        if sizes[1:] == [n_lab + pool] * 3:
            raise ExerciseError(
                "only the sentences that pass the threshold join the training set, not the "
                "whole pool"
            )
        if sizes[3] != sizes[2]:
            raise ExerciseError("round 3 adds nothing: no sentence passed, so the set is unchanged")
        raise ExerciseError(f"{sizes}: add each round's new sentences to the previous round's set")
    if left != pool - sum(new):
        if left == pool - new[-1] or left == pool - new[2]:
            raise ExerciseError(
                "a selected sentence leaves the pool for good: subtract every round's selection"
            )
        raise ExerciseError(f"{left} left: the pool had {pool}; subtract what every round took")
    return (
        f"Right: {want}, and {left} pool sentences were never confident enough; a selected "
        "sentence leaves the pool and keeps the tags it got in the round it joined."
    )


def check_08_low_threshold(answer: object, run: object, default_threshold: float = 0.5) -> str:
    """Check the open exercise: a rerun with a lower threshold, read off and explained.

    ``answer`` is a dict with ``threshold``, ``kept`` (sentences pseudo-labelled in round 1),
    ``precision`` (their entity precision against the hidden gold, 2 decimals), ``f1_change``
    (last round's test F1 minus round 0's, 2 decimals) and ``why`` (your explanation); ``run``
    is the notebook's :class:`helpers.pseudo_label.PseudoRun`. Taught in
    notebooks/08_pseudo_labelling.ipynb.
    """
    import math

    if answer is None:
        return (
            _NOT_YET + f"rerun the notebook with a threshold below {default_threshold} (e.g. "
            "-p threshold 0.2 -p rounds 2), predict first, then fill the dict"
        )
    keys = {"threshold", "kept", "precision", "f1_change", "why"}
    if not isinstance(answer, dict) or set(answer) != keys:
        raise ExerciseError(f"expected a dict with exactly the keys {sorted(keys)}")
    th = run.threshold
    if th >= default_threshold:
        raise ExerciseError(
            f"this run used threshold {th}; rerun with one below {default_threshold} first"
        )
    if len(run.rounds) < 2:
        raise ExerciseError("this run has no pseudo-labelling round: rerun with rounds >= 1")
    first = run.rounds[1]
    f1 = [r.test["f1"] for r in run.rounds]
    checks = [
        ("threshold", answer["threshold"], th, 1e-9),
        ("kept", answer["kept"], first.n_new, 0),
        ("precision", answer["precision"], first.new_quality.get("precision", math.nan), 0.006),
        ("f1_change", answer["f1_change"], f1[-1] - f1[0], 0.006),
    ]
    for name, got, want, tol in checks:
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise ExerciseError(f"{name} must be a number, got {got!r}")
        if not abs(got - want) <= tol:
            raise ExerciseError(f"{name}={got!r} is not what this run measured: look again")
    why = answer["why"]
    if not isinstance(why, str) or len(why.split()) < 15:
        raise ExerciseError(
            "why: explain in a few sentences (15 words or more) what the lower threshold let "
            "in and what retraining on it did"
        )
    wrong = first.new_quality.get("predicted", 0) - first.new_quality.get("correct", 0)
    return (
        f"Right readings: at threshold {th}, {first.n_new} sentences joined in round 1 with "
        f"{wrong} wrong entities, and test F1 moved by {f1[-1] - f1[0]:+.3f}. Compare your "
        "explanation with the section on errors that reinforce themselves."
    )
