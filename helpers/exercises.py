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


# ---- notebooks/06_nsp.ipynb


def check_06_segment_ones(answer: object, token_type_ids: list[int]) -> str:
    """Check how many tokens of a ``[CLS] A [SEP] B [SEP]`` input carry segment id 1.

    ``token_type_ids`` is the pair's encoding as the tokenizer returns it. Taught in
    notebooks/06_nsp.ipynb.
    """
    if answer is None:
        return (
            "not answered yet: count the tokens of sentence B and decide which of the special "
            "tokens belong to B's segment"
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of tokens, got {answer!r}")
    ones = sum(1 for t in token_type_ids if t == 1)
    zeros = len(token_type_ids) - ones
    if answer == ones:
        return f"Right: {ones} tokens (sentence B's pieces and the final [SEP]) carry segment id 1."
    if answer == ones - 1:
        raise ExerciseError(
            f"{answer} leaves out the final [SEP]: it closes sentence B and gets B's segment id 1"
        )
    if answer == zeros:
        raise ExerciseError(
            f"{answer} is segment 0: [CLS], sentence A and the first [SEP]; count the other side"
        )
    if answer == len(token_type_ids):
        raise ExerciseError(f"{answer} is the whole input; only sentence B's side has id 1")
    raise ExerciseError(
        f"{answer} is not right: B's segment starts right after the first [SEP]; count words "
        "as the tokenizer splits them (subword pieces), not as spaces do"
    )


def check_06_min_correct(answer: object, n: int = 200, confidence: float = 0.95) -> str:
    """Check the fewest right answers out of ``n`` whose Wilson interval lies above 0.5.

    Taught in notebooks/06_nsp.ipynb.
    """
    from helpers.nsp import wilson_interval

    if answer is None:
        return (
            "not answered yet: try k = 100, 101, ... with helpers.nsp.wilson_interval(k, n) and "
            "stop at the first whose lower end is above 0.5"
        )
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer <= n:
        raise ExerciseError(f"expected a whole number between 0 and {n}, got {answer!r}")
    best = next(k for k in range(n + 1) if wilson_interval(k, n, confidence)[0] > 0.5)
    lo, hi = wilson_interval(answer, n, confidence)
    if answer == best:
        return (
            f"Right: {best}/{n} = {best / n:.3f} is the least accuracy that rules chance out "
            f"at {confidence:.0%} (interval {lo:.3f}-{hi:.3f}); a model just above half is not "
            "enough evidence."
        )
    if answer < best:
        raise ExerciseError(
            f"with {answer}/{n} right the interval is {lo:.3f}-{hi:.3f}: it still contains 0.5, "
            "so a coin could have done as well"
        )
    raise ExerciseError(
        f"{answer}/{n} does exclude 0.5 (interval {lo:.3f}-{hi:.3f}), but a smaller count "
        "already does: look for the first one"
    )


# ---- notebooks/07_clm_vs_mlm.ipynb


def check_07_causal_zeros(answer: object, n: int) -> str:
    """Check how many entries of an ``n`` x ``n`` causal attention matrix are forced to 0.

    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if answer is None:
        return (
            "not answered yet: row i may look at positions 0..i; count the entries to the right "
            "of the diagonal"
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of entries, got {answer!r}")
    right = n * (n - 1) // 2
    if answer == right:
        return (
            f"Right: {right} of the {n * n} entries are 0 (all above the diagonal), so each "
            "position sees itself and its past only."
        )
    if answer == n * (n + 1) // 2:
        raise ExerciseError(
            f"{answer} counts the diagonal too: a position may attend to itself, only the "
            "future is blocked"
        )
    if answer in (n * n // 2, (n * n + 1) // 2):
        raise ExerciseError(f"{answer} is half the matrix; the diagonal is neither half")
    if answer == 0:
        raise ExerciseError("0 is the bidirectional (masked LM) case; the causal mask blocks some")
    raise ExerciseError(
        f"{answer} is not right: row 0 blocks {n - 1} entries, row 1 blocks {n - 2}, and so on"
    )


def check_07_clm_positions(answer: object, lengths: list[int]) -> str:
    """Check how many predictions a causal LM learns from in a batch of sentences.

    ``lengths`` are the sentences' token counts, [CLS] and [SEP] included, padding excluded.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if answer is None:
        return (
            "not answered yet: every position predicts the token after it; which token is never "
            "predicted?"
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise ExerciseError(f"expected a whole number of positions, got {answer!r}")
    total = sum(lengths)
    right = total - len(lengths)
    if answer == right:
        return (
            f"Right: {right} predictions, one per token except each sentence's first, against "
            f"about {round(0.15 * total)} for a masked LM on the same batch."
        )
    if answer == total:
        raise ExerciseError(
            f"{answer} counts every token; the first token of each sentence ([CLS]) has nothing "
            "before it and is never a target"
        )
    if abs(answer - 0.15 * total) <= 0.05 * total:
        raise ExerciseError(f"{answer} is about 15% of the tokens: that is the masked LM's count")
    raise ExerciseError(
        f"{answer} is not right: add up the lengths and take away one target per sentence"
    )
