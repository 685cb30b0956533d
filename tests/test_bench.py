"""helpers.bench: the work it counts per recipe (the benchmarks themselves print figures and are
never run as tests)."""

from __future__ import annotations

import pytest

from helpers.bench import ABLATION, NAIVE, RECIPES, inference_gflop, training_gflop
from helpers.models import load_token_classifier
from helpers.train import TrainConfig


@pytest.fixture(scope="module")
def two_layer(tmp_path_factory, tok, gmb_labels):
    from helpers.models import load_encoder

    path = tmp_path_factory.mktemp("bench_two_layer")
    load_encoder("minilm", num_hidden_layers=2).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return load_token_classifier(str(path), gmb_labels)


def test_training_work_counts_what_runs(two_layer, tok, tiny_data):
    sentences = tiny_data[0][:5]
    tokens = sum(len(tok(s.words, is_split_into_words=True)["input_ids"]) for s in sentences)
    layer = sum(p.numel() for p in two_layer.base_model.encoder.layer[0].parameters())
    head = sum(p.numel() for p in two_layer.classifier.parameters())
    pooler = (
        sum(p.numel() for p in two_layer.base_model.pooler.parameters())
        if (two_layer.base_model.pooler is not None)
        else 0
    )
    rest = head + pooler  # everything outside the embeddings and the two layers
    full = training_gflop(two_layer, tok, sentences, 3, 0, False)
    assert full == pytest.approx(6 * (2 * layer + rest) * tokens * 3 / 1e9)
    # one frozen layer: forward only, every epoch (uncached) or once (cached)
    uncached = training_gflop(two_layer, tok, sentences, 3, 1, False)
    cached = training_gflop(two_layer, tok, sentences, 3, 1, True)
    assert uncached == pytest.approx(full - 4 * layer * tokens * 3 / 1e9)
    assert cached == pytest.approx(uncached - 2 * layer * tokens * 2 / 1e9)
    # inference: one forward pass, a third of a training step's work
    assert inference_gflop(two_layer, tokens) == pytest.approx(
        2 * (2 * layer + rest) * tokens / 1e9
    )
    assert training_gflop(two_layer, tok, sentences, 1, 0, False) == pytest.approx(
        3 * inference_gflop(two_layer, tokens)
    )


def test_recipes_are_valid_configs():
    """Every recipe and ablation step builds a valid TrainConfig; the ablation ends at the
    project's recipe (the defaults) and starts at the source's settings, nothing frozen."""
    for over in [*RECIPES.values(), *(o for _, o in ABLATION)]:
        TrainConfig(**over).validate()
    assert RECIPES["project"] == {} and ABLATION[-1][1] == {}
    assert NAIVE["freeze_layers"] == 0 and ABLATION[0][1]["freeze_layers"] == 0
    assert not ABLATION[0][1]["freeze_embeddings"]
