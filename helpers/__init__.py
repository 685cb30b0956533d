"""Helpers for the BERT-by-running-it course: one module per concept.

Imports go one way: paths → data → labels → alignment → models → train / metrics / predict;
curves, diagrams, exercises and bench sit on top and nothing imports them.
"""

__all__ = [
    "paths",
    "data",
    "labels",
    "alignment",
    "models",
    "train",
    "metrics",
    "predict",
    "nsp",
    "lm",
    "curves",
    "diagrams",
    "exercises",
    "bench",
]
