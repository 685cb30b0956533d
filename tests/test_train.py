"""helpers.train on a tiny model: parameters, history, best model, determinism, resume."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from transformers import TrainerCallback

from helpers.models import default_device
from helpers.train import (
    TrainConfig,
    check_keep,
    evaluate_ner,
    freeze,
    train_ner,
    training_result,
)
from tests.conftest import FAST, KW


@pytest.mark.parametrize(
    "field,value",
    [
        ("epochs", 0),
        ("epochs", -1),
        ("learning_rate", 0),
        ("learning_rate", -1e-4),
        ("batch_size", 0),
        ("warmup", 1.5),
        ("strategy", "middle"),
        ("precision", "int8"),
        ("dropout", 1.0),
        ("keep", "last"),
    ],
)
def test_bad_parameters_name_the_parameter(field, value):
    with pytest.raises(ValueError, match=f"^{field}="):
        TrainConfig(**{field: value}).validate()


def test_needs_training_data_and_validation_to_choose(tiny_model_dir, tiny_data):
    train, ev, labels = tiny_data
    with pytest.raises(ValueError, match="no training sentences"):
        train_ner([], ev, labels, model_name=tiny_model_dir)
    with pytest.raises(ValueError, match="keep='best' needs validation"):
        train_ner(train, [], labels, model_name=tiny_model_dir, keep="best")


def test_check_keep_is_the_one_rule_for_best():
    """keep="best" needs validation data; any validation fraction or count will do."""
    with pytest.raises(ValueError, match=r"keep='best' needs validation .*use keep='final'"):
        check_keep("best", 0)
    for keep, validation in (("best", 0.1), ("best", 3), ("final", 0), ("final", 0.2)):
        check_keep(keep, validation)  # does not raise


def test_training_result_names_a_best_run_without_validation_f1():
    """A caller who skips check_keep (no validation, keep="best") used to get KeyError: 'f1'."""
    import torch

    log = [{"loss": 1.0, "epoch": 1.0, "step": 2}, {"loss": 0.5, "epoch": 2.0, "step": 4}]
    trainer = SimpleNamespace(model=torch.nn.Linear(2, 2), state=SimpleNamespace(log_history=log))
    with pytest.raises(ValueError, match="keep='best': this run scored no validation F1"):
        training_result(trainer, TrainConfig(keep="best"), output=None, seconds=0.0)


@pytest.mark.slow
def test_history_and_final_weights(full_run, tiny_data):
    res, labels = full_run, tiny_data[2]
    assert [h["epoch"] for h in res.history] == [1, 2, 3]
    assert {"train_loss", "loss", "f1", "precision", "recall", "accuracy"} <= set(res.history[0])
    assert res.kept_epoch == 3  # keep="final" (the default) keeps the last epoch
    assert res.precision == "fp32"
    assert res.device == default_device()  # the Trainer's choice
    assert res.model.config.id2label == dict(enumerate(labels))
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]


@pytest.mark.slow
def test_validation_is_scored_per_word_like_the_test_set(full_run, tiny_data):
    """The history's F1 is the word-level F1 of the final model, not a subword-level score."""
    from helpers.metrics import ner_metrics, tags_from_logits

    train, ev, labels = tiny_data
    m, pred = evaluate_ner(full_run.model, full_run.tokenizer, ev)
    assert all(len(p) == len(s.words) for p, s in zip(pred, ev, strict=True))
    assert full_run.history[-1]["f1"] == pytest.approx(m["f1"], abs=1e-9)
    # the subword-level score of the same model differs here, so the test can tell them apart
    import numpy as np
    import torch

    from helpers.alignment import tokenize_and_align
    from helpers.labels import label_maps
    from helpers.models import uses_casing

    label2id, id2label = label_maps(labels)
    casing = uses_casing(full_run.model)  # the default recipe's model may read casing ids
    enc = tokenize_and_align(
        [s.words for s in ev], [s.tags for s in ev], full_run.tokenizer, label2id, strategy="all",
        casing=casing,
    )  # fmt: skip
    logits, gold = [], []
    device = full_run.model.device  # the Trainer's: a GPU where there is one
    with torch.inference_mode():
        for i, (ids, lab) in enumerate(zip(enc["input_ids"], enc["labels"], strict=True)):
            extra = (
                {"casing_ids": torch.tensor([enc["casing_ids"][i]], device=device)}
                if casing
                else {}
            )
            out = full_run.model(input_ids=torch.tensor([ids], device=device), **extra)
            logits.append(out.logits[0].cpu().numpy())
            gold.append(np.array(lab))
    g, p = [], []
    for lo, la in zip(logits, gold, strict=True):
        a, b = tags_from_logits(lo[None], la[None], id2label)
        g += a
        p += b
    assert ner_metrics(g, p)["f1"] != pytest.approx(m["f1"], abs=1e-6)


@pytest.mark.slow
def test_keep_best_restores_the_best_epochs_weights(
    monkeypatch, tiny_model_dir, tiny_data, tmp_path
):
    """In-memory best epoch: the returned weights are those of the epoch with the best F1."""
    import helpers.train as train_mod

    scripted = iter([0.5, 0.9, 0.3])  # validation F1 of epochs 1, 2, 3: epoch 2 is best

    def fake_evaluate(model, tokenizer, sentences):
        f1 = next(scripted)
        return {"precision": f1, "recall": f1, "f1": f1, "accuracy": f1}, []

    monkeypatch.setattr(train_mod, "evaluate_ner", fake_evaluate)
    snapshots = {}

    class Snapshot(TrainerCallback):
        def on_evaluate(self, args, state, control, model=None, **kw):
            snapshots[round(state.epoch)] = {
                k: v.detach().clone() for k, v in model.state_dict().items()
            }

    train, ev, labels = tiny_data
    kw = {**FAST, "epochs": 3, "keep": "best", "seed": 5}
    res = train_ner(
        train,
        ev,
        labels,
        model_name=tiny_model_dir,
        output_dir=str(tmp_path),
        callbacks=[Snapshot()],
        **kw,
    )
    assert res.kept_epoch == 2
    final = res.model.state_dict()
    name = "classifier.weight"
    assert torch_equal(final[name], snapshots[2][name])
    assert not torch_equal(snapshots[2][name], snapshots[3][name])


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a, b))


@pytest.mark.slow
def test_same_seed_same_metrics(full_run, tiny_model_dir, tiny_data, tmp_path):
    train, ev, labels = tiny_data
    again = train_ner(train, ev, labels, model_name=tiny_model_dir, output_dir=str(tmp_path), **KW)
    assert again.history == full_run.history


@pytest.mark.slow  # reads the full_run fixture's result
def test_untrained_labels_are_those_no_training_token_carried(full_run, tiny_data, tok):
    """Worked out from the training tokens' labels in training_result, which notebook 04 calls
    too (its metrics.json always said []); an I-x counts only where a B-x word has a second
    piece to carry it (strategy "all"), not for every B-x."""
    train, _, labels = tiny_data
    carried = set()
    for s in train:
        for word, tag in zip(s.words, s.tags, strict=True):
            carried.add(tag)
            if tag.startswith("B-") and len(tok.tokenize(word)) > 1:
                carried.add("I-" + tag[2:])
    assert full_run.untrained_labels == [t for t in labels if t not in carried]
    assert full_run.untrained_labels  # 32 sentences leave some labels out


def test_freeze_embeddings_and_layers(tiny_model_dir, tiny_data):
    from helpers.models import load_token_classifier

    model = load_token_classifier(tiny_model_dir, tiny_data[2])
    total = sum(p.numel() for p in model.parameters())
    emb = sum(p.numel() for p in model.base_model.embeddings.parameters())
    layer0 = sum(p.numel() for p in model.base_model.encoder.layer[0].parameters())
    assert freeze(model, embeddings=True) == total - emb
    assert freeze(model, embeddings=True, layers=1) == total - emb - layer0
    with pytest.raises(ValueError, match="only 1 layers"):
        freeze(model, embeddings=False, layers=2)


class StopAfter(TrainerCallback):
    """Simulate an interrupted run: stop at the end of an epoch."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_epoch_end(self, args, state, control, **kw):
        if state.epoch >= self.epoch:
            control.should_training_stop = True


@pytest.mark.slow
def test_resume_after_interruption(full_run, tiny_model_dir, tiny_data, tmp_path):
    train, ev, labels = tiny_data
    kw = {**KW, "model_name": tiny_model_dir, "output_dir": str(tmp_path)}
    cut = train_ner(train, ev, labels, callbacks=[StopAfter(2)], **kw)
    assert [h["epoch"] for h in cut.history] == [1, 2]
    assert not cut.resumed
    resumed = train_ner(train, ev, labels, resume=True, **kw)
    assert resumed.resumed
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert resumed.history[-1]["f1"] == pytest.approx(full_run.history[-1]["f1"], abs=1e-6)
    assert resumed.history[-1]["loss"] == pytest.approx(full_run.history[-1]["loss"], rel=1e-4)


@pytest.mark.slow
def test_resume_never_continues_a_finished_runs_checkpoint(
    tiny_model_dir, tiny_data, tmp_path, capsys
):
    """A finished run keeps its checkpoints beside metrics.json; resume=True in its folder used
    to "continue" from its last one, train nothing, and hand back the old weights as a new run."""
    train, ev, labels = tiny_data
    kw = {**FAST, "epochs": 1, "model_name": tiny_model_dir, "output_dir": str(tmp_path)}
    first = train_ner(train[:8], ev[:4], labels, save_checkpoints=True, **kw)
    assert [p.name for p in tmp_path.glob("checkpoint-*")] == ["checkpoint-2"]
    (tmp_path / "metrics.json").write_text("{}")  # what save_run writes last: a finished run
    again = train_ner(train[:8], ev[:4], labels, resume=True, **kw)
    assert not again.resumed and [h["epoch"] for h in again.history] == [1]
    assert again.history[0]["loss"] == pytest.approx(first.history[0]["loss"], rel=1e-4)
    assert (
        "holds a finished run, nothing to resume; starting from scratch" in capsys.readouterr().out
    )


@pytest.mark.slow
def test_bf16_runs_on_cpu(tiny_model_dir, tiny_data, tmp_path):
    """The path `precision="auto"` takes on CPUs with AMX: bf16 autocast inside the Trainer."""
    import math

    train, ev, labels = tiny_data
    res = train_ner(
        train[:8],
        ev[:4],
        labels,
        model_name=tiny_model_dir,
        output_dir=str(tmp_path),
        **{**FAST, "epochs": 1, "precision": "bf16"},
    )
    assert res.precision == "bf16"
    assert len(res.history) == 1 and math.isfinite(res.history[0]["loss"])
    # handed back with its own forward: the Trainer's bf16 autocast is off (later fp32 is fp32)
    assert "_original_forward" not in vars(res.model) and "forward" not in vars(res.model)


def test_one_device_keeps_the_trainer_off_data_parallel(tmp_path):
    """Several GPUs outside torchrun: the Trainer would use nn.DataParallel and a batch of
    per_device_train_batch_size x GPUs; one_device pins the count the Trainer reads to one."""
    from transformers import TrainingArguments

    from helpers.train import one_device

    args = TrainingArguments(
        output_dir=str(tmp_path), use_cpu=True, per_device_train_batch_size=8, report_to="none"
    )
    assert one_device(args) is args and args.n_gpu == 0  # a CPU: nothing to pin
    args._n_gpu = 3  # what TrainingArguments sets on a machine with three GPUs
    assert args.train_batch_size == 24
    one_device(args)
    assert args.n_gpu == 1 and args.train_batch_size == 8


def test_both_argument_builders_pin_one_device(monkeypatch, tmp_path):
    from helpers import train

    pinned = []
    monkeypatch.setattr(train, "one_device", lambda args: pinned.append(args) or args)
    ner_args = train.training_arguments(TrainConfig(output_dir=str(tmp_path)), 10, False, "fp32")
    objective = train.objective_arguments(tmp_path, 10, 1, 2, 1e-3)
    assert pinned == [ner_args, objective]


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_both_argument_builders_train_on_the_default_device(monkeypatch, tmp_path, device):
    """Without CUDA both keep the Trainer on the CPU (``use_cpu``: never Apple's MPS) and pin no
    memory; with CUDA they leave the GPU to the Trainer and pin the batches' memory."""
    from helpers import train

    monkeypatch.setattr(train, "default_device", lambda: device)
    ner_args = train.training_arguments(TrainConfig(output_dir=str(tmp_path)), 10, False, "fp32")
    objective = train.objective_arguments(tmp_path, 10, 1, 2, 1e-3)
    for args in (ner_args, objective):
        assert args.use_cpu == (device == "cpu")
        assert args.dataloader_pin_memory == (device == "cuda")


def test_evaluate_ner_refuses_a_gold_word_the_model_never_sees(tok):
    """A zero-width space gives no token: its predicted tag would be the previous word's,
    continued, and seqeval would score that guess. The sentence is named instead."""
    from helpers.data import Sentence

    sentences = [
        Sentence(["Paris", "."], ["B-geo", "O"], "d1", 3),
        Sentence(["in", "\u200b", "Rome"], ["O", "O", "B-geo"], "d2", 7),
    ]
    with pytest.raises(ValueError, match=r"sentence 2 \(file line 7, document 'd2'\): word 2 "):
        evaluate_ner(None, tok, sentences)  # refused before the model is called


def test_a_checkpoint_resumes_only_with_the_settings_and_data_it_was_trained_with(tmp_path):
    """The optimizer, schedule and random state come from the checkpoint: a changed learning
    rate used to be ignored while metrics.json recorded it, and other data trained on silently."""
    import json
    from dataclasses import replace

    from helpers.data import Sentence
    from helpers.train import RUN_SETTINGS, check_resumable, run_settings

    sents = [Sentence(["Rain", "in", "Oslo"], ["O", "O", "B-geo"]), Sentence(["Hi"], ["O"])]
    labels = ["O", "B-geo"]

    def settings(cfg, precision="fp32", train=sents, evaluation=(), labels=labels):
        return run_settings(cfg, precision, train, evaluation, labels)

    cfg = TrainConfig(output_dir=str(tmp_path), freeze_layers=0)
    check_resumable(tmp_path, settings(cfg))  # no file: not checked
    (tmp_path / RUN_SETTINGS).write_text(json.dumps(settings(cfg)))
    # embeddings cached or not: the same numbers (a frozen layer's cache is not: see below)
    check_resumable(tmp_path, settings(replace(cfg, resume=True, cache_frozen=False)))
    with pytest.raises(ValueError, match=r"trained with learning_rate=0\.0003, this run asks "):
        check_resumable(tmp_path, settings(replace(cfg, learning_rate=0.5)))
    with pytest.raises(ValueError, match=r"precision='fp32', this run asks precision='bf16'"):
        check_resumable(tmp_path, settings(cfg, "bf16"))
    with pytest.raises(ValueError, match=r"\(the train and validation sentences differ\)"):
        check_resumable(tmp_path, settings(cfg, "fp32", sents[:1], sents[1:]))
    # the saved head's rows are the labels in order: another order would swap its classes
    with pytest.raises(
        ValueError, match=r"labels=\['O', 'B-geo'\], this run asks labels=\['B-geo'"
    ):
        check_resumable(tmp_path, settings(cfg, labels=["B-geo", "O"]))


def test_a_resume_keeps_the_process_count_and_a_cached_frozen_layer(tmp_path, monkeypatch):
    """The command line's --batch-size is the global batch, split over torchrun's processes:
    16 on 2 processes resumed as 8 on one passed (8 per process both times) and retrained part
    of a schedule with other steps per epoch. A frozen layer runs without dropout when cached,
    so switching its cache on resume changed the training silently."""
    import json
    from dataclasses import replace

    from helpers.data import Sentence
    from helpers.train import RUN_SETTINGS, check_resumable, run_settings

    sents = [Sentence(["Rain", "in", "Oslo"], ["O", "O", "B-geo"])]
    cfg = TrainConfig(output_dir=str(tmp_path), batch_size=8)  # freeze_layers=1, cached
    monkeypatch.setenv("WORLD_SIZE", "2")
    (tmp_path / RUN_SETTINGS).write_text(json.dumps(run_settings(cfg, "fp32", sents, [], ["O"])))
    check_resumable(tmp_path, run_settings(cfg, "fp32", sents, [], ["O"]))
    with pytest.raises(ValueError, match=r"cache_frozen=True, this run asks cache_frozen=False"):
        check_resumable(
            tmp_path, run_settings(replace(cfg, cache_frozen=False), "fp32", sents, [], ["O"])
        )
    monkeypatch.delenv("WORLD_SIZE")
    # the same global batch on one process: the processes differ (their data order)
    with pytest.raises(ValueError, match=r"trained with processes=2, this run asks processes=1"):
        check_resumable(
            tmp_path, run_settings(replace(cfg, batch_size=16), "fp32", sents, [], ["O"])
        )
    # 8 per process on one process: the global batch halves (steps per epoch double)
    with pytest.raises(ValueError, match=r"batch_size=16, processes=2, this run asks batch_size=8"):
        check_resumable(tmp_path, run_settings(cfg, "fp32", sents, [], ["O"]))


def test_resume_takes_the_last_checkpoint_whose_save_finished(tmp_path):
    """A run stopped while saving leaves a checkpoint without its trainer_state.json (written
    last); resuming from it made the Trainer fail. A new run among any checkpoint is refused."""
    from helpers.train import check_resume, interrupted_checkpoint

    for step, done in ((38, True), (76, False), (9, True)):
        (tmp_path / f"checkpoint-{step}").mkdir()
        if done:
            (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    (tmp_path / "checkpoint-x").mkdir()  # not a checkpoint's name
    assert interrupted_checkpoint(tmp_path) == str(tmp_path / "checkpoint-38")
    assert interrupted_checkpoint(tmp_path, complete=False) == str(tmp_path / "checkpoint-76")
    for step in (9, 38):
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").unlink()
    assert interrupted_checkpoint(tmp_path) is None
    with pytest.raises(ValueError, match="holds checkpoint-76 of an interrupted run"):
        check_resume(tmp_path, resume=False, saves_checkpoints=True)
    (tmp_path / "metrics.json").write_text("{}")  # a finished run: nothing to resume
    assert interrupted_checkpoint(tmp_path, complete=False) is None


def test_train_ner_refuses_labels_that_are_not_bio_before_training(tiny_data):
    from helpers.train import train_ner

    train, _, _ = tiny_data
    with pytest.raises(ValueError, match=r"'PER' is not O, B-<type> or I-<type>"):
        train_ner(train, [], ["PER", *sorted({t for s in train for t in s.tags})], epochs=1)
