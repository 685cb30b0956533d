"""Checkers for the short exercises at the end of each notebook: one module per chapter.

Each ``check_*`` returns "Not answered yet" plus a hint while the answer is ``None``, a one-line
"Right: ..." verdict when the answer is right, and raises ``ExerciseError`` saying why when it is
wrong, so a learner can run it until it passes. A notebook imports its own chapter's module,
``from helpers.exercises import ch04 as exercises``, and calls ``exercises.check_steps(...)``.
"""

from helpers.exercises.common import ExerciseError, not_answered

__all__ = ["ExerciseError", "not_answered"]
