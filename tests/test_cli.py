"""``python -m helpers.ner``: options and defaults, user errors, train → metrics.json, predict,
resuming an interrupted run."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys

import pytest

from helpers import ner
from helpers.data import experiment_splits, load_corpus
from helpers.paths import CORPUS_TEST, CORPUS_TRAIN, REPO_ROOT
from helpers.train import TrainConfig

TINY = ["--epochs", "2", "--batch-size", "4", "--learning-rate", "1e-3", "--warmup", "0"]
TINY += ["--precision", "fp32", "--seed", "3", "--n-sentences", "all", "--validation-size", "0"]
TINY += ["--no-progress", "--freeze-layers", "0"]  # the tiny model's one layer stays trainable


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = ner.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def small_files(module_dir):
    """The first 32 sentences of the embedded corpus as train, its first 16 as test (so that a
    one-layer model learns enough in seconds for its F1 to be non-zero), in the source format."""
    lines = CORPUS_TRAIN.read_text(encoding="utf-8").splitlines(keepends=True)
    d = module_dir("cli_data")
    (d / "train.csv").write_text("".join(lines[:33]), encoding="utf-8")
    (d / "test.csv").write_text("".join(lines[:17]), encoding="utf-8")
    return d / "train.csv", d / "test.csv"


# ---------------------------------------------------------------- options and defaults


def test_help_documents_every_config_field_and_split_parameter(capsys):
    with pytest.raises(SystemExit) as e:
        ner.main(["train", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for f in dataclasses.fields(TrainConfig):
        assert ner._option(f.name) in text, f"TrainConfig.{f.name} has no option"
    for opt in ("--data", "--test", "--n-sentences", "--test-size", "--validation-size"):
        assert opt in text
    assert "GLOBAL batch" in text  # the batch rule under torchrun is stated
    with pytest.raises(SystemExit):
        ner.main(["predict", "--help"])
    text = capsys.readouterr().out
    assert "--input" in text and "JSON line" in text


def test_test_file_option_gives_the_notebooks_embedded_splits():
    """--data train file --test test file = experiment_splits(None, ...) of the notebook."""
    for validation_size in (0.1, 0.0):
        ours = experiment_splits(CORPUS_TRAIN, 300, 0.2, validation_size, 42, test_path=CORPUS_TEST)
        nb = experiment_splits(None, 300, 0.2, validation_size, 42)
        for name in ("train", "validation", "test"):
            a, b = getattr(ours, name), getattr(nb, name)
            assert [(s.words, s.tags) for s in a] == [(s.words, s.tags) for s in b], name
        assert len(ours.test) == len(load_corpus(CORPUS_TEST))
        assert len(ours.train) + len(ours.validation) == 300


# ---------------------------------------------------------------- user errors


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--epochs", "0"], "--epochs: '0': expected an integer > 0"),
        (["--batch-size", "eight"], "--batch-size: 'eight' is not an integer"),
        (["--precision", "int8"], "--precision: invalid choice"),
        (["--learning-rate", "fast"], "--learning-rate: 'fast' is not a number"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_options_stop_in_argparse(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        ner.main(["train", *argv])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_values_and_files_name_the_option_or_line(capsys, tmp_path, small_files):
    bad = tmp_path / "bad.csv"
    with CORPUS_TRAIN.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[:6]
    rows[3][2] = str(["B-geo"] + ["X-bad"] * (len(rows[3][1].split()) - 1))  # file line 4
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    train, test = small_files
    cases = [
        (
            ["--data", tmp_path / "missing.csv"],
            "--data {}: no such file".format(tmp_path / "missing.csv"),
        ),
        (["--test", test], "--test needs --data"),
        (["--data", bad], f"{bad}, line 4"),
        (["--data", train, "--n-sentences", "500"], ("--n-sentences 500: ", "only 32 sentences")),
        (["--warmup", "1.5"], "--warmup 1.5: expected a fraction in [0, 1)"),
        (["--validation-size", "1"], "--validation-size 1.0: expected a fraction in [0, 1)"),
        (["--scheduler", "zigzag"], ("--scheduler 'zigzag': expected one of", "with --warmup 0)")),
        (
            ["--keep", "best", "--validation-size", "0"],
            ("--keep best needs validation sentences", "(--validation-size > 0)", "--keep final"),
        ),
        (["--model", tmp_path / "no_model"], "no_model"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, "train", *argv, "--output-dir", tmp_path / "o")
        assert code == 2, argv
        wanted = message if isinstance(message, tuple) else (message,)
        assert err.startswith("error: ") and all(m in err for m in wanted), (argv, err)
        assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_user_error_exits_non_zero_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.ner", "train", "--data", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: --data {tmp_path / 'nope.csv'}: no such file"


def test_a_mistyped_path_is_reported_before_the_libraries_load(tmp_path):
    """helpers.ner and helpers.train import torch and transformers only to train or predict, so
    a user error comes back at once instead of after seconds of imports."""
    code = (
        "import sys\nfrom helpers import ner\n"
        f"rc = ner.main(['train', '--data', {str(tmp_path / 'nope.csv')!r}])\n"
        "print(rc, [m for m in ('torch', 'transformers', 'datasets') if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert proc.stdout.strip() == "2 []", proc.stderr
    assert "no such file" in proc.stderr


def test_predict_input_errors_name_file_and_line(capsys, tmp_path):
    f = tmp_path / "texts.txt"
    f.write_text("Ghana votes .\n\nKenya too .\n", encoding="utf-8")
    code, _, err = run(capsys, "predict", "--model", tmp_path, "--input", f)
    assert code == 2 and f"{f}, line 2: empty line" in err
    f.write_bytes("Ghana votes .\nAccra\nKumasi \xe9t\xe9\n".encode("latin-1"))
    code, _, err = run(capsys, "predict", "--model", tmp_path, "--input", f)
    assert code == 2 and f"{f}, line 3: not valid UTF-8" in err
    code, _, err = run(capsys, "predict", "--model", tmp_path, "--input", tmp_path / "none.txt")
    assert code == 2 and "--input" in err and "cannot read" in err
    code, _, err = run(capsys, "predict", "--model", tmp_path, "text", "--input", f)
    assert code == 2 and "not both" in err
    code, _, err = run(capsys, "predict", "--model", tmp_path, "Some text .")
    assert code == 2 and f"--model {tmp_path}: no config.json" in err


# ---------------------------------------------------------------- training and prediction


@pytest.mark.slow
def test_train_writes_the_notebooks_report_and_predict_uses_the_model(
    capsys, tmp_path, tiny_model_dir, small_files
):
    from helpers.train import evaluate_ner

    train, test = small_files
    out_dir = tmp_path / "run"
    argv = ["train", "--model", tiny_model_dir, "--data", train, "--test", test, *TINY]
    code, out, err = run(
        capsys, *[a for a in argv if a != "--no-progress"], "--output-dir", out_dir
    )
    assert code == 0, err
    assert "training:" in err and "epoch 1: train loss" in err  # tqdm bar and epoch lines
    report = json.loads((out_dir / "metrics.json").read_text())
    assert {"parameters", "history", "kept_epoch", "test", "device", "precision"} <= set(report)
    assert report["parameters"]["data_path"] == str(train)
    assert report["parameters"]["epochs"] == 2 and report["kept_epoch"] == 2
    assert [h["epoch"] for h in report["history"]] == [1, 2]
    # the saved model is the scored model: reloaded, it gives the same test metrics
    model, tok = ner.load_trained(str(out_dir))
    again, _ = evaluate_ner(model, tok, load_corpus(test).sentences)
    assert again == report["test"]
    assert report["test"]["f1"] > 0  # the tiny model learned something on sentences it saw
    # the table: one row per type in the test metrics, then overall, with the reported F1
    rows = [line.split() for line in out.splitlines()]
    table = {r[0]: r for r in rows if len(r) == 5 and r[0] != "type"}
    assert set(table) == {*report["test"]["per_type"], "overall"}
    assert table["overall"][3] == f"{report['test']['f1']:.3f}"

    texts = ["Voters in Ghana went to the polls on Saturday .", "Nothing here ."]
    f = tmp_path / "texts.txt"
    f.write_text("\n".join(texts) + "\n", encoding="utf-8")
    for args in (texts, ["--input", f]):
        code, out, err = run(capsys, "predict", "--model", out_dir, *args)
        assert code == 0, err
        records = [json.loads(line) for line in out.splitlines()]
        assert [r["text"] for r in records] == texts
        for r in records:
            for e in r["entities"]:
                assert set(e) == {"type", "text", "start", "end", "score"}
                assert r["text"][e["start"] : e["end"]] == e["text"] and 0 < e["score"] <= 1
        assert any(r["entities"] for r in records)
    # a fresh process, where nothing has imported helpers.casing, loads the saved model too
    config = json.loads((out_dir / "model" / "config.json").read_text())
    assert config["model_type"] == "bert_casing"  # casing "auto": the uncased model gets one
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.ner", "predict", "--model", str(out_dir), texts[0]],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["text"] == texts[0]
    # and trains on from it: the model's checks read its casing configuration
    again = ["train", "--model", out_dir / "model", "--data", train, "--test", test, *TINY]
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.ner", *map(str, again), "--epochs", "1",
         "--output-dir", str(tmp_path / "again")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "again" / "metrics.json").read_text())["kept_epoch"] == 1


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_same_metrics(
    capsys, tmp_path, tiny_model_dir, small_files
):
    train, test = small_files
    base = ["train", "--model", tiny_model_dir, "--data", train, "--test", test, *TINY]
    base += ["--epochs", "3"]
    code, _, err = run(capsys, *base, "--output-dir", tmp_path / "whole")
    assert code == 0, err
    whole = json.loads((tmp_path / "whole" / "metrics.json").read_text())

    cut = [*base, "--output-dir", tmp_path / "cut", "--save-checkpoints"]
    code, out, err = run(capsys, *cut, "--stop-after-epoch", "1")
    assert code == 0, err
    assert "stopped after epoch 1" in out and "without --stop-after-epoch, plus --resume" in out
    assert not (tmp_path / "cut" / "metrics.json").exists()
    assert [p.name for p in (tmp_path / "cut").glob("checkpoint-*")] == ["checkpoint-8"]
    # a new run there without --resume would leave its checkpoints among the old ones, and a
    # later --resume would take the highest step, whichever run wrote it: refused up front
    code, _, err = run(capsys, *cut, "--epochs", "1")
    assert code == 2 and "holds checkpoint-8 of an interrupted run" in err, err
    assert "(--resume) continues it" in err and "Traceback" not in err
    assert [p.name for p in (tmp_path / "cut").glob("checkpoint-*")] == ["checkpoint-8"]

    # the optimizer and schedule come from the checkpoint: a changed option used to be ignored
    # while metrics.json recorded it, and other data trained on silently
    code, _, err = run(capsys, *cut, "--resume", "--learning-rate", "0.5")
    assert code == 2 and "cannot be resumed with other settings (it was trained with " in err
    assert "--learning-rate 0.001, this run asks --learning-rate 0.5" in err, err
    code, _, err = run(capsys, *cut, "--resume", "--n-sentences", "20")
    assert code == 2 and "the train sentences differ" in err, err
    assert not (tmp_path / "cut" / "metrics.json").exists()

    code, out, err = run(capsys, *cut, "--resume")
    assert code == 0, err
    assert "resumed from a checkpoint" in out
    resumed = json.loads((tmp_path / "cut" / "metrics.json").read_text())
    assert [h["epoch"] for h in resumed["history"]] == [1, 2, 3]
    for a, b in zip(resumed["history"], whole["history"], strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
    assert whole["test"]["f1"] > 0
    assert resumed["test"] == whole["test"]


def test_predict_runs_on_the_gpu_where_there_is_one(monkeypatch, capsys, tiny_model_dir):
    """As training does: on a CUDA machine the command used to tag on the CPU (and stopped with
    COURSE_PRECISION=fp16, which the CPU cannot run)."""
    import torch

    from helpers.models import load_token_classifier, load_tokenizer

    model = load_token_classifier(tiny_model_dir, ["O", "B-geo", "I-geo"])
    moved = []
    model.to = lambda device: moved.append(device) or model  # a stand-in for the GPU move
    monkeypatch.setattr(ner, "load_trained", lambda _: (model, load_tokenizer(tiny_model_dir)))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda **_: True)
    assert ner.main(["predict", "--model", "any", "Paris ."]) == 0, capsys.readouterr().err
    assert moved == ["cuda"]


def test_gpu_smoke_script_parses_and_its_commands_are_the_current_ones():
    """tests/gpu_smoke.sh has never run here (no GPU): check what can be checked without one, so
    a renamed option or parameter fails now rather than on a learner's GPU machine. bash parses
    it; each helpers.ner command line in it parses with today's options; the notebook parameter
    it sets exists in notebook 04."""
    import shlex

    from tests.notebook_cells import parameter_defaults

    script = REPO_ROOT / "tests" / "gpu_smoke.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text(encoding="utf-8").replace("\\\n", " ")
    commands = [
        shlex.split(line.split("-m helpers.ner", 1)[1].split(">")[0].replace('"$out', '"/tmp'))
        for line in text.splitlines()
        if line.lstrip().startswith(("python -m helpers.ner", "torchrun"))
    ]
    assert [c[0] for c in commands] == ["train", "predict", "train"]  # the last under torchrun
    for argv in commands:
        ner.build_parser().parse_args(argv)  # SystemExit (status 2) on an unknown option
    assert "output_dir" in parameter_defaults("04_ner.ipynb")  # papermill -p output_dir
    assert '-p output_dir "$out/notebook"' in text


def test_a_run_on_the_embedded_corpus_records_no_test_size(capsys, tmp_path, tiny_model_dir):
    """Its test split is the fixed test file: metrics.json used to record --test-size 0.2 as if
    it had split the data."""
    argv = ["train", "--model", tiny_model_dir, *TINY, "--n-sentences", "16", "--epochs", "1"]
    code, _, err = run(capsys, *argv, "--output-dir", tmp_path / "run")
    assert code == 0, err
    report = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert report["parameters"]["data_path"] is None and report["parameters"]["test_size"] is None
