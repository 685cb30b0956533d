"""Benchmarks that print figures (never run as tests).

``python -m helpers.bench ner``: on the same data and model, the naive recipe (Trainer, fp32,
the source's hyper-parameters, a checkpoint every epoch) against the project's default recipe,
with its frozen layer cached and, as "uncached", run every step:
training samples/s, wall time, entity F1 and peak memory; then inference tokens/s of
:func:`helpers.predict.predict` against transformers' token-classification pipeline, with a
check that both find identical entities. Each recipe runs in its own process so that peak
memory is its own. On a shared machine one run of each says little: ``--rounds N`` runs every
recipe N times in a rotated order and prints the median of the speed-ups taken within each round,
with their range; ``predict`` and the pipeline always alternate, over at least 3 rounds.

``python -m helpers.bench ablation``: from the source's recipe to the project's, one change at a
time (learning rates, batch size, frozen embeddings, length-grouped batches, the lowest layer
frozen and cached), each scored on the held-out 20% of the source protocol's 300 sentences;
writes ``notebooks/results/ner_ablation.json`` (shown by notebook 04).

``python -m helpers.bench recipe``: the earlier default (10% of the training side held out, the
best of the epochs by its F1), all training sentences with the final epoch, and the current
default (which also freezes and caches the lowest layer), over several 300-sentence windows of the
embedded train file and several seeds; writes ``notebooks/results/ner_recipe.json``.

``python -m helpers.bench frozen``: F1 and samples/s with the lowest N layers frozen, cached or
not, on the same windows and seeds; writes ``notebooks/results/ner_frozen.json``. None of these
commands ever reads the test file.

``python -m helpers.bench casing``: the learned casing feature (helpers.casing) off, added at the
input of the first trained layer, and added to the final hidden states, on the recipe study's
windows and seeds (each arm on the same splits, arms run in a rotated order); per-run F1 and train
seconds, mean, sd and standard error, the paired difference from off and the speed cost; writes
``notebooks/results/ner_casing.json`` (shown by notebook 04).

``python -m helpers.bench levers``: recipe changes that would train faster (batch 16 at three
learning rates, no dropout) against the default, paired on the casing study's windows and seeds;
F1, its paired difference and standard error, and samples/s per arm; writes
``notebooks/results/ner_levers.json``.

``python -m helpers.bench margin``: how far bf16 moves ``predict``'s label probabilities from
fp32's over the whole embedded corpus, for the project recipe's model, and whether every label
it changes sits in a window that ``predict`` reruns in fp32 (the figures ``RECHECK_MARGIN`` rests
on).

``python -m helpers.bench profile``: where the project recipe's training steps (a window of
steps of the second epoch, against the unprofiled run's median step) and
:func:`helpers.predict.predict` spend their time, from the PyTorch profiler, grouped by kind of
operator (:data:`OP_GROUPS`), with the matrix products' share of the machine's matmul peak.

``python -m helpers.bench compile``: ``torch.compile`` (inductor) against eager for the same
training run and for ``predict``, each arm in its own process with an empty compile cache, so
the compilation is counted; the compiled ``predict`` must find the same entities.

``python -m helpers.bench data [--gmb PATH] [--conll PATH]``: time ``load_corpus`` on the real
files when given, else on generated files of the same shape and size (Kaggle GMB: 1,048,575
word rows in 47,959 sentences, latin-1, CRLF; CoNLL-2003 train: 14,041 sentences, 203,621 tokens).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import train as train_module
from helpers.alignment import check_scorable
from helpers.casing import CasingTokenClassificationPipeline
from helpers.data import load_corpus, load_embedded, split_sentences
from helpers.labels import build_label_list
from helpers.lm import step_clock
from helpers.models import cpu_kind, load_config, load_tokenizer, packs_bf16, pick_precision
from helpers.params import SEED_EXPECTED, is_seed, need_int
from helpers.paths import CORPUS_TRAIN
from helpers.predict import (
    RECHECK_MARGIN,
    _predict_words,
    low_precision_moves,
    predict,
    split_words,
)
from helpers.results import check_results_path, provenance, write_results
from helpers.train import TrainConfig, encoder_layers, evaluate_ner, train_ner

NAIVE = {
    "learning_rate": 2e-5,
    "head_learning_rate": None,
    "batch_size": 16,
    "weight_decay": 0.01,
    "warmup": 0.0,
    "precision": "fp32",
    "freeze_embeddings": False,
    "freeze_layers": 0,
    "group_by_length": False,
    "save_checkpoints": True,
    "strategy": "all",
}


# The benchmark's recipes: the source's, the project's with its frozen layers run every step,
# and the project's default (frozen layers computed once per sentence, helpers.train.FrozenCache).
RECIPES = {"naive": NAIVE, "uncached": {"cache_frozen": False}, "project": {}}


# Environment variables that make this CPU behave like an older one (e.g. AVX2 only): the
# benchmark prints them, so an emulated figure is never mistaken for a real machine's.
ISA_LIMITS = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _protocol_split(n_sentences: int, seed: int, data: str | None = None, test: str | None = None):
    """(train, held-out, labels): the first ``n_sentences`` of the embedded train file (or of
    ``data``) split 80/20 with ``seed`` like the source; with ``test``, all of those train and the
    test file is held out."""

    pool = (load_corpus(data) if data else load_embedded("train")).sentences[:n_sentences]
    if test:
        train, held_out = list(pool), load_corpus(test).sentences
    else:
        train, held_out = split_sentences(pool, 0.2, seed)
    return train, held_out, build_label_list(s.tags for s in [*train, *held_out])


def real_tokens(tokenizer: Any, sentences: list) -> int:
    """Tokens of ``sentences`` as the model sees them (special tokens included, no padding)."""
    return sum(len(tokenizer(s.words, is_split_into_words=True)["input_ids"]) for s in sentences)


def training_gflop(
    model: Any, tokenizer: Any, sentences: list, epochs: int, frozen_layers: int, cached: bool
) -> float:
    """Approximate training work done, in GFLOP, counting real tokens only (padding is waste).

    A matrix product costs 2 FLOPs per parameter and token forward; a trained layer costs 4 more
    backward (gradients of its inputs and weights). Frozen layers below every trained one run
    forward only: every epoch, or once per sentence when cached. The embedding table is a
    lookup, not a matrix product, and is not counted.
    """

    layer = sum(p.numel() for p in encoder_layers(model)[0].parameters())
    trained = _matmul_params(model) - frozen_layers * layer
    tokens = real_tokens(tokenizer, sentences)
    frozen_passes = 1 if cached else epochs
    return (6 * trained * epochs + 2 * frozen_layers * layer * frozen_passes) * tokens / 1e9


def _matmul_params(model: Any) -> int:
    """Parameters outside the embedding table: each costs 2 FLOPs per token forward."""
    embeddings = model.base_model.embeddings.parameters()
    return sum(p.numel() for p in model.parameters()) - sum(p.numel() for p in embeddings)


def inference_gflop(model: Any, tokens: int) -> float:
    """Work of one forward pass over ``tokens`` real tokens, in GFLOP (2 per parameter and
    token, the embedding lookup excepted; attention's own products, ~1% at these lengths, are
    not counted). Both the pipeline and :func:`helpers.predict.predict` must do at least this."""
    return 2 * _matmul_params(model) * tokens / 1e9


def matmul_peak(dtype: str, size: int = 2048, seconds: float = 2.0) -> float:
    """GFLOP/s of a ``size`` x ``size`` matrix product in ``dtype`` on the CPU: the best of the
    calls timed over ``seconds`` after a warm-up, and of 3 calls at least (an emulated bf16
    product can take longer than ``seconds``: its peak used to come out as 0)."""
    import torch

    dt = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    a, b = torch.randn(size, size, dtype=dt), torch.randn(size, size, dtype=dt)
    torch.matmul(a, b)  # warm-up, before the clock starts
    best, calls, t_end = float("inf"), 0, time.perf_counter() + seconds
    while calls < 3 or time.perf_counter() < t_end:  # at least 3 timed calls, however slow
        t0 = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t0)
        calls += 1
    return 2 * size**3 / best / 1e9


def run_recipe(
    recipe: str,
    n_sentences: int,
    epochs: int,
    seed: int,
    out: str,
    data: str | None = None,
    test: str | None = None,
) -> dict:
    """Train one recipe on the protocol split; return its figures (and save the model)."""

    train, held_out, labels = _protocol_split(n_sentences, seed, data, test)
    overrides = RECIPES[recipe]
    cfg = TrainConfig(epochs=epochs, seed=seed, output_dir=out, **overrides)
    # The source scored (and checkpointed) every epoch; every recipe (naive, uncached, project)
    # keeps the final epoch, so the held-out part is scored once at the end and chooses nothing.
    between = _between_epochs()
    res = train_ner(train, held_out if recipe == "naive" else None, labels, cfg, [between])
    m, _ = evaluate_ner(res.model, res.tokenizer, held_out)
    if recipe == "project":
        res.model.save_pretrained(Path(out) / "model")
        res.tokenizer.save_pretrained(Path(out) / "model")
    cached = cfg.cache_frozen and (cfg.freeze_embeddings or cfg.freeze_layers > 0)
    gflop = training_gflop(res.model, res.tokenizer, train, epochs, cfg.freeze_layers, cached)
    return {
        "recipe": recipe,
        "samples_per_s": len(train) * epochs / res.train_seconds,
        "wall_s": res.train_seconds,
        # the naive recipe's per-epoch evaluation and checkpoint (the source's run did both),
        # timed apart: what its training steps alone would give
        "between_epochs_s": between.seconds,
        "steps_samples_per_s": len(train) * epochs / (res.train_seconds - between.seconds),
        "gflop_per_s": gflop / res.train_seconds,
        "f1": m["f1"],
        "peak_mb": _peak_rss_mb(),
        "precision": res.precision,
        "frozen_layers": cfg.freeze_layers,
        "cached": cached,
    }


def _between_epochs() -> Any:
    """A ``TrainerCallback`` whose ``seconds`` add up what the Trainer does between an epoch's
    last step and the next epoch (or the end): evaluation, ``compute_metrics``, checkpoints."""
    from transformers import TrainerCallback

    class BetweenEpochs(TrainerCallback):
        def __init__(self) -> None:
            self.seconds, self.since = 0.0, None

        def on_epoch_end(self, *a: Any, **k: Any) -> None:
            self.since = time.perf_counter()

        def _stop(self) -> None:
            if self.since is not None:
                self.seconds += time.perf_counter() - self.since
                self.since = None

        def on_epoch_begin(self, *a: Any, **k: Any) -> None:
            self._stop()

        def on_train_end(self, *a: Any, **k: Any) -> None:
            self._stop()

    return BetweenEpochs()


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int) -> tuple[dict, dict]:
    """Time every function once per round, the order rotated from round to round, so that a
    change of load on a shared machine hits all of them alike; ``(seconds, last result)`` per
    name, the seconds one per round."""
    need_int("rounds", rounds, low=1)
    seconds: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, Any] = {}
    for i in range(rounds):
        for name in rotated(tuple(fns), i):
            t0 = time.perf_counter()
            results[name] = fns[name]()
            seconds[name].append(time.perf_counter() - t0)
    return seconds, results


def round_ratios(rounds: list[dict[str, float]], over: str) -> dict[str, list[float]]:
    """Per name, its figure over ``over``'s within each round (same round, same load)."""
    return {k: [r[k] / r[over] for r in rounds] for k in rounds[0] if k != over}


def repeatable(rows: list[dict]) -> bool:
    """Whether every recipe's runs (rows with ``recipe`` and ``f1``) scored the same F1: a fixed
    seed on one machine must give the same metrics."""
    f1s: dict[str, set[float]] = {}
    for r in rows:
        f1s.setdefault(r["recipe"], set()).add(r["f1"])
    return all(len(v) == 1 for v in f1s.values())


def spread(ratios: list[float]) -> str:
    """``"2.41x"`` for one ratio, ``"2.41x (median of 3 rounds, 2.30-2.56x)"`` for several."""
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}x"
    return (
        f"{statistics.median(ratios):.2f}x (median of {len(ratios)} rounds, "
        f"{min(ratios):.2f}-{max(ratios):.2f}x)"
    )


def run_inference(model_dir: str, test: str | None = None, rounds: int = 3) -> dict:
    """Tokens/s of helpers.predict vs the pipeline on the embedded test texts; same entities?

    ``predict`` runs at its default precision (bf16 where native, fp32 otherwise; the env var
    ``COURSE_PRECISION`` forces it), the pipeline in fp32 as transformers does by default. Both
    run once untimed, then once per round, interleaved (:func:`interleaved`); the speeds are
    each one's best round, and ``round_ratios`` the speed-up within each round (the headline).
    """
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, use_safetensors=True)
    model.eval()
    texts = [" ".join(s.words) for s in (load_corpus(test) if test else load_embedded("test"))]
    n_tokens = sum(len(tok(t)["input_ids"]) for t in texts)
    pipe = pipeline(
        "token-classification",
        model=model,
        tokenizer=tok,
        aggregation_strategy="first",
        device=-1,
        pipeline_class=CasingTokenClassificationPipeline,  # the library's, plus casing_ids if any
    )

    def run_pipeline():
        with torch.inference_mode():
            return pipe(texts)

    # predict sets its own no_grad (not inference_mode: see helpers.predict); "unpacked" is
    # predict without helpers.models.packed_linears, timed only where packing applies
    runs = {
        "pipeline": run_pipeline,
        "predict": lambda: predict(texts, model, tok, batch_size=64),
    }
    packs = packs_bf16(pick_precision("auto", "cpu"), "cpu")
    if packs:
        runs["unpacked"] = lambda: predict(texts, model, tok, batch_size=64, pack_weights=False)
    for run in runs.values():  # first calls (lazy imports, allocations) are not timed
        run()
    seconds, out = interleaved(runs, rounds)
    t_pipe, t_ours = min(seconds["pipeline"]), min(seconds["predict"])
    # each run's seconds over predict's, round by round: predict's speed-up over that run
    over_predict = round_ratios(
        [{n: s[i] for n, s in seconds.items()} for i in range(rounds)], "predict"
    )
    pipe_out = out["pipeline"]

    def spans(preds: list) -> list:
        return [[(e.type, e.start, e.end) for e in p.entities] for p in preds]

    a = [[(e["entity_group"], e["start"], e["end"]) for e in ents] for ents in pipe_out]
    b = spans(out["predict"])
    unpacked = None
    if packs:
        unpacked = {
            "ratios": over_predict["unpacked"],
            "best": min(seconds["unpacked"]) / t_ours,
            "same_entities": spans(out["unpacked"]) == b,
        }
    words = [split_words(t, tok)[0] for t in texts]
    rerun = _predict_words(model, tok, words, 64, None, 32)[3]  # not timed: how many in fp32
    gflop = inference_gflop(model, n_tokens)
    return {
        "texts": len(texts),
        "tokens": n_tokens,
        "rounds": rounds,
        "round_ratios": over_predict["pipeline"],
        "pipeline_tokens_per_s": n_tokens / t_pipe,
        "predict_tokens_per_s": n_tokens / t_ours,
        "pipeline_gflop_per_s": gflop / t_pipe,
        "predict_gflop_per_s": gflop / t_ours,
        "precision": pick_precision("auto", "cpu"),
        "rerun_fp32_windows": len(rerun),
        "identical_entities": a == b,
        "entities": sum(len(x) for x in b),
        "differing_texts": sum(x != y for x, y in zip(a, b, strict=True)),
        "packing": unpacked,
    }


def _in_process(what: str, args: list[str], env: dict | None = None) -> dict:
    """Run ``python -m helpers.bench ARGS`` in a fresh process (its own peak memory, its own
    compile cache) and return the JSON of its last output line; exit naming ``what`` if it
    fails."""
    cmd = [sys.executable, "-m", "helpers.bench", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode:
        sys.exit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_ner(
    n_sentences: int,
    epochs: int,
    seed: int,
    data: str | None = None,
    test: str | None = None,
    rounds: int = 1,
) -> None:
    """The training recipes ``rounds`` times each (rotated order, one process per run), then
    predict against the pipeline in ``max(rounds, 3)`` interleaved rounds; speed-ups are taken
    within each round, their median printed with their range."""
    import torch

    need_int("rounds", rounds, low=1)
    with tempfile.TemporaryDirectory() as tmp:
        rows, per_round, steps_per_round = [], [], []
        for i in range(rounds):
            speeds, steps = {}, {}
            for recipe in rotated(tuple(RECIPES), i):
                out = str(Path(tmp) / f"{recipe}-{i}")
                run_args = [str(n_sentences), str(epochs), str(seed), out]
                args = ["_recipe", recipe, *run_args, data or "-", test or "-"]
                row = {**_in_process(f"recipe {recipe}", args), "round": i + 1}
                rows.append(row)
                speeds[recipe] = row["samples_per_s"]
                steps[recipe] = row["steps_samples_per_s"]
            per_round.append(speeds)
            steps_per_round.append(steps)
        inf = run_inference(str(Path(tmp) / "project-0" / "model"), test, max(rounds, 3))
        peaks = {p: matmul_peak(p) for p in ("fp32", "bf16")}
    where = (
        f"{data}, first {n_sentences} sentences"
        if data
        else (f"embedded corpus, first {n_sentences} train sentences")
    )
    split = f"test file {test}" if test else f"80/20 split (seed {seed})"
    print(
        f"NER benchmark: {where}, {split}, {epochs} epochs; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, cuda={torch.cuda.is_available()}; CPU: {cpu_kind()}"
    )
    limits = [f"{k}={os.environ[k]}" for k in ISA_LIMITS if os.environ.get(k)]
    print(
        f"ATen CPU kernels: {torch.backends.cpu.get_cpu_capability()}"
        + (f"; instruction sets limited by {', '.join(limits)}" if limits else "")
    )
    print(
        "matmul 2048x2048 peak on this machine, this run: "
        + ", ".join(f"{p} {g:.3g} GFLOP/s" for p, g in peaks.items())
    )
    round_col = f"{'round':>6}" if rounds > 1 else ""
    print(
        f"{'recipe':<9}{round_col}{'precision':>10}{'frozen':>8}{'samples/s':>11}{'wall s':>9}"
        f"{'GFLOP/s':>9}{'of peak':>9}{'F1':>8}{'peak MB':>9}"
    )
    for r in sorted(rows, key=lambda r: (list(RECIPES).index(r["recipe"]), r["round"])):
        share = (
            r["gflop_per_s"] / peaks[r["precision"]] if r["precision"] in peaks else float("nan")
        )
        frozen = f"{r['frozen_layers']}{'c' if r['cached'] else ''}"
        round_cell = f"{r['round']:>6}" if rounds > 1 else ""
        print(
            f"{r['recipe']:<9}{round_cell}{r['precision']:>10}"
            f"{frozen:>8}{r['samples_per_s']:>11.1f}{r['wall_s']:>9.1f}{r['gflop_per_s']:>9.1f}"
            f"{share:>9.0%}{r['f1']:>8.3f}{r['peak_mb']:>9.0f}"
        )
    first = {r["recipe"]: r for r in rows if r["round"] == 1}
    over_naive = round_ratios(per_round, "naive")
    caching = round_ratios(per_round, "uncached")["project"]
    print(
        "frozen: encoder layers frozen (c: computed once per sentence and cached); GFLOP/s counts "
        "the work done on real tokens (padding excluded), see helpers.bench.training_gflop"
        + (
            f"; F1 {'the same in every round' if repeatable(rows) else 'DIFFERS between rounds'}"
            if rounds > 1
            else ""
        )
    )
    print(
        f"training speed-up over naive: project {spread(over_naive['project'])}, "
        f"uncached {spread(over_naive['uncached'])}; caching alone: {spread(caching)} "
        f"(F1 {first['project']['f1'] - first['uncached']['f1']:+.3f})"
    )
    naive = [r for r in rows if r["recipe"] == "naive"]
    print(
        "naive's seconds include its evaluation and checkpoint after every epoch, as the "
        f"source's run had them: {sum(r['between_epochs_s'] for r in naive):.1f} s of "
        f"{sum(r['wall_s'] for r in naive):.1f} s over its {len(naive)} run"
        f"{'s' if len(naive) > 1 else ''}; over naive's training steps alone, project "
        f"{spread(round_ratios(steps_per_round, 'naive')['project'])}"
    )
    print(
        f"inference on {inf['texts']} texts ({inf['tokens']} tokens), {inf['rounds']} "
        f"interleaved rounds after one untimed call of each: helpers.predict over the pipeline "
        f"{spread(inf['round_ratios'])}; best rounds: pipeline "
        f"{inf['pipeline_tokens_per_s']:.0f} tokens/s, helpers.predict "
        f"{inf['predict_tokens_per_s']:.0f} tokens/s "
        f"({inf['predict_tokens_per_s'] / inf['pipeline_tokens_per_s']:.2f}x; {inf['precision']}, "
        f"{inf['rerun_fp32_windows']} windows rerun in fp32 for near ties); "
        f"identical entities: {inf['identical_entities']} ({inf['entities']} entities, "
        f"{inf['differing_texts']} texts differ)"
    )
    pk = inf["packing"]
    print(
        "bf16 weights packed once per call (helpers.models.packed_linears): "
        + (
            f"{pk['best']:.2f}x over plain autocast (best rounds; per round "
            f"{min(pk['ratios']):.2f}-{max(pk['ratios']):.2f}x); same entities: "
            f"{pk['same_entities']}"
            if pk
            else "not used here (fp32, or no oneDNN bf16 support)"
        )
    )
    # The same arithmetic cannot run faster than the matmul peak: this bounds any exact method.
    peak = peaks.get(inf["precision"], float("nan"))
    print(
        f"inference work: {_gflop_shares(inf, peaks)}; at the {inf['precision']} peak "
        f"({peak:.3g} GFLOP/s) the same work would run at most "
        f"{peak / inf['pipeline_gflop_per_s']:.2f}x the pipeline"
    )


def _gflop_shares(inf: dict, peaks: dict[str, float]) -> str:
    """The pipeline's and predict's GFLOP/s, each with its share of its precision's peak."""
    parts = []
    for name, precision in (("pipeline", "fp32"), ("predict", inf["precision"])):
        g = inf[f"{name}_gflop_per_s"]
        share = g / peaks[precision] if precision in peaks else float("nan")
        parts.append(f"{name} {g:.1f} GFLOP/s ({share:.0%} of the {precision} peak)")
    return ", ".join(parts)


# ---------------------------------------------------------------- where the time goes

# Operator groups of a profile, by name prefix (first match wins); anything else under ``aten::``
# is "other tensor ops", and the rest (data loader, autograd engine, optimizer wrapper, Python
# annotations) is time outside the tensor kernels.
OP_GROUPS = (
    (
        "matrix products",
        ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "mkldnn::_linear_pointwise"),
    ),
    ("attention kernel", ("aten::_scaled_dot_product", "aten::_softmax")),
    (
        "copies and dtype casts",
        ("aten::copy_", "aten::_to_copy", "aten::clone", "mkldnn::_reorder_linear_weight"),
    ),
    ("dropout masks", ("aten::bernoulli", "aten::native_dropout")),
    ("optimizer update", ("aten::_fused_adam", "aten::_foreach")),
    ("gradient norms (clipping)", ("aten::linalg_vector_norm", "aten::norm")),
    ("layer norm and GELU", ("aten::native_layer_norm", "aten::gelu")),
)
OTHER_OPS, OUTSIDE = "other tensor ops", "outside tensor kernels"


def op_group(name: str) -> str:
    """The :data:`OP_GROUPS` group of a profiler event name."""
    for group, prefixes in OP_GROUPS:
        if name.startswith(prefixes):
            return group
    return OTHER_OPS if name.startswith("aten::") else OUTSIDE


def group_times(events: Any, wall: float) -> dict[str, float]:
    """Self CPU seconds per :func:`op_group` of profiler ``key_averages()`` rows, largest
    first (self time: a parent's time is not counted again in its children). ``wall`` is the
    profiled span's wall time: what no event covers (Python between the operators) is added to
    the time outside the tensor kernels."""
    totals: dict[str, float] = {}
    for e in events:
        g = op_group(e.key)
        totals[g] = totals.get(g, 0.0) + e.self_cpu_time_total / 1e6
    totals[OUTSIDE] = totals.get(OUTSIDE, 0.0) + max(0.0, wall - sum(totals.values()))
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _print_groups(groups: dict[str, float], per: int, unit: str) -> None:
    """One line per group: its share of the profiled time and its ms per step (or text)."""
    total = sum(groups.values())
    for g, t in groups.items():
        print(f"  {g:<28}{t / total:>6.0%}{1e3 * t / per:>9.2f} ms/{unit}")


def _step_seconds(clock: list[float], skip: int) -> list[float]:
    """Each step's duration from :func:`helpers.lm.step_clock`'s times since training began,
    the first ``skip`` steps left out."""
    return [b - a for a, b in zip([0.0, *clock], clock, strict=False)][skip:]


class _TrainProfile:
    """A CPU profile of ``active`` consecutive optimizer steps of ``trainer.train()``, after the
    first ``skip`` steps (and two more to warm the profiler up). Profiling a whole run would
    distort it: the profiler's own cost grows with the events it has stored, and late steps'
    copies then ran several times slower than unprofiled (measured when this was written)."""

    def __init__(self, skip: int, active: int) -> None:
        self.skip, self.active = skip, active

    def callback(self) -> Any:
        from torch.profiler import ProfilerActivity, profile, schedule
        from transformers import TrainerCallback

        outer = self

        class Profile(TrainerCallback):
            def on_train_begin(self, *a: Any, **k: Any) -> None:
                plan = schedule(wait=outer.skip, warmup=2, active=outer.active, repeat=1)
                outer.prof = profile(activities=[ProfilerActivity.CPU], schedule=plan)
                outer.prof.__enter__()

            def on_step_end(self, *a: Any, **k: Any) -> None:
                outer.prof.step()

            def on_train_end(self, *a: Any, **k: Any) -> None:
                outer.prof.__exit__(None, None, None)

        return Profile()

    def window(self) -> tuple[Any, float]:
        """(the profiled steps' ``key_averages()``, their wall time in seconds)."""
        events = self.prof.key_averages()
        steps = [e for e in events if e.key.startswith("ProfilerStep")]
        return events, sum(e.cpu_time_total for e in steps) / 1e6


def bench_margin(n_sentences: int, epochs: int, seed: int) -> None:
    """How far this CPU's low precision moves predict's label probabilities from fp32's, over every
    sentence of the embedded corpus (:func:`helpers.predict.low_precision_moves`), for the project
    recipe trained on the protocol split: the figures ``RECHECK_MARGIN`` rests on."""
    import torch

    precision = pick_precision("auto", "cpu")
    print(
        f"margin: project recipe, first {n_sentences} train sentences, {epochs} epochs, seed "
        f"{seed}; torch {torch.__version__}, {torch.get_num_threads()} threads; CPU: {cpu_kind()}"
    )
    if precision == "fp32":
        print(
            "this CPU runs predict in fp32 (no bf16 units, or none faster than fp32): there is "
            "no low precision to measure"
        )
        return
    train, _, labels = _protocol_split(n_sentences, seed)
    with tempfile.TemporaryDirectory() as tmp:
        res = train_ner(train, None, labels, TrainConfig(epochs=epochs, seed=seed), output_dir=tmp)
    corpus = [*load_embedded("train").sentences, *load_embedded("test").sentences]
    m = low_precision_moves(res.model, res.tokenizer, [s.words for s in corpus], precision)
    print(
        f"{precision} against fp32 on {m['windows']} windows ({m['tokens']} tokens) of the "
        "embedded corpus (train and test files), weights packed as predict packs them:"
    )
    print(
        f"largest move of a label probability: {m['any_token']:.4f} on any token, "
        f"{m['first_piece']:.4f} on the tokens that carry a word's label"
    )
    print(
        f"largest move of the gap between a word's two most probable fp32 labels: {m['gap']:.4f}"
        f" (at most 2 x {m['first_piece']:.4f} = {2 * m['first_piece']:.4f})"
    )
    print(
        f"words whose label {precision} changes: {m['flips']}, their largest gap "
        f"{m['flip_gap']:.4f} in fp32 and {m['flip_gap_low']:.4f} in {precision}; predict reruns "
        f"in fp32 every window with a {precision} gap below RECHECK_MARGIN = {RECHECK_MARGIN}, "
        f"so it keeps fp32's labels: {m['flip_gap_low'] < RECHECK_MARGIN}"
    )


def profile_steps(n_train: int, epochs: int, active: int = 20) -> tuple[int, int]:
    """``(steps per epoch, steps profiled)`` of :func:`bench_profile` for ``n_train`` sentences:
    at most ``active`` steps of the epochs after the first, after 2 of warm-up (< 1: none)."""
    per_epoch = math.ceil(n_train / TrainConfig().batch_size)
    return per_epoch, min(active, per_epoch * (epochs - 1) - 2)


def bench_profile(
    n_sentences: int, epochs: int, seed: int, active: int = 20, dropout: float | None = None
) -> None:
    """Where the project recipe's training steps and helpers.predict spend their time.

    Training: ``active`` steps of the second epoch are profiled (the first epoch also fills
    the frozen layers' cache), against the median step of the second epoch on of an unprofiled
    run with the same seed. ``dropout`` as :class:`TrainConfig` (None: the checkpoint's)."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    if epochs < 2:
        raise ValueError(f"epochs={epochs}: the profile needs at least 2 (it skips the first)")
    train, held_out, labels = _protocol_split(n_sentences, seed)
    texts = [" ".join(s.words) for s in load_embedded("test")]
    cfg = TrainConfig(epochs=epochs, seed=seed, dropout=dropout)
    per_epoch, active = profile_steps(len(train), epochs, active)
    with tempfile.TemporaryDirectory() as tmp:
        clock = step_clock()
        plain = train_ner(train, None, labels, cfg, [clock], output_dir=f"{tmp}/a")
        profiled = _TrainProfile(skip=per_epoch, active=active)
        train_ner(train, None, labels, cfg, [profiled.callback()], output_dir=f"{tmp}/prof")
    steady = statistics.median(_step_seconds(clock.seconds, per_epoch))
    events, window = profiled.window()
    groups = group_times(events, window)
    cached = cfg.cache_frozen and (cfg.freeze_embeddings or cfg.freeze_layers > 0)
    tokens = real_tokens(plain.tokenizer, train)
    # the work of one later-epoch step, on average: a second epoch's work less the first's
    work = [
        training_gflop(plain.model, plain.tokenizer, train, e, cfg.freeze_layers, cached)
        for e in (1, 2)
    ]
    step_gflop = (work[1] - work[0]) / per_epoch
    peak = matmul_peak(plain.precision) if plain.precision in ("fp32", "bf16") else float("nan")
    print(
        f"profile: project recipe{'' if dropout is None else f' with dropout {dropout}'}, "
        f"embedded corpus, first {n_sentences} train sentences "
        f"({tokens} tokens), {epochs} epochs ({per_epoch} steps of {cfg.batch_size} per epoch); "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {plain.precision}; "
        f"CPU: {cpu_kind()}; ATen kernels: {torch.backends.cpu.get_cpu_capability()}"
    )
    print(
        f"training: {plain.train_seconds:.2f} s unprofiled, median step of epochs 2-{epochs} "
        f"{1e3 * steady:.1f} ms; profiled: steps {per_epoch + 3}-{per_epoch + 2 + active}, "
        f"{1e3 * window / active:.1f} ms/step"
    )
    _print_groups(groups, active, "step")
    mm = groups.get("matrix products", 0.0) / active
    print(
        f"  an average step does {step_gflop:.1f} GFLOP of matrix products on real tokens: "
        f"{step_gflop / mm:.0f} GFLOP/s inside them ({step_gflop / mm / peak:.0%} of this run's "
        f"{plain.precision} 2048x2048 peak, {peak:.0f} GFLOP/s), {step_gflop / steady:.0f} "
        f"GFLOP/s for the whole unprofiled step ({step_gflop / steady / peak:.0%})"
    )
    model, tok = plain.model.eval(), plain.tokenizer
    predict(texts[:64], model, tok, batch_size=64)  # warm-up
    t0 = time.perf_counter()
    predict(texts, model, tok, batch_size=64)
    wall = time.perf_counter() - t0
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        predict(texts, model, tok, batch_size=64)
        profiled_wall = time.perf_counter() - t0
    n_tokens = sum(len(tok(t)["input_ids"]) for t in texts)
    print(
        f"helpers.predict on {len(texts)} texts: {wall:.2f} s unprofiled, {profiled_wall:.2f} s "
        "profiled"
    )
    _print_groups(group_times(prof.key_averages(), profiled_wall), len(texts), "text")
    print(f"  {inference_gflop(model, n_tokens) / wall:.0f} GFLOP/s for the whole call")


def _compile_arm(arm: str, n: int, epochs: int, seed: int, folder: str) -> dict:
    """One arm of :func:`bench_compile`, in its own process: train the project recipe (with
    ``TrainingArguments(torch_compile=True)`` in the compiled arm), then time predict on the
    test texts with the eager arm's model (compiled with ``torch.compile(dynamic=True)`` in the
    compiled arm): the first call (compilation included) and the best of two more."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    original = train_module.training_arguments

    def arguments(*a: Any, **k: Any) -> Any:
        args = original(*a, **k)
        if arm == "compiled":  # accelerate compiles the model when a backend is named
            args.torch_compile, args.torch_compile_backend = True, "inductor"
        return args

    train, held_out, labels = _protocol_split(n, seed)
    train_module.training_arguments = arguments
    try:
        out = str(Path(folder) / f"run-{arm}")
        res = train_ner(train, None, labels, TrainConfig(epochs=epochs, seed=seed, output_dir=out))
    finally:
        train_module.training_arguments = original
    f1 = evaluate_ner(res.model, res.tokenizer, held_out)[0]["f1"]
    model_dir = Path(folder) / "eager-model"
    if arm == "eager":
        res.model.save_pretrained(model_dir)
        res.tokenizer.save_pretrained(model_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, use_safetensors=True)
    model.eval()
    if arm == "compiled":
        model.forward = torch.compile(model.forward, dynamic=True)
    texts = [" ".join(s.words) for s in load_embedded("test")]
    times, found = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        preds = predict(texts, model, tok, batch_size=64)
        times.append(time.perf_counter() - t0)
        found = [[(e.type, e.start, e.end) for e in p.entities] for p in preds]
    return {
        "arm": arm,
        "train_s": res.train_seconds,
        "f1": f1,
        "predict_first_s": times[0],
        "predict_best_s": min(times[1:]),
        "entities": found,
    }


def bench_compile(n_sentences: int, epochs: int, seed: int) -> None:
    """``torch.compile`` (inductor) for training and for helpers.predict against eager, with
    the compilation counted: each arm in its own process with an empty compile cache."""
    import torch

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for arm in ("eager", "compiled"):
            env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": str(Path(tmp) / f"cache-{arm}")}
            args = ["_compile", arm, str(n_sentences), str(epochs), str(seed), tmp]
            rows[arm] = _in_process(f"arm {arm}", args, env)
    print(
        f"torch.compile (inductor, empty cache) vs eager: project recipe, first {n_sentences} "
        f"train sentences, {epochs} epochs; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; CPU: {cpu_kind()}"
    )
    e, c = rows["eager"], rows["compiled"]
    print(
        f"training: eager {e['train_s']:.1f} s (F1 {e['f1']:.3f}), compiled {c['train_s']:.1f} s "
        f"with compilation (F1 {c['f1']:.3f}): {e['train_s'] / c['train_s']:.2f}x"
    )
    print(
        f"predict, same model: eager first call {e['predict_first_s']:.2f} s, best "
        f"{e['predict_best_s']:.2f} s; compiled first call {c['predict_first_s']:.2f} s "
        f"(compilation included), best {c['predict_best_s']:.2f} s "
        f"({e['predict_best_s'] / c['predict_best_s']:.2f}x once compiled); identical entities: "
        f"{e['entities'] == c['entities']}"
    )


# ---------------------------------------------------------------- data loading


def _write_gmb_like(path: Path, n_sent: int = 47_959, n_rows: int = 1_048_575) -> None:
    rng = random.Random(0)
    words = [
        "Thousands",
        "of",
        "demonstrators",
        "marched",
        "through",
        "the",
        "city",
        ",",
        "Café",
        "Zürich",
        '"',
        "said",
        "on",
        "Tuesday",
        ".",
    ]
    tags = ["O", "B-geo", "I-geo", "B-per", "B-tim", "B-org", "B-gpe"]
    sizes = [n_rows // n_sent] * n_sent
    for i in range(n_rows - sum(sizes)):
        sizes[i] += 1
    with open(path, "w", encoding="latin-1", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")  # the real file's quoting and line ends
        out.writerow(["Sentence #", "Word", "POS", "Tag"])
        for s, size in enumerate(sizes, 1):
            for k in range(size):
                sid = f"Sentence: {s}" if k == 0 else ""
                out.writerow([sid, rng.choice(words), "NN", rng.choice(tags)])


def _write_conll_like(path: Path, n_sent: int = 14_041, n_tok: int = 203_621) -> None:
    rng = random.Random(0)
    sizes = [n_tok // n_sent] * n_sent
    for i in range(n_tok - sum(sizes)):
        sizes[i] += 1
    with open(path, "w", encoding="utf-8") as f:
        for s, size in enumerate(sizes):
            if s % 15 == 0:
                f.write("-DOCSTART- -X- -X- O\n\n")
            for _ in range(size):
                f.write(f"EU NNP B-NP {rng.choice(['O', 'I-ORG', 'I-PER', 'B-LOC'])}\n")
            f.write("\n")


def bench_data(gmb: str | None, conll: str | None) -> None:

    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        if gmb is None:
            gmb = str(Path(tmp) / "gmb_like.csv")
            _write_gmb_like(Path(gmb))
        jobs.append(("Kaggle GMB", gmb))
        if conll is None:
            conll = str(Path(tmp) / "conll_like.txt")
            _write_conll_like(Path(conll))
        jobs.append(("CoNLL", conll))
        print(f"{'file':<12}{'format':>11}{'sentences':>11}{'tokens':>10}{'seconds':>9}  path")
        for name, path in jobs:
            t0 = time.perf_counter()
            c = load_corpus(path)
            dt = time.perf_counter() - t0
            shown = path if not path.startswith(tmp) else f"(generated) {os.path.basename(path)}"
            print(f"{name:<12}{c.format:>11}{len(c):>11}{c.n_tokens:>10}{dt:>9.2f}  {shown}")


# ---------------------------------------------------------------- recipe studies

# One change at a time, from the source's settings to the project's (all in fp32, keep="final").
ABLATION = [
    (
        "source settings: lr 2e-5, batch 16, no warm-up, all weights trained",
        {
            "learning_rate": 2e-5,
            "head_learning_rate": None,
            "warmup": 0.0,
            "batch_size": 16,
            "freeze_embeddings": False,
            "freeze_layers": 0,
            "group_by_length": False,
        },
    ),
    (
        "+ lr 3e-4 (head 3e-3), 10% warm-up",
        {
            "batch_size": 16,
            "freeze_embeddings": False,
            "freeze_layers": 0,
            "group_by_length": False,
        },
    ),
    ("+ batch 8", {"freeze_embeddings": False, "freeze_layers": 0, "group_by_length": False}),
    ("+ frozen embeddings", {"freeze_layers": 0, "group_by_length": False}),
    ("+ length-grouped batches", {"freeze_layers": 0}),
    ("+ lowest layer frozen, computed once (the project's recipe)", {}),
]


def protocol_run(
    overrides: dict,
    window: int,
    seed: int,
    validation_size: float,
    keep: str,
    n_sentences: int = 300,
    epochs: int = 7,
) -> dict:
    """Train on window ``window`` (sentences ``window*n`` … of the embedded train file), split
    80/20 with ``seed`` like the source; hold out ``validation_size`` of the 80% when asked; score
    the 20% once at the end."""

    corpus = load_embedded("train").sentences
    pool = corpus[window * n_sentences : (window + 1) * n_sentences]
    if len(pool) < n_sentences:
        raise ValueError(f"window={window}: only {len(pool)} sentences left in the train file")
    train, held_out = split_sentences(pool, 0.2, seed)
    validation = []
    if validation_size:
        train, validation = split_sentences(train, validation_size, seed)
    labels = build_label_list(s.tags for s in corpus)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(epochs=epochs, seed=seed, output_dir=tmp, keep=keep, **overrides)
        res = train_ner(train, validation, labels, cfg)
    m, _ = evaluate_ner(res.model, res.tokenizer, held_out)
    return {
        "window": window,
        "seed": seed,
        "f1": round(m["f1"], 4),
        "kept_epoch": res.kept_epoch,
        "train_sentences": len(train),
        "samples_per_s": round(len(train) * epochs / res.train_seconds, 1),
        "train_seconds": round(res.train_seconds, 2),
        "precision": res.precision,
    }


def _summary(rows: list[dict]) -> dict:
    import statistics

    f1 = [r["f1"] for r in rows]
    return {
        "mean_f1": round(statistics.mean(f1), 4),
        "sd_f1": round(statistics.stdev(f1), 4) if len(f1) > 1 else None,  # one run: no spread
        "min_f1": min(f1),
        "max_f1": max(f1),
    }


def _sd_text(summary: dict) -> str:
    """``(sd 0.031)``, or what one run has instead: no spread."""
    sd = summary["sd_f1"]
    return "(one run: no sd)" if sd is None else f"(sd {sd:.3f})"


def _write_results(out: str, what: dict, config: TrainConfig, overrides: list[str]) -> None:
    """Write a study's results file: the command, the ``config`` of its reference setting and
    the fields it sets itself (:func:`helpers.results.provenance`), the machine and the data."""
    import hashlib

    import torch

    report = {**provenance(what.pop("command"), config, overrides), **what}
    report.update(
        cpu=cpu_kind(),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        train_file_sha256=hashlib.sha256(CORPUS_TRAIN.read_bytes()).hexdigest()[:16],
    )
    print("wrote", write_results(out, report))


def bench_ablation(seeds: list[int], out: str) -> None:
    steps = []
    for name, overrides in ABLATION:
        rows = [protocol_run({**overrides, "precision": "fp32"}, 0, s, 0.0, "final") for s in seeds]
        steps.append(
            {
                "step": name,
                **_summary(rows),
                "samples_per_s": rows[0]["samples_per_s"],
                "runs": rows,
            }
        )
        print(
            f"{name:<60} mean F1 {steps[-1]['mean_f1']:.3f}  {rows[0]['samples_per_s']:.1f} "
            f"samples/s (seed {seeds[0]}'s run)"
        )
    _write_results(
        out,
        {
            "command": f"python -m helpers.bench ablation --seeds {' '.join(map(str, seeds))}",
            "protocol": "first 300 embedded train sentences, 80/20 split with the seed, 7 epochs, "
            "fp32, final epoch kept, F1 on the held-out 20% (never the test file)",
            "steps": steps,
        },
        # the reference is the last step, the project's recipe: TrainConfig's defaults in fp32;
        # the earlier steps' own settings are ABLATION's, named in "step"
        TrainConfig(epochs=7, seed=seeds[0], precision="fp32", output_dir="(temporary)"),
        ["output_dir", "precision", "seed"],
    )


def bench_recipe(windows: int, seeds: list[int], out: str) -> None:
    recipes = {
        "earlier default: 10% validation, best epoch": ({"freeze_layers": 0}, 0.1, "best"),
        "all training sentences, final epoch": ({"freeze_layers": 0}, 0.0, "final"),
        "current default: + lowest layer frozen, cached": ({}, 0.0, "final"),
    }
    result = {}
    for name, (over, val, keep) in recipes.items():
        rows = [protocol_run(over, w, s, val, keep) for w in range(windows) for s in seeds]
        result[name] = {**_summary(rows), "runs": rows}
        print(f"{name:<55} mean F1 {result[name]['mean_f1']:.3f} {_sd_text(result[name])}")
    _write_results(
        out,
        {
            "command": f"python -m helpers.bench recipe --windows {windows} "
            f"--seeds {' '.join(map(str, seeds))}",
            "protocol": "300-sentence windows of the embedded train file, each split 80/20 with "
            "the seed, 7 epochs, F1 on the held-out 20% (never the test file); the first two "
            "recipes freeze only the embeddings, the current default also its lowest layer",
            "recipes": result,
        },
        # the reference is the current default; the two earlier recipes differ in freeze_layers,
        # validation and keep, as their names say
        TrainConfig(epochs=7, seed=seeds[0], output_dir="(temporary)"),
        ["output_dir", "seed"],
    )


def bench_frozen(layers: list[int], uncached: list[int], windows: int, seeds: list[int], out: str):
    """F1 and speed of freezing (and caching) the lowest N layers, on the recipe protocol."""
    runs = [(n, True) for n in layers] + [(n, False) for n in uncached]
    result = []
    for n, cached in runs:
        over = {"freeze_layers": n, "cache_frozen": cached}
        rows = [protocol_run(over, w, s, 0.0, "final") for w in range(windows) for s in seeds]
        speed = [r["samples_per_s"] for r in rows]
        result.append(
            {
                "freeze_layers": n,
                "cached": cached,
                **_summary(rows),
                "mean_samples_per_s": round(sum(speed) / len(speed), 1),
                "runs": rows,
            }
        )
        r = result[-1]
        print(
            f"freeze_layers={n} cached={cached!s:<5} mean F1 {r['mean_f1']:.3f} {_sd_text(r)}"
            f"  {r['mean_samples_per_s']:.1f} samples/s"
        )
    _write_results(
        out,
        {
            "command": f"python -m helpers.bench frozen --layers {' '.join(map(str, layers))} "
            f"--uncached {' '.join(map(str, uncached))} --windows {windows} "
            f"--seeds {' '.join(map(str, seeds))}",
            "protocol": "300-sentence windows of the embedded train file, each split 80/20 with "
            "the seed, 7 epochs, the project's recipe with only freeze_layers/cache_frozen "
            "changed, final epoch kept, F1 on the held-out 20% (never the test file); samples/s "
            "is a mean over runs",
            "settings": result,
        },
        TrainConfig(epochs=7, seed=seeds[0], output_dir="(temporary)"),
        ["cache_frozen", "freeze_layers", "output_dir", "seed"],
    )


# The casing study's arms: TrainConfig.casing off, and its two placements.
CASING_ARMS = ("off", "after_frozen", "output")
# A placement becomes the default only if its mean paired gain over off is larger than the
# gain's standard error and it costs less than this much training time (issue 23).
MAX_SPEED_COST_PCT = 5.0


def rotated(arms: tuple[str, ...], i: int) -> tuple[str, ...]:
    """The order the arms run in on the ``i``-th split: rotated by ``i``, so that no arm always
    runs first (a loaded machine or a warm cache would favour one)."""
    k = i % len(arms)
    return arms[k:] + arms[:k]


def _mean_sd_se(xs: list[float]) -> tuple[float, float, float]:
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return statistics.mean(xs), sd, sd / math.sqrt(len(xs))


def paired_summary(runs: dict[str, list[dict]], reference: str) -> dict[str, dict]:
    """Per arm: F1 mean, sd and standard error, mean train seconds, and for the other arms the
    paired difference from ``reference`` (same window and seed) with its sd and standard error,
    and the speed cost: mean train seconds over the reference's, in percent (negative: faster)."""
    base = runs[reference]
    key = [(r["window"], r["seed"]) for r in base]
    seconds_ref = statistics.mean(r["train_seconds"] for r in base)
    out = {}
    for arm, rows in runs.items():
        if [(r["window"], r["seed"]) for r in rows] != key:
            raise ValueError(f"arm {arm!r}: its runs are not on {reference}'s windows and seeds")
        mean, sd, se = _mean_sd_se([r["f1"] for r in rows])
        seconds = statistics.mean(r["train_seconds"] for r in rows)
        entry = {"n": len(rows), "mean_f1": mean, "sd_f1": sd, "se_f1": se}
        entry["mean_train_seconds"] = seconds
        if arm != reference:
            diff = [r["f1"] - b["f1"] for r, b in zip(rows, base, strict=True)]
            d_mean, d_sd, d_se = _mean_sd_se(diff)
            entry.update(
                {f"diff_vs_{reference}": d_mean},
                diff_sd=d_sd,
                diff_se=d_se,
                speed_cost_pct=100 * (seconds / seconds_ref - 1),
            )
        out[arm] = {**entry, "runs": rows}
    return out


# decimals of a paired summary's figures in a results file; the rules decide on the exact ones
# (a 0.04% speed-up rounded to -0.0 is still faster)
STORED_DECIMALS = {"seconds": 2, "pct": 1}


def stored(summary: dict[str, dict]) -> dict[str, dict]:
    """A :func:`paired_summary` rounded for its results file: F1 figures to 4 decimals, seconds to
    2, percentages to 1."""

    def decimals(key: str) -> int:
        return next((d for end, d in STORED_DECIMALS.items() if key.endswith(end)), 4)

    return {
        arm: {k: round(v, decimals(k)) if isinstance(v, float) else v for k, v in entry.items()}
        for arm, entry in summary.items()
    }


def casing_summary(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """:func:`paired_summary` against casing ``"off"``."""
    return paired_summary(runs, "off")


def paired_runs(
    arms: dict[str, dict], windows: int, seeds: list[int], run: Callable[..., dict]
) -> tuple[dict[str, list[dict]], list[list[str]]]:
    """Every arm (name: TrainConfig overrides) on every window x seed of the recipe protocol,
    the arms in a :func:`rotated` order per split. Returns each arm's runs, stored in one split
    order so they line up across arms (each with ``ran``: its place in its split's order), and
    the order of every split."""
    names = tuple(arms)
    runs: dict[str, list[dict]] = {arm: [] for arm in names}
    order = []
    for i, (w, s) in enumerate((w, s) for w in range(windows) for s in seeds):
        ordered = rotated(names, i)
        order.append(list(ordered))
        done = {arm: run(dict(arms[arm]), w, s, 0.0, "final") for arm in ordered}
        for arm in names:
            runs[arm].append({**done[arm], "ran": ordered.index(arm) + 1})
        shown = [f"{a} F1 {done[a]['f1']:.3f} ({done[a]['train_seconds']:.1f} s)" for a in ordered]
        print(f"window {w} seed {s}: " + ", ".join(shown), flush=True)
    return runs, order


def casing_decision(summary: dict[str, dict]) -> str | None:
    """The placement that becomes the default, or None (casing stays off): among the placements
    whose mean paired gain is larger than its standard error and whose speed cost is under
    :data:`MAX_SPEED_COST_PCT`, the one with the larger gain."""
    passing = [
        arm
        for arm, s in summary.items()
        if arm != "off"
        and s["diff_vs_off"] > s["diff_se"]
        and s["speed_cost_pct"] < MAX_SPEED_COST_PCT
    ]
    return max(passing, key=lambda a: summary[a]["diff_vs_off"], default=None)


def bench_casing(
    windows: int, seeds: list[int], out: str, run: Callable[..., dict] = protocol_run
) -> dict:
    """The casing study: every arm of :data:`CASING_ARMS` on every window x seed of the recipe
    protocol (:func:`protocol_run`), the arms in a :func:`rotated` order per split; writes
    ``out`` and returns its summary. ``run`` is the protocol (tests pass a cheap one)."""
    runs, order = paired_runs({arm: {"casing": arm} for arm in CASING_ARMS}, windows, seeds, run)
    summary = casing_summary(runs)
    decision = casing_decision(summary)
    for arm, r in summary.items():
        extra = (
            f"  diff {r['diff_vs_off']:+.4f} ± {r['diff_se']:.4f}, speed cost "
            f"{r['speed_cost_pct']:+.1f}%"
            if arm != "off"
            else ""
        )
        print(
            f"{arm:<13} mean F1 {r['mean_f1']:.4f} (sd {r['sd_f1']:.4f}, se {r['se_f1']:.4f}), "
            f"{r['mean_train_seconds']:.1f} s{extra}"
        )
    print("default by the rule:", decision or "off")
    _write_results(
        out,
        {
            "command": f"python -m helpers.bench casing --windows {windows} "
            f"--seeds {' '.join(map(str, seeds))}",
            "protocol": "300-sentence windows of the embedded train file, each split 80/20 with "
            "the seed, 7 epochs, the default recipe with only TrainConfig.casing changed, final "
            "epoch kept, F1 on the held-out 20% (never the test file); every arm runs on the same "
            "splits, in the order listed in run_order (rotated), so differences are paired; "
            "train_seconds is the Trainer's training time of one run",
            "rule": f"a placement becomes the default if its mean paired difference vs off is "
            f"larger than its standard error and its speed cost is under {MAX_SPEED_COST_PCT}%",
            "arms": stored(summary),
            "run_order": order,
            "decision": decision or "off",
        },
        # the reference is the default recipe; the arms differ in casing only
        TrainConfig(epochs=7, seed=seeds[0], output_dir="(temporary)"),
        ["casing", "output_dir", "seed"],
    )
    return summary


# Recipe changes that would make training faster (issue 22), each against the default. A lever
# keeps F1 if its mean paired loss is smaller than the loss's standard error.
LEVERS = {
    "default": {},
    "batch 16": {"batch_size": 16},
    "batch 16, lr 4e-4": {"batch_size": 16, "learning_rate": 4e-4},
    "batch 16, lr 5e-4, head 5e-3": {
        "batch_size": 16,
        "learning_rate": 5e-4,
        "head_learning_rate": 5e-3,
    },
    "no dropout": {"dropout": 0.0},
}


def lever_verdict(entry: dict) -> str:
    """Whether a lever (a :func:`paired_summary` entry vs the default) is faster and keeps F1."""
    faster = entry["speed_cost_pct"] < 0
    keeps = entry["diff_vs_default"] >= -entry["diff_se"]  # no change at all keeps F1
    if faster and keeps:
        return "faster, F1 within its noise"
    return ("faster" if faster else "not faster") + (", F1 kept" if keeps else ", loses F1")


def bench_levers(
    windows: int, seeds: list[int], out: str, run: Callable[..., dict] = protocol_run
) -> dict:
    """Each of :data:`LEVERS` on every window x seed of the recipe protocol, paired with the
    default and run in a rotated order; writes ``out`` and returns its summary."""
    runs, order = paired_runs(LEVERS, windows, seeds, run)
    summary = paired_summary(runs, "default")
    for arm, r in summary.items():
        if arm != "default":
            r["verdict"] = lever_verdict(r)
    for arm, r in summary.items():
        speed = statistics.mean(x["samples_per_s"] for x in r["runs"])
        extra = ""
        if arm != "default":
            extra = (
                f"  diff {r['diff_vs_default']:+.4f} ± {r['diff_se']:.4f}, time "
                f"{r['speed_cost_pct']:+.1f}%: {r['verdict']}"
            )
        print(
            f"{arm:<30} mean F1 {r['mean_f1']:.4f} (sd {r['sd_f1']:.4f}), "
            f"{speed:.1f} samples/s{extra}"
        )
    overrides = sorted({k for over in LEVERS.values() for k in over} | {"output_dir", "seed"})
    _write_results(
        out,
        {
            "command": f"python -m helpers.bench levers --windows {windows} "
            f"--seeds {' '.join(map(str, seeds))}",
            "protocol": "300-sentence windows of the embedded train file, each split 80/20 with "
            "the seed, 7 epochs, the default recipe with only the arm's settings changed, final "
            "epoch kept, F1 on the held-out 20% (never the test file); every arm runs on the same "
            "splits, in the order listed in run_order (rotated), so differences are paired; "
            "train_seconds is the Trainer's training time of one run",
            "rule": "a lever keeps F1 if its mean paired difference vs the default is at least "
            "minus its standard error",
            "levers": {name: LEVERS[name] for name in summary},
            "arms": stored(summary),
            "run_order": order,
        },
        # the reference is the default recipe; the arms' own settings are in "levers"
        TrainConfig(epochs=7, seed=seeds[0], output_dir="(temporary)"),
        overrides,
    )
    return summary


def _each_once(flag: str, values: list[int], what: str) -> None:
    """Refuse a value given twice: ``--seeds 42 43 42: 42 twice; expected each seed once``."""
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        shown = " ".join(map(str, values))
        raise ValueError(f"{flag} {shown}: {twice[0]} twice; expected each {what} once")


def check_options(args: argparse.Namespace) -> None:
    """What the study commands' options must hold, checked before any run starts: ``ValueError``
    naming the option, or the file (``CorpusError``, or ``OSError`` for a missing file or a
    folder), which ``main`` turns into a usage error. A ``--n-sentences`` beyond the data is
    refused, not cut; a user's file is split and its words tokenized as every run will. Every
    command that trains asks for a visible GPU to be hidden: the Trainer would train on it,
    while the speed figures are the CPU's (shares of its matmul peak, its bf16) and the studies'
    results files record the CPU they ran on."""
    import torch

    if getattr(args, "rounds", 1) < 1:
        raise ValueError(f"--rounds {args.rounds}: expected an integer >= 1")
    if getattr(args, "epochs", 1) < 1:
        raise ValueError(f"--epochs {args.epochs}: expected an integer >= 1")
    seeds = [*([args.seed] if hasattr(args, "seed") else []), *getattr(args, "seeds", [])]
    bad_seeds = [s for s in seeds if not is_seed(s)]
    if bad_seeds:
        flag = "--seeds" if hasattr(args, "seeds") else "--seed"
        raise ValueError(f"{flag} {bad_seeds[0]}: expected {SEED_EXPECTED}")
    # a repeated seed repeats a paired run and understates the standard errors
    _each_once("--seeds", getattr(args, "seeds", []), "seed")
    dropout = getattr(args, "dropout", None)
    if dropout is not None and not (math.isfinite(dropout) and 0 <= dropout < 1):
        raise ValueError(f"--dropout {dropout}: expected a fraction in [0, 1)")
    if args.what == "profile" and args.epochs < 2:
        raise ValueError(
            f"--epochs {args.epochs}: the profile needs at least 2 (it skips the first)"
        )
    if getattr(args, "out", None) is not None:
        check_results_path(args.out)  # not only after the runs, when writing
    for flag in ("gmb", "conll"):  # bench data's files: read them before any timing
        if getattr(args, flag, None):
            load_corpus(getattr(args, flag))
    windows = getattr(args, "windows", None)
    if windows is not None:  # windows of 300 sentences of the embedded train file (protocol_run)
        most = len(load_embedded("train").sentences) // 300
        if not 1 <= windows <= most:
            raise ValueError(f"--windows {windows}: expected an integer from 1 to {most}")
    runs_per_arm = getattr(args, "windows", 0) * len(getattr(args, "seeds", []))
    if args.what in ("casing", "levers") and runs_per_arm < 2:  # their rules need a spread
        raise ValueError(
            f"--windows {args.windows} --seeds {' '.join(map(str, args.seeds))}: one run per arm; "
            "the rule compares each gain with its standard error, which needs at least 2 "
            "(windows x seeds)"
        )
    if args.what == "frozen":
        for flag, values in (("--layers", args.layers), ("--uncached", args.uncached)):
            _each_once(flag, values, "number of layers")
        if not args.layers and not args.uncached:
            raise ValueError("--layers and --uncached are both empty: expected a setting to run")
    layers = [*getattr(args, "layers", []), *getattr(args, "uncached", [])]
    if layers:
        n_layers = load_config(TrainConfig().model_name).num_hidden_layers  # the studies' model
        bad = [n for n in layers if not 0 <= n <= n_layers]
        if bad:
            raise ValueError(f"--layers/--uncached {bad}: expected integers from 0 to {n_layers}")
    n = getattr(args, "n_sentences", None)
    if n is not None:
        if n < 1:
            raise ValueError(f"--n-sentences {n}: expected an integer >= 1")
        data = getattr(args, "data", None)
        pool = len((load_corpus(data) if data else load_embedded("train")).sentences)
        if n > pool:
            source = data or "the embedded train file"
            raise ValueError(f"--n-sentences {n}: {source} has only {pool} sentences")
        # the split every run makes (a --test file read, a pool too small to split), made now
        # instead of in the first run's worker process
        try:
            train, held_out, _ = _protocol_split(n, args.seed, data, getattr(args, "test", None))
        except ValueError as e:
            if "leaves an empty" not in str(e):
                raise  # a bad --test file names itself
            raise ValueError(f"--n-sentences {n}: too few to split 80/20 ({e})") from None
        if args.what == "profile":  # steps of the later epochs to profile, after 2 of warm-up
            per_epoch, active = profile_steps(len(train), args.epochs)
            if active < 1:
                raise ValueError(
                    f"--n-sentences {n} --epochs {args.epochs}: {per_epoch} steps per epoch leave "
                    "no step to profile after the first epoch and 2 of warm-up; expected more"
                )
        if data or getattr(args, "test", None):  # a user's file: every word must give a token
            tokenizer = load_tokenizer(TrainConfig().model_name)
            for sentences in (train, held_out):
                check_scorable(sentences, tokenizer)
    # last: a bad option is named on any machine, GPU or not
    if args.what != "data" and torch.cuda.is_available():
        raise ValueError(
            f"{args.what} runs on the CPU (its figures and results files are the CPU's), but a "
            "GPU is visible and the Trainer would train on it; run it with the GPU hidden: "
            f"CUDA_VISIBLE_DEVICES= python -m helpers.bench {args.what} ..."
        )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_recipe"]:
        recipe, n, epochs, seed, out, data, test = argv[1:8]
        figures = run_recipe(
            recipe,
            int(n),
            int(epochs),
            int(seed),
            out,
            None if data == "-" else data,
            None if test == "-" else test,
        )
        print(json.dumps(figures))
        return 0
    if argv[:1] == ["_compile"]:
        arm, n, epochs, seed, folder = argv[1:6]
        print(json.dumps(_compile_arm(arm, int(n), int(epochs), int(seed), folder)))
        return 0
    ap = argparse.ArgumentParser(prog="python -m helpers.bench")
    sub = ap.add_subparsers(dest="what", required=True)
    ner = sub.add_parser("ner", help="naive vs project training, predict vs pipeline")
    ner.add_argument("--n-sentences", type=int, default=300)
    ner.add_argument("--epochs", type=int, default=7)
    ner.add_argument("--seed", type=int, default=42)
    ner.add_argument("--data", help="your corpus (any format helpers.data reads) instead of ours")
    ner.add_argument("--test", help="score on this file instead of 20%% of the training side")
    ner.add_argument(
        "--rounds", type=int, default=1,
        help="run every recipe this many times (rotated order); speed-ups: median over rounds",
    )  # fmt: skip
    data = sub.add_parser("data", help="time load_corpus on GMB- and CoNLL-sized files")
    data.add_argument("--gmb")
    data.add_argument("--conll")
    abl = sub.add_parser("ablation", help="source → project recipe, one change at a time")
    abl.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    abl.add_argument("--out", default="notebooks/results/ner_ablation.json")
    rec = sub.add_parser("recipe", help="previous vs current default over windows and seeds")
    rec.add_argument("--windows", type=int, default=3)
    rec.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    rec.add_argument("--out", default="notebooks/results/ner_recipe.json")
    cas = sub.add_parser("casing", help="casing feature off vs its two placements")
    cas.add_argument("--windows", type=int, default=3)
    cas.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    cas.add_argument("--out", default="notebooks/results/ner_casing.json")
    lev = sub.add_parser("levers", help="faster recipes (batch 16, no dropout) vs the default")
    lev.add_argument("--windows", type=int, default=3)
    lev.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    lev.add_argument("--out", default="notebooks/results/ner_levers.json")
    frz = sub.add_parser("frozen", help="F1 and speed of freezing + caching the lowest N layers")
    frz.add_argument("--layers", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    frz.add_argument("--uncached", type=int, nargs="*", default=[1, 2])
    frz.add_argument("--windows", type=int, default=3)
    frz.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    frz.add_argument("--out", default="notebooks/results/ner_frozen.json")
    for name, text in (
        ("profile", "where the project recipe's steps and predict spend their time"),
        ("compile", "torch.compile vs eager for training and predict, compilation counted"),
        ("margin", "how far bf16 moves predict's label probabilities (RECHECK_MARGIN)"),
    ):
        one = sub.add_parser(name, help=text)
        one.add_argument("--n-sentences", type=int, default=300)
        one.add_argument("--epochs", type=int, default=7)
        one.add_argument("--seed", type=int, default=42)
        if name == "profile":
            help_text = "dropout of every layer (default: the checkpoint's)"
            one.add_argument("--dropout", type=float, help=help_text)
    args = ap.parse_args(argv)
    try:
        check_options(args)
    except (ValueError, OSError) as e:  # CorpusError is a ValueError; a folder, a missing file
        ap.error(str(e))  # exit status 2, no traceback
    if args.what == "profile":
        bench_profile(args.n_sentences, args.epochs, args.seed, dropout=args.dropout)
    elif args.what == "compile":
        bench_compile(args.n_sentences, args.epochs, args.seed)
    elif args.what == "margin":
        bench_margin(args.n_sentences, args.epochs, args.seed)
    elif args.what == "ner":
        bench_ner(args.n_sentences, args.epochs, args.seed, args.data, args.test, args.rounds)
    elif args.what == "ablation":
        bench_ablation(args.seeds, args.out)
    elif args.what == "recipe":
        bench_recipe(args.windows, args.seeds, args.out)
    elif args.what == "casing":
        bench_casing(args.windows, args.seeds, args.out)
    elif args.what == "levers":
        bench_levers(args.windows, args.seeds, args.out)
    elif args.what == "frozen":
        bench_frozen(args.layers, args.uncached, args.windows, args.seeds, args.out)
    else:
        bench_data(args.gmb, args.conll)
    return 0


if __name__ == "__main__":
    sys.exit(main())
