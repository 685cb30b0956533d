"""Helpers for the BERT-by-running-it course: one module per concept.

Import order is one way: paths → data → labels → alignment → models → train/metrics/predict.
"""

__all__ = ["paths", "data", "labels", "alignment", "models"]
