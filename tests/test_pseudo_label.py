"""helpers.pseudo_label: selection by threshold, hidden labels, rounds, determinism, reports."""

from __future__ import annotations

import math
import random

import pytest

from helpers.data import Sentence, load_embedded
from helpers.labels import repair_bio
from helpers.metrics import ner_metrics
from helpers.predict import predict_word_tags
from helpers.pseudo_label import (
    Round,
    hide_labels,
    pseudo_label,
    pseudo_label_quality,
    reinforcement,
    run,
    select,
    sentence_confidence,
    split_labelled,
    threshold_sweep,
)
from helpers.train import TrainConfig
from tests.conftest import FAST

# ---------------------------------------------------------------- selection (synthetic)

CONF = [
    [0.99, 0.90, 0.95],  # min 0.90 exactly, mean 0.9467
    [0.99, 0.8999, 0.99],  # min just below 0.90, mean 0.9600
    [0.50, 1.00],  # min 0.50, mean 0.75
    [1.0],
]


def test_min_rule_keeps_exactly_the_sentences_whose_every_word_reaches_the_threshold():
    assert select(CONF, 0.9, "min") == [0, 3]
    assert select(CONF, 0.8999, "min") == [0, 1, 3]
    assert select(CONF, 0.0, "min") == [0, 1, 2, 3]
    assert select(CONF, 1.0, "min") == [3]


def test_mean_rule_averages_the_words():
    assert select(CONF, 0.95, "mean") == [1, 3]
    assert select(CONF, 0.76, "mean") == [0, 1, 3]
    assert sentence_confidence([0.5, 1.0], "mean") == 0.75
    assert sentence_confidence([0.5, 1.0], "min") == 0.5


@pytest.mark.parametrize("threshold", [-0.1, 1.01])
def test_threshold_outside_0_1_names_the_parameter(threshold):
    with pytest.raises(ValueError, match="^threshold="):
        select(CONF, threshold)


@pytest.mark.parametrize("threshold", [True, "0.5", float("nan")])
def test_a_threshold_that_is_not_a_number_is_refused_by_name(threshold):
    """True used to select as 1.0 and "0.5" stopped with a bare TypeError from the comparison."""
    with pytest.raises(ValueError, match=r"^threshold=.*: expected a probability in \[0, 1\]"):
        select(CONF, threshold)


def test_a_numpy_threshold_selects_as_the_same_float():
    import numpy as np

    assert select(CONF, np.float32(0.5)) == select(CONF, 0.5) == [0, 1, 2, 3]
    assert select(CONF, np.float64(0.9)) == select(CONF, 0.9) == [0, 3]


def test_bad_rule_and_empty_sentence_are_refused():
    with pytest.raises(ValueError, match="^rule="):
        select(CONF, 0.5, "max")
    with pytest.raises(ValueError, match="no words"):
        select([[]], 0.5)


# ---------------------------------------------------------------- splitting and hidden labels


def test_split_labelled_is_disjoint_sized_and_seeded():
    sents = load_embedded("train").sentences
    lab, pool = split_labelled(sents, 50, 200, seed=1)
    assert len(lab) == 50 and len(pool) == 200
    assert not {id(s) for s in lab} & {id(s) for s in pool}
    again, _ = split_labelled(sents, 50, 200, seed=1)
    other, _ = split_labelled(sents, 50, 200, seed=2)
    assert [s.line for s in again] == [s.line for s in lab]
    assert [s.line for s in other] != [s.line for s in lab]
    _, everything = split_labelled(sents, 50, None, seed=1)
    assert len(everything) == len(sents) - 50


@pytest.mark.parametrize(
    "kw,name",
    [
        ({"n_labelled": 0}, "n_labelled"),
        ({"n_unlabelled": 0}, "n_unlabelled"),
        # a text used to stop with a TypeError from the arithmetic; True passed as 1
        ({"n_labelled": "5"}, "n_labelled"),
        ({"n_labelled": True}, "n_labelled"),
        ({"n_unlabelled": True}, "n_unlabelled"),
    ],
)
def test_split_labelled_bad_sizes_name_the_parameter(kw, name):
    sents = load_embedded("train").sentences[:20]
    args = {"n_labelled": 5, "n_unlabelled": 10, **kw}
    with pytest.raises(ValueError, match=f"^{name}="):
        split_labelled(sents, **args)


@pytest.mark.parametrize("seed", [None, -1, 1.5, True])
def test_split_labelled_refuses_a_seed_that_is_not_one(seed):
    """None used to draw a different split on every call."""
    sents = load_embedded("train").sentences[:20]
    with pytest.raises(ValueError, match=r"^seed=.*: expected an integer from 0 to 2\*\*32-1"):
        split_labelled(sents, 5, 10, seed=seed)


def test_hide_labels_returns_words_only():
    s = [Sentence(["Paris", "is", "big"], ["B-geo", "O", "O"])]
    assert hide_labels(s) == [["Paris", "is", "big"]]


def test_pseudo_label_refuses_anything_that_carries_tags(tiny_model_dir, tok):
    from helpers.models import load_token_classifier

    model = load_token_classifier(tiny_model_dir, ["O", "B-geo", "I-geo"])
    labelled = Sentence(["Paris", "is", "big"], ["B-geo", "O", "O"])
    for pool in ([labelled], [(["Paris"], ["B-geo"])], ["Paris is big"]):
        with pytest.raises(TypeError, match="words only"):
            pseudo_label(model, tok, pool, 0.5)


@pytest.mark.parametrize("threshold, rule", [(0.0, "min"), (0.5, "mean")])
def test_pseudo_label_refuses_a_pool_word_without_a_token(tiny_model_dir, tok, threshold, rule):
    """Such a word got a guessed tag at confidence 0, which a threshold of 0 or the mean rule
    could select; training on it then failed, naming a training sentence, after round 0."""
    from helpers.models import load_token_classifier

    model = load_token_classifier(tiny_model_dir, ["O", "B-geo", "I-geo"])
    pool = [["Rain", "in", "Oslo"], ["in", "\u00ad", "Rome"]]
    with pytest.raises(ValueError, match=r"^pool\[1\]: word 2 \('\\xad'\) gives no token"):
        pseudo_label(model, tok, pool, threshold, rule)


@pytest.mark.slow
def test_pseudo_label_selects_by_the_models_own_confidences(full_run, tiny_data):
    """The selected sentences are exactly those whose predicted words all reach the threshold."""
    train, _, _ = tiny_data
    words = hide_labels(load_embedded("train").sentences[40:70])
    # fp32, as pseudo_label predicts: a bf16 CPU reruns only near-tie windows in fp32, so the
    # median sentence's confidence could differ in its last bits and miss its own threshold
    tags, conf = predict_word_tags(full_run.model, full_run.tokenizer, words, precision="fp32")
    mins = sorted(min(c) for c in conf)
    threshold = mins[len(mins) // 2]  # about half pass
    got = pseudo_label(full_run.model, full_run.tokenizer, words, threshold)
    assert got.selected == [i for i, c in enumerate(conf) if min(c) >= threshold]
    assert 0 < len(got.selected) < len(words)
    assert got.tags == [repair_bio(t) for t in tags]


# ---------------------------------------------------------------- report-only scores


def test_pseudo_label_quality_counts_entities():
    gold = [["B-geo", "O", "B-per", "I-per"], ["O", "O"]]
    pseudo = [["B-geo", "O", "B-per", "O"], ["B-org", "O"]]
    q = pseudo_label_quality(pseudo, gold)
    assert (q["entities"], q["predicted"], q["correct"]) == (2, 3, 1)
    assert math.isclose(q["precision"], 1 / 3) and math.isclose(q["recall"], 1 / 2)
    m = ner_metrics(gold, pseudo)  # seqeval agrees
    assert math.isclose(q["f1"], m["f1"]) and math.isclose(q["precision"], m["precision"])
    assert pseudo_label_quality([], [])["entities"] == 0


def test_threshold_sweep_trades_kept_sentences_for_precision():
    gold = [["B-geo", "O"], ["B-per", "O"], ["O", "B-tim"]]
    tags = [["B-geo", "O"], ["B-org", "O"], ["O", "O"]]
    conf = [[0.95, 0.99], [0.6, 0.9], [0.99, 0.7]]
    rows = threshold_sweep(tags, conf, gold, [0.0, 0.65, 0.9])
    assert [r["kept"] for r in rows] == [3, 2, 1]
    assert [r["wrong_entities"] for r in rows] == [1, 0, 0]
    assert math.isclose(rows[0]["precision"], 1 / 2) and rows[2]["precision"] == 1.0
    assert [round(r["coverage"], 3) for r in rows] == [0.333, 0.333, 0.333]
    assert math.isclose(rows[1]["recall_in_kept"], 1 / 2)  # the missed tim entity was kept


def test_the_mean_rule_keeps_what_the_min_rule_keeps():
    """A float mean can fall a hair below the minimum ([0.7] * 3 -> 0.6999...98): 'mean' then
    refused a sentence that 'min' kept at threshold 0.7, though a mean is never below a min."""
    for words in ([0.7] * 3, [0.1] * 10):
        assert select([words], words[0], "min") == [0] == select([words], words[0], "mean")
    assert sentence_confidence([0.2, 0.6], "mean") == pytest.approx(0.4)


def test_threshold_sweep_refuses_lists_of_different_lengths():
    """One gold list too many used to halve ``coverage`` without a word."""
    tags, conf = [["B-geo", "O"]], [[0.9, 0.9]]
    assert threshold_sweep(tags, conf, [["B-geo", "O"]], [0.5])[0]["coverage"] == 1.0
    with pytest.raises(ValueError, match="1 tag lists, 1 confidence lists and 2 gold tag lists"):
        threshold_sweep(tags, conf, [["B-geo", "O"], ["B-per", "O"]], [0.5])
    with pytest.raises(ValueError, match="1 tag lists, 0 confidence lists and 1 gold"):
        threshold_sweep(tags, [], [["B-geo", "O"]], [0.5])


def test_reinforcement_follows_the_wrong_words():
    gold = [["B-geo", "O", "O"]]
    old = [["B-org", "O", "B-per"]]  # two wrong words
    new = [["B-org", "O", "O"]]  # retrained: keeps the first mistake, fixes the second
    r = reinforcement(old, [[0.6, 0.9, 0.5]], new, [[0.9, 0.9, 0.8]], gold)
    assert (r["wrong_words"], r["kept_wrong"]) == (2, 1)
    assert math.isclose(r["confidence_before"], 0.55) and math.isclose(r["confidence_after"], 0.85)


# ---------------------------------------------------------------- the loop (trains the tiny model)


def _setup(full_run, tiny_data, seed=0):
    train, _, labels = tiny_data
    pool_sents = load_embedded("train").sentences[40:70]
    test = load_embedded("test").sentences[:12]
    cfg = TrainConfig(model_name=full_run.config["model_name"], output_dir="unused", seed=seed)
    for k, v in FAST.items():
        setattr(cfg, k, v)
    return train[:16], pool_sents, test, labels, cfg


@pytest.mark.slow
def test_rounds_accumulate_and_selected_sentences_keep_their_pseudo_tags(
    full_run, tiny_data, tmp_path, monkeypatch
):
    from helpers import pseudo_label as pl_module

    trained = []  # what each training call of the loop saw: its sentences
    real = pl_module.train_ner
    monkeypatch.setattr(
        pl_module,
        "train_ner",
        lambda train, *a, **k: (trained.append(list(train)), real(train, *a, **k))[1],
    )
    labelled, pool_sents, test, labels, cfg = _setup(full_run, tiny_data)
    cfg.output_dir = str(tmp_path)
    words = hide_labels(pool_sents)
    tags0, conf0 = predict_word_tags(full_run.model, full_run.tokenizer, words, precision="fp32")
    mins = sorted(min(c) for c in conf0)
    threshold = mins[len(mins) // 2]
    round0 = Round(0, 0, 0, len(labelled), False, {"f1": 0.0}, 0.0)
    out = run(
        labelled,
        words,
        test,
        labels,
        cfg,
        threshold,
        rounds=2,
        start=(full_run.model, full_run.tokenizer, round0),
    )
    first = [i for i, c in enumerate(conf0) if min(c) >= threshold]
    # round 1 took exactly the sentences the starting model was sure of, with its tags
    assert sorted(i for i, (r, _) in out.pseudo.items() if r == 1) == first
    assert all(out.pseudo[i][1] == repair_bio(tags0[i]) for i in first)
    # counts add up round by round; nothing is pseudo-labelled twice
    assert [r.round for r in out.rounds] == [0, 1, 2]
    assert out.rounds[1].n_new == len(first)
    for prev, cur in zip(out.rounds, out.rounds[1:], strict=False):
        assert cur.n_pseudo == prev.n_pseudo + cur.n_new
    # the report against what was trained: one call per round that took sentences, on the
    # labelled ones plus every pseudo-labelled one so far, with their pseudo tags
    retrained = [r for r in out.rounds[1:] if r.retrained]
    assert [r.n_train for r in retrained] == [len(t) for t in trained] and trained
    assert [r.round for r in out.rounds[1:] if r.n_new > 0] == [r.round for r in retrained]
    last = trained[-1]
    assert last[: len(labelled)] == labelled
    assert sorted(tuple(s.tags) for s in last[len(labelled) :]) == sorted(
        tuple(tags) for _, tags in out.pseudo.values()
    )
    assert len(out.pseudo) == out.rounds[2].n_pseudo <= len(words)
    # round 2 only looked at what round 1 left in the pool
    assert len(out.last_labels.tags) == len(words) - len(first)


@pytest.mark.slow
def test_hidden_gold_never_changes_the_selection_and_a_seed_repeats(full_run, tiny_data, tmp_path):
    """Three runs, same seed: real hidden gold, poisoned hidden gold, none at all.

    Selections, pseudo tags and test scores must be identical; only the report fields differ.
    """
    labelled, pool_sents, test, labels, cfg = _setup(full_run, tiny_data, seed=5)
    cfg.output_dir = str(tmp_path)
    words = hide_labels(pool_sents)
    gold = [s.tags for s in pool_sents]
    rng = random.Random(0)
    poisoned = [[rng.choice(labels) for _ in t] for t in gold]
    kw = {"threshold": 0.3, "rounds": 1}
    runs = [
        run(labelled, words, test, labels, cfg, pool_gold=g, **kw) for g in (gold, poisoned, None)
    ]
    assert runs[0].pseudo, "nothing was selected: the test shows nothing"
    for other in runs[1:]:
        assert other.pseudo == runs[0].pseudo
        assert other.f1() == runs[0].f1()
    assert runs[0].rounds[1].new_quality != runs[1].rounds[1].new_quality
    assert runs[2].rounds[1].new_quality == {}


def test_run_checks_its_parameters_before_training(tiny_data):
    labelled, _, labels = tiny_data
    cfg = TrainConfig()
    words = hide_labels(labelled[:3])
    with pytest.raises(ValueError, match="^threshold="):
        run(labelled, words, labelled, labels, cfg, threshold=1.5)
    with pytest.raises(ValueError, match="^rounds="):
        run(labelled, words, labelled, labels, cfg, rounds=-1)
    with pytest.raises(ValueError, match="^rounds=True: expected an integer >= 0"):
        run(labelled, words, labelled, labels, cfg, rounds=True)  # ran as one round
    with pytest.raises(TypeError, match="words only"):
        run(labelled, labelled, labelled, labels, cfg)
    with pytest.raises(ValueError, match=r"^pool\[0\]: word 1 \('\\u200b'\) gives no token"):
        run(labelled, [["\u200b", "Rome"]], labelled, labels, cfg)  # before round 0 trains


@pytest.mark.slow
def test_command_writes_the_results_file(tiny_model_dir, tmp_path, monkeypatch):
    import json

    from helpers import pseudo_label as module
    from helpers.pseudo_label import main
    from helpers.results import stale_fields

    ceilings = []  # (labelled, pool, scores) of each ceiling run

    def spy(labelled, pool, test, labels, cfg):
        result = real_ceiling(labelled, pool, test, labels, cfg)
        ceilings.append((len(labelled), len(pool), result[0]))
        return result

    real_ceiling = module.ceiling
    monkeypatch.setattr(module, "ceiling", spy)

    out = tmp_path / "pl.json"
    args = ["--seeds", "1", "--n-labelled", "12", "--n-unlabelled", "12", "--epochs", "1",
            "--rounds", "1", "--threshold", "0.6", "--low-threshold", "0.1", "--precision",
            "fp32", "--model", tiny_model_dir, "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    rep = json.loads(out.read_text())
    assert rep["command"].startswith("python -m helpers.pseudo_label --seeds 1")
    assert "bf16 units:" in rep["cpu"] and rep["precision"] == "fp32" and rep["threads"] >= 1
    assert rep["parameters"]["threshold"] == 0.6 and rep["parameters"]["n_unlabelled"] == 12
    # the training configuration: what the study sets itself, everything else TrainConfig's default
    assert rep["config"]["epochs"] == 1 and rep["config"]["precision"] == "fp32"
    assert rep["config_overrides"] == ["epochs", "model_name", "output_dir", "precision", "seed"]
    assert stale_fields(rep) == []
    (seed,) = rep["seeds"]
    high, low = seed["runs"]["0.6"], seed["runs"]["0.1"]
    assert [r["round"] for r in high] == [0, 1] == [r["round"] for r in low]
    # both thresholds start from the same round-0 model: same baseline, nested round-1 selections
    assert high[0]["test"] == low[0]["test"] == seed["baseline"]
    assert low[1]["n_new"] >= high[1]["n_new"]
    # the ceiling trained on the 12 labelled + the whole pool of 12, and the file holds its scores
    assert [(a, b) for a, b, _ in ceilings] == [(12, 12)]
    assert seed["ceiling"] == ceilings[0][2] and seed["ceiling_train_seconds"] >= 0


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--seeds", "0"], "--seeds 0: expected an integer >= 1"),
        (["--threshold", "2"], "--threshold 2.0: expected a number in [0, 1]"),
        (["--low-threshold", "-0.5"], "--low-threshold -0.5: expected a number in [0, 1], or -1"),
        (["--rounds", "0"], "--rounds 0: expected an integer >= 1"),
        # one results key for both: notebook 08 counted each seed twice
        (["--low-threshold", "0.5"], "--low-threshold 0.5: expected a threshold other than"),
        (["--precision", "int8"], "precision='int8': expected one of"),
        (["--n-labelled", "5000"], "--n-labelled 5000: expected an integer in 1..3021"),
        (["--n-unlabelled", "5000"], "--n-unlabelled 5000: expected 0 (the rest) or an integer"),
        (["--model", "/nonexistent"], "--model '/nonexistent' is neither a local directory"),
    ],
)
def test_command_refuses_bad_options_before_writing_anything(argv, expected, tmp_path, capsys):
    """``--seeds 0`` used to write a results file of no seeds over the committed one."""
    from helpers.pseudo_label import main

    out = tmp_path / "results.json"
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--out", str(out)])
    assert stop.value.code == 2 and expected in capsys.readouterr().err
    assert not out.exists()


def test_command_refuses_an_out_it_could_not_write_before_any_run(tmp_path, capsys):
    """``--out`` used to be checked when writing, after every run: a folder (or a path under a
    file) lost the whole study behind a traceback."""
    from helpers.pseudo_label import main

    for out, expected in [(tmp_path, "it is a folder"), (__file__ + "/x.json", "is a file")]:
        with pytest.raises(SystemExit) as stop:
            main(["--out", str(out)])
        assert stop.value.code == 2 and expected in capsys.readouterr().err


def test_score_refuses_a_gold_word_without_a_token(tok):
    """Its tag would be a guess (the previous word's, continued) that seqeval scores."""
    from helpers.pseudo_label import score

    test = [Sentence(["Rain", "in", "Oslo"], ["O", "O", "B-geo"], "d1", 4),
            Sentence(["in", "\u200b", "Rome"], ["O", "O", "B-geo"], "d2", 7)]  # fmt: skip
    with pytest.raises(ValueError, match=r"line 7.*word 2 \('\\u200b'\) gives no token"):
        score(None, tok, test)
