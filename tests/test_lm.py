"""Causal vs masked LM: masks taken from the models, positions counted, tokenizer, generation."""

from __future__ import annotations

import pytest
import torch

from helpers import lm
from helpers.data import load_embedded

SIZES = {"layers": 2, "hidden": 32, "heads": 2, "max_positions": 64}


@pytest.fixture(scope="module")
def texts():
    return [" ".join(s.words) for s in load_embedded("train").sentences[:200]]


@pytest.fixture(scope="module")
def small_tok(tok, texts):
    return lm.reduced_tokenizer(tok, texts)


def _collator(tokenizer, kind, seed=0):
    """What notebook 07 builds in a cell: the library's collator for either objective."""
    from transformers import DataCollatorForLanguageModeling

    return DataCollatorForLanguageModeling(
        tokenizer, mlm=kind == "mlm", mlm_probability=0.15 if kind == "mlm" else None, seed=seed
    )


def _dataset(tokenizer, texts):
    """What notebook 07 builds in a cell: the texts tokenized with ``Dataset.map``."""
    from datasets import Dataset

    return Dataset.from_dict({"text": texts}).map(
        lambda b: tokenizer(b["text"], truncation=True, max_length=64),
        batched=True,
        remove_columns=["text"],
    )


def _batch(tokenizer, texts, n):
    return [{"input_ids": ids} for ids in tokenizer(texts[:n], truncation=True)["input_ids"]]


def test_reduced_tokenizer_tokenizes_like_the_base(tok, small_tok, texts):
    assert len(small_tok) < len(tok) / 5
    assert [
        small_tok.pad_token_id,
        small_tok.unk_token_id,
        small_tok.cls_token_id,
        small_tok.sep_token_id,
        small_tok.mask_token_id,
    ] == [0, 1, 2, 3, 4]
    for t in texts:
        assert small_tok.tokenize(t) == tok.tokenize(t)
    assert lm.reduced_tokenizer(tok, texts).get_vocab() == small_tok.get_vocab()
    with pytest.raises(ValueError, match="empty"):
        lm.reduced_tokenizer(tok, [])


@pytest.mark.parametrize("kind", lm.KINDS)
def test_same_architecture_for_both_objectives(small_tok, kind):
    model = lm.build_model(small_tok, kind, seed=0, **SIZES)
    other = lm.build_model(small_tok, "mlm" if kind == "clm" else "clm", seed=0, **SIZES)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes == {k: v.shape for k, v in other.state_dict().items()}
    assert model.config.is_decoder == (kind == "clm")


@pytest.mark.parametrize("kind", lm.KINDS)
def test_loss_is_named_and_is_the_objectives_cross_entropy(small_tok, kind):
    """transformers knows which loss each model takes (no "unrecognized loss_type" fallback),
    and it is next-token cross-entropy for clm, same-position cross-entropy for mlm."""
    from transformers.loss.loss_utils import LOSS_MAPPING

    model = lm.build_model(small_tok, kind, seed=3, **SIZES).eval()
    assert model.loss_type in LOSS_MAPPING
    ids = _random_ids(small_tok, seed=3)
    with torch.inference_mode():
        out = model(input_ids=ids, labels=ids)
    logits = out.logits[0].float()
    if kind == "clm":  # position t predicts token t + 1
        logits, targets = logits[:-1], ids[0, 1:]
    else:
        targets = ids[0]
    expected = torch.nn.functional.cross_entropy(logits, targets)
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-5)


def _random_ids(tok, n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(5, len(tok), (1, n), generator=g)


def test_causal_attention_blocks_every_future_position(small_tok):
    model = lm.build_model(small_tok, "clm", seed=1, **SIZES).eval()
    ids = _random_ids(small_tok)
    with torch.inference_mode():
        att = model(input_ids=ids, output_attentions=True).attentions
    n = ids.shape[1]
    future = torch.ones(n, n, dtype=torch.bool).triu(1)
    for layer in att:
        probs = layer[0]  # heads x n x n
        assert (probs[:, future] == 0).all()
        assert (probs[:, ~future] > 0).all()
        assert torch.allclose(probs.sum(-1), torch.ones(probs.shape[:2]), atol=1e-5)


def test_bidirectional_attention_sees_the_future(small_tok):
    model = lm.build_model(small_tok, "mlm", seed=1, **SIZES).eval()
    ids = _random_ids(small_tok)
    with torch.inference_mode():
        att = model(input_ids=ids, output_attentions=True).attentions
    future = torch.ones(ids.shape[1], ids.shape[1], dtype=torch.bool).triu(1)
    for layer in att:
        assert (layer[0][:, future] > 0).all()


def test_attention_probs_helper_returns_the_models_masks(small_tok):
    clm = lm.build_model(small_tok, "clm", seed=2, **SIZES)
    mlm = lm.build_model(small_tok, "mlm", seed=2, **SIZES)
    a = lm.attention_probs(clm, small_tok, "the president said")
    b = lm.attention_probs(mlm, small_tok, "the president said")
    assert a.shape == b.shape == (2, 2, 5, 5)
    assert torch.equal(a, a.tril()) and not torch.equal(b, b.tril())


def test_changing_a_future_token_leaves_causal_outputs_unchanged(small_tok):
    ids = _random_ids(small_tok)
    changed = ids.clone()
    changed[0, 8] = (changed[0, 8] + 1) % len(small_tok)
    for kind, same in (("clm", True), ("mlm", False)):
        model = lm.build_model(small_tok, kind, seed=3, **SIZES).eval()
        with torch.inference_mode():
            x, y = model(input_ids=ids).logits, model(input_ids=changed).logits
        assert torch.allclose(x[0, :8], y[0, :8], atol=1e-6) == same


def test_positions_learned_on_known_labels():
    x = -100
    labels = torch.tensor([[5, 6, 7, x], [x, 9, x, x], [1, 2, 3, 4]])
    assert lm.positions_learned(labels, "mlm") == 8
    assert lm.positions_learned(labels, "clm") == 6  # the first token of a row is never a target
    with pytest.raises(ValueError, match="kind="):
        lm.positions_learned(labels, "t5")


@pytest.mark.parametrize("kind", lm.KINDS)
def test_loss_averages_over_exactly_the_counted_positions(small_tok, texts, kind):
    """The model's loss = (sum of per-position cross-entropies) / positions_learned."""
    model = lm.build_model(small_tok, kind, seed=4, **SIZES).eval()
    batch = _collator(small_tok, kind)(_batch(small_tok, texts, 16))
    batch.pop("token_type_ids", None)
    with torch.inference_mode():
        out = model(**batch)
    logits, labels = out.logits, batch["labels"]
    if kind == "clm":
        logits, labels = logits[:, :-1], labels[:, 1:]
    total = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="sum"
    )
    n = lm.positions_learned(batch["labels"], kind)
    assert torch.allclose(out.loss, total / n, rtol=1e-5)


def test_mlm_labels_about_15_percent_and_clm_labels_all(small_tok, texts):
    mlm_col, clm_col = _collator(small_tok, "mlm"), _collator(small_tok, "clm")
    pos = tok = 0
    for start in range(0, 192, 32):
        b = _batch(small_tok, texts[start:], 32)
        m = mlm_col(b)
        pos += int((m["labels"] != -100).sum())
        tok += int(m["attention_mask"].sum())
        c = clm_col(b)
        real = c["attention_mask"].bool()
        assert torch.equal(c["labels"][real], c["input_ids"][real])
        assert (c["labels"][~real] == -100).all()
    assert 0.12 < pos / tok < 0.18


def test_count_targets_records_each_batch(small_tok, texts):
    counter = lm.CountTargets(_collator(small_tok, "clm"), "clm")
    batch = counter(_batch(small_tok, texts, 4))
    lengths = [len(x["input_ids"]) for x in _batch(small_tok, texts, 4)]
    assert counter.positions == [sum(lengths) - 4] == [lm.positions_learned(batch["labels"], "clm")]
    assert counter.tokens == [sum(lengths)]
    with pytest.raises(ValueError, match="kind"):
        lm.CountTargets(_collator(small_tok, "clm"), "t5")


def test_texts_that_the_positions_cannot_hold_are_refused_before_training(small_tok):
    """Notebook 07 used to accept ``-p max_length 10`` and train both models before a text
    stopped it (at generation; with shorter prompts, in the fill-mask pipeline with a
    tensor-size RuntimeError): each text is checked against max_length once the tokenizer
    exists, with greedy_generate's rule for prompts."""
    masked = "voters went to the [MASK] on saturday ."  # 8 pieces + [CLS] and [SEP]
    fits = dict(mask_text="the president said", prompts=["the president said"],
                masked_texts=[masked], new_tokens=4)  # fmt: skip
    lm.check_text_lengths(small_tok, 10, **fits)  # 10 tokens exactly; prompt 4 + 4 new <= 10
    with pytest.raises(ValueError, match=r"^masked_texts item='voters .*max_length=9 .*has 10"):
        lm.check_text_lengths(small_tok, 9, **{**fits, "prompts": ["the"]})
    with pytest.raises(ValueError, match=r"^mask_text='the president said on tuesday': .*has 7"):
        lm.check_text_lengths(small_tok, 6, **{**fits, "mask_text": "the president said on "
                                               "tuesday", "masked_texts": ["[MASK]"]})  # fmt: skip
    with pytest.raises(ValueError, match=r"^prompts item='the president said': .*new_tokens=7"):
        lm.check_text_lengths(small_tok, 10, **{**fits, "new_tokens": 7})
    # the same rule as greedy_generate: what it refuses is refused here, up front
    model = lm.build_model(small_tok, "clm", seed=0, **{**SIZES, "max_positions": 10})
    with pytest.raises(ValueError, match="max_new_tokens=7"):
        lm.greedy_generate(model, small_tok, "the president said", 7)
    lm.greedy_generate(model, small_tok, "the president said", 6)


def test_generation_is_deterministic_with_a_seed(small_tok):
    out = [
        lm.greedy_generate(
            lm.build_model(small_tok, "clm", seed=s, **SIZES), small_tok, "the president said", 6
        )
        for s in (7, 7, 8)
    ]
    assert out[0] == out[1]
    assert out[0] != out[2]
    with pytest.raises(ValueError, match="causal"):
        lm.greedy_generate(lm.build_model(small_tok, "mlm", **SIZES), small_tok, "the", 3)
    with pytest.raises(ValueError, match=r"^max_new_tokens=0: expected an integer >= 1"):
        lm.greedy_generate(lm.build_model(small_tok, "clm", **SIZES), small_tok, "the", 0)


def test_a_prompt_that_leaves_too_few_positions_is_refused(small_tok):
    """8 positions: [CLS] + 3 prompt tokens + 4 new fit; 5 new would be cut short silently."""
    model = lm.build_model(small_tok, "clm", seed=0, **{**SIZES, "max_positions": 8})
    assert len(small_tok.tokenize("the president said")) == 3
    assert isinstance(lm.greedy_generate(model, small_tok, "the president said", 4), str)
    with pytest.raises(ValueError, match=r"is 4 tokens with \[CLS\]: with max_new_tokens=5 .* 8"):
        lm.greedy_generate(model, small_tok, "the president said", 5)


def test_unknown_words_names_the_words_read_as_unk():
    from helpers.models import load_tokenizer

    small = lm.reduced_tokenizer(load_tokenizer(), ["the president said on tuesday"])
    assert lm.unknown_words(small, ["the president said", "police said the"]) == ["police"]
    assert lm.unknown_words(small, ["the [MASK] said", "Tuesday"]) == []  # special, any case
    assert lm.unknown_words(small, ["zebra said", "the zebra"]) == ["zebra"]  # each once


def test_greedy_generate_matches_transformers_generate(small_tok):
    model = lm.build_model(small_tok, "clm", seed=9, **SIZES).eval()  # no dropout
    prompt = "the president said"
    ids = [small_tok.cls_token_id, *small_tok(prompt, add_special_tokens=False)["input_ids"]]
    out = model.generate(
        torch.tensor([ids]),
        max_new_tokens=6,
        do_sample=False,
        min_new_tokens=6,
        pad_token_id=small_tok.pad_token_id,
        eos_token_id=None,
    )
    mine = lm.greedy_generate(model, small_tok, prompt, 6)
    theirs = out[0, len(ids) :].tolist()
    if small_tok.sep_token_id in theirs:  # greedy_generate stops at [SEP]
        theirs = theirs[: theirs.index(small_tok.sep_token_id)]
    assert mine == small_tok.decode(theirs)


@pytest.mark.slow
def test_short_training_lowers_both_losses(small_tok, texts):
    data = _dataset(small_tok, texts)  # 200 texts, batch 16: 13 steps per epoch
    for kind in lm.KINDS:
        model = lm.build_model(small_tok, kind, seed=0, **SIZES)
        run = lm.train_lm(model, _collator(small_tok, kind), data, kind, 3, 16, 3e-3, "fp32")
        assert len(run.losses) == len(run.positions) == len(run.seconds) == 39
        assert sum(run.losses[-5:]) / 5 < sum(run.losses[:5]) / 5 - 0.5
        ratio = sum(run.positions) / sum(run.tokens)
        assert (ratio > 0.9) if kind == "clm" else (0.1 < ratio < 0.2)
        assert run.precision == "fp32" and run.seconds == sorted(run.seconds)


@pytest.mark.slow
def test_train_lm_is_the_trainer_run_notebook_07_writes_out(small_tok, texts):
    """Notebook 07 calls ``Trainer(...)`` and ``.train()`` in its training cell with the course's
    arguments and optimizer; run that cell on small models and compare it with helpers.lm.train_lm
    (through helpers.train.train_objective), which must train exactly the same way."""
    import tempfile

    import pandas as pd
    from transformers import PrinterCallback, Trainer

    from helpers import train
    from helpers.models import drop_trainer_autocast
    from tests.notebook_cells import notebook_namespace

    data = _dataset(small_tok, texts[:64])
    cell = notebook_namespace(
        "07_clm_vs_mlm.ipynb", "def train_model(", pick_precision=lambda p: p, precision="fp32",
        lm=lm, make_collator=lambda kind: _collator(small_tok, kind, 5), tempfile=tempfile,
        train=train, dataset=data, epochs=2, batch_size=16, learning_rate=3e-3, seed=1,
        Trainer=Trainer, PrinterCallback=PrinterCallback, pd=pd,
        drop_trainer_autocast=drop_trainer_autocast,
        models={kind: lm.build_model(small_tok, kind, seed=1, **SIZES) for kind in lm.KINDS},
    )  # fmt: skip
    for kind in lm.KINDS:
        mine = lm.train_lm(
            lm.build_model(small_tok, kind, seed=1, **SIZES), _collator(small_tok, kind, 5),
            data, kind, 2, 16, 3e-3, "fp32", seed=1,
        )  # fmt: skip
        ran = cell["runs"][kind]
        assert len(ran.losses) == 8  # 64 texts, batches of 16, 2 epochs
        assert ran.losses == mine.losses, kind
        assert (ran.positions, ran.tokens) == (mine.positions, mine.tokens), kind
