"""Issue 20: bad input never ends in a traceback, never loses a run, never gives a silently wrong
result. One test (or more) per class of defect: errors raised late, lost work, silent wrong
results, inconsistencies. The README's bad-input table lists the behaviour tested here."""

from __future__ import annotations

import codecs
import json
import math
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import ner
from helpers.data import CorpusError, load_corpus, split_sentences
from helpers.paths import CORPUS_TRAIN
from helpers.train import TrainConfig, TrainResult, save_run

TINY = ["--epochs", "1", "--batch-size", "8", "--learning-rate", "1e-3", "--warmup", "0"]
TINY += ["--precision", "fp32", "--seed", "3", "--n-sentences", "all", "--validation-size", "0"]
TINY += ["--no-progress", "--freeze-layers", "0"]
ROW = '"{}","{}"\n'


def run(capsys, *argv) -> tuple[int, str, str]:
    code = ner.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(n: int, extra: str = "") -> str:
    """The first ``n`` sentences of the embedded corpus in the source format, plus ``extra``."""
    sents = load_corpus(CORPUS_TRAIN).sentences[:n]
    return "Sentence,Tag\n" + "".join(ROW.format(" ".join(s.words), s.tags) for s in sents) + extra


@pytest.fixture(scope="module")
def files(module_dir):
    d = module_dir("bad_input")
    (d / "train.csv").write_text(rows(24), encoding="utf-8")
    (d / "test.csv").write_text(rows(8), encoding="utf-8")
    return d


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if training starts: the error must come before the long work."""

    def refuse(*a, **k):
        raise AssertionError("training started although the input was bad")

    # helpers.ner imported the name when it loaded, so its own binding is the one main calls
    monkeypatch.setattr("helpers.train.train_ner", refuse)
    monkeypatch.setattr("helpers.ner.train_ner", refuse)


@pytest.fixture(scope="module")
def classifier_dir(module_dir, tiny_model_dir):
    """A token classifier saved as a run saves it (untrained head: enough for loading tests)."""
    from helpers.models import load_token_classifier, load_tokenizer

    path = module_dir("classifier")
    load_token_classifier(tiny_model_dir, ["O", "B-geo", "I-geo"]).save_pretrained(path)
    load_tokenizer(tiny_model_dir).save_pretrained(path)
    return path


def copy_model(src: Path, dst: Path, drop: tuple[str, ...] = ()) -> Path:
    shutil.copytree(src, dst)
    for name in drop:
        (dst / name).unlink()
    return dst


def unwritable(tmp_path: Path) -> Path:
    """A folder nobody may write in: chmod for a normal user, sysfs for root."""
    if os.geteuid() != 0:
        d = tmp_path / "locked"
        d.mkdir()
        d.chmod(0o555)
        return d
    d = Path("/sys/kernel")
    try:
        os.rmdir(os.path.join(d, os.path.basename(__import__("tempfile").mkdtemp(dir=d))))
    except OSError:
        return d
    pytest.skip("no unwritable folder on this machine")


# ------------------------------------------------- 1. errors raised late: clean, and early


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--freeze-layers", "99"], "--freeze-layers 99: the model has only 1 layers"),
        (["--max-length", "10"], "--max-length 10: expected 'none' or an integer >= 35"),
        (["--max-length", "100000"], "--max-length 100000: the model takes at most 512 tokens"),
    ],
)
def test_model_dependent_options_stop_before_training(
    capsys, tmp_path, files, tiny_model_dir, no_training, argv, message
):
    base = ["train", "--model", tiny_model_dir, "--data", files / "train.csv"]
    code, _, err = run(capsys, *base, *TINY, *argv, "--output-dir", tmp_path / "o")
    assert (code, "Traceback" in err) == (2, False)
    assert err.startswith("error: ") and message in err, err


@pytest.mark.parametrize("char", ["\u200b", "\u00ad"])  # zero-width space, soft hyphen
def test_a_word_without_tokens_names_its_file_and_line(
    capsys, tmp_path, tiny_model_dir, no_training, char
):
    data = tmp_path / "data.csv"
    data.write_text(rows(20, ROW.format(f"Rain {char} fell .", ["O"] * 4)), encoding="utf-8")
    code, _, err = run(
        capsys, "train", "--model", tiny_model_dir, "--data", data, *TINY,
        "--output-dir", tmp_path / "o",
    )  # fmt: skip
    assert code == 2
    assert f"{data}, line 22: word 2 ({char!r}) gives no token" in err, err


def test_output_dir_that_cannot_be_written_stops_before_training(
    capsys, tmp_path, files, tiny_model_dir, no_training
):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    base = ["train", "--model", tiny_model_dir, "--data", files / "train.csv", *TINY]
    cases = [
        (a_file, "it is a file; expected a folder"),
        (a_file / "run", "is a file, so the folder cannot be made there"),
    ]
    for out, message in cases:
        code, _, err = run(capsys, *base, "--output-dir", out)
        assert code == 2 and f"--output-dir {out}" in err and message in err, (out, err)
    locked = unwritable(tmp_path)  # may skip what follows (only what follows) on this machine
    for out, message in [
        (locked, "cannot write in"),  # an existing folder that cannot be written: issue 20
        (locked / "run", "cannot write in"),  # under an unwritable parent
    ]:
        code, _, err = run(capsys, *base, "--output-dir", out)
        assert code == 2 and f"--output-dir {out}" in err and message in err, (out, err)
    assert a_file.read_text() == "x"


def test_predict_with_a_corrupt_model_folder_is_a_clean_error(capsys, tmp_path, classifier_dir):
    bad_json = copy_model(classifier_dir, tmp_path / "bad_json")
    (bad_json / "config.json").write_text("{not json")
    gap = copy_model(classifier_dir, tmp_path / "gap")
    config = json.loads((gap / "config.json").read_text())
    config["id2label"] = {"0": "O", "2": "B-geo", "3": "I-geo"}
    config["label2id"] = {"O": 0, "B-geo": 2, "I-geo": 3}
    (gap / "config.json").write_text(json.dumps(config))
    no_tok = copy_model(classifier_dir, tmp_path / "no_tok", ("tokenizer.json",))
    weights = copy_model(classifier_dir, tmp_path / "truncated")
    data = (weights / "model.safetensors").read_bytes()
    (weights / "model.safetensors").write_bytes(data[: len(data) // 2])
    for folder, message in [
        (bad_json, "config.json: not a readable JSON model configuration"),
        (gap, "id2label has the ids [0, 2, 3]; expected 0 to 2 without gaps"),
        (no_tok, "has no tokenizer files"),
        (weights, "not a readable safetensors file"),
    ]:
        code, _, err = run(capsys, "predict", "--model", folder, "Rain in Oslo .")
        assert (code, "Traceback" in err) == (2, False), err
        assert message in err, (folder, err)


# ------------------------------------------------- 2. lost work


def fake_result(tiny_model_dir) -> TrainResult:
    """What train_ner returns, with an untrained head (saving does not care)."""
    from helpers.models import load_token_classifier, load_tokenizer

    labels = ["O", "B-geo", "I-geo"]
    return TrainResult(
        model=load_token_classifier(tiny_model_dir, labels),
        tokenizer=load_tokenizer(tiny_model_dir),
        labels=labels,
        history=[{"epoch": 1, "train_loss": 1.0}],
        kept_epoch=1,
        train_seconds=1.0,
        samples_per_second=1.0,
        resumed=False,
        device="cpu",
        precision="fp32",
    )


def test_a_finished_run_is_never_overwritten_unless_asked(tmp_path, tiny_model_dir, capsys):
    from helpers.train import run_folder

    result = fake_result(tiny_model_dir)
    out = tmp_path / "runs" / "ner"
    first = save_run(out, {"run": 1}, result, {"f1": 0.1})
    assert first == out and (out / "model" / "model.safetensors").is_file()
    before = (out / "metrics.json").read_bytes()
    capsys.readouterr()
    second = save_run(out, TrainConfig().__dict__, result, {"f1": 0.2})  # asdict(config) works
    assert second == tmp_path / "runs" / "ner-2"
    assert (out / "metrics.json").read_bytes() == before  # the earlier run is untouched
    assert "holds an earlier run, kept; this run is saved in" in capsys.readouterr().out
    assert json.loads((second / "metrics.json").read_text())["test"] == {"f1": 0.2}
    assert save_run(out, {"run": 3}, result, {"f1": 0.3}) == tmp_path / "runs" / "ner-3"
    assert save_run(out, {"run": 4}, result, {"f1": 0.4}, overwrite=True) == out
    assert json.loads((out / "metrics.json").read_text())["parameters"] == {"run": 4}
    assert run_folder(out) == tmp_path / "runs" / "ner-4"
    leftovers = [p.name for p in (tmp_path / "runs").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    # an interrupted run (checkpoints, no metrics.json) in ner-4: --resume finds it there, where
    # a new run goes on to ner-5; with no such folder, resume starts where a new run would
    assert run_folder(out, resume=True) == tmp_path / "runs" / "ner-4"
    (tmp_path / "runs" / "ner-4" / "checkpoint-30").mkdir(parents=True)
    assert run_folder(out) == tmp_path / "runs" / "ner-5"
    assert run_folder(out, resume=True) == tmp_path / "runs" / "ner-4"
    assert run_folder(out, overwrite=True, resume=True) == out


def test_a_failed_save_leaves_no_half_run(tmp_path, tiny_model_dir, monkeypatch):
    result = fake_result(tiny_model_dir)

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(result.tokenizer, "save_pretrained", disk_full)
    out = tmp_path / "run"
    with pytest.raises(OSError, match="No space left"):
        save_run(out, {}, result, {"f1": 0.5})
    assert not out.exists()  # no metrics.json claiming a run that has no model
    assert list(tmp_path.iterdir()) == []  # and no staging folder left behind


# ------------------------------------------------- 3. silent wrong results


@pytest.mark.parametrize(
    "field,value",
    [
        ("learning_rate", math.inf),
        ("learning_rate", math.nan),
        ("learning_rate", 10**400),  # an int no float holds: refused, not an OverflowError
        ("head_learning_rate", math.inf),
        ("weight_decay", math.inf),
        ("dropout", math.nan),
        ("max_length", 10),
        ("seed", 2**40),
    ],
)
def test_non_finite_or_out_of_range_parameters_are_refused(field, value):
    with pytest.raises(ValueError, match=f"^{field}="):
        TrainConfig(**{field: value}).validate()


@pytest.mark.parametrize(
    "scheduler", ["cosine_with_min_lr", "warmup_stable_decay", "constant", "reduce_lr_on_plateau"]
)
def test_schedules_that_need_other_settings_or_skip_warm_up_are_refused(scheduler):
    """cosine_with_min_lr and warmup_stable_decay stopped inside trainer.train() for want of a
    setting nothing passes; constant and reduce_lr_on_plateau silently skipped the warm-up."""
    with pytest.raises(ValueError, match=f"^scheduler='{scheduler}': expected one of linear, "):
        TrainConfig(scheduler=scheduler).validate()
    for usable in ("cosine", "constant_with_warmup", "inverse_sqrt"):
        TrainConfig(scheduler=usable).validate()
    TrainConfig(scheduler="constant", warmup=0.0).validate()  # no warm-up to skip


def test_training_embeddings_under_a_frozen_layer_is_refused_not_ignored(capsys):
    """freeze_embeddings=False with freeze_layers=1 (the default) used to train with the
    embeddings frozen anyway, and metrics.json said they were not."""
    from helpers.train import TrainConfig

    with pytest.raises(ValueError, match="^freeze_embeddings=False: expected True when"):
        TrainConfig(freeze_embeddings=False).validate()
    TrainConfig(freeze_embeddings=False, freeze_layers=0).validate()
    code, out, err = run(capsys, "train", "--no-freeze-embeddings")
    assert (code, out) == (2, "")
    assert "--no-freeze-embeddings: expected True when --freeze-layers > 0" in err, err


@pytest.mark.slow  # builds a model and reads the corpus, then stops before training
def test_a_model_whose_layers_cannot_be_frozen_is_a_usage_error(capsys, tmp_path, tok):
    """An ALBERT passes the checks before training, then train_ner cannot find the layers to
    freeze: the command used to end in a traceback (exit 1) naming the Python parameters."""
    from transformers import AlbertConfig, AlbertModel

    config = AlbertConfig(
        embedding_size=16, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64,
    )  # fmt: skip
    AlbertModel(config).save_pretrained(tmp_path / "albert")
    tok.save_pretrained(tmp_path / "albert")
    code, out, err = run(
        capsys, "train", "--model", str(tmp_path / "albert"), "--epochs", "1", "--n-sentences",
        "20", "--output-dir", str(tmp_path / "run"), "--no-progress",
    )  # fmt: skip
    assert code == 2, err
    assert "cannot find its embeddings and encoder layers" in err
    assert "use --no-freeze-embeddings, --freeze-layers 0 with this model" in err
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_check_resume_refuses_only_a_new_checkpointing_run_among_an_interrupted_ones(tmp_path):
    """A finished run's folder keeps its checkpoints (--save-checkpoints) next to metrics.json;
    notebook 04's second run and an --overwrite run there must not be refused, nor a run that
    saves no checkpoint."""
    from helpers.train import check_resume

    folder = tmp_path / "ner"
    (folder / "checkpoint-30").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds checkpoint-30 of an interrupted run"):
        check_resume(folder, resume=False, saves_checkpoints=True)
    check_resume(folder, resume=True, saves_checkpoints=True)
    check_resume(folder, resume=False, saves_checkpoints=False)
    (folder / "metrics.json").write_text("{}")  # now a finished run
    check_resume(folder, resume=False, saves_checkpoints=True)
    check_resume(tmp_path / "new", resume=False, saves_checkpoints=True)


def test_dropout_is_set_by_each_model_familys_names(tiny_model_dir, tiny_distilbert_dir):
    """--dropout on a DistilBERT used to pass BERT's names to from_pretrained, which handed them
    to the model class: a TypeError after the checks. DistilBERT names them otherwise."""
    from helpers.models import load_config, load_token_classifier
    from helpers.train import check_model_fits, dropout_settings

    labels = ["O", "B-geo", "I-geo"]
    for folder, names in [
        (tiny_model_dir, ("hidden_dropout_prob", "attention_probs_dropout_prob")),
        (tiny_distilbert_dir, ("dropout", "attention_dropout")),
    ]:
        check_model_fits(TrainConfig(model_name=folder, dropout=0.25, casing="off"))
        settings = dropout_settings(load_config(folder), 0.25, folder)
        assert settings == dict.fromkeys(names, 0.25)
        model = load_token_classifier(folder, labels, **settings)
        assert [getattr(model.config, name) for name in names] == [0.25, 0.25]
    assert dropout_settings(load_config(tiny_distilbert_dir), None, "x") == {}
    odd = SimpleNamespace(model_type="gpt2", resid_pdrop=0.1, attn_pdrop=0.1)
    with pytest.raises(ValueError, match="^dropout=0.25: 'x' \\(gpt2\\) has no dropout settings"):
        dropout_settings(odd, 0.25, "x")


def test_learning_rate_inf_on_the_command_line(capsys, tmp_path, no_training):
    code, _, err = run(capsys, "train", "--learning-rate", "inf", "--output-dir", tmp_path / "o")
    assert code == 2 and "--learning-rate inf: expected a finite number > 0" in err


@pytest.mark.slow
def test_a_diverging_run_stops_and_saves_nothing(capsys, tmp_path, files, tiny_model_dir):
    out = tmp_path / "o"
    code, _, err = run(
        capsys, "train", "--model", tiny_model_dir, "--data", files / "train.csv", *TINY,
        "--learning-rate", "1e30", "--head-learning-rate", "1e30", "--output-dir", out,
    )  # fmt: skip
    assert (code, "Traceback" in err) == (2, False), err
    assert "training diverged" in err and "--learning-rate" in err
    assert not (out / "metrics.json").exists() and not (out / "model").exists()


def test_a_model_folder_without_tokenizer_files_is_refused(tmp_path, tiny_model_dir):
    from helpers.models import ModelLoadError, load_tokenizer

    folder = copy_model(Path(tiny_model_dir), tmp_path / "m", ("tokenizer.json",))
    with pytest.raises(ModelLoadError, match="has no tokenizer files"):
        load_tokenizer(str(folder))  # was: a 5-token tokenizer, every word [UNK]


def test_utf8_with_a_stray_byte_is_an_error_and_cp1252_is_noted(tmp_path):
    text = rows(3).replace("Ghana", "Gh\u00e9ana", 1).encode()
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(text.replace(b"parliament", b"parliam\xe9nt", 1))
    with pytest.raises(CorpusError, match=r"line 2: byte 0xe9 at byte offset \d+ is not valid"):
        load_corpus(mixed)
    assert load_corpus(mixed, encoding="cp1252").encoding == "cp1252"  # asked for: no error
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes(rows(3).replace("Ghana", "Gh\u00e9ana").encode("cp1252"))
    corpus = load_corpus(cp)
    assert corpus.encoding == "cp1252" and "Gh\u00e9ana" in corpus[0].words
    assert any("decoded as cp1252" in n for n in corpus.notes)


def test_lines_split_on_newlines_only(tmp_path, capsys):
    from helpers.data import split_lines

    assert split_lines("a\x0cb\r\nc\u2028d\n") == ["a\x0cb", "c\u2028d"]
    conll = tmp_path / "x.conll"
    conll.write_text("Kofi B-PER\nAnn\x0can I-PER\nmet O\nMbe\u2028ki B-PER\n", encoding="utf-8")
    corpus = load_corpus(conll)
    assert len(corpus) == 1 and corpus[0].words == ["Kofi", "Ann\x0can", "met", "Mbe\u2028ki"]
    texts = tmp_path / "t.txt"
    texts.write_text("Voters in Ghana\u2028went .\r\nKenya\x0ctoo .\n", encoding="utf-8")
    assert ner.read_texts(str(texts)) == ["Voters in Ghana\u2028went .", "Kenya\x0ctoo ."]


@pytest.mark.slow
def test_cli_keeps_test_only_labels_out_and_never_overwrites(
    capsys, tmp_path, files, tiny_model_dir
):
    test = tmp_path / "test.csv"
    test.write_text(rows(8, ROW.format("Rain on Mars .", ["O", "O", "B-xyz", "O"])), "utf-8")
    out = tmp_path / "run"
    argv = ["train", "--model", tiny_model_dir, "--data", files / "train.csv", "--test", test]
    code, _, err = run(capsys, *argv, *TINY, "--output-dir", out)
    assert code == 0, err
    assert "labels only in the test split, kept out of the model (counted as missed): B-xyz" in err
    report = json.loads((out / "metrics.json").read_text())
    assert report["test_only_labels"] == ["B-xyz"]
    assert "B-xyz" not in json.loads((out / "model" / "config.json").read_text())["label2id"]
    assert report["test"]["per_type"]["xyz"]["recall"] == 0.0  # scored, as a miss
    first = (out / "metrics.json").read_bytes()

    code, stdout, err = run(capsys, *argv, *TINY, "--seed", "4", "--output-dir", out)
    assert code == 0, err
    assert f"{out} holds an earlier run, kept; this run is saved in {out}-2" in stdout
    assert (out / "metrics.json").read_bytes() == first
    assert json.loads((tmp_path / "run-2" / "metrics.json").read_text())["parameters"]["seed"] == 4
    code, _, err = run(capsys, *argv, *TINY, "--seed", "5", "--output-dir", out, "--overwrite")
    assert code == 0, err
    assert json.loads((out / "metrics.json").read_text())["parameters"]["seed"] == 5
    assert not (tmp_path / "run-3").exists()


# ------------------------------------------------- 4. inconsistencies


def test_empty_text_argument_is_refused_like_an_empty_line(capsys, classifier_dir):
    code, out, err = run(capsys, "predict", "--model", classifier_dir, "")
    assert (code, out) == (2, "") and "TEXT 1 is empty" in err


@pytest.mark.slow
def test_predict_writes_utf8_whatever_the_locale(classifier_dir, tmp_path):
    """With a latin-1 stdout (a redirected cp1252 one on Windows, a C locale), a text holding
    a character latin-1 lacks stopped the output after its first line with UnicodeEncodeError."""
    import subprocess
    import sys

    from helpers.paths import REPO_ROOT

    texts = ["John lives in Paris .", "I \u2764 \u6771\u4eac .", "Berlin ."]
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.ner", "predict", "--model", classifier_dir, *texts],
        capture_output=True, cwd=REPO_ROOT, env={**os.environ, "PYTHONIOENCODING": "latin-1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode("utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines] == texts


def test_predict_takes_texts_from_a_generator(classifier_dir):
    from helpers.ner import load_trained
    from helpers.predict import predict

    model, tokenizer = load_trained(classifier_dir)
    texts = ["John lives in Paris .", "Berlin ."]
    got = predict((t for t in texts), model, tokenizer, precision="fp32")
    assert [p.text for p in got] == texts
    assert got == predict(texts, model, tokenizer, precision="fp32")


def test_text_argument_that_is_not_utf8_is_refused_before_the_model_loads(capsys, tmp_path):
    """Python hands bytes of argv that are not UTF-8 on as lone surrogates ('\\xff' -> '\\udcff');
    the tokenizer would raise on them after the model loaded."""
    assert b"Ghana \xff votes".decode("utf-8", "surrogateescape") == "Ghana \udcff votes"
    missing = str(tmp_path / "no-model")
    code, out, err = run(capsys, "predict", "--model", missing, "Fine .", "Ghana \udcff votes")
    assert (code, out) == (2, "")
    assert "TEXT 2: not valid UTF-8 (byte 0xff at character 6); expected UTF-8 text" in err, err


def test_bom_in_input_is_dropped(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes(codecs.BOM_UTF8 + b"Ghana votes .\nKenya too .\n")
    assert ner.read_texts(str(f)) == ["Ghana votes .", "Kenya too ."]


def test_input_with_bare_carriage_returns_is_refused_not_read_as_one_text(tmp_path):
    """An old-Mac file used to come back as one text holding both lines, tagged as one."""
    f = tmp_path / "mac.txt"
    f.write_bytes(b"Ghana votes .\rKenya too .\r")
    with pytest.raises(ner.UsageError, match=r"mac\.txt, line 1: lines end in a bare carriage"):
        ner.read_texts(str(f))
    f.write_bytes(b"Ghana votes .\r\nKenya too .\r\n")  # Windows line ends are fine
    assert ner.read_texts(str(f)) == ["Ghana votes .", "Kenya too ."]


def test_relative_data_path_resolves_as_helpers_data_does(
    capsys, tmp_path, monkeypatch, no_training
):
    monkeypatch.chdir(tmp_path)  # data/news_ner_train.csv is not under the cwd, but in the repo
    code, _, err = run(
        capsys, "train", "--data", "data/news_ner_train.csv", "--freeze-layers", "99",
        "--output-dir", tmp_path / "o",
    )  # fmt: skip
    assert code == 2 and "--freeze-layers 99: the model has only 6 layers" in err, err


def test_messages_use_the_command_lines_words(capsys, tmp_path, files, no_training):
    code, _, err = run(
        capsys, "train", "--data", files / "train.csv", "--n-sentences", "2",
        "--output-dir", tmp_path / "o",
    )  # fmt: skip
    assert code == 2 and "--n-sentences 2: expected 'all' or an integer >= 3" in err, err
    assert "None" not in err


def test_encoding_message_ends_in_advice_not_a_dangling_parameter(tmp_path):
    f = tmp_path / "b.csv"
    f.write_bytes(b"Sentence,Tag\nx \x81\x8d\x90 .,\"['O', 'O', 'O']\"\n")
    with pytest.raises(CorpusError) as e:
        load_corpus(f)
    assert not str(e.value).rstrip().endswith("=") and "encoding='cp1252'" in str(e.value)


def test_one_sentence_file_names_the_parameter_not_scikit_learn(capsys, tmp_path, no_training):
    with pytest.raises(ValueError, match=r"^test_size=0.2 of 1 sentence\(s\) leaves an empty"):
        split_sentences(load_corpus(CORPUS_TRAIN).sentences[:1], 0.2)
    f = tmp_path / "two.csv"
    f.write_text(rows(2), encoding="utf-8")  # 1 left for training after the test split
    code, _, err = run(
        capsys, "train", "--data", f, "--n-sentences", "all", "--validation-size", "0.1",
        "--output-dir", tmp_path / "o",
    )  # fmt: skip
    assert code == 2 and "--validation-size 0.1 of 1 sentence(s) leaves an empty" in err, err


def test_the_no_training_guard_stops_a_good_run(no_training, files, tiny_model_dir, tmp_path):
    """The guard the tests above rely on fires: good input reaches training and is stopped there
    (it once patched only helpers.train's name, which helpers.ner had already imported)."""
    with pytest.raises(AssertionError, match="training started"):
        ner.main(
            ["train", "--model", tiny_model_dir, "--data", str(files / "train.csv"),
             "--test", str(files / "test.csv"), "--n-sentences", "all", "--no-progress",
             "--output-dir", str(tmp_path / "run")]
        )  # fmt: skip


def test_a_rank_report_that_is_a_file_stops_before_training(capsys, tmp_path, no_training):
    """It used to fail with FileExistsError after training and saving had finished."""
    taken = tmp_path / "afile"
    taken.write_text("x")
    code, _, err = run(
        capsys, "train", "--output-dir", tmp_path / "o", "--rank-report", taken, *TINY[:2]
    )  # fmt: skip
    assert code == 2 and f"--rank-report {taken}: it is a file; expected a folder" in err, err


def test_a_path_with_a_parameter_like_folder_is_quoted_as_it_is(capsys, tmp_path, no_training):
    """A sweep's folder named seed=5 was rewritten as '--seed 5' inside the message's path."""
    data = tmp_path / "sweep" / "seed=5" / "train.csv"
    data.parent.mkdir(parents=True)
    data.write_text(rows(20), encoding="utf-8")
    code, _, err = run(
        capsys, "train", "--data", data, "--n-sentences", "500", "--output-dir", tmp_path / "o"
    )  # fmt: skip
    assert code == 2 and f"--n-sentences 500: {data} has only" in err, err
