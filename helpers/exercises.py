"""Checkers for the short exercise at the end of each notebook.

Each ``check_*`` returns "Not answered yet" plus a hint while the answer is ``None``, a one-line
"Right: ..." verdict when the answer is right, and raises ``ExerciseError`` saying why when it is
wrong, so a learner can run it until it passes.
"""

from __future__ import annotations


class ExerciseError(AssertionError):
    """A wrong answer; the message says what is wrong and gives a hint."""


def not_answered(hint: str) -> str:
    """The verdict for an answer cell still at ``None``: not an error, so a fresh run passes."""
    return f"Not answered yet. Hint: {hint}{'' if hint.endswith(('.', '?', '!')) else '.'}"


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
    if answer is None:
        return not_answered(
            "look at the 'segment id' column of the pair table in section 2, and at the 'rows' "
            "column of the embedding tables"
        )
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
        f"Right: sentence B gets segment id 1, and the position table has {n_pos} rows, "
        f"so one input holds at most {n_pos} tokens, [CLS] and [SEP] included."
    )


# Exercise 01-2: attention masks for this sentence. Its tokens are what the packaged tokenizer
# gives (tests/test_exercises.py checks them against it).
EXERCISE_01_MASK_TEXT = "Kofi Annan visited Accra ."
EXERCISE_01_MASK_TOKENS: list[str] = [
    "[CLS]", "ko", "##fi", "anna", "##n", "visited", "acc", "##ra", ".", "[SEP]",
]  # fmt: skip


def check_01_masks(answer: object) -> str:
    """Check ``(allowed pairs under the bidirectional mask, under the causal mask)``.

    A pair is (query token, key token) with a 1 in the attention mask, for
    ``EXERCISE_01_MASK_TEXT`` tokenized with ``[CLS]`` and ``[SEP]``. Names the slips: counting
    words instead of tokens, leaving out the special tokens, leaving out the diagonal (a token
    sees itself), half of n², the two numbers swapped. Taught in notebooks/01_concepts.ipynb.
    """
    if answer is None:
        return not_answered(
            "tokenize the sentence first (rare names split into pieces; [CLS] and [SEP] count), "
            "then count the 1s of each mask as in the 7 x 7 example of section 5"
        )
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise ExerciseError(f"expected a pair (bidirectional, causal), got {answer!r}")
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError(f"both counts must be plain ints, got {answer!r}")
    n = len(EXERCISE_01_MASK_TOKENS)
    right = (n * n, n * (n + 1) // 2)
    if tuple(answer) == right:
        return (
            f"Right: {n} tokens; bidirectional {n}x{n} = {right[0]} pairs, causal "
            f"{n}+{n - 1}+...+1 = {right[1]}: token i sees i + 1 tokens, itself included."
        )
    bi, causal = answer
    n_words = len(EXERCISE_01_MASK_TEXT.split())
    for m, what in [
        (n_words, f"{n_words} words, but attention works on tokens: the tokenizer gives {n}"),
        (n - 2, "the text's WordPieces only; [CLS] and [SEP] are tokens that attend too"),
        (n_words + 2, "words plus [CLS] and [SEP]; rare names split into several WordPieces"),
    ]:
        if (bi, causal) == (m * m, m * (m + 1) // 2):
            raise ExerciseError(f"you counted {m} tokens: {what}")
    if (bi, causal) == (right[1], right[0]):
        raise ExerciseError("the two numbers are swapped: the causal mask allows fewer pairs")
    if bi != right[0]:
        raise ExerciseError(
            f"bidirectional {bi} is wrong: every token sees every token, n x n for n tokens"
        )
    if causal == n * (n - 1) // 2:
        raise ExerciseError(
            f"causal {causal} leaves out the diagonal: token i attends to positions 0..i, "
            "itself included"
        )
    if causal * 2 == n * n:
        raise ExerciseError(f"causal {causal} is half of n x n; count the lower triangle rows")
    raise ExerciseError(
        f"causal {causal} is wrong: row i of the causal mask has i + 1 ones; add the rows up"
    )


def check_01_bandit(answer: object, results: dict, last: int) -> str:
    """Open-ended: the epsilon that earned the most reward per step over the last ``last`` steps.

    ``results`` maps each epsilon to its ``helpers.bandit.BanditResult`` from the learner's own
    run, so the right answer follows whatever parameters they ran with.
    Taught in notebooks/01_concepts.ipynb.
    """
    if answer is None:
        return not_answered(
            "predict first, then read the right-hand end of the average-reward plot (or the "
            "table below it) for the epsilon whose curve ends highest"
        )
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise ExerciseError(f"expected one of the epsilons {sorted(results)}, got {answer!r}")
    match = [e for e in results if abs(e - answer) < 1e-12]
    if not match:
        raise ExerciseError(f"{answer!r} was not run: pick one of {sorted(results)}")
    late = {e: r.window(last)[0] for e, r in results.items()}
    early = {e: float(r.mean_reward[:last].mean()) for e, r in results.items()}
    best = max(late, key=late.get)
    if match[0] == best:
        return (
            f"Right: epsilon={best} earns {late[best]:.3f} per step over the last {last} steps. "
            "Now explain why, in terms of exploring and exploiting."
        )
    if match[0] == max(early, key=early.get):
        raise ExerciseError(
            f"epsilon={match[0]} leads over the first {last} steps ({early[match[0]]:.3f}), but "
            f"over the last {last} it earns {late[match[0]]:.3f}: compare the curves' right ends"
        )
    if match[0] == 0:
        raise ExerciseError(
            f"pure greed (epsilon=0) earns {late[match[0]]:.3f}: it stops "
            "trying arms once one looks good, and often locks onto a poor one"
        )
    raise ExerciseError(
        f"epsilon={match[0]} earns {late[match[0]]:.3f} per step over the last {last} steps; "
        "another epsilon earns more"
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

    if answer is None:
        return not_answered(
            "O is 0; then the eight B- labels in alphabetical order of the type, then the "
            "eight I- labels (the id → label table of section 4)"
        )
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
        return f"Right: {answer}. I-per is {labels.index('I-per')} because O takes id 0."
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


# Exercise 02-2: a broken tag sequence, read as seqeval (and entity_spans) read it.
EXERCISE_02_BROKEN: list[str] = [
    "B-per", "I-per", "O", "I-geo", "I-geo", "O", "B-org", "I-per", "O",
]  # fmt: skip


def check_02_spans(answer: object) -> str:
    """Check the entities of ``EXERCISE_02_BROKEN`` as ``(type, start, end)``, end excluded.

    Names the slips: orphan ``I-`` tags dropped instead of opening an entity, an ``I-`` of
    another type glued onto the entity before it, ends included (seqeval's ``get_entities``
    style), positions counted from 1. Taught in notebooks/02_label_encoding.ipynb.
    """
    from helpers.labels import entity_spans

    if answer is None:
        return not_answered(
            "repair first (an I-x after O or after another type opens a new entity, as "
            "repair_bio does), then read each entity's first word and the word after its last"
        )
    expected = entity_spans(EXERCISE_02_BROKEN)
    if not isinstance(answer, (list, tuple)) or not all(
        isinstance(a, (list, tuple)) and len(a) == 3 for a in answer
    ):
        raise ExerciseError(
            f"expected a list of (type, start, end) triples such as ('per', 0, 2), got {answer!r}"
        )
    got = [tuple(a) for a in answer]
    if not all(isinstance(k, str) and isinstance(s, int) and isinstance(e, int) for k, s, e in got):
        raise ExerciseError("each entity is (type string, start int, end int), e.g. ('geo', 3, 5)")
    if any(k.startswith(("B-", "I-")) for k, _, _ in got):
        raise ExerciseError("give the type without its prefix: 'per', not 'B-per'")
    if got == expected:
        return (
            f"Right: {len(expected)} entities. The orphan I-geo opens an entity, and I-per after "
            "B-org starts a new person, as seqeval reads them."
        )
    if got == [(k, s, e - 1) for k, s, e in expected]:
        raise ExerciseError(
            "your ends are inclusive (seqeval's get_entities style); here end is excluded, like "
            "a Python slice: words[start:end]"
        )
    if got == [(k, s + 1, e + 1) for k, s, e in expected]:
        raise ExerciseError("positions count from 0: the first word is position 0")
    if got == [e for e in expected if EXERCISE_02_BROKEN[e[1]].startswith("B-")]:
        raise ExerciseError(
            "you kept only the entities that start with B-; an I-x after O (or after another "
            "type) is broken IOB2, and it still opens an entity: it is repaired to B-x"
        )
    if ("org", 6, 8) in got:
        raise ExerciseError(
            "I-per after B-org does not continue the org (the types differ): it starts a person"
        )
    if len(got) != len(expected):
        raise ExerciseError(f"{len(got)} entities: there are {len(expected)}")
    wrong = next(g for g, e in zip(got, expected, strict=True) if g != e)
    raise ExerciseError(f"{wrong} is not right; check its type and its word positions")


def check_02_leak(answer: object, train_part: list, test_part: list) -> str:
    """Open-ended: how many documents have sentences on both sides of a sentence-level split.

    ``train_part`` and ``test_part`` are the learner's own ``split_sentences`` result (lists of
    ``Sentence``), so the right answer follows the ``test_size`` and ``seed`` they ran with.
    Taught in notebooks/02_label_encoding.ipynb.
    """
    if answer is None:
        return not_answered(
            "predict first, then rerun with the new test_size and read the 'documents on both "
            "sides' column of the split table"
        )
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ExerciseError(f"expected a count of documents (an int), got {answer!r}")
    shared = {s.doc_id for s in train_part} & {s.doc_id for s in test_part}
    n_docs = len({s.doc_id for s in [*train_part, *test_part]})
    if answer == len(shared):
        return (
            f"Right: {len(shared)} of {n_docs} documents are cut in two by this split. "
            "Now explain why the number moved the way it did."
        )
    if answer == round(100 * len(shared) / n_docs):
        raise ExerciseError("that is the percentage; give the number of documents")
    if answer == n_docs:
        raise ExerciseError(f"{n_docs} is every document; count only those on both sides")
    if answer in (len(train_part), len(test_part)):
        raise ExerciseError("that counts sentences on one side; count documents on both sides")
    raise ExerciseError(
        f"{answer} is not what your run shows; did you rerun the split cell after changing "
        "test_size?"
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
    if answer is None:
        return not_answered(
            "special tokens get -100; a word's first piece gets label2id[its tag]; every "
            "piece that continues a word (##...) gets -100 under 'first'"
        )
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


def check_03_naive_entities(answer: object) -> str:
    """Check how many entities seqeval counts in the naive token labels of ``EXERCISE_03_*``.

    Naive = every piece copies its word's tag, ``B-`` included (the source's labelling), so each
    piece of a ``B-`` word opens an entity of its own. Names the slips: the gold count, tokens
    or WordPieces counted, only the extra entities. Taught in notebooks/03_subword_alignment.ipynb.
    """
    from helpers.alignment import pieces_per_word

    if answer is None:
        return not_answered(
            "copy each word's tag onto all its pieces (B-per on ahmad, ##ine and ##jad), then "
            "count the B- tags: seqeval opens an entity at every B-"
        )
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ExerciseError(f"expected a count of entities (an int), got {answer!r}")
    pieces = pieces_per_word(EXERCISE_03_WORD_IDS)
    gold = sum(t.startswith("B-") for t in EXERCISE_03_TAGS)
    naive = sum(n for n, t in zip(pieces, EXERCISE_03_TAGS, strict=True) if t.startswith("B-"))
    if answer == naive:
        return (
            f"Right: {naive} entities for {gold} real ones; every extra piece of a B- word "
            "invents one (here " + " + ".join(
                f"{n} ({w})" for n, w, t in zip(pieces, EXERCISE_03_WORDS, EXERCISE_03_TAGS,
                                                strict=True) if t.startswith("B-")
            ) + ")."
        )  # fmt: skip
    slips = {
        gold: f"{gold} is the gold count, what 'first' and the fixed 'all' keep; naive copies "
        "B- onto every piece",
        len(EXERCISE_03_TOKENS): "that is the number of tokens, not of entities",
        len(EXERCISE_03_TOKENS) - 2: "that is the number of WordPieces, not of entities",
        naive - gold: f"that is only the extra entities; add the {gold} real ones",
    }
    raise ExerciseError(
        slips.get(answer, "list each piece with its copied tag and count the B- tags")
    )


def check_03_windows(
    answer: object, n_windows: int, n_tokens: int, max_length: int, stride: int
) -> str:
    """Open-ended: how many windows ``tokenize_and_align`` made for the long sentence.

    The arguments after ``answer`` come from the learner's own run (``len(win["input_ids"])``,
    the long sentence's token count, and the parameters), so the right answer follows whatever
    ``max_length`` and ``stride`` they chose. Taught in notebooks/03_subword_alignment.ipynb.
    """
    import math

    if answer is None:
        return not_answered(
            "each window holds max_length - 2 text tokens ([CLS] and [SEP] take two) and "
            "repeats the last stride tokens of the window before: predict, then run"
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


# ---- notebooks/04_ner.ipynb


def check_04_steps(
    steps: int | None,
    warmup_steps: int | None,
    n_train: int,
    batch_size: int,
    epochs: int,
    warmup: float,
) -> str:
    """Check the optimizer-step and warm-up-step counts of a fine-tuning run.

    Taught in notebooks/04_ner.ipynb.
    """
    import math

    if steps is None or warmup_steps is None:
        return not_answered(
            f"each optimizer step sees one batch of {batch_size} sentences; count the batches of "
            "one epoch (the last one may be smaller), then all epochs"
        )
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


def check_04_validation_cost(answer: int | None, n_sentences: int, validation_size: float) -> str:
    """How many of ``n_sentences`` are left to train on when ``validation_size`` is held out.

    ``helpers.data.split_sentences`` uses scikit-learn's ``train_test_split``, which rounds the
    held-out part up. Taught in notebooks/04_ner.ipynb.
    """
    import math

    if answer is None:
        return not_answered(
            f"the validation part is {validation_size} of {n_sentences} sentences, rounded up "
            "(scikit-learn's train_test_split); the rest is trained on"
        )
    held = math.ceil(validation_size * n_sentences)
    right = n_sentences - held
    if answer == held:
        raise ExerciseError(f"{answer} is the validation part; how many are left for training?")
    if answer == n_sentences - math.floor(validation_size * n_sentences) and answer != right:
        raise ExerciseError(f"{answer} rounds the held-out part down; train_test_split rounds up")
    if answer == n_sentences:
        raise ExerciseError(f"{answer} is all of them: with validation, some are held out")
    if answer != right:
        raise ExerciseError(
            f"{answer} is not right: {n_sentences} minus ceil({validation_size} x {n_sentences})"
        )
    return (
        f"Right: {right} sentences train the model and {held} only score it; with a few hundred "
        "sentences that is a real cost, which is why the default keeps the final epoch instead."
    )


def check_04_prediction(prediction: str | None, recipe_results: dict | None = None) -> str:
    """Open question: does keeping the best validation epoch beat keeping the final one?

    Not graded: any considered prediction is fine. The reply reports what the repo's recipe study
    (``python -m helpers.bench recipe``) measured, so the learner can compare with their own run.
    Taught in notebooks/04_ner.ipynb.
    """
    choices = ("higher", "lower", "about the same")
    if prediction is None:
        return not_answered(
            "predict, then run `papermill notebooks/04_ner.ipynb out.ipynb -p validation_size 0.1 "
            "-p keep best` and compare its test F1 with this run's"
        )
    if prediction not in choices:
        raise ExerciseError(f"prediction={prediction!r}: answer one of {choices}")
    if not recipe_results:
        return f"Noted: {prediction!r}. Now run it and compare the two test F1 values."
    rows = recipe_results["recipes"]
    summary = "; ".join(
        f"{name}: mean F1 {r['mean_f1']:.3f} (sd {r['sd_f1']:.3f}, {len(r['runs'])} runs)"
        for name, r in rows.items()
    )
    return (
        f"Noted: {prediction!r}. The repo's study ({recipe_results['command']}) measured "
        f"{summary}. One run differs from another by about the sd, so compare with care."
    )


# ---- notebooks/05_mlm.ipynb

EXERCISE_05_WORDS = ("Kenyan runner Eliud Kipchoge won the Berlin Marathon on Sunday .").split()
EXERCISE_05_WORD = 3  # "Kipchoge"


def check_05_whole_word(answer: object, word_ids: list[int | None] | None = None) -> str:
    """Check the token positions hidden when whole-word masking picks ``"Kipchoge"``.

    ``word_ids`` is ``tokenizer(EXERCISE_05_WORDS, is_split_into_words=True).word_ids()``;
    without it the embedded tokenizer's are computed. Taught in notebooks/05_mlm.ipynb.
    """
    if answer is None:
        return not_answered(
            "list the positions in input_ids ([CLS] is position 0) of every piece of the word; "
            "word_ids() tells you which word each position belongs to"
        )
    if word_ids is None:
        from helpers.models import load_tokenizer

        tok = load_tokenizer()
        word_ids = tok(EXERCISE_05_WORDS, is_split_into_words=True).word_ids()
    right = [i for i, w in enumerate(word_ids) if w == EXERCISE_05_WORD]
    if not isinstance(answer, (list, tuple, set)) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in answer
    ):
        raise ExerciseError(f"expected a list of token positions (ints), got {answer!r}")
    got = sorted(answer)
    if got == right:
        return (
            f"Right: positions {right} are the {len(right)} pieces of "
            f"{EXERCISE_05_WORDS[EXERCISE_05_WORD]!r}; whole-word masking hides them together."
        )
    if got == [EXERCISE_05_WORD]:
        raise ExerciseError(
            f"{got} is the word's index among the words; the question asks for token positions "
            "in input_ids, where the word is split into several pieces"
        )
    if got == right[:1]:
        raise ExerciseError(
            f"position {got[0]} is only the first piece; whole-word masking hides every piece "
            "of the word, so the model cannot read the rest of it"
        )
    if got == [i - 1 for i in right]:
        raise ExerciseError(
            "each position is one too low: position 0 is [CLS], so the first word starts at 1"
        )
    if set(got) < set(right):
        raise ExerciseError(f"{got} misses some pieces of the word: count its ## pieces too")
    if set(got) > set(right):
        raise ExerciseError(f"{got} includes positions of other words or special tokens")
    raise ExerciseError(
        f"{got} is not right: find the positions whose word_ids() entry is {EXERCISE_05_WORD}"
    )


def check_05_uniform_perplexity(answer: object, vocab_size: int = 30522) -> str:
    """Check the perplexity of a model that spreads its guess evenly over the vocabulary.

    Taught in notebooks/05_mlm.ipynb.
    """
    import math

    if answer is None:
        return not_answered(
            "every token gets probability 1 / vocabulary size; the loss is -log of the "
            "probability of the right token, and perplexity is exp(mean loss)"
        )
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise ExerciseError(f"expected a number, got {answer!r}")
    if math.isclose(answer, vocab_size, rel_tol=0.01):
        return (
            f"Right: uniform guessing over {vocab_size:,} tokens has perplexity {vocab_size:,}. "
            "A random head does worse: it is confidently wrong, not evenly unsure."
        )
    slips = [
        (math.log(vocab_size), "that is the loss, -log(1/V) in nats; perplexity is exp(loss)"),
        (math.log2(vocab_size), "that is the loss in bits; perplexity is 2**bits = exp(nats)"),
        (1 / vocab_size, "that is the probability of each token; perplexity is its inverse"),
        (math.exp(vocab_size) if vocab_size < 700 else math.inf, "exp of V is far too much"),
    ]
    for value, why in slips:
        if math.isclose(answer, value, rel_tol=0.01):
            raise ExerciseError(f"{answer} is not right: {why}")
    raise ExerciseError(
        f"{answer} is not right: with probability 1/V on the right token, the loss is log(V) "
        "for every token; what is exp of that?"
    )


def check_05_token_vs_word(
    prediction: object, whole_dir: str = "runs/mlm", token_dir: str = "runs/mlm-token"
) -> str:
    """Confront a prediction with two runs of notebook 05: whole-word vs token masking.

    Reads ``metrics.json`` of both runs (relative to the repo root), checks that they differ
    only in ``whole_word_mask``, and says whether the held-out perplexity after adaptation came
    out lower or higher with token masking, as predicted or not. Taught in
    notebooks/05_mlm.ipynb.
    """
    import json

    from helpers.mlm import output_path

    if prediction is None:
        return not_answered(
            'write "lower" or "higher": with token masking, what can the model still see when '
            "one piece of a long word is hidden, and which tokens end up hidden?"
        )
    if not isinstance(prediction, str) or prediction.strip().lower() not in ("lower", "higher"):
        raise ExerciseError(f'expected "lower" or "higher", got {prediction!r}')
    runs = {}
    for name, folder in (("whole-word", whole_dir), ("token", token_dir)):
        path = output_path(folder) / "metrics.json"
        if not path.is_file():
            return (
                f"Not run yet: {folder}/metrics.json is missing. Run the notebook with its "
                "defaults (whole words, output_dir runs/mlm) and with "
                f"-p whole_word_mask False -p output_dir {token_dir}, then run this cell again."
            )
        runs[name] = json.loads(path.read_text())
    params = {k: {**r["parameters"]} for k, r in runs.items()}
    for p in params.values():
        p.pop("whole_word_mask")
        p.pop("output_dir")
    if (
        runs["whole-word"]["parameters"]["whole_word_mask"] is not True
        or runs["token"]["parameters"]["whole_word_mask"] is not False
    ):
        raise ExerciseError(
            f"{whole_dir} must be a whole-word run and {token_dir} a token run "
            "(see whole_word_mask in their metrics.json)"
        )
    other = sorted(k for k in params["token"] if params["token"][k] != params["whole-word"][k])
    if other:
        raise ExerciseError(
            f"the two runs also differ in {', '.join(other)}: change only whole_word_mask"
        )
    w = runs["whole-word"]["perplexity"]["after"]["perplexity"]
    t = runs["token"]["perplexity"]["after"]["perplexity"]
    measured = "lower" if t < w else "higher"
    why = (
        f"token masking {t:.0f}, whole words {w:.0f}. Token masking often leaves the other "
        "pieces of a word in view (easier), but it also hides lone continuation pieces such as "
        "'##ong' and simply hides other tokens: the two numbers score different tasks on "
        "different masks, so neither ranks the models. To compare the models, score both on "
        "the same batches."
    )
    if prediction.strip().lower() == measured:
        return f"Right, it came out {measured}: {why}"
    raise ExerciseError(f"you predicted {prediction.strip()!r}, but it came out {measured}: {why}")


# ---- notebooks/08_pseudo_labelling.ipynb

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
        return not_answered(
            "give two lists of sentence indices, e.g. ([0, 2], [1, 2, 3]): first the "
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
        return not_answered(
            "give ([n0, n1, n2, n3], left): the sentences each round's model trains "
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
        return not_answered(
            f"rerun the notebook with a threshold below {default_threshold} (e.g. "
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


# ---- notebooks/06_nsp.ipynb


def check_06_segment_ones(answer: object, token_type_ids: list[int]) -> str:
    """Check how many tokens of a ``[CLS] A [SEP] B [SEP]`` input carry segment id 1.

    ``token_type_ids`` is the pair's encoding as the tokenizer returns it. Taught in
    notebooks/06_nsp.ipynb.
    """
    if answer is None:
        return not_answered(
            "count the tokens of sentence B and decide which of the special "
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
        return not_answered(
            "try k = 100, 101, ... with helpers.nsp.wilson_interval(k, n) and "
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
        return not_answered(
            "row i may look at positions 0..i; count the entries to the right of the diagonal"
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
        return not_answered(
            "every position predicts the token after it; which token is never predicted?"
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
