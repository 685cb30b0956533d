"""Checking a notebook's parameters before anything runs: one call per notebook.

A papermill run (``-p name value``) or an edit in JupyterLab can put any value in a notebook's
``parameters`` cell. Each ``check_*_params`` function takes the notebook's variables (pass
``globals()``), checks the parameters that notebook uses, and raises ``ValueError`` naming the
first bad parameter, its value and what was expected, before a model is loaded. The small
``need_*`` rules are reusable on their own: the checks of notebooks 06-08 live with their
chapters' modules (``helpers.nsp``, ``helpers.lm``, ``helpers.pseudo_label``) and use them.
Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from helpers.alignment import STRATEGIES


def refuse(name: str, value: Any, expected: str) -> None:
    """Raise ``ValueError``: ``name=value: expected ...``, the form of every parameter error."""
    raise ValueError(f"{name}={value!r}: expected {expected}")


def refuse_list(name: str, value: Any, expected: str) -> None:
    """:func:`refuse` for a list parameter; text (what papermill's ``-p`` passes) gets a hint."""
    if isinstance(value, str):
        expected += f' (papermill passes a list with -y "{name}: [...]", not with -p)'
    refuse(name, value, expected)


def raise_first_failure(values: Mapping[str, Any], checks: Sequence[tuple[bool, str, str]]) -> None:
    """``checks`` are ``(ok, name, expected)``; raise ``ValueError`` for the first that is not ok,
    naming the parameter, its value (``values[name]``) and what was expected. Used by the
    configs of helpers.train, helpers.mlm and helpers.curves."""
    for ok, name, expected in checks:
        if not ok:
            value = values[name]
            refuse(name, value, expected + python_number_hint(name, value, "integer" in expected))


def python_number_hint(name: str, value: Any, integer: bool) -> str:
    """For a numpy number, or a one-number tensor or array: what to pass instead, e.g. `` (a
    Python int: pass int(epochs))``; JSON files and configs need Python's numbers. ``""`` for
    anything else."""
    if isinstance(value, (bool, int, float)):
        return ""
    if not isinstance(value, numbers.Real):  # torch.tensor(0.1), np.array(3): no numbers.Real
        one = getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None))
        return f" (a tensor or array: pass {name}.item())" if one else ""
    return (
        f" (a Python int: pass int({name}))"
        if integer
        else f" (a Python number: pass float({name}))"
    )


def is_int(value: Any) -> bool:
    """``value`` is a plain int (``True`` is not an integer parameter)."""
    return isinstance(value, int) and not isinstance(value, bool)


COUNT_EXPECTED = "None or an integer > 0"


def is_count_or_none(value: Any) -> bool:
    """``value`` is None (all, or the default) or a plain int > 0: a count parameter's rule,
    refused as :data:`COUNT_EXPECTED`."""
    return value is None or (is_int(value) and value > 0)


def is_integral(value: Any) -> bool:
    """``value`` is an integer of any kind, Python's or numpy's (a count such as
    ``(preds == labels).sum()``), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_probability(value: Any) -> bool:
    """``value`` is a real number in [0, 1], a numpy one too (a threshold or a margin compares,
    it is never written to a file); not a bool, not text, not NaN."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value <= 1


def need_probability(name: str, value: Any) -> Any:
    """``value`` passes :func:`is_probability`, else ``name=value: expected a probability in
    [0, 1]``; returns it."""
    if not is_probability(value):
        refuse(name, value, "a probability in [0, 1]")
    return value


def is_finite_number(value: Any) -> bool:
    """``value`` is a real number, not a bool, NaN or infinite (and not text such as "1e-3")."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float, e.g. 10**400
        return False


# papermill turns only ``True`` and ``False`` into booleans: ``-p name false`` passes the string
# "false", which Python would read as true
BOOL_EXPECTED = "True or False (papermill: -p NAME True or -p NAME False, capitalised)"


def is_bool(value: Any) -> bool:
    """``value`` is ``True`` or ``False`` itself (not a truthy string such as "false")."""
    return isinstance(value, bool)


def need_bool(name: str, value: Any) -> bool:
    """``value`` is ``True`` or ``False``; returns it."""
    if not is_bool(value):
        refuse(name, value, BOOL_EXPECTED)
    return value


def need_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """``value`` is a plain int in ``[low, high]`` (either bound may be None); returns it."""
    if low is not None and high is not None:
        expected = f"an integer from {low} to {high}"
    elif low is not None:
        expected = f"an integer >= {low}"
    elif high is not None:
        expected = f"an integer <= {high}"
    else:
        expected = "an integer"
    expected += python_number_hint(name, value, integer=True)  # np.int64(3)
    if not is_int(value) or (low is not None and value < low):
        refuse(name, value, expected)
    if high is not None and value > high:
        refuse(name, value, expected)
    return value


SEED_MAX = 2**32 - 1  # the largest seed transformers.set_seed (numpy's generator) accepts
SEED_EXPECTED = "an integer from 0 to 2**32-1"


def is_seed(value: Any) -> bool:
    """``value`` is a seed that ``transformers.set_seed`` takes: an integer from 0 to 2**32-1."""
    return is_int(value) and 0 <= value <= SEED_MAX


def need_seed(name: str, value: Any) -> int:
    """``value`` is a seed (:func:`is_seed`); returns it."""
    if not is_seed(value):
        refuse(name, value, SEED_EXPECTED + python_number_hint(name, value, integer=True))
    return value


def need_number(
    name: str, value: Any, low: float, high: float | None = None, *, low_open: bool = False,
    high_open: bool = True,
) -> float:  # fmt: skip
    """``value`` is a real number between ``low`` and ``high`` (open or closed ends); returns it."""
    left, right = ("(" if low_open else "["), (")" if high_open else "]")
    expected = (
        f"a number in {left}{low}, {high}{right}"
        if high is not None
        else f"a number {'>' if low_open else '>='} {low}"
    )
    expected += python_number_hint(name, value, integer=False)  # np.float32(0.1), a tensor's
    if not is_finite_number(value):
        refuse(name, value, expected)  # NaN and ±inf pass no bound check: refused here
    if value < low or (low_open and value == low):
        refuse(name, value, expected)
    if high is not None and (value > high or (high_open and value == high)):
        refuse(name, value, expected)
    return float(value)


def need_available(name: str, value: int | None, available: int, source: str, unit: str) -> None:
    """A count parameter (``None``: all) asks for no more than ``source`` has: a larger one is
    refused, not quietly cut to what there is."""
    if value is not None and value > available:
        raise ValueError(
            f"{name}={value!r}: {source} has only {available} {unit}; pass a smaller {name} or "
            "None (all)"
        )


def need_text(name: str, value: Any, must_contain: str | None = None, count: int = 1) -> str:
    """``value`` is a non-empty string (holding ``must_contain`` exactly ``count`` times)."""
    if not isinstance(value, str) or not value.strip():
        refuse(name, value, "a non-empty string")
    if must_contain is not None and value.count(must_contain) != count:
        times = "once" if count == 1 else f"{count} times"
        refuse(name, value, f"text with {must_contain} exactly {times}")
    return value


def need_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """``value`` is one of ``choices``; returns it."""
    if value not in choices:
        refuse(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value


def need_int_list(name: str, value: Any, low: int, high: int, min_len: int = 1) -> list[int]:
    """``value`` is a list (or tuple) of at least ``min_len`` ints in ``[low, high]``."""
    if not isinstance(value, (list, tuple)) or len(value) < min_len:
        refuse_list(name, value, f"a list of at least {min_len} integers from {low} to {high}")
    for item in value:
        if not is_int(item) or not low <= item <= high:
            refuse(name, value, f"a list of integers from {low} to {high} (bad item {item!r})")
    return list(value)


def need_defined(values: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The parameters ``names`` of a notebook's ``values`` (its ``globals()``), all defined."""
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(
            f"parameters {missing} are not defined: run the notebook's parameters cell first"
        )
    return {n: values[n] for n in names}


def check_concepts_params(values: Mapping[str, Any]) -> None:
    """The parameters of notebooks/01_concepts.ipynb (pass ``globals()``).

    Taught in notebooks/01_concepts.ipynb.
    """
    p = need_defined(values, [
        "model_name", "seed", "sentence_a", "sentence_b", "context_word", "context_sentences",
        "by_hand_layer", "by_hand_head", "attention_text", "attention_layer", "attention_head",
        "masked_text", "top_k", "mlm_probability", "mask_demo_sentences",
        "n_train_sentences", "n_val_sentences", "curve_epochs", "curve_lr",
        "curve_weight_decay", "curve_dropout", "bandit_epsilons", "bandit_steps", "bandit_runs",
        "bandit_arms",
    ])  # fmt: skip
    need_text("model_name", p["model_name"])
    need_seed("seed", p["seed"])
    for name in ("sentence_a", "sentence_b", "attention_text", "context_word"):
        need_text(name, p[name])
    pair = p["context_sentences"]
    if not (
        isinstance(pair, (list, tuple))
        and len(pair) == 2
        and all(isinstance(t, str) and t.strip() for t in pair)
    ):
        refuse_list("context_sentences", pair, "a list of two non-empty sentences")
    need_int("by_hand_layer", p["by_hand_layer"], 0)
    need_int("by_hand_head", p["by_hand_head"], 0)
    need_int("attention_layer", p["attention_layer"])
    if p["attention_head"] is not None:
        need_int("attention_head", p["attention_head"], 0)
    need_text("masked_text", p["masked_text"], must_contain="[MASK]")
    need_int("top_k", p["top_k"], 1)
    need_number("mlm_probability", p["mlm_probability"], 0, 1, low_open=True)
    for name in ("mask_demo_sentences", "n_train_sentences", "n_val_sentences"):
        need_int(name, p[name], 1)
    need_int("curve_epochs", p["curve_epochs"], 2)
    need_number("curve_lr", p["curve_lr"], 0, low_open=True)
    need_number("curve_weight_decay", p["curve_weight_decay"], 0)
    need_number("curve_dropout", p["curve_dropout"], 0, 1)
    eps = p["bandit_epsilons"]
    ok = (
        isinstance(eps, (list, tuple))
        and eps
        and all(
            not isinstance(e, bool) and isinstance(e, (int, float)) and 0 <= e <= 1 for e in eps
        )
    )
    if not ok:
        refuse_list("bandit_epsilons", eps, "a non-empty list of numbers in [0, 1]")
    need_int("bandit_steps", p["bandit_steps"], 10)
    need_int("bandit_runs", p["bandit_runs"], 1)
    need_int("bandit_arms", p["bandit_arms"], 2)


def check_label_encoding_params(values: Mapping[str, Any]) -> None:
    """The parameters of notebooks/02_label_encoding.ipynb (pass ``globals()``).

    Taught in notebooks/02_label_encoding.ipynb.
    """
    p = need_defined(values, ["split", "show_examples", "seed", "test_size"])
    need_choice("split", p["split"], ("train", "test"))
    need_int("show_examples", p["show_examples"], 1)
    need_seed("seed", p["seed"])
    need_number("test_size", p["test_size"], 0, 1, low_open=True)


def check_alignment_params(values: Mapping[str, Any], n_sentences: int) -> None:
    """The parameters of notebooks/03_subword_alignment.ipynb (pass ``globals()``).

    ``n_sentences`` is the number of train sentences, which bounds ``example_index`` and
    ``batch_indices``. Taught in notebooks/03_subword_alignment.ipynb.
    """

    p = need_defined(values, [
        "model_name", "strategy", "example_index", "batch_indices", "max_length", "stride", "seed",
    ])  # fmt: skip
    need_text("model_name", p["model_name"])
    need_choice("strategy", p["strategy"], STRATEGIES)
    if p["example_index"] is not None:
        need_int("example_index", p["example_index"], 0, n_sentences - 1)
    if p["batch_indices"] is not None:
        need_int_list("batch_indices", p["batch_indices"], 0, n_sentences - 1, min_len=2)
    need_int("max_length", p["max_length"], 8, 512)
    need_int("stride", p["stride"], 0, p["max_length"] - 3)
    need_seed("seed", p["seed"])
