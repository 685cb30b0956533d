"""Helpers for the BERT-by-running-it course: one module per concept.

Imports go one way: paths → labels → data → alignment → models → train / metrics / predict →
mlm, nsp, lm, pseudo_label; params, curves, bandit, exercises, bench and ner (the command line)
sit on top and nothing imports them. The drawings in nlp_images/ come from a tool outside this
package, ``python tools/diagrams.py``: no notebook imports it.
"""

__all__ = [
    "paths",
    "labels",
    "data",
    "alignment",
    "models",
    "train",
    "metrics",
    "predict",
    "mlm",
    "nsp",
    "lm",
    "pseudo_label",
    "params",
    "curves",
    "bandit",
    "exercises",
    "bench",
    "ner",
]
