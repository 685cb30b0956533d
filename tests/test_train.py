"""helpers.train on a tiny model: parameters, history, best model, determinism, resume."""

from __future__ import annotations

import pytest
from transformers import TrainerCallback

from helpers.train import TrainConfig, freeze, train_ner
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
    ],
)
def test_bad_parameters_name_the_parameter(field, value):
    with pytest.raises(ValueError, match=f"^{field}="):
        TrainConfig(**{field: value}).validate()


def test_needs_training_and_eval_data(tiny_model_dir, tiny_data):
    train, ev, labels = tiny_data
    with pytest.raises(ValueError, match="need both"):
        train_ner(train, [], labels, model_name=tiny_model_dir)


def test_history_best_epoch_and_weights(full_run, tiny_data):
    res, labels = full_run, tiny_data[2]
    assert [h["epoch"] for h in res.history] == [1, 2, 3]
    assert {"train_loss", "loss", "f1", "precision", "recall", "accuracy"} <= set(res.history[0])
    assert res.best_epoch == max(res.history, key=lambda h: h["f1"])["epoch"]
    assert res.precision == "fp32" and res.device == "cpu"
    assert res.model.config.id2label == dict(enumerate(labels))
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]


def test_same_seed_same_metrics(full_run, tiny_model_dir, tiny_data, tmp_path):
    train, ev, labels = tiny_data
    again = train_ner(train, ev, labels, model_name=tiny_model_dir, output_dir=str(tmp_path), **KW)
    assert again.history == full_run.history


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
