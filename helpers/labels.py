"""Label encoding: the BIO tag rules, the label list, id maps and entity spans.

This module is the one home of the BIO rules (what a tag looks like, IOB1 → IOB2); the corpus
readers in :mod:`helpers.data` import them from here. Taught in notebooks/02_label_encoding.ipynb.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence

# \Z, not $: "$" would also accept a tag with a trailing newline such as "O\n".
TAG_RE = re.compile(r"^(O|[BI]-\S+)\Z")
GMB_TYPES = ("art", "eve", "geo", "gpe", "nat", "org", "per", "tim")


def is_bio_tag(tag: object) -> bool:
    """True for ``O``, ``B-<type>`` or ``I-<type>`` (a string, no whitespace in the type)."""
    return isinstance(tag, str) and TAG_RE.match(tag) is not None


def _opens_span(tags: Sequence[str], prefix: str) -> bool:
    """True if some tag with ``prefix`` follows ``O``, the start or another type."""
    prev = "O"
    for t in tags:
        if t.startswith(prefix) and prev[2:] != t[2:]:
            return True
        prev = t
    return False


def starts_with_orphan_i(tags: Sequence[str]) -> bool:
    """True if some ``I-x`` follows ``O`` or another type (IOB1 style, or broken IOB2)."""
    return _opens_span(tags, "I-")


def opens_with_b(tags: Sequence[str]) -> bool:
    """True if some ``B-x`` opens a span after ``O``, the start or another type: IOB2's way.

    IOB1 writes ``B-x`` only between two touching spans of one type, so a file where this holds
    for some sentence is not IOB1 (see :func:`helpers.data.load_corpus`)."""
    return _opens_span(tags, "B-")


def to_iob2(tags: Sequence[str]) -> list[str]:
    """Make tags valid IOB2: an ``I-x`` after ``O`` or another type becomes ``B-x``.

    This converts IOB1 (where ``I-`` starts spans) and repairs broken IOB2 the way seqeval reads
    it; the input is not changed.
    """
    out, prev = [], "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


# The name notebook 02 teaches: repairing broken BIO is the same rule as converting IOB1.
repair_bio = to_iob2


def build_label_list(tag_sequences: Iterable[Sequence[str]]) -> list[str]:
    """All tags seen, as the source builds them: ``['O'] + sorted(tags - {'O'})``.

    Taught in notebooks/02_label_encoding.ipynb.
    """
    seen = {t for tags in tag_sequences for t in tags}
    bad = sorted(t for t in seen if not is_bio_tag(t))
    if bad:
        raise ValueError(f"tags {bad}: expected 'O', 'B-<type>' or 'I-<type>'")
    return ["O"] + sorted(seen - {"O"})


def labels_for_types(types: Iterable[str]) -> list[str]:
    """The full BIO label list for entity types, e.g. the 17 GMB labels for ``GMB_TYPES``."""
    given = types
    types = [] if isinstance(types, str) else list(types)  # "geo" gave B-e, B-g, B-o, ...
    if not types:
        raise ValueError(f"types={given!r}: expected a non-empty list of entity types")
    return build_label_list([[f"{p}-{t}" for t in types for p in "BI"]])


def label_maps(labels: Sequence[str]) -> tuple[dict[str, int], dict[int, str]]:
    """``(label2id, id2label)`` for a label list."""
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels {list(labels)} contain duplicates")
    return {t: i for i, t in enumerate(labels)}, dict(enumerate(labels))


def encode(tags: Sequence[str], label2id: dict[str, int]) -> list[int]:
    """Tags → ids; an unknown tag names itself and the known labels."""
    try:
        return [label2id[t] for t in tags]
    except KeyError as e:
        raise KeyError(f"tag {e.args[0]!r} is not in the label map {list(label2id)}") from None


def decode(ids: Sequence[int], id2label: dict[int, str]) -> list[str]:
    """Ids → tags; an id that is not a whole number or not in ``id2label`` (``-100``, the
    ignored positions) names itself."""
    out = []
    for i in ids:
        try:  # an int, a numpy integer or a 0-d integer tensor; 1.9 used to read as 1
            key = None if isinstance(i, bool) else operator.index(i)
        except TypeError:
            key = None
        if key not in id2label:
            hint = " (-100 marks an ignored position: drop those first)" if key == -100 else ""
            raise KeyError(f"id {i!r} is not in the label map {dict(id2label)}{hint}")
        out.append(id2label[key])
    return out


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities as ``(type, start, end)`` word indices, ``end`` exclusive.

    Spans are read as IOB2 after :func:`repair_bio`, so a stray ``I-x`` opens a span, as
    seqeval's default mode does.
    """
    spans: list[tuple[str, int, int]] = []
    start, kind = None, None
    for i, t in enumerate([*repair_bio(tags), "O"]):
        if t == "O" or t.startswith("B-") or (kind is not None and t[2:] != kind):
            if kind is not None:
                spans.append((kind, start, i))
            start, kind = (i, t[2:]) if t != "O" else (None, None)
    return spans
