"""Shared fixtures. Tests never touch the network: the hub is switched off for the whole session.

``HF_HUB_OFFLINE`` is set at import, before anything imports ``transformers`` or
``huggingface_hub`` (both read it once, when first imported). A test that needs it unset uses
``monkeypatch.delenv``, which restores it afterwards.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _threads_per_worker() -> int | None:
    """Under pytest-xdist (``-n N`` in pyproject.toml's addopts), each of the N workers runs
    its share of the cores: its tests, and every notebook kernel it starts (kernels inherit
    this process's environment), use ``cores // N`` threads, so the workers never fight over
    the cores. None outside xdist, or when the user set ``OMP_NUM_THREADS`` themselves."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2 or "OMP_NUM_THREADS" in os.environ:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // workers)


_THREADS = _threads_per_worker()
if _THREADS is not None:  # before torch is imported: it reads the variable once
    os.environ["OMP_NUM_THREADS"] = str(_THREADS)

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _hub_offline():
    """Re-assert offline mode for the session (a test may only lift it locally)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    yield


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
