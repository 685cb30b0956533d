"""helpers.bench: the work it counts per recipe (the benchmarks themselves print figures and are
never run as tests)."""

from __future__ import annotations

import json
import shlex

import pytest

from helpers.bench import ABLATION, NAIVE, RECIPES, inference_gflop, training_gflop
from helpers.models import load_token_classifier
from helpers.train import TrainConfig


@pytest.fixture(scope="module")
def two_layer(module_dir, tok, gmb_labels):
    from helpers.models import load_encoder

    path = module_dir("bench_two_layer")
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


# ---------------------------------------------------------------- the casing study


def _fake_run(gains: dict[str, float], seconds: dict[str, float], calls: list):
    """A protocol_run stand-in: F1 = a per-split base + the arm's gain, fixed train seconds."""

    def run(overrides, window, seed, validation_size, keep):
        arm = overrides["casing"]
        calls.append((window, seed, arm, validation_size, keep))
        base = 0.7 + 0.01 * window + 0.001 * (seed % 7)
        noise = 0.004 * ((window + seed) % 3 - 1) if arm != "off" else 0.0
        return {
            "window": window,
            "seed": seed,
            "f1": round(base + gains[arm] + noise, 4),
            "train_seconds": seconds[arm],
            "precision": "fp32",
        }

    return run


def test_casing_study_file_holds_every_run_paired_and_rotated(tmp_path):
    import json

    from helpers.bench import CASING_ARMS, bench_casing, rotated
    from helpers.results import stale_fields

    calls: list = []
    run = _fake_run(
        {"off": 0.0, "after_frozen": 0.02, "output": 0.001},
        {"off": 10.0, "after_frozen": 10.2, "output": 10.1},
        calls,
    )
    out = tmp_path / "ner_casing.json"
    bench_casing(3, [42, 43, 44], str(out), run=run)
    record = json.loads(out.read_text())
    assert record["command"] == "python -m helpers.bench casing --windows 3 --seeds 42 43 44"
    assert "casing" in record["config_overrides"] and stale_fields(record) == []
    arms = record["arms"]
    assert list(arms) == list(CASING_ARMS)
    for summary in arms.values():
        assert summary["n"] == len(summary["runs"]) == 9  # >= 9 runs each
        assert [(r["window"], r["seed"]) for r in summary["runs"]] == [
            (w, s) for w in range(3) for s in (42, 43, 44)
        ]
        f1 = [r["f1"] for r in summary["runs"]]
        assert summary["mean_f1"] == pytest.approx(sum(f1) / 9, abs=1e-4)
        assert summary["se_f1"] == pytest.approx(summary["sd_f1"] / 3, abs=1e-4)
    # paired: the per-split base cancels, the difference is the arm's gain plus its noise
    assert arms["after_frozen"]["diff_vs_off"] == pytest.approx(0.02, abs=1e-3)
    assert arms["after_frozen"]["diff_se"] < 0.005 < arms["after_frozen"]["diff_vs_off"]
    assert arms["after_frozen"]["speed_cost_pct"] == pytest.approx(2.0)
    assert arms["output"]["diff_vs_off"] < arms["output"]["diff_se"]  # within its noise
    assert record["decision"] == "after_frozen"
    # rotated run order: each arm runs first, second and third equally often
    assert record["run_order"] == [list(rotated(CASING_ARMS, i)) for i in range(9)]
    for arm in CASING_ARMS:
        firsts = [r["ran"] for r in arms[arm]["runs"]]
        assert firsts.count(1) == firsts.count(2) == firsts.count(3) == 3
    assert [c[2] for c in calls[:3]] == list(CASING_ARMS)
    assert [c[2] for c in calls[3:6]] == ["after_frozen", "output", "off"]
    assert {(c[3], c[4]) for c in calls} == {(0.0, "final")}


@pytest.mark.parametrize(
    "gain, cost, output_gain, expected",
    [
        (0.02, 2.0, -0.01, "after_frozen"),
        (0.02, 6.0, -0.01, None),  # too slow: stays off
        (0.002, 2.0, -0.01, None),  # a gain within its standard error: stays off
        (-0.02, 0.0, -0.01, None),
        # both placements pass: the larger gain (max, not the first or the smaller)
        (0.04, 1.0, 0.03, "after_frozen"),
        (0.025, 1.0, 0.03, "output"),
        (0.002, 1.0, 0.03, "output"),  # only output passes
    ],
)
def test_casing_decision_follows_the_rule(gain, cost, output_gain, expected):
    from helpers.bench import casing_decision

    summary = {
        "off": {},
        "after_frozen": {"diff_vs_off": gain, "diff_se": 0.005, "speed_cost_pct": cost},
        "output": {"diff_vs_off": output_gain, "diff_se": 0.005, "speed_cost_pct": 0.0},
    }
    assert casing_decision(summary) == expected


def test_rules_decide_on_exact_figures_and_no_change_keeps_f1():
    """The verdicts used to read figures rounded for the results file: a 0.04% speed-up became
    -0.0% ("not faster"), and an arm whose runs equal the default's (difference 0, standard error
    0) "lost F1" because 0.0 > -0.0 is false."""
    from helpers.bench import lever_verdict, paired_summary, stored

    def runs(f1s, seconds):
        return [
            {"window": 0, "seed": s, "f1": f, "train_seconds": t}
            for s, f, t in zip((1, 2, 3), f1s, seconds, strict=True)
        ]

    summary = paired_summary(
        {
            "default": runs([0.80, 0.82, 0.84], [100.0, 100.0, 100.0]),
            "same": runs([0.80, 0.82, 0.84], [99.96, 99.96, 99.96]),
            "worse": runs([0.79, 0.81, 0.83], [100.0, 100.0, 100.0]),
        },
        "default",
    )
    assert lever_verdict(summary["same"]) == "faster, F1 within its noise"
    slower = {"speed_cost_pct": 3.0, "diff_vs_default": 0.0, "diff_se": 0.01}
    assert lever_verdict(slower) == "not faster, F1 kept"
    assert lever_verdict(summary["worse"]) == "not faster, loses F1"
    shown = stored(summary)  # the results file's figures: rounded, runs as they were
    assert shown["same"]["speed_cost_pct"] == 0.0 and shown["same"]["diff_vs_default"] == 0.0
    assert shown["worse"]["diff_vs_default"] == -0.01 and shown["worse"]["n"] == 3
    assert shown["worse"]["runs"] == summary["worse"]["runs"]


def test_one_run_has_no_spread_rather_than_a_spread_of_zero():
    from helpers.bench import _sd_text, _summary

    one = _summary([{"f1": 0.8}])
    assert one["sd_f1"] is None and _sd_text(one) == "(one run: no sd)"
    assert _sd_text(_summary([{"f1": 0.8}, {"f1": 0.9}])) == "(sd 0.071)"


def test_levers_study_pairs_every_lever_with_the_default(tmp_path):
    import json

    from helpers.bench import LEVERS, bench_levers
    from helpers.results import stale_fields

    effect = {"default": (0.0, 10.0), "batch 16": (-0.03, 7.5), "no dropout": (0.001, 9.0)}
    calls = []

    def run(overrides, window, seed, validation_size, keep):
        name = next(k for k, v in LEVERS.items() if v == overrides)
        calls.append(name)
        gain, seconds = effect.get(name, (-0.01, 11.0))
        noise = 0.002 * ((window + seed) % 3 - 1) if name != "default" else 0.0
        base = 0.8 + 0.01 * window
        return {"window": window, "seed": seed, "f1": round(base + gain + noise, 4),
                "train_seconds": seconds, "samples_per_s": 240 * 7 / seconds}  # fmt: skip

    out = tmp_path / "levers.json"
    bench_levers(3, [42, 43, 44], str(out), run=run)
    record = json.loads(out.read_text())
    assert record["command"] == "python -m helpers.bench levers --windows 3 --seeds 42 43 44"
    assert stale_fields(record) == [] and record["levers"] == LEVERS
    arms = record["arms"]
    assert all(a["n"] == 9 for a in arms.values()) and len(calls) == 9 * len(LEVERS)
    assert arms["batch 16"]["diff_vs_default"] == pytest.approx(-0.03, abs=2e-3)
    assert arms["batch 16"]["speed_cost_pct"] == pytest.approx(-25.0)
    assert arms["batch 16"]["verdict"] == "faster, loses F1"
    assert arms["no dropout"]["verdict"] == "faster, F1 within its noise"
    assert arms["batch 16, lr 4e-4"]["verdict"] == "not faster, loses F1"
    assert "verdict" not in arms["default"]


@pytest.mark.slow  # trains MiniLM three times, briefly
def test_casing_study_runs_the_real_protocol(tmp_path, monkeypatch):
    import functools
    import json

    from helpers import bench
    from helpers.bench import CASING_ARMS, bench_casing, protocol_run

    trained = []  # the casing of each training run: one run per arm, each with its own setting

    def spy(train, validation, labels, cfg):
        trained.append(cfg.casing)
        return real_train_ner(train, validation, labels, cfg)

    real_train_ner = bench.train_ner
    monkeypatch.setattr(bench, "train_ner", spy)
    run = functools.partial(protocol_run, n_sentences=20, epochs=1)
    bench_casing(1, [1], str(tmp_path / "c.json"), run=run)
    assert sorted(trained) == sorted(CASING_ARMS)
    arms = json.loads((tmp_path / "c.json").read_text())["arms"]
    assert list(arms) == list(CASING_ARMS)  # every arm ran (the loop below checks each)
    for summary in arms.values():
        (row,) = summary["runs"]
        assert 0 <= row["f1"] <= 1 and row["train_seconds"] > 0 and row["train_sentences"] == 16


# ---------------------------------------------------------------- the profile's groups


def test_profile_groups_sum_self_times_and_count_uncovered_time_outside():
    from types import SimpleNamespace

    from helpers.bench import OTHER_OPS, OUTSIDE, group_times, op_group

    assert op_group("aten::addmm") == op_group("aten::mm") == "matrix products"
    assert op_group("mkldnn::_linear_pointwise") == "matrix products"  # packed_linears' kernel
    assert op_group("mkldnn::_reorder_linear_weight") == "copies and dtype casts"  # its packing
    assert op_group("aten::_to_copy") == "copies and dtype casts"
    assert op_group("aten::bernoulli_") == "dropout masks"
    assert op_group("aten::_fused_adamw_") == "optimizer update"
    assert op_group("aten::where") == OTHER_OPS
    assert op_group("enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__") == OUTSIDE
    rows = [
        SimpleNamespace(key="aten::mm", self_cpu_time_total=3e6),
        SimpleNamespace(key="aten::addmm", self_cpu_time_total=1e6),
        SimpleNamespace(key="aten::copy_", self_cpu_time_total=2e6),
        SimpleNamespace(key="Optimizer.step#AdamW.step", self_cpu_time_total=0.5e6),
    ]
    groups = group_times(rows, wall=7.0)
    assert list(groups) == ["matrix products", "copies and dtype casts", OUTSIDE]
    assert groups["matrix products"] == pytest.approx(4.0)
    # 0.5 s of the optimizer wrapper's own time plus 0.5 s that no event covers
    assert groups[OUTSIDE] == pytest.approx(1.0)
    assert sum(groups.values()) == pytest.approx(7.0)


def test_step_times_are_the_gaps_between_step_ends_after_the_skipped_steps():
    from helpers.bench import _step_seconds

    ends = [0.5, 1.5, 3.0, 3.25]  # helpers.lm.step_clock: each step's end since training began
    assert _step_seconds(ends, 0) == [0.5, 1.0, 1.5, 0.25]
    assert _step_seconds(ends, 2) == [1.5, 0.25]


def test_matmul_peak_times_at_least_three_calls_after_its_warm_up(monkeypatch):
    """A product slower than the time allowed (bf16 under AVX2 emulation) used to leave no call
    timed, and the peak came out as 0 GFLOP/s."""
    import torch

    from helpers.bench import matmul_peak

    calls = []
    matmul = torch.matmul

    def counted(a, b):
        calls.append(1)
        return matmul(a, b)

    monkeypatch.setattr(torch, "matmul", counted)
    assert matmul_peak("fp32", size=64, seconds=0.0) > 0
    assert len(calls) == 4  # the warm-up and 3 timed, though no time was allowed


def test_between_epochs_adds_up_what_the_trainer_does_after_each_epoch(monkeypatch):
    """The naive recipe's per-epoch evaluation and checkpoint, timed apart from its steps."""
    import helpers.bench as bench

    clock = iter([10.0, 12.5, 20.0, 21.0])
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(clock))
    cb = bench._between_epochs()
    cb.on_epoch_begin()  # nothing to stop before the first epoch ends
    cb.on_epoch_end()  # 10.0
    cb.on_epoch_begin()  # 12.5: 2.5 s of evaluation and checkpoint
    cb.on_epoch_end()  # 20.0
    cb.on_train_end()  # 21.0: 1 s more
    assert cb.seconds == 3.5


def test_profile_needs_a_second_epoch_to_profile():
    from helpers.bench import bench_profile

    with pytest.raises(ValueError, match="epochs=1"):
        bench_profile(n_sentences=300, epochs=1, seed=42)


# ---------------------------------------------------------------- rounds on a shared machine


def test_interleaved_rounds_rotate_the_order_and_time_every_call(monkeypatch):
    import helpers.bench as bench

    clock = iter(range(100))  # perf_counter: 0, 1, 2, ...: every call lasts 1 "second"
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(clock))
    calls = []

    def fn(name):
        def run():
            calls.append(name)
            return f"{name} result {len(calls)}"

        return run

    seconds, last = bench.interleaved({"a": fn("a"), "b": fn("b"), "c": fn("c")}, rounds=3)
    # each round starts with another function: a load change cannot favour one
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert seconds == {"a": [1, 1, 1], "b": [1, 1, 1], "c": [1, 1, 1]}
    assert last == {"a": "a result 8", "b": "b result 9", "c": "c result 7"}
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="rounds="):
            bench.interleaved({"a": fn("a")}, rounds=bad)


def test_speed_ups_are_taken_within_each_round_and_summarised_by_their_median():
    from helpers.bench import repeatable, round_ratios, spread

    # the machine slows down in round 2: every recipe's speed halves, the ratios do not move
    rounds = [
        {"naive": 20.0, "uncached": 40.0, "project": 50.0},
        {"naive": 10.0, "uncached": 20.0, "project": 25.0},
        {"naive": 20.0, "uncached": 40.0, "project": 60.0},
    ]
    ratios = round_ratios(rounds, "naive")
    assert ratios == {"uncached": [2.0, 2.0, 2.0], "project": [2.5, 2.5, 3.0]}
    assert spread(ratios["project"]) == "2.50x (median of 3 rounds, 2.50-3.00x)"
    assert spread([2.414]) == "2.41x"
    rows = [{"recipe": "naive", "f1": 0.5}, {"recipe": "project", "f1": 0.9}]
    assert repeatable(rows + [{"recipe": "naive", "f1": 0.5}])
    assert not repeatable(rows + [{"recipe": "project", "f1": 0.91}])


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["ner", "--n-sentences", "100000"], "--n-sentences 100000: the embedded train file has"),
        (["profile", "--n-sentences", "0"], "--n-sentences 0: expected an integer >= 1"),
        (["ner", "--rounds", "0"], "--rounds 0: expected an integer >= 1"),
        (["recipe", "--windows", "0"], "--windows 0: expected an integer from 1 to 10"),
        (["casing", "--windows", "11"], "--windows 11: expected an integer from 1 to 10"),
        (["frozen", "--layers", "9"], "--layers/--uncached [9]: expected integers from 0 to 6"),
        # these used to start a worker that died with a traceback, or to fail after the runs
        (["ner", "--epochs", "0"], "--epochs 0: expected an integer >= 1"),
        (["ner", "--seed", "-1"], "--seed -1: expected an integer from 0 to 2**32-1"),
        (["ablation", "--seeds", "42", "-1"], "--seeds -1: expected an integer from 0 to"),
        (["ner", "--n-sentences", "1"], "--n-sentences 1: too few to split 80/20"),
        (["ner", "--test", "/nonexistent/test.csv"], "'/nonexistent/test.csv' not found"),
        (["ner", "--data", "/"], "is a directory"),
        (["data", "--conll", "/nonexistent/x.conll"], "'/nonexistent/x.conll' not found"),
        (["recipe", "--out", "/"], "--out /: it is a folder; expected the path of a .json file"),
        (
            ["ner", "--data", "tests/fixtures/zero_width.conll", "--n-sentences", "5"],
            r"word 2 ('\u200b') gives no token",
        ),  # a worker used to hit it after training
        (["levers", "--out", "tests/fixtures/conll_space.txt/x.json"], "is a file, so the folder"),
        # these used to fail inside the profile, or to run a study with a seed's runs twice
        (["profile", "--epochs", "1"], "--epochs 1: the profile needs at least 2"),
        (["profile", "--dropout", "1.5"], "--dropout 1.5: expected a fraction in [0, 1)"),
        (["profile", "--dropout", "nan"], "--dropout nan: expected a fraction in [0, 1)"),
        (["profile", "--n-sentences", "10", "--epochs", "2"], "leave no step to profile"),
        (["casing", "--seeds", "42", "43", "42"], "--seeds 42 43 42: 42 twice; expected each"),
        # these used to write a study with no spread, or with no run, over the committed file
        (["casing", "--windows", "1", "--seeds", "42"], "needs at least 2 (windows x seeds)"),
        (["levers", "--windows", "1", "--seeds", "7"], "--windows 1 --seeds 7: one run per arm"),
        (["frozen", "--layers", "--uncached"], "--layers and --uncached are both empty"),
        (["frozen", "--layers", "1", "1"], "--layers 1 1: 1 twice; expected each number"),
        (["frozen", "--uncached", "2", "0", "2"], "--uncached 2 0 2: 2 twice"),
    ],
)
def test_bad_options_stop_before_any_run_with_a_usage_error(argv, expected, capsys):
    """``--n-sentences`` beyond the data used to be cut to the whole file while the report
    said "first 100000 train sentences"; ``--windows 0`` failed after the runs (mean of no data),
    ``--windows 100`` after training ten windows; bad options now stop first, with status 2."""
    from helpers.bench import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("study", ["ablation", "recipe", "frozen", "casing", "levers"])
def test_a_study_command_without_options_repeats_the_committed_study(study, monkeypatch):
    """README lists ``python -m helpers.bench STUDY`` without options, and it writes the committed
    results file: its defaults are the options that file records, so a learner who copies it
    repeats that study instead of replacing it with a smaller one (ablation and recipe used to
    default to fewer seeds, frozen to no uncached runs)."""
    from helpers import bench
    from helpers.paths import REPO_ROOT

    committed = json.loads((REPO_ROOT / "notebooks" / "results" / f"ner_{study}.json").read_text())
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)  # a GPU is refused (see below)
    recorded = []
    monkeypatch.setattr(bench, f"bench_{study}", lambda *args: recorded.append(args))
    bench.main([study])
    bench.main(shlex.split(committed["command"])[3:])
    assert recorded[0] == recorded[1], committed["command"]


TRAINING_COMMANDS = [
    *("ner", "profile", "compile", "margin"),  # speed and bf16: the CPU's
    *("ablation", "recipe", "frozen", "casing", "levers"),  # results files that record the CPU
]


@pytest.mark.parametrize("what", TRAINING_COMMANDS)
def test_commands_that_train_refuse_a_visible_gpu(what, monkeypatch, capsys):
    """They measure the CPU (its matmul peak, its bf16) or write results files that record the
    CPU; with a GPU visible the Trainer would train there."""
    import torch

    from helpers.bench import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(SystemExit) as stop:
        main([what])
    assert stop.value.code == 2
    assert f"CUDA_VISIBLE_DEVICES= python -m helpers.bench {what}" in capsys.readouterr().err
