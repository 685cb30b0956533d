"""Notebook 03 writes ``tokenize_and_align_labels`` in a cell; it must equal helpers.alignment.

The later chapters import ``helpers.alignment.tokenize_and_align``; notebook 03 teaches the same
labels with a function of its own. These tests take that function from the notebook's cell and
compare the two on the cases where alignment goes wrong: split names, a split ``B-`` word next
to an entity of the same type, punctuation cut out of a word, characters outside the vocabulary,
and a sentence longer than the model's limit. nbval checks the whole corpus inside the notebook.
"""

from __future__ import annotations

import pytest

from helpers.alignment import IGNORE, align_labels, tokenize_and_align, word_level
from helpers.data import load_embedded
from helpers.labels import encode
from tests.notebook_cells import notebook_namespace

NOTEBOOK = "03_subword_alignment.ipynb"
MARKER = "def tokenize_and_align_labels("


def notebook_function():
    """The notebook's ``tokenize_and_align_labels``, from the one code cell that defines it."""
    return notebook_namespace(NOTEBOOK, MARKER)["tokenize_and_align_labels"]


@pytest.fixture(scope="module")
def fn():
    return notebook_function()


HARD = [
    # a B- name in three pieces, then a name in four
    (["Ahmadinejad", "visited", "Mogadishu", "."], ["B-per", "O", "B-geo", "O"]),
    # split B- word right after an entity of the same type, and a split I- word
    (["Accra", "Kumasi", "Tamale"], ["B-geo", "B-geo", "I-geo"]),
    (["President", "Rafiqul", "Chowdhury", "spoke"], ["B-per", "I-per", "I-per", "O"]),
    # punctuation cut out of one word, a year in two pieces, entities at both ends
    (["Co-founder", "Asante-Mensah", "left", "in", "2022"], ["O", "B-per", "O", "O", "B-tim"]),
    # accents, a word the vocabulary lacks ([UNK]), Chinese characters (one token each)
    (["Zürich", "🙂", "北京", "Ōsaka"], ["B-geo", "O", "B-geo", "B-geo"]),
    (["Ahmadinejad"], ["B-per"]),
    (["ok"], ["O"]),
]


@pytest.mark.parametrize("strategy", ["first", "all"])
@pytest.mark.parametrize("words, tags", HARD)
def test_notebook_function_equals_helpers(fn, tok, gmb_maps, words, tags, strategy):
    label2id, _ = gmb_maps
    ours = fn({"words": [words], "tags": [tags]}, tok, label2id, strategy)
    theirs = tokenize_and_align([words], [tags], tok, label2id, strategy=strategy)
    for column in ("input_ids", "token_type_ids", "attention_mask", "labels"):
        assert ours[column] == theirs[column], column
    assert ours.word_ids(0) == theirs["word_ids"][0]


def test_hard_cases_really_split(tok):
    """The cases above hold what they claim: split words, and words of several pieces."""
    pieces = {w: len(tok.tokenize(w)) for ws, _ in HARD for w in ws}
    assert pieces["Ahmadinejad"] == 3 and pieces["Kumasi"] > 1 and pieces["Chowdhury"] > 1
    assert pieces["Co-founder"] == 3 and pieces["北京"] == 2
    assert tok.tokenize("🙂") == [tok.unk_token]


def test_continuation_b_becomes_i_under_all(fn, tok, gmb_maps):
    label2id, id2label = gmb_maps
    out = fn({"words": [["Ahmadinejad"]], "tags": [["B-per"]]}, tok, label2id, "all")
    assert [id2label.get(x, "-") for x in out["labels"][0]] == ["-", "B-per", "I-per", "I-per", "-"]
    first = fn({"words": [["Ahmadinejad"]], "tags": [["B-per"]]}, tok, label2id, "first")
    assert first["labels"][0] == [IGNORE, label2id["B-per"], IGNORE, IGNORE, IGNORE]


def test_naive_is_align_labels_without_b_to_i(fn, tok, gmb_maps):
    label2id, _ = gmb_maps
    words, tags = HARD[1]
    out = fn({"words": [words], "tags": [tags]}, tok, label2id, "naive")
    assert out["labels"][0] == align_labels(out.word_ids(0), encode(tags, label2id), "all")
    fixed = fn({"words": [words], "tags": [tags]}, tok, label2id, "all")
    assert out["labels"][0] != fixed["labels"][0]  # the comparison can tell them apart


def test_longer_than_the_model_equals_the_first_window(fn, tok, gmb_maps):
    """The notebook truncates at 512 tokens; the helpers' first window is exactly that."""
    label2id, _ = gmb_maps
    sents = load_embedded("train").sentences
    words, tags = [], []
    for s in sents:
        words, tags = words + s.words, tags + s.tags
        if len(tok(words, is_split_into_words=True)["input_ids"]) > 600:
            break
    for strategy in ("first", "all"):
        ours = fn({"words": [words], "tags": [tags]}, tok, label2id, strategy)
        theirs = tokenize_and_align([words], [tags], tok, label2id, strategy=strategy)
        assert len(theirs["input_ids"]) >= 2 and len(ours["input_ids"][0]) == 512
        assert ours["input_ids"][0] == theirs["input_ids"][0]
        assert ours["labels"][0] == theirs["labels"][0]


@pytest.mark.parametrize("strategy", ["first", "all"])
def test_whole_corpus_in_one_batch(fn, tok, gmb_maps, strategy):
    label2id, _ = gmb_maps
    sents = [*load_embedded("train").sentences, *load_embedded("test").sentences]
    words, tags = [s.words for s in sents], [s.tags for s in sents]
    ours = fn({"words": words, "tags": tags}, tok, label2id, strategy)
    theirs = tokenize_and_align(words, tags, tok, label2id, strategy=strategy)
    assert theirs["sample"] == list(range(len(sents)))
    assert ours["labels"] == theirs["labels"]
    assert ours["input_ids"] == theirs["input_ids"]


def test_bad_strategy_is_named(fn, tok, gmb_maps):
    with pytest.raises(ValueError, match="strategy='last'"):
        fn({"words": [["a"]], "tags": [["O"]]}, tok, gmb_maps[0], "last")


# ---- section 7 (windows) and section 8 (back to words), also written in cells of the notebook


@pytest.fixture(scope="module")
def cells():
    return notebook_namespace(NOTEBOOK, MARKER, "def tokenize_windows(", "def word_level_values(")


def _long_sentence(n_tokens: int) -> tuple[list[str], list[str]]:
    words, tags = [], []
    for s in load_embedded("train").sentences:
        words, tags = words + s.words, tags + s.tags
        if len(words) > n_tokens:
            return words, tags
    raise AssertionError("the train file is too short")


@pytest.mark.parametrize("strategy", ["first", "all"])
@pytest.mark.parametrize("max_length, stride", [(8, 2), (12, 5), (32, 8), (32, 16)])
def test_notebook_windows_equal_helpers(cells, tok, gmb_maps, strategy, max_length, stride):
    """Every hard case and a long sentence, cut into small windows, both ways."""
    label2id, _ = gmb_maps
    long = _long_sentence(120)
    words, tags = [w for w, _ in HARD] + [long[0]], [t for _, t in HARD] + [long[1]]
    ours = cells["tokenize_windows"](
        {"words": words, "tags": tags}, tok, label2id, max_length, stride, strategy
    )
    theirs = tokenize_and_align(
        words, tags, tok, label2id, strategy, max_length=max_length, stride=stride
    )
    assert ours["overflow_to_sample_mapping"] == theirs["sample"]
    assert len(theirs["sample"]) > len(words)  # the comparison covers several windows
    assert [ours.word_ids(k) for k in range(len(theirs["sample"]))] == theirs["word_ids"]
    for column in ("input_ids", "token_type_ids", "attention_mask", "labels"):
        assert ours[column] == theirs[column], column


def test_notebook_windows_at_the_model_limit(cells, tok, gmb_maps):
    label2id, _ = gmb_maps
    words, tags = _long_sentence(1200)
    ours = cells["tokenize_windows"]({"words": [words], "tags": [tags]}, tok, label2id, 512, 32)
    theirs = tokenize_and_align([words], [tags], tok, label2id)  # defaults: 512 tokens, stride 32
    assert len(theirs["input_ids"]) >= 3
    assert ours["input_ids"] == theirs["input_ids"] and ours["labels"] == theirs["labels"]


def _windows(word_ids_per_window: list[list[int | None]]) -> list[tuple[list, list]]:
    """Each token's value names its window and position, so a wrong pick is visible."""
    return [(w, [(k, pos) for pos in range(len(w))]) for k, w in enumerate(word_ids_per_window)]


WORD_LEVEL_CASES = [
    # one window, a word in three pieces
    [[None, 0, 1, 1, 1, 2, None]],
    # two overlapping windows: words 2-4 sit in both, at different margins
    [[None, 0, 1, 2, 3, 4, None], [None, 2, 3, 4, 5, 6, 7, None]],
    # a tie in margin keeps the first window; a word split across a window edge
    [[None, 0, 1, 2, None], [None, 1, 2, 3, None], [None, 3, 3, 4, None]],
]


@pytest.mark.parametrize("wids", WORD_LEVEL_CASES)
def test_notebook_word_level_equals_helpers(cells, wids):
    n_words = 1 + max(w for ws in wids for w in ws if w is not None)
    windows = _windows(wids)
    assert cells["word_level_values"](windows, n_words) == word_level(windows, n_words)


def test_notebook_word_level_on_real_windows(cells, tok, gmb_maps):
    label2id, _ = gmb_maps
    words, tags = _long_sentence(150)
    enc = tokenize_and_align([words], [tags], tok, label2id, "all", max_length=16, stride=6)
    windows = _windows(enc["word_ids"])
    assert cells["word_level_values"](windows, len(words)) == word_level(windows, len(words))


def test_notebook_word_level_names_a_word_without_token(cells):
    with pytest.raises(ValueError, match=r"words \[2\] have no token"):
        cells["word_level_values"](_windows([[None, 0, 1, None]]), 3)
