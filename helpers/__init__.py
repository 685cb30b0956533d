"""Helpers for the BERT-by-running-it course: one module per concept.

Imports go one way. A module imports only modules of a lower layer (``LAYERS``, checked by
tests/test_layers.py):

0. ``paths``, ``labels``, ``alignment``, ``corpus_check`` (the corpus figures of issue #21 over
   plain words and tags): import no other helpers module;
1. ``data`` (labels, paths, corpus_check), ``models`` (labels), ``metrics`` (alignment,
   labels), ``params`` (alignment);
2. ``predict``: word-level tagging with a trained model; ``casing`` (alignment, models): the
   learned casing feature (a BERT token classifier with a casing embedding, its collator and
   pipeline); ``bandit`` (params): notebook 01's epsilon-greedy bandit;
3. ``train``: the one training path (``transformers.Trainer``) every chapter uses;
4. ``results``: what the study commands' results files record (command, configuration);
5. the chapters' studies built on them: ``mlm``, ``nsp``, ``lm``, ``curves``, ``pseudo_label``;
6. ``exercises`` (a package: ``common`` plus one checker module per chapter, ``ch01`` … ``ch08``),
   ``bench`` and ``ner`` (the command lines), and ``seqeval_metric`` (the ``evaluate`` module
   loaded from its file path; it imports no helpers module): nothing in helpers imports them.

Light and heavy: only ``casing``, ``mlm``, ``seqeval_metric``, ``bench`` and ``exercises`` (its
chapter 5 checker) load torch, transformers, datasets or evaluate when imported; every other
module imports them inside the functions that need them, and imports a heavy helpers module the
same way, so that ``python -m helpers.ner`` checks what it can without them (the values of its
options, that its files exist) before seconds of library imports (checked by
tests/test_layers.py).

The drawings in nlp_images/ come from a tool outside this package, ``python tools/diagrams.py``:
no notebook imports it.
"""

LAYERS: dict[str, int] = {
    "paths": 0,
    "labels": 0,
    "alignment": 0,
    "corpus_check": 0,
    "data": 1,
    "models": 1,
    "metrics": 1,
    "params": 1,
    "predict": 2,
    "casing": 2,
    "bandit": 2,
    "train": 3,
    "results": 4,
    "mlm": 5,
    "nsp": 5,
    "lm": 5,
    "curves": 5,
    "pseudo_label": 5,
    "exercises": 6,
    "bench": 6,
    "ner": 6,
    "seqeval_metric": 6,
}

__all__ = list(LAYERS)
