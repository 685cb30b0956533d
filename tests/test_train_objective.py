"""The one training path for pre-training objectives (helpers.train.train_objective) and the one
autocast helper (helpers.models.autocast)."""

from __future__ import annotations

import pytest
import torch

from helpers.models import autocast, autocast_dtype
from helpers.train import (
    TrainConfig,
    logged_losses,
    objective_arguments,
    optimizer,
    parameter_groups,
    train_objective,
)


def tiny_classifier(seed: int = 0):
    """A 16-wide, one-layer BERT with a fresh 2-way head: trains in a second."""
    from transformers import BertConfig, BertForSequenceClassification, set_seed

    set_seed(seed)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=16, num_labels=2)  # fmt: skip
    return BertForSequenceClassification(cfg)


def toy_data(n: int = 64) -> list[dict]:
    """Label 1 when token 7 is in the sequence: learnable from the tokens alone."""
    g = torch.Generator().manual_seed(0)
    rows = []
    for i in range(n):
        ids = torch.randint(10, 50, (6,), generator=g).tolist()
        if i % 2:
            ids[int(torch.randint(1, 5, (1,), generator=g))] = 7
        rows.append({"input_ids": [2, *ids, 3], "labels": i % 2})
    return rows


def collate(rows: list[dict]) -> dict:
    return {
        "input_ids": torch.tensor([r["input_ids"] for r in rows]),
        "labels": torch.tensor([r["labels"] for r in rows]),
    }


FAST = {"epochs": 4, "batch_size": 8, "learning_rate": 3e-3, "precision": "fp32", "seed": 1}


def test_training_lowers_the_loss_and_logs_every_step():
    model = tiny_classifier()
    data = toy_data()
    trainer = train_objective(model, data, collate, **FAST)
    losses = logged_losses(trainer.state.log_history)
    assert len(losses) == 4 * 64 // 8  # one logged loss per step
    assert sum(losses[-8:]) / 8 < sum(losses[:8]) / 8
    assert not model.training  # handed back in eval mode


def test_same_seed_same_weights_other_seed_other_weights():
    def run(seed):
        model = tiny_classifier()
        train_objective(model, toy_data(), collate, **{**FAST, "epochs": 1, "seed": seed})
        return model.classifier.weight.detach().clone()

    assert torch.equal(run(1), run(1))
    assert not torch.equal(run(1), run(2))


def test_frozen_encoder_trains_only_the_head_and_is_unfrozen_afterwards():
    model = tiny_classifier()
    encoder = {k: v.clone() for k, v in model.base_model.state_dict().items()}
    head = model.classifier.weight.detach().clone()
    train_objective(model, toy_data(), collate, freeze_encoder=True, **{**FAST, "epochs": 1})
    after = {k: v.cpu() for k, v in model.base_model.state_dict().items()}  # off a GPU, if any
    assert all(torch.equal(v, after[k]) for k, v in encoder.items())
    assert not torch.equal(head, model.classifier.weight.cpu())
    assert all(p.requires_grad for p in model.parameters())


def test_head_gets_its_own_learning_rate_and_decay_skips_biases_and_layernorm():
    model = tiny_classifier()
    groups = parameter_groups(model, 1e-4, 0.01, model.classifier, 1e-2)
    head = {id(p) for p in model.classifier.parameters()}
    names = {id(p): n for n, p in model.named_parameters()}
    for g in groups:
        for p in g["params"]:
            assert g["lr"] == (1e-2 if id(p) in head else 1e-4), names[id(p)]
            decays = p.ndim >= 2 and "LayerNorm" not in names[id(p)]
            assert g["weight_decay"] == (0.01 if decays else 0.0), names[id(p)]
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))


def test_the_ner_optimizer_uses_the_same_groups():
    model = tiny_classifier()
    cfg = TrainConfig(learning_rate=1e-4, head_learning_rate=1e-2, weight_decay=0.02)
    got = [(g["lr"], g["weight_decay"], [id(p) for p in g["params"]])
           for g in optimizer(model, cfg).param_groups]  # fmt: skip
    want = [(g["lr"], g["weight_decay"], [id(p) for p in g["params"]])
            for g in parameter_groups(model, 1e-4, 0.02, model.classifier, 1e-2)]  # fmt: skip
    assert got == want


@pytest.mark.parametrize(("picked", "fused"), [("fp16", False), ("bf16", True), ("fp32", True)])
def test_adamw_is_fused_except_for_fp16(monkeypatch, picked, fused):
    """Fused AdamW skips an fp16 overflow step inside step(), unseen by the Trainer's schedule."""
    from helpers import train

    with monkeypatch.context() as m:
        m.setattr(train, "pick_precision", lambda *a, **k: picked)
        assert train.adamw(tiny_classifier(), 1e-3).defaults["fused"] is fused
    monkeypatch.setenv("COURSE_PRECISION", "fp8")  # a bad setting is reported where runs pick
    assert train.adamw(tiny_classifier(), 1e-3).defaults["fused"] is True


def test_frozen_parameters_are_left_out_and_all_frozen_is_an_error():
    model = tiny_classifier()
    for p in model.base_model.parameters():
        p.requires_grad = False
    groups = parameter_groups(model, 1e-4, 0.01)
    assert sum(len(g["params"]) for g in groups) == 2  # the head's weight and bias
    for p in model.parameters():
        p.requires_grad = False
    with pytest.raises(ValueError, match="no trainable parameter"):
        parameter_groups(model, 1e-4, 0.01)


def test_arguments_carry_precision_schedule_and_seed(tmp_path):
    args = objective_arguments(tmp_path, 100, 2, 16, 3e-4, 0.01, 0.1, "bf16", 7)
    assert args.bf16 and not args.fp16
    assert args.warmup_steps == round(0.1 * 2 * 7)  # 7 batches per epoch
    assert args.seed == 7 and args.lr_scheduler_type == "linear"
    assert not args.remove_unused_columns  # collators may read extra columns (word_ids)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"warmup": 1.0}, "warmup"),
        ({"precision": "auto"}, "precision"),
    ],  # fmt: skip
)
def test_bad_arguments_name_the_parameter(tmp_path, kw, name):
    base = {"output_dir": tmp_path, "n_train": 10, "epochs": 1, "batch_size": 2,
            "learning_rate": 1e-3}  # fmt: skip
    with pytest.raises(ValueError, match=name):
        objective_arguments(**{**base, **kw})


def test_autocast_switches_precision_and_fp32_leaves_the_block_alone():
    a = torch.randn(4, 4)
    with autocast("fp32", "cpu"):
        assert (a @ a).dtype == torch.float32
    with autocast("bf16", torch.device("cpu")):
        assert (a @ a).dtype == torch.bfloat16
    assert autocast_dtype("fp16") == torch.float16
    with pytest.raises(ValueError, match="precision"):
        autocast_dtype("auto")


def bf16_trainer_run(model, folder, epochs: int = 1) -> None:
    """``trainer.train()`` in bf16 as a notebook cell writes it: no helpers code afterwards."""
    from transformers import Trainer

    args = objective_arguments(folder, 64, epochs, 8, 3e-3, precision="bf16", seed=1)
    Trainer(model=model, args=args, train_dataset=toy_data(), data_collator=collate).train()
    model.eval()


def fp32_reference(model):
    """A fresh copy of ``model``'s class and weights, on its device: its forward is the plain
    fp32 one."""
    twin = tiny_classifier().to(model.device)
    twin.load_state_dict(model.state_dict())
    return twin.eval()


BATCH = {"input_ids": collate(toy_data(8))["input_ids"]}


def logits(model):
    """The model's logits for BATCH, on the model's device (the Trainer's: a GPU if any)."""
    with torch.no_grad():
        return model(**{k: v.to(model.device) for k, v in BATCH.items()}).logits


@pytest.mark.parametrize("runs", [1, 2])  # a model trained twice holds two wrappers
def test_the_trainer_leaves_autocast_on_the_model_and_helpers_lift_it(tmp_path, runs):
    from helpers.models import drop_trainer_autocast, own_forward

    model = tiny_classifier()
    for r in range(runs):
        bf16_trainer_run(model, str(tmp_path / str(r)))
    want = logits(fp32_reference(model))
    assert not torch.equal(logits(model), want)  # the Trainer's bf16 autocast is still on
    with own_forward(model):
        assert torch.equal(logits(model), want)  # the model's own fp32 forward
    assert not torch.equal(logits(model), want)  # and the wrapper is back after the block
    assert drop_trainer_autocast(model)
    assert torch.equal(logits(model), want)
    assert "forward" not in vars(model) and "_original_forward" not in vars(model)
    assert not drop_trainer_autocast(model)  # nothing left to drop


def test_a_forward_set_on_the_instance_survives_the_drop(tmp_path):
    from helpers.models import drop_trainer_autocast

    model = tiny_classifier()
    calls = []

    def counted(*a, **k):  # e.g. what torch.compile(model.forward) puts on the instance
        calls.append(1)
        return type(model).forward(model, *a, **k)

    model.forward = counted
    bf16_trainer_run(model, str(tmp_path))
    assert drop_trainer_autocast(model)
    assert model.forward is counted
    before = len(calls)
    assert torch.equal(logits(model), logits(fp32_reference(model)))
    assert len(calls) == before + 1


def test_train_objective_hands_back_the_models_own_forward():
    model = tiny_classifier()
    train_objective(model, toy_data(), collate, **{**FAST, "epochs": 1, "precision": "bf16"})
    assert "_original_forward" not in vars(model)
    assert torch.equal(logits(model), logits(fp32_reference(model)))
