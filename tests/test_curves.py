"""helpers.curves: frozen token features and a tiny head whose loss curves repeat exactly."""

from __future__ import annotations

import pytest
import torch

from helpers.curves import Curves, fit_head, token_features
from helpers.data import Sentence


def _blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Three noisy clusters in 8 dimensions: learnable, but not perfectly."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.eye(3, 8) * 2.0
    return centres[y] + torch.randn(n, 8, generator=g), y


def test_curves_best_epoch_and_rise():
    c = Curves(train_loss=[3.0, 2.0, 1.0, 0.5], val_loss=[3.0, 1.5, 1.7, 2.0])
    assert c.best_epoch == 1
    assert c.val_rise == pytest.approx(0.5)
    assert Curves([1.0, 0.5], [1.0, 0.8]).val_rise == 0


def test_fit_head_train_loss_falls_and_repeats():
    xtr, ytr = _blobs(60, 0)
    xva, yva = _blobs(60, 1)
    head, c1 = fit_head(xtr, ytr, xva, yva, num_labels=3, epochs=40, lr=0.05, seed=3)
    _, c2 = fit_head(xtr, ytr, xva, yva, num_labels=3, epochs=40, lr=0.05, seed=3)
    assert len(c1.train_loss) == len(c1.val_loss) == 40
    assert c1.train_loss[-1] < 0.5 * c1.train_loss[0]
    assert c1.val_loss[-1] < c1.val_loss[0]
    assert c1.train_loss == c2.train_loss and c1.val_loss == c2.val_loss  # seeded: exact
    assert head(xtr).shape == (60, 3)


def test_fit_head_hidden_dropout_and_threads_restored(monkeypatch):
    xtr, ytr = _blobs(30, 0)
    before = torch.get_num_threads()
    seen = []  # the thread count each layer ran with
    forward = torch.nn.Linear.forward

    def counted(self, x):
        seen.append(torch.get_num_threads())
        return forward(self, x)

    monkeypatch.setattr(torch.nn.Linear, "forward", counted)
    try:  # a count other than fit_head's 1 (under xdist on 2 cores it is 1 already)
        torch.set_num_threads(3)
        head, c = fit_head(
            xtr, ytr, xtr, ytr, 3, epochs=5, hidden=16, dropout=0.5, weight_decay=0.1
        )
        assert set(seen) == {1} and torch.get_num_threads() == 3  # 1 inside, restored after
    finally:
        torch.set_num_threads(before)
    assert [type(m).__name__ for m in head] == ["Dropout", "Linear", "ReLU", "Linear"]
    assert len(c.val_loss) == 5


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs=0"),
        ({"lr": 0}, "lr=0"),
        ({"weight_decay": -1}, "weight_decay=-1"),
        ({"dropout": 1.0}, "dropout=1.0"),
        ({"hidden": -2}, "hidden=-2"),
        ({"num_labels": 1}, "num_labels=1"),
        # these used to pass (True as 1 epoch or a width-1 layer, inf) or stop with a TypeError
        ({"epochs": True}, "^epochs=True: expected an integer > 0"),
        ({"hidden": True}, "^hidden=True: expected an integer >= 0"),
        ({"lr": float("inf")}, "^lr=inf: expected a number > 0"),
        ({"weight_decay": float("inf")}, "^weight_decay=inf"),
        ({"lr": "0.01"}, "^lr='0.01': expected a number > 0"),
        ({"dropout": "0.1"}, "^dropout='0.1'"),
        ({"seed": -1}, "^seed=-1: expected an integer from 0 to 2"),
        ({"threads": 0}, "^threads=0: expected None or an integer > 0"),
    ],
)
def test_fit_head_rejects_bad_parameters(kwargs, message):
    xtr, ytr = _blobs(10, 0)
    args = {"num_labels": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        fit_head(xtr, ytr, xtr, ytr, **args)


@pytest.mark.parametrize(
    "split, labels, message",
    [
        # an empty validation split used to give a NaN validation loss every epoch, no error
        ("val", None, "^x_val is empty: expected at least one feature vector"),
        ("train", None, "^x_train is empty"),  # used to name batch_size, not a parameter here
        (
            "train",
            [0, 1, 3],
            "^y_train holds label id 3: expected ids from 0 to num_labels - 1 = 2",
        ),
        ("val", [0, -1, 2], "^y_val holds label id -1"),
    ],
)
def test_fit_head_refuses_empty_splits_and_unknown_label_ids(split, labels, message):
    xtr, ytr = _blobs(10, 0)
    x, y = (xtr[:0], ytr[:0]) if labels is None else (xtr[:3], torch.tensor(labels))
    train, val = ((x, y), (xtr, ytr)) if split == "train" else ((xtr, ytr), (x, y))
    with pytest.raises(ValueError, match=message):
        fit_head(*train, *val, num_labels=3, epochs=2)


def test_fit_head_rejects_mismatched_lengths():
    xtr, ytr = _blobs(10, 0)
    with pytest.raises(ValueError, match="one label per vector"):
        fit_head(xtr, ytr[:5], xtr, ytr, 3)


def test_token_features_one_vector_per_word(tok, gmb_maps):
    from helpers.models import load_encoder

    label2id, _ = gmb_maps
    enc = load_encoder()
    enc.train()
    sents = [
        Sentence(["Ahmadinejad", "visited", "Mogadishu", "."], ["B-per", "O", "B-geo", "O"]),
        Sentence(["Hi"], ["O"]),  # shorter: padded in the batch
    ]
    x, y = token_features(enc, tok, sents, label2id, batch_size=2)
    assert x.shape == (5, enc.config.hidden_size)
    assert y.tolist() == [label2id[t] for s in sents for t in s.tags]
    assert enc.training  # mode restored
    x1, _ = token_features(enc, tok, sents[1:], label2id)  # alone: no padding
    assert torch.allclose(x[-1], x1[0], atol=1e-5)  # padding does not change the vectors
    with pytest.raises(ValueError, match="empty"):
        token_features(enc, tok, [], label2id)


def test_token_features_reads_left_padded_batches_and_long_sentences_once(tok, gmb_maps):
    """Left padding (some tokenizers pad on the left) reads each word's own token, and a sentence
    past the model's 512 tokens yields one vector per word, not one per window (the old code
    misread left-padded rows and counted overlap words twice)."""
    import copy

    from helpers.alignment import n_tokens
    from helpers.models import load_encoder

    label2id, _ = gmb_maps
    enc = load_encoder()
    sents = [
        Sentence(["Ahmadinejad", "visited", "Mogadishu", "."], ["B-per", "O", "B-geo", "O"]),
        Sentence(["Hi"], ["O"]),
    ]
    right, y_right = token_features(enc, tok, sents, label2id, batch_size=2)
    left_tok = copy.deepcopy(tok)
    left_tok.padding_side = "left"
    left, y_left = token_features(enc, left_tok, sents, label2id, batch_size=2)
    assert torch.equal(y_left, y_right)
    assert torch.allclose(left[:4], right[:4], atol=1e-4)  # the longest row has no padding
    batch = left_tok([s.words for s in sents], is_split_into_words=True, padding=True,
                     return_tensors="pt")  # fmt: skip
    assert batch["input_ids"][1, 0] == tok.pad_token_id  # "Hi" is padded on the left
    with torch.no_grad():
        hidden = enc.eval()(**batch).last_hidden_state
    assert torch.allclose(left[4], hidden[1, -2], atol=1e-4)  # "Hi" sits just before [SEP]

    long = Sentence(["Mogadishu", "visited"] * 150, ["B-geo", "O"] * 150)
    assert n_tokens(long.words, tok) > 512  # two windows with an overlap
    x, y = token_features(enc, tok, [long, sents[1]], label2id)
    assert x.shape == (len(long.words) + 1, enc.config.hidden_size)
    assert y.tolist() == [label2id[t] for t in long.tags + sents[1].tags]


def test_token_features_refuses_tags_that_do_not_match_the_words(tok, gmb_maps):
    from helpers.models import load_encoder

    label2id, _ = gmb_maps
    bad = Sentence(["Hi", "there"], ["O"])
    with pytest.raises(ValueError, match="^sentence 1: 2 words but 1 tags"):
        token_features(load_encoder(), tok, [Sentence(["Hi"], ["O"]), bad], label2id)


def test_fit_head_regularisers_take_effect():
    xtr, ytr = _blobs(60, 0)
    _, plain = fit_head(xtr, ytr, xtr, ytr, 3, epochs=20, lr=0.05, seed=1)
    _, drop = fit_head(xtr, ytr, xtr, ytr, 3, epochs=20, lr=0.05, dropout=0.5, seed=1)
    assert drop.train_loss != plain.train_loss  # dropout is active while training
    heavy, _ = fit_head(xtr, ytr, xtr, ytr, 3, epochs=20, lr=0.05, weight_decay=5.0, seed=1)
    light, _ = fit_head(xtr, ytr, xtr, ytr, 3, epochs=20, lr=0.05, seed=1)
    assert heavy[-1].weight.norm() < light[-1].weight.norm()  # decay shrinks the weights
