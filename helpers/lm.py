"""Causal vs masked language modelling on one small BERT-style architecture, trained from scratch.

The same ``BertConfig`` builds both models: ``BertLMHeadModel`` with ``is_decoder=True`` (each
position sees only itself and the positions before it, and predicts the next token) and
``BertForMaskedLM`` (every position sees the whole sentence; about 15% of the tokens are hidden
by ``DataCollatorForLanguageModeling`` and predicted). Only the attention mask and the targets
differ, so the comparison isolates the objective. Taught in notebooks/07_clm_vs_mlm.ipynb.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("clm", "mlm")
IGNORE = -100  # label of a position the loss skips


def reduced_tokenizer(base: Any, texts: Sequence[str]) -> Any:
    """A ``BertTokenizer`` with only the special tokens and the pieces ``base`` uses on ``texts``.

    Ids are renumbered (special tokens first, then the pieces in ``base``'s id order), so the
    result is the same on every machine; WordPiece picks the longest known prefix, and every piece
    it picked before is still known, so ``texts`` tokenize exactly as with ``base``. A smaller
    vocabulary makes the output layer (hidden size x vocabulary) cheap enough for a CPU.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    from transformers import BertTokenizer

    if not texts:
        raise ValueError("texts is empty: nothing to build a vocabulary from")
    special = [
        base.pad_token_id,
        base.unk_token_id,
        base.cls_token_id,
        base.sep_token_id,
        base.mask_token_id,
    ]
    if None in special:
        raise ValueError("the base tokenizer lacks one of [PAD] [UNK] [CLS] [SEP] [MASK]")
    used: set[int] = set()
    for ids in base(list(texts), add_special_tokens=False)["input_ids"]:
        used.update(ids)
    ids = special + sorted(used - set(special))
    tokens = base.convert_ids_to_tokens(ids)
    lower = getattr(base, "do_lower_case", True)
    return BertTokenizer(vocab={t: i for i, t in enumerate(tokens)}, do_lower_case=lower)


def small_config(
    tokenizer: Any,
    kind: str,
    layers: int = 2,
    hidden: int = 128,
    heads: int = 2,
    max_positions: int = 64,
) -> Any:
    """The shared architecture; ``kind="clm"`` only switches ``is_decoder`` (the causal mask) on.

    Eager attention so that ``output_attentions=True`` returns the attention probabilities.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    from transformers import BertConfig

    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: expected one of {KINDS}")
    if hidden % heads:
        raise ValueError(f"hidden={hidden} is not divisible by heads={heads}")
    cfg = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        is_decoder=kind == "clm",
        tie_word_embeddings=True,
    )
    cfg._attn_implementation = "eager"
    return cfg


def build_model(tokenizer: Any, kind: str, seed: int = 0, **sizes: Any) -> Any:
    """A freshly initialised (seeded) causal or masked LM of :func:`small_config`'s architecture.

    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    from transformers import BertForMaskedLM, BertLMHeadModel, set_seed

    cfg = small_config(tokenizer, kind, **sizes)
    set_seed(seed)
    model = BertLMHeadModel(cfg) if kind == "clm" else BertForMaskedLM(cfg)
    # transformers names the loss from the class name; "BertLMHeadModel" names none, so it would
    # warn and fall back to the causal loss. Say which one is meant.
    model.loss_type = "ForCausalLM" if kind == "clm" else "ForMaskedLM"
    return model


def collator(tokenizer: Any, kind: str, mlm_probability: float = 0.15, seed: int = 0) -> Any:
    """``DataCollatorForLanguageModeling``: padding plus labels (``-100`` where no loss is taken).

    ``"mlm"`` hides ``mlm_probability`` of the tokens (80% → [MASK], 10% → a random token,
    10% unchanged) and labels only those; ``"clm"`` labels every non-padding token (the model
    shifts them by one itself). Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    from transformers import DataCollatorForLanguageModeling

    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: expected one of {KINDS}")
    return DataCollatorForLanguageModeling(
        tokenizer,
        mlm=kind == "mlm",
        mlm_probability=mlm_probability if kind == "mlm" else None,
        seed=seed,
        return_tensors="pt",
    )


def positions_learned(labels: Any, kind: str) -> int:
    """How many predictions a batch's loss averages over.

    ``"mlm"``: the labelled positions (``labels != -100``). ``"clm"``: position t predicts token
    t+1, so the first token of each row is never a target. Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: expected one of {KINDS}")
    targets = labels[:, 1:] if kind == "clm" else labels
    return int((targets != IGNORE).sum())


@dataclass
class LMRun:
    """One training run: per-step loss, positions learned from, and elapsed seconds."""

    kind: str
    losses: list[float] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    precision: str = "fp32"


def batches(
    tokenizer: Any,
    texts: Sequence[str],
    batch_size: int,
    steps: int,
    seed: int = 0,
    max_length: int = 64,
) -> list[list[dict[str, list[int]]]]:
    """``steps`` batches of tokenized ``texts`` (reshuffled each pass), the same for both models.

    Texts longer than ``max_length`` tokens are cut there: unlabelled text for a language-model
    demo, where a cut sentence loses nothing but its tail. Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    import random

    if batch_size < 1 or steps < 1:
        raise ValueError(f"batch_size={batch_size}, steps={steps}: expected positive integers")
    if batch_size > len(texts):
        raise ValueError(f"batch_size={batch_size} is larger than the {len(texts)} texts")
    enc = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    rng = random.Random(seed)
    order: list[int] = []
    out = []
    for _ in range(steps):
        if len(order) < batch_size:
            order = list(range(len(texts)))
            rng.shuffle(order)
        out.append([{"input_ids": enc[i]} for i in order[:batch_size]])
        order = order[batch_size:]
    return out


def train_lm(
    model: Any,
    data_collator: Any,
    steps: Sequence[Sequence[dict[str, list[int]]]],
    kind: str,
    learning_rate: float = 1e-3,
    precision: str = "auto",
) -> LMRun:
    """One AdamW step per batch in ``steps``; records loss, positions learned and elapsed time.

    Constant learning rate after a short linear warm-up (10% of the steps). Taught in
    notebooks/07_clm_vs_mlm.ipynb.
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    from helpers.models import pick_precision

    device = next(model.parameters()).device
    prec = pick_precision(precision, device.type)
    opt = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warm = max(1, len(steps) // 10)
    sched = get_linear_schedule_with_warmup(opt, warm, 10**9)  # ~constant after warm-up
    run = LMRun(kind=kind, precision=prec)
    dtype = torch.float16 if prec == "fp16" else torch.bfloat16
    model.train()
    start = time.perf_counter()
    for examples in steps:
        batch = data_collator(list(examples))
        batch.pop("token_type_ids", None)
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.autocast(device.type, dtype=dtype, enabled=prec != "fp32"):
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        run.losses.append(loss.item())
        run.positions.append(positions_learned(batch["labels"], kind))
        run.tokens.append(int(batch["attention_mask"].sum()))
        run.seconds.append(time.perf_counter() - start)
    model.eval()
    return run


def attention_probs(model: Any, tokenizer: Any, text: str) -> Any:
    """Attention probabilities of every layer for ``text``: a tensor (layers, heads, n, n).

    Row i is what position i attends to; drawn from the model itself (``output_attentions``).
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    import torch

    enc = tokenizer(text, return_tensors="pt").to(next(model.parameters()).device)
    enc.pop("token_type_ids", None)
    model.eval()
    with torch.inference_mode():
        out = model(**enc, output_attentions=True)
    return torch.stack([a[0] for a in out.attentions]).float().cpu()


def greedy_generate(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 8) -> str:
    """Continue ``prompt`` by always taking the most likely next token; stops at [SEP].

    What ``model.generate(do_sample=False)`` does, written out. Deterministic for a given model.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    import torch

    if not getattr(model.config, "is_decoder", False):
        raise ValueError("greedy_generate needs a causal model (config.is_decoder=True)")
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = [tokenizer.cls_token_id, *ids]
    limit = model.config.max_position_embeddings
    device = next(model.parameters()).device
    model.eval()
    new: list[int] = []
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            if len(ids) >= limit:
                break
            logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, -1]
            nxt = int(logits.float().argmax())
            if nxt == tokenizer.sep_token_id:
                break
            ids.append(nxt)
            new.append(nxt)
    return tokenizer.decode(new)
