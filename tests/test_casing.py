"""The learned casing feature (issue 23): casing ids per word and per subword, a zero-initialised
casing embedding in a BERT token classifier, FrozenCache, saving and loading, the refusal to load
a casing model without its casing, the pipeline and helpers.predict, the command line."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import (
    AutoModelForTokenClassification,
    BertForTokenClassification,
    BertTokenizerFast,
    pipeline,
    set_seed,
)

from helpers import ner
from helpers.alignment import (
    CASING,
    CASING_PAD,
    IGNORE,
    align_casing,
    align_labels,
    b_to_i_map,
    tokenize_and_align,
    word_casing,
)
from helpers.casing import (
    AUTO_PLACEMENT,
    BertWithCasingForTokenClassification,
    CasingCollator,
    CasingTokenClassificationPipeline,
    casing_token_classifier,
    load_casing_classifier,
    lowercases,
    resolve_casing,
)
from helpers.data import load_corpus, load_embedded
from helpers.models import (
    ModelLoadError,
    load_config,
    load_encoder,
    load_token_classifier,
    uses_casing,
)
from helpers.predict import predict, predict_word_tags, split_words
from helpers.train import (
    FrozenCache,
    TrainConfig,
    check_model_fits,
    evaluate_ner,
    new_modules,
    optimizer,
    save_run,
    train_ner,
)
from tests.conftest import FAST

TEXTS = [
    "President Amara Diallo of Senegal met U.N. officials in Geneva on Tuesday.",
    "Shares of Toyota rose 3.5 percent in Tokyo after the Olympic Games, analysts said.",
    "NATO and the EU said iPhone sales in the USA fell .",
    "",
    "voters in ghana went to the polls on saturday",
]


def casing_name(word: str) -> str:
    return CASING[word_casing(word)]


@pytest.mark.parametrize(
    "word, expected",
    [
        ("percent", "lower"),
        ("e-mail", "lower"),
        ("'s", "lower"),
        ("Paris", "capitalised"),
        ("McDonald", "capitalised"),
        ("O'Brien", "capitalised"),
        ("A", "capitalised"),  # one capital letter is not ALL CAPS
        ("I", "capitalised"),
        ("Mr.", "capitalised"),
        ("Élysée", "capitalised"),
        ("NATO", "all_caps"),
        ("U.N.", "all_caps"),
        ("UK", "all_caps"),
        ("ÉTATS", "all_caps"),
        ("iPhone", "other"),  # lower-case first letter with capitals after it
        ("1,800", "other"),
        ("2005", "other"),
        ("G8", "other"),  # a digit makes it other
        ("3rd", "other"),
        (",", "other"),
        ("", "other"),
        ("東京", "other"),  # letters without case
    ],
)
def test_word_casing(word, expected):
    assert casing_name(word) == expected


def test_casing_values():
    assert CASING == ("lower", "capitalised", "all_caps", "other", "pad")
    assert CASING[CASING_PAD] == "pad"
    assert all(word_casing(w) != CASING_PAD for w in ["", "x", "X", "XX", "1", "."])


def test_align_casing_special_tokens_and_continuations():
    # [CLS] Ahmadinejad(3 pieces) visited NATO [SEP]
    word_ids = [None, 0, 0, 0, 1, 2, None]
    casings = [word_casing(w) for w in ["Ahmadinejad", "visited", "NATO"]]
    cap, low, caps = (CASING.index(c) for c in ("capitalised", "lower", "all_caps"))
    assert align_casing(word_ids, casings) == [CASING_PAD, cap, cap, cap, low, caps, CASING_PAD]


def test_casing_is_aligned_where_the_labels_are(tok, gmb_maps):
    """casing_ids sit exactly where strategy="all" puts labels (every piece of every word,
    special tokens out), each piece with its word's casing; long sentences are windowed alike."""
    label2id, _ = gmb_maps
    sents = load_embedded("train").sentences[:40]
    words, tags = [s.words for s in sents], [s.tags for s in sents]
    long_words = [w for s in sents for w in s.words]  # one sentence longer than a window
    long_tags = [t for s in sents for t in s.tags]
    for ws, ts in ((words, tags), ([long_words], [long_tags])):
        enc = tokenize_and_align(ws, ts, tok, label2id, strategy="all", casing=True, max_length=128)
        assert len(enc["casing_ids"]) == len(enc["input_ids"]) > 0
        for s, wids, labels, casing in zip(
            enc["sample"], enc["word_ids"], enc["labels"], enc["casing_ids"], strict=True
        ):
            assert len(casing) == len(wids)
            assert [c != CASING_PAD for c in casing] == [lab != IGNORE for lab in labels]
            assert casing == [CASING_PAD if w is None else word_casing(ws[s][w]) for w in wids]
            # the same positions as the labels' own alignment function gives
            same = align_labels(wids, [label2id[t] for t in ts[s]], "all", b_to_i_map(label2id))
            assert [c != CASING_PAD for c in casing] == [x != IGNORE for x in same]
    assert "casing_ids" not in tokenize_and_align(words, tags, tok, label2id)


# ---------------------------------------------------------------- the model


@pytest.fixture(scope="module")
def two_layer_dir(module_dir, tok):
    """The embedded MiniLM cut to two layers: one to freeze and cache, one to train."""
    path = module_dir("casing_two_layer")
    load_encoder("minilm", num_hidden_layers=2).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return str(path)


def _inputs(tok, texts=TEXTS[:3]):
    words = [t.split() for t in texts]
    enc = tokenize_and_align(words, None, tok, casing=True)
    width = max(len(x) for x in enc["input_ids"])
    ids = [x + [0] * (width - len(x)) for x in enc["input_ids"]]
    mask = [[1] * len(x) + [0] * (width - len(x)) for x in enc["input_ids"]]
    casing = [x + [CASING_PAD] * (width - len(x)) for x in enc["casing_ids"]]
    return {
        "input_ids": torch.tensor(ids),
        "attention_mask": torch.tensor(mask),
        "casing_ids": torch.tensor(casing),
    }


def _random_casing(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        w = model.casing_embeddings.weight
        w.copy_(torch.randn(w.shape, generator=g))
        w[CASING_PAD] = 0


@pytest.mark.parametrize(
    "placement, layer", [("after_frozen", 1), ("after_frozen", 0), ("output", 0)]
)
def test_an_untrained_casing_model_computes_what_the_plain_one_does(
    two_layer_dir, tok, gmb_labels, placement, layer
):
    set_seed(5)
    plain = load_token_classifier(two_layer_dir, gmb_labels).eval()
    set_seed(5)
    model = casing_token_classifier(two_layer_dir, gmb_labels, placement, layer).eval()
    assert isinstance(model, BertForTokenClassification) and uses_casing(model)
    assert model.config.casing_placement == placement and model.config.casing_layer == layer
    assert torch.count_nonzero(model.casing_embeddings.weight) == 0
    assert torch.equal(plain.classifier.weight, model.classifier.weight)  # same seed, same head
    x = _inputs(tok)
    with torch.no_grad():
        a = plain(input_ids=x["input_ids"], attention_mask=x["attention_mask"]).logits
        b = model(**x).logits
        assert torch.equal(a, b)
        _random_casing(model)  # the check can fail: a trained table changes the logits
        assert not torch.allclose(model(**x).logits, a)


def test_special_tokens_and_padding_get_no_casing(two_layer_dir, tok, gmb_labels):
    """The pad row gets no gradient, so training never moves it from zero; a token whose
    casing id is CASING_PAD computes what the plain model does. (The check used to read the
    pad row after the test's own helper had zeroed it.)"""
    set_seed(5)
    plain = load_token_classifier(two_layer_dir, gmb_labels).eval()
    set_seed(5)
    model = casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", 1)
    assert model.casing_embeddings.padding_idx == CASING_PAD
    assert torch.count_nonzero(model.casing_embeddings.weight[CASING_PAD]) == 0  # fresh table
    x = _inputs(tok)
    with torch.no_grad():  # other rows random, the pad row left as the model made it
        w = model.casing_embeddings.weight
        w[:CASING_PAD] = torch.randn(
            w[:CASING_PAD].shape, generator=torch.Generator().manual_seed(0)
        )
    model(**x).logits.sum().backward()
    grad = model.casing_embeddings.weight.grad
    assert torch.count_nonzero(grad[CASING_PAD]) == 0 and torch.count_nonzero(grad[:CASING_PAD])
    model.eval()
    only_pad = {**x, "casing_ids": torch.full_like(x["casing_ids"], CASING_PAD)}
    with torch.no_grad():
        a = plain(input_ids=x["input_ids"], attention_mask=x["attention_mask"]).logits
        assert torch.equal(model(**only_pad).logits, a)
        assert not torch.allclose(model(**x).logits, a)  # the other rows do change the logits


def test_casing_ids_are_required(two_layer_dir, tok, gmb_labels):
    model = casing_token_classifier(two_layer_dir, gmb_labels, "output").eval()
    x = _inputs(tok)
    with pytest.raises(ValueError, match="needs casing_ids"):
        model(input_ids=x["input_ids"], attention_mask=x["attention_mask"])
    inside = casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", 1).eval()
    with pytest.raises(ValueError, match="casing_ids are needed"):
        inside.bert(input_ids=x["input_ids"])  # its encoder alone has no casing ids to add
    with pytest.raises(ValueError, match="shape"):
        model(**{**x, "casing_ids": x["casing_ids"][:, :-1]})
    with pytest.raises(ValueError, match="casing_placement"):
        casing_token_classifier(two_layer_dir, gmb_labels, "input")
    with pytest.raises(ValueError, match="casing_layer"):
        casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", 3)
    # True used to pass as 1, and np.int64(1) failed only when saving (config.json left empty)
    for layer in (True, np.int64(1), -1):
        with pytest.raises(ValueError, match="^" + re.escape(f"casing_layer={layer!r}: expected")):
            casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", layer)


def test_after_frozen_works_with_the_frozen_cache(two_layer_dir, tok, gmb_labels):
    """The casing is added at the input of layer 1, above the cached bottom (embeddings +
    layer 0): the same logits with and without FrozenCache, and the cache reused as it is when
    only the casing differs (a change of casing never needs a new bottom)."""
    model = casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", 1).eval()
    _random_casing(model)
    x = _inputs(tok)
    with torch.no_grad():
        uncached = model(**x).logits
        lowered = model(**{**x, "casing_ids": torch.zeros_like(x["casing_ids"])}).logits
        with FrozenCache(model, 1) as cache:
            first = model(**x).logits
            again = model(**x).logits
            other = model(**{**x, "casing_ids": torch.zeros_like(x["casing_ids"])}).logits
    real = x["attention_mask"].bool()  # the cache gives padding zeros (masked, never labelled)
    assert cache.misses == 3 and cache.hits == 6
    assert torch.allclose(first[real], uncached[real], atol=1e-5) and torch.equal(first, again)
    assert torch.allclose(other[real], lowered[real], atol=1e-5)
    assert not torch.allclose(other[real], first[real])


def test_the_casing_table_trains_with_the_heads_learning_rate(two_layer_dir, gmb_labels):
    model = casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", 1)
    cfg = TrainConfig(learning_rate=1e-4, head_learning_rate=2e-3)
    heads = {id(p) for p in new_modules(model).parameters()}
    assert id(model.casing_embeddings.weight) in heads and id(model.classifier.weight) in heads
    groups = optimizer(model, cfg).param_groups
    lr = {id(p): g["lr"] for g in groups for p in g["params"]}
    assert lr[id(model.casing_embeddings.weight)] == 2e-3
    assert lr[id(model.bert.encoder.layer[1].attention.self.query.weight)] == 1e-4


def test_collator_pads_casing_like_the_labels(tok, gmb_maps):
    label2id, _ = gmb_maps
    sents = load_embedded("train").sentences[:4]
    enc = tokenize_and_align(
        [s.words for s in sents], [s.tags for s in sents], tok, label2id, "all", casing=True
    )
    features = [
        {k: enc[k][i] for k in ("input_ids", "attention_mask", "labels", "casing_ids")}
        for i in range(len(sents))
    ]
    batch = CasingCollator(tok)(features)
    assert batch["casing_ids"].shape == batch["input_ids"].shape == batch["labels"].shape
    assert torch.equal(batch["casing_ids"] != CASING_PAD, batch["labels"] != IGNORE)
    assert "casing_ids" in features[0]  # the dataset's rows are not changed
    without = [{k: v for k, v in f.items() if k != "casing_ids"} for f in features]
    plain = CasingCollator(tok)(without)
    assert "casing_ids" not in plain and torch.equal(plain["labels"], batch["labels"])


# ---------------------------------------------------------------- save, load, refuse


@pytest.fixture(scope="module")
def saved(module_dir, two_layer_dir, tok, gmb_labels):
    model = casing_token_classifier(two_layer_dir, gmb_labels, "after_frozen", 1).eval()
    _random_casing(model)
    path = module_dir("casing_saved")
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return model, str(path)


def test_save_and_load_round_trip(saved, tok, gmb_labels):
    model, path = saved
    assert list(Path(path).glob("*.safetensors"))
    config = json.loads((Path(path) / "config.json").read_text())
    assert config["model_type"] == "bert_casing" and config["casing_layer"] == 1
    x = _inputs(tok)
    with torch.no_grad():
        expected = model(**x).logits
    loaders = [
        lambda: AutoModelForTokenClassification.from_pretrained(path, use_safetensors=True),
        lambda: load_casing_classifier(path),
        lambda: load_token_classifier(path, gmb_labels),
        lambda: ner.load_trained(path)[0],
    ]
    for load in loaders:
        again = load().eval()
        assert type(again) is BertWithCasingForTokenClassification
        assert again.config.casing_placement == "after_frozen"
        with torch.no_grad():
            assert torch.equal(again(**x).logits, expected)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_casing_model_never_loads_silently_without_its_casing(saved, gmb_labels, monkeypatch):
    _, path = saved
    # helpers' loaders refuse a class without casing
    with pytest.raises(ModelLoadError, match="casing feature"):
        load_token_classifier(path, gmb_labels, model_class=BertForTokenClassification)
    # the library itself, asked for a plain BERT, warns at its default verbosity: the model
    # type differs and the casing weights are not used
    from transformers.utils import logging as hf_logging

    handler, logger = _Records(), logging.getLogger("transformers")
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_warning()
    logger.addHandler(handler)
    try:
        plain = BertForTokenClassification.from_pretrained(path, use_safetensors=True)
    finally:
        logger.removeHandler(handler)
        hf_logging.set_verbosity(verbosity)
    assert not hasattr(plain, "casing_embeddings")
    text = "\n".join(handler.messages)
    assert "bert_casing" in text and "casing_embeddings.weight" in text
    # a process that has not registered the casing class gets a clear error, not a plain BERT
    from transformers import AutoConfig

    def unknown(model_type, *a, **k):
        raise ValueError(f"Unrecognized model identifier: {model_type}")

    monkeypatch.setattr(AutoConfig, "for_model", unknown)
    with pytest.raises(ModelLoadError, match="import helpers.casing"):
        load_token_classifier(path, gmb_labels)
    with pytest.raises(ModelLoadError, match="import helpers.casing"):
        load_config(path)  # its configuration alone, as train's checks read it


def test_training_from_a_casing_model_keeps_its_casing(saved, gmb_labels, tok):
    model, path = saved
    from helpers.train import token_classifier

    for setting in ("auto", "after_frozen"):  # the saved model's own placement, by both names
        cfg = TrainConfig(model_name=path, casing=setting, freeze_layers=1)
        again = token_classifier(cfg, gmb_labels, tok)
        assert uses_casing(again) and again.config.casing_placement == "after_frozen"
        # the trained casing table is the saved one, not a new zero table
        saved_table = model.casing_embeddings.weight
        assert saved_table.abs().sum() > 0
        assert torch.equal(again.casing_embeddings.weight, saved_table)
    with pytest.raises(ValueError, match="saved with a casing feature"):
        token_classifier(TrainConfig(model_name=path, casing="off"), gmb_labels, tok)


def test_the_command_line_refuses_to_move_a_saved_casing_table_before_training(
    saved, tmp_path, capsys
):
    _, path = saved
    code = ner.main(["train", "--model", path, "--freeze-layers", "2", "--no-progress",
                     "--output-dir", str(tmp_path / "run")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert "saved with its trained casing table at after_frozen (the input of layer 1)" in err
    assert not (tmp_path / "run").exists()


def test_a_setting_that_would_move_a_saved_casing_table_is_refused(
    saved, gmb_labels, tok, two_layer_dir, tmp_path
):
    """'auto' used to put a saved model's trained table at AUTO_PLACEMENT before layer
    freeze_layers, wherever it had been trained: a table learned for the output was added at
    the input of layer 1 without a word."""
    from helpers.train import token_classifier

    _, path = saved  # after_frozen, the input of layer 1
    expected = r"expected casing='after_frozen' or 'auto', freeze_layers=1$"
    for casing, freeze in (("output", 1), ("auto", 2), ("after_frozen", 0)):
        with pytest.raises(ValueError, match=r"at after_frozen \(the input of layer 1\); "
                           rf"casing='{casing}' with freeze_layers={freeze} would move it: "
                           + expected):  # fmt: skip
            token_classifier(TrainConfig(model_name=path, casing=casing, freeze_layers=freeze),
                             gmb_labels, tok)  # fmt: skip
    out = casing_token_classifier(two_layer_dir, gmb_labels, "output", 1).eval()
    _random_casing(out)
    out.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    for freeze in (0, 1, 2):  # at the output, the layer does not matter
        again = token_classifier(TrainConfig(model_name=str(tmp_path), freeze_layers=freeze),
                                 gmb_labels, tok)  # fmt: skip
        assert again.config.casing_placement == "output"
        assert torch.equal(again.casing_embeddings.weight, out.casing_embeddings.weight)
    with pytest.raises(ValueError, match=r"at output; casing='after_frozen' .* expected "
                       r"casing='output' or 'auto'$"):  # fmt: skip
        token_classifier(TrainConfig(model_name=str(tmp_path), casing="after_frozen"),
                         gmb_labels, tok)  # fmt: skip
    # 'auto' keeps a saved table even with a cased tokenizer (resolve_casing alone says off)
    cased = BertTokenizerFast.from_pretrained(tmp_path, do_lower_case=False)
    assert resolve_casing("auto", cased, "bert_casing") is None
    kept = token_classifier(TrainConfig(model_name=str(tmp_path)), gmb_labels, cased)
    assert kept.config.casing_placement == "output"
    # 'off' is refused up front, with the run's other checks, not when the model is built
    with pytest.raises(ValueError, match=r"casing='off' would train it without one: set casing "
                       r"to 'output' or 'auto'"):  # fmt: skip
        check_model_fits(TrainConfig(model_name=str(tmp_path), casing="off"))


# ---------------------------------------------------------------- the setting


def test_auto_is_on_for_an_uncased_tokenizer_and_off_for_a_cased_one(tok, tmp_path):
    tok.save_pretrained(tmp_path)
    cased = BertTokenizerFast.from_pretrained(tmp_path, do_lower_case=False)
    assert lowercases(tok) and not lowercases(cased)
    assert resolve_casing("auto", tok, "bert") == AUTO_PLACEMENT
    assert resolve_casing("auto", cased, "bert") is None  # a cased model sees capitals already
    assert (
        resolve_casing("off", tok, "bert") is None and resolve_casing("off", cased, "bert") is None
    )
    assert resolve_casing("output", cased, "bert") == "output"  # still possible when asked for
    assert resolve_casing("auto", tok, "distilbert") is None  # not a BERT: no casing class
    with pytest.raises(ValueError, match="casing"):
        resolve_casing("on", tok, "bert")
    with pytest.raises(ValueError, match="casing"):
        TrainConfig(casing="on").validate()


@pytest.mark.parametrize("placement", ["after_frozen", "output"])
def test_a_casing_placement_on_a_model_that_is_not_a_bert_is_refused_before_loading(
    placement, tiny_distilbert_dir
):
    config = TrainConfig(model_name=tiny_distilbert_dir, casing=placement)
    with pytest.raises(ValueError, match=f"casing='{placement}'.*needs a BERT.*'distilbert'"):
        check_model_fits(config)  # the command line and notebook 04 call it before loading
    for setting in ("auto", "off"):  # resolve to no casing for a DistilBERT: accepted
        check_model_fits(TrainConfig(model_name=tiny_distilbert_dir, casing=setting))


def test_command_line_takes_casing():
    args = ner.build_parser().parse_args(["train", "--casing", "output"])
    assert args.casing == "output"
    with pytest.raises(SystemExit) as exit_:
        ner.build_parser().parse_args(["train", "--casing", "on"])
    assert exit_.value.code == 2  # argparse's usage error, not some other exit


# ---------------------------------------------------------------- trained with casing


@pytest.fixture(scope="module")
def casing_run(tiny_model_dir, tiny_data, module_dir):
    """The tiny (one-layer) model trained with casing at the input of its layer 0."""
    train, ev, labels = tiny_data
    out = str(module_dir("casing_run"))
    kw = {**FAST, "epochs": 3, "seed": 3}
    return train_ner(train, ev, labels, model_name=tiny_model_dir, output_dir=out,
                     casing="after_frozen", **kw)  # fmt: skip


@pytest.mark.slow  # trains the tiny model
def test_training_with_casing_learns_the_table(casing_run):
    model = casing_run.model
    assert uses_casing(model) and model.config.casing_layer == 0
    assert casing_run.config["casing"] == "after_frozen"
    table = model.casing_embeddings.weight
    assert torch.count_nonzero(table[:CASING_PAD]) > 0  # it learned
    assert torch.count_nonzero(table[CASING_PAD]) == 0  # special tokens and padding: nothing
    assert casing_run.history[-1]["f1"] > 0


@pytest.mark.slow  # uses the model trained by casing_run
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_pipeline_finds_what_helpers_predict_finds(casing_run, precision):
    model, tok = casing_run.model, casing_run.tokenizer
    ours = predict(TEXTS, model, tok, batch_size=2, precision=precision)
    pipe = pipeline(
        "token-classification",
        model=model,
        tokenizer=tok,
        aggregation_strategy="first",
        device=-1,
        pipeline_class=CasingTokenClassificationPipeline,
    )
    for text, p in zip(TEXTS, ours, strict=True):
        theirs = pipe(text) if text else []
        assert [(e.type, e.start, e.end) for e in p.entities] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
    assert any(p.entities for p in ours)


@pytest.mark.slow  # uses the model trained by casing_run
def test_a_casing_model_tags_an_empty_list_of_sentences(casing_run):
    """Notebook 08 with rule="mean" pseudo-labels the whole pool, then tags the sentences left:
    none. With a casing model that used to fail with an IndexError."""
    model, tok = casing_run.model, casing_run.tokenizer
    assert predict_word_tags(model, tok, []) == ([], [])
    assert predict_word_tags(model, tok, [[], []]) == ([[], []], [[], []])
    tags, scores = predict_word_tags(model, tok, [[], ["Paris", "."]])
    assert tags[0] == [] and len(tags[1]) == len(scores[1]) == 2


@pytest.mark.slow  # uses the model trained by casing_run
def test_the_pipelines_casing_ids_are_the_words_casing(casing_run):
    model, tok = casing_run.model, casing_run.tokenizer
    pipe = pipeline("token-classification", model=model, tokenizer=tok, device=-1,
                    pipeline_class=CasingTokenClassificationPipeline)  # fmt: skip
    for text in TEXTS[:3]:
        chunk = next(iter(pipe.preprocess(text, **pipe._preprocess_params)))
        words = split_words(text, tok)[0]
        enc = tokenize_and_align([words], None, tok, casing=True)
        assert chunk["casing_ids"][0].tolist() == enc["casing_ids"][0]
        assert chunk["input_ids"][0].tolist() == enc["input_ids"][0]
    # the trained table matters: the same ids with every word "lower" give other logits
    x = tok(TEXTS[0], return_tensors="pt").to(model.device)
    casing = next(iter(pipe.preprocess(TEXTS[0], **pipe._preprocess_params)))["casing_ids"]
    casing = casing.to(model.device)
    with torch.no_grad():
        real = model(**x, casing_ids=casing).logits
        lower = torch.where(casing == CASING_PAD, CASING_PAD, CASING.index("lower"))
        assert not torch.allclose(real, model(**x, casing_ids=lower).logits)


@pytest.mark.slow  # uses the model trained by casing_run
def test_saved_casing_run_predicts_the_same_entities_from_the_command_line(
    casing_run, capsys, tmp_path
):
    """save_run → python -m helpers.ner predict --model DIR: the entities of the trained model."""
    texts = [t for t in TEXTS if t]
    run_dir = save_run(tmp_path / "run", casing_run.config, casing_run, {"f1": 0.0})
    assert ner.main(["predict", "--model", str(run_dir), *texts]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = predict(texts, casing_run.model, casing_run.tokenizer)
    assert [[(e["type"], e["start"], e["end"]) for e in r["entities"]] for r in records] == [
        [(e.type, e.start, e.end) for e in p.entities] for p in expected
    ]
    assert any(r["entities"] for r in records)


@pytest.mark.slow  # trains the tiny model through the command line
def test_command_line_trains_with_casing_and_saves_it(capsys, tmp_path, tiny_model_dir):
    from helpers.paths import CORPUS_TRAIN

    lines = CORPUS_TRAIN.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "train.csv").write_text("".join(lines[:33]), encoding="utf-8")
    (tmp_path / "test.csv").write_text("".join(lines[:17]), encoding="utf-8")
    out_dir = tmp_path / "run"
    argv = ["train", "--model", tiny_model_dir, "--data", tmp_path / "train.csv", "--test",
            tmp_path / "test.csv", "--epochs", "2", "--batch-size", "4", "--learning-rate",
            "1e-3", "--warmup", "0", "--precision", "fp32", "--seed", "3", "--n-sentences",
            "all", "--no-progress", "--freeze-layers", "0", "--casing", "after_frozen",
            "--output-dir", out_dir]  # fmt: skip
    assert ner.main([str(a) for a in argv]) == 0, capsys.readouterr().err
    report = json.loads((out_dir / "metrics.json").read_text())
    assert report["parameters"]["casing"] == "after_frozen"
    model, tok = ner.load_trained(str(out_dir))
    assert uses_casing(model)
    again, _ = evaluate_ner(model, tok, load_corpus(tmp_path / "test.csv").sentences)
    assert again == report["test"]  # the saved model is the scored one, casing included
