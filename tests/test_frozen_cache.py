"""helpers.train.FrozenCache: the frozen bottom is computed once per sentence, and caching
changes nothing the trainable part sees."""

from __future__ import annotations

import pytest
import torch

from helpers.models import load_encoder, load_token_classifier
from helpers.train import FrozenCache, freeze, train_ner

from .conftest import FAST


@pytest.fixture(scope="module")
def two_layer_dir(module_dir, tok):
    """MiniLM cut to its first two layers (so one can be frozen and one trained)."""
    path = module_dir("two_layer_bert")
    load_encoder("minilm", num_hidden_layers=2).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return str(path)


def _batch(tok, texts):
    return tok(texts, padding=True, return_tensors="pt")


TEXTS = [
    "Officials in Nairobi said the talks would resume on Monday .",
    "Toyota shares rose .",
    "The United Nations refugee agency said thousands had fled the fighting near Goma .",
]


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_cached_forward_equals_uncached(two_layer_dir, tok, gmb_labels, layers):
    """In eval mode the patched model gives the uncached model's logits on every real token,
    with padding in the batch; afterwards the model is the plain model again."""
    torch.manual_seed(0)
    model = load_token_classifier(two_layer_dir, gmb_labels).eval()
    batch = _batch(tok, TEXTS)
    real = batch["attention_mask"].bool()
    with torch.no_grad():
        before = model(**batch).logits
        with FrozenCache(model, layers) as cache:
            cached = model(**batch).logits
            again = model(**batch).logits
        after = model(**batch).logits
    assert torch.allclose(cached[real], before[real], atol=1e-4)
    assert torch.equal(again, cached)
    assert (cache.misses, cache.hits) == (3, 3)
    assert torch.equal(after, before)
    assert "forward" not in model.base_model.embeddings.__dict__
    assert all("forward" not in b.__dict__ for b in model.base_model.encoder.layer)


def test_each_sentence_is_computed_once_per_autocast_dtype(two_layer_dir, tok, gmb_labels):
    model = load_token_classifier(two_layer_dir, gmb_labels).eval()
    with torch.no_grad(), FrozenCache(model, 1) as cache:
        model(**_batch(tok, TEXTS))
        model(**_batch(tok, TEXTS[:1]))  # same sentence, other padding: a hit
        assert (cache.misses, cache.hits) == (3, 1)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            model(**_batch(tok, TEXTS[:1]))  # other precision: computed again
        assert cache.misses == 4
    assert cache.store == {}


def test_cached_rows_never_get_gradients(two_layer_dir, tok, gmb_labels):
    model = load_token_classifier(two_layer_dir, gmb_labels).train()
    freeze(model, embeddings=True, layers=1)
    with FrozenCache(model, 1):
        model(**_batch(tok, TEXTS)).logits.sum().backward()
    frozen = [
        *model.base_model.embeddings.parameters(),
        *model.base_model.encoder.layer[0].parameters(),
    ]
    assert all(p.grad is None for p in frozen)
    assert all(p.grad is not None for p in model.base_model.encoder.layer[1].parameters())


def test_refuses_what_it_cannot_key(two_layer_dir, tok, gmb_labels):
    model = load_token_classifier(two_layer_dir, gmb_labels).eval()
    batch = _batch(tok, TEXTS)
    with FrozenCache(model, 1), pytest.raises(ValueError, match="token_type_ids"):
        model(input_ids=batch["input_ids"], token_type_ids=torch.ones_like(batch["input_ids"]))
    with FrozenCache(model, 1), pytest.raises(ValueError, match="inputs_embeds"):
        model(inputs_embeds=torch.zeros(1, 4, model.config.hidden_size))


def test_training_with_cache_is_training_without_it(tiny_model_dir, tiny_data, tmp_path):
    """With only the embeddings frozen, caching them is the same computation (same dropout
    draws): fp32 training gives the same losses and weights with and without the cache."""
    train, _, labels = tiny_data
    runs = [
        train_ner(
            train,
            None,
            labels,
            model_name=tiny_model_dir,
            output_dir=str(tmp_path / str(c)),
            cache_frozen=c,
            **FAST,
        )
        for c in (False, True)
    ]
    # the cache really ran in the second run (the same run twice would pass what follows)
    assert runs[0].cache is None and runs[1].cache["computed"] == len(train)
    assert runs[1].cache["reused"] == (FAST["epochs"] - 1) * len(train) > 0
    assert [r["train_loss"] for r in runs[0].history] == [r["train_loss"] for r in runs[1].history]
    a, b = (r.model.state_dict() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_frozen_layers_stay_and_top_layers_learn(two_layer_dir, tiny_data, tmp_path):
    train, _, labels = tiny_data
    start = load_token_classifier(two_layer_dir, labels).state_dict()
    res = train_ner(
        train,
        None,
        labels,
        model_name=two_layer_dir,
        output_dir=str(tmp_path),
        **{**FAST, "freeze_layers": 1, "cache_frozen": True},
    )
    end = {k: v.cpu() for k, v in res.model.state_dict().items()}  # off a GPU, if any
    bottom = [k for k in end if ".embeddings." in k or ".layer.0." in k]
    top = [k for k in end if ".layer.1." in k]
    assert bottom and top
    assert all(torch.equal(start[k], end[k]) for k in bottom)
    assert any(not torch.equal(start[k], end[k]) for k in top)
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]
    tok = res.tokenizer
    unique = {tuple(tok(s.words, is_split_into_words=True)["input_ids"]) for s in train}
    assert res.cache == {
        "computed": len(unique),
        "reused": FAST["epochs"] * len(train) - len(unique),
    }


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_distilbert_layout_is_cached_too(tok, layers):
    """DistilBERT keeps its layers in ``transformer.layer`` and calls its embeddings positionally
    (the source's model): same logits cached and uncached (a small random one, built offline)."""
    from transformers import DistilBertConfig, DistilBertForTokenClassification

    torch.manual_seed(0)
    cfg = DistilBertConfig(n_layers=2, dim=32, hidden_dim=64, n_heads=2, num_labels=3)
    model = DistilBertForTokenClassification(cfg).eval()
    assert freeze(model, embeddings=True, layers=layers) > 0
    batch = _batch(tok, TEXTS)
    del batch["token_type_ids"]  # DistilBERT has no segments
    real = batch["attention_mask"].bool()
    with torch.no_grad():
        before = model(**batch).logits
        with FrozenCache(model, layers) as cache:
            cached = model(**batch).logits
    assert torch.allclose(cached[real], before[real], atol=1e-5)
    assert cache.misses == 3


def test_unknown_layout_is_refused_with_advice():
    from helpers.train import encoder_layers

    class Odd(torch.nn.Module):
        base_model = torch.nn.Linear(2, 2)

    with pytest.raises(ValueError, match="freeze_layers=0"):
        encoder_layers(Odd())
