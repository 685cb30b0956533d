"""Notebook 03 writes ``tokenize_and_align_labels`` in a cell; it must equal helpers.alignment.

The later chapters import ``helpers.alignment.tokenize_and_align``; notebook 03 teaches the same
labels with a function of its own. These tests take that function from the notebook's cell and
compare the two on the cases where alignment goes wrong: split names, a split ``B-`` word next
to an entity of the same type, punctuation cut out of a word, characters outside the vocabulary,
and a sentence longer than the model's limit. nbval checks the whole corpus inside the notebook.
"""

from __future__ import annotations

import json

import pytest

from helpers.alignment import IGNORE, align_labels, tokenize_and_align
from helpers.data import load_embedded
from helpers.labels import encode
from helpers.paths import REPO_ROOT

NOTEBOOK = REPO_ROOT / "notebooks" / "03_subword_alignment.ipynb"
MARKER = "def tokenize_and_align_labels("


def notebook_function():
    """The notebook's ``tokenize_and_align_labels``, from the one code cell that defines it."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [s for s in sources if MARKER in s]
    assert len(found) == 1, f"{NOTEBOOK.name}: expected one code cell with {MARKER!r}"
    namespace: dict = {}
    exec(compile(found[0], f"{NOTEBOOK.name}:{MARKER}", "exec"), namespace)  # repo code, not data
    return namespace["tokenize_and_align_labels"]


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
