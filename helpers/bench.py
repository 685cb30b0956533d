"""Benchmarks that print figures (never run as tests).

``python -m helpers.bench ner``: on the same data and model, the naive recipe (Trainer, fp32,
the source's hyper-parameters, a checkpoint every epoch) against the project's default recipe:
training samples/s, wall time, entity F1 and peak memory; then inference tokens/s of
:func:`helpers.predict.predict` against transformers' token-classification pipeline, with a
check that both find identical entities. Each recipe runs in its own process so that peak
memory is its own.

``python -m helpers.bench data [--gmb PATH] [--conll PATH]``: time ``load_corpus`` on the real
files when given, else on generated files of the same shape and size (Kaggle GMB: 1,048,575
word rows in 47,959 sentences, latin-1, CRLF; CoNLL-2003 train: 14,041 sentences, 203,621 tokens).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _protocol_split(n_sentences: int, seed: int):
    from helpers.data import load_embedded, split_sentences

    sents = load_embedded("train").sentences[:n_sentences]
    return split_sentences(sents, 0.2, seed)


def run_recipe(recipe: str, n_sentences: int, epochs: int, seed: int, out: str) -> dict:
    """Train one recipe on the protocol split; return its figures (and save the model)."""
    from helpers.data import load_embedded
    from helpers.labels import build_label_list
    from helpers.train import TrainConfig, evaluate_ner, train_ner

    train, held_out = _protocol_split(n_sentences, seed)
    labels = build_label_list(s.tags for s in load_embedded("train"))
    overrides = NAIVE if recipe == "naive" else {}
    cfg = TrainConfig(epochs=epochs, seed=seed, output_dir=out, **overrides)
    # The source scored (and checkpointed) every epoch; both recipes keep the final epoch, so the
    # held-out 20% is scored once at the end and chooses nothing.
    res = train_ner(train, held_out if recipe == "naive" else None, labels, cfg)
    m, _ = evaluate_ner(res.model, res.tokenizer, held_out)
    if recipe == "project":
        res.model.save_pretrained(Path(out) / "model")
        res.tokenizer.save_pretrained(Path(out) / "model")
    return {
        "recipe": recipe,
        "samples_per_s": len(train) * epochs / res.train_seconds,
        "wall_s": res.train_seconds,
        "f1": m["f1"],
        "peak_mb": _peak_rss_mb(),
        "precision": res.precision,
    }


def run_inference(model_dir: str, repeats: int = 3) -> dict:
    """Tokens/s of helpers.predict vs the pipeline on the embedded test texts; same entities?"""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    from helpers.data import load_embedded
    from helpers.predict import predict

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, use_safetensors=True)
    model.eval()
    texts = [" ".join(s.words) for s in load_embedded("test")]
    n_tokens = sum(len(tok(t)["input_ids"]) for t in texts)
    pipe = pipeline(
        "token-classification", model=model, tokenizer=tok, aggregation_strategy="first", device=-1
    )

    def best_of(fn):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        return min(times), result

    with torch.inference_mode():
        t_pipe, pipe_out = best_of(lambda: pipe(texts))
    t_ours, ours = best_of(lambda: predict(texts, model, tok, batch_size=64))
    a = [[(e["entity_group"], e["start"], e["end"]) for e in ents] for ents in pipe_out]
    b = [[(e.type, e.start, e.end) for e in p.entities] for p in ours]
    return {
        "texts": len(texts),
        "tokens": n_tokens,
        "pipeline_tokens_per_s": n_tokens / t_pipe,
        "predict_tokens_per_s": n_tokens / t_ours,
        "identical_entities": a == b,
        "entities": sum(len(x) for x in b),
        "differing_texts": sum(x != y for x, y in zip(a, b, strict=True)),
    }


def bench_ner(n_sentences: int, epochs: int, seed: int) -> None:
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for recipe in ("naive", "project"):
            cmd = [
                sys.executable,
                "-m",
                "helpers.bench",
                "_recipe",
                recipe,
                str(n_sentences),
                str(epochs),
                str(seed),
                str(Path(tmp) / recipe),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                sys.exit(f"recipe {recipe} failed:\n{done.stderr[-3000:]}")
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        inf = run_inference(str(Path(tmp) / "project" / "model"))
    print(
        f"NER benchmark: embedded corpus, first {n_sentences} train sentences, 80/20 split "
        f"(seed {seed}), {epochs} epochs; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, cuda={torch.cuda.is_available()}"
    )
    print(f"{'recipe':<9}{'precision':>10}{'samples/s':>11}{'wall s':>9}{'F1':>8}{'peak MB':>9}")
    for r in rows:
        print(
            f"{r['recipe']:<9}{r['precision']:>10}{r['samples_per_s']:>11.1f}{r['wall_s']:>9.1f}"
            f"{r['f1']:>8.3f}{r['peak_mb']:>9.0f}"
        )
    print(f"training speed-up: {rows[1]['samples_per_s'] / rows[0]['samples_per_s']:.2f}x")
    print(
        f"inference on {inf['texts']} test texts ({inf['tokens']} tokens): pipeline "
        f"{inf['pipeline_tokens_per_s']:.0f} tokens/s, helpers.predict "
        f"{inf['predict_tokens_per_s']:.0f} tokens/s "
        f"({inf['predict_tokens_per_s'] / inf['pipeline_tokens_per_s']:.2f}x); "
        f"identical entities: {inf['identical_entities']} ({inf['entities']} entities, "
        f"{inf['differing_texts']} texts differ)"
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
    with open(path, "w", encoding="latin-1", newline="\r\n") as f:
        f.write("Sentence #,Word,POS,Tag\n")
        for s, size in enumerate(sizes, 1):
            for k in range(size):
                w = rng.choice(words)
                w = f'"{w}"' if w in (",", '"') else w
                w = '""""' if w == '"""' else w
                f.write(f"{'Sentence: ' + str(s) if k == 0 else ''},{w},NN,{rng.choice(tags)}\n")


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
    from helpers.data import load_corpus

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_recipe"]:
        recipe, n, epochs, seed, out = argv[1:6]
        print(json.dumps(run_recipe(recipe, int(n), int(epochs), int(seed), out)))
        return 0
    ap = argparse.ArgumentParser(prog="python -m helpers.bench")
    sub = ap.add_subparsers(dest="what", required=True)
    ner = sub.add_parser("ner", help="naive vs project training, predict vs pipeline")
    ner.add_argument("--n-sentences", type=int, default=300)
    ner.add_argument("--epochs", type=int, default=7)
    ner.add_argument("--seed", type=int, default=42)
    data = sub.add_parser("data", help="time load_corpus on GMB- and CoNLL-sized files")
    data.add_argument("--gmb")
    data.add_argument("--conll")
    args = ap.parse_args(argv)
    if args.what == "ner":
        bench_ner(args.n_sentences, args.epochs, args.seed)
    else:
        bench_data(args.gmb, args.conll)
    return 0


if __name__ == "__main__":
    sys.exit(main())
