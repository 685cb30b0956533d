"""helpers.params: each notebook's defaults pass, and every bad value names its parameter."""

from __future__ import annotations

import ast

import pytest

from helpers import params
from helpers.data import load_embedded
from helpers.lm import check_clm_params
from helpers.mlm import AdaptConfig
from helpers.nsp import check_nsp_params
from helpers.paths import NOTEBOOKS_DIR
from helpers.pseudo_label import check_pseudo_label_params
from helpers.train import TrainConfig
from tests.notebook_cells import notebook_namespace, parameter_defaults

# each notebook's own parameters cell, read as literals: the defaults a learner starts from
CONCEPTS = parameter_defaults("01_concepts.ipynb")
LABELS = parameter_defaults("02_label_encoding.ipynb")
ALIGN = parameter_defaults("03_subword_alignment.ipynb")
NSP = parameter_defaults("06_nsp.ipynb")
CLM = parameter_defaults("07_clm_vs_mlm.ipynb")
PSEUDO = parameter_defaults("08_pseudo_labelling.ipynb")


def test_the_committed_defaults_pass():
    params.check_concepts_params(CONCEPTS)
    params.check_label_encoding_params(LABELS)
    params.check_alignment_params(ALIGN, n_sentences=100)
    check_nsp_params(NSP)
    check_clm_params(CLM)
    check_pseudo_label_params(PSEUDO)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("seed", 1.5, "an integer"),
        ("seed", True, "an integer"),
        ("seed", -1, "an integer from 0 to 2**32-1"),  # set_seed's range
        ("seed", 2**40, "an integer from 0 to 2**32-1"),
        ("curve_lr", float("inf"), "a number > 0"),
        ("curve_lr", 10**400, "a number > 0"),  # an int no float holds: not an OverflowError
        ("curve_weight_decay", float("inf"), "a number >= 0"),
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
        ("seed", -1, "an integer from 0 to 2**32-1"),
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


@pytest.mark.parametrize(
    "check, defaults, name, value, expected",
    [
        (check_nsp_params, NSP, "negatives", "hard", "one of 'other_doc', 'same_doc'"),
        (check_nsp_params, NSP, "n_train_documents", 1, "an integer >= 2"),
        (check_nsp_params, NSP, "seed", -1, "an integer from 0 to 2**32-1"),
        (check_nsp_params, NSP, "epochs", 0, "an integer >= 1"),
        (check_nsp_params, NSP, "batch_size", 2.0, "an integer >= 1"),
        (check_nsp_params, NSP, "learning_rate", 0, "a number > 0"),
        (check_nsp_params, NSP, "head_learning_rate", -1e-3, "a number > 0"),
        (check_nsp_params, NSP, "freeze_layers", -1, "an integer >= 0"),
        (check_nsp_params, NSP, "train_hard", "False", "True or False"),
        (check_nsp_params, NSP, "min_lower_bound", 1.0, "a number in [0, 1)"),
        (check_clm_params, CLM, "n_sentences", 1, "an integer >= 2"),
        # 03 shows the first batch and an exercise reads the second: IndexError after training
        (check_clm_params, CLM, "n_sentences", 63, "None or an integer >= 2 * batch_size = 64"),
        (check_clm_params, CLM, "batch_size", 1, "an integer >= 2"),
        (check_clm_params, CLM, "learning_rate", 0.0, "a number > 0"),
        (check_clm_params, CLM, "layers", 0, "an integer >= 1"),
        (check_clm_params, CLM, "hidden", 129, "a multiple of heads=2"),
        (check_clm_params, CLM, "heads", 0, "an integer >= 1"),
        (check_clm_params, CLM, "max_length", 4, "an integer from 8 to 512"),
        (check_clm_params, CLM, "mlm_probability", 1.0, "a number in (0, 1)"),
        (check_clm_params, CLM, "mask_text", " ", "a non-empty string"),
        (check_clm_params, CLM, "prompts", [], "a non-empty list of texts"),
        (check_clm_params, CLM, "prompts", ["the", ""], "a non-empty string"),
        (check_clm_params, CLM, "masked_texts", ["no mask here"], "[MASK] exactly once"),
        (check_clm_params, CLM, "new_tokens", 0, "an integer >= 1"),
        (check_clm_params, CLM, "loss_drop", -0.5, "a number >= 0"),
        (check_clm_params, CLM, "loss_drop", float("inf"), "a number >= 0"),
        (check_clm_params, CLM, "learning_rate", float("inf"), "a number > 0"),
        (check_clm_params, CLM, "seed", 2**32, "an integer from 0 to 2**32-1"),
        (check_nsp_params, NSP, "learning_rate", float("inf"), "a number > 0"),
        (check_nsp_params, NSP, "seed", 2**40, "an integer from 0 to 2**32-1"),
        (check_pseudo_label_params, PSEUDO, "n_labelled", 0, "an integer >= 1"),
        (check_pseudo_label_params, PSEUDO, "n_unlabelled", 1.5, "an integer >= 1"),
        (check_pseudo_label_params, PSEUDO, "threshold", 1.5, "a number in [0, 1]"),
        (check_pseudo_label_params, PSEUDO, "rule", "max", "one of 'min', 'mean'"),
        (check_pseudo_label_params, PSEUDO, "rounds", 0, "an integer >= 1"),
        (check_pseudo_label_params, PSEUDO, "sweep", [], "a non-empty list of thresholds"),
        (check_pseudo_label_params, PSEUDO, "sweep", [0.5, 2], "a number in [0, 1]"),
        (check_pseudo_label_params, PSEUDO, "results_file", "", "a non-empty string"),
        (check_pseudo_label_params, PSEUDO, "f1_floor", -0.1, "a number in [0, 1]"),
    ],
)
def test_chapters_06_to_08_name_the_bad_parameter(check, defaults, name, value, expected):
    with pytest.raises(ValueError) as err:
        check({**defaults, name: value})
    msg = str(err.value)
    assert msg.startswith(name) and expected in msg, msg


@pytest.mark.parametrize(
    "check, values, name",
    [
        (params.check_concepts_params, CONCEPTS, "context_sentences"),
        (params.check_concepts_params, CONCEPTS, "bandit_epsilons"),
        (lambda v: params.check_alignment_params(v, 100), ALIGN, "batch_indices"),
        (check_clm_params, CLM, "prompts"),
        (check_clm_params, CLM, "masked_texts"),
        (check_pseudo_label_params, PSEUDO, "sweep"),
    ],
)
def test_a_list_passed_with_p_is_refused_with_the_y_hint(check, values, name):
    """``papermill -p sweep "[0.5, 0.9]"`` passes the text, not a list (07's ``for p in
    prompts`` would take a text letter by letter); the message says how to pass a list."""
    text = str(values[name] if values[name] is not None else [1, 2])
    with pytest.raises(ValueError) as err:
        check({**values, name: text})
    assert str(err.value).startswith(f"{name}={text!r}: expected a")
    assert f'papermill passes a list with -y "{name}: [...]"' in str(err.value)


@pytest.mark.parametrize(
    "config, field", [(TrainConfig, "freeze_embeddings"), (TrainConfig, "cache_frozen"),
                      (AdaptConfig, "whole_word_mask")],
)  # fmt: skip
def test_a_boolean_parameter_refuses_a_truthy_string(config, field):
    """papermill's ``-p freeze_embeddings false`` passes the string "false", which is true: the
    run would silently do the opposite of what was asked."""
    with pytest.raises(ValueError, match=rf"^{field}='false': expected True or False"):
        config(**{field: "false"}).validate()
    untied = {"freeze_layers": 0} if field == "freeze_embeddings" else {}  # nothing frozen above
    config(**{field: False, **untied}).validate()


@pytest.mark.parametrize(
    "notebook, marker, name, value",
    [
        ("04_ner.ipynb", "config.validate()", "freeze_embeddings", "false"),
        ("04_ner.ipynb", "config.validate()", "f1_floor", "0.7"),
        ("04_ner.ipynb", "config.validate()", "test_size", 2),
        ("04_ner.ipynb", "config.validate()", "overwrite", "false"),
        ("05_mlm.ipynb", "config.validate()", "whole_word_mask", "false"),
        ("06_nsp.ipynb", "check_nsp_params(globals())", "train_hard", "false"),
        ("07_clm_vs_mlm.ipynb", "check_clm_params(globals())", "hidden", 129),
        ("08_pseudo_labelling.ipynb", "check_pseudo_label_params(globals())", "f1_floor", -0.1),
    ],
)
def test_each_chapters_imports_cell_checks_its_parameters(notebook, marker, name, value):
    """The notebook calls its check in the cell that runs first after the parameters."""
    given = {**parameter_defaults(notebook), name: value}
    with pytest.raises(ValueError, match=rf"^{name}={value!r}: expected"):
        notebook_namespace(notebook, marker, **given)


# the cells that check each notebook's parameters, in order: the first code cells after the
# parameters (04 checks its split in its data cell)
CHECK_CELLS = {
    "01_concepts.ipynb": ("check_concepts_params(globals())",),
    "02_label_encoding.ipynb": ("check_label_encoding_params(globals())",),
    "03_subword_alignment.ipynb": ("check_alignment_params(",),
    "04_ner.ipynb": ("config.validate()", "experiment_splits("),
    "05_mlm.ipynb": ("config.validate()",),
    "06_nsp.ipynb": ("check_nsp_params(globals())",),
    "07_clm_vs_mlm.ipynb": ("check_clm_params(globals())",),
    "08_pseudo_labelling.ipynb": ("check_pseudo_label_params(globals())",),
}


@pytest.mark.parametrize("notebook", sorted(CHECK_CELLS))
def test_every_parameter_refuses_a_value_of_the_wrong_kind_by_name(notebook, capsys):
    """A number, flag or list given as text ("x"), or a text given as a number (5), stops the
    notebook in its checking cells with a message that starts with the parameter's name (not a
    TypeError deep in a later cell, nor a run that goes on with it)."""
    defaults = parameter_defaults(notebook)
    assert set(CHECK_CELLS) == {p.name for p in NOTEBOOKS_DIR.glob("[0-9]*.ipynb")}
    passed = []
    for name, default in defaults.items():
        bad = 5 if isinstance(default, str) else "x"
        try:
            notebook_namespace(notebook, *CHECK_CELLS[notebook], **{**defaults, name: bad})
            passed.append(name)
        except (ValueError, FileNotFoundError) as e:
            assert str(e).startswith(f"{name}={bad!r}"), (name, str(e))
    assert passed == [], f"{notebook}: no check refused {passed} given a value of the wrong kind"
    capsys.readouterr()  # what the cells printed on the way


def test_notebook07_refuses_a_max_length_its_texts_do_not_fit_before_training(capsys):
    """``-p max_length 10`` passes the parameter check but cannot hold the default masked
    texts: refused in the vocabulary cell, naming the text, before any model is built."""
    with pytest.raises(ValueError, match=r"^masked_texts item='the president said on \[MASK\]"):
        notebook_namespace("07_clm_vs_mlm.ipynb", "check_clm_params(globals())",
                           "need_available(", **{**CLM, "max_length": 10})  # fmt: skip
    notebook_namespace("07_clm_vs_mlm.ipynb", "check_clm_params(globals())", "need_available(",
                       **{**CLM, "max_length": 16})  # fmt: skip
    capsys.readouterr()


@pytest.mark.parametrize(
    "notebook, markers, name, none_is_all",
    [
        ("01_concepts.ipynb", ("check_concepts_params(globals())",
                               '"mask_demo_sentences", mask_demo_sentences'),
         "mask_demo_sentences", False),
        ("01_concepts.ipynb", ("check_concepts_params(globals())",
                               '("n_train_sentences", n_train_sentences)'),
         "n_train_sentences", False),
        ("02_label_encoding.ipynb", ("check_label_encoding_params(globals())",
                                     '"show_examples", show_examples'),
         "show_examples", False),
        ("05_mlm.ipynb", ("config.validate()", "adaptation_text("), "n_sentences", True),
        ("06_nsp.ipynb", ("check_nsp_params(globals())", "need_available("), "n_train_documents",
         True),
        ("07_clm_vs_mlm.ipynb", ("check_clm_params(globals())", "need_available("), "n_sentences",
         True),
    ],
)  # fmt: skip
def test_a_count_beyond_the_data_is_refused_not_cut(notebook, markers, name, none_is_all, capsys):
    """01, 02, 05, 06 and 07 used to slice the data (so 10**6 meant "all" without a word); 04
    and 08 already refused. Where the parameter allows it, ``None`` asks for all."""
    defaults = {**parameter_defaults(notebook), "corpus": load_embedded("train")}  # 01's
    with pytest.raises(ValueError, match=rf"^{name}=1000000: .* has only \d+ .*None \(all\)"):
        notebook_namespace(notebook, *markers, **{**defaults, name: 10**6})
    if none_is_all:
        notebook_namespace(notebook, *markers, **{**defaults, name: None})
    capsys.readouterr()


def test_need_file_finds_a_file_from_the_repo_root_and_names_the_parameter(tmp_path, monkeypatch):
    from helpers.paths import REPO_ROOT, need_file

    monkeypatch.chdir(tmp_path)  # as from notebooks/ or anywhere else
    embedded = "data/news_ner_train.csv"
    assert need_file("data_path", embedded) == REPO_ROOT / embedded
    assert need_file("data_path", None) is None
    (tmp_path / "mine.csv").write_text("x")
    assert need_file("data_path", "mine.csv").resolve() == (tmp_path / "mine.csv").resolve()
    with pytest.raises(FileNotFoundError, match=r"^data_path='data': a folder, expected a file"):
        need_file("data_path", "data")
    with pytest.raises(FileNotFoundError, match=r"^data_path='nope.csv': no such file"):
        need_file("data_path", "nope.csv")
    with pytest.raises(ValueError, match=r"^data_path=5: expected None or a file path"):
        need_file("data_path", 5)


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


@pytest.mark.parametrize("layer", [-7, 6, -100])
def test_notebook01_names_an_attention_layer_the_model_lacks(layer):
    """``attentions[-100]`` used to stop with the tuple's IndexError, naming no parameter; the
    attention cell now checks the layer against the model's before running it."""
    from types import SimpleNamespace

    with pytest.raises(ValueError, match=rf"^attention_layer={layer}: expected -6\.\.5$"):
        notebook_namespace(
            "01_concepts.ipynb", "output_attentions=True).attentions[attention_layer]",
            cfg=SimpleNamespace(num_hidden_layers=6), attention_layer=layer,
        )  # fmt: skip


def test_a_numpy_number_is_refused_with_the_conversion_to_make():
    """np.int64(3) read "expected an integer" (it is one); a numpy number would reach JSON files
    and configs, which need Python's, so the message says what to pass."""
    import numpy as np

    from helpers.params import need_int, need_number

    with pytest.raises(ValueError, match=r"^seed=np.int64\(3\): expected .* \(a Python int: pass"):
        need_int("seed", np.int64(3), low=0)
    with pytest.raises(ValueError, match=r"\(a Python number: pass float\(lr\)\)$"):
        need_number("lr", np.float32(0.1), 0.0)
    with pytest.raises(ValueError, match=r"^seed=3.0: expected an integer >= 0$"):
        need_int("seed", 3.0, low=0)  # no hint where int() is not the point
    from helpers.params import need_seed
    from helpers.train import TrainConfig

    # need_seed and the configs' own checks said "expected an integer" to np.int64 too
    with pytest.raises(
        ValueError, match=r"^seed=np.int64\(3\): .* \(a Python int: pass int\(seed\)\)$"
    ):
        need_seed("seed", np.int64(3))
    with pytest.raises(
        ValueError, match=r"^epochs=np.int64\(2\): .* \(a Python int: pass int\(epochs\)\)$"
    ):
        TrainConfig(epochs=np.int64(2)).validate()
    with pytest.raises(
        ValueError, match=r"^learning_rate=np.float32\(.*\(a Python number: pass float\("
    ):
        TrainConfig(learning_rate=np.float32(1e-3)).validate()


def test_a_one_number_tensor_is_refused_with_item_as_the_conversion():
    """The docstring promised a hint for a tensor, which is no numbers.Real: it got none."""
    import numpy as np
    import torch

    from helpers.params import need_int, need_number

    with pytest.raises(ValueError, match=r"^lr=tensor\(0.1000\): .* \(a tensor or array: pass lr"):
        need_number("lr", torch.tensor(0.1), 0.0)
    with pytest.raises(ValueError, match=r"\(a tensor or array: pass epochs.item\(\)\)$"):
        need_int("epochs", np.array(2), low=1)
    with pytest.raises(ValueError, match=r"^lr=tensor\(\[0.1000\]\): expected a number >= 0.0$"):
        need_number("lr", torch.tensor([0.1]), 0.0)  # not one number: no hint
