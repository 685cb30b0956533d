"""Fine-tune a token classifier with ``transformers.Trainer`` from plain parameters.

Evaluates every epoch, keeps the best epoch's weights (by entity F1), returns a per-epoch
history and can resume an interrupted run from its last checkpoint. Taught in
notebooks/04_ner.ipynb.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from helpers.alignment import features_dataset
from helpers.data import Sentence, to_dataset_dict
from helpers.labels import label_maps
from helpers.metrics import trainer_metrics
from helpers.models import DEFAULT_MODEL, load_token_classifier, load_tokenizer, pick_precision


@dataclass
class TrainConfig:
    """Every knob of a fine-tuning run (the notebook's ``parameters`` cell fills these)."""

    model_name: str = DEFAULT_MODEL
    epochs: int = 7
    learning_rate: float = 3e-4  # tuned on validation splits of the embedded corpus
    head_learning_rate: float | None = 3e-3  # the new, randomly initialised head; None: same
    batch_size: int = 8
    weight_decay: float = 0.01
    warmup: float = 0.1  # fraction of all optimizer steps spent warming the learning rate up
    scheduler: str = "linear"
    freeze_embeddings: bool = True  # the source's option: embeddings stay as pre-trained
    freeze_layers: int = 0  # also freeze the lowest N encoder layers (less backward work)
    dropout: float | None = None  # None keeps the checkpoint's dropout
    precision: str = "auto"
    seed: int = 42
    output_dir: str = "runs/ner"
    strategy: str = "all"  # label every subword (continuation B-x becomes I-x)
    group_by_length: bool = True  # batch sentences of similar length: less padding, same data
    save_checkpoints: bool = False  # needed for resume; costs disk writes every epoch
    resume: bool = False
    max_length: int | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` naming the parameter and what it expects."""
        checks = [
            (isinstance(self.epochs, int) and self.epochs > 0, "epochs", "an integer > 0"),
            (self.learning_rate > 0, "learning_rate", "a number > 0"),
            (
                self.head_learning_rate is None or self.head_learning_rate > 0,
                "head_learning_rate",
                "None or a number > 0",
            ),
            (
                isinstance(self.batch_size, int) and self.batch_size > 0,
                "batch_size",
                "an integer > 0",
            ),
            (self.weight_decay >= 0, "weight_decay", "a number >= 0"),
            (0 <= self.warmup < 1, "warmup", "a fraction in [0, 1)"),
            (0 <= self.freeze_layers, "freeze_layers", "an integer >= 0"),
            (
                self.dropout is None or 0 <= self.dropout < 1,
                "dropout",
                "None or a fraction in [0, 1)",
            ),
            (self.strategy in ("first", "all"), "strategy", "'first' or 'all'"),
            (
                self.precision in ("auto", "bf16", "fp16", "fp32"),
                "precision",
                "auto|bf16|fp16|fp32",
            ),
        ]
        for ok, name, expected in checks:
            if not ok:
                raise ValueError(f"{name}={getattr(self, name)!r}: expected {expected}")


@dataclass
class TrainResult:
    """What a run returns: the best model, its tokenizer, and how training went."""

    model: Any
    tokenizer: Any
    labels: list[str]
    history: list[dict[str, float]]
    best_epoch: int
    train_seconds: float
    samples_per_second: float
    resumed: bool
    device: str
    precision: str
    config: dict[str, Any] = field(default_factory=dict)


def _history(log_history: list[dict[str, Any]]) -> list[dict[str, float]]:
    """One row per epoch from the Trainer's log: train loss, eval loss and eval metrics."""
    rows: dict[int, dict[str, float]] = {}
    for rec in log_history:
        if "epoch" not in rec:
            continue
        ep = math.ceil(rec["epoch"] - 1e-9)
        row = rows.setdefault(ep, {"epoch": ep})
        if "loss" in rec:
            row["train_loss"] = rec["loss"]
        for k, v in rec.items():
            if k.startswith("eval_") and k not in (
                "eval_runtime",
                "eval_steps_per_second",
                "eval_samples_per_second",
                "eval_epoch",
            ):
                row[k.removeprefix("eval_")] = v
    return [rows[k] for k in sorted(rows) if "f1" in rows[k]]


def freeze(model: Any, embeddings: bool, layers: int = 0) -> int:
    """Stop gradients into the embeddings and/or the lowest ``layers`` encoder layers.

    Frozen parameters get no optimizer update and, below the lowest trainable layer, no backward
    pass at all; so freezing layers freezes the embeddings under them too. Returns the number of
    trainable parameters left.
    """
    base = model.base_model
    blocks = base.encoder.layer
    if layers > len(blocks):
        raise ValueError(f"freeze_layers={layers}: the model has only {len(blocks)} layers")
    frozen = [*(base.embeddings.parameters() if embeddings or layers else [])]
    for block in blocks[:layers]:
        frozen += list(block.parameters())
    for p in frozen:
        p.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def optimizer(model: Any, cfg: TrainConfig) -> Any:
    """Fused AdamW with weight decay on matrices only and its own learning rate for the head."""
    import torch

    head_module = getattr(model, "classifier", None)
    head = {id(p) for p in head_module.parameters()} if head_module is not None else set()
    groups: dict[tuple[bool, bool], list] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            decay = p.ndim >= 2 and "LayerNorm" not in name
            groups.setdefault((id(p) in head, decay), []).append(p)
    head_lr = cfg.head_learning_rate or cfg.learning_rate
    params = [
        {
            "params": ps,
            "lr": head_lr if is_head else cfg.learning_rate,
            "weight_decay": cfg.weight_decay if decay else 0.0,
        }
        for (is_head, decay), ps in groups.items()
    ]
    return torch.optim.AdamW(params, lr=cfg.learning_rate, fused=True)


def train_ner(
    train: Sequence[Sentence],
    evaluation: Sequence[Sentence],
    labels: list[str],
    config: TrainConfig | None = None,
    callbacks: Sequence[Any] = (),
    verbose: bool = False,
    **overrides: Any,
) -> TrainResult:
    """Fine-tune ``config.model_name`` on ``train``, scoring on ``evaluation`` every epoch.

    Taught in notebooks/04_ner.ipynb.
    """
    import torch
    from transformers import (
        DataCollatorForTokenClassification,
        PrinterCallback,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        set_seed,
    )

    cfg = replace(config or TrainConfig(), **overrides)
    cfg.validate()
    if not train or not evaluation:
        raise ValueError(
            f"{len(train)} training and {len(evaluation)} evaluation sentences: need both"
        )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    precision = pick_precision(cfg.precision, device)
    set_seed(cfg.seed)
    tokenizer = load_tokenizer(cfg.model_name)
    extra = {}
    if cfg.dropout is not None:
        extra = {"hidden_dropout_prob": cfg.dropout, "attention_probs_dropout_prob": cfg.dropout}
    model = load_token_classifier(cfg.model_name, labels, **extra)
    freeze(model, cfg.freeze_embeddings, cfg.freeze_layers)
    label2id, id2label = label_maps(labels)
    ds = to_dataset_dict({"train": train, "eval": evaluation})
    kw = {"strategy": cfg.strategy, "max_length": cfg.max_length}
    feats = {k: features_dataset(v, tokenizer, label2id, **kw) for k, v in ds.items()}
    steps = cfg.epochs * math.ceil(len(feats["train"]) / cfg.batch_size)
    save = cfg.save_checkpoints or cfg.resume
    args = TrainingArguments(
        output_dir=cfg.output_dir,
        num_train_epochs=cfg.epochs,
        learning_rate=cfg.learning_rate,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=64,
        weight_decay=cfg.weight_decay,
        warmup_steps=round(cfg.warmup * steps),
        lr_scheduler_type=cfg.scheduler,
        eval_strategy="epoch",
        save_strategy="epoch" if save else "no",
        save_total_limit=2 if save else None,
        load_best_model_at_end=save,
        metric_for_best_model="f1",
        logging_strategy="epoch",
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        seed=cfg.seed,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        report_to="none",
        disable_tqdm=True,
        dataloader_pin_memory=device == "cuda",
    )

    best: dict[str, Any] = {"f1": -1.0}

    class KeepBest(TrainerCallback):
        """Without checkpoints, keep the best epoch's weights in memory."""

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kw):
            if not save and metrics and metrics["eval_f1"] > best["f1"] and model is not None:
                best.update(
                    f1=metrics["eval_f1"],
                    epoch=math.ceil(state.epoch - 1e-9),
                    state={k: v.detach().clone() for k, v in model.state_dict().items()},
                )

    trainer = Trainer(
        optimizers=(optimizer(model, cfg), None),  # the Trainer adds the warm-up/decay schedule
        model=model,
        args=args,
        train_dataset=feats["train"],
        eval_dataset=feats["eval"],
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
        compute_metrics=trainer_metrics(id2label),
        callbacks=[KeepBest(), *callbacks],
    )
    if not verbose:
        trainer.remove_callback(PrinterCallback)  # the history table replaces the raw log
    resume = cfg.resume and any(Path(cfg.output_dir).glob("checkpoint-*"))
    if cfg.resume and not resume:
        print(f"resume: no checkpoint in {cfg.output_dir}; starting from scratch")
    t0 = time.perf_counter()
    out = trainer.train(resume_from_checkpoint=True if resume else None)
    seconds = time.perf_counter() - t0
    history = _history(trainer.state.log_history)
    if not save and "state" in best:
        trainer.model.load_state_dict(best["state"])
    best_epoch = max(history, key=lambda r: r["f1"])["epoch"] if history else cfg.epochs
    trainer.model.eval()
    return TrainResult(
        model=trainer.model,
        tokenizer=tokenizer,
        labels=list(labels),
        history=history,
        best_epoch=int(best_epoch),
        train_seconds=seconds,
        samples_per_second=float(out.metrics.get("train_samples_per_second", 0.0)),
        resumed=bool(resume),
        device=device,
        precision=precision,
        config=asdict(cfg),
    )


def write_report(
    path: str | Path, parameters: dict[str, Any], result: TrainResult, test: dict[str, Any]
) -> Path:
    """Save ``metrics.json``: parameters, per-epoch history, final test metrics, timing, device.

    Runs can then be compared without opening the notebook. Taught in notebooks/04_ner.ipynb.
    """
    import json
    import platform

    import torch
    import transformers

    report = {
        "parameters": parameters,
        "history": result.history,
        "best_epoch": result.best_epoch,
        "test": test,
        "train_seconds": round(result.train_seconds, 2),
        "samples_per_second": round(result.samples_per_second, 2),
        "device": result.device,
        "precision": result.precision,
        "processor": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))
    return path
