"""helpers.mlm: masking statistics, fixed masks, perplexity, the missing head, saving."""

from __future__ import annotations

import math

import pytest
import torch

from helpers import mlm
from helpers.mlm import IGNORE
from tests.notebook_cells import parameter_defaults


@pytest.fixture(scope="module")
def corpus_features(tok):
    """Every training-side sentence of the embedded corpus, encoded (about 65,000 tokens, 60,000
    of them maskable)."""
    train, _ = mlm.adaptation_text()
    return mlm.encode(tok, train, 100)


def _batches_with_word_ids(features, collator, batch_size=64):
    """Masked batches and, for each, its word ids padded with -1 (as the collator pads)."""
    out = []
    for i in range(0, len(features), batch_size):
        chunk = features[i : i + batch_size]
        batch = collator([dict(f) for f in chunk])
        width = batch["input_ids"].shape[1]
        wids = torch.tensor([f["word_ids"] + [-1] * (width - len(f["word_ids"])) for f in chunk])
        originals = torch.tensor(
            [f["input_ids"] + [-1] * (width - len(f["input_ids"])) for f in chunk]
        )
        out.append((batch, wids, originals))
    return out


@pytest.mark.parametrize("whole_words", [True, False])
@pytest.mark.parametrize("probability", [0.15, 0.3])
def test_masking_statistics_over_many_batches(tok, corpus_features, whole_words, probability):
    """Picked fraction within 1.5 points of the parameter; 80/10/10 within 3 points each."""
    collator = mlm.make_collator(tok, whole_words, probability, seed=7)
    tokens = picked = as_mask = unchanged = 0
    for _ in range(3):  # three passes: about 180,000 maskable tokens
        for batch, wids, originals in _batches_with_word_ids(corpus_features, collator):
            sel = batch["labels"] != IGNORE
            tokens += int((wids >= 0).sum())
            picked += int(sel.sum())
            as_mask += int((batch["input_ids"][sel] == tok.mask_token_id).sum())
            unchanged += int((batch["input_ids"][sel] == originals[sel]).sum())
            # labels hold the original ids exactly where picked
            assert torch.equal(batch["labels"][sel], originals[sel])
    randomised = picked - as_mask - unchanged
    assert abs(picked / tokens - probability) < 0.015
    assert abs(as_mask / picked - 0.8) < 0.03
    assert abs(randomised / picked - 0.1) < 0.03
    assert abs(unchanged / picked - 0.1) < 0.03


def test_whole_words_are_masked_together_and_token_masking_splits_them(tok, corpus_features):
    """Every word is picked entirely or not at all; token masking does split some words."""

    def split_words(whole_words: bool) -> tuple[int, int]:
        collator = mlm.make_collator(tok, whole_words, 0.3, seed=3)
        split = multi = 0
        for batch, wids, _ in _batches_with_word_ids(corpus_features, collator):
            sel = batch["labels"] != IGNORE
            for row in range(len(wids)):
                for w in wids[row].unique().tolist():
                    if w < 0:
                        continue
                    states = sel[row][wids[row] == w]
                    if len(states) > 1:
                        multi += 1
                        split += bool(states.any() and not states.all())
        return split, multi

    split, multi = split_words(True)
    assert multi > 1000 and split == 0
    split, _ = split_words(False)
    assert split > 100  # the check above can fail: token masking splits words


def test_special_and_padding_tokens_are_never_masked(tok, corpus_features):
    specials = torch.tensor(sorted(tok.all_special_ids))
    for whole_words in (True, False):
        collator = mlm.make_collator(tok, whole_words, 0.5, seed=11)
        seen_pad = False
        for batch, wids, originals in _batches_with_word_ids(corpus_features, collator):
            off = (batch["attention_mask"] == 0) | torch.isin(originals, specials)
            seen_pad |= bool((batch["attention_mask"] == 0).any())
            assert (batch["labels"][off] == IGNORE).all()
            kept = originals.clone()
            kept[batch["attention_mask"] == 0] = tok.pad_token_id
            assert torch.equal(batch["input_ids"][off], kept[off])
            assert (off == (wids < 0)).all()
        assert seen_pad  # the batches did contain padding


def test_unk_is_never_a_target(tok):
    """[UNK] (emoji here) belongs to a word but is a special token: whole-word masking used to
    pick it (and masking_counts then counted more picked tokens than maskable ones), while token
    masking, the library's, never does."""
    words = [["Hello", "\U0001f642", "world", "\U0001f600", "again", "\U0001f389"]] * 50
    feats = mlm.encode(tok, words, 64)
    unk = [i for i, t in enumerate(feats[0]["input_ids"]) if t == tok.unk_token_id]
    assert len(unk) == 3 and all(feats[0]["word_ids"][i] == -1 for i in unk)
    for whole_words in (True, False):
        batches = mlm.fixed_batches(feats, tok, whole_words, 0.5, seed=1)
        assert not any((b["labels"] == tok.unk_token_id).any() for b in batches)
        counts = mlm.masking_counts(batches, tok)
        assert 0 < counts["picked"] <= counts["tokens"] == 50 * 3  # hello world again


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t, f: mlm.make_collator(t, "false"), "whole_words='false': expected True or False"),
        (lambda t, f: mlm.make_collator(t, True, True), "mlm_probability=True: expected a number"),
        (lambda t, f: mlm.make_collator(t, True, 0.0), "mlm_probability=0.0: expected a number"),
        (lambda t, f: mlm.make_collator(t, seed=-1), "seed=-1: expected an integer from 0"),
        (lambda t, f: mlm.fixed_batches(f, t, seed=None), "seed=None: expected an integer from 0"),
        (lambda t, f: mlm.fixed_batches(f, t, batch_size=-1), "batch_size=-1: expected an integer"),
        (lambda t, f: mlm.encode(t, [["a"]], 0), "max_length=0: expected an integer from 3 to 512"),
        (lambda t, f: mlm.encode(t, [["a"]], True), "max_length=True: expected an integer from 3"),
        (lambda t, f: mlm.adaptation_text(seed=-1), "seed=-1: expected an integer from 0"),
    ],
)
def test_masking_parameters_are_refused_by_name(tok, corpus_features, call, message):
    """seed=None drew other masks on every call, batch_size=-1 gave no batch, "false" ran
    whole-word masking, max_length=0 meant 512, and adaptation_text took seed -1 as 1."""
    with pytest.raises(ValueError) as err:
        call(tok, corpus_features[:10])
    assert str(err.value).startswith(message)


def test_fixed_masks_are_identical_across_calls_and_change_with_the_seed(tok, corpus_features):
    feats = corpus_features[:100]
    for whole_words in (True, False):
        a = mlm.fixed_batches(feats, tok, whole_words, 0.15, seed=5, batch_size=32)
        b = mlm.fixed_batches(feats, tok, whole_words, 0.15, seed=5, batch_size=32)
        c = mlm.fixed_batches(feats, tok, whole_words, 0.15, seed=6, batch_size=32)
        assert len(a) == 4
        for x, y in zip(a, b, strict=True):
            assert torch.equal(x["input_ids"], y["input_ids"])
            assert torch.equal(x["labels"], y["labels"])
        assert any(not torch.equal(x["labels"], z["labels"]) for x, z in zip(a, c, strict=True))


def test_the_library_whole_word_mode_drops_random_and_unchanged(tok):
    """Why the module exists: transformers' whole_word_mask forces every pick to [MASK]."""
    from transformers import DataCollatorForLanguageModeling

    with pytest.warns(UserWarning, match="Random token replacement is not supported"):
        lib = DataCollatorForLanguageModeling(tok, whole_word_mask=True)
    assert lib.mask_replace_prob == 1 and lib.random_replace_prob == 0
    assert mlm.make_collator(tok).mask_replace_prob == 0.8


def test_the_library_groups_pre_split_words_like_word_ids_and_raw_text_by_spaces(tok):
    """The docstring's reading of the library: offsets → words (private helper, 5.x)."""
    import numpy as np
    from transformers import DataCollatorForLanguageModeling

    groups = DataCollatorForLanguageModeling._calc_word_ids_and_prob_mask
    words = ["Ahmadinejad", "visited", "U.S.", "bases", ",", "Bush's", "Tuesday."]
    enc = tok(words, is_split_into_words=True, return_offsets_mapping=True,
              return_special_tokens_mask=True)  # fmt: skip
    lib, _ = groups(np.array([enc["offset_mapping"]]), np.array([enc["special_tokens_mask"]]))
    assert [-1 if w is None else w + 1 for w in enc.word_ids()] == lib[0].tolist()
    raw = tok(" ".join(words), return_offsets_mapping=True, return_special_tokens_mask=True)
    lib, _ = groups(np.array([raw["offset_mapping"]]), np.array([raw["special_tokens_mask"]]))
    assert lib[0].max() == len(words)  # 7 space-separated chunks
    assert max(w for w in raw.word_ids() if w is not None) + 1 > len(words)


def test_masked_text_shows_what_the_model_sees_and_must_predict(tok):
    feats = mlm.encode(tok, [["Protesters", "marched", "in", "Nairobi", "."]], 100)
    batch = mlm.make_collator(tok, True, 0.999, seed=0)([dict(f) for f in feats])
    seen, target = mlm.masked_text(tok, batch)
    assert seen.split()[0] == "[CLS]" and seen.split()[-1] == "[SEP]"
    assert target.split()[1:-1] == tok.convert_ids_to_tokens(feats[0]["input_ids"][1:-1])


def test_encode_refuses_a_word_without_tokens(tok):
    with pytest.raises(ValueError, match="produced no token"):
        mlm.encode(tok, [["fine", "\u200b"]], 100)


def test_adaptation_text_never_reads_the_ner_test_file():
    from helpers.paths import CORPUS_TEST

    with pytest.raises(ValueError, match="NER test file"):
        mlm.adaptation_text(CORPUS_TEST)
    with pytest.raises(ValueError, match="NER test file"):
        mlm.adaptation_text("data/news_ner_test.csv")


@pytest.mark.parametrize("n", [-5, 0, True, 2.5])
def test_adaptation_text_refuses_a_count_that_is_not_a_positive_integer(n):
    """-5 used to drop the last 5 sentences (train[:-5]), 0 kept none and True kept one."""
    with pytest.raises(ValueError, match=rf"^n_sentences={n!r}: expected None or an integer > 0"):
        mlm.adaptation_text(n_sentences=n)


def test_ner_f1_gives_the_model_the_training_sides_labels_only(monkeypatch):
    """As notebook 04 and ``ner train``: a label only the test split has gets no class, so the
    test split chooses nothing (it used to add the test split's labels to the model)."""
    from helpers.data import Sentence, Splits

    def sentence(tags):
        return Sentence(words=[f"w{i}" for i in range(len(tags))], tags=tags)

    splits = Splits([sentence(["B-geo", "O"])], [], [sentence(["B-art", "I-art"])], "toy", "toy")
    monkeypatch.setattr(mlm, "experiment_splits", lambda *a, **k: splits)
    seen = {}

    class Stop(Exception):
        pass

    def fake_train_ner(train, validation, labels, cfg):
        seen["labels"] = labels
        raise Stop

    monkeypatch.setattr(mlm, "train_ner", fake_train_ner)
    with pytest.raises(Stop):
        mlm.ner_f1("minilm", 42, "unused")
    assert seen["labels"] == ["O", "B-geo"]


def test_adaptation_text_splits_by_document():
    from helpers.data import load_embedded

    train, heldout = mlm.adaptation_text(heldout_size=0.2, seed=1)
    doc_of = {tuple(s.words): s.doc_id for s in load_embedded("train").sentences}
    assert not {doc_of[tuple(w)] for w in train} & {doc_of[tuple(w)] for w in heldout}
    assert len(train) + len(heldout) == len(doc_of)
    assert len(mlm.adaptation_text(n_sentences=50)[0]) == 50


def test_adaptation_text_of_one_document_splits_by_sentence_and_says_so(capsys):
    """A CoNLL file without -DOCSTART- lines is one document: a split by document would leave
    nothing to adapt on. The reader's own notes (here: tags converted to IOB2) are printed."""
    from helpers.data import load_corpus
    from helpers.paths import REPO_ROOT, shown

    path = REPO_ROOT / "tests" / "fixtures" / "conll_iob1.txt"
    train, heldout = mlm.adaptation_text(str(path), heldout_size=0.5, seed=0)
    assert len(train) >= 1 and len(heldout) >= 1
    assert sorted(map(tuple, train + heldout)) == sorted(
        tuple(s.words) for s in load_corpus(path).sentences
    )
    out = capsys.readouterr().out
    assert f"note: {shown(path)} is one document: held out by sentence, not by document" in out
    assert f"note: {shown(path)}: 2 sentences had spans starting with I-" in out


def test_config_errors_name_the_parameter():
    with pytest.raises(ValueError, match="mlm_probability"):
        mlm.AdaptConfig(mlm_probability=1.5).validate()
    with pytest.raises(ValueError, match="epochs"):
        mlm.AdaptConfig(epochs=0).validate()
    with pytest.raises(ValueError, match=r"^warmup_epochs=-1: expected an integer >= 0"):
        mlm.AdaptConfig(warmup_epochs=-1).validate()
    mlm.AdaptConfig().validate()
    mlm.AdaptConfig(warmup_epochs=0).validate()  # no head warm-up is a run a learner may ask for


def test_max_length_below_the_course_range_is_refused_by_name(tok):
    """max_length=16 used to pass validate and then fail in encode, naming a stride 05 has no
    parameter for; the smallest accepted value encodes a long sentence as windows."""
    from helpers.train import MIN_MAX_LENGTH

    with pytest.raises(ValueError, match=r"^max_length=16: expected an integer from 35 to 512"):
        mlm.AdaptConfig(max_length=16).validate()
    mlm.AdaptConfig(max_length=MIN_MAX_LENGTH).validate()
    long_sentence = [["word"] * 80]
    assert len(mlm.encode(tok, long_sentence, MIN_MAX_LENGTH)) > 1  # several windows


@pytest.mark.parametrize("max_length", [35, 40, 60])
def test_a_long_sentence_gives_each_token_to_one_window_only(tok, max_length):
    """The windows used to share 32 tokens, as NER's do: at max_length=35 a 45-token sentence
    became 13 windows, each shared word was masked, trained and scored up to 13 times, and the
    held-out side counted 1.53x its real tokens. Now the windows follow each other."""
    words = [f"w{i}" for i in range(120)]  # 'w12' is two pieces: 240 tokens in all
    pieces = tok(words, is_split_into_words=True, add_special_tokens=False)["input_ids"]
    feats = mlm.encode(tok, [words], max_length)
    inner = [f["input_ids"][1:-1] for f in feats]  # without [CLS] and [SEP]
    assert [i for w in inner for i in w] == pieces  # every token once, in order
    assert all(len(f["input_ids"]) <= max_length for f in feats)
    assert len(feats) == -(-len(pieces) // (max_length - 2))


def test_output_path_resolves_relative_to_the_repo(tmp_path, monkeypatch):
    """Under the repo root for a learner; under $COURSE_OUTPUT_ROOT, which conftest.py sets, for
    the test suite (so that nbval's runs of notebooks 04 and 05 leave nothing in runs/)."""
    from helpers.paths import REPO_ROOT, shown

    assert mlm.output_path(tmp_path) == tmp_path
    monkeypatch.setenv("COURSE_OUTPUT_ROOT", str(tmp_path / "scratch"))
    assert mlm.output_path("runs/mlm") == tmp_path / "scratch/runs/mlm"
    assert shown(tmp_path / "scratch/runs/mlm") == "runs/mlm"  # what the notebooks print
    assert shown(REPO_ROOT / "data") == "data"
    monkeypatch.delenv("COURSE_OUTPUT_ROOT")
    assert mlm.output_path("runs/mlm") == REPO_ROOT / "runs/mlm"


# ---- a tiny randomly initialised model (real tokenizer, 16-wide, 1 layer)


@pytest.fixture(scope="module")
def tiny_dirs(module_dir, tok):
    """Two tiny model folders: one saved with an MLM head, one (the bare encoder) without."""
    from transformers import BertConfig, BertForMaskedLM, BertModel, set_seed

    set_seed(0)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1,
                     num_attention_heads=2, intermediate_size=32)  # fmt: skip
    dirs = {}
    for name, cls in (("with_head", BertForMaskedLM), ("without_head", BertModel)):
        path = module_dir(name)
        cls(cfg).save_pretrained(path, safe_serialization=True)
        tok.save_pretrained(path)
        dirs[name] = str(path)
    return dirs


def test_perplexity_is_exp_of_the_mean_loss_over_masked_tokens(tok, tiny_dirs):
    from transformers import AutoModelForMaskedLM

    model = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"]).eval()
    train, _ = mlm.adaptation_text()
    batches = mlm.fixed_batches(mlm.encode(tok, train[:40], 100), tok, True, 0.15, 1, 16)
    losses = []
    with torch.no_grad():
        for b in batches:
            logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits
            logp = torch.log_softmax(logits.double(), -1)
            for r, c in (b["labels"] != IGNORE).nonzero().tolist():
                losses.append(-float(logp[r, c, b["labels"][r, c]]))
    got = mlm.perplexity(model, batches)
    assert got.n_masked == len(losses) > 50
    assert got.perplexity == pytest.approx(math.exp(sum(losses) / len(losses)), rel=1e-4)
    assert got.perplexity > 1000  # random weights, 30,522 words: near-uniform guesses


def test_masked_loss_matches_the_library_loss(tok, tiny_dirs):
    """Projecting only the picked positions gives transformers' own MLM loss."""
    from transformers import AutoModelForMaskedLM

    model = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"]).eval()
    train, _ = mlm.adaptation_text()
    (b,) = mlm.fixed_batches(mlm.encode(tok, train[:16], 100), tok, True, 0.15, 2, 16)
    with torch.no_grad():
        total, n = mlm.masked_loss(model, b)
        library = model(**b).loss
    assert n == int((b["labels"] != IGNORE).sum())
    assert float(total) / n == pytest.approx(float(library), rel=1e-5)


def test_a_folder_without_mlm_head_gets_one_and_says_so(tiny_dirs, capsys):
    loaded = mlm.load_mlm(tiny_dirs["without_head"])
    out = capsys.readouterr().out
    assert not loaded.has_trained_head
    assert "cls.predictions.transform.dense.weight" in loaded.new_head_keys
    assert "newly initialized" in out and "cls.predictions.bias" in out
    assert hasattr(loaded.model, "cls")  # a head exists now, randomly initialised


def test_a_folder_with_a_trained_head_is_recognised(tiny_dirs, capsys):
    loaded = mlm.load_mlm(tiny_dirs["with_head"])
    assert loaded.has_trained_head and loaded.new_head_keys == []
    assert "has a trained MLM head" in capsys.readouterr().out


def test_minilm_head_is_tied_to_the_word_embeddings():
    loaded = mlm.load_mlm("minilm", verbose=False)
    m = loaded.model
    assert not loaded.has_trained_head
    assert m.config.tie_word_embeddings
    assert m.cls.predictions.decoder.weight is m.bert.embeddings.word_embeddings.weight
    names = {n for n, _ in mlm.head_parameters(m)}
    assert names == {
        "cls.predictions.bias",
        "cls.predictions.transform.dense.weight",
        "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.LayerNorm.weight",
        "cls.predictions.transform.LayerNorm.bias",
    }


def test_fill_mask_hides_every_subword_of_the_word(tok, tiny_dirs):
    from transformers import AutoModelForMaskedLM

    model = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"])
    words = ["Ahmadinejad", "spoke", "in", "Tehran", "."]
    seen = []  # the input_ids the model is called with

    def record(module, args, kwargs):
        seen.append(kwargs["input_ids"].clone())

    handle = model.register_forward_pre_hook(record, with_kwargs=True)
    try:
        top = mlm.fill_mask(model, tok, words, 0, k=3)
    finally:
        handle.remove()
    assert len(top) == len(tok.tokenize("Ahmadinejad")) == 3  # ahmad ##ine ##jad
    ids = tok(words, is_split_into_words=True)["input_ids"]  # [CLS] ahmad ##ine ##jad spoke ...
    hidden = [tok.mask_token_id if pos in (1, 2, 3) else t for pos, t in enumerate(ids)]
    assert len(seen) == 1 and seen[0][0].tolist() == hidden  # all three pieces, nothing else
    for row in top:
        probs = [p for _, p in row]
        assert len(row) == 3 and probs == sorted(probs, reverse=True) and sum(probs) <= 1
    with pytest.raises(ValueError, match="index=5"):
        mlm.fill_mask(model, tok, words, 5)
    # True was word 1 and 1.5 gave an empty list; a word without a token gave [] too
    with pytest.raises(ValueError, match="^index=True: expected a word index from 0 to 4"):
        mlm.fill_mask(model, tok, words, True)
    with pytest.raises(ValueError, match="^index=1.5"):
        mlm.fill_mask(model, tok, words, 1.5)
    with pytest.raises(ValueError, match="^k=0: expected an integer >= 1"):
        mlm.fill_mask(model, tok, words, 0, k=0)
    with pytest.raises(ValueError, match=r"^words\[1\] \('\\u200b'\) gives no token"):
        mlm.fill_mask(model, tok, ["in", "\u200b", "Tehran"], 1)


def test_picked_only_gives_the_library_loss_and_gradients(tok, tiny_dirs):
    """Inside PickedOnly the vocabulary projection sees only picked rows: same loss, same grads."""
    from transformers import AutoModelForMaskedLM

    model = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"]).eval()
    train, _ = mlm.adaptation_text()
    (b,) = mlm.fixed_batches(mlm.encode(tok, train[:16], 100), tok, True, 0.15, 3, 16)
    n = int((b["labels"] != IGNORE).sum())

    def loss_and_grads(picked_only: bool):
        model.zero_grad()
        if picked_only:
            with mlm.PickedOnly(model) as hooks:
                out = model(**b)
            assert not hooks.handles  # removed on exit
        else:
            out = model(**b)
        out.loss.backward()
        return out, {k: p.grad.clone() for k, p in model.named_parameters()}

    full, full_grads = loss_and_grads(False)
    picked, picked_grads = loss_and_grads(True)
    assert full.logits.shape[:2] == b["input_ids"].shape and picked.logits.shape[0] == n
    assert picked.loss.item() == pytest.approx(full.loss.item(), rel=1e-5)
    for k, g in full_grads.items():
        assert torch.allclose(picked_grads[k], g, rtol=1e-4, atol=1e-7), k
    assert model(**b).logits.shape[:2] == b["input_ids"].shape  # the model is itself again


@pytest.mark.slow
def test_warm_up_trains_only_the_head_for_its_epochs(tok, tiny_model_dir):
    from transformers import set_seed

    set_seed(0)
    loaded = mlm.load_mlm(tiny_model_dir, verbose=False)
    model = loaded.model
    train, heldout = mlm.adaptation_text()
    feats = mlm.encode(tok, train[:48], 100)
    held = mlm.fixed_batches(mlm.encode(tok, heldout[:32], 100), tok, True, 0.15, 0, 32)
    encoder = {n: p.detach().clone() for n, p in model.base_model.named_parameters()}
    head = {n: p.detach().clone() for n, p in mlm.head_parameters(model)}
    start = mlm.perplexity(model, held).perplexity
    phase = mlm.warm_up_head(model, feats, mlm.make_collator(tok, seed=0), epochs=2,
                             batch_size=16, precision="fp32")  # fmt: skip
    for n, p in model.base_model.named_parameters():  # .cpu(): the Trainer's GPU, if any
        assert torch.equal(p.cpu(), encoder[n]), n
        assert p.requires_grad  # unfrozen again afterwards
    assert all(not torch.equal(p.cpu(), head[n]) for n, p in mlm.head_parameters(model))
    assert len(phase.steps) == 2 * 3  # 48 sentences, batch 16, 2 epochs: every step logged
    assert mlm.perplexity(model, held).perplexity < start
    assert phase.trainable == sum(p.numel() for _, p in mlm.head_parameters(model))


@pytest.mark.slow
def test_adapt_saves_a_model_that_loads_as_token_classifier_and_mlm(tiny_model_dir, tmp_path):
    import json

    from helpers.models import load_token_classifier

    cfg = mlm.AdaptConfig(model_name=tiny_model_dir, n_sentences=32, epochs=1,
                          warmup_epochs=1, precision="fp32",
                          output_dir=str(tmp_path / "adapted"))  # fmt: skip
    res = mlm.adapt(cfg, verbose=False)
    assert not res.had_trained_head and res.warmup is not None
    assert res.random_head.n_masked == res.before.n_masked == res.after.n_masked
    assert res.before.perplexity < res.random_head.perplexity
    assert len(res.adaptation.steps) == 2  # 32 sentences, batch 16, 1 epoch
    metrics = json.loads((tmp_path / "adapted" / "metrics.json").read_text())
    assert metrics["perplexity"]["after"]["perplexity"] == res.after.perplexity
    assert metrics["parameters"]["n_sentences"] == 32
    assert (tmp_path / "adapted" / "model.safetensors").is_file()
    clf = load_token_classifier(str(tmp_path / "adapted"), ["O", "B-geo", "I-geo"])
    assert torch.equal(
        clf.bert.encoder.layer[0].output.dense.weight,
        res.model.bert.encoder.layer[0].output.dense.weight.cpu(),  # off a GPU, if any
    )
    assert mlm.load_mlm(str(tmp_path / "adapted"), verbose=False).has_trained_head


def test_command_line_refuses_zero_seeds(capsys):
    with pytest.raises(SystemExit) as stop:
        mlm.main(["downstream", "--seeds", "0"])
    assert stop.value.code == 2  # a usage error, before any run
    assert "--seeds 0: expected an integer >= 1" in capsys.readouterr().err


def test_command_line_refuses_an_out_it_could_not_write(tmp_path, capsys):
    """Checked before the seeds run, not when writing after them."""
    with pytest.raises(SystemExit) as stop:
        mlm.main(["downstream", "--seeds", "1", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert f"--out {tmp_path}: it is a folder" in capsys.readouterr().err


def test_downstream_writes_its_results_file_whole_with_the_command_it_ran(
    tmp_path, monkeypatch, capsys
):
    """Through helpers.results.write_results (strict JSON, moved into place when complete; it
    used to truncate the file in place), recording the command main was given."""
    import json
    from types import SimpleNamespace

    ppl = SimpleNamespace(perplexity=100.0)
    monkeypatch.setattr(mlm, "adapt", lambda cfg, verbose: SimpleNamespace(before=ppl, after=ppl))
    f1 = {"f1": 0.5, "precision": 0.5, "recall": 0.5, "kept_epoch": 7, "train_seconds": 1.0}
    monkeypatch.setattr(mlm, "ner_f1", lambda model, seed, out: {**f1, "ner_precision": "fp32"})
    out = tmp_path / "down.json"
    assert mlm.main(["downstream", "--seeds", "2", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["command"] == f"python -m helpers.mlm downstream --seeds 2 --out {out}"
    assert report["seeds"] == [42, 43] == [r["seed"] for r in report["runs"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["down.json"]
    capsys.readouterr()


def test_notebook_parameters_are_the_command_defaults():
    """`python -m helpers.mlm downstream` adapts with notebook 05's defaults: keep them equal."""
    from dataclasses import asdict

    params = parameter_defaults("05_mlm.ipynb")
    defaults = asdict(mlm.AdaptConfig())
    assert params == {k: defaults[k] for k in params}
    assert set(defaults) == set(params)


@pytest.mark.slow
def test_adapt_without_warm_up_starts_from_the_random_head(tiny_model_dir, tmp_path):
    """warmup_epochs=0: no warm-up phase, "before" is the random head, adaptation trains it."""
    import json

    cfg = mlm.AdaptConfig(model_name=tiny_model_dir, n_sentences=32, epochs=1, warmup_epochs=0,
                          precision="fp32", output_dir=str(tmp_path / "adapted"))  # fmt: skip
    res = mlm.adapt(cfg, verbose=False)
    assert res.warmup is None and not res.had_trained_head
    assert res.before == res.random_head  # the same model on the same fixed masks
    assert res.after.perplexity < res.before.perplexity
    metrics = json.loads((tmp_path / "adapted" / "metrics.json").read_text())
    assert metrics["warmup"] is None and metrics["parameters"]["warmup_epochs"] == 0


def precision_spy(adamw, seen: list):
    """``adamw`` that records the precision each call passes (a notebook cell left it out, so
    a forced fp16 on a bf16 GPU built a fused optimizer there and an unfused one in helpers)."""

    def spy(*args, **kwargs):
        seen.append(kwargs.get("precision", args[5] if len(args) > 5 else "auto"))
        return adamw(*args, **kwargs)

    return spy


@pytest.mark.slow
def test_notebook_trainer_cells_are_train_mlm(tok, tiny_dirs, tmp_path):
    """Notebook 05 writes the adaptation's Trainer call out in a cell; run that cell on a tiny
    model and compare it with helpers.mlm.train_mlm, which must be the same run."""
    import time

    import pandas as pd
    from transformers import AutoModelForMaskedLM, PrinterCallback, Trainer

    from helpers.models import drop_trainer_autocast
    from helpers.train import adamw, logged_losses, objective_arguments
    from tests.notebook_cells import notebook_namespace

    train, _ = mlm.adaptation_text()
    feats = mlm.encode(tok, train[:32], 100)

    helper = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"])
    phase = mlm.train_mlm(helper, feats, mlm.make_collator(tok, seed=0), 1e-3, 16, 2, "fp32", 5)

    model = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"])
    held = mlm.fixed_batches(feats[:8], tok, True, 0.15, 0)
    precisions = []
    cell = notebook_namespace(
        "05_mlm.ipynb", "trainer.remove_callback(PrinterCallback)\nt0 = time.perf_counter()",
        objective_arguments=objective_arguments, trainer_dir=tmp_path, train_feats=feats,
        epochs=2, batch_size=16, learning_rate=1e-3, train_precision="fp32", seed=5,
        Trainer=Trainer, model=model, collator=mlm.make_collator(tok, seed=0),
        adamw=precision_spy(adamw, precisions),
        PrinterCallback=PrinterCallback, time=time, PickedOnly=mlm.PickedOnly,
        drop_trainer_autocast=drop_trainer_autocast, Phase=mlm.Phase, logged_losses=logged_losses,
        perplexity=mlm.perplexity, heldout=held, device="cpu", pd=pd, random_ppl=None, warm=None,
        has_trained_head=True, before=mlm.perplexity(helper, held),
    )  # fmt: skip
    assert cell["phase"].steps == phase.steps and len(phase.steps) == 4  # 32 sentences, 16, 2
    assert precisions == ["fp32"]  # the run's precision, as train_objective passes it
    a, b = helper.state_dict(), model.state_dict()
    start = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"]).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k].cpu(), start[k]) for k in a)  # it did train


@pytest.mark.slow
def test_notebook_warm_up_cells_are_warm_up_head(tok, tiny_dirs, tmp_path):
    """Notebook 05 writes the head warm-up out (its TrainingArguments, the frozen encoder, the
    Trainer run); run those two cells on a tiny model and compare with helpers.mlm.warm_up_head."""
    import math
    import time

    from transformers import AutoModelForMaskedLM, PrinterCallback, Trainer, TrainingArguments

    from helpers.models import drop_trainer_autocast
    from helpers.train import adamw, logged_losses, objective_arguments, one_device
    from tests.notebook_cells import notebook_namespace

    train, _ = mlm.adaptation_text()
    words = train[:32]
    helper = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"])
    feats = mlm.encode(tok, words, 100)
    phase = mlm.warm_up_head(helper, feats, mlm.make_collator(tok, True, 0.15, 5), 3e-3, 16, 2,
                             "fp32", 5)  # fmt: skip

    model = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"])
    held = mlm.fixed_batches(feats[:8], tok, True, 0.15, 0)
    precisions = []
    cell = notebook_namespace(
        "05_mlm.ipynb", "warm_args = one_device(TrainingArguments(", "warm_trainer = Trainer(",
        encode=mlm.encode, tokenizer=tok, train_words=words, max_length=100,
        make_collator=mlm.make_collator, whole_word_mask=True, mlm_probability=0.15, seed=5,
        output_path=lambda d: tmp_path, output_dir="x", warmup_epochs=2, batch_size=16,
        math=math, one_device=one_device, TrainingArguments=TrainingArguments,
        warmup_learning_rate=3e-3, train_precision="fp32", device="cpu", has_trained_head=False,
        objective_arguments=objective_arguments, model=model, Trainer=Trainer,
        adamw=precision_spy(adamw, precisions),
        PrinterCallback=PrinterCallback, time=time, PickedOnly=mlm.PickedOnly,
        drop_trainer_autocast=drop_trainer_autocast, head_parameters=mlm.head_parameters,
        Phase=mlm.Phase, logged_losses=logged_losses, perplexity=mlm.perplexity, heldout=held,
        fills={}, top5=lambda m: None,
    )  # fmt: skip
    assert cell["warm"].steps == phase.steps and len(phase.steps) == 4  # 32 sentences, 16, 2
    assert precisions == ["fp32"]
    a, b = helper.state_dict(), model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    start = AutoModelForMaskedLM.from_pretrained(tiny_dirs["with_head"]).state_dict()
    changed = {k for k in a if not torch.equal(a[k], start[k])}
    assert changed and all(not k.startswith("bert.") for k in changed)  # the head alone trained
