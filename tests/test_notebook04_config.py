"""One configuration path (issue 18): notebook 04's parameters cell, ``TrainConfig`` and the
command's defaults hold the same values, so a default changes in one place (plus this check)."""

from __future__ import annotations

import dataclasses

import pytest

from helpers import ner
from helpers.train import TrainConfig
from tests.notebook_cells import notebook_namespace, parameter_defaults


def parameters_cell() -> dict:
    """Notebook 04's parameters cell: its names and default values."""
    return parameter_defaults("04_ner.ipynb")


def disagreements(cell: dict) -> list[str]:
    expected = ner.defaults()
    return [
        f"{name}: notebook {value!r}, helpers {expected[name]!r}"
        for name, value in cell.items()
        if name in expected and value != expected[name]
    ]


def test_parameters_cell_holds_trainconfigs_defaults():
    cell = parameters_cell()
    shared = [n for n in cell if n in ner.defaults()]
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert len(fields & set(shared)) >= 15  # the recipe, not a couple of names
    assert set(ner.SPLIT_DEFAULTS) <= set(shared)
    assert disagreements(cell) == []


def test_a_changed_default_is_caught(monkeypatch):
    """The check above can fail: one TrainConfig default changed, the notebook left alone."""
    helpers_defaults = ner.defaults
    monkeypatch.setattr(ner, "defaults", lambda: {**helpers_defaults(), "learning_rate": 1e-3})
    assert disagreements(parameters_cell()) == ["learning_rate: notebook 0.0003, helpers 0.001"]


def test_the_commands_defaults_are_trainconfigs():
    """The parsed defaults against the dataclass's own fields (ner.defaults is built from them,
    so comparing with it alone could not catch it shadowing a field)."""
    args = ner.build_parser().parse_args(["train"])
    for name, value in ner.defaults().items():
        assert getattr(args, name) == value, name
    fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    assert {name: getattr(args, name) for name in fields} == fields


def test_the_imports_cell_refuses_casing_on_a_model_that_is_not_a_bert(tiny_distilbert_dir):
    """An explicit casing placement with a DistilBERT used to reach the model cell and stop there
    with ``from_pretrained``'s size-mismatch error, which names neither casing nor the model
    type; the imports cell now stops first, with the command line's message
    (:func:`helpers.train.check_model_fits`). Run here: the parameters, then the imports cell."""
    cell = {**parameters_cell(), "model_name": tiny_distilbert_dir, "casing": "after_frozen"}
    with pytest.raises(ValueError, match="casing='after_frozen'.*needs a BERT.*'distilbert'"):
        notebook_namespace("04_ner.ipynb", "config.validate()", **cell)
    cell["casing"] = "auto"  # resolves to no casing for a DistilBERT: the cell runs through
    namespace = notebook_namespace("04_ner.ipynb", "config.validate()", **cell)
    assert namespace["config"].model_name == tiny_distilbert_dir


def test_the_imports_cell_refuses_keep_best_without_validation(tiny_model_dir):
    """keep="best" with validation_size=0 used to train for the whole run and then fail with a
    KeyError ('f1') in training_result; it now stops before anything loads, as the command line's
    ``--keep best`` without ``--validation-size`` does."""
    cell = {**parameters_cell(), "model_name": tiny_model_dir, "keep": "best"}
    wanted = r"keep='best' needs validation sentences .*\(validation_size > 0\)"
    with pytest.raises(ValueError, match=wanted):
        notebook_namespace("04_ner.ipynb", "config.validate()", **cell)
    cell["validation_size"] = 0.1
    namespace = notebook_namespace("04_ner.ipynb", "config.validate()", **cell)
    assert namespace["config"].keep == "best"
