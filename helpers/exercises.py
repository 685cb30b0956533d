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


# ---- notebooks/05_mlm.ipynb

EXERCISE_05_WORDS = ("Kenyan runner Eliud Kipchoge won the Berlin Marathon on Sunday .").split()
EXERCISE_05_WORD = 3  # "Kipchoge"


def _not_answered(hint: str) -> str:
    return f"Not answered yet: {hint}"


def check_05_whole_word(answer: object, word_ids: list[int | None] | None = None) -> str:
    """Check the token positions hidden when whole-word masking picks ``"Kipchoge"``.

    ``word_ids`` is ``tokenizer(EXERCISE_05_WORDS, is_split_into_words=True).word_ids()``;
    without it the embedded tokenizer's are computed. Taught in notebooks/05_mlm.ipynb.
    """
    if answer is None:
        return _not_answered(
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
        return _not_answered(
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
        return _not_answered(
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
