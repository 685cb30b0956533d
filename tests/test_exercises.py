"""The exercise checkers: right answers pass, each typical wrong answer gets its explanation.

Each notebook's tests live in their own section, in notebook order.
"""

from __future__ import annotations

import pytest

from helpers import exercises
from helpers.exercises import ExerciseError

# ---- notebooks/02_label_encoding.ipynb

# EXERCISE_02_TAGS = B-per I-per I-per I-per O O B-geo O B-tim O, counted by hand from the
# source's map (O=0, B-art=1, ..., B-geo=3, ..., B-per=7, B-tim=8, ..., I-per=15, I-tim=16).
EX02_RIGHT = [7, 15, 15, 15, 0, 0, 3, 0, 8, 0]


def test_check_02_accepts_the_right_ids():
    assert "Correct" in exercises.check_02_label_ids(EX02_RIGHT)
    assert "Correct" in exercises.check_02_label_ids(tuple(EX02_RIGHT))


def test_check_02_right_ids_agree_with_helpers_labels(gmb_maps):
    from helpers.labels import encode

    label2id, _ = gmb_maps
    assert encode(exercises.EXERCISE_02_TAGS, label2id) == EX02_RIGHT
    assert len(exercises.EXERCISE_02_WORDS) == len(exercises.EXERCISE_02_TAGS)


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
        (list(exercises.EXERCISE_02_TAGS), "not the tag"),
        ([7.0, 15, 15, 15, 0, 0, 3, 0, 8, 0], "plain int"),
        ("7 15 15 15 0 0 3 0 8 0", "got str"),
        (None, "got NoneType"),
        ([7, 15, 15, 16, 0, 0, 3, 0, 8, 0], "position 3 (tag 'I-per', you gave 16)"),
    ],
)
def test_check_02_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        exercises.check_02_label_ids(answer)
    assert explanation in str(err.value)


# ---- notebooks/03_subword_alignment.ipynb

# EXERCISE_03: [CLS] ahmad ##ine ##jad visited mo ##ga ##dis ##hu on tuesday . [SEP]
# tags B-per O B-geo O B-tim O; strategy "first": B-per=7, B-geo=3, B-tim=8, O=0.
EX03_RIGHT = [-100, 7, -100, -100, 0, 3, -100, -100, -100, 0, 8, 0, -100]


def test_check_03_accepts_the_right_labels():
    msg = exercises.check_03_first_labels(EX03_RIGHT)
    assert "Correct" in msg and "6 labelled" in msg and "7 set to -100" in msg
    assert "Correct" in exercises.check_03_first_labels(tuple(EX03_RIGHT))


def test_check_03_constants_match_the_real_tokenizer(tok, gmb_maps):
    from helpers.alignment import tokenize_and_align

    label2id, _ = gmb_maps
    enc = tokenize_and_align(
        [exercises.EXERCISE_03_WORDS], [exercises.EXERCISE_03_TAGS], tok, label2id, "first"
    )
    assert tok.convert_ids_to_tokens(enc["input_ids"][0]) == exercises.EXERCISE_03_TOKENS
    assert enc["word_ids"][0] == exercises.EXERCISE_03_WORD_IDS
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
        (None, "got NoneType"),
    ],
)
def test_check_03_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        exercises.check_03_first_labels(answer)
    assert explanation in str(err.value)


# ---- notebooks/01_concepts.ipynb

# A sentence pair's second sentence has token_type_id 1; MiniLM's position table has 512 rows.
EX01_RIGHT = (1, 512)


def test_check_01_accepts_the_right_pair():
    msg = exercises.check_01_inputs(EX01_RIGHT)
    assert "Correct" in msg and "512" in msg
    assert "Correct" in exercises.check_01_inputs(list(EX01_RIGHT))


def test_check_01_sizes_match_the_real_model(tok):
    from transformers import AutoConfig

    from helpers.models import resolve_model

    config = AutoConfig.from_pretrained(resolve_model())
    for name, value in exercises._MINILM_SIZES.items():
        assert getattr(config, name) == value, name
    assert "Correct" in exercises.check_01_inputs(EX01_RIGHT, config)
    pair = tok("A first sentence.", "A second one.")
    assert max(pair["token_type_ids"]) == EX01_RIGHT[0]


def test_check_01_follows_the_config():
    class Big:
        max_position_embeddings = 1024

    assert "1024 rows" in exercises.check_01_inputs((1, 1024), Big())
    with pytest.raises(ExerciseError, match="1023"):
        exercises.check_01_inputs((1, 1023), Big())


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
        (None, "a pair of integers"),
    ],
)
def test_check_01_explains_wrong_answers(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        exercises.check_01_inputs(answer)
    assert explanation in str(err.value)
