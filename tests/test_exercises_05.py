"""Checkers of notebooks/05_mlm.ipynb: right answers pass, None is "not answered"."""

from __future__ import annotations

import pytest

from helpers.exercises import ExerciseError, ch05

# [CLS] kenyan runner eli ##ud ki ##pc ##hog ##e won the berlin marathon on sunday . [SEP]
# "Kipchoge" (word 3) is ki ##pc ##hog ##e: token positions 5, 6, 7, 8, counted by hand.
KIPCHOGE = [5, 6, 7, 8]


def test_exercise_words_tokenize_as_the_tests_assume(tok):
    enc = tok(ch05.WORDS, is_split_into_words=True)
    pieces = tok.convert_ids_to_tokens(enc["input_ids"])
    assert pieces[5:9] == ["ki", "##pc", "##hog", "##e"]
    assert [i for i, w in enumerate(enc.word_ids()) if w == ch05.WORD] == KIPCHOGE


def test_check_05_whole_word_right_and_unanswered(tok):
    word_ids = tok(ch05.WORDS, is_split_into_words=True).word_ids()
    assert ch05.check_whole_word(KIPCHOGE, word_ids).startswith("Right")
    assert ch05.check_whole_word((8, 7, 6, 5)).startswith("Right")  # any order
    assert ch05.check_whole_word(None).startswith("Not answered yet")


@pytest.mark.parametrize(
    "answer, explanation",
    [
        ([3], "word's index"),
        ([5], "only the first piece"),
        ([4, 5, 6, 7], "position 0 is [CLS]"),
        ([5, 6, 7], "misses some pieces"),
        ([5, 6, 7, 8, 9], "other words or special tokens"),
        ([11, 12], "find the positions"),
        ("5 6 7 8", "expected a list"),
        ([5.5, 6, 7, 8], "expected a list"),
    ],
)
def test_check_05_whole_word_explains_slips(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch05.check_whole_word(answer)
    assert explanation in str(err.value)


def test_check_05_uniform_perplexity():
    assert ch05.check_uniform_perplexity(30522).startswith("Right")
    assert ch05.check_uniform_perplexity(30522.0).startswith("Right")
    assert ch05.check_uniform_perplexity(None).startswith("Not answered yet")
    assert ch05.check_uniform_perplexity(100, vocab_size=100).startswith("Right")


@pytest.mark.parametrize(
    "answer, explanation",
    [
        (10.326, "that is the loss"),  # ln 30522 by hand
        (14.897, "in bits"),  # log2 30522 by hand
        (1 / 30522, "probability of each token"),
        (44000, "what is exp of that"),
        ("30522", "expected a number"),
        (True, "expected a number"),
    ],
)
def test_check_05_uniform_perplexity_explains_slips(answer, explanation):
    with pytest.raises(ExerciseError) as err:
        ch05.check_uniform_perplexity(answer)
    assert explanation in str(err.value)


def _run(folder, whole_word_mask, ppl, **changes):
    """A metrics.json as save_adapted writes it, reduced to what the checker reads."""
    import json
    from dataclasses import asdict

    from helpers.mlm import AdaptConfig

    params = {**asdict(AdaptConfig()), "whole_word_mask": whole_word_mask, **changes}
    folder.mkdir(parents=True)
    report = {"parameters": params, "perplexity": {"after": {"perplexity": ppl}}}
    (folder / "metrics.json").write_text(json.dumps(report))
    return str(folder)


def test_check_05_token_vs_word_confronts_the_prediction_with_the_runs(tmp_path):
    whole = _run(tmp_path / "whole", True, 410.0)
    token = _run(tmp_path / "token", False, 437.0)
    assert ch05.check_token_vs_word("higher", whole, token).startswith("Right")
    assert "token masking 437, whole words 410" in ch05.check_token_vs_word(
        " Higher ", whole, token
    )
    with pytest.raises(ExerciseError, match="you predicted 'lower', but it came out higher"):
        ch05.check_token_vs_word("lower", whole, token)
    lower = _run(tmp_path / "token2", False, 300.0)
    assert ch05.check_token_vs_word("lower", whole, lower).startswith("Right")


def test_check_05_token_vs_word_unanswered_unrun_and_bad_runs(tmp_path):
    whole = _run(tmp_path / "whole", True, 410.0)
    assert ch05.check_token_vs_word(None).startswith("Not answered yet")
    missing = str(tmp_path / "nothing")
    assert ch05.check_token_vs_word("lower", whole, missing).startswith("Not run yet")
    with pytest.raises(ExerciseError, match="expected"):
        ch05.check_token_vs_word("the same", whole, missing)
    other = _run(tmp_path / "other", False, 300.0, epochs=3)
    with pytest.raises(ExerciseError, match="also differ in epochs"):
        ch05.check_token_vs_word("lower", whole, other)
    import json

    _run(tmp_path / "older", False, 300.0)  # one run has a parameter the other lacks
    report = json.loads((tmp_path / "older" / "metrics.json").read_text())
    report["parameters"]["new_setting"] = 1
    (tmp_path / "older" / "metrics.json").write_text(json.dumps(report))
    with pytest.raises(ExerciseError, match="also differ in new_setting"):  # was a KeyError
        ch05.check_token_vs_word("lower", whole, str(tmp_path / "older"))
    swapped = _run(tmp_path / "swapped", True, 300.0)
    with pytest.raises(ExerciseError, match="a token run"):
        ch05.check_token_vs_word("lower", whole, swapped)
