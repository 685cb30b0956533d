"""helpers.models: name resolution, offline errors, safe loading flags, precision choice."""

from __future__ import annotations

from pathlib import Path

import pytest

import helpers.models as models
from helpers.models import (
    ModelLoadError,
    load_token_classifier,
    load_tokenizer,
    pick_precision,
    resolve_model,
)
from tests.conftest import linear_layers


def test_resolve_default_is_packaged_dir():
    path = Path(resolve_model("minilm"))
    assert path.is_dir()
    assert (path / "config.json").is_file()
    assert (path / "model.safetensors").is_file()
    assert resolve_model() == str(path)
    assert resolve_model("all-minilm-l6-v2") == str(path)
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == str(path)


@pytest.mark.parametrize(
    "name",
    ["distilbert/distilbert-base-uncased", "bert-base-uncased", "/some/local/path", "MiniLM"],
)
def test_resolve_other_names_unchanged(name):
    assert resolve_model(name) == name


def test_a_local_folder_is_found_from_the_repo_root_too(tmp_path, monkeypatch):
    """From notebooks/ (JupyterLab), runs/ner/model named from the repo root used to pass on
    unchanged and be read as a hub id; a folder in the current directory still comes first."""
    from helpers.paths import REPO_ROOT

    monkeypatch.chdir(tmp_path)
    assert resolve_model("nlp_images") == str(REPO_ROOT / "nlp_images")
    (tmp_path / "nlp_images").mkdir()
    assert resolve_model("nlp_images") == "nlp_images"
    assert resolve_model("org/not-a-folder") == "org/not-a-folder"


@pytest.mark.parametrize("name", ["", "   ", None])
def test_resolve_empty_name_raises(name):
    with pytest.raises(ValueError, match="model_name="):
        resolve_model(name)


def test_uncached_hub_id_offline_raises(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="minilm") as ei:
        models.load_encoder("bert-base-uncased", cache_dir=str(tmp_path))
    assert "HF_HUB_OFFLINE is set" in str(ei.value)
    assert "'bert-base-uncased'" in str(ei.value)


def test_uncached_tokenizer_offline_raises(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="minilm"):
        load_tokenizer("nobody-has-this/never-cached-model-xyz")


def test_unreachable_hub_raises(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # closed local port
    assert models._hub_reachable(timeout=1.0) is False
    with pytest.raises(ModelLoadError, match="minilm") as ei:
        models.load_encoder("bert-base-uncased", cache_dir=str(tmp_path))
    assert "the hub cannot be reached" in str(ei.value)


def test_not_a_path_nor_hub_id_raises():
    with pytest.raises(ModelLoadError, match="neither a local directory nor a hub id.*minilm"):
        load_tokenizer("/no/such/dir/for/this/test")


def test_token_classifier_label_maps(gmb_labels):
    model = load_token_classifier("minilm", gmb_labels)
    cfg = model.config
    assert cfg.num_labels == 17
    assert cfg.id2label == dict(enumerate(gmb_labels))
    assert cfg.label2id == {t: i for i, t in enumerate(gmb_labels)}
    assert cfg.id2label[0] == "O" and cfg.id2label[16] == "I-tim"
    assert model.classifier.out_features == 17
    assert cfg.hidden_size == 384 and cfg.num_hidden_layers == 6


def test_token_classifier_refuses_duplicate_labels():
    with pytest.raises(ValueError, match="duplicates"):
        load_token_classifier("minilm", ["O", "B-per", "I-per", "B-per"])


def _tiny_bert(folder: Path, safetensors: bool) -> Path:
    """A real (random, tiny) BERT saved the way a downloaded checkpoint would be."""
    from transformers import BertConfig, BertModel

    cfg = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32,
    )  # fmt: skip
    model = BertModel(cfg)
    if safetensors:
        model.save_pretrained(folder)
    else:  # transformers 5 always writes safetensors: write the pickle as older versions did
        import torch

        model.config.save_pretrained(folder)
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
    assert any(folder.glob("*.safetensors")) is safetensors
    return folder


@pytest.fixture(scope="module")
def bin_only_folder(module_dir):
    return _tiny_bert(module_dir("bin_only"), safetensors=False)


@pytest.fixture(scope="module")
def safe_folder(module_dir):
    return _tiny_bert(module_dir("safe"), safetensors=True)


@pytest.mark.parametrize("loader", [models.load_encoder, models.load_masked_lm])
def test_pickled_weights_only_are_refused(bin_only_folder, loader):
    assert (bin_only_folder / "pytorch_model.bin").is_file()
    with pytest.raises(ModelLoadError, match="only pytorch_model.bin .*safetensors only"):
        loader(str(bin_only_folder))


@pytest.mark.parametrize("stored", ["float16", "bfloat16"])
def test_a_half_precision_checkpoint_loads_in_fp32(tmp_path, stored):
    """transformers 5 would keep the stored dtype: fp16 weights stop the Trainer's GradScaler
    ('Attempting to unscale FP16 gradients') and bf16 ones train without fp32 master weights."""
    import torch
    from transformers import BertModel

    folder = _tiny_bert(tmp_path / "half", safetensors=True)
    BertModel.from_pretrained(folder).to(getattr(torch, stored)).save_pretrained(folder)
    assert BertModel.from_pretrained(folder).dtype == getattr(torch, stored)  # the library's way
    for load in (models.load_encoder, models.load_masked_lm):
        assert {p.dtype for p in load(str(folder)).parameters()} == {torch.float32}
    classifier = models.load_token_classifier(str(folder), ["O", "B-x", "I-x"])
    assert {p.dtype for p in classifier.parameters()} == {torch.float32}


def test_safetensors_folder_loads(safe_folder):
    model = models.load_encoder(str(safe_folder))
    assert model.config.hidden_size == 16


@pytest.mark.parametrize(
    "loader",
    [
        lambda **kw: models.load_encoder("minilm", **kw),
        lambda **kw: load_token_classifier("minilm", ["O"], **kw),
        lambda **kw: models.load_masked_lm("minilm", **kw),
        lambda **kw: models._load(__import__("transformers").AutoTokenizer, "minilm", **kw),
    ],
)
def test_remote_code_is_refused(loader):
    with pytest.raises(ValueError, match="trust_remote_code is refused: this course never runs"):
        loader(trust_remote_code=True)


@pytest.mark.parametrize("level", ["INFO", "WARNING", "ERROR"])
@pytest.mark.parametrize("bars", [True, False])
def test_load_leaves_global_logging_settings_alone(safe_folder, level, bars):
    import datasets
    from transformers.utils import logging as hf_logging

    before = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    ds_bars = datasets.is_progress_bar_enabled()
    try:
        hf_logging.set_verbosity(getattr(hf_logging, level))
        (hf_logging.enable_progress_bar if bars else hf_logging.disable_progress_bar)()
        models.load_encoder(str(safe_folder))
        load_tokenizer()
        assert hf_logging.get_verbosity() == getattr(hf_logging, level)
        assert hf_logging.is_progress_bar_enabled() is bars
        assert datasets.is_progress_bar_enabled() is ds_bars
    finally:
        hf_logging.set_verbosity(before[0])
        (hf_logging.enable_progress_bar if before[1] else hf_logging.disable_progress_bar)()


def test_quiet_false_shows_the_new_head_report(safe_folder, capfd, caplog):
    load_token_classifier(str(safe_folder), ["O", "B-per", "I-per"], quiet=False)
    report = capfd.readouterr().err + caplog.text
    assert "classifier.weight" in report and "MISSING" in report
    caplog.clear()
    load_token_classifier(str(safe_folder), ["O", "B-per", "I-per"])
    assert "MISSING" not in capfd.readouterr().err + caplog.text


def _recorder(monkeypatch, cls):
    calls = []

    def fake(path, **kwargs):
        calls.append((path, kwargs))
        return "loaded"

    monkeypatch.setattr(cls, "from_pretrained", fake)
    return calls


@pytest.mark.parametrize(
    "cls_name, loader",
    [
        ("AutoModel", lambda: models.load_encoder()),
        ("AutoModelForTokenClassification", lambda: load_token_classifier("minilm", ["O"])),
        ("AutoModelForMaskedLM", lambda: models.load_masked_lm()),
    ],
)
def test_models_load_safely(monkeypatch, cls_name, loader):
    import transformers

    calls = _recorder(monkeypatch, getattr(transformers, cls_name))
    assert loader() == "loaded"
    assert len(calls) == 1
    path, kwargs = calls[0]
    assert path == resolve_model("minilm")
    assert kwargs["trust_remote_code"] is False
    assert kwargs["use_safetensors"] is True


def test_caller_cannot_get_remote_code_by_accident(monkeypatch):
    import transformers

    calls = _recorder(monkeypatch, transformers.AutoModel)
    models.load_encoder("minilm", output_hidden_states=True)
    kwargs = calls[0][1]
    assert kwargs["trust_remote_code"] is False
    assert kwargs["use_safetensors"] is True
    assert kwargs["output_hidden_states"] is True


def test_hub_id_tries_cache_first(monkeypatch):
    import transformers

    calls = _recorder(monkeypatch, transformers.AutoModel)
    models.load_encoder("bert-base-uncased")
    path, kwargs = calls[0]
    assert path == "bert-base-uncased"
    assert kwargs["local_files_only"] is True
    assert kwargs["trust_remote_code"] is False
    assert kwargs["use_safetensors"] is True


def test_tokenizer_no_remote_code(monkeypatch):
    import transformers

    calls = _recorder(monkeypatch, transformers.AutoTokenizer)
    load_tokenizer()
    kwargs = calls[0][1]
    assert kwargs["trust_remote_code"] is False
    assert "use_safetensors" not in kwargs


@pytest.mark.parametrize("bad", ["fp64", "FP16", "", "float32"])
def test_pick_precision_invalid(bad):
    with pytest.raises(ValueError, match="expected one of"):
        pick_precision(bad, device="cpu")


def test_pick_precision_fp16_on_cpu_raises():
    with pytest.raises(ValueError, match="fp16.*CUDA"):
        pick_precision("fp16", device="cpu")


@pytest.mark.parametrize("has_bf16", [True, False])
@pytest.mark.parametrize("p", ["fp32", "bf16"])
def test_pick_precision_explicit_on_cpu(monkeypatch, p, has_bf16):
    monkeypatch.setattr(models, "cpu_has_bf16", lambda: has_bf16)
    assert pick_precision(p, device="cpu") == p


@pytest.mark.parametrize("has_bf16, expected", [(True, "bf16"), (False, "fp32")])
def test_pick_precision_auto_cpu(monkeypatch, no_switch, has_bf16, expected):
    monkeypatch.setattr(models, "cpu_has_bf16", lambda: has_bf16)
    assert pick_precision("auto", device="cpu") == expected
    assert pick_precision(device="cpu") == expected


AMD = "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n"
INTEL = "vendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n"


@pytest.mark.parametrize(
    "info, expected",
    [
        (AMD + "flags\t: fpu sse avx2 fma", False),
        (AMD + "flags\t: fpu avx2 avx512f avx512_bf16", True),  # Zen 4: bf16 2.2x fp32
        (INTEL + "flags\t: fpu avx2 amx_tile amx_bf16 amx_int8 avx512_bf16", True),
        # a Xeon whose AMX a VM hides: bf16 products at half the fp32 rate (this repo's bench)
        (INTEL + "flags\t: fpu avx2 avx512f avx512_bf16 avx512_fp16", False),
        (AMD + "flags\t: fpu avx2 avx512_bf16x", False),  # a longer flag name is not the flag
        ("flags\t: fpu avx2 avx512_bf16", False),  # no vendor line: not known to be AMD
    ],
)
def test_cpu_has_bf16_where_bf16_products_beat_fp32(monkeypatch, info, expected):
    from pathlib import Path

    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: info)
    assert models.cpu_has_bf16() is expected


@pytest.fixture
def no_switch(monkeypatch):
    """Tests of what "auto" picks by itself run without the user's precision switch."""
    monkeypatch.delenv(models.PRECISION_ENV, raising=False)


@pytest.mark.parametrize("forced", ["fp32", "bf16", "FP32", " bf16 "])
@pytest.mark.parametrize("has_bf16", [True, False])
def test_precision_switch_overrides_auto(monkeypatch, forced, has_bf16):
    monkeypatch.setattr(models, "cpu_has_bf16", lambda: has_bf16)
    monkeypatch.setenv(models.PRECISION_ENV, forced)
    assert pick_precision("auto", device="cpu") == forced.strip().lower()
    assert pick_precision("fp32", device="cpu") == "fp32"  # an explicit choice still wins


def test_precision_switch_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv(models.PRECISION_ENV, "fp8")
    with pytest.raises(ValueError, match="COURSE_PRECISION='fp8'"):
        pick_precision("auto", device="cpu")
    monkeypatch.setenv(models.PRECISION_ENV, "fp16")  # it used to blame precision='fp16'
    with pytest.raises(ValueError, match="^COURSE_PRECISION=fp16 needs a CUDA device; unset it"):
        pick_precision("auto", device="cpu")


@pytest.mark.parametrize("native, expected", [(True, "bf16"), (False, "fp16")])
def test_pick_precision_auto_cuda(monkeypatch, no_switch, native, expected):
    """bf16 only where the GPU computes it natively: torch's ``is_bf16_supported()`` also says
    yes where it is only emulated (a T4 or V100), so the emulation must not count."""
    import torch

    def is_bf16_supported(including_emulation: bool = True) -> bool:
        return native or including_emulation  # an older GPU: emulated bf16 only

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)
    assert pick_precision("auto", device="cuda") == expected
    assert pick_precision("auto", device="cuda:0") == expected
    assert pick_precision("fp16", device="cuda") == "fp16"


def test_default_device_is_cuda_only_where_torch_sees_a_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert models.default_device() == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert models.default_device() == "cuda"


def test_pick_precision_default_device(monkeypatch, no_switch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(models, "cpu_has_bf16", lambda: False)
    assert pick_precision() == "fp32"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert pick_precision() == "fp16"


def test_cpu_kind_names_the_model_and_its_bf16_units(monkeypatch):
    from pathlib import Path

    info = (
        "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\nflags\t\t: fpu avx2 avx512_bf16\n"
    )
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: info)
    assert models.cpu_kind() == "AMD EPYC 9B14; bf16 units: avx512_bf16 (used)"
    info = INTEL + "flags\t\t: fpu avx2 avx512_bf16 avx512_fp16\n"  # AMX hidden: fp32 picked
    assert models.cpu_kind() == (
        "Intel(R) Xeon(R) Processor; bf16 units: avx512_bf16 (not used: no faster than fp32 here)"
    )
    info = "model name\t: Some CPU\nflags\t\t: fpu avx2\n"
    assert models.cpu_kind() == "Some CPU; bf16 units: none"


# ---------------------------------------------------------------- bf16 linears, packed once


@pytest.fixture
def tiny_classifier(tiny_model_dir, gmb_labels):
    return load_token_classifier(tiny_model_dir, gmb_labels).eval()


def test_packed_linears_compute_what_bf16_autocast_does(tiny_classifier):
    """Where oneDNN packs bf16 weights, every linear layer runs packed (the profiler sees only the
    packed kernel) and the logits are bf16 autocast's; elsewhere nothing is packed."""
    import torch
    from torch.profiler import profile

    model = tiny_classifier
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 2088, 102, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        expected = model(input_ids=ids, attention_mask=mask).logits
        with models.packed_linears(model) as n, profile() as prof:
            got = model(input_ids=ids, attention_mask=mask).logits
    names = [e.name for e in prof.events()]
    if models.can_pack_bf16("cpu"):
        assert n == len(linear_layers(model)) > 0
        assert names.count("mkldnn::_linear_pointwise") == n and "aten::addmm" not in names
        assert got.dtype == expected.dtype == torch.bfloat16
        # same arithmetic; kernels may still sum in another order: at most bf16's own step
        torch.testing.assert_close(got.float(), expected.float(), rtol=1e-2, atol=2e-2)
    else:
        assert n == 0 and "mkldnn::_linear_pointwise" not in names
        assert torch.equal(got, expected)
    # the layers' own forward back
    assert all("forward" not in vars(m) for m in linear_layers(model))


def test_packed_linears_leave_what_they_cannot_pack(tiny_classifier, monkeypatch):
    import torch

    model = tiny_classifier
    with pytest.raises(RuntimeError, match="no_grad"), models.packed_linears(model):
        pass  # grad mode: the packed kernel has no backward
    # a layer whose forward something else replaced keeps it, and gets it back unchanged
    head = model.classifier
    head.forward = own = lambda x: x
    with torch.no_grad(), models.packed_linears(model) as n:
        assert head.forward is own
    packs = models.can_pack_bf16("cpu")  # every other layer packed where oneDNN can
    assert vars(head)["forward"] is own and n == (len(linear_layers(model)) - 1 if packs else 0)
    del head.forward
    # weights stored in bf16 run as they are; without oneDNN bf16 support nothing is packed
    with torch.no_grad(), models.packed_linears(model.to(torch.bfloat16)) as n:
        assert n == 0
    monkeypatch.setattr(models, "can_pack_bf16", lambda device: False)
    with torch.no_grad(), models.packed_linears(model.float()) as n:
        assert n == 0 and all("forward" not in vars(m) for m in linear_layers(model))


def test_autocast_packs_exactly_where_packs_bf16_says(tiny_classifier, monkeypatch):
    """One rule decides packing: autocast with a ``pack`` model packs its linear layers only in
    bf16 on a CPU that oneDNN packs for (helpers.bench asks the same function)."""
    import torch

    model = tiny_classifier

    def packed_during(precision):
        with torch.no_grad(), models.autocast(precision, "cpu", model):
            return sum("forward" in vars(m) for m in linear_layers(model))

    assert models.packs_bf16("bf16", "cpu") == models.can_pack_bf16("cpu")
    assert not models.packs_bf16("fp32", "cpu") and not models.packs_bf16("bf16", "cuda")
    assert packed_during("fp32") == 0
    expected = len(linear_layers(model)) if models.packs_bf16("bf16", "cpu") else 0
    assert packed_during("bf16") == expected
    monkeypatch.setattr(models, "can_pack_bf16", lambda device: False)
    assert not models.packs_bf16("bf16", "cpu") and packed_during("bf16") == 0


def test_packed_linears_restore_forward_after_an_error(tiny_classifier):
    import torch

    with pytest.raises(KeyError, match="inside"), torch.no_grad():
        with models.packed_linears(tiny_classifier):
            raise KeyError("inside the block")
    assert all("forward" not in vars(m) for m in linear_layers(tiny_classifier))


def test_packed_linears_let_torch_compile_trace_the_plain_layers(tiny_classifier, monkeypatch):
    """While torch.compile traces (``torch.compiler.is_compiling()``), a packed layer runs its
    plain ``forward``: inductor cannot lower the packed kernel."""
    import torch
    from torch.profiler import profile

    ids = torch.tensor([[101, 2023, 2003, 102]])

    def kernels(compiling: bool) -> tuple[int, set[str]]:
        monkeypatch.setattr(torch.compiler, "is_compiling", lambda: compiling)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            with models.packed_linears(tiny_classifier) as n, profile() as prof:
                tiny_classifier(input_ids=ids)
        return n, {e.name for e in prof.events()}

    can_pack = models.can_pack_bf16("cpu")
    n, eager = kernels(compiling=False)
    # the control: outside tracing every layer is packed and runs the packed kernel (where
    # oneDNN can pack at all; elsewhere nothing is packed)
    assert n == (len(linear_layers(tiny_classifier)) if can_pack else 0)
    assert ("mkldnn::_linear_pointwise" in eager) == can_pack
    n, traced = kernels(compiling=True)
    assert n == (len(linear_layers(tiny_classifier)) if can_pack else 0)
    assert "mkldnn::_linear_pointwise" not in traced and "aten::linear" in traced
