"""helpers.params: each notebook's defaults pass, and every bad value names its parameter."""

from __future__ import annotations

import ast

import pytest

from helpers import params
from helpers.paths import NOTEBOOKS_DIR
from tests.notebook_cells import parameter_defaults

# each notebook's own parameters cell, read as literals: the defaults a learner starts from
CONCEPTS = parameter_defaults("01_concepts.ipynb")
LABELS = parameter_defaults("02_label_encoding.ipynb")
ALIGN = parameter_defaults("03_subword_alignment.ipynb")


def test_the_committed_defaults_pass():
    params.check_concepts_params(CONCEPTS)
    params.check_label_encoding_params(LABELS)
    params.check_alignment_params(ALIGN, n_sentences=100)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("seed", 1.5, "an integer"),
        ("seed", True, "an integer"),
        ("sentence_a", "  ", "a non-empty string"),
        ("attention_layer", "last", "an integer"),
        ("context_word", "", "a non-empty string"),
        ("context_sentences", ["One sentence."], "a list of two non-empty sentences"),
        ("context_sentences", ["One.", " "], "a list of two non-empty sentences"),
        ("by_hand_layer", -1, "an integer >= 0"),
        ("by_hand_head", 0.5, "an integer >= 0"),
        ("attention_head", -1, "an integer >= 0"),
        ("masked_text", "My dog is cute.", "[MASK] exactly once"),
        ("masked_text", "[MASK] and [MASK]", "[MASK] exactly once"),
        ("top_k", 0, "an integer >= 1"),
        ("mlm_probability", 0, "a number in (0, 1)"),
        ("mlm_probability", 1.0, "a number in (0, 1)"),
        ("mask_demo_sentences", 0, "an integer >= 1"),
        ("curve_epochs", 1, "an integer >= 2"),
        ("curve_lr", 0.0, "a number > 0"),
        ("curve_weight_decay", -0.1, "a number >= 0"),
        ("curve_dropout", 1.0, "a number in [0, 1)"),
        ("bandit_epsilons", [], "a non-empty list"),
        ("bandit_epsilons", [0.1, 1.5], "a non-empty list of numbers in [0, 1]"),
        ("bandit_steps", 5, "an integer >= 10"),
        ("bandit_arms", 1, "an integer >= 2"),
    ],
)
def test_concepts_names_the_bad_parameter(name, value, expected):
    with pytest.raises(ValueError) as err:
        params.check_concepts_params({**CONCEPTS, name: value})
    msg = str(err.value)
    assert msg.startswith(f"{name}") and repr(value) in msg and expected in msg, msg


def test_a_missing_parameter_is_named():
    values = dict(CONCEPTS)
    del values["top_k"]
    with pytest.raises(ValueError, match=r"\['top_k'\] are not defined"):
        params.check_concepts_params(values)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("split", "dev", "one of 'train', 'test'"),
        ("show_examples", 0, "an integer >= 1"),
        ("seed", -1, "an integer >= 0"),
        ("test_size", 1, "a number in (0, 1)"),
        ("test_size", "0.2", "a number in (0, 1)"),
    ],
)
def test_label_encoding_names_the_bad_parameter(name, value, expected):
    with pytest.raises(ValueError) as err:
        params.check_label_encoding_params({**LABELS, name: value})
    assert str(err.value).startswith(f"{name}={value!r}: expected {expected}")


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"strategy": "last"}, "strategy='last': expected one of 'first', 'all'"),
        ({"example_index": 100}, "example_index=100: expected an integer from 0 to 99"),
        ({"example_index": -1}, "example_index=-1"),
        ({"batch_indices": [3]}, "batch_indices=[3]: expected a list of at least 2 integers"),
        ({"batch_indices": [3, 200]}, "bad item 200"),
        ({"batch_indices": 3}, "batch_indices=3"),
        ({"max_length": 4}, "max_length=4: expected an integer from 8 to 512"),
        ({"max_length": 600}, "max_length=600"),
        ({"max_length": 32, "stride": 30}, "stride=30: expected an integer from 0 to 29"),
        ({"model_name": ""}, "model_name=''"),
    ],
)
def test_alignment_names_the_bad_parameter(change, expected):
    with pytest.raises(ValueError) as err:
        params.check_alignment_params({**ALIGN, **change}, n_sentences=100)
    assert expected in str(err.value)


def test_alignment_accepts_explicit_indices():
    params.check_alignment_params({**ALIGN, "example_index": 99, "batch_indices": (0, 5)}, 100)


def test_need_rules_return_the_value_and_respect_open_ends():
    assert params.need_int("n", 3, 1, 3) == 3
    assert params.need_number("p", 1, 0, 1, high_open=False) == 1.0
    assert params.need_number("lr", 1e-3, 0, low_open=True) == 1e-3
    with pytest.raises(ValueError, match="a number > 0"):
        params.need_number("lr", 0, 0, low_open=True)
    with pytest.raises(ValueError, match=r"nan"):
        params.need_number("x", float("nan"), 0)
    assert params.need_choice("s", "a", ("a", "b")) == "a"
    assert params.need_text("t", "[MASK] x", must_contain="[MASK]") == "[MASK] x"


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9]*.ipynb")))
def test_papermill_sees_every_parameter(notebook):
    """papermill silently skips a line it cannot parse (an "=" in the comment, for one): then
    ``-p name value`` would not override it. Every assignment must be a parameter it lists,
    with the cell's own default."""
    import papermill

    assigned = parameter_defaults(notebook)
    seen = papermill.inspect_notebook(str(NOTEBOOKS_DIR / notebook))
    assert assigned and sorted(seen) == sorted(assigned)
    for name, info in seen.items():
        assert ast.literal_eval(info["default"]) == assigned[name], name
        # `papermill --help-notebook` shows a type and a comment for each (README): an
        # annotation, and a comment on the line that ends the assignment
        assert info["inferred_type_name"] != "None", f"{notebook}: {name} has no type annotation"
        assert info["help"].strip(), f"{notebook}: {name} has no comment on its last line"
