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
