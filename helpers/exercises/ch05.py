"""Checkers for the exercises of notebooks/05_mlm.ipynb."""

from __future__ import annotations

import json
import math

from helpers.exercises.common import ExerciseError, not_answered, plain
from helpers.mlm import output_path
from helpers.models import load_tokenizer

WORDS = ("Kenyan runner Eliud Kipchoge won the Berlin Marathon on Sunday .").split()
WORD = 3  # "Kipchoge"


def check_whole_word(answer: object, word_ids: list[int | None] | None = None) -> str:
    """Check the token positions hidden when whole-word masking picks ``"Kipchoge"``.

    ``word_ids`` is ``tokenizer(WORDS, is_split_into_words=True).word_ids()``;
    without it the embedded tokenizer's are computed. Taught in notebooks/05_mlm.ipynb.
    """
    if answer is None:
        return not_answered(
            "list the positions in input_ids ([CLS] is position 0) of every piece of the word; "
            "word_ids() tells you which word each position belongs to"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if word_ids is None:
        tok = load_tokenizer()
        word_ids = tok(WORDS, is_split_into_words=True).word_ids()
    right = [i for i, w in enumerate(word_ids) if w == WORD]
    if not isinstance(answer, (list, tuple, set)) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in answer
    ):
        raise ExerciseError(f"expected a list of token positions (ints), got {answer!r}")
    got = sorted(answer)
    if got == right:
        return (
            f"Right: positions {right} are the {len(right)} pieces of "
            f"{WORDS[WORD]!r}; whole-word masking hides them together."
        )
    if got == [WORD]:
        raise ExerciseError(
            f"{got} is the word's index among the words; the question asks for token positions "
            "in input_ids, where the word is split into several pieces"
        )
    if got == right[:1]:
        raise ExerciseError(
            f"position {got[0]} is only the first piece; whole-word masking hides every piece "
            "of the word, so the model cannot read the rest of it"
        )
    if got == [i - 1 for i in right]:
        raise ExerciseError(
            "each position is one too low: position 0 is [CLS], so the first word starts at 1"
        )
    if set(got) < set(right):
        raise ExerciseError(f"{got} misses some pieces of the word: count its ## pieces too")
    if set(got) > set(right):
        raise ExerciseError(f"{got} includes positions of other words or special tokens")
    raise ExerciseError(f"{got} is not right: find the positions whose word_ids() entry is {WORD}")


def check_uniform_perplexity(answer: object, vocab_size: int = 30522) -> str:
    """Check the perplexity of a model that spreads its guess evenly over the vocabulary.

    Taught in notebooks/05_mlm.ipynb.
    """

    if answer is None:
        return not_answered(
            "every token gets probability 1 / vocabulary size; the loss is -log of the "
            "probability of the right token, and perplexity is exp(mean loss)"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise ExerciseError(f"expected a number, got {answer!r}")
    if math.isclose(answer, vocab_size, rel_tol=0.01):
        return (
            f"Right: uniform guessing over {vocab_size:,} tokens has perplexity {vocab_size:,}. "
            "A random head does worse: its probability is not spread evenly, and the right token "
            "gets less than an even share."
        )
    slips = [
        (math.log(vocab_size), "that is the loss, -log(1/V) in nats; perplexity is exp(loss)"),
        (math.log2(vocab_size), "that is the loss in bits; perplexity is 2**bits = exp(nats)"),
        (1 / vocab_size, "that is the probability of each token; perplexity is its inverse"),
        (math.exp(vocab_size) if vocab_size < 700 else math.inf, "exp of V is far too much"),
    ]
    for value, why in slips:
        if math.isclose(answer, value, rel_tol=0.01):
            raise ExerciseError(f"{answer} is not right: {why}")
    raise ExerciseError(
        f"{answer} is not right: with probability 1/V on the right token, the loss is log(V) "
        "for every token; what is exp of that?"
    )


def check_token_vs_word(
    prediction: object, whole_dir: str = "runs/mlm", token_dir: str = "runs/mlm-token"
) -> str:
    """Confront a prediction with two runs of notebook 05: whole-word vs token masking.

    Reads ``metrics.json`` of both runs (relative to the repo root), checks that they differ
    only in ``whole_word_mask``, and says whether the held-out perplexity after adaptation came
    out lower or higher with token masking, as predicted or not. Taught in
    notebooks/05_mlm.ipynb.
    """

    if prediction is None:
        return not_answered(
            'write "lower" or "higher": with token masking, what can the model still see when '
            "one piece of a long word is hidden, and which tokens end up hidden?"
        )
    if not isinstance(prediction, str) or prediction.strip().lower() not in ("lower", "higher"):
        raise ExerciseError(f'expected "lower" or "higher", got {prediction!r}')
    runs = {}
    for name, folder in (("whole-word", whole_dir), ("token", token_dir)):
        path = output_path(folder) / "metrics.json"
        if not path.is_file():
            return (
                f"Not run yet: {folder}/metrics.json is missing. Run the notebook with its "
                "defaults (whole words, output_dir runs/mlm) and with "
                f"-p whole_word_mask False -p output_dir {token_dir}, then run this cell again."
            )
        runs[name] = json.loads(path.read_text())
    params = {k: {**r["parameters"]} for k, r in runs.items()}
    for p in params.values():
        p.pop("whole_word_mask")
        p.pop("output_dir")
    if (
        runs["whole-word"]["parameters"]["whole_word_mask"] is not True
        or runs["token"]["parameters"]["whole_word_mask"] is not False
    ):
        raise ExerciseError(
            f"{whole_dir} must be a whole-word run and {token_dir} a token run "
            "(see whole_word_mask in their metrics.json)"
        )
    names = params["token"].keys() | params["whole-word"].keys()  # runs of two course versions
    other = sorted(k for k in names if params["token"].get(k) != params["whole-word"].get(k))
    if other:
        raise ExerciseError(
            f"the two runs also differ in {', '.join(other)}: change only whole_word_mask"
        )
    w = runs["whole-word"]["perplexity"]["after"]["perplexity"]
    t = runs["token"]["perplexity"]["after"]["perplexity"]
    measured = "lower" if t < w else "higher"
    why = (
        f"token masking {t:.0f}, whole words {w:.0f}. Token masking often leaves the other "
        "pieces of a word in view (easier), but it also hides lone continuation pieces such as "
        "'##ong' and simply hides other tokens: the two numbers score different tasks on "
        "different masks, so neither ranks the models. To compare the models, score both on "
        "the same batches."
    )
    if prediction.strip().lower() == measured:
        return f"Right, it came out {measured}: {why}"
    raise ExerciseError(f"you predicted {prediction.strip()!r}, but it came out {measured}: {why}")
