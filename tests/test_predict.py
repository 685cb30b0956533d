"""helpers.predict: raw text → words, tags, entities; same entities as the transformers pipeline."""

from __future__ import annotations

import pytest
from transformers import pipeline

from helpers.predict import predict, predict_word_tags, split_words

TEXTS = [
    "President Amara Diallo of Senegal met U.N. officials in Geneva on Tuesday.",
    "Shares of Toyota rose 3.5 percent in Tokyo after the Olympic Games, analysts said.",
    "",
    "Hurricane Katrina struck New Orleans in August 2005 , killing more than 1,800 people .",
]


def test_split_words_keeps_offsets(tok):
    words, offsets = split_words("Mr. Annan's visit, 2003.", tok)
    assert words == ["Mr", ".", "Annan", "'", "s", "visit", ",", "2003", "."]
    assert ["Mr. Annan's visit, 2003."[a:b] for a, b in offsets] == words


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_predict_shapes_and_offsets(full_run):
    out = predict(TEXTS, full_run.model, full_run.tokenizer, batch_size=2)
    assert [p.text for p in out] == TEXTS
    assert out[2].words == [] and out[2].tags == [] and out[2].entities == []
    for p in out:
        assert len(p.words) == len(p.tags) == len(p.offsets)
        assert all(t in full_run.model.config.label2id for t in p.tags)
        for e in p.entities:
            assert p.text[e.start : e.end] == e.text
            assert 0 < e.score <= 1


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_same_entities_as_pipeline_first(full_run):
    model, tok = full_run.model, full_run.tokenizer
    ours = predict(TEXTS, model, tok, batch_size=3)
    pipe = pipeline(
        "token-classification", model=model, tokenizer=tok, aggregation_strategy="first", device=-1
    )
    for text, p in zip(TEXTS, ours, strict=True):
        theirs = pipe(text) if text else []
        assert [(e.type, e.start, e.end) for e in p.entities] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
        assert [e.score for e in p.entities] == pytest.approx(
            [e["score"] for e in theirs], abs=1e-4
        )


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_batching_does_not_change_results(full_run):
    sents = [s.split() for s in TEXTS if s]
    one, _ = predict_word_tags(full_run.model, full_run.tokenizer, sents, batch_size=1)
    many, _ = predict_word_tags(full_run.model, full_run.tokenizer, sents, batch_size=8)
    assert one == many


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_long_text_is_windowed_not_truncated(full_run):
    text = " ".join(["Officials in Nairobi said the talks would resume on Monday ."] * 80)
    (p,) = predict(text, full_run.model, full_run.tokenizer, max_length=64, stride=16)
    assert len(p.words) == len(p.tags) == 80 * 11
    assert p.offsets[-1][1] == len(text)


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_predicts_what_it_learned(full_run, tiny_data):
    """The tiny model was trained on these sentences: it must do better than all-O on them."""
    train = tiny_data[0]
    tags, _ = predict_word_tags(full_run.model, full_run.tokenizer, [s.words for s in train])
    gold = [t for s in train for t in s.tags]
    pred = [t for s in tags for t in s]
    base = sum(t == "O" for t in gold) / len(gold)
    acc = sum(a == b for a, b in zip(gold, pred, strict=True)) / len(gold)
    assert acc > base


# Words the tokenizer drops (zero-width space, soft hyphen, BOM) stand alone between spaces.
TOKENLESS = [
    "President Amara \u200b Diallo of Senegal met officials in \u00ad Geneva on Tuesday .",
    "\ufeff Toyota shares rose in Tokyo \u200b",
]


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_words_without_tokens_get_a_tag_and_match_the_pipeline(full_run, tok):
    model = full_run.model
    out = predict(TOKENLESS, model, tok)
    pipe = pipeline(
        "token-classification", model=model, tokenizer=tok, aggregation_strategy="first", device=-1
    )
    for text, p in zip(TOKENLESS, out, strict=True):
        dropped = [j for j, w in enumerate(p.words) if not tok.tokenize(w)]
        assert len(dropped) >= 1 and len(p.tags) == len(p.words)
        theirs = pipe(text)
        assert [(e.type, e.start, e.end) for e in p.entities] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
        assert [e.score for e in p.entities] == pytest.approx([e["score"] for e in theirs], 1e-4)
    assert any(p.entities for p in out)  # the comparison is not between two empty lists
    # a dropped word continues the previous word's tag (B-x -> I-x), "O" at the start
    tags, scores = predict_word_tags(model, tok, [["\u200b", "Geneva", "\u00ad", "talks"]])
    first = tags[0][1]
    assert tags[0][0] == "O" and scores[0][0] == 0.0 and scores[0][2] == 0.0
    assert tags[0][2] == ("I-" + first[2:] if first != "O" else "O")
    # and the other words get the same tags as without the dropped ones
    plain, _ = predict_word_tags(model, tok, [["Geneva", "talks"]])
    assert [tags[0][1], tags[0][3]] == plain[0]
