"""Notebooks 01 and 02 write the functions they teach in cells; each must equal the helpers one.

01 writes the epsilon-greedy bandit loop (``play_bandit``), 02 ``repair_bio`` and
``entity_spans``. The notebooks check them on their own defaults; these tests take the same
cells and compare them on other settings, and 02's also with seqeval's own reading.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from helpers import labels
from helpers.bandit import run_bandit
from helpers.data import load_embedded
from tests.notebook_cells import notebook_namespace


@pytest.mark.parametrize(
    "epsilon, n_steps, n_arms, n_runs, seed",
    [(0.1, 200, 10, 50, 0), (0.0, 50, 2, 7, 3), (1.0, 30, 5, 4, 11), (0.5, 100, 3, 1, 2)],
)
def test_notebook01_bandit_loop_equals_run_bandit(epsilon, n_steps, n_arms, n_runs, seed):
    play = notebook_namespace("01_concepts.ipynb", "def play_bandit(", np=np)["play_bandit"]
    mean_reward, best_share, estimates, pulls = play(epsilon, n_steps, n_arms, n_runs, seed)
    lib = run_bandit(epsilon, n_steps=n_steps, n_arms=n_arms, n_runs=n_runs, seed=seed)
    assert np.array_equal(mean_reward, lib.mean_reward)
    assert np.array_equal(best_share, lib.optimal_share)
    assert np.array_equal(estimates, lib.final_estimates)
    assert np.array_equal(pulls, lib.pulls) and pulls.sum() == n_steps * n_runs


@pytest.fixture(scope="module")
def nb02():
    return notebook_namespace("02_label_encoding.ipynb", "def repair_bio(")


def _seqeval(tags: list[str]) -> list[tuple[str, int, int]]:
    return [(kind, first, last + 1) for kind, first, last in get_entities(list(tags))]


def _all_sequences(max_len: int) -> list[list[str]]:
    alphabet = ["O", "B-a", "I-a", "B-b", "I-b"]
    return [list(s) for n in range(max_len + 1) for s in itertools.product(alphabet, repeat=n)]


def test_notebook02_bio_functions_on_every_short_sequence(nb02):
    """Every sequence of up to six tags over two types: broken ones, touching entities, empty."""
    seqs = _all_sequences(6)
    assert sum(labels.starts_with_orphan_i(s) for s in seqs) > len(seqs) // 2  # mostly broken
    for tags in seqs:
        assert nb02["repair_bio"](tags) == labels.repair_bio(tags), tags
        assert nb02["entity_spans"](tags) == labels.entity_spans(tags) == _seqeval(tags), tags


def test_notebook02_bio_functions_on_the_corpus(nb02):
    for s in [*load_embedded("train"), *load_embedded("test")]:
        assert nb02["repair_bio"](s.tags) == s.tags  # the corpus is valid IOB2
        assert nb02["entity_spans"](s.tags) == labels.entity_spans(s.tags) == _seqeval(s.tags)


def test_notebook02_repair_leaves_its_input_alone(nb02):
    tags = ["O", "I-per", "I-per"]
    assert nb02["repair_bio"](tags) == ["O", "B-per", "I-per"] and tags == ["O", "I-per", "I-per"]
