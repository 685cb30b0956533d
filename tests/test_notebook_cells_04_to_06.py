"""The code chapters 04-06 write in their own cells, run from the notebooks and compared with the
helpers versions later chapters import, on wider inputs than the notebooks' own asserts."""

from __future__ import annotations

import pytest

from helpers.alignment import CASING, CASING_PAD, align_casing, word_casing
from helpers.data import load_embedded
from tests.notebook_cells import notebook_namespace


def test_notebook04_casing_cell_equals_helpers_on_every_corpus_word(tok):
    import pandas as pd

    cell = notebook_namespace(
        "04_ner.ipynb", "def casing_of(", CASING=CASING, CASING_PAD=CASING_PAD, tokenizer=tok,
        pd=pd, word_casing=word_casing, align_casing=align_casing,
    )  # fmt: skip
    sentences = [*load_embedded("train"), *load_embedded("test")]
    words = sorted({w for s in sentences for w in s.words})
    words += ["", "ß", "ǅemal", "İstanbul", "x²", "ÉTÉ", "3M", "O'Neil", "DiCaprio", "日本"]
    assert [cell["casing_of"](w) for w in words] == [word_casing(w) for w in words]
    batch = sentences[:64]
    enc = tok([s.words for s in batch], is_split_into_words=True)
    for i, s in enumerate(batch):
        casings = [word_casing(w) for w in s.words]
        assert cell["casing_per_token"](enc.word_ids(i), casings) == align_casing(
            enc.word_ids(i), casings
        )


@pytest.mark.parametrize(
    "placement, layer", [("output", 0), ("after_frozen", 0), ("after_frozen", 1),
                         ("after_frozen", 2)],
)  # fmt: skip
def test_notebook04_casing_model_cell_equals_helpers_with_padding_and_labels(placement, layer):
    """Notebook 04 compares its ``BertWithCasing`` with helpers' class on one unpadded sentence;
    here on a padded batch with an attention mask and labels, for each placement and for a
    casing layer past the last one (2 of 2 layers: the hook falls back to the output)."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from helpers.casing import BertWithCasingForTokenClassification, CasingBertConfig

    tiny = BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=32)  # fmt: skip
    cell = notebook_namespace(
        "04_ner.ipynb", "class BertWithCasing(", torch=torch,
        BertForTokenClassification=BertForTokenClassification, CasingBertConfig=CasingBertConfig,
        BertWithCasingForTokenClassification=BertWithCasingForTokenClassification,
        CASING=CASING, CASING_PAD=CASING_PAD, load_config=lambda name: tiny, model_name="tiny",
        freeze_layers=1, enc={"input_ids": [1, 5, 6, 7, 2]}, casing_ids=[4, 1, 0, 2, 4],
    )  # fmt: skip
    shape = {k: v for k, v in tiny.to_dict().items() if k != "model_type"}
    cfg = CasingBertConfig(**shape, casing_placement=placement, casing_layer=layer, num_labels=3)
    torch.manual_seed(0)
    mine = cell["BertWithCasing"](cfg).eval()
    with torch.no_grad():
        mine.casing_embeddings.weight[:CASING_PAD] = torch.randn(CASING_PAD, 16)
    theirs = BertWithCasingForTokenClassification(cfg).eval()
    theirs.load_state_dict(mine.state_dict())
    batch = {
        "input_ids": torch.tensor([[1, 5, 6, 7, 2], [1, 8, 2, 0, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
        "casing_ids": torch.tensor([[4, 1, 0, 2, 4], [4, 3, 4, 4, 4]]),
        "labels": torch.tensor([[-100, 1, 0, 2, -100], [-100, 1, -100, -100, -100]]),
    }
    with torch.no_grad():
        a, b = mine(**batch), theirs(**batch)
    assert torch.equal(a.logits, b.logits) and torch.equal(a.loss, b.loss)


@pytest.mark.parametrize("probability", [0.0, 0.15, 0.5, 1.0])
def test_notebook05_masking_cell_equals_helpers(tok, probability):
    """Notebook 05 compares its ``mask_whole_words`` with ``helpers.mlm.mask_words`` for one seed
    and its own probability; here for several of each, with rows that are all padding."""
    import torch

    from helpers import mlm

    words = [s.words for s in load_embedded("test").sentences[:24]]
    cell = notebook_namespace(
        "05_mlm.ipynb", "def mask_whole_words(", torch=torch, mlm=mlm, encode=mlm.encode,
        tokenizer=tok, heldout_words=words, max_length=64, mlm_probability=probability, seed=0,
    )  # fmt: skip
    feats = mlm.encode(tok, words, 64)
    width = max(len(f["input_ids"]) for f in feats)
    ids = torch.tensor([f["input_ids"] + [0] * (width - len(f["input_ids"])) for f in feats])
    wids = torch.tensor([f["word_ids"] + [-1] * (width - len(f["word_ids"])) for f in feats])
    ids = torch.cat([ids, torch.zeros(2, width, dtype=ids.dtype)])  # two rows of padding only
    wids = torch.cat([wids, torch.full((2, width), -1)])
    args = (ids, wids, probability, tok.mask_token_id, len(tok))
    for seed in range(5):
        mine = cell["mask_whole_words"](*args, torch.Generator().manual_seed(seed))
        theirs = mlm.mask_words(*args, torch.Generator().manual_seed(seed))
        assert all(torch.equal(x, y) for x, y in zip(mine, theirs, strict=True)), seed


def test_notebook06_trainer_cell_is_train_nsp(tiny_model_dir, tok, monkeypatch):
    """Notebook 06 says ``helpers.nsp.train_nsp`` runs exactly the calls of its Trainer cell: run
    both on the same tiny model and pairs, in bf16 (the Trainer then wraps the model's forward in
    autocast, which both must take off again), and compare the losses and the trained weights."""
    import tempfile

    import matplotlib
    import torch
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer

    from helpers import nsp
    from helpers.models import drop_trainer_autocast
    from helpers.train import adamw, freeze, logged_losses, objective_arguments

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # on the CPU: a GPU would take both runs, where bf16 may be missing and kernels nondeterministic
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)  # no DataParallel over GPUs
    dropped = []  # what the cell's drop_trainer_autocast found: True if the Trainer had wrapped

    def spy(model):
        dropped.append(drop_trainer_autocast(model))
        return dropped[-1]

    train = load_embedded("train").sentences[:30]  # a few steps: bf16 is emulated on AVX2 CPUs
    per_epoch = [nsp.make_pairs(train, seed=s) for s in (0, 1)]
    settings = {"batch_size": 8, "learning_rate": 3e-4, "head_learning_rate": 3e-3,
                "freeze_layers": 0, "seed": 0}  # fmt: skip
    notebook_model, _, _ = nsp.load_nsp_model(tiny_model_dir)
    cell = notebook_namespace(
        "06_nsp.ipynb", "trainer.remove_callback(PrinterCallback)", **settings,
        head_trained=False, nsp=nsp, tok=tok, train_pairs=per_epoch, model=notebook_model,
        freeze=freeze, objective_arguments=objective_arguments, tempfile=tempfile,
        run_precision="bf16", Trainer=Trainer, DataCollatorWithPadding=DataCollatorWithPadding,
        adamw=adamw, PrinterCallback=PrinterCallback, drop_trainer_autocast=spy,
        logged_losses=logged_losses, plt=plt,
    )  # fmt: skip
    plt.close("all")
    helpers_model, _, _ = nsp.load_nsp_model(tiny_model_dir)
    run = nsp.train_nsp(helpers_model, tok, per_epoch, precision="bf16", **settings)
    assert len(run.losses) == -(-2 * len(per_epoch[0]) // 8)  # both lists, read once
    assert cell["run_losses"] == run.losses
    mine, theirs = notebook_model.state_dict(), helpers_model.state_dict()
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    assert dropped == [True]  # the Trainer had wrapped the forward in autocast, and the cell
    assert not hasattr(notebook_model, "_original_forward")  # took it off again


def test_notebook08_selection_cell_equals_helpers_on_ties_and_short_sentences():
    """Notebook 08 compares its ``select_sentences`` with helpers on its own pool; here on
    confidences that sit exactly on the threshold, one-word sentences and both rules."""
    from types import SimpleNamespace

    from helpers.pseudo_label import RULES, select, sentence_confidence

    # [0.7] * 3: its float mean is 0.6999...98, and the cell's "mean" rejected it at 0.7
    confidences = [[0.5], [0.49, 1.0], [0.5, 0.5, 0.5], [1.0, 0.0], [0.9, 0.8, 0.7], [0.25],
                   [0.7, 0.7, 0.7]]  # fmt: skip
    given = {"threshold": 0.5, "sweep": [0.0, 0.25, 0.5, 0.75, 1.0], "rule": "min",
             "RULES": RULES, "select": select, "sentence_confidence": sentence_confidence,
             "labels0": SimpleNamespace(confidences=confidences,
                                        selected=select(confidences, 0.5, "min")),
             "pool": confidences}  # fmt: skip
    cell = notebook_namespace("08_pseudo_labelling.ipynb", "def select_sentences(", **given)
    for rule in RULES:
        for th in (0.0, 0.245, 0.25, 0.5, 0.7, 0.75, 1.0):
            assert cell["select_sentences"](confidences, th, rule) == select(confidences, th, rule)
    assert cell["select_sentences"](confidences, 0.5, "min") == [0, 2, 4, 6]  # >=, not >
    assert cell["select_sentences"](confidences, 0.7, "mean") == [1, 4, 6]


@pytest.mark.parametrize("negatives", ["other_doc", "same_doc"])
def test_notebook06_pair_cell_equals_make_pairs_on_small_documents(negatives):
    """Notebook 06 compares its ``pairs_from_documents`` with ``helpers.nsp.make_pairs`` on the
    corpus; here on documents of one to five sentences (same-document negatives need a sentence
    two away; an odd anchor is left out), for ten seeds, one pair per anchor and both."""
    import random

    from helpers import nsp
    from helpers.data import Sentence

    sizes = [1, 2, 3, 5, 4, 2, 5]
    sents = [Sentence([f"w{d}_{k}"], ["O"], f"doc{d}") for d, n in enumerate(sizes)
             for k in range(n)]  # fmt: skip
    given = {"nsp": nsp, "random": random, "seed": 0}
    cell = notebook_namespace(
        "06_nsp.ipynb", "def pairs_from_documents(", **given,
        train_sents=load_embedded("train").sentences[:60], test_sents=sents,
    )  # fmt: skip
    for seed in range(10):
        for both in (False, True):
            mine = cell["pairs_from_documents"](sents, negatives, seed, both)
            assert mine == nsp.make_pairs(sents, negatives, seed, both), (seed, both)


@pytest.mark.slow
def test_notebook04_model_cells_continue_from_a_saved_casing_run(tmp_path, tiny_model_dir, tok):
    """A saved casing run as ``model_name`` (what check_model_fits and train_ner accept): its
    configuration already holds casing_placement and casing_layer, so cells 10 and 15 stopped
    with ``TypeError: got multiple values for keyword argument 'casing_placement'``."""
    from helpers.casing import casing_token_classifier
    from helpers.labels import GMB_TYPES, labels_for_types
    from tests.notebook_cells import parameter_defaults

    labels = labels_for_types(GMB_TYPES)
    saved = tmp_path / "saved"
    casing_token_classifier(tiny_model_dir, labels, "after_frozen", 1).save_pretrained(saved)
    tok.save_pretrained(saved)
    given = {**parameter_defaults("04_ner.ipynb"), "model_name": str(saved), "labels": labels}
    cell = notebook_namespace(
        "04_ner.ipynb", "IProgress not found", "import contextlib", "def casing_of(",
        "class BertWithCasing(", "model_config = AutoConfig.from_pretrained", **given,
    )  # fmt: skip
    assert cell["placement"] == "after_frozen" and type(cell["model"]).__name__ == (
        "BertWithCasingForTokenClassification"
    )
    assert cell["model"].config.casing_layer == 1
    assert not cell["loading"]["missing_keys"]  # the saved table and head are loaded, not new


def test_notebook04_applies_every_trainconfig_parameter_it_is_given(tiny_model_dir, tok):
    """The imports cell builds its config from every TrainConfig name papermill injects: -p
    dropout 0.3 was recorded in metrics.json and used by §6's train_ner run, while the model
    cell built the model with its own dropout; -p resume True failed in an assert of §2."""
    from helpers.labels import GMB_TYPES, labels_for_types
    from tests.notebook_cells import parameter_defaults

    labels = labels_for_types(GMB_TYPES)
    given = {**parameter_defaults("04_ner.ipynb"), "model_name": tiny_model_dir, "labels": labels}
    assert {"dropout", "scheduler", "max_length", "group_by_length"} <= set(given)
    markers = ("IProgress not found", "import contextlib", "def casing_of(",
               "class BertWithCasing(", "model_config = AutoConfig.from_pretrained")  # fmt: skip
    cell = notebook_namespace("04_ner.ipynb", *markers, **{**given, "dropout": 0.3})
    assert cell["config"].dropout == 0.3
    assert cell["model"].config.hidden_dropout_prob == 0.3
    assert cell["model"].config.attention_probs_dropout_prob == 0.3
    default = notebook_namespace("04_ner.ipynb", *markers, **given)
    assert default["model"].config.hidden_dropout_prob == 0.1  # None: the model's own
    with pytest.raises(ValueError, match=r"^resume=True: this notebook saves no checkpoint"):
        notebook_namespace("04_ner.ipynb", *markers[:2], **{**given, "resume": True})


def test_notebook04_says_when_its_two_scores_use_different_gold(capsys):
    """With labels only the test split has (a user's file), the per-subword score reads them as
    O and the per-word score counts their entities as missed: the two F1 used to be printed
    side by side as if on the same gold."""
    from helpers.labels import entity_spans

    given = {"per_piece": {"overall_f1": 0.5}, "scores": {"overall_f1": 0.6},
             "pred_pieces": [["B-per", "O"]], "pred_tags": [["B-per", "O"]], "calibrated": False,
             "inflated": False, "entity_spans": entity_spans}  # fmt: skip
    notebook_namespace("04_ner.ipynb", "def n_entities(seqs):", **given, test_only=["B-nat"])
    assert "not the same gold: the per-subword score leaves out the entities of ['B-nat']" in (
        capsys.readouterr().out
    )
    notebook_namespace("04_ner.ipynb", "def n_entities(seqs):", **given, test_only=[])
    assert "not the same gold" not in capsys.readouterr().out
