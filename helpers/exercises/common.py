"""What every chapter's checkers share: the wrong-answer error, the not-answered verdict and the
form of an open exercise's answer (a dict of figures plus a written ``why``)."""

from __future__ import annotations

import math
import numbers
from typing import Any


class ExerciseError(AssertionError):
    """A wrong answer; the message says what is wrong and gives a hint."""


def plain(answer: object) -> object:
    """``answer`` with its numbers made plain, so a right answer in another form is accepted.

    A numpy scalar or 0-d tensor becomes an ``int`` or ``float``, a whole float (``57.0``, or
    ``113.99999999999999`` from float arithmetic) an ``int``, a 1-d array, tensor or ``range`` a
    list; lists, tuples, sets and dict values are converted inside. Booleans and anything else
    come back as they are, for the checker to refuse by name.
    """
    if isinstance(answer, bool | str | None):
        return answer
    if isinstance(answer, range):  # range(5, 9): the positions 5, 6, 7, 8
        return list(answer)
    if isinstance(answer, dict):
        return {k: plain(v) for k, v in answer.items()}
    if isinstance(answer, list | tuple | set | frozenset):
        items = [plain(a) for a in answer]  # a namedtuple or frozenset: a plain tuple or set
        return (
            items
            if isinstance(answer, list)
            else (tuple(items) if isinstance(answer, tuple) else set(items))
        )
    shape = getattr(answer, "shape", None)
    if shape is not None and len(shape) <= 1 and hasattr(answer, "tolist"):
        return plain(answer.tolist())  # numpy scalars and arrays, torch tensors
    if isinstance(answer, numbers.Integral):
        return int(answer)
    if isinstance(answer, numbers.Real):
        value = float(answer)
        whole = round(value) if math.isfinite(value) else None
        # 0.57 * 200 is 113.99999999999999: a count worked out in floats is that count
        if whole is not None and abs(value - whole) <= 1e-9 * max(1.0, abs(value)):
            return int(whole)
        return value
    return answer


def not_answered(hint: str) -> str:
    """The verdict for an answer cell still at ``None``: not an error, so a fresh run passes."""
    return f"Not answered yet. Hint: {hint}{'' if hint.endswith(('.', '?', '!')) else '.'}"


def open_answer(answer: object, keys: set[str]) -> dict[str, Any]:
    """An open exercise's answer: a dict with exactly ``keys``, else :class:`ExerciseError`."""
    if not isinstance(answer, dict) or set(answer) != keys:
        raise ExerciseError(f"expected a dict with exactly the keys {sorted(keys)}, got {answer!r}")
    return answer


def need_why(answer: dict[str, Any], words: int, what: str) -> None:
    """The answer's ``why`` holds at least ``words`` words; ``what`` says what it must cover."""
    why = answer["why"]
    if not isinstance(why, str) or len(why.split()) < words:
        raise ExerciseError(f"why: {what} ({words} words or more)")
