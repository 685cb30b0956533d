"""Give an uncased model its capital letters back: a learned casing embedding.

An uncased tokenizer (MiniLM's, bert-base-uncased's) lower-cases every word, so "Apple" and
"apple" reach the model as the same ids. Here each word's casing (:data:`CASING`: lower,
capitalised, ALL CAPS, other; special tokens and padding get :data:`CASING_PAD`) is aligned to its
subwords like its label (:func:`helpers.alignment.align_casing`), looked up in a small trainable
table of the hidden size, and added to the hidden states:

- ``"after_frozen"``: to the input of the first trained encoder layer (``casing_layer``; with the
  recipe's frozen lowest layer, layer 1), through a forward pre-hook on that layer. Everything
  below it never sees the casing, so :class:`helpers.train.FrozenCache`'s stored outputs of the
  frozen bottom stay valid;
- ``"output"``: to the final hidden states, just before the classifier's dropout.

The table starts at zero (the padding row stays zero), so an untrained casing model computes
exactly what the plain model does; it trains with the head's learning rate (it is new, like the
classifier). Registered with ``AutoConfig`` / ``AutoModelForTokenClassification`` (model_type
``"bert_casing"``), so ``save_pretrained`` and ``from_pretrained`` round-trip, safetensors only.
Taught in notebooks/04_ner.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForTokenClassification,
    BertConfig,
    BertForTokenClassification,
    DataCollatorForTokenClassification,
    TokenClassificationPipeline,
)
from transformers import initialization as init

from helpers.alignment import CASING, CASING_PAD, align_casing, word_casing
from helpers.models import (
    BERT_MODEL_TYPES,
    CASING_MODEL_TYPE,
    CASING_PLACEMENTS,
    CASING_SETTINGS,
    ModelLoadError,
    check_model_dir,
    load_config,
    load_token_classifier,
    uses_casing,
)
from helpers.params import need_int

# TrainConfig.casing (helpers.models.CASING_SETTINGS): "off", "auto" (AUTO_PLACEMENT for a
# tokenizer that lower-cases, off for a cased one: it sees capital letters already), or a
# placement (CASING_PLACEMENTS). AUTO_PLACEMENT follows
# notebooks/results/ner_casing.json (python -m helpers.bench casing) by issue 23's rule: the
# placement with the larger gain among those whose gain is larger than its standard error at a
# speed cost under 5%. On corpus v3 that is "after_frozen" (+0.036 F1 at +1.8% training time;
# "output": +0.005, within its noise); on v2 its cost had measured +7.3% on shared cores.
AUTO_PLACEMENT = "after_frozen"


class CasingBertConfig(BertConfig):
    """``BertConfig`` plus where the casing embedding is added and how many casing ids there are.

    ``casing_layer``: the encoder layer whose input gets the casing with ``"after_frozen"`` (the
    first trained one: ``freeze_layers``); ``num_hidden_layers`` means the final hidden states.
    """

    model_type = CASING_MODEL_TYPE
    casing_placement: str = AUTO_PLACEMENT
    casing_layer: int = 0
    casing_vocab: int = len(CASING)


class BertWithCasingForTokenClassification(BertForTokenClassification):
    """``BertForTokenClassification`` with a zero-initialised casing embedding
    (``casing_embeddings``) added where ``config.casing_placement`` says; ``forward`` takes
    ``casing_ids`` (one per token, :data:`CASING_PAD` for special tokens and padding)."""

    config_class = CasingBertConfig

    def __init__(self, config: CasingBertConfig) -> None:
        super().__init__(config)
        if config.casing_placement not in CASING_PLACEMENTS:
            raise ValueError(
                f"casing_placement={config.casing_placement!r}: expected one of {CASING_PLACEMENTS}"
            )
        # True or np.int64(1) used to pass, and np.int64 then failed to save (config.json empty)
        need_int("casing_layer", config.casing_layer, 0, config.num_hidden_layers)
        self.casing_embeddings = nn.Embedding(
            config.casing_vocab, config.hidden_size, padding_idx=CASING_PAD
        )
        init.zeros_(self.casing_embeddings.weight)
        layers = self.bert.encoder.layer
        inside = config.casing_placement == "after_frozen" and config.casing_layer < len(layers)
        # the input of that layer, or the final hidden states as they enter the classifier's dropout
        target = layers[config.casing_layer] if inside else self.dropout
        target.register_forward_pre_hook(self._add_casing, with_kwargs=True)
        self._casing_ids: torch.Tensor | None = None

    def _init_weights(self, module: nn.Module) -> None:
        # the casing table starts at zero: untrained, the model computes what the plain one does
        if module is getattr(self, "casing_embeddings", None):
            init.zeros_(module.weight)
            return
        super()._init_weights(module)

    def _add_casing(self, module: nn.Module, args: tuple, kwargs: dict) -> Any:
        """Forward pre-hook: hidden states + the casing embedding of each token."""
        ids = self._casing_ids
        if ids is None:
            raise ValueError(
                f"{type(self).__name__}: casing_ids are needed (call the model itself with "
                "casing_ids, not one of its parts)"
            )
        h = args[0] if args else kwargs["hidden_states"]
        if tuple(ids.shape) != tuple(h.shape[:2]):
            raise ValueError(
                f"casing_ids has shape {tuple(ids.shape)}; expected {tuple(h.shape[:2])} "
                "(one id per token, like input_ids)"
            )
        h = h + self.casing_embeddings(ids).to(h.dtype)
        if args:
            return (h, *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": h}

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        casing_ids: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Any:
        if casing_ids is None:
            raise ValueError(
                f"{type(self).__name__} needs casing_ids (one per token: "
                "helpers.alignment.tokenize_and_align(..., casing=True), CasingCollator, "
                "helpers.predict or CasingTokenClassificationPipeline make them)"
            )
        self._casing_ids = casing_ids
        try:
            return super().forward(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                position_ids=position_ids,
                inputs_embeds=inputs_embeds,
                labels=labels,
                **kwargs,
            )
        finally:
            self._casing_ids = None


AutoConfig.register(CASING_MODEL_TYPE, CasingBertConfig, exist_ok=True)
AutoModelForTokenClassification.register(
    CasingBertConfig, BertWithCasingForTokenClassification, exist_ok=True
)


def lowercases(tokenizer: Any) -> bool:
    """True when ``tokenizer`` gives capitalised and lower-case words the same ids (it is
    uncased: the capital letters never reach the model)."""
    words = ["Paris", "NATO", "Apple", "John"]
    ids = tokenizer(words, is_split_into_words=True, add_special_tokens=False)["input_ids"]
    low = tokenizer([w.lower() for w in words], is_split_into_words=True, add_special_tokens=False)
    return ids == low["input_ids"]


def resolve_casing(setting: str, tokenizer: Any, model_type: str) -> str | None:
    """The placement a ``TrainConfig.casing`` setting gives, or None (off).

    ``"auto"``: :data:`AUTO_PLACEMENT` for a BERT (``model_type``) whose tokenizer lower-cases;
    off for a cased tokenizer (the model sees capital letters already) and for other models.
    """
    if setting not in CASING_SETTINGS:
        raise ValueError(f"casing={setting!r}: expected one of {CASING_SETTINGS}")
    if setting == "auto":
        bert = model_type in BERT_MODEL_TYPES
        return AUTO_PLACEMENT if bert and lowercases(tokenizer) else None
    return None if setting == "off" else setting


def casing_token_classifier(
    name: str,
    labels: list[str],
    placement: str,
    layer: int = 0,
    quiet: bool = True,
    **kwargs: Any,
) -> BertWithCasingForTokenClassification:
    """A pre-trained BERT ``name`` with a new head and a zero casing embedding at ``placement``
    (``"after_frozen"``: the input of encoder layer ``layer``)."""
    base = load_config(name)
    if base.model_type not in BERT_MODEL_TYPES:
        raise ValueError(
            f"casing={placement!r} needs a BERT model (model_type 'bert'); {name!r} is "
            f"{base.model_type!r}: use casing='off'"
        )
    fields = {k: v for k, v in base.to_dict().items() if k not in ("model_type", "architectures")}
    # configuration settings (e.g. hidden_dropout_prob) go into the configuration given whole
    fields.update({k: kwargs.pop(k) for k in list(kwargs) if hasattr(base, k)})
    fields.update(casing_placement=placement, casing_layer=layer)
    config = CasingBertConfig(**fields)
    return load_token_classifier(
        name, labels, quiet, model_class=BertWithCasingForTokenClassification, config=config,
        **kwargs,
    )  # fmt: skip


def load_casing_classifier(path: str) -> BertWithCasingForTokenClassification:
    """A trained casing token classifier saved with ``save_pretrained`` (safetensors only)."""
    check_model_dir(path, tokenizer=False)
    model = BertWithCasingForTokenClassification.from_pretrained(
        path, use_safetensors=True, trust_remote_code=False
    )
    if not uses_casing(model):
        raise ModelLoadError(f"{path}: not a model with a casing feature")
    return model.eval()


def pad_casing(rows: Sequence[Sequence[int]], width: int, side: str = "right") -> torch.Tensor:
    """``casing_ids`` rows padded with :data:`CASING_PAD` to ``width`` tokens."""
    pad = [[CASING_PAD] * (width - len(r)) for r in rows]
    both = zip(rows, pad, strict=True)
    return torch.tensor([p + list(r) if side == "left" else list(r) + p for r, p in both])


class CasingCollator(DataCollatorForTokenClassification):
    """``DataCollatorForTokenClassification`` that also pads ``casing_ids`` (with
    :data:`CASING_PAD`, on the tokenizer's padding side); features without them pass as before."""

    def torch_call(self, features: list[dict[str, Any]]) -> Any:
        if not features or "casing_ids" not in features[0]:
            return super().torch_call(features)
        features = [dict(f) for f in features]
        casing = [f.pop("casing_ids") for f in features]
        batch = super().torch_call(features)
        side = getattr(self.tokenizer, "padding_side", "right")
        batch["casing_ids"] = pad_casing(casing, batch["input_ids"].shape[1], side)
        return batch


class CasingTokenClassificationPipeline(TokenClassificationPipeline):
    """The token-classification pipeline for models with a casing feature: each chunk also gets
    ``casing_ids``, from the casing of the words the tokenizer found in the text (its
    pre-tokenization, the words of :func:`helpers.predict.split_words`). Models without casing
    run as in the library's pipeline. Use it with
    ``pipeline("token-classification", ..., pipeline_class=CasingTokenClassificationPipeline)``.
    """

    def preprocess(self, sentence: Any, offset_mapping: Any = None, **params: Any) -> Any:
        chunks = super().preprocess(sentence, offset_mapping=offset_mapping, **params)
        if not uses_casing(self.model):
            yield from chunks
            return
        split = params["is_split_into_words"]
        text = params["delimiter"].join(sentence) if split else sentence
        tokenizer_params = {**params.get("tokenizer_params", {})}
        if split:
            tokenizer_params["is_split_into_words"] = True
        # the same call as the pipeline's own, for its word_ids() and the words' characters
        limit = self.tokenizer.model_max_length
        enc = self.tokenizer(
            sentence,
            truncation=bool(limit and limit > 0),
            return_offsets_mapping=True,
            **tokenizer_params,
        )
        for i, chunk in enumerate(chunks):
            wids = enc.word_ids(i)
            if split:
                casings = {w: word_casing(sentence[w]) for w in wids if w is not None}
            else:
                casings = {}
                for w in wids:
                    if w is not None and w not in casings:
                        start, end = enc.word_to_chars(i, w)
                        casings[w] = word_casing(text[start:end])
            ids = align_casing(wids, casings)
            if len(ids) != chunk["input_ids"].shape[1]:
                raise RuntimeError("casing ids and the pipeline's tokens do not line up")
            chunk["casing_ids"] = torch.tensor([ids])
            yield chunk
