"""helpers.predict: raw text → words, tags, entities; same entities as the transformers pipeline."""

from __future__ import annotations

import pytest
from transformers import pipeline

from helpers.casing import CasingTokenClassificationPipeline
from helpers.data import load_embedded
from helpers.models import load_tokenizer
from helpers.predict import (
    _predict_words,
    length_batches,
    low_precision_moves,
    predict,
    predict_word_tags,
    split_words,
)
from tests.conftest import linear_layers

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
    assert any(p.entities for p in out)  # the entity checks below run on something
    for p in out:
        assert len(p.words) == len(p.tags) == len(p.offsets)
        assert all(t in full_run.model.config.label2id for t in p.tags)
        for e in p.entities:
            assert p.text[e.start : e.end] == e.text
            assert 0 < e.score <= 1


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
@pytest.mark.parametrize("precision, score_tolerance", [("fp32", 1e-4), ("bf16", 0.05)])
def test_same_entities_as_pipeline_first(full_run, precision, score_tolerance):
    """The same entities as the (fp32) pipeline; bf16 labels are fp32's thanks to the near-tie
    re-run, its scores differ by a few 0.01 at most."""
    model, tok = full_run.model, full_run.tokenizer
    ours = predict(TEXTS, model, tok, batch_size=3, precision=precision)
    pipe = pipeline(
        "token-classification",
        model=model,
        tokenizer=tok,
        aggregation_strategy="first",
        device=-1,
        pipeline_class=CasingTokenClassificationPipeline,  # the library's, + casing ids if any
    )
    for text, p in zip(TEXTS, ours, strict=True):
        theirs = pipe(text) if text else []
        assert [(e.type, e.start, e.end) for e in p.entities] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
        assert [e.score for e in p.entities] == pytest.approx(
            [e["score"] for e in theirs], abs=score_tolerance
        )
    assert any(p.entities for p in ours)


@pytest.mark.slow  # trains the tiny model once more, without the casing feature
def test_same_entities_as_the_librarys_own_pipeline_without_casing(
    tiny_model_dir, tiny_data, tmp_path
):
    """full_run's model has the casing feature (casing "auto" on an uncased BERT), so the test
    above goes through the course's pipeline class; a model without it (a cased model, or
    casing "off") must match transformers' own pipeline, unmodified."""
    from helpers.models import uses_casing
    from helpers.train import train_ner
    from tests.conftest import KW

    train, ev, labels = tiny_data
    run = train_ner(
        train, ev, labels, **{**KW, "save_checkpoints": False, "casing": "off"},
        model_name=tiny_model_dir, output_dir=str(tmp_path),
    )  # fmt: skip
    model, tok = run.model, run.tokenizer
    assert not uses_casing(model)
    ours = predict(TEXTS, model, tok, batch_size=3, precision="fp32")
    pipe = pipeline(
        "token-classification", model=model, tokenizer=tok, aggregation_strategy="first",
        device=-1,
    )  # fmt: skip
    for text, p in zip(TEXTS, ours, strict=True):
        theirs = pipe(text) if text else []
        assert [(e.type, e.start, e.end) for e in p.entities] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
        assert [e.score for e in p.entities] == pytest.approx(
            [e["score"] for e in theirs], abs=1e-4
        )
    assert any(p.entities for p in ours)


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


def test_split_words_reads_the_normalised_text(tok):
    """Characters the normaliser deletes belong to no word (and join what they separated), CJK
    characters are words of their own, a combining accent stays in its word."""
    cases = {
        "\u200bGeneva talks": (["Geneva", "talks"], [(1, 7), (8, 13)]),
        "Nairobi\u200b .": (["Nairobi", "."], [(0, 7), (9, 10)]),
        "a \u200b b \ufeff c": (["a", "b", "c"], [(0, 1), (4, 5), (8, 9)]),
        "Kenya\x0ctoo": (["Kenya\x0ctoo"], [(0, 9)]),
        "Gen\u00adeva": (["Gen\u00adeva"], [(0, 7)]),
        "北京 talks": (["北", "京", "talks"], [(0, 1), (1, 2), (3, 8)]),
        "Mr Jose\u0301 Ramos": (["Mr", "Jose\u0301", "Ramos"], [(0, 2), (3, 8), (9, 14)]),
        " \t\u200b ": ([], []),
    }
    for text, expected in cases.items():
        assert split_words(text, tok) == expected, text
        # each word gives tokens, and the same ones as the whole text does
        words = split_words(text, tok)[0]
        assert all(tok.tokenize(w) for w in words), text
        assert [t for w in words for t in tok.tokenize(w)] == tok.tokenize(text), text


# Characters the normaliser deletes (zero-width space, soft hyphen, BOM, form feed), alone
# between spaces, at a word's edge and inside a word; and words in a CJK script.
UNUSUAL = [
    "President Amara \u200b Diallo of Senegal met officials in \u00ad Geneva on Tuesday .",
    "\ufeff Toyota shares rose in Tokyo \u200b",
    "\u200bPresident Diallo met Kenya\x0cofficials in Nairobi\u200b on Tuesday .",
    "Premier Li Qiang of China visited 北京 and Tokyo on Monday .",
]


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_unusual_characters_give_the_pipelines_entities(full_run, tok):
    model = full_run.model
    out = predict(UNUSUAL, model, tok, precision="fp32")
    pipe = pipeline(
        "token-classification",
        model=model,
        tokenizer=tok,
        aggregation_strategy="first",
        device=-1,
        pipeline_class=CasingTokenClassificationPipeline,  # the library's, + casing ids if any
    )
    for text, p in zip(UNUSUAL, out, strict=True):
        assert p.words == split_words(text, tok)[0] and len(p.tags) == len(p.words)
        theirs = pipe(text)
        assert [(e.type, e.start, e.end) for e in p.entities] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
        assert [e.score for e in p.entities] == pytest.approx([e["score"] for e in theirs], 1e-4)
    assert any(p.entities for p in out)  # the comparison is not between two empty lists
    # pre-split words (predict_word_tags) may still hold a word that gives no token: such a word
    # continues the previous word's tag (B-x -> I-x), "O" at the start
    tags, scores = predict_word_tags(model, tok, [["\u200b", "Geneva", "\u00ad", "talks"]])
    first = tags[0][1]
    assert tags[0][0] == "O" and scores[0][0] == 0.0 and scores[0][2] == 0.0
    assert tags[0][2] == ("I-" + first[2:] if first != "O" else "O")
    # and the other words get the same tags as without the dropped ones
    plain, _ = predict_word_tags(model, tok, [["Geneva", "talks"]])
    assert [tags[0][1], tags[0][3]] == plain[0]


def test_length_batches_cover_every_window_once_and_bound_padding():
    lengths = [30, 7, 7, 12, 45, 8, 30, 31, 7, 200, 12, 13]
    for size, cost in [(1, 16), (3, 0), (4, 16), (64, 16), (64, 10**9)]:
        batches = length_batches(lengths, size, call_cost=cost)
        assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
        assert all(1 <= len(b) <= size for b in batches)
        flat = [lengths[i] for b in batches for i in b]
        assert flat == sorted(lengths)  # shortest first, so each batch's last is its longest
        for b in batches:  # each window added cost at most `cost` extra padded tokens
            for k in range(1, len(b)):
                assert (lengths[b[k]] - lengths[b[k - 1]]) * k <= cost
    assert [len(b) for b in length_batches(lengths, 64, call_cost=0)] == [3, 1, 2, 1, 2, 1, 1, 1]
    # unbounded call cost: plain fixed-size batches of the sorted windows
    assert [len(b) for b in length_batches(lengths, 5, call_cost=10**9)] == [5, 5, 2]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"precision": "fp8"}, "precision"),
        ({"precision": "BF16"}, "precision"),
        ({"recheck_margin": 1.5}, "recheck_margin"),
        ({"recheck_margin": -0.1}, "recheck_margin"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_settings_are_refused_by_name(tok, kwargs, name):
    with pytest.raises(ValueError, match=name):
        predict("Officials met in Geneva .", None, tok, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # these used to pass (True as 1 or 1.0: every window rerun; max_length 0 as the
        # model's limit) or fail elsewhere: "4" in a comparison, stride -1 in the tokenizer,
        # max_length 1000 inside the model, max_length 10 naming stride
        ({"batch_size": True}, "batch_size=True: expected an integer >= 1"),
        ({"batch_size": "4"}, "batch_size='4': expected an integer >= 1"),
        ({"recheck_margin": True}, "recheck_margin=True: expected a probability in [0, 1]"),
        ({"stride": -1}, "stride=-1: expected an integer >= 0"),
        ({"stride": True}, "stride=True: expected an integer >= 0"),
        ({"max_length": 0}, "max_length=0: expected an integer from 35 to 512"),
        ({"max_length": 1000}, "max_length=1000: expected an integer from 35 to 512"),
        ({"max_length": 10}, "max_length=10: expected an integer from 35 to 512"),
        ({"max_length": 6, "stride": 4}, "max_length=6: expected an integer from 7 to 512"),
    ],
)
def test_bad_window_and_batch_settings_are_refused_by_name(tiny_model_dir, tok, kwargs, message):
    from helpers.models import load_token_classifier

    model = load_token_classifier(tiny_model_dir, ["O", "B-geo", "I-geo"])
    with pytest.raises(ValueError) as err:
        predict("Officials met in Geneva .", model, tok, **kwargs)
    assert str(err.value).startswith(message)


def test_a_model_whose_labels_are_not_ner_tags_is_refused(tiny_model_dir, tok):
    """Labels such as PER/LOC (or LABEL_0) open no entity: predict used to return none, while
    the pipeline reads a bare X as I-X."""
    from helpers.models import load_token_classifier

    model = load_token_classifier(tiny_model_dir, ["O", "PER", "LOC"])
    with pytest.raises(ValueError, match=r"^the model's labels \['O', 'PER', 'LOC'\] are not"):
        predict("Officials met in Geneva .", model, tok)


def test_a_model_with_fewer_positions_than_its_tokenizer_gets_windows_it_can_hold(tok):
    """max_length None meant the tokenizer's limit (512): a 64-position model failed on a long
    text with a tensor-size RuntimeError; its windows now fit its positions."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from helpers.labels import label_maps
    from helpers.predict import low_precision_moves

    labels = ["O", "B-geo", "I-geo"]
    label2id, id2label = label_maps(labels)
    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=3, id2label=id2label, label2id=label2id)  # fmt: skip
    torch.manual_seed(0)
    model = BertForTokenClassification(config).eval()
    text = " ".join(["Rain fell on Accra ."] * 60)  # 300 words
    (p,) = predict(text, model, tok, precision="fp32")
    assert len(p.words) == 300 and len(p.tags) == 300
    assert predict(text, model, tok, precision="fp32", max_length=64) == [p]
    moves = low_precision_moves(model, tok, [text.split()], precision="fp32")
    assert moves["windows"] > 1


def test_a_path_object_is_a_local_model_path(tiny_model_dir):
    """from_pretrained takes a pathlib.Path; it used to be refused as not a hub id or path."""
    from pathlib import Path

    from helpers.models import load_token_classifier, resolve_model

    assert resolve_model(Path(tiny_model_dir)) == tiny_model_dir
    assert load_tokenizer(Path(tiny_model_dir)).vocab_size == 30522
    model = load_token_classifier(Path(tiny_model_dir), ["O", "B-geo", "I-geo"])
    assert model.config.num_hidden_layers == 1


@pytest.fixture(scope="module")
def tied_model(tiny_model_dir, tiny_data):
    """The tiny model with a head whose labels 0 and 1 are the two best everywhere and nearly tied.

    Both get the same weights and a bias far above the other labels; label 1's is higher by 1e-3,
    so fp32 picks label 1 on every token, while bf16 (8 significant bits: logits near 20 round
    in steps of 0.125) rounds both to the same value and picks label 0, the first of the tie.
    """
    from helpers.models import load_token_classifier

    return tie_labels_0_and_1(load_token_classifier(tiny_model_dir, tiny_data[2]))


def tie_labels_0_and_1(model):
    """Make labels 0 and 1 the two best everywhere, 1 ahead by 1e-3 (see ``tied_model``)."""
    import torch

    head = model.classifier
    with torch.no_grad():
        head.weight[1] = head.weight[0]
        head.bias[0] = head.bias.max() + 20.0
        head.bias[1] = head.bias[0] + 1e-3
    return model


def test_near_tie_flips_in_bf16_and_the_recheck_restores_fp32(tied_model, tok):
    model, sents = tied_model, [s.split() for s in TEXTS if s]
    label0, label1 = model.config.id2label[0], model.config.id2label[1]
    fp32, _, _, none = _predict_words(model, tok, sents, 8, None, 32, "fp32")
    assert none == [] and {t for s in fp32 for t in s} == {label1}
    raw, _, _, skipped = _predict_words(model, tok, sents, 8, None, 32, "bf16", recheck_margin=0.0)
    assert skipped == [] and label0 in {t for s in raw for t in s}  # the flip is real
    tags, scores, _, rerun = _predict_words(model, tok, sents, 8, None, 32, "bf16")
    assert sorted(rerun) == list(range(len(sents)))  # every window holds a near tie
    assert tags == fp32
    assert all(0.49 < p < 0.51 for s in scores for p in s)  # two labels share the probability


def test_bf16_casts_each_weight_once_per_call_not_per_batch(tied_model, tok, weight_casts):
    sents = [s.split() for s in TEXTS if s]
    weight = tied_model.bert.encoder.layer[0].intermediate.dense.weight  # 1536 x 384: no activation
    assert weight.requires_grad  # autocast keeps its bf16 copies of trainable weights only

    def run():  # without packing: packed_linears casts each weight once by itself
        _predict_words(
            tied_model, tok, sents, 1, None, 32, "bf16", recheck_margin=0.0, pack_weights=False
        )

    assert len(sents) >= 3  # batches of one sentence: three model calls or more
    assert weight_casts(run, weight) == 1


def test_fp32_holds_on_a_model_the_trainer_left_in_bf16_autocast(
    tiny_model_dir, tiny_data, tmp_path
):
    from transformers import Trainer, default_data_collator

    from helpers.models import load_token_classifier
    from helpers.train import objective_arguments

    model = load_token_classifier(tiny_model_dir, tiny_data[2])
    rows = [{"input_ids": [101, 2000 + i, 102], "labels": [-100, 0, -100]} for i in range(8)]
    args = objective_arguments(str(tmp_path), len(rows), 1, 4, 1e-3, precision="bf16")
    Trainer(model=model, args=args, train_dataset=rows, data_collator=default_data_collator).train()
    assert "_original_forward" in vars(model)  # the Trainer's autocast stays on the model
    model, sents = tie_labels_0_and_1(model), [s.split() for s in TEXTS if s]
    tok = load_tokenizer(tiny_model_dir)
    label1 = model.config.id2label[1]
    fp32, _, _, _ = _predict_words(model, tok, sents, 8, None, 32, "fp32")
    assert {t for s in fp32 for t in s} == {label1}  # fp32's pick, not bf16's label 0
    tags, _, _, rerun = _predict_words(model, tok, sents, 8, None, 32, "bf16")
    assert tags == fp32 and sorted(rerun) == list(range(len(sents)))


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_bf16_gives_fp32_tags_and_close_scores(full_run):
    model, tok = full_run.model, full_run.tokenizer
    sents = [s.split() for s in TEXTS if s] + [s.words for s in load_embedded("test")[:40]]
    ref, ref_sc, _, _ = _predict_words(model, tok, sents, 8, None, 32, "fp32")
    tags, sc, _, rerun = _predict_words(model, tok, sents, 8, None, 32, "bf16")
    assert tags == ref
    diffs = [abs(a - b) for x, y in zip(sc, ref_sc, strict=True) for a, b in zip(x, y, strict=True)]
    assert max(diffs) < 0.05  # the stated tolerance of low-precision scores
    assert max(diffs) > 1e-6  # bf16 did run: its scores are not fp32's
    for w in rerun:  # short sentences: window w is sentence w; rerun ones hold fp32's scores
        assert sc[w] == pytest.approx(ref_sc[w], abs=1e-5)
    # with every window rerun, all scores are fp32's
    _, every, _, all_rerun = _predict_words(model, tok, sents, 8, None, 32, "bf16", 1.0)
    assert sorted(all_rerun) == list(range(len(sents)))
    assert [p for s in every for p in s] == pytest.approx([p for s in ref_sc for p in s], abs=1e-5)


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_packed_weights_give_the_same_tags(full_run, tiny_data, packed_counts):
    """bf16 with the linear layers packed once per call (the default) and plain autocast, both
    without fp32 reruns, on a trained model: every linear layer packed where oneDNN can, each
    path's scores within bf16's stated tolerance of fp32's, and fp32's tag for every word it is
    sure of. (On the untrained head this test used before, every window was a near tie that
    both paths reran in fp32, so it compared fp32 with fp32.)"""
    from helpers import models

    model, tok = full_run.model, full_run.tokenizer
    sents = [s.split() for s in TEXTS if s] + [s.words for s in tiny_data[1]]
    ref = _predict_words(model, tok, sents, 8, None, 32, "fp32")
    kw = {"recheck_margin": 0.0}
    plain = _predict_words(model, tok, sents, 8, None, 32, "bf16", pack_weights=False, **kw)
    assert packed_counts == []  # plain autocast packs nothing
    packed = _predict_words(model, tok, sents, 8, None, 32, "bf16", **kw)
    # every linear layer packed where oneDNN can (else the two runs would be the same run)
    linears = len(linear_layers(model))
    assert sum(packed_counts) == (linears if models.can_pack_bf16("cpu") else 0)
    assert plain[3] == packed[3] == []  # nothing rerun in fp32: bf16 itself is compared
    fp32 = [p for s in ref[1] for p in s]
    for run in (plain, packed):
        diffs = [abs(a - b) for a, b in zip((p for s in run[1] for p in s), fp32, strict=True)]
        assert max(diffs) < 0.05  # the stated tolerance of low-precision scores
        assert max(diffs) > 1e-6  # bf16 did run: its scores are not fp32's
    sure = [
        (w, a, b)
        for want, got_a, got_b, scores in zip(ref[0], plain[0], packed[0], ref[1], strict=True)
        for w, a, b, p in zip(want, got_a, got_b, scores, strict=True)
        if p > 0.7  # fp32's winner leads by more than 0.4: no bf16 step flips it
    ]
    assert len(sure) > len(fp32) / 2  # the comparison covers most words
    assert all(w == a == b for w, a, b in sure)


@pytest.mark.slow  # uses the tiny model trained by the full_run fixture
def test_low_precision_moves_count_the_labels_bf16_changes(full_run, tiny_data):
    """What RECHECK_MARGIN rests on (python -m helpers.bench margin): fp32 against itself moves
    nothing; bf16 moves probabilities, a gap by at most twice that, and changes exactly the
    labels that predict_word_tags changes in bf16 without its fp32 rerun."""
    words = [s.words for s in tiny_data[0]]
    model, tok = full_run.model, full_run.tokenizer
    same = low_precision_moves(model, tok, words, precision="fp32")
    assert same["windows"] == len(words) and same["tokens"] > sum(map(len, words))
    assert same["any_token"] == same["gap"] == same["flip_gap"] == 0.0 and same["flips"] == 0
    m = low_precision_moves(model, tok, words, precision="bf16")
    assert 0.0 < m["first_piece"] <= m["any_token"]  # bf16 rounds: some probability moves
    assert m["flip_gap"] <= m["gap"] <= 2 * m["first_piece"] + 1e-6
    assert m["flip_gap_low"] <= m["gap"] + 1e-6
    fp32, _ = predict_word_tags(model, tok, words, precision="fp32")
    bf16, _ = predict_word_tags(model, tok, words, precision="bf16", recheck_margin=0.0)
    pairs = zip(sum(fp32, []), sum(bf16, []), strict=True)  # word by word
    assert m["flips"] == sum(a != b for a, b in pairs)


def test_low_precision_moves_measure_the_gap_predict_reruns_by(tied_model, tok):
    """predict reruns a window from the gaps bf16 gives, so the bf16 gap of the words bf16
    flips decides whether fp32's labels are kept (the verdict of bench margin used to read the
    fp32 gap): on the tied head bf16 rounds the two labels to one value (gap 0), fp32 does not."""
    sents = [s.split() for s in TEXTS if s]
    m = low_precision_moves(tied_model, tok, sents, precision="bf16")
    assert m["flips"] > 0 and m["flip_gap_low"] < m["flip_gap"]
    fp32, _ = predict_word_tags(tied_model, tok, sents, precision="fp32")
    margin = m["flip_gap_low"] + 1e-6  # just above it: every flipped word's window is rerun
    kept, _ = predict_word_tags(tied_model, tok, sents, precision="bf16", recheck_margin=margin)
    assert kept == fp32
