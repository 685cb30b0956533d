"""helpers.labels: the label list, id maps, BIO repair and entity spans (hand-computed values)."""

from __future__ import annotations

import pytest

from helpers.labels import (
    GMB_TYPES,
    build_label_list,
    decode,
    encode,
    entity_spans,
    is_bio_tag,
    label_maps,
    labels_for_types,
    opens_with_b,
    repair_bio,
    starts_with_orphan_i,
    to_iob2,
)

# The source notebook's label map, in order: O=0, B-art=1, ..., I-tim=16.
SOURCE_LABELS = [
    "O",
    "B-art", "B-eve", "B-geo", "B-gpe", "B-nat", "B-org", "B-per", "B-tim",
    "I-art", "I-eve", "I-geo", "I-gpe", "I-nat", "I-org", "I-per", "I-tim",
]  # fmt: skip


def test_build_label_list_on_gmb_tags_matches_source_map():
    # tags in a scrambled order, with repeats, as a corpus would present them
    seqs = [
        ["O", "I-tim", "B-geo", "O"],
        ["B-tim", "I-per", "B-per", "I-org", "B-org"],
        ["B-nat", "I-nat", "B-gpe", "I-gpe", "B-eve", "I-eve", "B-art", "I-art", "I-geo"],
        ["O"],
    ]
    labels = build_label_list(seqs)
    assert labels == SOURCE_LABELS
    assert len(labels) == 17
    assert labels.index("O") == 0
    assert labels.index("B-art") == 1
    assert labels.index("B-tim") == 8
    assert labels.index("I-art") == 9
    assert labels.index("I-tim") == 16


def test_build_label_list_on_embedded_corpus():
    from helpers.data import load_embedded

    corpus = load_embedded("train")
    assert build_label_list(s.tags for s in corpus) == SOURCE_LABELS


def test_labels_for_gmb_types():
    assert GMB_TYPES == ("art", "eve", "geo", "gpe", "nat", "org", "per", "tim")
    assert labels_for_types(GMB_TYPES) == SOURCE_LABELS
    # order of the types given does not matter
    assert labels_for_types(reversed(GMB_TYPES)) == SOURCE_LABELS
    assert labels_for_types(["per"]) == ["O", "B-per", "I-per"]


def test_build_label_list_without_entities_and_bad_tags():
    assert build_label_list([["O", "O"]]) == ["O"]
    with pytest.raises(ValueError, match=r"\['B_per', 'X'\]"):
        build_label_list([["O", "X", "B_per"]])


def test_label_maps_round_trip():
    label2id, id2label = label_maps(SOURCE_LABELS)
    assert label2id["O"] == 0
    assert label2id["B-geo"] == 3
    assert label2id["I-per"] == 15
    assert id2label[16] == "I-tim"
    assert len(label2id) == len(id2label) == 17
    for t, i in label2id.items():
        assert id2label[i] == t
    assert [id2label[i] for i in range(17)] == SOURCE_LABELS


def test_label_maps_rejects_duplicates():
    with pytest.raises(ValueError, match="duplicates"):
        label_maps(["O", "B-per", "O"])


def test_encode_decode_round_trip():
    label2id, id2label = label_maps(SOURCE_LABELS)
    tags = ["B-per", "I-per", "O", "B-geo", "O", "B-tim", "I-tim"]
    ids = encode(tags, label2id)
    assert ids == [7, 15, 0, 3, 0, 8, 16]
    assert decode(ids, id2label) == tags
    assert encode([], label2id) == []


def test_decode_accepts_numpy_and_tensor_ids():
    import numpy as np
    import torch

    _, id2label = label_maps(SOURCE_LABELS)
    assert decode(np.array([0, 3, 11]), id2label) == ["O", "B-geo", "I-geo"]
    assert decode(torch.tensor([7, 15]), id2label) == ["B-per", "I-per"]


def test_encode_unknown_tag_names_tag_and_labels():
    label2id, _ = label_maps(["O", "B-per", "I-per"])
    with pytest.raises(KeyError) as ei:
        encode(["O", "B-geo"], label2id)
    msg = ei.value.args[0]
    assert msg == "tag 'B-geo' is not in the label map ['O', 'B-per', 'I-per']"


@pytest.mark.parametrize(
    "tags, expected",
    [
        # I-x after O opens a span
        (["O", "I-per", "I-per"], ["O", "B-per", "I-per"]),
        # I-x at the start of the sentence
        (["I-geo", "O"], ["B-geo", "O"]),
        # I-x after another type
        (["B-org", "I-per", "I-per"], ["B-org", "B-per", "I-per"]),
        (["B-org", "I-org", "I-geo"], ["B-org", "I-org", "B-geo"]),
        # valid IOB2 stays unchanged
        (["B-per", "I-per", "O", "B-geo", "B-geo", "I-geo"],
         ["B-per", "I-per", "O", "B-geo", "B-geo", "I-geo"]),
        (["O", "O"], ["O", "O"]),
        ([], []),
    ],
)  # fmt: skip
def test_repair_bio(tags, expected):
    out = repair_bio(tags)
    assert out == expected
    assert repair_bio(out) == out  # idempotent


def test_repair_bio_does_not_mutate_input():
    tags = ["O", "I-per"]
    repair_bio(tags)
    assert tags == ["O", "I-per"]


@pytest.mark.parametrize(
    "tags, expected",
    [
        ([], []),
        (["O", "O"], []),
        # adjacent B-x B-x: two entities
        (["B-per", "B-per"], [("per", 0, 1), ("per", 1, 2)]),
        # a multi-word span
        (["O", "B-geo", "I-geo", "O"], [("geo", 1, 3)]),
        # span running to the end of the sentence
        (["O", "B-org", "I-org", "I-org"], [("org", 1, 4)]),
        (["B-tim"], [("tim", 0, 1)]),
        # I-x after a different type starts a new entity
        (["B-per", "I-geo"], [("per", 0, 1), ("geo", 1, 2)]),
        (["B-per", "I-per", "I-geo", "I-geo"], [("per", 0, 2), ("geo", 2, 4)]),
        # stray I-x after O opens a span (seqeval default)
        (["O", "I-per", "I-per", "O", "B-tim"], [("per", 1, 3), ("tim", 4, 5)]),
        (["I-geo"], [("geo", 0, 1)]),
        # B-x inside an I-x run of the same type splits it
        (["B-geo", "I-geo", "B-geo", "I-geo"], [("geo", 0, 2), ("geo", 2, 4)]),
    ],
)
def test_entity_spans(tags, expected):
    assert entity_spans(tags) == expected


def test_opens_with_b_tells_iob2_starts_from_iob1s_touching_spans():
    assert not opens_with_b(["I-PER", "I-PER", "B-PER", "O", "I-LOC"])  # IOB1: B- only touching
    assert opens_with_b(["O", "B-PER"]) and opens_with_b(["B-PER"])  # after O, at the start
    assert opens_with_b(["I-LOC", "B-PER"])  # after another type
    assert not opens_with_b([])


def test_to_iob2_and_orphan_detection():
    iob1 = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]
    assert starts_with_orphan_i(iob1)
    assert to_iob2(iob1) == ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG"]
    assert not starts_with_orphan_i(["B-PER", "I-PER", "O", "B-LOC"])
    assert not starts_with_orphan_i([])


@pytest.mark.parametrize(
    "tag, ok",
    [
        ("O", True), ("B-geo", True), ("I-per", True), ("B-ORG", True), ("B-my_type", True),
        ("B-", False), ("X-geo", False), ("o", False), ("B geo", False), ("B-geo\n", False),
        ("O\n", False), ("", False), ("B-a b", False), (None, False), (3, False),
    ],
)  # fmt: skip
def test_is_bio_tag(tag, ok):
    assert is_bio_tag(tag) is ok


@pytest.mark.slow  # starts a Python subprocess
def test_labels_does_not_import_the_corpus_readers():
    """The import direction is paths → labels → data: labels stands on its own."""
    import subprocess
    import sys

    code = "import sys, helpers.labels; print('helpers.data' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_labels_for_types_refuses_a_string_and_no_types():
    """ "geo" used to give B-e, B-g, B-o (its letters); [] gave ['O'] alone."""
    for bad in ("geo", []):
        with pytest.raises(ValueError, match="expected a non-empty list of entity types"):
            labels_for_types(bad)
    assert labels_for_types(("geo",)) == ["O", "B-geo", "I-geo"]


@pytest.mark.parametrize("bad, extra", [(1.9, ""), (True, ""), (5, ""), (-100, "ignored position")])
def test_decode_refuses_an_id_it_cannot_read_by_name(bad, extra):
    """1.9 used to read as 1 and True as 1; -100 and unknown ids were a bare KeyError."""
    with pytest.raises(KeyError, match=rf"id {bad!r} is not in the label map .*{extra}"):
        decode([0, bad], {0: "O", 1: "B-x"})
