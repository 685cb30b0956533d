"""Notebook 04's NER fine-tuning as a command: ``python -m helpers.ner train|predict``.

``train`` runs the notebook's code path, call for call: :func:`helpers.data.experiment_splits`,
:func:`helpers.labels.build_label_list`, :class:`helpers.train.TrainConfig`,
:func:`helpers.train.train_ner`, :func:`helpers.train.evaluate_ner` and
:func:`helpers.train.save_run`; its defaults are ``TrainConfig``'s and :data:`SPLIT_DEFAULTS`,
which the notebook's ``parameters`` cell repeats (a test compares them).
Launched by ``torchrun --nproc_per_node N -m helpers.ner train ...`` it trains with distributed
data parallel (the ``Trainer`` sets it up: gloo on CPU, nccl on CUDA); ``--batch-size`` is the
global batch, split evenly over the processes. ``predict`` tags raw text with a trained model
(:func:`helpers.predict.predict`) and prints JSON lines. Taught in notebooks/04_ner.ipynb.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from helpers.alignment import STRATEGIES, STRIDE, tokenless_words
from helpers.data import (
    BARE_CR,
    CorpusError,
    bare_carriage_returns,
    experiment_splits,
    split_lines,
)
from helpers.labels import build_label_list, is_bio_tag
from helpers.models import (
    CASING_SETTINGS,
    PRECISIONS,
    ModelLoadError,
    check_model_dir,
    default_device,
    load_config,
    load_token_classifier,
    load_tokenizer,
    pick_precision,
)
from helpers.paths import CORPUS_TEST, CORPUS_TRAIN, resolve
from helpers.predict import predict
from helpers.train import (
    KEEP,
    SCHEDULERS,
    SPLIT_DEFAULTS,
    TrainConfig,
    TrainingDiverged,
    UnsupportedModel,
    check_keep,
    check_model_fits,
    check_output_dir,
    check_resumable,
    check_resume,
    evaluate_ner,
    folder_problem,
    interrupted_checkpoint,
    is_main_process,
    run_folder,
    run_settings,
    save_run,
    train_ner,
    world_size,
)


class UsageError(Exception):
    """A bad option or input file; the message names it. Printed without a traceback."""


# ---------------------------------------------------------------- defaults


def defaults() -> dict[str, Any]:
    """Every option's default: the fields of ``TrainConfig`` and :data:`SPLIT_DEFAULTS`.

    Notebook 04's parameters cell holds the same values (a test compares them), so the
    notebook, this command and the studies run one recipe."""
    out = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    return {**out, **SPLIT_DEFAULTS}


# ---------------------------------------------------------------- argument types


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an integer > 0")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an integer >= 0")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _or_none(parse):
    def parse_or_none(text: str):
        return None if text.lower() == "none" else parse(text)

    parse_or_none.__name__ = parse.__name__
    return parse_or_none


def _sentences(text: str) -> int | None:
    return None if text.lower() in ("all", "none") else _positive_int(text)


# help text and parser of every TrainConfig field; a field missing here fails the tests
TRAIN_OPTIONS: dict[str, tuple[Any, str]] = {
    "model_name": (
        str,
        "embedded 'minilm', a local model directory, or a hub id (needs a network)",
    ),
    "epochs": (_positive_int, "passes over the training sentences"),
    "learning_rate": (_number, "peak learning rate of the encoder"),
    "head_learning_rate": (
        _or_none(_number),
        "peak learning rate of the new classification head ('none': same as the encoder)",
    ),
    "batch_size": (
        _positive_int,
        "GLOBAL batch: sentences per optimizer step over all processes; under torchrun each of "
        "the N processes takes batch-size/N (must divide evenly), so the recipe and the number "
        "of steps do not change with N",
    ),
    "weight_decay": (_number, "AdamW weight decay (matrices only)"),
    "warmup": (_number, "fraction of the optimizer steps that ramp the learning rate up"),
    "scheduler": (
        str,
        "learning-rate schedule after warm-up: "
        + ", ".join(SCHEDULERS)
        + " (or constant, with --warmup 0)",
    ),
    "freeze_embeddings": (
        bool,
        "keep the pre-trained embeddings fixed (with --freeze-layers > 0 they always are)",
    ),
    "freeze_layers": (_non_negative_int, "also freeze the lowest N encoder layers"),
    "cache_frozen": (bool, "compute the frozen embeddings/layers once per sentence and reuse"),
    "dropout": (_or_none(_number), "dropout of the encoder ('none': the checkpoint's own)"),
    "precision": (
        str,
        f"training: one of {', '.join(PRECISIONS)}; auto honours $COURSE_PRECISION (the test "
        "split is scored as predict runs: auto, every near tie rerun in fp32, so fp32's labels)",
    ),
    "seed": (_non_negative_int, "fixes the splits, the head's initialisation, the batch order"),
    "output_dir": (str, "where metrics.json, model/ and checkpoints go (relative: to the cwd)"),
    "strategy": (str, "label 'all' subwords of a word or only the 'first'"),
    "group_by_length": (bool, "batch sentences of similar length (less padding)"),
    "keep": (str, f"weights kept at the end: {' or '.join(KEEP)} (best needs validation)"),
    "save_checkpoints": (bool, "save a checkpoint every epoch (needed for --resume)"),
    "resume": (bool, "continue from the last checkpoint in --output-dir, if there is one"),
    "max_length": (
        _or_none(_positive_int),
        f"tokens per window: a longer sentence is read in overlapping windows sharing {STRIDE} "
        "tokens, no label lost ('none': the model's limit, at most 512)",
    ),
    "casing": (
        str,
        "learned casing feature: each word's casing (lower, Capitalised, ALL CAPS, other) as a "
        "trained embedding added at the input of the first trained layer (after_frozen) or to "
        "the final hidden states (output); auto: after_frozen where the tokenizer lower-cases, "
        "off for a cased one",
    ),
}
CHOICES = {
    "precision": PRECISIONS,
    "strategy": STRATEGIES,
    "keep": KEEP,
    "casing": CASING_SETTINGS,
}
FLAG_ONLY = ("save_checkpoints", "resume")
METAVARS = {"model_name": "NAME", "output_dir": "DIR", "scheduler": "NAME", "epochs": "N"}
METAVARS |= dict.fromkeys(
    ("batch_size", "freeze_layers", "seed", "max_length"), "N"
)  # switched on by the flag, off by default


def _option(name: str) -> str:
    return "--" + ("model" if name == "model_name" else name.replace("_", "-"))


def build_parser() -> argparse.ArgumentParser:
    d = defaults()
    ap = argparse.ArgumentParser(
        prog="python -m helpers.ner",
        description="Fine-tune and use a token classifier (NER) exactly as notebooks/04_ner.ipynb "
        "does. Defaults are helpers.train.TrainConfig's (the notebook's parameters cell holds "
        "the same values).",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="{train,predict}")

    tr = sub.add_parser(
        "train",
        help="fine-tune on a corpus, score the test split, write metrics.json and the model",
        description="Fine-tune a token classifier (notebook 04's recipe), score it on the test "
        "split, print a table per entity type and write OUTPUT_DIR/metrics.json and "
        "OUTPUT_DIR/model. Under `torchrun --nproc_per_node N -m helpers.ner train ...` it "
        "trains with distributed data parallel; only rank 0 prints tables and writes files.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = tr.add_argument_group("data (as notebook 04's data_path, n_sentences, ...)")
    data.add_argument(
        "--data",
        metavar="PATH",
        default=None,
        help="training corpus in any format helpers.data reads (source CSV, Kaggle GMB CSV, "
        "CoNLL); default: the embedded corpus with its fixed test file",
    )
    data.add_argument(
        "--test",
        metavar="PATH",
        default=None,
        help="a separate test file (needs --data); then --test-size is not used and the first "
        "--n-sentences of --data are train/validation, as for the embedded corpus",
    )
    data.add_argument(
        "--n-sentences",
        type=_sentences,
        metavar="N",
        default=d["n_sentences"],
        help="use the first N sentences of the training file ('all': every sentence)",
    )
    data.add_argument(
        "--test-size",
        type=_number,
        metavar="X",
        default=d["test_size"],
        help="with --data and no --test: fraction held out as the test split",
    )
    data.add_argument(
        "--validation-size",
        type=_number,
        metavar="X",
        default=d["validation_size"],
        help="fraction of the training side held out for per-epoch validation (0: none)",
    )
    cfg = tr.add_argument_group("training (helpers.train.TrainConfig)")
    for f in dataclasses.fields(TrainConfig):
        parse, help_text = TRAIN_OPTIONS[f.name]
        kw: dict[str, Any] = {"default": d[f.name], "help": help_text, "dest": f.name}
        if parse is bool:
            kw["action"] = "store_true" if f.name in FLAG_ONLY else argparse.BooleanOptionalAction
        else:
            kw["type"] = parse
            if f.name in CHOICES:
                kw["choices"] = CHOICES[f.name]
            else:
                kw["metavar"] = METAVARS.get(f.name, "X")
        cfg.add_argument(_option(f.name), **kw)
    out = tr.add_argument_group("output and debugging")
    out.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished run (metrics.json or model/) in --output-dir; without it such a "
        "run is kept and this one goes to the first free DIR-2, DIR-3, ... (printed)",
    )
    out.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it goes to stderr)"
    )
    out.add_argument(
        "--stop-after-epoch",
        type=_positive_int,
        metavar="N",
        default=None,
        help="debugging/tests: stop after epoch N as if interrupted (the learning-rate schedule "
        "is still the full run's; with --save-checkpoints, --resume continues it); writes no "
        "metrics.json",
    )
    out.add_argument(
        "--rank-report",
        metavar="DIR",
        default=None,
        help="debugging/tests: every process writes DIR/rank<R>.json (world size, backend, "
        "batch per device, optimizer steps, a SHA-256 of its final weights, the paths it "
        "wrote while training)",
    )

    pr = sub.add_parser(
        "predict",
        help="tag raw texts with a trained model; JSON lines out",
        description="Tag raw texts with a model trained by `train` (or notebook 04). Prints one "
        'JSON line per text: {"text": ..., "entities": [{"type", "text", "start", "end", '
        '"score"}]}; start/end are offsets in Unicode characters (code points, as Python counts: '
        "not UTF-16 units, so a character beyond U+FFFF counts once), score the mean word "
        "probability. A text longer than the model's limit is read in overlapping windows.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    pr.add_argument(
        "--model",
        required=True,
        metavar="DIR",
        help="a trained model directory, or a run's --output-dir (its model/ is used)",
    )
    pr.add_argument("texts", nargs="*", metavar="TEXT", help="texts to tag")
    pr.add_argument(
        "--input", metavar="FILE", help="UTF-8 file with one text per line ('-': stdin)"
    )
    pr.add_argument(
        "--batch-size",
        type=_positive_int,
        default=32,
        metavar="N",
        help="at most N windows (a text, or a part of a long one) per forward pass; windows of "
        "similar length go together, so a batch may be smaller",
    )
    return ap


# ---------------------------------------------------------------- train


def _user_message(err: Exception) -> str:
    """A library message in the command line's words: ``batch_size=0: ...`` → ``--batch-size 0:
    ...``, a bare ``n_sentences`` → ``--n-sentences``, and ``None`` → the option's own word
    (``all`` for ``--n-sentences``, ``none`` for the others)."""
    text = str(err)
    names = ("n_sentences", "test_size", "validation_size", *TRAIN_OPTIONS)
    pattern = "|".join(sorted(names, key=len, reverse=True))

    def none_word(name: str) -> str:
        return "all" if name == "n_sentences" else "none"

    def option(m: re.Match) -> str:
        name, value = m.group(1), m.group(2)
        if TRAIN_OPTIONS.get(name, (None,))[0] is bool and value in ("True", "False"):
            return _option(name if value == "True" else f"no_{name}")  # --no-freeze-embeddings
        if value.startswith(("'", '"')) and name != "scheduler":
            value = value[1:-1]
        return f"{_option(name)} {none_word(name) if value == 'None' else value}"

    # not inside a path: a sweep's folder named seed=5 stays as it is
    text = re.sub(rf"(?<![\w/.=-])({pattern})=('[^']*'|\"[^\"]*\"|[^\s:;,)]+)", option, text)
    # bare names only where they cannot be ordinary words (or parts of a path)
    bare = "|".join(n for n in names if "_" in n)
    text = re.sub(rf"(?<![\w/.-])({bare})(?![\w/.-])", lambda m: _option(m.group(1)), text)
    first = re.match(r"--([\w-]+)", text)
    if first:
        name = first.group(1).replace("-", "_")
        word = none_word("n_sentences" if name == "n_sentences" else name)
        text = text.replace("None (all)", f"'{word}'").replace("None", f"'{word}'")
    return text


def _progress_callback(enabled: bool) -> Any:
    """A tqdm bar over optimizer steps (rank 0 only) and one line per epoch."""
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        bar = None

        def on_train_begin(self, args, state, control, **kw):
            if enabled and state.is_world_process_zero:
                self.bar = tqdm(
                    total=state.max_steps, initial=state.global_step, desc="training", unit="step"
                )

        def on_step_end(self, args, state, control, **kw):
            if self.bar is not None:
                self.bar.update(state.global_step - self.bar.n)

        def on_log(self, args, state, control, logs=None, **kw):
            if not state.is_world_process_zero or not logs:
                return
            names = {"loss": "train loss", "eval_loss": "validation loss", "eval_f1": "F1"}
            parts = [f"{names[k]} {logs[k]:.4f}" for k in names if k in logs]
            if parts:
                line = f"epoch {state.epoch:.0f}: " + ", ".join(parts)
                (self.bar.write if self.bar is not None else print)(line, file=sys.stderr)

        def on_train_end(self, args, state, control, **kw):
            if self.bar is not None:
                self.bar.close()

    return Progress()


def _stop_after(n: int) -> Any:
    """Stop training at the end of epoch ``n`` (that epoch's checkpoint is still saved)."""
    from transformers import TrainerCallback

    class StopAfter(TrainerCallback):
        def on_epoch_end(self, args, state, control, **kw):
            if state.epoch is not None and state.epoch >= n - 1e-9:
                control.should_training_stop = True

    return StopAfter()


def _state_recorder(into: dict[str, Any]) -> Any:
    from transformers import TrainerCallback

    class Record(TrainerCallback):
        def on_train_end(self, args, state, control, **kw):
            into.update(
                global_step=state.global_step,
                max_steps=state.max_steps,
                per_device_batch=args.per_device_train_batch_size,
                world_size=args.world_size,
                epoch=state.epoch,
            )

    return Record()


def weights_sha256(model: Any) -> str:
    """SHA-256 over every tensor of the state dict (names and raw bytes, in name order)."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().reshape(-1).view(-1).numpy().tobytes())
    return h.hexdigest()


def metrics_table(test: dict[str, Any]) -> str:
    """Per entity type and overall: precision, recall, F1, support (entities in the gold data)."""
    rows = [
        (t, m["precision"], m["recall"], m["f1"], m["support"]) for t, m in test["per_type"].items()
    ]
    total = sum(r[4] for r in rows)
    rows.append(("overall", test["precision"], test["recall"], test["f1"], total))
    lines = [f"{'type':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    lines += [f"{r[0]:<10}{r[1]:>10.3f}{r[2]:>10.3f}{r[3]:>10.3f}{r[4]:>10d}" for r in rows]
    return "\n".join(lines)


def _check_words(splits: Any, tokenizer: Any, args: argparse.Namespace) -> None:
    """Stop at the first word the tokenizer turns into no token (it would lose its label),
    naming its file and line."""
    train_file = args.data or CORPUS_TRAIN
    test_file = args.test or (args.data if args.data else CORPUS_TEST)
    sides = (([*splits.train, *splits.validation], train_file), (splits.test, test_file))
    for sents, path in sides:
        for i, words in tokenless_words([s.words for s in sents], tokenizer):
            w = sents[i].words[words[0]]
            raise CorpusError(
                str(resolve(path)),
                sents[i].line,
                f"word {words[0] + 1} ({w!r}) gives no token with this model's tokenizer, so it "
                "cannot carry a label: remove or replace such characters (zero-width space, soft "
                "hyphen, control characters)",
            )


def train_command(args: argparse.Namespace) -> int:

    say = print if is_main_process() else (lambda *a, **k: None)
    world = world_size()
    if args.batch_size % world:
        raise UsageError(
            f"--batch-size {args.batch_size} is the global batch and cannot be split evenly "
            f"over {world} processes; use a multiple of {world}"
        )
    if args.test is not None and args.data is None:
        raise UsageError("--test needs --data (the embedded corpus has its own test file)")
    for option, path in (("--data", args.data), ("--test", args.test)):
        # relative paths as helpers.data reads them: from the cwd, else from the repo root
        if path is not None and not resolve(path).is_file():
            what = "a folder, expected a file" if resolve(path).is_dir() else "no such file"
            raise UsageError(f"{option} {path}: {what}")
    if not 0 < args.test_size < 1:
        raise UsageError(f"--test-size {args.test_size}: expected a fraction between 0 and 1")
    if not 0 <= args.validation_size < 1:
        raise UsageError(f"--validation-size {args.validation_size}: expected a fraction in [0, 1)")
    if not args.output_dir.strip():
        raise UsageError(f"--output-dir {args.output_dir!r}: expected a folder")
    output_dir = Path(args.output_dir).expanduser().resolve()  # relative to the cwd
    # a finished run is never overwritten; --resume finds the interrupted run's numbered folder
    target = run_folder(output_dir, args.overwrite, args.resume)
    fields = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)}
    fields.update(batch_size=args.batch_size // world, output_dir=str(target))
    config = TrainConfig(**fields)
    try:  # everything a user can get wrong is checked here, before the long work
        config.validate()
        check_keep(config.keep, args.validation_size)
        # a new run's checkpoints among an interrupted one's
        check_resume(target, config.resume, config.save_checkpoints)
        pick_precision(config.precision)  # fp16 without CUDA
        pick_precision("auto")  # a bad $COURSE_PRECISION (scoring the test split reads it)
        check_model_fits(config)  # weights, config, tokenizer; --freeze-layers, --max-length
        tokenizer = load_tokenizer(config.model_name)  # an unknown or unreachable model stops here
        if is_main_process():
            check_output_dir(target)
        problem = args.rank_report and folder_problem(Path(args.rank_report))
        if problem:  # found before training, not after it
            raise ValueError(f"--rank-report {args.rank_report}: {problem}")
        splits = experiment_splits(
            args.data,
            args.n_sentences,
            args.test_size,
            args.validation_size,
            args.seed,
            test_path=args.test,
        )
        pool = len(splits.train) + len(splits.validation) + (0 if args.test else len(splits.test))
        if args.n_sentences is not None and args.n_sentences > pool:  # experiment_splits allows it
            raise ValueError(
                f"n_sentences={args.n_sentences}: the data has only {pool} sentences "
                "(--n-sentences all uses every one)"
            )
        _check_words(splits, tokenizer, args)
        if config.resume and interrupted_checkpoint(target):  # a changed option would be ignored
            settings = run_settings(
                config,
                pick_precision(config.precision),
                splits.train,
                splits.validation,
                build_label_list(s.tags for s in [*splits.train, *splits.validation]),
            )
            check_resumable(target, settings)
    except (CorpusError, FileNotFoundError) as e:  # they name the file and line
        raise UsageError(str(e)) from None
    except (ValueError, OSError, ModelLoadError) as e:
        raise UsageError(_user_message(e)) from None
    # the model learns the labels of the training side; labels only the test split has are kept
    # out (no class the model never saw) and reported, in metrics.json too
    labels = build_label_list(s.tags for s in [*splits.train, *splits.validation])
    if labels == ["O"]:
        raise UsageError(
            f"{args.data or CORPUS_TRAIN}: the training sentences hold no entity tag (only 'O'): "
            "nothing to learn"
        )
    test_only = sorted({t for s in splits.test for t in s.tags} - set(labels))
    for note in splits.notes:
        say(f"note: {note}", file=sys.stderr)
    if test_only:
        say(
            f"note: labels only in the test split, kept out of the model (counted as missed): "
            f"{', '.join(test_only)}",
            file=sys.stderr,
        )
    if target != output_dir:
        say(
            f"note: {output_dir} holds an earlier run, kept; this run is saved in {target} "
            "(--overwrite replaces the earlier one)"
        )
    say(f"data: {splits.source} | {splits.how}")
    say(
        f"sentences: train {len(splits.train)}, validation {len(splits.validation)}, "
        f"test {len(splits.test)} | {len(labels)} labels | batch {args.batch_size} "
        f"= {world} process(es) x {config.batch_size}"
    )
    writes = audit_writes() if args.rank_report else []
    state: dict[str, Any] = {}
    callbacks = [_progress_callback(not args.no_progress), _state_recorder(state)]
    if args.stop_after_epoch:
        callbacks.append(_stop_after(args.stop_after_epoch))
    try:
        result = train_ner(splits.train, splits.validation, labels, config, callbacks=callbacks)
    # also what train_ner checks that the checks above cannot: a model whose layers it cannot
    # find to freeze (ALBERT, GPT-2), weights that are not safetensors
    except (TrainingDiverged, ModelLoadError, UnsupportedModel) as e:
        raise UsageError(_user_message(e)) from None
    epochs_run = result.history[-1]["epoch"] if result.history else 0
    speed = f"{result.samples_per_second:.1f} samples/s, {result.device}, {result.precision}"
    say(
        f"trained {len(splits.train)} sentences x {epochs_run} epochs in "
        f"{result.train_seconds:.1f} s ({speed}); kept epoch {result.kept_epoch}"
        + ("; resumed from a checkpoint" if result.resumed else "")
    )
    if args.stop_after_epoch and state.get("global_step", 0) < state.get("max_steps", 0):
        say(
            f"stopped after epoch {args.stop_after_epoch} (--stop-after-epoch); no metrics "
            "written. "
            + (
                "Continue with the same command, without --stop-after-epoch, plus --resume."
                if config.save_checkpoints or config.resume
                else "Nothing was saved to resume from (add --save-checkpoints to save epochs)."
            )
        )
    else:
        _finish(args, splits, result, fields, world, target, {"test_only_labels": test_only})
    if args.rank_report:
        _write_rank_report(Path(args.rank_report), result, state, len(splits.train), writes)
    return 0


def _finish(args, splits, result, fields, world, output_dir, extra) -> None:
    """Score the test split, print the table, write the model and metrics.json (rank 0)."""

    say = print if is_main_process() else (lambda *a, **k: None)
    test_metrics, _ = evaluate_ner(result.model, result.tokenizer, splits.test)
    parameters = {
        "model_name": args.model_name,
        "data_path": args.data,
        "test_path": args.test,
        "n_sentences": args.n_sentences,
        # used only to split --data without --test (the embedded corpus has its test file)
        "test_size": args.test_size if args.data is not None and args.test is None else None,
        "validation_size": args.validation_size,
        **{k: v for k, v in fields.items() if k not in ("model_name", "output_dir")},
        "batch_size": args.batch_size,
        "processes": world,
        "per_device_batch_size": args.batch_size // world,
    }
    try:
        run_dir = save_run(output_dir, parameters, result, test_metrics, args.overwrite, extra)
    except OSError as e:
        raise UsageError(f"--output-dir {output_dir}: cannot save the run ({e})") from None
    say(f"\ntest split: {len(splits.test)} sentences\n{metrics_table(test_metrics)}")
    say(f"\nwrote {run_dir / 'metrics.json'} and {run_dir / 'model'}")


WRITE_EVENTS = ("os.mkdir", "os.rename", "os.remove", "shutil.rmtree", "shutil.move")


def audit_writes() -> list[str]:
    """Start recording every path this process opens for writing, creates, renames or removes
    (Python audit hooks; files written by native code, e.g. safetensors, are not seen).
    Returns the list that fills up; the hook lasts as long as the process."""
    seen: list[str] = []
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND

    def hook(event: str, args: tuple) -> None:
        if event == "open" and args and isinstance(args[0], str | os.PathLike):
            mode, flags = args[1], args[2]
            if (mode and any(c in mode for c in "wax+")) or (not mode and flags & write_flags):
                seen.append(os.path.abspath(args[0]))
        elif event in WRITE_EVENTS and args and isinstance(args[0], str | os.PathLike):
            seen.append(os.path.abspath(args[0]))
            if event == "os.rename" and len(args) > 1 and isinstance(args[1], str | os.PathLike):
                # a run is moved into place whole: what it holds is written at its new path
                src, dst = os.path.abspath(args[0]), os.path.abspath(args[1])
                seen.append(dst)
                for root, _, names in os.walk(src):
                    rel = os.path.relpath(root, src)
                    seen.extend(os.path.normpath(os.path.join(dst, rel, n)) for n in names)

    sys.addaudithook(hook)
    return seen


def _write_rank_report(
    directory: Path, result: Any, state: dict[str, Any], n_train: int, writes: list[str]
) -> None:
    import torch.distributed as dist

    initialized = dist.is_available() and dist.is_initialized()
    report = {
        "rank": int(os.environ.get("RANK", "0")),
        "world_size": dist.get_world_size() if initialized else 1,
        "backend": dist.get_backend() if initialized else None,
        "n_train": n_train,
        "weights_sha256": weights_sha256(result.model),
        **state,
        "writes": sorted(set(writes)),
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"rank{report['rank']}.json").write_text(json.dumps(report, indent=2))


# ---------------------------------------------------------------- predict


def read_texts(path: str) -> list[str]:
    """One text per line of a UTF-8 file ('-': stdin); an empty line is an error (by number).

    Lines end at ``\n`` or ``\r\n`` only; a UTF-8 byte-order mark is dropped (it would shift
    every offset of the first text)."""
    if path == "-":
        raw = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            raw = Path(path).read_bytes()
        except OSError as e:
            raise UsageError(f"--input {path}: cannot read ({e.strerror or e})") from None
        name = path
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[start:].decode("utf-8")
    except UnicodeDecodeError as e:
        at = start + e.start
        line = raw[:at].count(b"\n") + 1
        raise UsageError(
            f"{name}, line {line}: not valid UTF-8 ({e.reason}: byte 0x{raw[at]:02x} at byte "
            f"offset {at}); expected a UTF-8 text file"
        ) from None
    if bare_carriage_returns(text):  # as corpus files are refused
        raise UsageError(f"{name}, line 1: {BARE_CR}")
    lines = split_lines(text)
    for i, line in enumerate(lines, 1):
        if not line.strip():
            raise UsageError(f"{name}, line {i}: empty line; expected one text per line")
    if not lines:
        raise UsageError(f"{name}: no texts (expected one text per line)")
    return lines


def load_trained(directory: str) -> tuple[Any, Any]:
    """Model and tokenizer of a trained token classifier (a run's directory or its model/).

    Every problem of the folder (missing or corrupt files, labels that are not NER tags or have
    gaps in their ids, weights without a trained head) is a :class:`UsageError`."""
    path = Path(directory).expanduser()
    if (path / "model" / "config.json").is_file():
        path = path / "model"
    if not path.is_dir():
        what = "is a file" if path.exists() else "no such folder"
        raise UsageError(f"--model {directory}: {what}; expected a trained model directory")
    if not (path / "config.json").is_file():
        raise UsageError(
            f"--model {directory}: no config.json there; expected a trained model "
            "directory (a run's --output-dir or its model/)"
        )
    import helpers.casing  # noqa: F401  registers the casing model type that train saves

    try:
        check_model_dir(str(path))
        config = load_config(str(path))
    except (OSError, ValueError, ModelLoadError) as e:
        message = str(e).removeprefix(f"model_name={str(path)!r}").lstrip(": ")
        raise UsageError(f"--model {directory}: {message}") from None
    ids = sorted(config.id2label)
    if ids != list(range(len(ids))):
        raise UsageError(
            f"{path / 'config.json'}: id2label has the ids {ids[:10]}; expected 0 to "
            f"{len(ids) - 1} without gaps"
        )
    labels = [config.id2label[i] for i in ids]
    if "O" not in labels or not all(is_bio_tag(t) for t in labels):
        raise UsageError(
            f"--model {directory}: its labels {labels[:4]}... are not NER tags (O, B-x, I-x); "
            "expected a model trained by `python -m helpers.ner train` or notebook 04"
        )
    try:
        model, info = load_token_classifier(str(path), labels, output_loading_info=True)
        tokenizer = load_tokenizer(str(path))
    except (OSError, ValueError, RuntimeError) as e:  # ModelLoadError is a RuntimeError
        raise UsageError(f"--model {directory}: cannot load ({e})") from None
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        raise UsageError(
            f"--model {directory}: its weights lack {', '.join(missing[:3])}: not a "
            "trained token classifier (those weights would be random)"
        )
    unused = sorted(info.get("unexpected_keys") or [])
    if unused:
        raise UsageError(
            f"--model {directory}: its weights hold {', '.join(unused[:3])}, which its "
            "config.json has no place for (config and weights do not belong together)"
        )
    return model, tokenizer


LINE_BREAKS_ESCAPED = {c: f"\\u{c:04x}" for c in (0x85, 0x2028, 0x2029)}


def predict_command(args: argparse.Namespace) -> int:

    if args.input and args.texts:
        raise UsageError("give texts as arguments or --input FILE, not both")
    texts = read_texts(args.input) if args.input else args.texts
    if not texts:
        raise UsageError("no texts: give TEXT arguments or --input FILE")
    for i, text in enumerate(texts if not args.input else [], 1):
        if not text.strip():
            raise UsageError(f"TEXT {i} is empty: expected a text to tag (as --input refuses)")
        bad = next((k for k, ch in enumerate(text) if "\ud800" <= ch <= "\udfff"), None)
        if bad is not None:  # how Python passes on command-line bytes that are not UTF-8
            raise UsageError(
                f"TEXT {i}: not valid UTF-8 (byte 0x{ord(text[bad]) & 0xFF:02x} at character "
                f"{bad}); expected UTF-8 text"
            )

    device = default_device()  # as training: a GPU where there is one
    try:
        pick_precision("auto", device)  # a bad $COURSE_PRECISION
    except ValueError as e:
        raise UsageError(str(e)) from None
    model, tokenizer = load_trained(args.model)
    model.to(device)
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8") and hasattr(sys.stdout, "reconfigure"):
        # JSON lines in UTF-8 whatever the locale (cp1252 on Windows when redirected): a text
        # with a character it lacks stopped the output halfway with a UnicodeEncodeError
        sys.stdout.reconfigure(encoding="utf-8")
    for p in predict(texts, model, tokenizer, batch_size=args.batch_size):
        ents = [
            {
                "type": e.type,
                "text": e.text,
                "start": e.start,
                "end": e.end,
                "score": round(e.score, 4),
            }
            for e in p.entities
        ]
        line = json.dumps({"text": p.text, "entities": ents}, ensure_ascii=False)
        # characters that str.splitlines() would break a line at stay escaped: one line per text
        print(line.translate(LINE_BREAKS_ESCAPED))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return train_command(args) if args.command == "train" else predict_command(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
