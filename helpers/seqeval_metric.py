"""seqeval as an ``evaluate`` metric module that loads from this file, with no hub download.

The source notebook called ``evaluate.load("seqeval")``, which fetches the metric's script from
the Hugging Face hub. ``evaluate.load`` also accepts a local script: this one. It returns the same
keys as the hub's seqeval metric (``overall_precision``, ``overall_recall``, ``overall_f1``,
``overall_accuracy`` and one dict per entity type), computed by the ``seqeval`` package::

    import evaluate
    from helpers.metrics import SEQEVAL_METRIC
    seqeval = evaluate.load(SEQEVAL_METRIC)

Taught in notebooks/04_ner.ipynb. ``evaluate`` copies this file into its module cache and imports
it there, so it must not import from ``helpers``.
"""

import datasets
import evaluate


class CourseSeqeval(evaluate.Metric):
    """Entity-level precision, recall and F1 (seqeval, CoNLL conlleval semantics by default)."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description="Entity-level NER scores computed with the seqeval package.",
            citation="seqeval: https://github.com/chakki-works/seqeval (Hiroki Nakayama, 2018)",
            inputs_description="predictions, references: lists of tag sequences (IOB2).",
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("string")),
                    "references": datasets.Sequence(datasets.Value("string")),
                }
            ),
        )

    def _compute(
        self,
        predictions,
        references,
        suffix=False,
        scheme=None,
        mode=None,
        sample_weight=None,
        zero_division=0,
    ):
        """The hub metric's arguments, passed to seqeval's ``classification_report``."""
        from seqeval import scheme as schemes
        from seqeval.metrics import accuracy_score, classification_report

        known = ["IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU"]
        if scheme is not None and scheme not in known:  # "iob2": an AttributeError of seqeval's
            raise ValueError(f"Scheme should be one of {known}, got {scheme}")
        kw = {"mode": mode, "scheme": getattr(schemes, scheme) if scheme else None}
        report = classification_report(
            references,
            predictions,
            suffix=suffix,
            output_dict=True,
            sample_weight=sample_weight,
            zero_division=zero_division,
            **kw,
        )
        micro = report.pop("micro avg")
        report.pop("macro avg", None)
        report.pop("weighted avg", None)
        out = {
            t: {
                "precision": r["precision"],
                "recall": r["recall"],
                "f1": r["f1-score"],
                "number": int(r["support"]),
            }
            for t, r in sorted(report.items())
        }
        out.update(
            overall_precision=micro["precision"],
            overall_recall=micro["recall"],
            overall_f1=micro["f1-score"],
            overall_accuracy=accuracy_score(references, predictions),
        )
        return out
