"""Shared fixtures. Tests never touch the network: the repository's top-level conftest.py
switches the hub off (and splits the cores between pytest-xdist workers) before anything is
imported.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _hub_offline():
    """Re-assert offline mode for the session (a test may only lift it locally)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    yield


@pytest.fixture(scope="module")
def module_dir(request, tmp_path_factory) -> Iterator[Callable[[str], Path]]:
    """``module_dir(name)``: a new folder that lives as long as the test module.

    A module's saved models (50-60 MB each, the vocabulary's embeddings) are removed after its
    last test instead of piling up for the whole session, so the suite fits a small disk; they
    stay when one of the module's tests failed, for a look. (Each test's own ``tmp_path`` goes
    when it passes: ``tmp_path_retention_policy`` in pyproject.toml.)
    """
    made: list[Path] = []
    failed_before = request.session.testsfailed

    def make(name: str) -> Path:
        made.append(tmp_path_factory.mktemp(name))
        return made[-1]

    yield make
    if request.session.testsfailed == failed_before:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def tok():
    """The real packaged tokenizer (all-MiniLM-L6-v2, bert-base-uncased vocabulary)."""
    from helpers.models import load_tokenizer

    return load_tokenizer()


@pytest.fixture(scope="session")
def gmb_labels() -> list[str]:
    from helpers.labels import GMB_TYPES, labels_for_types

    return labels_for_types(GMB_TYPES)


@pytest.fixture(scope="session")
def gmb_maps(gmb_labels):
    from helpers.labels import label_maps

    return label_maps(gmb_labels)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tok):
    """The embedded MiniLM cut to its first layer, saved as safetensors with its tokenizer.

    Pre-trained features make it learn entities in a few seconds, fast enough for unit tests.
    """
    from helpers.models import load_encoder

    path = tmp_path_factory.mktemp("tiny_bert")
    load_encoder("minilm", num_hidden_layers=1).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def tiny_data():
    """A few sentences of the embedded corpus: (train, eval, labels); eval is part of train

    so that a tiny model can show it learned something (best epoch = best fit).
    """
    from helpers.data import load_embedded
    from helpers.labels import build_label_list

    corpus = load_embedded("train").sentences
    return corpus[:32], corpus[:16], build_label_list(s.tags for s in corpus)


FAST = {
    "epochs": 2,
    "batch_size": 4,
    "learning_rate": 1e-3,
    "warmup": 0.0,
    "precision": "fp32",
    "freeze_embeddings": True,
    "freeze_layers": 0,  # the tiny model has one layer: it must stay trainable
}
KW = {**FAST, "epochs": 3, "save_checkpoints": True, "seed": 3}


@pytest.fixture(scope="session")
def full_run(tiny_model_dir, tiny_data, tmp_path_factory):
    """The tiny model trained for 3 epochs with checkpoints (shared by train and predict tests)."""
    from helpers.train import train_ner

    train, ev, labels = tiny_data
    out = str(tmp_path_factory.mktemp("full"))
    return train_ner(train, ev, labels, model_name=tiny_model_dir, output_dir=out, **KW)


@pytest.fixture
def weight_casts():
    """``weight_casts(fn, weight)``: run ``fn()`` and count the casts of tensors of ``weight``'s
    shape (the profiler's ``aten::_to_copy`` calls), e.g. autocast's fp32 → bf16 weight copies."""
    from torch.profiler import profile

    def count(fn, weight) -> int:
        with profile(record_shapes=True) as prof:
            fn()
        shape = list(weight.shape)
        return sum(
            e.name == "aten::_to_copy" and bool(e.input_shapes) and list(e.input_shapes[0]) == shape
            for e in prof.events()
        )

    return count


def linear_layers(model) -> list:
    """The model's ``nn.Linear`` layers: what ``helpers.models.packed_linears`` packs."""
    import torch

    return [m for m in model.modules() if type(m) is torch.nn.Linear]


@pytest.fixture
def packed_counts(monkeypatch) -> list[int]:
    """From here on, each entry into ``helpers.models.packed_linears`` appends the number of
    layers it packed (0 where oneDNN cannot pack bf16)."""
    from contextlib import contextmanager

    from helpers import models

    counts: list[int] = []
    pack = models.packed_linears

    @contextmanager
    def counted(model):
        with pack(model) as n:
            counts.append(n)
            yield n

    monkeypatch.setattr(models, "packed_linears", counted)
    return counts


@pytest.fixture(scope="session")
def tiny_distilbert_dir(tmp_path_factory, tok):
    """A randomly initialised two-layer DistilBERT with the course's tokenizer (safetensors): a
    model that is not a BERT, as a user's ``model_name`` may be (no casing feature for it)."""
    import torch
    from transformers import DistilBertConfig, DistilBertModel

    torch.manual_seed(0)
    config = DistilBertConfig(
        vocab_size=tok.vocab_size, dim=64, n_layers=2, n_heads=2, hidden_dim=128
    )
    path = tmp_path_factory.mktemp("tiny_distilbert")
    DistilBertModel(config).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return str(path)
