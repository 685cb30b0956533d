"""helpers.alignment with the real packaged tokenizer (bert-base-uncased WordPiece vocabulary)."""

from __future__ import annotations

import pytest

from helpers.alignment import (
    IGNORE,
    STRATEGIES,
    align_labels,
    b_to_i_map,
    continued_words,
    tokenize_and_align,
    word_level,
)
from helpers.labels import decode, encode, entity_spans, label_maps, labels_for_types

# A hand sentence whose entity words split into several WordPieces.
WORDS = ["President", "Mahmoud", "Ahmadinejad", "visited", "Mogadishu", "on", "Tuesday", "."]
TAGS = ["B-per", "I-per", "I-per", "O", "B-geo", "O", "B-tim", "O"]
WORDS2 = ["Ahmadinejad", "met", "Bhutto", "."]
TAGS2 = ["B-per", "O", "B-per", "O"]


def test_wordpiece_splits(tok):
    # "walking" is a whole word in this vocabulary: no split
    assert tok.tokenize("walking") == ["walking"]
    assert tok.tokenize("tokenization") == ["token", "##ization"]
    assert tok.tokenize("Ahmadinejad") == ["ahmad", "##ine", "##jad"]
    assert tok.tokenize("Mogadishu") == ["mo", "##ga", "##dis", "##hu"]
    assert tok.is_fast  # word_ids() needs a fast tokenizer


def test_b_to_i_map(gmb_maps):
    label2id, _ = gmb_maps
    assert b_to_i_map(label2id) == {1: 9, 2: 10, 3: 11, 4: 12, 5: 13, 6: 14, 7: 15, 8: 16}
    assert b_to_i_map({"O": 0, "B-x": 1}) == {}  # no I-x: nothing to map


# word_ids for "[CLS] ahmad ##ine ##jad visited mo ##ga [SEP]", labels B-per O B-geo
HAND_WIDS = [None, 0, 0, 0, 1, 2, 2, None]
HAND_LABELS = [7, 0, 3]  # B-per, O, B-geo in the GMB map


def test_align_labels_first():
    assert align_labels(HAND_WIDS, HAND_LABELS, "first") == [
        IGNORE, 7, IGNORE, IGNORE, 0, 3, IGNORE, IGNORE
    ]  # fmt: skip


def test_ignore_positions_do_not_count_in_the_loss():
    """IGNORE is what PyTorch's cross-entropy (and so the Trainer's loss) skips."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    logits = torch.randn(len(HAND_WIDS), 17)
    labels = torch.tensor(align_labels(HAND_WIDS, HAND_LABELS, "first"))
    kept = labels != IGNORE
    assert kept.sum() == 3
    assert F.cross_entropy(logits, labels) == F.cross_entropy(logits[kept], labels[kept])


def test_align_labels_all_continuation_becomes_i(gmb_maps):
    b2i = b_to_i_map(gmb_maps[0])
    assert align_labels(HAND_WIDS, HAND_LABELS, "all", b2i) == [
        IGNORE, 7, 15, 15, 0, 3, 11, IGNORE
    ]  # fmt: skip


def test_align_labels_all_without_map_copies_label():
    assert align_labels(HAND_WIDS, HAND_LABELS, "all") == [IGNORE, 7, 7, 7, 0, 3, 3, IGNORE]


def test_align_labels_all_keeps_i_label(gmb_maps):
    b2i = b_to_i_map(gmb_maps[0])
    # I-per (15) word split in two, then O split in two: stays 15, 15, 0, 0
    assert align_labels([None, 0, 0, 1, 1, None], [15, 0], "all", b2i) == [
        IGNORE, 15, 15, 0, 0, IGNORE
    ]  # fmt: skip


def test_align_labels_bad_strategy():
    with pytest.raises(ValueError, match="strategy='last'"):
        align_labels(HAND_WIDS, HAND_LABELS, "last")


def test_a_sentence_given_as_a_string_is_refused(tok, gmb_maps):
    """A string used to be read as a sentence of one-letter words (one tag per character)."""
    label2id, _ = gmb_maps
    expected = r"words: sentence 0 is the string 'John'; expected a list per sentence \(one"
    with pytest.raises(TypeError, match=expected):
        tokenize_and_align(["John", "lives"], None, tok)
    with pytest.raises(TypeError, match="tags: sentence 0 is the string 'B-per'"):
        tokenize_and_align([["John"]], ["B-per"], tok, label2id)


def test_tokenize_and_align_first_exact(tok, gmb_maps):
    label2id, _ = gmb_maps
    enc = tokenize_and_align([WORDS], [TAGS], tok, label2id, strategy="first")
    assert enc["sample"] == [0]
    toks = tok.convert_ids_to_tokens(enc["input_ids"][0])
    assert toks == [
        "[CLS]", "president", "mahmoud", "ahmad", "##ine", "##jad", "visited",
        "mo", "##ga", "##dis", "##hu", "on", "tuesday", ".", "[SEP]",
    ]  # fmt: skip
    assert enc["word_ids"][0] == [None, 0, 1, 2, 2, 2, 3, 4, 4, 4, 4, 5, 6, 7, None]
    assert enc["labels"][0] == [
        IGNORE, 7, 15, 15, IGNORE, IGNORE, 0, 3, IGNORE, IGNORE, IGNORE, 0, 8, 0, IGNORE
    ]  # fmt: skip


def test_tokenize_and_align_all_exact(tok, gmb_maps):
    label2id, _ = gmb_maps
    enc = tokenize_and_align([WORDS], [TAGS], tok, label2id, strategy="all")
    assert enc["labels"][0] == [IGNORE, 7, 15, 15, 15, 15, 0, 3, 11, 11, 11, 0, 8, 0, IGNORE]


def _sentences():
    from helpers.data import load_embedded

    corpus = load_embedded("train")
    # the first 60 sentences plus the hand ones: real text, names that split into subwords
    sents = [(s.words, s.tags) for s in corpus.sentences[:60]]
    return [(WORDS, TAGS), (WORDS2, TAGS2), *sents]


@pytest.fixture(scope="module")
def sentences():
    return _sentences()


def test_special_tokens_get_ignore(tok, gmb_maps, sentences):
    label2id, _ = gmb_maps
    words = [w for w, _ in sentences]
    tags = [t for _, t in sentences]
    for strategy in ("first", "all"):
        enc = tokenize_and_align(words, tags, tok, label2id, strategy=strategy)
        assert enc["sample"] == list(range(len(sentences)))  # no sentence needs windows
        for ids, wids, labs in zip(enc["input_ids"], enc["word_ids"], enc["labels"], strict=True):
            assert len(ids) == len(wids) == len(labs)
            assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
            for w, lab in zip(wids, labs, strict=True):
                if w is None:
                    assert lab == IGNORE


def test_first_labels_one_token_per_word_and_round_trips(tok, gmb_maps, sentences):
    label2id, _ = gmb_maps
    words = [w for w, _ in sentences]
    tags = [t for _, t in sentences]
    enc = tokenize_and_align(words, tags, tok, label2id, strategy="first")
    n_split = 0
    for s, (wids, labs) in enumerate(zip(enc["word_ids"], enc["labels"], strict=True)):
        assert sum(lab != IGNORE for lab in labs) == len(words[s])
        n_split += len(wids) - 2 - len(words[s])
        # first-subword "predictions" (here: the labels) back to one per word
        assert word_level([(wids, labs)], len(words[s])) == encode(tags[s], label2id)
    assert n_split > 0  # the sentences do exercise subword splits


def test_all_labels_every_subword_without_inflating_entities(tok, gmb_maps, sentences):
    label2id, id2label = gmb_maps
    words = [w for w, _ in sentences]
    tags = [t for _, t in sentences]
    enc = tokenize_and_align(words, tags, tok, label2id, strategy="all")
    n_entities = 0
    for s, (wids, labs) in enumerate(zip(enc["word_ids"], enc["labels"], strict=True)):
        assert all((lab != IGNORE) == (w is not None) for w, lab in zip(wids, labs, strict=True))
        sub_tags = decode([lab for lab in labs if lab != IGNORE], id2label)
        word_spans = entity_spans(tags[s])
        sub_spans = entity_spans(sub_tags)
        assert len(sub_spans) == len(word_spans)
        assert [k for k, _, _ in sub_spans] == [k for k, _, _ in word_spans]
        # each subword span maps back to exactly its word span
        inner = [w for w in wids if w is not None]
        back = [(k, inner[a], inner[b - 1] + 1) for k, a, b in sub_spans]
        assert back == word_spans
        n_entities += len(word_spans)
    assert n_entities > 50


def test_all_without_b_to_i_would_inflate(tok, gmb_maps):
    """Why the B→I map exists: copying B-per to "##ine", "##jad" makes three entities of one."""
    label2id, id2label = gmb_maps
    enc = tok([WORDS2], is_split_into_words=True)
    wids = enc.word_ids(0)
    labs = align_labels(wids, encode(TAGS2, label2id), "all")  # no b_to_i
    sub_tags = decode([lab for lab in labs if lab != IGNORE], id2label)
    assert len(entity_spans(TAGS2)) == 2
    # ahmad ##ine ##jad met b ##hu ##tto . -> 3 + 3 B-per spans
    assert len(entity_spans(sub_tags)) == 6


@pytest.mark.parametrize("casing", [False, True])
def test_an_empty_batch_gives_no_window(tok, gmb_maps, casing):
    """The tokenizer reads an empty batch as one empty sentence ([CLS] [SEP]); tokenize_and_align
    keeps no window for it (with casing, it used to fail with an IndexError)."""
    label2id, _ = gmb_maps
    raw = tok([], is_split_into_words=True, truncation=True, return_overflowing_tokens=True)
    assert len(raw["input_ids"]) == 1  # the trap
    enc = tokenize_and_align([], [], tok, label2id, casing=casing)
    assert enc["input_ids"] == enc["sample"] == enc["word_ids"] == enc["labels"] == []
    assert enc.get("casing_ids", []) == []
    one = tokenize_and_align([["Paris"]], [["B-geo"]], tok, label2id, casing=casing)
    assert len(one["input_ids"]) == 1 and one["labels"][0][1] == label2id["B-geo"]


def _long_sentence(n: int = 400):
    from helpers.data import load_embedded

    words, tags = [], []
    for s in load_embedded("train"):
        words += s.words
        tags += s.tags
        if len(words) >= n:
            break
    return words[:n], tags[:n]


@pytest.mark.parametrize("strategy", ["first", "all"])
def test_long_sentence_windows(tok, gmb_maps, strategy):
    label2id, _ = gmb_maps
    words, tags = _long_sentence(400)
    assert len(words) == 400
    enc = tokenize_and_align([words], [tags], tok, label2id, strategy, max_length=64, stride=12)
    n_win = len(enc["sample"])
    assert n_win > 1
    assert enc["sample"] == [0] * n_win
    n_tokens = len(tok([words], is_split_into_words=True)["input_ids"][0]) - 2
    # each window holds at most 62 content tokens, 12 of them shared with the previous one
    assert n_win >= -(-(n_tokens - 12) // (62 - 12))
    labelled = set()
    for ids, wids, labs in zip(enc["input_ids"], enc["word_ids"], enc["labels"], strict=True):
        assert len(ids) <= 64
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
        labelled |= {
            w for w, lab in zip(wids, labs, strict=True) if w is not None and lab != IGNORE
        }
    assert labelled == set(range(400))
    # consecutive windows overlap
    for a, b in zip(enc["word_ids"], enc["word_ids"][1:], strict=False):
        assert {w for w in a if w is not None} & {w for w in b if w is not None}
    windows = list(zip(enc["word_ids"], enc["labels"], strict=True))
    assert word_level(windows, 400) == encode(tags, label2id)
    # some window starts in the middle of a word (a "##" piece right after [CLS]) ...
    tokens = [tok.convert_ids_to_tokens(ids) for ids in enc["input_ids"]]
    assert any(t[1].startswith("##") for t in tokens)
    # ... yet every word is read from a real first subword, never from such a continuation
    picked = word_level(list(zip(enc["word_ids"], tokens, strict=True)), 400)
    assert not any(p.startswith("##") for p in picked)
    assert picked[:5] == [tok.tokenize(w)[0] for w in words[:5]]


def test_word_level_prefers_window_centre():
    # word 1 sits at the edge of window A (margin 1) and the middle of window B (margin 2)
    a = ([None, 0, 1, None], [None, "a0", "a1", None])
    b = ([None, 0, 1, 2, None], [None, "b0", "b1", "b2", None])
    assert word_level([a, b], 3) == ["a0", "b1", "b2"]
    # first subword only: continuation values are never used
    assert word_level([([None, 0, 0, 1, None], [None, "x", "y", "z", None])], 2) == ["x", "z"]


def test_word_level_missing_word_raises():
    with pytest.raises(ValueError, match=r"words \[2\]"):
        word_level([([None, 0, 1, None], [None, 1, 2, None])], 3)


def test_word_without_token_raises(tok, gmb_maps):
    label2id, _ = gmb_maps
    words = [["Hello", "\u200b", "world"]]
    with pytest.raises(ValueError, match=r"sentence 0: 1 of 3 words produced no token"):
        tokenize_and_align(words, [["O", "O", "O"]], tok, label2id)
    with pytest.raises(ValueError, match=r"1 of 3 words"):
        tokenize_and_align(words, None, tok)
    # the caller can say where each sentence comes from
    with pytest.raises(ValueError, match=r"^news.csv, line 7: 1 of 3 words .*'\\u200b'.*remove"):
        tokenize_and_align(words, None, tok, origins=["news.csv, line 7"])


def test_word_without_token_kept_for_inference(tok):
    words = [["Hello", "\u200b", "world", "\u00ad"]]
    enc = tokenize_and_align(words, None, tok, tokenless="keep")
    assert enc["word_ids"] == [[None, 0, 2, None]]
    assert word_level([(enc["word_ids"][0], enc["input_ids"][0])], 4, allow_missing=True) == [
        tok.convert_tokens_to_ids("hello"), None, tok.convert_tokens_to_ids("world"), None
    ]  # fmt: skip
    with pytest.raises(ValueError, match="tokenless='drop'"):
        tokenize_and_align(words, None, tok, tokenless="drop")


@pytest.mark.parametrize("stride", [62, 63, 100])
def test_stride_too_large_raises(tok, stride):
    with pytest.raises(ValueError, match=rf"stride={stride}: must be smaller than max_length-2=62"):
        tokenize_and_align([["a"]], None, tok, max_length=64, stride=stride)


def test_tags_need_label2id(tok):
    with pytest.raises(ValueError, match="label2id"):
        tokenize_and_align([["Hello"]], [["O"]], tok)


def test_no_tags_gives_no_labels(tok):
    enc = tokenize_and_align([["Hello", "world"]], None, tok)
    assert "labels" not in enc
    assert enc["word_ids"] == [[None, 0, 1, None]]


def test_features_dataset(tok, gmb_maps):
    from datasets import Dataset

    from helpers.alignment import features_dataset

    label2id, _ = gmb_maps
    long_words, long_tags = _long_sentence(400)
    ds = Dataset.from_dict({"words": [WORDS, long_words], "tags": [TAGS, long_tags]})
    feats = features_dataset(ds, tok, label2id, max_length=64, stride=16)
    assert "word_ids" not in feats.column_names
    assert {"input_ids", "attention_mask", "labels", "sample"} <= set(feats.column_names)
    samples = feats["sample"]
    assert samples[0] == 0 and samples.count(0) == 1 and samples.count(1) > 1
    assert len(feats) == len(samples)


@pytest.mark.parametrize("bars", [True, False])
def test_features_dataset_restores_the_progress_bar_setting(tok, gmb_maps, bars):
    import datasets
    from datasets import Dataset

    from helpers.alignment import features_dataset

    before = datasets.is_progress_bar_enabled()
    try:
        (datasets.enable_progress_bar if bars else datasets.disable_progress_bar)()
        features_dataset(Dataset.from_dict({"words": [WORDS], "tags": [TAGS]}), tok, gmb_maps[0])
        assert datasets.is_progress_bar_enabled() is bars
    finally:
        (datasets.enable_progress_bar if before else datasets.disable_progress_bar)()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_window_starting_inside_a_word_labels_its_first_token_as_a_later_piece(tok, strategy):
    """Windows of a long sentence of split names: a window may start at "##ine" of "Ahmadinejad";
    that token is a later piece (IGNORE under "first", I-per under "all"), as in the first
    window, never a second B-per. The expectation is read off the tokens: a piece is a later
    piece exactly when it starts with "##" (every word here is plain ASCII)."""
    words = [["Ahmadinejad", "met", "Nwosu", "in", "Mogadishu"] * 6]
    tags = [["B-per", "O", "B-per", "O", "B-geo"] * 6]
    label2id, _ = label_maps(labels_for_types(["per", "geo"]))
    out = tokenize_and_align(words, tags, tok, label2id, strategy, max_length=16, stride=4)
    starts = [tok.convert_ids_to_tokens(ids[1]) for ids in out["input_ids"]]
    assert sum(s.startswith("##") for s in starts) >= 2  # windows that start inside a word
    assert [s.startswith("##") for s in starts] == [
        w is not None for w in continued_words(out["sample"], out["word_ids"], 4)
    ]
    for ids, wids, labels in zip(out["input_ids"], out["word_ids"], out["labels"], strict=True):
        for piece, wid, label in zip(tok.convert_ids_to_tokens(ids), wids, labels, strict=True):
            if wid is None:
                assert label == IGNORE
            elif not piece.startswith("##"):
                assert label == label2id[tags[0][wid]]
            elif strategy == "first":
                assert label == IGNORE
            else:
                assert label == label2id[tags[0][wid].replace("B-", "I-")]
