"""The exercise checkers: right answers pass, each typical wrong answer gets its explanation,
and an answer still at None gets "Not answered yet" plus a hint (so fresh notebooks pass nbval).

Sections for notebooks 02, 03 and 01, then one for answers still at None and the exercises
added later to 01-03.
"""

from __future__ import annotations

import pytest

from helpers.exercises import ExerciseError, ch01, ch02, ch03, not_answered

# ---- notebooks/02_label_encoding.ipynb

# ch02.TAGS = B-per I-per I-per I-per O O B-geo O B-tim O, counted by hand from the
# source's map (O=0, B-art=1, ..., B-geo=3, ..., B-per=7, B-tim=8, ..., I-per=15, I-tim=16).
EX02_RIGHT = [7, 15, 15, 15, 0, 0, 3, 0, 8, 0]


def test_check_02_accepts_the_right_ids():
    assert "Right:" in ch02.check_label_ids(EX02_RIGHT)
    assert "Right:" in ch02.check_label_ids(tuple(EX02_RIGHT))


def test_check_02_right_ids_agree_with_helpers_labels(gmb_maps):
    from helpers.labels import encode

    label2id, _ = gmb_maps
    assert encode(ch02.TAGS, label2id) == EX02_RIGHT
    assert len(ch02.WORDS) == len(ch02.TAGS)


@pytest.mark.parametrize(
    "answer, explanation",
    [
        # sorted(all 17): B-art..B-tim = 0..7, I-art..I-tim = 8..15, O = 16
        ([6, 14, 14, 14, 16, 16, 2, 16, 7, 16], "the source puts O first"),
        ([8, 16, 16, 16, 1, 1, 4, 1, 9, 1], "one too high"),
        # B-/I- kept together: B-geo=5, B-per=13, I-per=14, B-tim=15
        ([13, 14, 14, 14, 0, 0, 5, 0, 15, 0], "all 8 B- labels come before all 8 I- labels"),
        # map from this sentence only: O, B-geo, B-per, B-tim, I-per
        ([2, 4, 4, 4, 0, 0, 1, 0, 3, 0], "this sentence's tags only"),
        ([7, 15, 15, 15, 0, 0, 3, 0, 8], "9 ids for 10 tags"),
        (list(ch02.TAGS), "not the tag"),
        ([7.5, 15, 15, 15, 0, 0, 3, 0, 8, 0], "plain int"),
        ("7 15 15 15 0 0 3 0 8 0", "got str"),
        ([7, 15, 15, 16, 0, 0, 3, 0, 8, 0], "position 3 (tag 'I-per', you gave 16)"),
    ],
)
def test_check_02_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch02.check_label_ids(answer)
    assert explanation in str(err.value)


# ---- notebooks/03_subword_alignment.ipynb

# EXERCISE_03: [CLS] ahmad ##ine ##jad visited mo ##ga ##dis ##hu on tuesday . [SEP]
# tags B-per O B-geo O B-tim O; strategy "first": B-per=7, B-geo=3, B-tim=8, O=0.
EX03_RIGHT = [-100, 7, -100, -100, 0, 3, -100, -100, -100, 0, 8, 0, -100]


def test_check_03_accepts_the_right_labels():
    msg = ch03.check_first_labels(EX03_RIGHT)
    assert "Right:" in msg and "6 labelled" in msg and "7 set to -100" in msg
    assert "Right:" in ch03.check_first_labels(tuple(EX03_RIGHT))


def test_check_03_constants_match_the_real_tokenizer(tok, gmb_maps):
    from helpers.alignment import tokenize_and_align

    label2id, _ = gmb_maps
    enc = tokenize_and_align([ch03.WORDS], [ch03.TAGS], tok, label2id, "first")
    assert tok.convert_ids_to_tokens(enc["input_ids"][0]) == ch03.TOKENS
    assert enc["word_ids"][0] == ch03.WORD_IDS
    assert enc["labels"][0] == EX03_RIGHT


def _with(pos: int, value: int) -> list[int]:
    out = list(EX03_RIGHT)
    out[pos] = value
    return out


@pytest.mark.parametrize(
    "answer, explanation",
    [
        (_with(0, 7), "position 0 is [CLS]: a special token gets -100"),
        (_with(12, 0), "position 12 is [SEP]"),
        (_with(2, 7), "would count a second entity"),
        (_with(2, 15), "that is strategy 'all'"),
        (_with(6, 0), "position 6 ('##ga') continues the word 'Mogadishu'"),
        (_with(5, -100), "first piece of the word 'Mogadishu', tagged B-geo"),
        (_with(10, 3), "label2id['B-tim'] = 8, you gave 3 (B-geo)"),
        (_with(4, 99), "99 (no such label)"),
        ([-100, 7, 15, 15, 0, 3, 11, 11, 11, 0, 8, 0, -100], "this is strategy 'all'"),
        ([7, 0, 3, 0, 8, 0], "one label per word"),
        (EX03_RIGHT[:-1], "12 labels for 13 tokens"),
        (["B-per" if i == 1 else x for i, x in enumerate(EX03_RIGHT)], "label2id['B-per'] = 7"),
        (_with(1, True), "plain int"),
        ("-100 7 -100", "got str"),
    ],
)
def test_check_03_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch03.check_first_labels(answer)
    assert explanation in str(err.value)


# ---- notebooks/01_concepts.ipynb

# A sentence pair's second sentence has token_type_id 1; MiniLM's position table has 512 rows.
EX01_RIGHT = (1, 512)


def test_check_01_accepts_the_right_pair():
    msg = ch01.check_inputs(EX01_RIGHT)
    assert "Right:" in msg and "512" in msg
    assert "Right:" in ch01.check_inputs(list(EX01_RIGHT))


def test_check_01_sizes_match_the_real_model(tok):
    from transformers import AutoConfig

    from helpers.models import resolve_model

    config = AutoConfig.from_pretrained(resolve_model())
    for name, value in ch01._MINILM_SIZES.items():
        assert getattr(config, name) == value, name
    assert "Right:" in ch01.check_inputs(EX01_RIGHT, config)
    pair = tok("A first sentence.", "A second one.")
    assert max(pair["token_type_ids"]) == EX01_RIGHT[0]


def test_check_01_follows_the_config():
    class Big:
        max_position_embeddings = 1024

    assert "1024 rows" in ch01.check_inputs((1, 1024), Big())
    with pytest.raises(ExerciseError, match="1023"):
        ch01.check_inputs((1, 1023), Big())


@pytest.mark.parametrize(
    "answer, explanation",
    [
        ((0, 512), "0 is sentence A's segment id"),
        ((2, 512), "segment ids count from 0"),
        ((5, 512), "only type_vocab_size=2 rows"),
        ((1, 384), "hidden size"),
        ((1, 30522), "vocabulary size"),
        ((1, 2), "segment table"),
        ((1, 511), "last position's index"),
        ((1, 510), "[CLS] and [SEP] take two positions"),
        ((1, 6), "encoder layers"),
        ((1, 12), "attention heads"),
        ((1, 15), "shape[0]"),
        ((True, 512), "plain ints"),
        (("1", "512"), "plain ints"),
        (512, "a pair of integers"),
        ((1, 512, 384), "a pair of integers"),
    ],
)
def test_check_01_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch01.check_inputs(answer)
    assert explanation in str(err.value)


# ---- notebooks 01-03: answers still at None, and the exercises added in the revision


@pytest.mark.parametrize(
    "check",
    [
        lambda a: ch01.check_inputs(a),
        ch01.check_masks,
        lambda a: ch01.check_bandit(a, {}, 10),
        ch02.check_label_ids,
        ch02.check_spans,
        lambda a: ch02.check_leak(a, [], [], 0.2),
        ch03.check_first_labels,
        ch03.check_naive_entities,
        lambda a: ch03.check_windows(a, 5, 120, 32, 8),  # the default run: not answered
    ],
)
def test_none_is_not_answered_yet_with_a_hint(check):
    msg = check(None)
    assert msg.startswith("Not answered yet. Hint: ") and len(msg) > 40


def test_not_answered_ends_the_hint_once():
    assert not_answered("count them") == "Not answered yet. Hint: count them."
    assert not_answered("which one?") == "Not answered yet. Hint: which one?"


# 01-2: "Kofi Annan visited Accra ." → [CLS] ko ##fi anna ##n visited acc ##ra . [SEP]: 10
# tokens; bidirectional 10 x 10 = 100 pairs, causal 1 + 2 + ... + 10 = 55.
EX01_MASKS = (100, 55)


def test_check_01_masks_tokens_match_the_real_tokenizer(tok):
    ids = tok(ch01.MASK_TEXT)["input_ids"]
    assert tok.convert_ids_to_tokens(ids) == ch01.MASK_TOKENS


def test_check_01_masks_accepts_the_right_counts():
    assert ch01.check_masks(EX01_MASKS).startswith("Right: 10 tokens")
    assert ch01.check_masks(list(EX01_MASKS)).startswith("Right:")


@pytest.mark.parametrize(
    "answer, explanation",
    [
        ((25, 15), "you counted 5 tokens: 5 words"),
        ((64, 36), "you counted 8 tokens: the text's WordPieces only"),
        ((49, 28), "you counted 7 tokens: words plus [CLS] and [SEP]"),
        ((55, 100), "swapped"),
        ((100, 45), "leaves out the diagonal"),
        ((100, 50), "half of n x n"),
        ((100, 54), "row i of the causal mask has i + 1 ones"),
        ((90, 55), "bidirectional 90 is wrong"),
        ((100,), "expected a pair"),
        (("100", "55"), "plain ints"),
    ],
)
def test_check_01_masks_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch01.check_masks(answer)
    assert explanation in str(err.value)


def _bandit_results():
    """Two real seeded runs: greedy (0.0) leads early, epsilon 0.1 wins late."""
    from helpers.bandit import run_bandit

    return {e: run_bandit(e, n_steps=1500, n_runs=300, seed=0) for e in (0.0, 0.1, 0.5)}


def test_check_01_bandit_follows_the_learners_run():
    results = _bandit_results()
    late = {e: r.window(200)[0] for e, r in results.items()}
    best = max(late, key=late.get)
    assert best == 0.1  # Sutton & Barto's finding, on this testbed too
    assert ch01.check_bandit(0.1, results, 200).startswith("Right: epsilon=0.1")
    # the checker follows the run, not a stored answer: drop 0.1 and the best is another one
    rest = {e: r for e, r in results.items() if e != 0.1}
    other = max(rest, key=lambda e: rest[e].window(200)[0])
    assert ch01.check_bandit(other, rest, 200).startswith("Right:")


def test_check_01_bandit_explains_wrong_answers():
    results = _bandit_results()
    with pytest.raises(ExerciseError, match="pure greed"):
        ch01.check_bandit(0.0, results, 200)
    with pytest.raises(ExerciseError, match="another epsilon earns more"):
        ch01.check_bandit(0.5, results, 200)
    with pytest.raises(ExerciseError, match="was not run"):
        ch01.check_bandit(0.2, results, 200)
    with pytest.raises(ExerciseError, match="expected one of the epsilons"):
        ch01.check_bandit("0.1", results, 200)


def test_check_01_bandit_names_the_early_leader():
    """An epsilon that is best early but not late gets the 'compare the right ends' hint."""
    import numpy as np

    from helpers.bandit import BanditResult

    z = np.zeros((1, 2))
    early_star = BanditResult(0.0, np.array([5.0, 5.0, 0.0, 0.0]), np.zeros(4), z, z, z)
    late_star = BanditResult(0.1, np.array([0.0, 0.0, 5.0, 5.0]), np.zeros(4), z, z, z)
    results = {0.0: early_star, 0.1: late_star}
    with pytest.raises(ExerciseError, match="leads over the first 2 steps"):
        ch01.check_bandit(0.0, results, 2)
    assert ch01.check_bandit(0.1, results, 2).startswith("Right:")


# 02-2: B-per I-per O I-geo I-geo O B-org I-per O → per 0-2, geo 3-5 (orphan I- opens it),
# org 6-7, per 7-8 (I-per after B-org starts a person), ends excluded.
EX02_SPANS = [("per", 0, 2), ("geo", 3, 5), ("org", 6, 7), ("per", 7, 8)]


def test_check_02_spans_accepts_the_right_spans():
    assert ch02.check_spans(EX02_SPANS).startswith("Right: 4 entities")
    assert ch02.check_spans([list(e) for e in EX02_SPANS]).startswith("Right:")
    assert ch02.check_spans(EX02_SPANS[::-1]).startswith("Right: 4 entities")  # any order


def test_check_02_spans_agree_with_seqeval():
    from seqeval.metrics.sequence_labeling import get_entities

    inclusive = get_entities(list(ch02.BROKEN))
    assert [(k, s, e + 1) for k, s, e in inclusive] == EX02_SPANS


@pytest.mark.parametrize(
    "answer, explanation",
    [
        ([("per", 0, 1), ("geo", 3, 4), ("org", 6, 6), ("per", 7, 7)], "ends are inclusive"),
        ([("per", 1, 3), ("geo", 4, 6), ("org", 7, 8), ("per", 8, 9)], "count from 0"),
        ([("per", 0, 2), ("org", 6, 7)], "only the entities that start with B-"),
        ([("per", 0, 2), ("geo", 3, 5), ("org", 6, 8)], "does not continue the org"),
        ([("B-per", 0, 2), ("geo", 3, 5), ("org", 6, 7), ("per", 7, 8)], "without its prefix"),
        ([("per", 0, 2), ("geo", 3, 5), ("org", 6, 7), ("geo", 7, 8)], "('geo', 7, 8)"),
        ([("per", 0, 2)], "1 entities: there are 4"),
        ([("per", 7, 8), ("per", 0, 2), ("geo", 3, 5), ("geo", 7, 8)], "('geo', 7, 8) is not"),
        ([("per", 0, 2), ("per", 0, 2), ("geo", 3, 5), ("org", 6, 7)], "an entity twice"),
        ("per 0 2", "triples"),
        ([("per", "0", 2)], "start int"),
    ],
)
def test_check_02_spans_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch02.check_spans(answer)
    assert explanation in str(err.value)


def _sentences(doc_ids: str):
    from helpers.data import Sentence

    return [Sentence(["w"], ["O"], d, i) for i, d in enumerate(doc_ids)]


def test_check_02_leak_counts_documents_on_both_sides():
    # documents a, b, c, d; a and c have sentences on both sides → 2 of 4 (50%)
    train, test = _sentences("aabccd"), _sentences("ac")
    assert ch02.check_leak(2, train, test, 0.05).startswith("Right: 2 of 4 documents")
    for answer, explanation in [
        (50, "percentage"),
        (4, "every document"),
        (6, "counts sentences"),
        (3, "not what your run shows"),
        ("2", "an int"),
    ]:
        with pytest.raises(ExerciseError, match=explanation):
            ch02.check_leak(answer, train, test, 0.05)


# 03-2: naive labels copy B- onto every piece: ahmad ##ine ##jad (3) + mo ##ga ##dis ##hu (4)
# + tuesday (1) = 8 entities where the gold has 3.
def test_check_03_naive_entities():
    from seqeval.metrics.sequence_labeling import get_entities

    naive = [ch03.TAGS[w] for w in ch03.WORD_IDS if w is not None]
    assert len(get_entities(naive)) == 8
    assert ch03.check_naive_entities(8).startswith("Right: 8 entities for 3")
    for answer, explanation in [
        (3, "gold count"),
        (13, "number of tokens"),
        (11, "number of WordPieces"),
        (5, "only the extra entities"),
        (7, "count the B- tags"),
        (8.5, "an int"),
    ]:
        with pytest.raises(ExerciseError, match=explanation):
            ch03.check_naive_entities(answer)


def test_check_03_windows_follows_the_run(tok, gmb_maps):
    from helpers.alignment import tokenize_and_align

    label2id, _ = gmb_maps
    words = ["word"] * 118  # 120 tokens with [CLS] and [SEP]
    tags = ["O"] * 118
    win = tokenize_and_align([words], [tags], tok, label2id, max_length=32, stride=16)
    n = len(win["input_ids"])
    assert n == 8  # 30 text tokens, then 14 new per window: 30 + 7 x 14 >= 118
    assert ch03.check_windows(8, n, 120, 32, 16).startswith("Right: 8 windows")
    with pytest.raises(ExerciseError, match="ignores the overlap"):
        ch03.check_windows(4, n, 120, 32, 16)
    with pytest.raises(ExerciseError, match="not what your run made"):
        ch03.check_windows(9, n, 120, 32, 16)
    with pytest.raises(ExerciseError, match="an int"):
        ch03.check_windows("8", n, 120, 32, 16)


def test_open_exercises_refuse_the_default_run():
    """Exercises that ask for a rerun (01: bandit_steps 5000, 02: test_size 0.05, 03: stride 16)
    refuse an answer checked against the default run, whatever the answer."""
    from helpers.bandit import run_bandit

    default = {e: run_bandit(e, n_steps=1000, n_runs=2, seed=0) for e in (0.0, 0.1)}
    with pytest.raises(ExerciseError, match="default run .1000 steps.: rerun"):
        ch01.check_bandit(0.1, default, 100)
    train, test = _sentences("aabccd"), _sentences("ac")
    with pytest.raises(ExerciseError, match="default test_size 0.2: rerun"):
        ch02.check_leak(2, train, test, 0.2)
    with pytest.raises(ExerciseError, match="default stride 8: rerun"):
        ch03.check_windows(5, 5, 120, 32, 8)


def test_the_checkers_defaults_are_the_notebooks():
    from tests.notebook_cells import parameter_defaults

    assert ch01.DEFAULT_BANDIT_STEPS == parameter_defaults("01_concepts.ipynb")["bandit_steps"]
    assert ch02.DEFAULT_TEST_SIZE == parameter_defaults("02_label_encoding.ipynb")["test_size"]
    assert ch03.DEFAULT_STRIDE == parameter_defaults("03_subword_alignment.ipynb")["stride"]
