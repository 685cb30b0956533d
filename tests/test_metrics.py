"""helpers.metrics against hand-computed cases and seqeval's own report."""

from __future__ import annotations

import numpy as np
import pytest
from seqeval.metrics import classification_report

from helpers.metrics import entity_errors, ner_metrics, tags_from_logits, type_confusion

GOLD = [["B-per", "I-per", "O", "B-geo", "O"], ["B-org", "O", "B-tim", "I-tim"]]
PRED = [["B-per", "I-per", "O", "B-gpe", "O"], ["B-org", "O", "B-tim", "O"]]


def test_hand_computed_overall_and_per_type():
    m = ner_metrics(GOLD, PRED)
    # gold: per, geo, org, tim (2 words) = 4; predicted: per, gpe, org, tim (1 word) = 4;
    # correct: per, org
    assert m["precision"] == pytest.approx(2 / 4)
    assert m["recall"] == pytest.approx(2 / 4)
    assert m["f1"] == pytest.approx(0.5)
    assert m["accuracy"] == pytest.approx(7 / 9)
    assert m["per_type"]["per"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert m["per_type"]["geo"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert m["per_type"]["gpe"]["support"] == 0
    assert m["per_type"]["tim"]["f1"] == 0.0


def test_identical_to_seqeval_report():
    rep = classification_report(GOLD, PRED, output_dict=True, zero_division=0)
    m = ner_metrics(GOLD, PRED)
    for t, r in m["per_type"].items():
        assert r["f1"] == pytest.approx(rep[t]["f1-score"])
        assert r["support"] == rep[t]["support"]
    assert m["f1"] == pytest.approx(rep["micro avg"]["f1-score"])


def test_strict_mode_rejects_spans_starting_with_i():
    gold, pred = [["B-per", "I-per", "O"]], [["I-per", "I-per", "O"]]
    assert ner_metrics(gold, pred)["f1"] == 1.0  # conlleval-style: I- opens a span
    assert ner_metrics(gold, pred, strict=True)["f1"] == 0.0


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="sentence 0: 2 gold tags but 1 predicted"):
        ner_metrics([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="1 gold sentences but 2 predicted"):
        ner_metrics([["O"]], [["O"], ["O"]])


def test_flat_tag_lists_and_nothing_to_score_are_errors():
    """A flat list used to be scored letter by letter (f1 0.0, a type '_'); all-empty sentences
    stopped in seqeval with a ZeroDivisionError."""
    expected = "y_true: sentence 0 is the string 'B-per'; expected a list per sentence"
    with pytest.raises(TypeError, match=expected):
        ner_metrics(["B-per", "O"], ["B-geo", "O"])
    with pytest.raises(TypeError, match="y_pred: sentence 1 is the string 'O'"):
        ner_metrics([["B-per"], ["O"]], [["B-per"], "O"])
    with pytest.raises(ValueError, match="nothing to score: 2 sentences and no tag"):
        ner_metrics([[], []], [[], []])


def test_entity_errors_refuses_tag_lists_of_different_lengths():
    """A shorter prediction used to come back as a 'wrong boundary' of the model."""
    with pytest.raises(ValueError, match="3 gold tags but 1 predicted"):
        entity_errors(["B-per", "I-per", "O"], ["B-per"])


def test_tags_from_logits_skips_ignored_positions():
    id2label = {0: "O", 1: "B-per", 2: "I-per"}
    logits = np.zeros((1, 4, 3))
    logits[0, 1, 1] = logits[0, 2, 2] = logits[0, 3, 0] = 5
    labels = np.array([[-100, 1, 2, -100]])
    gold, pred = tags_from_logits(logits, labels, id2label)
    assert gold == [["B-per", "I-per"]] and pred == [["B-per", "I-per"]]


def test_entity_errors_kinds():
    gold = ["B-per", "I-per", "O", "B-geo", "O", "O", "B-org", "O", "B-eve"]
    pred = ["B-per", "O", "O", "B-gpe", "B-tim", "O", "B-org", "O", "O"]
    assert entity_errors(gold, pred) == [
        ("wrong boundary", ("per", 0, 2), ("per", 0, 1)),
        ("wrong type", ("geo", 3, 4), ("gpe", 3, 4)),
        ("missed", ("eve", 8, 9), None),
        ("spurious", None, ("tim", 4, 5)),
    ]
    assert entity_errors(gold, gold) == []


def test_entity_errors_come_in_the_same_order_in_every_process():
    """Spans are kept in sets, whose order changes with the process's string hash seed."""
    import json
    import os
    import subprocess
    import sys

    gold = ["B-art", "I-art", "I-art", "I-art", "I-art", "O"]  # one name, three wrong pieces
    pred = ["B-org", "B-eve", "I-eve", "B-tim", "O", "B-geo"]
    want = [
        ("wrong type and boundary", ("art", 0, 5), ("org", 0, 1)),
        ("wrong type and boundary", ("art", 0, 5), ("eve", 1, 3)),
        ("wrong type and boundary", ("art", 0, 5), ("tim", 3, 4)),
        ("spurious", None, ("geo", 5, 6)),
    ]
    assert entity_errors(gold, pred) == want
    code = (
        "import json; from helpers.metrics import entity_errors; "
        f"print(json.dumps(entity_errors({gold!r}, {pred!r})))"
    )
    for seed in range(6):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
        assert [tuple(tuple(x) if isinstance(x, list) else x for x in row)
                for row in json.loads(out)] == want, seed  # fmt: skip


def test_type_confusion_counts_words():
    names, counts = type_confusion([["B-per", "I-per", "O"]], [["B-per", "B-geo", "B-geo"]])
    assert names == ["geo", "per", "O"]
    assert counts.tolist() == [[0, 0, 0], [1, 1, 0], [1, 0, 0]]


def test_evaluate_load_of_the_local_seqeval_equals_ner_metrics():
    """The offline ``evaluate`` module and helpers.metrics are two implementations: they agree."""
    import random

    import evaluate

    from helpers.metrics import SEQEVAL_METRIC

    rng = random.Random(0)
    tags = ["O", "O", "O", "B-per", "I-per", "B-geo", "I-geo", "B-org"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(60)]
    pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in s] for s in gold]
    ours = ner_metrics(gold, pred)
    theirs = evaluate.load(SEQEVAL_METRIC).compute(predictions=pred, references=gold)
    for k in ("precision", "recall", "f1", "accuracy"):
        assert theirs[f"overall_{k}"] == pytest.approx(ours[k], abs=1e-12)
    for t, r in ours["per_type"].items():
        assert theirs[t]["f1"] == pytest.approx(r["f1"], abs=1e-12)
        assert theirs[t]["number"] == r["support"]
    assert 0 < ours["f1"] < 1  # neither trivial case


def test_the_local_seqeval_takes_the_hub_metrics_arguments():
    """suffix and sample_weight, as the hub's seqeval takes them (they were a TypeError)."""
    import evaluate

    from helpers.metrics import SEQEVAL_METRIC

    metric = evaluate.load(SEQEVAL_METRIC)
    gold, pred = [["per-B", "per-I", "O"], ["geo-B", "O"]], [["per-B", "per-I", "O"], ["O", "O"]]
    out = metric.compute(predictions=pred, references=gold, suffix=True)
    assert (out["per"]["f1"], out["geo"]["number"], out["overall_f1"]) == (
        1.0,
        1,
        pytest.approx(2 / 3),
    )
    weighted = metric.compute(predictions=pred, references=gold, suffix=True, sample_weight=[3, 1])
    rep = classification_report(
        gold, pred, suffix=True, sample_weight=[3, 1], output_dict=True, zero_division=0
    )
    assert weighted["overall_recall"] == pytest.approx(rep["micro avg"]["recall"])  # passed on


@pytest.mark.parametrize(
    "bad, shown",
    [
        ([["PER", "PER", "O"]], "'PER'"),  # scored as a type "ER"
        ([["b-per", "O", "O"]], "'b-per'"),  # scored as a type "per"
        ([[1, 0, 0]], "1"),  # failed inside seqeval with an AttributeError
    ],
)
def test_tags_that_are_not_iob2_are_refused_by_sentence(bad, shown):
    gold = [["B-per", "I-per", "O"]]
    with pytest.raises(ValueError, match=rf"^y_pred sentence 0: {shown} is not an IOB2 tag"):
        ner_metrics(gold, bad)
    with pytest.raises(ValueError, match=rf"^y_true sentence 0: {shown} is not an IOB2 tag"):
        ner_metrics(bad, gold)


def test_tags_from_logits_refuses_labels_of_another_shape():
    """One row of logits against two rows of labels used to give one sentence, silently."""
    logits = np.zeros((1, 3, 2))
    with pytest.raises(ValueError, match=r"predictions of shape \(1, 3\) but labels have \(2, 3\)"):
        tags_from_logits(logits, np.zeros((2, 3), dtype=int), {0: "O", 1: "B-x"})
    # a list of lists is read as the array it is
    gold, pred = tags_from_logits(logits, [[0, -100, 1]], {0: "O", 1: "B-x"})
    assert gold == [["O", "B-x"]] and pred == [["O", "O"]]


def test_type_confusion_refuses_flat_lists_and_nothing_to_compare():
    """A flat list of tags was read letter by letter (names ['', 'O']); [] was sklearn's error."""
    with pytest.raises(TypeError, match="^gold: sentence 0 is the string 'B-PER'"):
        type_confusion(["B-PER", "O"], ["B-PER", "O"])
    with pytest.raises(ValueError, match="^nothing to compare"):
        type_confusion([], [])
    with pytest.raises(ValueError, match="^2 gold sentences but 1 predicted"):
        type_confusion([["O"], ["O"]], [["O"]])


def test_the_local_seqeval_names_the_schemes_it_knows():
    """scheme="iob2" was an AttributeError from seqeval; the hub metric raises this ValueError."""
    import evaluate

    from helpers.metrics import SEQEVAL_METRIC

    metric = evaluate.load(SEQEVAL_METRIC)
    with pytest.raises(ValueError, match=r"^Scheme should be one of \['IOB1', 'IOB2'.*got iob2"):
        metric.compute(predictions=[["B-per"]], references=[["B-per"]], scheme="iob2")
    out = metric.compute(predictions=[["B-per"]], references=[["B-per"]], scheme="IOB2")
    assert out["overall_f1"] == 1.0


def test_scores_equal_an_oracle_built_from_entity_spans():
    """ner_metrics reads seqeval's report, and the two tests above compare it with seqeval
    again: this one counts spans itself (helpers.labels.entity_spans, checked against seqeval's
    own span reader elsewhere) and computes micro and per-type scores by set intersection."""
    import random

    from helpers.labels import entity_spans

    rng = random.Random(1)
    tags = ["O", "O", "O", "B-per", "I-per", "B-geo", "I-geo", "B-org", "I-org"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(80)]
    pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in s] for s in gold]

    def spans(seqs):
        return {(i, *span) for i, s in enumerate(seqs) for span in entity_spans(s)}

    def prf(g, p):
        hit = len(g & p)
        precision, recall = (hit / len(p) if p else 0.0), (hit / len(g) if g else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    g, p = spans(gold), spans(pred)
    m = ner_metrics(gold, pred)
    assert (m["precision"], m["recall"], m["f1"]) == pytest.approx(prf(g, p), abs=1e-12)
    words = [(a, b) for s, t in zip(gold, pred, strict=True) for a, b in zip(s, t, strict=True)]
    assert m["accuracy"] == pytest.approx(sum(a == b for a, b in words) / len(words))
    types = {span[1] for span in g | p}
    assert set(m["per_type"]) == types and len(types) == 3
    for t in types:
        gt, pt = {s for s in g if s[1] == t}, {s for s in p if s[1] == t}
        r = m["per_type"][t]
        assert (r["precision"], r["recall"], r["f1"]) == pytest.approx(prf(gt, pt), abs=1e-12)
        assert r["support"] == len(gt) > 0
