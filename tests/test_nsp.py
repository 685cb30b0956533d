"""Next-sentence prediction: pair construction, the Wilson interval, loading and training a head."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from helpers.data import Sentence, load_embedded
from helpers.nsp import (
    IS_NEXT,
    NOT_NEXT,
    accuracy,
    encode_pairs,
    load_nsp_model,
    make_pairs,
    predict_nsp,
    train_nsp,
    wilson_interval,
)
from tests.conftest import linear_layers


@pytest.fixture(scope="module")
def train_sents():
    return load_embedded("train").sentences


@pytest.fixture(scope="module")
def test_sents():
    return load_embedded("test").sentences


def doc(doc_id: str, n: int) -> list[Sentence]:
    return [Sentence([doc_id, str(k)], ["O", "O"], doc_id) for k in range(n)]


@pytest.mark.parametrize("negatives", ["other_doc", "same_doc"])
def test_positives_are_true_next_and_negatives_never(train_sents, negatives):
    pairs = make_pairs(train_sents, negatives, seed=0)
    assert pairs
    for p in pairs:
        a, b = train_sents[p.index_a], train_sents[p.index_b]
        assert p.a == " ".join(a.words) and p.b == " ".join(b.words)
        if p.label == IS_NEXT:
            assert p.index_b == p.index_a + 1 and a.doc_id == b.doc_id
        else:
            assert p.index_b != p.index_a + 1
            if negatives == "other_doc":
                assert b.doc_id != a.doc_id
            else:  # same document, not A, not adjacent to A
                assert b.doc_id == a.doc_id and abs(p.index_b - p.index_a) > 1


@pytest.mark.parametrize("negatives", ["other_doc", "same_doc"])
def test_pairs_never_cross_the_split(train_sents, test_sents, negatives):
    train_text = {" ".join(s.words) for s in train_sents}
    test_docs = {s.doc_id for s in test_sents}
    test_only = {" ".join(s.words) for s in test_sents} - train_text
    train_pairs = make_pairs(train_sents, negatives, seed=1)
    assert train_pairs  # the loop below checks something
    for p in train_pairs:
        assert p.doc_a not in test_docs and p.doc_b not in test_docs
        assert p.a in train_text and p.b in train_text
        assert p.a not in test_only and p.b not in test_only
    train_docs = {s.doc_id for s in train_sents}
    test_pairs = make_pairs(test_sents, negatives, seed=1)
    assert test_pairs  # the loop below checks something
    for p in test_pairs:
        assert p.doc_a in test_docs and p.doc_b in test_docs
        assert p.doc_a not in train_docs and p.doc_b not in train_docs


def test_exact_balance_and_anchor_count():
    # documents of 3, 2 and 4 sentences: 2 + 1 + 3 = 6 anchors -> 3 IsNext + 3 NotNext
    sents = doc("a", 3) + doc("b", 2) + doc("c", 4)
    pairs = make_pairs(sents, "other_doc", seed=0)
    assert Counter(p.label for p in pairs) == {IS_NEXT: 3, NOT_NEXT: 3}
    assert len({p.index_a for p in pairs}) == 6  # each anchor used once
    # 7 anchors: one is left out so that the classes stay equal
    pairs = make_pairs(sents + doc("d", 2), "other_doc", seed=0)
    assert Counter(p.label for p in pairs) == {IS_NEXT: 3, NOT_NEXT: 3}


@pytest.mark.parametrize("negatives", ["other_doc", "same_doc"])
def test_both_gives_every_anchor_one_pair_of_each_class(test_sents, negatives):
    single = make_pairs(test_sents, negatives, seed=2)
    pairs = make_pairs(test_sents, negatives, seed=2, both=True)
    assert single and pairs
    by_anchor: dict[int, list[int]] = {}
    for p in pairs:
        by_anchor.setdefault(p.index_a, []).append(p.label)
        if p.label == NOT_NEXT:
            assert p.index_b != p.index_a + 1
    assert all(sorted(v) == [IS_NEXT, NOT_NEXT] for v in by_anchor.values())
    assert len(by_anchor) >= len(single)  # every anchor, even the odd one out


def test_balance_on_the_corpus(train_sents):
    for negatives in ("other_doc", "same_doc"):
        counts = Counter(p.label for p in make_pairs(train_sents, negatives, seed=3))
        assert counts[IS_NEXT] == counts[NOT_NEXT] > 300


def test_same_doc_needs_a_non_adjacent_sentence():
    # a 3-sentence document: anchor 0 can take sentence 2; anchor 1 has no non-adjacent partner
    sents = doc("a", 3) + doc("b", 3)
    pairs = make_pairs(sents, "same_doc", seed=0)
    assert sorted(p.index_a for p in pairs) == [0, 3]
    for p in pairs:
        if p.label == NOT_NEXT:
            assert p.index_b == p.index_a + 2
    with pytest.raises(ValueError, match="anchor"):
        make_pairs(doc("a", 3), "same_doc")


def test_seed_makes_pairs_deterministic(train_sents):
    assert make_pairs(train_sents, seed=5) == make_pairs(train_sents, seed=5)
    assert make_pairs(train_sents, seed=5) != make_pairs(train_sents, seed=6)


def test_bad_input_is_named():
    no_doc = [Sentence(["x"], ["O"], None, line=7)]
    with pytest.raises(ValueError, match=r"sentence 0 \(line 7\) has no doc_id"):
        make_pairs(no_doc)
    with pytest.raises(ValueError, match="'a' appears again"):
        make_pairs(doc("a", 2) + doc("b", 2) + doc("a", 1))
    with pytest.raises(ValueError, match="negatives="):
        make_pairs(doc("a", 3), "random")
    with pytest.raises(ValueError, match="two documents"):
        make_pairs(doc("a", 4), "other_doc")


# Newcombe, R. G. (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17: 857-872, Table II, method 3 (score, no continuity
# correction), 95%.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "lo", "hi"), NEWCOMBE)
def test_wilson_matches_published_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-4)


def test_wilson_matches_scipy():
    from scipy.stats import binomtest

    for k, n in [(120, 200), (3, 10), (199, 200), (50, 100)]:
        ci = binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
        assert wilson_interval(k, n, 0.9) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_wilson_rejects_bad_counts():
    # the message names the count: (-1, 10) and (11, 10) would also end in sqrt's "math domain
    # error" (a ValueError too) without the range check
    for k, n, named in [(5, 0, "n=0"), (-1, 10, "successes=-1"), (11, 10, "successes=11"),
                        (1.5, 10, "successes=1.5")]:  # fmt: skip
        with pytest.raises(ValueError, match=re.escape(named)):
            wilson_interval(k, n)


def test_wilson_takes_a_count_made_with_numpy():
    """(preds == labels).sum() is a numpy integer: it used to be refused as 'not an integer
    between 0 and n', which it is."""
    import numpy as np

    k = (np.array([1, 0, 1, 1]) == np.array([1, 1, 1, 1])).sum()
    assert wilson_interval(k, np.int64(4)) == wilson_interval(3, 4)
    # computed as Python ints: uint8 arithmetic (4 * n * n) would wrap around to (0.0, 1.0)
    lo, hi = wilson_interval(np.uint8(3), np.uint8(200))
    assert (lo, hi) == wilson_interval(3, 200) and type(lo) is float
    assert 0.005 < lo < 0.006 and 0.043 < hi < 0.044
    with pytest.raises(ValueError, match="successes=True"):
        wilson_interval(True, 4)


def test_a_max_length_that_cuts_a_whole_sentence_away_is_refused(tok):
    """max_length=3 left [CLS] [SEP] [SEP]: both sentences cut away, with only the usual
    warning. 5 keeps a token of each."""
    from helpers.nsp import pair_features

    pairs = make_pairs(doc("a", 3) + doc("b", 3), seed=0)
    for call in (pair_features, encode_pairs):
        with pytest.raises(ValueError, match=r"^max_length=4: expected an integer >= 5"):
            call(tok, pairs, max_length=4)
    with pytest.warns(UserWarning, match="longer than max_length=5"):
        assert all(len(f["input_ids"]) == 5 for f in pair_features(tok, pairs, max_length=5))


def test_scoring_no_pairs_is_refused_by_name(tok):
    """An empty list used to stop with a bare IndexError inside the tokenizer."""
    with pytest.raises(ValueError, match="^pairs is empty"):
        predict_nsp(None, tok, [])


def test_pair_layout_and_segment_ids(tok):
    sents = doc("a", 2) + doc("b", 2)
    pair = [p for p in make_pairs(sents, seed=0) if p.label == IS_NEXT][0]
    enc = encode_pairs(tok, [pair])
    ids, types = enc["input_ids"][0].tolist(), enc["token_type_ids"][0].tolist()
    a_ids = tok(pair.a, add_special_tokens=False)["input_ids"]
    b_ids = tok(pair.b, add_special_tokens=False)["input_ids"]
    assert ids == [101, *a_ids, 102, *b_ids, 102]
    assert types == [0] * (len(a_ids) + 2) + [1] * (len(b_ids) + 1)


def test_pair_features_cut_only_what_is_too_long_and_say_how_many(tok):
    """Pairs used to be cut at max_length without a word. No pair of the embedded corpus
    reaches the default 128 (its two longest train sentences make 102 tokens together)."""
    import warnings

    from helpers.data import load_embedded
    from helpers.nsp import pair_features

    pairs = [p for p in make_pairs(doc("a", 3) + doc("b", 3), seed=0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at the default length
        full = pair_features(tok, pairs)
        pair_features(tok, make_pairs(load_embedded("test").sentences, seed=0, both=True))
    with pytest.warns(UserWarning, match=rf"^{len(pairs)} of {len(pairs)} pairs are longer"):
        cut = pair_features(tok, pairs, max_length=6)
    assert all(len(f["input_ids"]) == 6 for f in cut)
    assert all(len(f["input_ids"]) == 7 for f in full)  # [CLS] a 0 [SEP] a 1 [SEP]


@pytest.fixture(scope="module")
def nsp_dirs(tiny_model_dir, module_dir):
    """A checkpoint without an NSP head (the tiny encoder) and one saved with a head."""
    model, _, _ = load_nsp_model(tiny_model_dir)
    with_head = module_dir("with_head")
    model.save_pretrained(with_head, safe_serialization=True)
    return tiny_model_dir, str(with_head)


def test_load_detects_whether_the_head_was_trained(nsp_dirs):
    bare, with_head = nsp_dirs
    _, missing, trained = load_nsp_model(bare)
    assert not trained
    assert "cls.seq_relationship.weight" in missing and "cls.seq_relationship.bias" in missing
    _, missing, trained = load_nsp_model(with_head)
    assert trained and not any(k.startswith("cls.seq_relationship") for k in missing)


def test_a_model_that_is_not_a_bert_is_refused_by_name(tiny_distilbert_dir):
    """BertForNextSentencePrediction.from_pretrained would build a random BERT from a DistilBERT
    checkpoint (with a warning); the course stops first and says why."""
    with pytest.raises(ValueError, match=r"is a 'distilbert' model: next-sentence prediction"):
        load_nsp_model(tiny_distilbert_dir)


def test_predict_batches_by_length_and_answers_in_the_pairs_order(
    nsp_dirs, tok, train_sents, monkeypatch
):
    import torch

    from helpers import nsp
    from helpers.nsp import encode_pairs

    pairs = make_pairs(train_sents[:40], seed=0)
    lengths = [len(encode_pairs(tok, [p])["input_ids"][0]) for p in pairs]
    assert len(set(lengths)) > 5 and lengths != sorted(lengths)  # mixed lengths, not in order
    model, _, _ = load_nsp_model(nsp_dirs[1])
    batches = []

    def spy(tokenizer, batch, *a, **k):
        batches.append([lengths[pairs.index(p)] for p in batch])
        return encode_pairs(tokenizer, batch, *a, **k)

    monkeypatch.setattr(nsp, "encode_pairs", spy)
    preds, probs = predict_nsp(model, tok, pairs, batch_size=8)
    monkeypatch.undo()
    seen = [n for b in batches for n in b]
    assert sorted(seen) == sorted(lengths) and seen == sorted(seen)  # shortest batches first
    with torch.inference_mode():  # one pair at a time, no padding at all, in the given order
        alone = [model(**encode_pairs(tok, [p])).logits.softmax(-1)[0] for p in pairs]
    assert preds == [int(a.argmax()) for a in alone]
    assert probs == pytest.approx([float(a[IS_NEXT]) for a in alone], abs=1e-5)


@pytest.mark.slow
def test_bf16_casts_each_weight_once_not_per_batch(nsp_dirs, tok, train_sents, weight_casts):
    model, _, _ = load_nsp_model(nsp_dirs[1])
    pairs = make_pairs(train_sents[:12], seed=0)
    weight = model.bert.encoder.layer[0].intermediate.dense.weight  # 1536 x 384: no activation
    calls = -(-len(pairs) // 4)
    assert calls >= 3
    # without packing: packed_linears casts each weight once by itself, whatever autocast does
    run = lambda: predict_nsp(model, tok, pairs, 4, "bf16", pack_weights=False)  # noqa: E731
    assert weight_casts(run, weight) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        # -1 used to score nothing and return every pair as IsNext with P(IsNext) 0.0
        ({"batch_size": -1}, "batch_size=-1: expected an integer >= 1"),
        ({"batch_size": 0}, "batch_size=0: expected an integer >= 1"),  # was range()'s message
        ({"pack_weights": "no"}, "pack_weights='no': expected True or False"),
    ],
)
def test_scoring_refuses_a_bad_batch_size_by_name(nsp_dirs, tok, train_sents, kwargs, message):
    model, _, _ = load_nsp_model(nsp_dirs[0])
    with pytest.raises(ValueError) as err:
        predict_nsp(model, tok, make_pairs(train_sents[:8], seed=0), **kwargs)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        # -1 used to freeze all but the top layer (a Python slice), True one layer
        ({"freeze_layers": -1}, "freeze_layers=-1: expected an integer >= 0"),
        ({"freeze_layers": True}, "freeze_layers=True: expected an integer >= 0"),
        ({"epochs": True}, "epochs=True: expected an integer >= 1"),  # ran one epoch
        ({"batch_size": 0}, "batch_size=0: expected an integer >= 1"),
    ],
)
def test_training_refuses_bad_counts_by_name(nsp_dirs, tok, train_sents, kwargs, message):
    model, _, _ = load_nsp_model(nsp_dirs[0])
    before = [p.requires_grad for p in model.parameters()]
    with pytest.raises(ValueError) as err:
        train_nsp(model, tok, make_pairs(train_sents[:8], seed=0), precision="fp32", **kwargs)
    assert str(err.value).startswith(message)
    assert [p.requires_grad for p in model.parameters()] == before  # nothing frozen


def test_training_moves_only_unfrozen_weights_and_is_seeded(nsp_dirs, tok, train_sents):
    import torch

    pairs = make_pairs(train_sents[:60], seed=0)
    results = []
    for _ in range(2):
        model, _, _ = load_nsp_model(nsp_dirs[0])
        emb = model.bert.embeddings.word_embeddings.weight.detach().clone()
        head = model.cls.seq_relationship.weight.detach().clone()
        run = train_nsp(model, tok, pairs, batch_size=8, freeze_layers=0, precision="fp32")
        assert run.steps == len(run.losses) == -(-len(pairs) // 8)
        # .cpu(): the Trainer moves the model to a GPU where there is one
        assert torch.equal(model.bert.embeddings.word_embeddings.weight.cpu(), emb)  # frozen
        assert not torch.equal(model.cls.seq_relationship.weight.cpu(), head)  # trained
        preds, probs = predict_nsp(model, tok, pairs)
        assert all(0 <= p <= 1 for p in probs) and set(preds) <= {IS_NEXT, NOT_NEXT}
        results.append((run.losses, preds))
    assert results[0] == results[1]
    preds = results[0][1]
    right = [i for i, pair in enumerate(pairs) if pair.label == preds[i]]
    assert accuracy(pairs, preds) == (len(right), len(pairs))


@pytest.mark.slow
def test_training_takes_one_list_of_pairs_per_epoch(nsp_dirs, tok, train_sents):
    per_epoch = [make_pairs(train_sents[:40], seed=s) for s in (0, 1)]
    model, _, _ = load_nsp_model(nsp_dirs[0])
    run = train_nsp(
        model, tok, per_epoch, epochs=5, batch_size=8, freeze_layers=0, precision="fp32"
    )
    # the lists are joined and read once: epochs = lists
    assert run.steps == len(run.losses) == -(-2 * len(per_epoch[0]) // 8)
    with pytest.raises(ValueError, match="same length"):
        train_nsp(model, tok, [per_epoch[0], per_epoch[0][:-2]], freeze_layers=0, precision="fp32")


def test_cluster_bootstrap_is_wider_when_items_share_a_cluster():
    from helpers.nsp import cluster_bootstrap_interval, wilson_interval

    correct = [True] * 70 + [False] * 30
    alone = cluster_bootstrap_interval(correct, list(range(100)))
    lo, hi = wilson_interval(70, 100)
    assert alone[0] == pytest.approx(lo, abs=0.03) and alone[1] == pytest.approx(hi, abs=0.03)
    # the same 100 results, each duplicated (pairs sharing an anchor that agree): a Wilson
    # interval on 200 items would be narrower; the clusters keep it as wide as 100 items
    doubled = cluster_bootstrap_interval(correct * 2, list(range(100)) * 2)
    assert doubled[1] - doubled[0] == pytest.approx(alone[1] - alone[0], abs=0.03)
    w2 = wilson_interval(140, 200)
    assert doubled[1] - doubled[0] > (w2[1] - w2[0]) * 1.2
    assert cluster_bootstrap_interval(correct, list(range(100)), seed=1) != alone
    assert cluster_bootstrap_interval(correct, list(range(100))) == alone  # seeded


def test_cluster_bootstrap_rejects_bad_input():
    from helpers.nsp import cluster_bootstrap_interval

    with pytest.raises(ValueError, match="cluster names"):
        cluster_bootstrap_interval([True, False], [0])
    with pytest.raises(ValueError, match="confidence"):
        cluster_bootstrap_interval([True], [0], confidence=1.5)
    with pytest.raises(ValueError, match="resamples"):
        cluster_bootstrap_interval([True], [0], resamples=10)


def test_cluster_bootstrap_takes_numpy_arrays():
    """``not correct`` raised numpy's 'truth value of an array is ambiguous'."""
    import numpy as np

    from helpers.nsp import cluster_bootstrap_interval

    correct, clusters = [True, False, True, True] * 5, [0, 0, 1, 1, 2] * 4
    assert cluster_bootstrap_interval(np.array(correct), np.array(clusters)) == (
        cluster_bootstrap_interval(correct, clusters)
    )
    with pytest.raises(ValueError, match="0 results"):
        cluster_bootstrap_interval(np.array([]), np.array([]))


def test_packed_weights_give_the_same_scores(nsp_dirs, tok, train_sents, packed_counts):
    """bf16 with the linear layers packed once per call (the default) against plain autocast:
    every linear layer packed where oneDNN can, the same labels, P(IsNext) within bf16's step."""
    from helpers import models

    model, _, _ = load_nsp_model(nsp_dirs[1])
    pairs = make_pairs(train_sents[:40], seed=0)
    plain = predict_nsp(model, tok, pairs, 8, "bf16", pack_weights=False)
    assert packed_counts == []  # plain autocast packs nothing
    packed = predict_nsp(model, tok, pairs, 8, "bf16")
    linears = len(linear_layers(model))
    # packed layers, not calls: autocast enters packed_linears only where packs_bf16 says so
    assert sum(packed_counts) == (linears if models.can_pack_bf16("cpu") else 0)
    assert packed[1] == pytest.approx(plain[1], abs=0.02)
    # the same label wherever the two paths' P(IsNext) lie on the same side of 0.5: the tiny
    # model's random head puts every pair near 0.5 (about 0.5025 here), and on another CPU (AMX)
    # the two kernels sum in another order, so a pair may cross it
    for labels, probs in (plain, packed):  # each path's label is IsNext (0) where P > 0.5
        assert all((y == 0) == (p > 0.5) for y, p in zip(labels, probs, strict=True) if p != 0.5)
    same_side = [i for i, (a, b) in enumerate(zip(plain[1], packed[1], strict=True))
                 if abs(a - b) < abs(a - 0.5)]  # fmt: skip
    assert [packed[0][i] for i in same_side] == [plain[0][i] for i in same_side]
