"""Checkers of notebooks 06 and 07: right, wrong and empty answers."""

from __future__ import annotations

import pytest

from helpers.exercises import ExerciseError, ch06, ch07

# [CLS] a a a [SEP] b b [SEP]: segment 1 = two pieces of B + the final [SEP]
TYPES = [0, 0, 0, 0, 0, 1, 1, 1]


def test_06_segment_ones():
    assert ch06.check_segment_ones(None, TYPES).startswith("Not answered yet. Hint: ")
    assert ch06.check_segment_ones(3, TYPES).startswith("Right")
    for wrong, why in [
        (2, "final \\[SEP\\]"),
        (5, "segment 0"),
        (8, "whole input"),
        (4, "subword pieces"),
    ]:
        with pytest.raises(ExerciseError, match=why):
            ch06.check_segment_ones(wrong, TYPES)
    with pytest.raises(ExerciseError, match="whole number"):
        ch06.check_segment_ones("3", TYPES)


def test_06_min_correct():
    # Wilson 95% lower bounds for n=200 (scipy.stats.binomtest(k, 200).proportion_ci(
    # method="wilson")): 113/200 -> 0.4957, 114/200 -> 0.5007
    from scipy.stats import binomtest

    assert binomtest(114, 200).proportion_ci(method="wilson").low > 0.5
    assert binomtest(113, 200).proportion_ci(method="wilson").low < 0.5
    assert ch06.check_min_correct(None).startswith("Not answered yet. Hint: ")
    assert ch06.check_min_correct(114, 200).startswith("Right")
    with pytest.raises(ExerciseError, match="still contains 0.5"):
        ch06.check_min_correct(113, 200)
    with pytest.raises(ExerciseError, match="still contains 0.5"):
        ch06.check_min_correct(101, 200)
    with pytest.raises(ExerciseError, match="smaller count"):
        ch06.check_min_correct(130, 200)
    with pytest.raises(ExerciseError, match="between 0 and 200"):
        ch06.check_min_correct(201, 200)
    # n=20: 15/20 has lower bound 0.531, 14/20 has 0.481
    assert ch06.check_min_correct(15, 20).startswith("Right")


def test_07_causal_zeros():
    assert ch07.check_causal_zeros(None, 7).startswith("Not answered yet. Hint: ")
    assert ch07.check_causal_zeros(21, 7).startswith("Right")
    for wrong, why in [
        (28, "diagonal too"),
        (24, "half the matrix"),
        (0, "bidirectional"),
        (20, "row 0 blocks 6"),
    ]:
        with pytest.raises(ExerciseError, match=why):
            ch07.check_causal_zeros(wrong, 7)


def test_07_clm_positions():
    lengths = [12, 20, 9, 15]  # 56 tokens, 4 sentences
    assert ch07.check_clm_positions(None, lengths).startswith("Not answered yet. Hint: ")
    assert ch07.check_clm_positions(52, lengths).startswith("Right")
    for wrong, why in [(56, "first token"), (8, "15%"), (40, "one target per sentence")]:
        with pytest.raises(ExerciseError, match=why):
            ch07.check_clm_positions(wrong, lengths)
