"""The quality bars of notebooks 01, 04, 05, 06, 07 and 08 stop a default run that regressed, let
through the runs their exercises and parameters offer (`-p negatives same_doc` (06) and
`-p mlm_probability 0.4` (07) used to stop at the bar before the exercises, `-p rule mean` (08) at
its precision check), and where a bar calibrated for the default run stops a smaller one, say
which parameter to lower. The bar cells run here on made-up results, so each rule is tested
without training."""

from __future__ import annotations

import ast
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from tests.notebook_cells import code_cell, notebook_namespace, parameter_defaults


def nsp_bar(low: float, negatives: str = "other_doc", model_name: str = "minilm") -> dict:
    """Notebook 06's bar cell, given a held-out interval whose lower end is ``low``."""
    return notebook_namespace(
        "06_nsp.ipynb",
        'excludes = after["low"]',
        after={"pairs": 10, "low": low},
        test_pairs=[None] * 10,
        min_lower_bound=0.5,
        negatives=negatives,
        model_name=model_name,
    )


def test_nsp_bar_passes_and_stops_the_default_run(capsys):
    nsp_bar(0.539)
    assert "excludes chance (0.5): ok" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="lower end 0.490 is not above 0.5.*min_lower_bound"):
        nsp_bar(0.49)


@pytest.mark.parametrize(
    "negatives, model_name", [("same_doc", "minilm"), ("other_doc", "bert-base-uncased")]
)
def test_nsp_bar_reports_what_other_settings_find(negatives, model_name, capsys):
    assert nsp_bar(0.49, negatives, model_name)["verdict"] == "does not exclude"
    assert "does not exclude chance (0.5): its lower end is 0.490" in capsys.readouterr().out


def lm_bar(mlm_probability: float, clm_targets: int, mlm_targets: int, fall: float = 3.0) -> dict:
    """Notebook 07's bar cell, given each model's targets over the same 100 tokens and a loss
    that fell by ``fall`` nats."""
    losses = [8.0] * 10 + [8.0 - fall] * 10
    runs = {
        kind: SimpleNamespace(losses=losses, tokens=[100], positions=[targets])
        for kind, targets in (("clm", clm_targets), ("mlm", mlm_targets))
    }
    return notebook_namespace(
        "07_clm_vs_mlm.ipynb",
        'ratio = sum(runs["clm"]',
        runs=runs,
        tok=range(5000),
        math=math,
        loss_drop=1.0,
        mlm_probability=mlm_probability,
    )


def test_lm_bar_scales_with_the_masking_rate():
    assert lm_bar(0.15, 97, 14)["ratio"] > 6  # the default's ~7x
    assert lm_bar(0.4, 97, 37)["ratio"] < 3  # exercise 3's run: 2.6x, no longer stopped
    with pytest.raises(AssertionError, match=r"^3\.23"):  # the message is the ratio
        lm_bar(0.15, 97, 30)  # 3.2x at 15% masking: fewer than half the expected targets


def test_lm_loss_bar_says_how_to_go_on_with_a_shorter_run():
    with pytest.raises(AssertionError, match="from 8.00 to 7.30.*pass a smaller loss_drop"):
        lm_bar(0.15, 97, 14, fall=0.7)  # e.g. -p n_sentences 300: fewer steps, a smaller fall


def sweep_bar(rule: str, min_precision_at_half: float, model_name: str = "minilm") -> dict:
    """Notebook 08's sweep check, given each rule's table at thresholds 0 and 0.5 (the "mean"
    rule keeping every pool sentence at 0.5, as in the committed run's table)."""
    tables = {
        "min": pd.DataFrame(
            {
                "threshold": [0.0, 0.5],
                "kept": [100, 24],
                "wrong_entities": [131, 16],
                "coverage": [0.61, 0.11],
                "precision": [0.539, min_precision_at_half],
            }
        ),
        "mean": pd.DataFrame(
            {
                "threshold": [0.0, 0.5],
                "kept": [100, 100],
                "wrong_entities": [131, 131],
                "coverage": [0.61, 0.61],
                "precision": [0.539, 0.539],
            }
        ),
    }
    return notebook_namespace(
        "08_pseudo_labelling.ipynb",
        "no precision gained",
        tables=tables,
        rule=rule,
        threshold=0.5,
        model_name=model_name,
    )


def test_sweep_bar_checks_the_default_rule_only():
    sweep_bar("min", 0.636)  # the committed run: precision rose from 0.539
    with pytest.raises(AssertionError, match="no precision gained"):
        sweep_bar("min", 0.5)
    sweep_bar("mean", 0.5)  # keeps every sentence at 0.5: nothing to gain, not a failure
    sweep_bar("min", 0.5, model_name="bert-base-uncased")  # calibrated for the embedded model


@pytest.mark.parametrize(
    "notebook, marker, results",
    [
        ("04_ner.ipynb", 'f1 = test_metrics["f1"]', {"test_metrics": {"f1": 0.427}}),
        ("08_pseudo_labelling.ipynb", 'assert baseline["f1"]', {"baseline": {"f1": 0.2}}),
    ],
)
def test_f1_floors_hold_and_say_how_to_go_on_with_a_smaller_run(notebook, marker, results):
    given = {"model_name": "minilm", "calibrated": True, "f1_floor": 0.7}
    with pytest.raises(AssertionError, match="calibrated for the default run.*lower f1_floor"):
        notebook_namespace(notebook, marker, **given, **results)  # e.g. -p n_sentences 100
    notebook_namespace(notebook, marker, **{**given, "f1_floor": 0.1}, **results)


def test_notebook01_checks_its_curves_on_the_defaults_of_its_parameters_cell():
    """Notebook 01 checks its loss-curve bars only when ``defaults = (names) == (values)`` holds.
    Those values must be the parameters cell's: if a default changed there alone, the default
    run would skip the bars and nbval would no longer check them."""
    found = [
        node.value
        for node in ast.parse(code_cell("01_concepts.ipynb", "defaults = (")).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "defaults"
    ]
    assert len(found) == 1 and isinstance(found[0], ast.Compare)
    names = [n.id for n in found[0].left.elts]
    values = [ast.literal_eval(v) for v in found[0].comparators[0].elts]
    cell = parameter_defaults("01_concepts.ipynb")
    assert len(names) >= 6 and dict(zip(names, values, strict=True)) == {n: cell[n] for n in names}


def warm_up_bar(before: float, random: float = 40_000.0) -> dict:
    """Notebook 05's warm-up bar, given perplexities after the warm-up and of the random head."""
    from helpers.mlm import AdaptConfig

    return notebook_namespace(
        "05_mlm.ipynb",
        "the warm-up must buy a lot",
        before=SimpleNamespace(n_masked=10, perplexity=before),
        n_masked=10,
        warm=SimpleNamespace(steps=[1.0] * 75),
        random_ppl=SimpleNamespace(perplexity=random),
        tokenizer=range(30522),
        AdaptConfig=AdaptConfig,
    )


def test_warm_up_bar_passes_a_good_warm_up_and_names_the_default_run():
    warm_up_bar(1_300.0)
    with pytest.raises(AssertionError, match=r"75 steps, perplexity 20,000 .*3 epochs of 400"):
        warm_up_bar(20_000.0)


def ceiling_bar(top: float, baseline: float, model_name: str = "minilm") -> dict:
    """Notebook 08's ceiling check, given the two F1s (no pseudo-labelling round)."""
    return notebook_namespace(
        "08_pseudo_labelling.ipynb",
        'beats = top["f1"] > baseline["f1"]',
        result=SimpleNamespace(rounds=[], pseudo=[]),
        pool=[],
        top={"f1": top},
        baseline={"f1": baseline},
        model_name=model_name,
        n_labelled=1,
    )


def test_ceiling_bar_holds_for_the_embedded_model_and_reports_otherwise(capsys):
    ceiling_bar(0.80, 0.56)
    assert "the ceiling is above the baseline: ok" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"F1 0.060.*F1 0.071, 1 labelled sentences"):
        ceiling_bar(0.06, 0.071)
    ceiling_bar(0.06, 0.071, model_name="my-model")
    assert "ceiling F1 0.060, baseline 0.071" in capsys.readouterr().out
