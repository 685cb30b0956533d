"""Pseudo-labelling (self-training) for NER: a few labelled sentences, many unlabelled ones.

Round 0 trains on the labelled sentences only. Each later round lets the latest model tag the
sentences still in the unlabelled pool, keeps those it is confident about (:func:`select`), adds
them with their predicted tags to the training set (they leave the pool and keep those tags), and
trains a fresh model from the pre-trained checkpoint on labelled + pseudo-labelled sentences.

The unlabelled pool is passed as words only (:func:`hide_labels`); the gold tags of the pool are
used only afterwards, to report how good the pseudo labels were (:func:`pseudo_label_quality`),
never to choose them. Taught in notebooks/08_pseudo_labelling.ipynb.

``python -m helpers.pseudo_label --seeds 3 --out notebooks/results/pseudo_labelling.json`` runs
the experiment over several seeds and writes a results file.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.alignment import tokenless_words
from helpers.data import Sentence, load_embedded
from helpers.labels import GMB_TYPES, entity_spans, labels_for_types, repair_bio
from helpers.models import (
    DEFAULT_MODEL,
    ModelLoadError,
    cpu_kind,
    default_device,
    load_tokenizer,
    pick_precision,
)
from helpers.params import (
    is_int,
    need_choice,
    need_defined,
    need_int,
    need_number,
    need_probability,
    need_seed,
    need_text,
    refuse_list,
)
from helpers.predict import predict_word_tags
from helpers.results import check_results_path, command_line, provenance, write_results
from helpers.train import TrainConfig, check_model_fits, evaluate_ner, train_ner

RULES = ("min", "mean")


def check_pseudo_label_params(values: Mapping[str, Any]) -> None:
    """The parameters of notebooks/08_pseudo_labelling.ipynb (pass ``globals()``) that are not
    :class:`helpers.train.TrainConfig` fields (its ``validate`` checks ``epochs``, ``seed`` and
    ``precision``): the first bad one raises ``ValueError`` naming it, before a model loads."""
    p = need_defined(values, [
        "model_name", "n_labelled", "n_unlabelled", "threshold", "rule", "rounds", "sweep",
        "results_file", "f1_floor",
    ])  # fmt: skip
    need_text("model_name", p["model_name"])
    need_int("n_labelled", p["n_labelled"], 1)
    need_int("n_unlabelled", p["n_unlabelled"], 1)
    need_number("threshold", p["threshold"], 0, 1, high_open=False)
    need_choice("rule", p["rule"], RULES)
    need_int("rounds", p["rounds"], 1)
    sweep = p["sweep"]
    if not isinstance(sweep, (list, tuple)) or not sweep:
        refuse_list("sweep", sweep, "a non-empty list of thresholds in [0, 1]")
    for t in sweep:
        need_number("sweep item", t, 0, 1, high_open=False)
    need_text("results_file", p["results_file"])
    need_number("f1_floor", p["f1_floor"], 0, 1, high_open=False)


# ---------------------------------------------------------------- data


def hide_labels(sentences: Sequence[Sentence]) -> list[list[str]]:
    """Words only: what the unlabelled pool is allowed to show the pseudo-labelling loop."""
    return [list(s.words) for s in sentences]


def split_labelled(
    sentences: Sequence[Sentence], n_labelled: int, n_unlabelled: int | None = None, seed: int = 0
) -> tuple[list[Sentence], list[Sentence]]:
    """Draw ``n_labelled`` sentences at random (``seed``); the next ``n_unlabelled`` form the pool.

    Returns ``(labelled, pool)``, both with their gold tags; the caller hides the pool's tags
    (:func:`hide_labels`) before the loop sees it. ``n_unlabelled=None``: all the rest.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    if not is_int(n_labelled) or not 1 <= n_labelled < len(sentences):
        raise ValueError(
            f"n_labelled={n_labelled!r}: expected an integer in 1..{len(sentences) - 1}"
        )
    rest_max = len(sentences) - n_labelled
    if n_unlabelled is not None and (not is_int(n_unlabelled) or not 1 <= n_unlabelled <= rest_max):
        raise ValueError(
            f"n_unlabelled={n_unlabelled!r}: expected None or an integer in 1..{rest_max}"
        )
    need_seed("seed", seed)  # None drew a different split on every call
    order = list(range(len(sentences)))
    random.Random(seed).shuffle(order)
    pool_idx = order[n_labelled:]
    if n_unlabelled is not None:
        pool_idx = pool_idx[:n_unlabelled]
    return [sentences[i] for i in order[:n_labelled]], [sentences[i] for i in pool_idx]


# ---------------------------------------------------------------- selection


def sentence_confidence(confidences: Sequence[float], rule: str = "min") -> float:
    """One number per sentence from its words' confidences: their minimum or their mean.

    Taught in notebooks/08_pseudo_labelling.ipynb."""
    if rule not in RULES:
        raise ValueError(f"rule={rule!r}: expected one of {RULES}")
    if not len(confidences):
        raise ValueError("a sentence with no words has no confidence")
    low = min(confidences)
    if rule == "min":
        return low
    # rounding can put a float mean a hair below the minimum ([0.7] * 3 gives 0.6999...98), so a
    # sentence "min" keeps at a threshold would fail "mean": the mean never leaves [min, max]
    return min(max(sum(confidences) / len(confidences), low), max(confidences))


def select(
    confidences: Sequence[Sequence[float]], threshold: float, rule: str = "min"
) -> list[int]:
    """Indices of the sentences whose confidence (:func:`sentence_confidence`) is >= ``threshold``.

    ``rule="min"``: every word's confidence must reach the threshold; ``"mean"``: their average.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    need_probability("threshold", threshold)  # True, "0.5" (a TypeError), NaN: refused by name
    return [i for i, c in enumerate(confidences) if sentence_confidence(c, rule) >= threshold]


def _words_only(pool: Sequence[Any]) -> list[list[str]]:
    bad = next(
        (
            i
            for i, s in enumerate(pool)
            if isinstance(s, (str, Sentence))
            or not isinstance(s, Sequence)
            or not all(isinstance(w, str) for w in s)
        ),
        None,
    )
    if bad is not None:
        raise TypeError(
            f"pool[{bad}] is a {type(pool[bad]).__name__}: the unlabelled pool must be lists of "
            "words only (use hide_labels(sentences)), so that no gold tag can reach the selection"
        )
    empty = [i for i, s in enumerate(pool) if not len(s)]
    if empty:
        raise ValueError(f"pool[{empty[0]}] has no words: every unlabelled sentence needs words")
    return [list(s) for s in pool]


def _check_tokens(words: list[list[str]], tokenizer: Any) -> None:
    """Refuse, naming it, a pool word that gives no token: the model would give it a guessed
    tag at confidence 0, which the mean rule or a threshold of 0 could select, and training on
    that pseudo label would then fail."""
    for i, missing in tokenless_words(words, tokenizer):
        raise ValueError(
            f"pool[{i}]: word {missing[0] + 1} ({words[i][missing[0]]!r}) gives no token: the "
            "model cannot tag it; remove such words (zero-width spaces, soft hyphens, lone "
            "control characters) from the pool"
        )


@dataclass
class PseudoLabels:
    """The model's tags and word confidences for a pool, and which sentences passed."""

    tags: list[list[str]]
    confidences: list[list[float]]
    selected: list[int]


def pseudo_label(
    model: Any,
    tokenizer: Any,
    pool: Sequence[Sequence[str]],
    threshold: float,
    rule: str = "min",
) -> PseudoLabels:
    """Tag the unlabelled ``pool`` (lists of words, nothing else) and select the confident ones.

    Predicted tags are read as IOB2 spans (:func:`helpers.labels.repair_bio`), as scoring does,
    so a stray ``I-x`` after ``O`` becomes ``B-x`` in the pseudo label.
    Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    words = _words_only(pool)
    _check_tokens(words, tokenizer)
    # fp32: a confidence threshold selects sentences, and bf16 moves confidences by a few 0.01
    tags, conf = predict_word_tags(model, tokenizer, words, precision="fp32")
    tags = [repair_bio(t) for t in tags]
    return PseudoLabels(tags, conf, select(conf, threshold, rule))


# ---------------------------------------------------------------- report-only scoring


def pseudo_label_quality(
    pseudo: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]
) -> dict[str, float | int]:
    """Entity precision/recall of pseudo labels against the hidden gold tags of the same sentences.

    For the report only, after selection. ``entities`` counts gold entities, ``predicted`` the
    pseudo-labelled ones, ``correct`` those with the right type and exact span (seqeval's
    default entity match; both sides are read as IOB2 spans). An undefined precision or recall
    is NaN.
    """
    if len(pseudo) != len(gold):
        raise ValueError(f"{len(pseudo)} pseudo-labelled sentences but {len(gold)} gold ones")
    g = p = c = 0
    for a, b in zip(pseudo, gold, strict=True):
        if len(a) != len(b):
            raise ValueError(f"{len(a)} pseudo tags for {len(b)} gold tags in one sentence")
        pa, gb = set(entity_spans(a)), set(entity_spans(b))
        g, p, c = g + len(gb), p + len(pa), c + len(pa & gb)
    nan = float("nan")
    return {
        "precision": c / p if p else nan,
        "recall": c / g if g else nan,
        "f1": 2 * c / (p + g) if p + g else 0.0,  # seqeval's value when neither side has any
        "entities": g,
        "predicted": p,
        "correct": c,
    }


def threshold_sweep(
    tags: Sequence[Sequence[str]],
    confidences: Sequence[Sequence[float]],
    gold: Sequence[Sequence[str]],
    thresholds: Sequence[float],
    rule: str = "min",
) -> list[dict[str, float | int]]:
    """For each threshold: sentences kept, pseudo-label precision, and the share of the pool's
    gold entities that became correct pseudo labels (``coverage``, a recall over the whole pool).

    Report only: the gold tags are read after each selection. Taught in
    notebooks/08_pseudo_labelling.ipynb.
    """
    if not len(tags) == len(confidences) == len(gold):
        raise ValueError(
            f"{len(tags)} tag lists, {len(confidences)} confidence lists and {len(gold)} gold tag "
            "lists: expected one of each per pool sentence"
        )
    all_gold = sum(len(entity_spans(t)) for t in gold)
    rows = []
    for th in thresholds:
        keep = select(confidences, th, rule)
        q = pseudo_label_quality([tags[i] for i in keep], [gold[i] for i in keep])
        rows.append(
            {
                "threshold": th,
                "kept": len(keep),
                "kept_share": len(keep) / len(tags) if tags else float("nan"),
                "precision": q["precision"],
                "recall_in_kept": q["recall"],
                "coverage": q["correct"] / all_gold if all_gold else float("nan"),
                "wrong_entities": q["predicted"] - q["correct"],
            }
        )
    return rows


# ---------------------------------------------------------------- the loop


def score(model: Any, tokenizer: Any, test: Sequence[Sentence]) -> dict[str, float]:
    """Entity precision, recall and F1 of ``model`` on ``test``, scored by
    :func:`helpers.train.evaluate_ner` (which refuses a gold word without a token)."""
    m, _ = evaluate_ner(model, tokenizer, test)
    return {k: m[k] for k in ("precision", "recall", "f1")}


@dataclass
class Round:
    """One round: what the model was trained on and how it scored on the test split."""

    round: int
    n_new: int  # sentences pseudo-labelled in this round
    n_pseudo: int  # pseudo-labelled sentences in the training set (all rounds so far)
    n_train: int  # labelled + pseudo-labelled
    retrained: bool  # False when no new sentence passed: the previous model is kept
    test: dict[str, float]
    train_seconds: float
    new_quality: dict[str, float | int] = field(default_factory=dict)  # report only
    all_quality: dict[str, float | int] = field(default_factory=dict)  # report only
    reinforcement: dict[str, float | int] = field(default_factory=dict)  # report only


@dataclass
class PseudoRun:
    """Every round of one pseudo-labelling run, plus what the caller needs to look inside."""

    threshold: float
    rule: str
    rounds: list[Round]
    pseudo: dict[int, tuple[int, list[str]]]  # pool index -> (round it joined, its pseudo tags)
    last_labels: PseudoLabels | None  # the last round's predictions on the pool it tagged
    model: Any = None
    tokenizer: Any = None

    def f1(self) -> list[float]:
        """Test F1 after each round, round 0 (labelled only) first."""
        return [r.test["f1"] for r in self.rounds]


def reinforcement(
    old_tags: Sequence[Sequence[str]],
    old_conf: Sequence[Sequence[float]],
    new_tags: Sequence[Sequence[str]],
    new_conf: Sequence[Sequence[float]],
    gold: Sequence[Sequence[str]],
) -> dict[str, float | int]:
    """Do wrong pseudo labels survive retraining on them? (report only)

    ``old_*``: the pseudo labels a model gave some sentences; ``new_*``: what the model retrained
    on them predicts for the same sentences. Among the words whose pseudo tag was wrong
    (``wrong_words``): how many the retrained model still tags the same wrong way (``kept_wrong``),
    and the mean confidence over all of those words, before (in the pseudo tag) and after (in
    whatever tag the retrained model now gives, kept or not; with ``kept_share`` near 1 nearly
    all of it is confidence in the kept errors). Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    wrong = kept = 0
    before: list[float] = []
    after: list[float] = []
    for ot, oc, nt, nc, g in zip(old_tags, old_conf, new_tags, new_conf, gold, strict=True):
        for i, (o, t) in enumerate(zip(ot, g, strict=True)):
            if o != t:
                wrong += 1
                kept += nt[i] == o
                before.append(oc[i])
                after.append(nc[i])
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
    return {
        "wrong_words": wrong,
        "kept_wrong": kept,
        "kept_share": kept / wrong if wrong else float("nan"),
        "confidence_before": mean(before),
        "confidence_after": mean(after),
    }


def run(
    labelled: Sequence[Sentence],
    pool: Sequence[Sequence[str]],
    test: Sequence[Sentence],
    labels: list[str],
    config: TrainConfig,
    threshold: float = 0.5,
    rounds: int = 1,
    rule: str = "min",
    pool_gold: Sequence[Sequence[str]] | None = None,
    start: tuple[Any, Any, Round] | None = None,
    verbose: bool = False,
) -> PseudoRun:
    """Round 0 on ``labelled`` only, then ``rounds`` rounds of pseudo-labelling ``pool``.

    ``pool`` holds words only; ``pool_gold`` (optional) is read after each selection to fill the
    report fields and never changes what is selected. Each round trains a fresh model from
    ``config.model_name`` with the same recipe and keeps its final epoch (nothing is scored
    during training: there is no labelled data to spare, and the test split chooses nothing).
    ``start=(model, tokenizer, round0)`` reuses a round-0 model trained
    on the same labelled sentences with the same config; it is only read, never trained further.
    ``PseudoRun.model`` is the last round's model. Taught in
    notebooks/08_pseudo_labelling.ipynb.
    """
    words = _words_only(pool)
    need_int("rounds", rounds, 0)  # True used to run one round
    if pool_gold is not None and [len(g) for g in pool_gold] != [len(w) for w in words]:
        raise ValueError("pool_gold must have one tag per word of each pool sentence")
    select([], threshold, rule)  # validates threshold and rule before any training
    sentence_confidence([1.0], rule)
    _check_tokens(words, start[1] if start else load_tokenizer(config.model_name))
    labelled = list(labelled)
    if start is None:
        res = train_ner(labelled, None, labels, config)
        model, tok = res.model, res.tokenizer
        first = Round(0, 0, 0, len(labelled), True, score(model, tok, test), res.train_seconds)
    else:
        model, tok, first = start
    out = PseudoRun(threshold, rule, [first], {}, None, model, tok)
    remaining = list(range(len(words)))
    for r in range(1, rounds + 1):
        t0 = time.perf_counter()
        pl = pseudo_label(model, tok, [words[i] for i in remaining], threshold, rule)
        out.last_labels = pl
        new = [remaining[k] for k in pl.selected]
        for k in pl.selected:
            out.pseudo[remaining[k]] = (r, pl.tags[k])
        chosen = set(new)
        remaining = [i for i in remaining if i not in chosen]
        rec = Round(
            r,
            len(new),
            len(out.pseudo),
            len(labelled) + len(out.pseudo),
            bool(new),
            dict(out.rounds[-1].test),
            0.0,
        )
        if new:
            order = sorted(out.pseudo)
            train = labelled + [Sentence(words[i], out.pseudo[i][1], None, None) for i in order]
            res = train_ner(train, None, labels, config)
            model, tok = res.model, res.tokenizer
            rec.test = score(model, tok, test)
            rec.train_seconds = res.train_seconds
        if pool_gold is not None:  # report only: everything below comes after the selection
            new_tags = [pl.tags[k] for k in pl.selected]
            rec.new_quality = pseudo_label_quality(new_tags, [pool_gold[i] for i in new])
            rec.all_quality = pseudo_label_quality(
                [out.pseudo[i][1] for i in sorted(out.pseudo)],
                [pool_gold[i] for i in sorted(out.pseudo)],
            )
            if new:
                again, again_conf = predict_word_tags(
                    model, tok, [words[i] for i in new], precision="fp32"
                )
                rec.reinforcement = reinforcement(
                    new_tags,
                    [pl.confidences[k] for k in pl.selected],
                    [repair_bio(t) for t in again],
                    again_conf,
                    [pool_gold[i] for i in new],
                )
        if verbose:
            print(
                f"round {r}: +{len(new)} sentences, test F1 {rec.test['f1']:.3f} "
                f"({time.perf_counter() - t0:.0f} s)"
            )
        out.rounds.append(rec)
    out.model, out.tokenizer = model, tok
    return out


def ceiling(
    labelled: Sequence[Sentence],
    pool: Sequence[Sentence],
    test: Sequence[Sentence],
    labels: list[str],
    config: TrainConfig,
) -> tuple[dict[str, float], float]:
    """The fully labelled ceiling: the same recipe on labelled + the whole pool with gold tags.

    Returns ``(test scores, training seconds)``. Taught in notebooks/08_pseudo_labelling.ipynb.
    """
    res = train_ner([*labelled, *pool], None, labels, config)
    return score(res.model, res.tokenizer, test), res.train_seconds


# ---------------------------------------------------------------- command line


def _no_nan(x: Any) -> Any:
    """NaN (an undefined precision, e.g. of zero pseudo entities) → None, so the JSON is strict."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _no_nan(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_no_nan(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    import argparse

    import torch

    ap = argparse.ArgumentParser(
        prog="python -m helpers.pseudo_label",
        description="Pseudo-labelling on the embedded corpus over several seeds; writes JSON.",
    )
    ap.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (labelled draw + training)")
    ap.add_argument("--n-labelled", type=int, default=50)
    ap.add_argument("--n-unlabelled", type=int, default=400, help="pool size; 0: all the rest")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument(
        "--low-threshold",
        type=float,
        default=0.2,
        help="a second run with this threshold shows errors reinforcing; -1: skip",
    )
    ap.add_argument("--rule", choices=RULES, default="min")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--model", default=DEFAULT_MODEL, help="model name or directory")
    ap.add_argument("--out", default="notebooks/results/pseudo_labelling.json")
    a = ap.parse_args(argv)
    checks = [
        (a.seeds >= 1, "--seeds", a.seeds, "an integer >= 1"),
        (a.n_labelled >= 1, "--n-labelled", a.n_labelled, "an integer >= 1"),
        (a.n_unlabelled >= 0, "--n-unlabelled", a.n_unlabelled, "an integer >= 0 (0: the rest)"),
        (0 <= a.threshold <= 1, "--threshold", a.threshold, "a number in [0, 1]"),
        (a.low_threshold == -1 or 0 <= a.low_threshold <= 1, "--low-threshold", a.low_threshold,
         "a number in [0, 1], or -1 to skip"),
        # the same threshold twice: one results key, so notebook 08 counted each seed twice
        (a.low_threshold != a.threshold, "--low-threshold", a.low_threshold,
         f"a threshold other than --threshold {a.threshold}, or -1 to skip"),
        (a.rounds >= 1, "--rounds", a.rounds, "an integer >= 1"),
        (a.epochs >= 1, "--epochs", a.epochs, "an integer >= 1"),
    ]  # fmt: skip
    for ok, option, value, expected in checks:  # before any training or writing
        if not ok:
            ap.error(f"{option} {value}: expected {expected}")
    try:
        pick_precision(a.precision)
        check_results_path(a.out)  # not only after the runs, when writing
        check_model_fits(TrainConfig(model_name=a.model))  # a missing folder, no weights, ...
    except (ValueError, ModelLoadError) as e:
        ap.error(str(e).replace("model_name=", "--model "))

    train_all = load_embedded("train").sentences
    try:  # the sizes against the train file, as each seed will split it
        split_labelled(train_all, a.n_labelled, a.n_unlabelled or None, 0)
    except ValueError as e:
        message = str(e)
        for python, option in (("n_labelled=", "--n-labelled "),
                               ("n_unlabelled=", "--n-unlabelled "),
                               ("None or", "0 (the rest) or")):  # fmt: skip
            message = message.replace(python, option)
        ap.error(message)
    test = load_embedded("test").sentences
    labels = labels_for_types(GMB_TYPES)
    thresholds = [a.threshold] + ([a.low_threshold] if a.low_threshold >= 0 else [])
    seeds = []
    t_all = time.perf_counter()
    for seed in range(a.seeds):
        cfg = TrainConfig(
            model_name=a.model,
            epochs=a.epochs,
            precision=a.precision,
            seed=seed,
            output_dir="runs/pseudo",  # relative paths resolve against the repo root
        )
        labelled, pool = split_labelled(train_all, a.n_labelled, a.n_unlabelled or None, seed)
        words, gold = hide_labels(pool), [s.tags for s in pool]
        # round 0 (labelled only) once per seed; every threshold starts from this same model
        res0 = train_ner(labelled, None, labels, cfg)
        round0 = Round(
            0,
            0,
            0,
            len(labelled),
            True,
            score(res0.model, res0.tokenizer, test),
            res0.train_seconds,
        )
        start = (res0.model, res0.tokenizer, round0)
        runs = {}
        for th in thresholds:
            pr = run(labelled, words, test, labels, cfg, th, a.rounds, a.rule, gold, start)
            runs[str(th)] = [
                {
                    "round": r.round,
                    "n_new": r.n_new,
                    "n_train": r.n_train,
                    "retrained": r.retrained,
                    "test": r.test,
                    "new_quality": r.new_quality,
                    "all_quality": r.all_quality,
                    "reinforcement": r.reinforcement,
                    "train_seconds": round(r.train_seconds, 1),
                }
                for r in pr.rounds
            ]
            print(
                f"seed {seed} threshold {th}: F1 per round {[round(f, 3) for f in pr.f1()]}",
                flush=True,
            )
        ceil, ceil_s = ceiling(labelled, pool, test, labels, cfg)
        print(f"seed {seed}: ceiling F1 {ceil['f1']:.3f}", flush=True)
        seeds.append(
            {
                "seed": seed,
                "baseline": runs[str(thresholds[0])][0]["test"],
                "ceiling": ceil,
                "ceiling_train_seconds": round(ceil_s, 1),
                "runs": runs,
            }
        )
    # seed 0's TrainConfig; the study sets epochs, seed and output_dir itself (model_name and
    # precision when given), every other field is notebook 04's default
    first = TrainConfig(
        model_name=a.model, epochs=a.epochs, precision=a.precision, seed=0,
        output_dir="runs/pseudo",
    )  # fmt: skip
    set_here = ["epochs", "output_dir", "seed"]
    set_here += [
        k for k in ("model_name", "precision") if getattr(first, k) != getattr(TrainConfig(), k)
    ]
    report = {
        **provenance(command_line("helpers.pseudo_label", argv), first, set_here),
        "cpu": cpu_kind(),
        "device": default_device(),
        "precision": pick_precision(a.precision),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "parameters": {
            "n_labelled": a.n_labelled,
            "n_unlabelled": a.n_unlabelled or len(train_all) - a.n_labelled,
            "threshold": a.threshold,
            "low_threshold": a.low_threshold,
            "rule": a.rule,
            "rounds": a.rounds,
            "epochs": a.epochs,
            "test_sentences": len(test),
        },
        "seconds": round(time.perf_counter() - t_all, 1),
        "seeds": seeds,
    }
    print("wrote", write_results(a.out, _no_nan(report)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
