"""What every chapter's checkers share: the wrong-answer error and the not-answered verdict."""

class ExerciseError(AssertionError):
    """A wrong answer; the message says what is wrong and gives a hint."""


def not_answered(hint: str) -> str:
    """The verdict for an answer cell still at ``None``: not an error, so a fresh run passes."""
    return f"Not answered yet. Hint: {hint}{'' if hint.endswith(('.', '?', '!')) else '.'}"
