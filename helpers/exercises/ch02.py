"""Checkers for the exercises of notebooks/02_label_encoding.ipynb."""

from __future__ import annotations

from helpers.exercises.common import ExerciseError, not_answered, plain
from helpers.labels import GMB_TYPES, build_label_list, entity_spans, labels_for_types

# Exercise 02: the label ids of this sentence's tags under the source's map.
WORDS: list[str] = [
    "Prime", "Minister", "Sadia", "Rehmatullah", "flew", "to", "Accra", "on", "Tuesday", ".",
]  # fmt: skip
TAGS: list[str] = [
    "B-per", "I-per", "I-per", "I-per", "O", "O", "B-geo", "O", "B-tim", "O",
]  # fmt: skip


def _ids_under(labels: list[str], tags: list[str]) -> list[int]:
    index = {t: i for i, t in enumerate(labels)}
    return [index[t] for t in tags]


def check_label_ids(answer: object) -> str:
    """Check the label ids of ``TAGS`` under ``['O'] + sorted(tags - {'O'})``.

    Recognises the usual slips (O sorted among the others, ids counted from 1, B-/I- of a type
    kept together, a map built from this one sentence) and names them.
    Taught in notebooks/02_label_encoding.ipynb.
    """

    if answer is None:
        return not_answered(
            "O is 0; then the eight B- labels in alphabetical order of the type, then the "
            "eight I- labels (the id → label table of section 4)"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    tags = TAGS
    labels = labels_for_types(GMB_TYPES)
    expected = _ids_under(labels, tags)
    if not isinstance(answer, (list, tuple)):
        raise ExerciseError(
            f"expected a list of {len(tags)} integers (one id per tag), got {type(answer).__name__}"
        )
    if any(isinstance(a, str) for a in answer):
        raise ExerciseError("the answer holds strings: give each tag's integer id, not the tag")
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError("every id must be a plain int (e.g. 0, 7, 15)")
    answer = list(answer)
    if len(answer) != len(tags):
        raise ExerciseError(
            f"{len(answer)} ids for {len(tags)} tags: give exactly one id per tag, in order"
        )
    if answer == expected:
        return f"Right: {answer}. I-per is {labels.index('I-per')} because O takes id 0."
    all_sorted = sorted(labels)
    interleaved = ["O"] + [f"{p}-{t}" for t in GMB_TYPES for p in "BI"]
    this_sentence = build_label_list([tags])
    slips = [
        (_ids_under(all_sorted, tags),
         "you sorted O among the others (it lands last, at 16); the source puts O first, at 0, "
         "and sorts only the other 16 labels"),
        ([i + 1 for i in expected],
         "every id is one too high: ids count from 0, so O is 0 and B-art is 1"),
        ([i - 1 for i in expected],
         "every id is one too low: O takes id 0, so the entity labels start at 1"),
        (_ids_under(interleaved, tags),
         "you kept B- and I- of each type together (B-art, I-art, B-eve, ...); sorted() compares "
         "whole strings, so all 8 B- labels come before all 8 I- labels"),
        (_ids_under(this_sentence, tags),
         f"you built the map from this sentence's tags only ({this_sentence}); the map comes from "
         "the whole corpus, all 17 labels"),
    ]  # fmt: skip
    for ids, why in slips:
        if answer == ids:
            raise ExerciseError(why)
    wrong = [i for i, (a, e) in enumerate(zip(answer, expected, strict=True)) if a != e]
    first = wrong[0]
    raise ExerciseError(
        f"{len(wrong)} of {len(tags)} ids are wrong; the first is position {first} "
        f"(tag {tags[first]!r}, you gave {answer[first]}). Recount it in the id → label table."
    )


# Exercise 02-2: a broken tag sequence, read as seqeval (and entity_spans) read it.
BROKEN: list[str] = [
    "B-per", "I-per", "O", "I-geo", "I-geo", "O", "B-org", "I-per", "O",
]  # fmt: skip


def check_spans(answer: object) -> str:
    """Check the entities of ``BROKEN`` as ``(type, start, end)``, end excluded.

    Names the slips: orphan ``I-`` tags dropped instead of opening an entity, an ``I-`` of
    another type glued onto the entity before it, ends included (seqeval's ``get_entities``
    style), positions counted from 1. Taught in notebooks/02_label_encoding.ipynb.
    """

    if answer is None:
        return not_answered(
            "repair first (an I-x after O or after another type opens a new entity, as "
            "repair_bio does), then read each entity's first word and the word after its last"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    expected = entity_spans(BROKEN)
    if not isinstance(answer, (list, tuple, set)) or not all(  # a set: order does not matter
        isinstance(a, (list, tuple)) and len(a) == 3 for a in answer
    ):
        raise ExerciseError(
            f"expected a list of (type, start, end) triples such as ('per', 0, 2), got {answer!r}"
        )
    got = [tuple(a) for a in answer]
    if not all(isinstance(k, str) and isinstance(s, int) and isinstance(e, int) for k, s, e in got):
        raise ExerciseError("each entity is (type string, start int, end int), e.g. ('geo', 3, 5)")
    if any(k.startswith(("B-", "I-")) for k, _, _ in got):
        raise ExerciseError("give the type without its prefix: 'per', not 'B-per'")
    got = [(k.strip().lower(), s, e) for k, s, e in got]  # "PER" or "Per": the type is meant
    got.sort(key=lambda g: (g[1], g[2], g[0]))  # any order: compare in word order
    if got == expected:
        return (
            f"Right: {len(expected)} entities. The orphan I-geo opens an entity, and I-per after "
            "B-org starts a new person, as seqeval reads them."
        )
    if got == [(k, s, e - 1) for k, s, e in expected]:
        raise ExerciseError(
            "your ends are inclusive (seqeval's get_entities style); here end is excluded, like "
            "a Python slice: words[start:end]"
        )
    if got == [(k, s + 1, e + 1) for k, s, e in expected]:
        raise ExerciseError("positions count from 0: the first word is position 0")
    if got == [e for e in expected if BROKEN[e[1]].startswith("B-")]:
        raise ExerciseError(
            "you kept only the entities that start with B-; an I-x after O (or after another "
            "type) is broken IOB2, and it still opens an entity: it is repaired to B-x"
        )
    if ("org", 6, 8) in got:
        raise ExerciseError(
            "I-per after B-org does not continue the org (the types differ): it starts a person"
        )
    if len(got) != len(expected):
        raise ExerciseError(f"{len(got)} entities: there are {len(expected)}")
    wrong = [g for g in got if g not in expected]
    if not wrong:
        raise ExerciseError("you list an entity twice: give each once")
    raise ExerciseError(f"{wrong[0]} is not right; check its type and its word positions")


# notebook 02's test_size default (a test compares): the exercise asks for another one
DEFAULT_TEST_SIZE = 0.2


def check_leak(answer: object, train_part: list, test_part: list, test_size: float) -> str:
    """Open-ended: how many documents have sentences on both sides of a sentence-level split.

    ``train_part`` and ``test_part`` are the learner's own ``split_sentences`` result (lists of
    ``Sentence``), so the right answer follows the ``test_size`` and ``seed`` they ran with;
    ``test_size`` is the run's, and the default one is refused (the exercise asks for a rerun).
    Taught in notebooks/02_label_encoding.ipynb.
    """
    if answer is None:
        return not_answered(
            "predict first, then rerun with the new test_size and read the 'documents on both "
            "sides' column of the split table"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if test_size == DEFAULT_TEST_SIZE:
        raise ExerciseError(
            f"this run used the default test_size {test_size}: rerun with -p test_size 0.05 "
            "first, then count in that run's split table"
        )
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise ExerciseError(f"expected a count of documents (an int), got {answer!r}")
    shared = {s.doc_id for s in train_part} & {s.doc_id for s in test_part}
    n_docs = len({s.doc_id for s in [*train_part, *test_part]})
    if answer == len(shared):
        return (
            f"Right: {len(shared)} of {n_docs} documents are cut in two by this split. "
            "Now explain why the number moved the way it did."
        )
    if answer == round(100 * len(shared) / n_docs):
        raise ExerciseError("that is the percentage; give the number of documents")
    if answer == n_docs:
        raise ExerciseError(f"{n_docs} is every document; count only those on both sides")
    if answer in (len(train_part), len(test_part)):
        raise ExerciseError("that counts sentences on one side; count documents on both sides")
    raise ExerciseError(
        f"{answer} is not what your run shows; did you rerun the split cell after changing "
        "test_size?"
    )
