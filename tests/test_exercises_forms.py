"""Every checker accepts a right answer in the forms a learner computes it in (a numpy or tensor
number, a whole float, an array of positions, other casing), refuses NaN instead of passing it,
and says what is wrong where a slip used to get a false or contradictory message."""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import pytest
import torch

from helpers.exercises import ExerciseError, ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08
from helpers.exercises.common import plain
from helpers.lm import LMRun
from tests.test_exercises import EX02_RIGHT
from tests.test_exercises_06_07 import _same_doc_answer

Pair = namedtuple("Pair", "segment positions")


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.int64(3), 3),
        (np.float32(2.5), 2.5),
        (57.0, 57),
        (torch.tensor(12), 12),
        (torch.tensor(3.0), 3),
        (torch.tensor([1, 2]), [1, 2]),
        (np.array([5, 6]), [5, 6]),
        ((torch.tensor(1), 512), (1, 512)),
        ({"a": np.float64(0.5), "b": True}, {"a": 0.5, "b": True}),
        ([np.int64(1), {np.int64(2)}], [1, {2}]),
        (Pair(np.int64(1), 512.0), (1, 512)),  # a namedtuple: a plain tuple
        (frozenset({np.int64(3)}), {3}),
        (range(5, 9), [5, 6, 7, 8]),  # consecutive positions
        (0.57 * 200, 114),  # 113.99999999999999: a count worked out in floats
        (np.float64(1e6) * 0.1 * 10, 1_000_000),
    ],
)
def test_plain_makes_numbers_plain(value, expected):
    got = plain(value)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(got, (list, tuple)):
        assert [type(g) for g in got] == [type(e) for e in expected]


@pytest.mark.parametrize(
    "value", [True, np.bool_(False), "3", None, math.nan, math.inf, torch.zeros(2, 2)]
)
def test_plain_leaves_what_no_number_form_can_be(value):
    got = plain(value)
    assert got is value or (type(got) is bool and got == bool(value))
    if isinstance(value, float):
        assert not math.isfinite(got)


def test_a_right_number_in_another_form_is_right():
    checks = [
        lambda a: ch01.check_inputs(a),
        lambda a: ch06.check_segment_ones(a, [0, 0, 0, 0, 0, 1, 1, 1]),
        lambda a: ch06.check_min_correct(a, 200),
        lambda a: ch04.check_validation_cost(a, 300, 0.1),
        lambda a: ch03.check_naive_entities(a),
    ]
    answers = [
        [(torch.tensor(1), 512), (np.int64(1), 512), (1, 512.0)],
        [torch.tensor(3), np.int64(3), 3.0],
        [np.int64(114), torch.tensor(114)],
        [np.int64(270), 270.0],
        [torch.tensor(8), np.int64(8)],
    ]
    for check, forms in zip(checks, answers, strict=True):
        for form in forms:
            assert check(form).startswith("Right"), form
    steps = ch04.check_steps(np.ceil(300 / 8) * 7, torch.tensor(27), 300, 8, 7, 0.1)
    assert steps.startswith("Right: 266 optimizer steps")


def test_a_count_computed_with_tensors_is_right():
    ids = torch.tensor([[101, 103, 7, 8, 103, 9, 102]])
    labels = torch.tensor([[-100, 5, 7, 8, 6, 4, -100]])  # 2 targets left unchanged
    batch = {"input_ids": ids, "labels": labels}
    counted = ((labels != -100) & (ids == labels)).sum()  # a 0-d tensor, as the prompt invites
    assert ch07.check_unchanged_targets(counted, batch, 103).startswith("Right: 2 of the 5")
    assert ch07.check_clm_positions(np.int64(52), [12, 14, 16, 14]).startswith("Right")


def test_positions_and_ids_from_numpy_are_right():
    word_ids = [None, ch05.WORD - 1, ch05.WORD, ch05.WORD, ch05.WORD + 1, None]
    positions = np.where(np.array([w == ch05.WORD for w in word_ids]))[0]  # array([2, 3])
    assert ch05.check_whole_word(positions, word_ids).startswith("Right: positions [2, 3]")
    assert ch05.check_uniform_perplexity(np.float32(30522)).startswith("Right")
    assert ch02.check_label_ids(np.array(EX02_RIGHT)).startswith("Right:")
    assert ch02.check_label_ids(torch.tensor(EX02_RIGHT)).startswith("Right:")


def test_case_and_spaces_do_not_matter_where_they_are_not_the_point():
    assert ch04.check_prediction(" Higher").startswith("Noted: 'higher'")
    assert ch04.check_prediction("About  the same").startswith("Noted: 'about the same'")
    spans = [("PER", 0, 2), ("Geo", 3, 5), ("org", 6, 7), ("per", 7, 8)]
    assert ch02.check_spans(spans).startswith("Right: 4 entities")
    answer = _same_doc_answer(negatives="Same_doc")
    assert ch06.check_same_doc(answer, "same_doc", {"accuracy": 0.612, "low": 0.55}).startswith(
        "Plausible"
    )


def _mask_rate_run() -> LMRun:
    """test_exercises_06_07's run: 40 targets per step, last loss 7.2 against a default 7.0."""
    return LMRun("mlm", losses=[9.0, 9.0] + [7.2] * 10, positions=[40, 41] * 6, tokens=[100] * 12)


def _mask_rate_answer(**over):
    why = " ".join(["word"] * 25)
    good = {"mlm_probability": 0.4, "targets_per_step": 40, "loss_change": 0.2, "why": why}
    return {**good, **over}


def test_nan_is_never_a_right_reading():
    run = _mask_rate_run()
    for name in ("targets_per_step", "loss_change"):
        with pytest.raises(ExerciseError, match=f"{name} must be a number, got nan"):
            ch07.check_mask_rate(_mask_rate_answer(**{name: math.nan}), 0.4, run, 7.0)
    answer = _same_doc_answer(accuracy=math.nan)
    with pytest.raises(ExerciseError, match="accuracy must be a number, got nan"):
        ch06.check_same_doc(answer, "same_doc", {"accuracy": 0.612, "low": 0.55})


def test_slips_get_a_message_that_fits_them():
    run = _mask_rate_run()
    with pytest.raises(ExerciseError, match="mlm_probability must be a number between 0 and 1"):
        ch07.check_mask_rate(_mask_rate_answer(mlm_probability="0.4"), 0.4, run, 7.0)
    answer = _same_doc_answer(accuracy=61.2)
    with pytest.raises(ExerciseError, match="looks like a percentage: give the fraction"):
        ch06.check_same_doc(answer, "same_doc", {"accuracy": 0.612, "low": 0.55})
    # mean rule: sentence 1 (every word >= 0.8) left out: it passes as it does under min
    with pytest.raises(ExerciseError, match="sentence 1 averages 0.880 >= 0.8, so it passes as"):
        ch08.check_selection(([1, 2], [0, 2, 4]))
    with pytest.raises(ExerciseError, match="sentence 0 averages 0.910 .* although one of"):
        ch08.check_selection(([1, 2], [1, 2, 4]))


class _CasedTokenizer:
    """A tokenizer that splits ``MASK_TEXT`` into 7 tokens, as a cased vocabulary might."""

    pieces = ["[CLS]", "Kofi", "Annan", "visited", "Accra", ".", "[SEP]"]

    def __call__(self, text):
        assert text == ch01.MASK_TEXT
        return {"input_ids": list(range(len(self.pieces)))}

    def convert_ids_to_tokens(self, ids):
        return [self.pieces[i] for i in ids]


def test_masks_are_counted_with_the_runs_tokenizer():
    assert ch01.check_masks((49, 28), _CasedTokenizer()).startswith("Right: 7 tokens")
    with pytest.raises(ExerciseError):
        ch01.check_masks((100, 55), _CasedTokenizer())
    assert ch01.check_masks((100, 55)).startswith("Right: 10 tokens")


def test_range_and_set_answers_and_a_float_count_are_right():
    """Equivalent forms that used to be refused as the wrong type."""
    from tests.test_exercises import EX02_SPANS

    assert ch05.check_whole_word(range(5, 9)).startswith("Right")
    assert ch02.check_spans(set(EX02_SPANS)).startswith("Right: 4 entities")
    assert ch06.check_min_correct(0.57 * 200, 200).startswith("Right")
    assert plain(0.5) == 0.5 and plain(113.9) == 113.9  # only a float a rounding away from whole
