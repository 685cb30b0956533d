"""Causal vs masked language modelling on one small BERT-style architecture, trained from scratch.

The same ``BertConfig`` builds both models: ``BertLMHeadModel`` with ``is_decoder=True`` (each
position sees only itself and the positions before it, and predicts the next token) and
``BertForMaskedLM`` (every position sees the whole sentence; about 15% of the tokens are hidden
by ``DataCollatorForLanguageModeling`` and predicted). Only the attention mask and the targets
differ, so the comparison isolates the objective. Both train through the course's one training
path, :func:`helpers.train.train_objective` (the library's ``Trainer``). Taught in
notebooks/07_clm_vs_mlm.ipynb.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.alignment import IGNORE
from helpers.models import PRECISIONS, own_forward
from helpers.params import (
    need_choice,
    need_defined,
    need_int,
    need_number,
    need_seed,
    need_text,
    refuse,
    refuse_list,
)
from helpers.train import logged_losses, train_objective

KINDS = ("clm", "mlm")


def check_clm_params(values: Mapping[str, Any]) -> None:
    """The parameters of notebooks/07_clm_vs_mlm.ipynb (pass ``globals()``): the first bad one
    raises ``ValueError`` naming it, before anything is built (fp16 without CUDA: later, by
    :func:`helpers.models.pick_precision`)."""
    p = need_defined(values, [
        "seed", "n_sentences", "epochs", "batch_size", "learning_rate", "layers", "hidden",
        "heads", "max_length", "mlm_probability", "mask_text", "prompts", "new_tokens",
        "masked_texts", "loss_drop", "precision",
    ])  # fmt: skip
    need_seed("seed", p["seed"])
    if p["n_sentences"] is not None:
        need_int("n_sentences", p["n_sentences"], 2)
    need_int("epochs", p["epochs"], 1)
    need_int("batch_size", p["batch_size"], 2)
    if p["n_sentences"] is not None and p["n_sentences"] < 2 * p["batch_size"]:
        # the first batch is shown and an exercise reads the second: an IndexError otherwise
        refuse(
            "n_sentences", p["n_sentences"],
            f"None or an integer >= 2 * batch_size = {2 * p['batch_size']} (two batches)",
        )  # fmt: skip
    need_number("learning_rate", p["learning_rate"], 0, low_open=True)
    need_int("layers", p["layers"], 1)
    need_int("heads", p["heads"], 1)
    need_int("hidden", p["hidden"], 1)
    if p["hidden"] % p["heads"]:
        refuse("hidden", p["hidden"], f"a multiple of heads={p['heads']}")
    need_int("max_length", p["max_length"], 8, 512)
    need_number("mlm_probability", p["mlm_probability"], 0, 1, low_open=True)
    need_text("mask_text", p["mask_text"])
    for name, texts, mask in (("prompts", p["prompts"], None),
                              ("masked_texts", p["masked_texts"], "[MASK]")):  # fmt: skip
        if not isinstance(texts, (list, tuple)) or not texts:
            refuse_list(name, texts, "a non-empty list of texts")
        for text in texts:
            need_text(f"{name} item", text, must_contain=mask)
    need_int("new_tokens", p["new_tokens"], 1)
    need_number("loss_drop", p["loss_drop"], 0)
    need_choice("precision", p["precision"], PRECISIONS)  # pick_precision: fp16 needs CUDA


def check_text_lengths(
    tokenizer: Any,
    max_length: int,
    mask_text: str,
    prompts: Sequence[str],
    masked_texts: Sequence[str],
    new_tokens: int,
) -> None:
    """Refuse, before anything trains, a text of notebooks/07_clm_vs_mlm.ipynb that the models'
    ``max_length`` positions cannot hold (training sentences are cut; these texts are not):
    ``mask_text`` and each of ``masked_texts`` with [CLS] and [SEP], each of ``prompts`` with
    [CLS] and ``new_tokens`` more (:func:`greedy_generate`'s rule). The message names the text."""
    for name, text in (("mask_text", mask_text), *(("masked_texts item", t) for t in masked_texts)):
        n = len(tokenizer(text)["input_ids"])
        if n > max_length:
            refuse(name, text, f"at most max_length={max_length} tokens with [CLS] and [SEP] "
                               f"(it has {n}): a shorter text or a larger max_length")  # fmt: skip
    for text in prompts:
        n = 1 + len(tokenizer(text, add_special_tokens=False)["input_ids"])
        if _too_long(n, new_tokens, max_length):
            refuse("prompts item", text, f"at most max_length={max_length} tokens with [CLS] "
                   f"and new_tokens={new_tokens} more (it has {n} with [CLS]): a shorter prompt, "
                   "a smaller new_tokens or a larger max_length")  # fmt: skip


def _too_long(prompt_tokens: int, max_new_tokens: int, limit: int) -> bool:
    """:func:`greedy_generate`'s rule: the prompt and every new token must fit ``limit``."""
    return prompt_tokens + max_new_tokens > limit


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


def unknown_words(tokenizer: Any, texts: Sequence[str]) -> list[str]:
    """The words of ``texts`` that ``tokenizer`` reads as ``[UNK]`` (each once, in order): with
    :func:`reduced_tokenizer`, words whose pieces the training texts never used."""
    out: list[str] = []
    for text in texts:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        for token, (start, end) in zip(enc["input_ids"], enc["offset_mapping"], strict=True):
            word = text[start:end]
            if token == tokenizer.unk_token_id and word not in out:
                out.append(word)
    return out


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
    """One training run: per-step loss, targets, real tokens and elapsed seconds."""

    kind: str
    losses: list[float] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    precision: str = "fp32"


class CountTargets:
    """Wrap a collator and record, for every batch it makes, its targets and real tokens.

    The ``Trainer`` calls its collator once per batch, in training order, so
    ``positions[i]`` is what step ``i``'s loss averaged over (:func:`positions_learned`).
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """

    def __init__(self, collator: Any, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r}: expected one of {KINDS}")
        self.collator, self.kind = collator, kind
        self.positions: list[int] = []
        self.tokens: list[int] = []

    def __call__(self, examples: list[dict[str, Any]]) -> Any:
        batch = self.collator(examples)
        self.positions.append(positions_learned(batch["labels"], self.kind))
        self.tokens.append(int(batch["attention_mask"].sum()))
        return batch


def step_clock() -> Any:
    """A ``TrainerCallback`` whose ``seconds`` list gets the time since training began at the
    end of every optimizer step. Taught in notebooks/07_clm_vs_mlm.ipynb."""
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self) -> None:
            self.start = 0.0
            self.seconds: list[float] = []

        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.seconds.append(time.perf_counter() - self.start)

    return StepClock()


def train_lm(
    model: Any,
    collator: Any,
    dataset: Any,
    kind: str,
    epochs: int,
    batch_size: int,
    learning_rate: float = 1e-3,
    precision: str = "auto",
    seed: int = 0,
) -> LMRun:
    """Train ``model`` on ``dataset`` (tokenized texts) with :func:`helpers.train.train_objective`.

    The ``Trainer`` shuffles with ``seed`` (the same order for both kinds), warms the learning
    rate up over 10% of the steps and then keeps it constant, and logs the loss of every step;
    the run records it with each step's targets and tokens (:class:`CountTargets`) and elapsed
    seconds (:func:`step_clock`). Notebook 07 writes the same ``Trainer`` call out in its cells.
    """
    counter, clock = CountTargets(collator, kind), step_clock()
    trainer = train_objective(
        model, dataset, counter, epochs, batch_size, learning_rate,
        precision=precision, seed=seed, callbacks=[clock], scheduler="constant_with_warmup",
    )  # fmt: skip
    return LMRun(
        kind,
        logged_losses(trainer.state.log_history),
        counter.positions,
        counter.tokens,
        clock.seconds,
        "bf16" if trainer.args.bf16 else "fp16" if trainer.args.fp16 else "fp32",
    )


def attention_probs(model: Any, tokenizer: Any, text: str) -> Any:
    """Attention probabilities of every layer for ``text``: a tensor (layers, heads, n, n).

    Row i is what position i attends to; drawn from the model itself (``output_attentions``).
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    import torch

    enc = tokenizer(text, return_tensors="pt").to(next(model.parameters()).device)
    enc.pop("token_type_ids", None)
    model.eval()
    with torch.inference_mode(), own_forward(model):
        out = model(**enc, output_attentions=True)
    return torch.stack([a[0] for a in out.attentions]).float().cpu()


def greedy_generate(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 8) -> str:
    """Continue ``prompt`` by always taking the most likely next token; stops at [SEP].

    What ``model.generate(do_sample=False)`` does, written out. Deterministic for a given model.
    A prompt that leaves fewer than ``max_new_tokens`` of the model's positions is refused.
    Taught in notebooks/07_clm_vs_mlm.ipynb.
    """
    import torch

    if not getattr(model.config, "is_decoder", False):
        raise ValueError("greedy_generate needs a causal model (config.is_decoder=True)")
    need_int("max_new_tokens", max_new_tokens, 1)  # 0 used to return "" without a word
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = [tokenizer.cls_token_id, *ids]
    limit = model.config.max_position_embeddings
    if _too_long(len(ids), max_new_tokens, limit):  # check_text_lengths uses the same rule
        raise ValueError(
            f"prompt {prompt!r} is {len(ids)} tokens with [CLS]: with max_new_tokens="
            f"{max_new_tokens} that is more than the model's {limit} positions: expected a "
            "shorter prompt, fewer new tokens or a larger max_length"
        )
    device = next(model.parameters()).device
    model.eval()
    new: list[int] = []
    with torch.inference_mode(), own_forward(model):
        for _ in range(max_new_tokens):
            logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, -1]
            nxt = int(logits.float().argmax())
            if nxt == tokenizer.sep_token_id:
                break
            ids.append(nxt)
            new.append(nxt)
    return tokenizer.decode(new)
