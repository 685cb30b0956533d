"""Checkers for the exercises of notebooks/01_concepts.ipynb."""

from __future__ import annotations

from typing import Any

from helpers.exercises.common import ExerciseError, not_answered, plain

# The sizes of the embedded all-MiniLM-L6-v2, used when no config is passed.
_MINILM_SIZES = {
    "max_position_embeddings": 512,
    "hidden_size": 384,
    "vocab_size": 30522,
    "type_vocab_size": 2,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
}


def check_inputs(answer: object, config: object | None = None) -> str:
    """Check ``(segment id of a pair's 2nd sentence, rows of the position-embedding table)``.

    ``config`` is the model's config (``model.config``); without it the embedded MiniLM's sizes
    are used. Names the usual slips: segment ids counted from 1, sentence A's id, the hidden
    size, the vocabulary or segment table, 510/511 instead of 512, layers or heads.
    Taught in notebooks/01_concepts.ipynb.
    """
    if answer is None:
        return not_answered(
            "segment ids number the segments of a pair from 0; an nn.Embedding table has one "
            "row per id it can look up, and its weight's shape is (rows, width)"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    sizes = {k: getattr(config, k, v) for k, v in _MINILM_SIZES.items()}
    n_pos = sizes["max_position_embeddings"]
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise ExerciseError(
            "expected a pair of integers: (segment id of sentence B, number of positions), "
            f"got {answer!r}"
        )
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError(f"both values must be plain ints, got {answer!r}")
    seg, pos = answer
    if seg != 1:
        if seg == 0:
            why = (
                "0 is sentence A's segment id (it also covers [CLS] and the first [SEP]); "
                "look at token_type_ids after the first [SEP]"
            )
        elif seg == 2:
            why = "segment ids count from 0: sentence A is 0, so sentence B is 1"
        else:
            why = (
                f"the segment table has only type_vocab_size={sizes['type_vocab_size']} rows "
                f"(ids 0..{sizes['type_vocab_size'] - 1}); sentence A is 0"
            )
        raise ExerciseError(f"segment id {seg} is wrong: {why}")
    if pos != n_pos:
        slips = {
            sizes["hidden_size"]: "that is the hidden size, the width of each vector (columns "
            "of the table), not its number of rows",
            sizes["vocab_size"]: "that is the vocabulary size, the rows of word_embeddings",
            sizes["type_vocab_size"]: "that is the segment table (token_type_embeddings)",
            n_pos - 1: f"that is the last position's index; positions count 0..{n_pos - 1}",
            n_pos - 2: "that is how many text tokens fit once [CLS] and [SEP] take two positions; "
            "the table itself has a row for those two as well",
            sizes["num_hidden_layers"]: "that is the number of encoder layers",
            sizes["num_attention_heads"]: "that is the number of attention heads per layer",
        }
        why = slips.get(
            pos,
            "count the rows of model.embeddings.position_embeddings.weight (its shape[0]); "
            "the length of one input is not it, the table covers every position the model can see",
        )
        raise ExerciseError(f"{pos} positions is wrong: {why}")
    return (
        f"Right: sentence B gets segment id 1, and the position table has {n_pos} rows, "
        f"so one input holds at most {n_pos} tokens, [CLS] and [SEP] included."
    )


# Exercise 01-2: attention masks for this sentence. Its tokens are what the packaged tokenizer
# gives (tests/test_exercises.py checks them against it).
MASK_TEXT = "Kofi Annan visited Accra ."
MASK_TOKENS: list[str] = [
    "[CLS]", "ko", "##fi", "anna", "##n", "visited", "acc", "##ra", ".", "[SEP]",
]  # fmt: skip


def check_masks(answer: object, tokenizer: Any = None) -> str:
    """Check ``(allowed pairs under the bidirectional mask, under the causal mask)``.

    A pair is (query token, key token) with a 1 in the attention mask, for
    ``MASK_TEXT`` tokenized with ``[CLS]`` and ``[SEP]`` by ``tokenizer`` (the run's; without it,
    the embedded model's ``MASK_TOKENS``). Names the slips: counting
    words instead of tokens, leaving out the special tokens, leaving out the diagonal (a token
    sees itself), half of n², the two numbers swapped. Taught in notebooks/01_concepts.ipynb.
    """
    if answer is None:
        return not_answered(
            "under a bidirectional mask every token may attend to every token; under a causal "
            "mask token i may attend to tokens 0..i only; [CLS], [SEP] and every piece of a "
            "split word are tokens"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise ExerciseError(f"expected a pair (bidirectional, causal), got {answer!r}")
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        raise ExerciseError(f"both counts must be plain ints, got {answer!r}")
    # another model_name's tokenizer may split the names differently
    n = len(MASK_TOKENS) if tokenizer is None else len(tokenizer(MASK_TEXT)["input_ids"])
    right = (n * n, n * (n + 1) // 2)
    if tuple(answer) == right:
        return (
            f"Right: {n} tokens; bidirectional {n}x{n} = {right[0]} pairs, causal "
            f"{n}+{n - 1}+...+1 = {right[1]}: token i sees i + 1 tokens, itself included."
        )
    bi, causal = answer
    n_words = len(MASK_TEXT.split())
    for m, what in [
        (n_words, f"{n_words} words, but attention works on tokens: the tokenizer gives {n}"),
        (n - 2, "the text's WordPieces only; [CLS] and [SEP] are tokens that attend too"),
        (n_words + 2, "words plus [CLS] and [SEP]; rare names split into several WordPieces"),
    ]:
        if (bi, causal) == (m * m, m * (m + 1) // 2):
            raise ExerciseError(f"you counted {m} tokens: {what}")
    if (bi, causal) == (right[1], right[0]):
        raise ExerciseError("the two numbers are swapped: the causal mask allows fewer pairs")
    if bi != right[0]:
        raise ExerciseError(
            f"bidirectional {bi} is wrong: every token sees every token, n x n for n tokens"
        )
    if causal == n * (n - 1) // 2:
        raise ExerciseError(
            f"causal {causal} leaves out the diagonal: token i attends to positions 0..i, "
            "itself included"
        )
    if causal * 2 == n * n:
        raise ExerciseError(f"causal {causal} is half of n x n; count the lower triangle rows")
    raise ExerciseError(
        f"causal {causal} is wrong: row i of the causal mask has i + 1 ones; add the rows up"
    )


# the default run's length (notebook 01's bandit_steps; a test compares): the exercise asks for
# a longer one
DEFAULT_BANDIT_STEPS = 1000


def check_bandit(answer: object, results: dict, last: int) -> str:
    """Open-ended: the epsilon that earned the most reward per step over the last ``last`` steps.

    ``results`` maps each epsilon to its ``helpers.bandit.BanditResult`` from the learner's own
    run, so the right answer follows whatever parameters they ran with.
    Taught in notebooks/01_concepts.ipynb.
    """
    if answer is None:
        return not_answered(
            "predict first, then read the right-hand end of the average-reward plot (or the "
            "table below it) for the epsilon whose curve ends highest"
        )
    answer = plain(answer)  # a numpy or tensor number, 57.0: accepted as plain
    steps = len(next(iter(results.values())).mean_reward)
    if steps == DEFAULT_BANDIT_STEPS:
        raise ExerciseError(
            f"this is the default run ({steps} steps): rerun with -p bandit_steps 5000 first, "
            "then answer from that run's table"
        )
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise ExerciseError(f"expected one of the epsilons {sorted(results)}, got {answer!r}")
    match = [e for e in results if abs(e - answer) < 1e-12]
    if not match:
        raise ExerciseError(f"{answer!r} was not run: pick one of {sorted(results)}")
    late = {e: r.window(last)[0] for e, r in results.items()}
    early = {e: float(r.mean_reward[:last].mean()) for e, r in results.items()}
    best = max(late, key=late.get)
    if match[0] == best:
        return (
            f"Right: epsilon={best} earns {late[best]:.3f} per step over the last {last} steps. "
            "Now explain why, in terms of exploring and exploiting."
        )
    if match[0] == max(early, key=early.get):
        raise ExerciseError(
            f"epsilon={match[0]} leads over the first {last} steps ({early[match[0]]:.3f}), but "
            f"over the last {last} it earns {late[match[0]]:.3f}: compare the curves' right ends"
        )
    if match[0] == 0:
        raise ExerciseError(
            f"pure greed (epsilon=0) earns {late[match[0]]:.3f}: it stops "
            "trying arms once one looks good, and often locks onto a poor one"
        )
    raise ExerciseError(
        f"epsilon={match[0]} earns {late[match[0]]:.3f} per step over the last {last} steps; "
        "another epsilon earns more"
    )
