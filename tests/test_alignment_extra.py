"""The small readers appended to helpers.alignment for notebook 03."""

from __future__ import annotations

import pytest

from helpers.alignment import (
    IGNORE,
    n_tokens,
    pieces_per_word,
    split_entity_words,
    tag_or_dash,
    tokenize_and_align,
    word_level,
)


def test_pieces_per_word_counts_tokens_per_word():
    assert pieces_per_word([None, 0, 0, 0, 1, 2, 2, None]) == [3, 1, 2]
    assert pieces_per_word([None, None]) == []
    # a window that starts inside the sentence: the words before it count 0
    assert pieces_per_word([None, 2, 3, 3, None]) == [0, 0, 1, 2]
    with pytest.raises(ValueError, match="negative"):
        pieces_per_word([None, -1])


def test_pieces_per_word_agrees_with_the_tokenizer(tok):
    words = ["Ahmadinejad", "visited", "Mogadishu", "."]
    enc = tok(words, is_split_into_words=True)
    assert pieces_per_word(enc.word_ids()) == [len(tok.tokenize(w)) for w in words] == [3, 1, 4, 1]


def test_n_tokens_counts_special_tokens_and_never_truncates(tok):
    assert n_tokens(["Accra", "."], tok) == 5  # [CLS] acc ##ra . [SEP]
    assert n_tokens(["word"] * 600, tok) == 602  # past the 512 limit: nothing cut


def test_split_entity_words(tok):
    words = ["Ahmadinejad", "met", "John", "Annan", "in", "Mogadishu", "on", "Tuesday"]
    tags = ["B-per", "O", "B-per", "I-per", "O", "B-geo", "O", "B-tim"]
    # split: Ahmadinejad (B), Annan (I: anna ##n), Mogadishu (B); John, Tuesday stay whole
    assert [len(tok.tokenize(w)) > 1 for w in words] == [
        True, False, False, True, False, True, False, False
    ]  # fmt: skip
    assert split_entity_words(words, tags, tok) == (2, 3)
    assert split_entity_words(["Mogadishu", "x"], ["I-geo", "O"], tok) == (0, 1)
    with pytest.raises(ValueError, match="2 words but 1 tags"):
        split_entity_words(["a", "b"], ["O"], tok)


def test_tag_or_dash():
    id2label = {0: "O", 1: "B-per"}
    assert [tag_or_dash(x, id2label) for x in (IGNORE, 0, 1)] == ["-", "O", "B-per"]
    with pytest.raises(KeyError, match="label id 7"):
        tag_or_dash(7, id2label)


def test_window_margins_and_word_level_agree():
    from helpers.alignment import window_margins, word_level

    # two windows of 6 positions sharing words 2 and 3 ([CLS] w.. [SEP])
    windows = [[None, 0, 1, 2, 3, None], [None, 2, 3, 4, 5, None]]
    assert window_margins(0, windows) == {0: 1}
    assert window_margins(2, windows) == {0: 2, 1: 1}
    assert window_margins(3, windows) == {0: 1, 1: 2}
    assert window_margins(9, windows) == {}
    source = word_level([(w, [k] * len(w)) for k, w in enumerate(windows)], 6)
    for word in (2, 3):
        margins = window_margins(word, windows)
        assert margins[source[word]] == max(margins.values())


@pytest.mark.parametrize(
    "tags, origins, message",
    [
        # an extra tag used to be dropped and shift nothing here, but every later label of a
        # longer sentence by one; too few tags and an unknown tag were bare IndexError/KeyError
        ([["B-geo", "O", "O"]], None, r"^sentence 0: 3 tags for 2 words: expected one per word"),
        ([["B-geo"]], ["line 7"], r"^line 7: 1 tags for 2 words"),
        ([["B-org", "O"]], None, r"^sentence 0: tag 'B-org' is not in label2id"),
        ([["B-geo", "O"], ["O"]], None, r"^tags holds 2 sentences and words 1: expected one"),
    ],
)
def test_tags_that_do_not_fit_the_words_are_refused_by_sentence(tok, tags, origins, message):
    label2id = {"O": 0, "B-geo": 1, "I-geo": 2}
    with pytest.raises(ValueError, match=message):
        tokenize_and_align([["Oslo", "rains"]], tags, tok, label2id, origins=origins)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        # 0 used to mean the model's limit
        ({"max_length": 0}, "max_length=0: expected None or an integer >= 3"),
        ({"max_length": 2.5}, "max_length=2.5: expected None or an integer >= 3"),
        ({"stride": -1}, "stride=-1: expected an integer >= 0"),  # failed in the tokenizer
        ({"stride": True}, "stride=True: expected an integer >= 0"),
    ],
)
def test_window_settings_are_refused_by_name(tok, kwargs, message):
    with pytest.raises(ValueError) as err:
        tokenize_and_align([["Oslo", "rains"]], None, tok, **kwargs)
    assert str(err.value) == message


def test_word_level_refuses_word_ids_beyond_n_words():
    """Word 2 used to be dropped without a word when n_words said 2."""
    with pytest.raises(ValueError, match=r"^word ids \[2\] are beyond n_words=2"):
        word_level([([None, 0, 1, 2, None], list("abcde"))], 2)
