"""What every chapter's checkers share: the wrong-answer error, the not-answered verdict and the
form of an open exercise's answer (a dict of figures plus a written ``why``)."""

from __future__ import annotations

from typing import Any


class ExerciseError(AssertionError):
    """A wrong answer; the message says what is wrong and gives a hint."""


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
