"""Fine-tune a token classifier with ``transformers.Trainer`` from plain parameters.

Keeps the final epoch's weights by default (``keep="best"`` keeps the epoch with the best
validation F1 instead), scores validation per word exactly as the test set is scored, returns a
per-epoch history and can resume an interrupted run from its last checkpoint. Taught in
notebooks/04_ner.ipynb.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from helpers.alignment import STRATEGIES, STRIDE, check_scorable, features_dataset
from helpers.data import Sentence, to_dataset_dict
from helpers.labels import is_bio_tag, label_maps
from helpers.metrics import ner_metrics
from helpers.models import (
    BERT_MODEL_TYPES,
    CASING_PLACEMENTS,
    CASING_SETTINGS,
    DEFAULT_MODEL,
    PRECISIONS,
    check_model_dir,
    default_device,
    drop_trainer_autocast,
    hf_quiet,
    load_config,
    load_token_classifier,
    load_tokenizer,
    pick_precision,
    uses_casing,
)
from helpers.params import (
    BOOL_EXPECTED,
    SEED_EXPECTED,
    is_bool,
    is_finite_number,
    is_int,
    is_seed,
    need_int,
    raise_first_failure,
)
from helpers.paths import current_umask, output_path, shown
from helpers.predict import predict_word_tags

KEEP = ("final", "best")
# The split of notebook 04, of ``python -m helpers.ner train`` and of chapter 05's downstream
# study: the first 300 sentences of the training file (the source's number), 20% held out for
# test when a file has no test file, no validation.
SPLIT_DEFAULTS: dict[str, Any] = {"n_sentences": 300, "test_size": 0.2, "validation_size": 0.0}
# The optimizer settings every training path shares (TrainConfig, adamw, objective_arguments,
# train_objective): chapters 04-08 train with the same ones unless they say otherwise.
WEIGHT_DECAY = 0.01
WARMUP = 0.1  # fraction of all optimizer steps spent warming the learning rate up
# Windows of a long sentence share STRIDE tokens (helpers.alignment), so a --max-length must leave
# room for them and [CLS]/[SEP].
MIN_MAX_LENGTH = STRIDE + 3
# transformers' learning-rate schedules that need only the warm-up and step counts, so they honour
# ``warmup``; the others need settings the course does not pass (cosine_with_min_lr: a floor,
# warmup_stable_decay: decay steps) or skip the warm-up (constant: allowed with warmup 0;
# reduce_lr_on_plateau)
SCHEDULERS = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant_with_warmup",
    "inverse_sqrt",
)  # fmt: skip
# a model family's names for the dropout of its hidden states and of its attention weights
DROPOUT_FIELDS = (
    ("hidden_dropout_prob", "attention_probs_dropout_prob"),  # BERT, RoBERTa, ELECTRA, ...
    ("dropout", "attention_dropout"),  # DistilBERT
)
METRICS = "metrics.json"
# beside a run's checkpoints: the settings and data a --resume must continue with
RUN_SETTINGS = "run_settings.json"
# TrainConfig fields a resumed run may change: where it writes, and the cache of frozen
# embeddings (the same numbers, sooner); a cached frozen layer runs without its dropout, so with
# freeze_layers > 0 the cache is checked as a setting (run_settings)
RESUMABLE_CHANGES = ("output_dir", "resume", "save_checkpoints", "cache_frozen")


class TrainingDiverged(RuntimeError):
    """The training loss (or a weight) became NaN or infinite: nothing of the run is saved."""


@dataclass
class TrainConfig:
    """Every knob of a fine-tuning run (the notebook's ``parameters`` cell fills these)."""

    model_name: str = DEFAULT_MODEL
    epochs: int = 7
    learning_rate: float = 3e-4  # tuned on validation splits of the embedded corpus
    head_learning_rate: float | None = 3e-3  # the new, randomly initialised head; None: same
    batch_size: int = 8
    weight_decay: float = WEIGHT_DECAY
    warmup: float = WARMUP  # fraction of all optimizer steps spent warming the learning rate up
    scheduler: str = "linear"
    freeze_embeddings: bool = True  # the source's option: embeddings stay as pre-trained
    freeze_layers: int = 1  # also freeze the lowest N encoder layers (no backward through them)
    cache_frozen: bool = True  # compute the frozen bottom once per sentence, reuse every epoch
    dropout: float | None = None  # None keeps the checkpoint's dropout
    precision: str = "auto"
    seed: int = 42
    output_dir: str = "runs/ner"
    strategy: str = "all"  # label every subword (continuation B-x becomes I-x)
    group_by_length: bool = True  # batch sentences of similar length: less padding, same data
    keep: str = "final"  # "final": last epoch's weights; "best": best validation F1 (needs data)
    save_checkpoints: bool = False  # needed for resume; costs disk writes every epoch
    resume: bool = False
    # training windows' length in tokens (None: the model's limit); scoring (validation, test)
    # reads each sentence in windows of the model's limit, as predict does, whatever was trained
    max_length: int | None = None
    # a learned casing feature (helpers.casing): "off", "auto" (on, after the frozen layers,
    # where the tokenizer lower-cases and the model is a BERT; off for a cased one), or where it
    # is added: "after_frozen" (the input of the first trained layer) or "output" (the final
    # hidden states).
    # "auto" by notebooks/results/ner_casing.json (python -m helpers.bench casing, issue 23)
    casing: str = "auto"

    def validate(self) -> None:
        """Raise ``ValueError`` naming the parameter and what it expects."""
        number = is_finite_number

        checks = [
            (is_int(self.epochs) and self.epochs > 0, "epochs", "an integer > 0"),
            (number(self.learning_rate) and self.learning_rate > 0, "learning_rate",
             "a finite number > 0"),
            (
                self.head_learning_rate is None
                or (number(self.head_learning_rate) and self.head_learning_rate > 0),
                "head_learning_rate",
                "None or a finite number > 0",
            ),
            (is_int(self.batch_size) and self.batch_size > 0, "batch_size", "an integer > 0"),
            (number(self.weight_decay) and self.weight_decay >= 0, "weight_decay",
             "a finite number >= 0"),
            (number(self.warmup) and 0 <= self.warmup < 1, "warmup", "a fraction in [0, 1)"),
            (is_int(self.freeze_layers) and self.freeze_layers >= 0, "freeze_layers",
             "an integer >= 0"),
            (self.freeze_embeddings is not False or not self.freeze_layers, "freeze_embeddings",
             "True when freeze_layers > 0: the embeddings under a frozen layer get no gradient, so "
             "they are frozen with it (freeze_layers=0 trains them)"),
            (
                self.dropout is None or (number(self.dropout) and 0 <= self.dropout < 1),
                "dropout",
                "None or a fraction in [0, 1)",
            ),
            *[(is_bool(getattr(self, name)), name, BOOL_EXPECTED) for name in (
                "freeze_embeddings", "cache_frozen", "group_by_length", "save_checkpoints",
                "resume")],
            (self.strategy in STRATEGIES, "strategy", " or ".join(map(repr, STRATEGIES))),
            (self.keep in KEEP, "keep", "'final' or 'best'"),
            (self.casing in CASING_SETTINGS, "casing", " or ".join(map(repr, CASING_SETTINGS))),
            (
                self.precision in PRECISIONS,
                "precision",
                "auto|bf16|fp16|fp32",
            ),
            (
                self.max_length is None
                or (is_int(self.max_length) and self.max_length >= MIN_MAX_LENGTH),
                "max_length",
                f"None or an integer >= {MIN_MAX_LENGTH} (windows of a long sentence share "
                f"{STRIDE} tokens, plus [CLS] and [SEP])",
            ),
            (
                self.scheduler in SCHEDULERS or (self.scheduler == "constant" and not self.warmup),
                "scheduler",
                "one of " + ", ".join(SCHEDULERS) + " (or constant, with warmup=0)",
            ),
            (is_seed(self.seed), "seed", SEED_EXPECTED),
            (isinstance(self.output_dir, (str, os.PathLike)) and str(self.output_dir).strip() != "",
             "output_dir", "a folder path"),
        ]  # fmt: skip
        raise_first_failure(vars(self), checks)


@dataclass
class TrainResult:
    """What a run returns: the kept model (the final epoch's unless ``keep="best"``), its
    tokenizer, and how training went."""

    model: Any
    tokenizer: Any
    labels: list[str]
    history: list[dict[str, float]]
    kept_epoch: int  # the epoch whose weights the model holds
    train_seconds: float
    samples_per_second: float
    resumed: bool
    device: str
    precision: str
    config: dict[str, Any] = field(default_factory=dict)
    # with a FrozenCache: sentences whose frozen bottom was computed, and times it was reused
    cache: dict[str, int] | None = None
    # labels of the model that no training token carries (never learned; -100 carries none)
    untrained_labels: list[str] = field(default_factory=list)


def _history(log_history: list[dict[str, Any]]) -> list[dict[str, float]]:
    """One row per epoch from the Trainer's log: train loss and, with validation data, the
    validation loss (``loss``) and word-level entity metrics."""
    rows: dict[int, dict[str, float]] = {}
    for rec in log_history:
        if "epoch" not in rec or "train_runtime" in rec:
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
    return [rows[k] for k in sorted(rows)]


def evaluate_ner(
    model: Any, tokenizer: Any, sentences: Sequence[Sentence]
) -> tuple[dict[str, Any], list[list[str]]]:
    """Entity-level metrics of ``model`` on ``sentences``, one predicted tag per word.

    The one way this course scores NER: validation during training, the test set at the end,
    the command line and the benchmarks all call it. Returns ``(metrics, predicted tags)``.
    A gold word that gives no token (a zero-width space, a soft hyphen) is refused, naming its
    sentence: the model never sees it, so its predicted tag would be a guess that is scored.
    Taught in notebooks/04_ner.ipynb.
    """
    check_scorable(sentences, tokenizer)
    pred, _ = predict_word_tags(model, tokenizer, [s.words for s in sentences])
    return ner_metrics([s.tags for s in sentences], pred), pred


class UnsupportedModel(ValueError):
    """A model whose embeddings and encoder layers the course cannot find (to freeze, cache or
    count them): an ALBERT, a GPT-2. A usage error of the command line, not a bug."""


def encoder_layers(model: Any) -> Any:
    """The list of encoder layers of a BERT-style model (BERT, RoBERTa, ELECTRA, MiniLM:
    ``encoder.layer``; DistilBERT: ``transformer.layer``)."""
    base = model.base_model
    for path in ("encoder", "transformer"):
        layers = getattr(getattr(base, path, None), "layer", None)
        if layers is not None and hasattr(base, "embeddings"):
            return layers
    raise UnsupportedModel(
        f"{type(model).__name__}: cannot find its embeddings and encoder layers "
        "(expected base_model.embeddings and base_model.encoder.layer or .transformer.layer); "
        "use freeze_embeddings=False, freeze_layers=0 with this model"
    )


def check_keep(keep: str, validation_size: float) -> None:
    """Refuse ``keep="best"`` without validation sentences, before anything is trained: the best
    epoch is chosen on validation F1. The one rule for the command line (which words it as
    ``--keep best``), :func:`train_ner` and notebooks/04_ner.ipynb."""
    if keep == "best" and not validation_size:
        raise ValueError(
            "keep='best' needs validation sentences to choose the epoch on (validation_size > 0); "
            "use keep='final' or e.g. validation_size=0.1"
        )


def check_model_fits(cfg: TrainConfig) -> Any:
    """What needs the model, checked before anything is trained: a local model folder holds its
    config, weights and tokenizer (:func:`helpers.models.check_model_dir`), ``freeze_layers``
    is within its layers and ``max_length`` within its positions. Returns its configuration."""
    import helpers.casing  # noqa: F401  registers the casing model type a saved run may have

    check_model_dir(cfg.model_name)
    mc = load_config(cfg.model_name)
    layers = getattr(mc, "num_hidden_layers", None) or getattr(mc, "n_layers", None)
    if isinstance(layers, int) and cfg.freeze_layers > layers:
        raise ValueError(
            f"freeze_layers={cfg.freeze_layers}: the model has only {layers} layers; "
            f"expected 0 to {layers}"
        )
    if cfg.casing in CASING_PLACEMENTS and mc.model_type not in BERT_MODEL_TYPES:
        raise ValueError(
            f"casing={cfg.casing!r}: the casing feature needs a BERT model (model_type 'bert'); "
            f"{cfg.model_name!r} is {mc.model_type!r}: use casing='off'"
        )
    if getattr(mc, "casing_placement", None):
        _keep_saved_casing(cfg, mc)  # a saved casing table stays where it was trained
    dropout_settings(mc, cfg.dropout, cfg.model_name)  # a model without the settings: refused
    limit = getattr(mc, "max_position_embeddings", None)
    if cfg.max_length is not None and isinstance(limit, int) and cfg.max_length > limit:
        raise ValueError(
            f"max_length={cfg.max_length}: the model takes at most {limit} tokens; expected "
            f"{MIN_MAX_LENGTH} to {limit}"
        )
    return mc


def dropout_settings(mc: Any, dropout: float | None, model_name: str) -> dict[str, float]:
    """The configuration settings that set ``dropout`` on the model ``mc`` configures (its
    family's names, :data:`DROPOUT_FIELDS`); none for ``None``. A family without them is refused,
    as ``from_pretrained`` would pass unknown names on to the model class and fail there."""
    if dropout is None:
        return {}
    for names in DROPOUT_FIELDS:
        if all(hasattr(mc, name) for name in names):
            return dict.fromkeys(names, dropout)
    known = " or ".join("/".join(names) for names in DROPOUT_FIELDS)
    raise ValueError(
        f"dropout={dropout!r}: {model_name!r} ({mc.model_type}) has no dropout settings named "
        f"{known}; leave dropout None to train with the model's own"
    )


def world_size() -> int:
    """How many processes train together (``torchrun`` sets ``WORLD_SIZE``; 1 otherwise)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def interrupted_checkpoint(folder: Path, complete: bool = True) -> str | None:
    """The last checkpoint of an interrupted run in ``folder`` (checkpoints, no finished run).

    With ``complete``, the last one whose save finished (the Trainer writes its
    ``trainer_state.json`` last): a run stopped while saving resumes from the one before, where
    the Trainer would fail to read the half-written one. Without, any ``checkpoint-<step>``."""
    if not folder.is_dir() or finished_run(folder):
        return None
    saved = [
        (int(p.name.removeprefix("checkpoint-")), p)
        for p in folder.glob("checkpoint-*")
        if p.is_dir() and p.name.removeprefix("checkpoint-").isdigit()
        and (not complete or (p / "trainer_state.json").is_file())
    ]  # fmt: skip
    return str(max(saved)[1]) if saved else None


def check_resume(output_dir: str | Path, resume: bool, saves_checkpoints: bool) -> None:
    """Refuse to start a new run that saves checkpoints (``resume`` False) in a folder that
    holds an interrupted run's: their checkpoints would mix, and a later ``resume`` takes the
    highest-numbered one, which could be the old run's, trained with other settings. A finished
    run's folder, or a run that saves no checkpoint, is left to the usual rules."""
    folder = output_path(output_dir)
    last = None if resume or not saves_checkpoints else interrupted_checkpoint(folder, False)
    if last:
        raise ValueError(
            f"output_dir={shown(folder)} holds {Path(last).name} of an interrupted run: the "
            "resume setting (--resume) continues it; to start afresh, delete its checkpoint-* "
            "folders or choose another output_dir"
        )


def run_settings(
    cfg: TrainConfig,
    precision: str,
    train: Sequence[Sentence],
    evaluation: Sequence[Sentence],
    labels: Sequence[str],
) -> dict[str, Any]:
    """What a resumed run must share with the run whose checkpoint it continues: every
    :class:`TrainConfig` field but :data:`RESUMABLE_CHANGES` (``cache_frozen`` too when a frozen
    layer is cached: it then runs without dropout), ``precision`` as picked, the labels in
    order (the rows of the saved head), the number of processes (:func:`world_size`: the data
    order depends on it) with ``batch_size`` as the global batch over them (the command line's
    ``--batch-size``; steps per epoch depend on it), and a SHA-256 of the training and validation
    sentences (words and tags, in order)."""
    settings = {k: v for k, v in asdict(cfg).items() if k not in RESUMABLE_CHANGES}
    if cfg.freeze_layers > 0:
        settings["cache_frozen"] = cfg.cache_frozen
    settings.update(precision=precision, labels=list(labels), processes=world_size())
    settings["batch_size"] = cfg.batch_size * settings["processes"]
    for name, sents in (("train", train), ("validation", evaluation)):
        text = json.dumps([[list(s.words), list(s.tags)] for s in sents])
        settings[f"{name}_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return settings


def save_run_settings(folder: str | Path, settings: dict[str, Any]) -> None:
    """Write ``settings`` (:func:`run_settings`) beside the checkpoints a run will save in
    ``folder``, for :func:`check_resumable`."""
    path = output_path(folder) / RUN_SETTINGS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=1) + "\n")


def check_resumable(folder: str | Path, settings: dict[str, Any]) -> None:
    """Refuse to resume the checkpoint in ``folder`` with other ``settings`` (:func:`run_settings`)
    than the run that wrote it: the optimizer, schedule and random state come from the
    checkpoint, so a changed learning rate or data would be silently ignored while
    ``metrics.json`` recorded it. A folder without :data:`RUN_SETTINGS` (a checkpoint of an
    earlier version of the course) is not checked."""
    path = output_path(folder) / RUN_SETTINGS
    if not path.is_file():
        return
    saved = json.loads(path.read_text())
    changed = [k for k in settings if saved.get(k) != settings[k]]
    if changed:
        data = [k for k in changed if k.endswith("_sha256")]
        was = ", ".join(f"{k}={saved.get(k)!r}" for k in changed if k not in data)
        now = ", ".join(f"{k}={settings[k]!r}" for k in changed if k not in data)
        what = "; ".join(
            [*([f"it was trained with {was}, this run asks {now}"] if was else []),
             *([f"the {' and '.join(k[:-7] for k in data)} sentences differ"] if data else [])]
        )  # fmt: skip
        raise ValueError(
            f"output_dir={shown(path.parent)}: its checkpoint cannot be resumed with other "
            f"settings ({what}); the resumed run takes its optimizer and schedule from the "
            "checkpoint: resume with the same settings and data, or start afresh in another "
            "output_dir"
        )


def finished_run(folder: Path) -> bool:
    """True when ``folder`` holds a finished run (its ``metrics.json`` or ``model/``)."""
    return (folder / METRICS).exists() or (folder / "model").exists()


def run_folder(output_dir: str | Path, overwrite: bool = False, resume: bool = False) -> Path:
    """The folder a run saved to ``output_dir`` goes to.

    ``output_dir`` itself (relative: under the repo root), unless it already holds a finished
    run and ``overwrite`` is False: then the first of ``output_dir-2``, ``output_dir-3``, ...
    that does not exist (or is empty). A finished run is never overwritten unless asked.
    With ``resume``, the first of those folders that holds checkpoints but no finished run (an
    interrupted run, wherever its folder was numbered), if there is one.
    """
    out = output_path(output_dir)
    if overwrite or not (out.is_dir() and finished_run(out)):
        return out

    def numbered():  # output_dir-2, output_dir-3, ...
        return (out.with_name(f"{out.name}-{n}") for n in itertools.count(2))

    if resume:
        for candidate in numbered():
            if not candidate.is_dir():
                break
            if interrupted_checkpoint(candidate, complete=False):
                return candidate
    return next(c for c in numbered() if not c.exists() or (c.is_dir() and not any(c.iterdir())))


def check_output_dir(folder: str | Path) -> None:
    """Raise ``ValueError`` (``output_dir=...``) unless ``folder`` can be created and written in.

    Checked before training, so that a finished training cannot fail at its last step. Tries
    for real (creates and removes an empty folder), as permission bits do not tell root.
    """
    folder = output_path(folder)
    problem = folder_problem(folder)
    if problem:
        raise ValueError(f"output_dir={str(folder)!r}: {problem}")


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be created and written in, or None; shared by
    :func:`check_output_dir` and :func:`helpers.results.check_results_path`."""
    if folder.exists() and not folder.is_dir():
        return "it is a file; expected a folder"
    base = folder if folder.is_dir() else folder.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        return f"{base} is a file, so the folder cannot be made there"
    for where in {base, folder.parent if folder.parent.exists() else base}:
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".write-test-", dir=where))
        except OSError as e:
            return f"cannot write in {where} ({e.strerror or e})"
    return None


def freeze(model: Any, embeddings: bool, layers: int = 0) -> int:
    """Stop gradients into the embeddings and/or the lowest ``layers`` encoder layers.

    Frozen parameters get no optimizer update and, below the lowest trainable layer, no backward
    pass at all; so freezing layers freezes the embeddings under them too. Returns the number of
    trainable parameters left.
    """
    base = model.base_model
    blocks = encoder_layers(model)
    # -1 used to freeze all but the top layer (a Python slice), True one layer
    need_int("freeze_layers", layers, 0)
    if layers > len(blocks):
        raise ValueError(f"freeze_layers={layers}: the model has only {len(blocks)} layers")
    frozen = [*(base.embeddings.parameters() if embeddings or layers else [])]
    for block in blocks[:layers]:
        frozen += list(block.parameters())
    for p in frozen:
        p.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class FrozenCache:
    """Compute what the frozen bottom of a model outputs once per sentence, then reuse it.

    With the embeddings and the lowest ``layers`` encoder layers frozen, their output for a
    sentence never changes, so running them every step and every epoch is wasted work. Inside
    ``with FrozenCache(model, layers):`` the embeddings module returns, for each row of
    ``input_ids``, the stored output of embeddings + lowest ``layers`` layers (computed on first
    sight, in eval mode, without gradients, under whatever autocast is active), followed by the
    embeddings' own dropout; the cached layers pass their input through. Rows are keyed by their
    token ids (right padding stripped) and the autocast dtype, so validation sentences and a
    change of precision are computed, never confused. Padded positions get zeros: attention masks
    them and their labels are ignored, so real tokens see exactly what they would uncached.

    With ``layers=0`` training is the same computation as without the cache (the embeddings end in
    that dropout); with ``layers>0`` the frozen layers run without their internal dropout. On exit
    the model is restored and the cache dropped. Memory: hidden size x 4 bytes per token (1.5 KB
    for MiniLM). Needs a BERT-style model (see :func:`encoder_layers`).
    Taught in notebooks/04_ner.ipynb.
    """

    def __init__(self, model: Any, layers: int) -> None:
        base = model.base_model
        self.embeddings, self.blocks = base.embeddings, list(encoder_layers(model)[:layers])
        self.config = model.config
        self.pad = model.config.pad_token_id if model.config.pad_token_id is not None else 0
        self.store: dict[tuple, Any] = {}
        self.hits = self.misses = 0

    def _bottom(self, input_ids: Any, lengths: list[int]) -> list[Any]:
        """Embeddings + frozen layers for right-padded rows, in eval mode, without gradients;
        one ``(length, hidden)`` tensor per row."""
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        mods = [self.embeddings, *self.blocks]
        modes = [m.training for m in mods]
        mask = torch.arange(input_ids.shape[1], device=input_ids.device)[None] < torch.tensor(
            lengths, device=input_ids.device
        ).unsqueeze(1)
        try:
            for m in mods:
                m.eval()
            with torch.no_grad():
                h = self._forward(input_ids=input_ids)
                if self.blocks:
                    mask4d = create_bidirectional_mask(
                        config=self.config, inputs_embeds=h, attention_mask=mask.long()
                    )
                    for forward in self._block_forwards:
                        h = forward(h, mask4d)
            return [h[r, :n] for r, n in enumerate(lengths)]
        finally:
            for m, mode in zip(mods, modes, strict=True):
                m.train(mode)

    def _lookup(
        self, input_ids: Any = None, *args: Any, token_type_ids: Any = None, **kw: Any
    ) -> Any:
        # BERT calls its embeddings with keywords; DistilBERT with (input_ids, inputs_embeds,
        # position_ids) in that order.
        import torch

        inputs_embeds = kw.get("inputs_embeds", args[0] if args else None)
        position_ids = kw.get("position_ids", args[1] if len(args) > 1 else None)
        if input_ids is None or inputs_embeds is not None:
            raise ValueError("FrozenCache needs input_ids (inputs_embeds cannot be cached)")
        if position_ids is not None:
            raise ValueError("FrozenCache: custom position_ids cannot be cached")
        if token_type_ids is not None and bool(token_type_ids.any()):
            raise ValueError("FrozenCache: token_type_ids must be all 0 (single-segment input)")
        dev = input_ids.device.type
        dtype = torch.get_autocast_dtype(dev) if torch.is_autocast_enabled(dev) else None
        ids = input_ids.cpu()
        real = ids != self.pad
        lengths = torch.where(real.any(1), real.shape[1] - real.flip(1).int().argmax(1), 0)
        lengths = lengths.tolist()
        keys = [(ids[r, :n].numpy().tobytes(), dtype) for r, n in enumerate(lengths)]
        missing = [r for r, k in enumerate(keys) if k not in self.store]
        if missing:
            width = max(lengths[r] for r in missing)
            done = self._bottom(input_ids[missing, :width], [lengths[r] for r in missing])
            for r, h in zip(missing, done, strict=True):
                self.store[keys[r]] = h
        self.misses += len(missing)
        self.hits += len(keys) - len(missing)
        rows = [self.store[k] for k in keys]
        out = rows[0].new_zeros(len(rows), input_ids.shape[1], rows[0].shape[-1])
        for r, h in enumerate(rows):
            out[r, : h.shape[0]] = h
        return self.embeddings.dropout(out)

    def __enter__(self) -> FrozenCache:
        self._forward = self.embeddings.forward
        self._block_forwards = [b.forward for b in self.blocks]
        self.embeddings.forward = self._lookup
        for b in self.blocks:
            b.forward = lambda hidden_states, *a, **kw: hidden_states
        return self

    def __exit__(self, *exc: Any) -> None:
        for m in (self.embeddings, *self.blocks):
            m.__dict__.pop("forward", None)  # back to the class's forward
        self.store.clear()


def new_modules(model: Any) -> Any:
    """The parts of a token classifier that start untrained: its ``classifier`` and, with a
    casing feature (helpers.casing), its zero-initialised ``casing_embeddings``; None if none."""
    import torch

    parts = [getattr(model, name, None) for name in ("classifier", "casing_embeddings")]
    parts = [p for p in parts if p is not None]
    return torch.nn.ModuleList(parts) if parts else None


def optimizer(model: Any, cfg: TrainConfig) -> Any:
    """Fused AdamW with weight decay on matrices only and its own learning rate for the head
    (:func:`adamw` with ``cfg``'s rates and :func:`new_modules` as the head: the classifier and
    a casing embedding, both new)."""
    head = new_modules(model)
    return adamw(
        model, cfg.learning_rate, cfg.weight_decay, head, cfg.head_learning_rate, cfg.precision
    )


def one_device(args: Any) -> Any:
    """Make ``args`` (``TrainingArguments``) train on one device per process; return it.

    Outside torchrun, on a machine with several GPUs, the ``Trainer`` would wrap the model in
    ``nn.DataParallel`` and multiply the batch by the GPU count: a different recipe, and the
    replicas would lose what the course attaches to the model (the casing feature's ids, the
    frozen layer's cache). The course trains on one GPU (several only under torchrun, one process
    each), so the argument count is pinned to one, as the ``Trainer`` itself does for a
    model-parallel model (``args._n_gpu = 1``).
    """
    if args.n_gpu > 1:
        args._n_gpu = 1
    return args


def training_arguments(cfg: TrainConfig, n_train: int, evaluate: bool, precision: str) -> Any:
    """``transformers.TrainingArguments`` for ``cfg``: what the source set by hand, in one place."""
    from transformers import TrainingArguments

    device = default_device()
    save = cfg.save_checkpoints or cfg.resume
    steps = cfg.epochs * math.ceil(n_train / (cfg.batch_size * world_size()))
    args = TrainingArguments(
        output_dir=str(output_path(cfg.output_dir)),
        num_train_epochs=cfg.epochs,
        learning_rate=cfg.learning_rate,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=64,
        weight_decay=cfg.weight_decay,
        warmup_steps=round(cfg.warmup * steps),
        lr_scheduler_type=cfg.scheduler,
        eval_strategy="epoch" if evaluate else "no",
        save_strategy="epoch" if save else "no",
        save_total_limit=2 if save else None,
        load_best_model_at_end=save and evaluate and cfg.keep == "best",
        metric_for_best_model="f1",
        logging_strategy="epoch",
        # a NaN/inf step loss must reach the logged loss (the default hides it behind the mean of
        # the finite ones), where the finite-loss check stops the run
        logging_nan_inf_filter=False,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        seed=cfg.seed,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        report_to="none",
        disable_tqdm=True,
        dataloader_pin_memory=device == "cuda",
        # Under torchrun: the token-classification loss is a plain mean, so the Trainer must not
        # rescale it by the process count; frozen parameters are not "unused" ones.
        average_tokens_across_devices=False,
        ddp_find_unused_parameters=False,
    )
    return one_device(args)


def word_metrics(model: Any, tokenizer: Any, sentences: Sequence[Sentence]) -> Any:
    """A ``compute_metrics`` for ``Trainer`` that scores ``sentences`` per word.

    The Trainer hands ``compute_metrics`` one prediction per labelled subword; the test set is
    scored per word (:func:`evaluate_ner`), so validation is too: the returned function ignores
    the Trainer's per-subword predictions and scores the sentences with ``model`` as it is at
    that moment. Taught in notebooks/04_ner.ipynb.
    """

    def compute_metrics(eval_pred: Any) -> dict[str, float]:
        m, _ = evaluate_ner(model, tokenizer, sentences)
        return {k: m[k] for k in ("precision", "recall", "f1", "accuracy")}

    return compute_metrics


def keep_best() -> Any:
    """A ``TrainerCallback`` that keeps the weights of the epoch with the best validation F1 in
    memory (``.state``, ``.epoch``); :func:`training_result` loads them.

    Hand-written on purpose: ``load_best_model_at_end`` needs a full checkpoint on disk every
    epoch (about 90 MB for MiniLM); a copy of the state dict in memory does the same job.
    Taught in notebooks/04_ner.ipynb.
    """
    from transformers import TrainerCallback

    class KeepBest(TrainerCallback):
        def __init__(self) -> None:
            self.f1, self.epoch, self.state = -1.0, None, None

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kw):
            if metrics and model is not None and metrics.get("eval_f1", -1.0) > self.f1:
                self.f1, self.epoch = metrics["eval_f1"], math.ceil(state.epoch - 1e-9)
                self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    return KeepBest()


def finite_loss() -> Any:
    """A callback that stops training with :class:`TrainingDiverged` when a logged training loss
    is NaN or infinite (``logging_nan_inf_filter=False`` keeps such losses in the log)."""
    from transformers import TrainerCallback

    class FiniteLoss(TrainerCallback):
        """Stop with :class:`TrainingDiverged` when a logged training loss is NaN or infinite."""

        def on_log(self, args, state, control, logs=None, **kw):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(loss):
                epoch = math.ceil((state.epoch or 0) - 1e-9)
                raise TrainingDiverged(
                    f"training diverged: the training loss of epoch {epoch} is {loss}; lower "
                    f"learning_rate={args.learning_rate} (and head_learning_rate); nothing was "
                    "saved"
                )

    return FiniteLoss()


def training_result(
    trainer: Any,
    cfg: TrainConfig,
    output: Any,
    seconds: float,
    cache: FrozenCache | None = None,
    best: Any = None,
    resumed: bool = False,
) -> TrainResult:
    """After ``trainer.train()``: the kept weights (the final epoch's, or with ``keep="best"``
    those of :func:`keep_best` ``best``), the per-epoch history and the run's figures, as the
    :class:`TrainResult` that :func:`save_run` writes. Taught in notebooks/04_ner.ipynb."""
    bad = [n for n, p in trainer.model.named_parameters() if not bool(p.isfinite().all())]
    if bad:
        raise TrainingDiverged(
            f"training diverged: {len(bad)} weight tensors hold NaN or inf (e.g. {bad[0]}); "
            f"lower learning_rate={cfg.learning_rate} (and head_learning_rate); nothing was saved"
        )
    history = _history(trainer.state.log_history)
    kept = history[-1]["epoch"] if history else cfg.epochs
    if cfg.keep == "best":
        if best is not None and best.state is not None:
            trainer.model.load_state_dict(best.state)
            kept = best.epoch
        elif any("f1" in r for r in history):  # load_best_model_at_end: the Trainer loaded it
            kept = max((r for r in history if "f1" in r), key=lambda r: r["f1"])["epoch"]
        else:
            raise ValueError(
                "keep='best': this run scored no validation F1, so no epoch can be chosen "
                "(check_keep refuses this before training); train with validation sentences "
                "and compute_metrics, or use keep='final'"
            )
    drop_trainer_autocast(trainer.model)  # later calls run in the precision their caller picks
    trainer.model.eval()
    args = trainer.args
    labels = [trainer.model.config.id2label[i] for i in range(trainer.model.config.num_labels)]
    # the labels no training token carried (-100 carries none): the notebook's runs and
    # train_ner's alike (it used to be worked out in train_ner only, from the word tags)
    trained = {int(i) for row in trainer.train_dataset["labels"] for i in row if int(i) >= 0}
    return TrainResult(
        model=trainer.model,
        tokenizer=trainer.processing_class,
        labels=labels,
        history=history,
        kept_epoch=int(kept),
        train_seconds=seconds,
        samples_per_second=float(output.metrics.get("train_samples_per_second", 0.0)),
        resumed=resumed,
        device=args.device.type,
        precision="bf16" if args.bf16 else "fp16" if args.fp16 else "fp32",
        config=asdict(cfg),
        cache={"computed": cache.misses, "reused": cache.hits} if cache else None,
        untrained_labels=[t for i, t in enumerate(labels) if i not in trained],
    )


def train_ner(
    train: Sequence[Sentence],
    evaluation: Sequence[Sentence] | None,
    labels: list[str],
    config: TrainConfig | None = None,
    callbacks: Sequence[Any] = (),
    verbose: bool = False,
    **overrides: Any,
) -> TrainResult:
    """Fine-tune ``config.model_name`` on ``train``; score ``evaluation`` (if any) every epoch.

    ``evaluation`` may be empty: then nothing is scored during training and the final epoch is
    kept. The test set must never be passed here. Taught in notebooks/04_ner.ipynb.
    """
    from transformers import (
        DataCollatorForTokenClassification,
        PrinterCallback,
        Trainer,
        set_seed,
    )

    from helpers.casing import CasingCollator

    cfg = replace(config or TrainConfig(), **overrides)
    cfg.validate()
    evaluation = list(evaluation or [])
    if not train:
        raise ValueError("no training sentences: need at least one")
    check_keep(cfg.keep, len(evaluation))
    if not any(t != "O" for t in labels):
        raise ValueError(f"labels {list(labels)}: no entity tag to learn (only 'O')")
    not_bio = [t for t in labels if not is_bio_tag(t)]
    if not_bio:  # scoring reads B-/I- spans; it used to fail only after an epoch
        raise ValueError(f"labels {list(labels)}: {not_bio[0]!r} is not O, B-<type> or I-<type>")
    seen = {t for s in [*train, *evaluation] for t in s.tags}
    unknown = sorted(seen - set(labels))
    if unknown:
        raise ValueError(f"tags {unknown} of the training/validation sentences are not in labels")
    check_model_fits(cfg)
    check_resume(cfg.output_dir, cfg.resume, cfg.save_checkpoints)
    if is_main_process():
        check_output_dir(cfg.output_dir)
    device = default_device()
    precision = pick_precision(cfg.precision, device)
    set_seed(cfg.seed)
    tokenizer = load_tokenizer(cfg.model_name)
    model = token_classifier(cfg, labels, tokenizer)
    casing = uses_casing(model)
    freeze(model, cfg.freeze_embeddings, cfg.freeze_layers)
    label2id, _ = label_maps(labels)
    splits = {"train": train, **({"eval": evaluation} if evaluation else {})}
    ds = to_dataset_dict(splits)
    kw = {"strategy": cfg.strategy, "max_length": cfg.max_length, "casing": casing}
    feats = {k: features_dataset(v, tokenizer, label2id, **kw) for k, v in ds.items()}
    args = training_arguments(cfg, len(feats["train"]), bool(evaluation), precision)
    best = keep_best() if cfg.keep == "best" and not args.load_best_model_at_end else None
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=feats["train"],
        eval_dataset=feats.get("eval"),
        data_collator=(CasingCollator if casing else DataCollatorForTokenClassification)(tokenizer),
        processing_class=tokenizer,
        compute_metrics=word_metrics(model, tokenizer, evaluation) if evaluation else None,
        optimizers=(optimizer(model, cfg), None),  # the Trainer adds the warm-up/decay schedule
        callbacks=[*([best] if best else []), finite_loss(), *callbacks],
    )
    if not verbose:
        trainer.remove_callback(PrinterCallback)  # the history table replaces the raw log
    last = interrupted_checkpoint(Path(args.output_dir))  # never a finished run's
    resume = bool(cfg.resume and last)
    if cfg.resume and not resume:
        what = "a finished run" if finished_run(Path(args.output_dir)) else "no checkpoint"
        print(f"resume: {args.output_dir} holds {what}, nothing to resume; starting from scratch")
    settings = run_settings(cfg, precision, train, evaluation, labels)
    if resume:
        check_resumable(args.output_dir, settings)
    elif (cfg.save_checkpoints or cfg.resume) and is_main_process():  # a resume must match it
        save_run_settings(args.output_dir, settings)
    frozen_bottom = cfg.freeze_embeddings or cfg.freeze_layers > 0
    cache = FrozenCache(model, cfg.freeze_layers) if cfg.cache_frozen and frozen_bottom else None
    t0 = time.perf_counter()
    with cache or contextlib.nullcontext():
        out = trainer.train(resume_from_checkpoint=last if resume else None)
    seconds = time.perf_counter() - t0
    result = training_result(trainer, cfg, out, seconds, cache, best, resume)
    return result


def token_classifier(cfg: TrainConfig, labels: list[str], tokenizer: Any) -> Any:
    """The model a run starts from: ``cfg.model_name`` with a new head for ``labels`` and, when
    ``cfg.casing`` resolves to a placement (:func:`helpers.casing.resolve_casing`), a zero
    casing embedding added at the input of the first trained layer (``freeze_layers``) or at the
    output. A model saved with casing keeps its trained table where it was trained (``"auto"``),
    and a setting that would move it is refused. ``cfg.dropout``, if set, goes into the model's
    configuration under its family's names (:func:`dropout_settings`)."""
    from helpers.casing import casing_token_classifier

    config = load_config(cfg.model_name)
    kwargs = dropout_settings(config, cfg.dropout, cfg.model_name)
    placement = casing_placement(cfg, config, tokenizer)
    if placement:
        return casing_token_classifier(
            cfg.model_name, labels, placement, cfg.freeze_layers, **kwargs
        )
    return load_token_classifier(cfg.model_name, labels, **kwargs)


def casing_placement(cfg: TrainConfig, config: Any, tokenizer: Any) -> str | None:
    """Where a run adds the casing feature (``None``: nowhere) to the model whose configuration
    is ``config``: a model saved with casing keeps its trained table where it was trained
    (:func:`_keep_saved_casing`), any other follows ``cfg.casing``
    (:func:`helpers.casing.resolve_casing`). Taught in notebooks/04_ner.ipynb."""
    from helpers.casing import resolve_casing

    if getattr(config, "casing_placement", None):  # saved with a trained casing table
        return _keep_saved_casing(cfg, config)
    return resolve_casing(cfg.casing, tokenizer, config.model_type)


def _keep_saved_casing(cfg: TrainConfig, config: Any) -> str:
    """The placement of a model saved with casing: ``"auto"`` keeps it (whatever its tokenizer),
    and a setting that would drop its trained table (``"off"``) or add it elsewhere (another
    placement, or ``after_frozen`` before another layer than the one it was trained at) is
    refused."""
    saved = config.casing_placement
    if cfg.casing == "off":
        raise ValueError(
            f"model_name={cfg.model_name!r} was saved with a casing feature; casing='off' would "
            f"train it without one: set casing to {saved!r} or 'auto'"
        )
    layer = config.casing_layer if saved == "after_frozen" else None
    asked = saved if cfg.casing == "auto" else cfg.casing
    if asked != saved or layer not in (None, cfg.freeze_layers):
        at = f"{saved} (the input of layer {layer})" if layer is not None else saved
        keep = f"casing={saved!r} or 'auto'" + ("" if layer is None else f", freeze_layers={layer}")
        raise ValueError(
            f"model_name={cfg.model_name!r} was saved with its trained casing table at {at}; "
            f"casing={cfg.casing!r} with freeze_layers={cfg.freeze_layers} would move it: "
            f"expected {keep}"
        )
    return saved


def is_main_process() -> bool:
    """False on every process but the first under ``torchrun`` (only rank 0 writes files)."""
    import os

    return int(os.environ.get("RANK", "0")) == 0


def write_report(
    path: str | Path,
    parameters: dict[str, Any],
    result: TrainResult,
    test: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save ``metrics.json``: parameters, per-epoch history, final test metrics, timing, device,
    the labels no training word carried, and ``extra`` (e.g. test-only labels).

    Runs can then be compared without opening the notebook. Written by :func:`save_run`, which
    notebook 04 calls.
    """
    import platform

    import torch
    import transformers

    report = {
        "parameters": parameters,
        "history": result.history,
        "kept_epoch": result.kept_epoch,
        "test": test,
        "train_seconds": round(result.train_seconds, 2),
        "samples_per_second": round(result.samples_per_second, 2),
        "device": result.device,
        "precision": result.precision,
        "processor": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "untrained_labels": list(getattr(result, "untrained_labels", [])),
        **(extra or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(report, indent=2, default=str))
    os.replace(tmp, path)  # a reader never sees half a file
    return path


def _move_into_place(staging: Path, target: Path) -> None:
    """Move a complete run from ``staging`` to ``target``, ``metrics.json`` last."""
    if not target.exists():
        os.rename(staging, target)
        return
    # target is an unfinished run's folder (checkpoints) or a finished run to overwrite:
    # without its metrics.json it no longer claims to be finished while model/ is swapped
    (target / METRICS).unlink(missing_ok=True)
    if (target / "model").exists():
        os.rename(target / "model", staging / "replaced-model")
    os.rename(staging / "model", target / "model")
    os.rename(staging / METRICS, target / METRICS)


def save_run(
    output_dir: str | Path,
    parameters: dict[str, Any],
    result: TrainResult,
    test: dict[str, Any],
    overwrite: bool = False,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the trained model (safetensors) with its tokenizer, then ``metrics.json``: all or
    nothing.

    ``output_dir`` may be relative (to the repo root) or any absolute, writable directory. The
    run is written to a hidden folder next to it and moved into place when complete
    (``metrics.json`` last), so a failure never leaves half a run. A folder that already holds
    a finished run is never overwritten unless ``overwrite=True``: the run goes to the first
    free ``output_dir-2``, ``output_dir-3``, ... (see :func:`run_folder`) and a line says so.
    Returns the folder written. Taught in notebooks/04_ner.ipynb.
    """
    target = run_folder(output_dir, overwrite)
    if not is_main_process():
        return target
    asked = output_path(output_dir)
    if target != asked:
        print(
            f"note: {shown(asked)} holds an earlier run, kept; this run is saved in "
            f"{shown(target)} (overwrite=True or --overwrite replaces the earlier one)"
        )
    check_output_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp's folder is private; a run's is not
    try:
        with hf_quiet(quiet=False):  # no "Writing model shards" bar in notebooks and logs
            result.model.save_pretrained(staging / "model")
            result.tokenizer.save_pretrained(staging / "model")
        write_report(staging / METRICS, parameters, result, test, extra)
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# ---------------------------------------------------------------- the one training path


def parameter_groups(
    model: Any,
    learning_rate: float,
    weight_decay: float,
    head: Any = None,
    head_learning_rate: float | None = None,
) -> list[dict[str, Any]]:
    """AdamW parameter groups: the course's one weight-decay and head rule.

    Weight decay on trainable matrices only (not on biases, not on LayerNorm); the parameters of
    ``head`` (a module, e.g. a new, randomly initialised head) get ``head_learning_rate`` (None:
    ``learning_rate``). Frozen parameters (``requires_grad=False``) are left out.
    """
    in_head = {id(p) for p in head.parameters()} if head is not None else set()
    groups: dict[tuple[bool, bool], list] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            decay = p.ndim >= 2 and "LayerNorm" not in name
            groups.setdefault((id(p) in in_head, decay), []).append(p)
    if not groups:
        raise ValueError(f"{type(model).__name__}: no trainable parameter (all are frozen)")
    head_lr = head_learning_rate or learning_rate
    return [
        {
            "params": ps,
            "lr": head_lr if is_head else learning_rate,
            "weight_decay": weight_decay if decay else 0.0,
        }
        for (is_head, decay), ps in groups.items()
    ]


def adamw(
    model: Any,
    learning_rate: float,
    weight_decay: float = WEIGHT_DECAY,
    head: Any = None,
    head_learning_rate: float | None = None,
    precision: str = "auto",
) -> Any:
    """Fused AdamW over :func:`parameter_groups` (what the NER path's :func:`optimizer` builds).

    Not fused where ``precision`` picks fp16 (a GPU without bf16): the fused kernel skips an
    overflowing step inside ``step()``, where the ``Trainer`` cannot see it, so its schedule
    would advance over steps that changed nothing. The optimizer the ``Trainer`` cells of
    notebooks 05, 06 and 07 pass in."""
    import torch

    try:
        fp16 = pick_precision(precision) == "fp16"
    except ValueError:  # a bad precision: reported where the run picks its precision
        fp16 = False
    groups = parameter_groups(model, learning_rate, weight_decay, head, head_learning_rate)
    return torch.optim.AdamW(groups, lr=learning_rate, fused=not fp16)


def objective_arguments(
    output_dir: str | Path,
    n_train: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    weight_decay: float = WEIGHT_DECAY,
    warmup: float = WARMUP,
    precision: str = "fp32",
    seed: int = 42,
    logging_steps: int = 1,
    scheduler: str = "linear",
) -> Any:
    """``TrainingArguments`` of a pre-training objective run (MLM, NSP, CLM): one per course.

    Linear schedule with ``warmup`` (a fraction of all steps) of warm-up; ``precision`` as
    :func:`helpers.models.pick_precision` returns it; the loss logged every ``logging_steps``
    steps; no evaluation and no checkpoints (callers score their own held-out data after
    training, so nothing is selected on it). ``remove_unused_columns=False`` lets a collator read
    feature columns the model does not take (helpers.mlm's ``word_ids``).
    Taught in notebooks/05_mlm.ipynb.
    """
    from transformers import TrainingArguments

    for name, v in (("epochs", epochs), ("batch_size", batch_size), ("n_train", n_train)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name}={v!r}: expected an integer >= 1")
    if not 0 <= warmup < 1:
        raise ValueError(f"warmup={warmup!r}: expected a fraction in [0, 1)")
    if precision not in ("bf16", "fp16", "fp32"):
        raise ValueError(f"precision={precision!r}: expected bf16, fp16 or fp32 (pick_precision)")
    cuda = default_device() == "cuda"
    steps = epochs * math.ceil(n_train / batch_size)
    args = TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        warmup_steps=round(warmup * steps),
        lr_scheduler_type=scheduler,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=not cuda,
        seed=seed,
        logging_strategy="steps",
        logging_steps=logging_steps,
        eval_strategy="no",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_pin_memory=cuda,
    )
    return one_device(args)


def logged_losses(log_history: Sequence[dict[str, Any]]) -> list[float]:
    """The training losses a ``Trainer`` logged, in order (one per logging step)."""
    return [rec["loss"] for rec in log_history if "loss" in rec and "train_runtime" not in rec]


def train_objective(
    model: Any,
    train_dataset: Any,
    collator: Any,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    weight_decay: float = WEIGHT_DECAY,
    warmup: float = WARMUP,
    head: Any = None,
    head_learning_rate: float | None = None,
    freeze_encoder: bool = False,
    precision: str = "auto",
    seed: int = 42,
    output_dir: str | Path | None = None,
    verbose: bool = False,
    callbacks: Sequence[Any] = (),
    scheduler: str = "linear",
) -> Any:
    """Train ``model`` on ``train_dataset`` with ``transformers.Trainer``; return the trainer.

    The course's one training path for everything but NER (MLM in helpers.mlm, NSP in
    helpers.nsp, the small causal and masked language models of helpers.lm, the loss-curve head
    of helpers.curves): the library's ``Trainer`` with :func:`objective_arguments` (precision from
    :func:`helpers.models.pick_precision`, seed, linear warm-up and decay) and :func:`adamw`
    (the NER path's weight-decay rule; ``head`` gets ``head_learning_rate``). The model computes
    its own loss from the ``labels`` the collator makes. ``freeze_encoder=True`` trains only what
    lies outside ``model.base_model`` (a head warm-up; a decoder tied to the word embeddings
    stays frozen with them); the encoder's ``requires_grad`` flags are restored afterwards.
    The model comes back in eval mode, without the Trainer's autocast
    (:func:`helpers.models.drop_trainer_autocast`); ``trainer.state.log_history`` holds the losses
    (:func:`logged_losses`). ``callbacks`` go to the Trainer; ``scheduler`` names its learning
    rate schedule ("linear": warm-up then linear decay; "constant_with_warmup"; "constant").
    Taught in notebooks/05_mlm.ipynb; also used by 01_concepts, 06_nsp and 07_clm_vs_mlm.
    """
    import tempfile

    from transformers import PrinterCallback, Trainer

    device = default_device()
    chosen = pick_precision(precision, device)
    frozen = [p for p in model.base_model.parameters() if p.requires_grad] if freeze_encoder else []
    for p in frozen:
        p.requires_grad = False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            args = objective_arguments(
                output_dir or tmp, len(train_dataset), epochs, batch_size, learning_rate,
                weight_decay, warmup, chosen, seed, scheduler=scheduler,
            )  # fmt: skip
            trainer = Trainer(
                model=model,
                args=args,
                train_dataset=train_dataset,
                data_collator=collator,
                optimizers=(
                    adamw(model, learning_rate, weight_decay, head, head_learning_rate, chosen),
                    None,  # the Trainer adds the warm-up/decay schedule
                ),
                callbacks=list(callbacks),
            )
            if not verbose:
                trainer.remove_callback(PrinterCallback)
            trainer.train()
    finally:
        for p in frozen:
            p.requires_grad = True
    drop_trainer_autocast(model)  # later calls run in the precision their caller picks
    model.eval()
    return trainer
