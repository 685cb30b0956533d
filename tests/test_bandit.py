"""helpers.bandit: the epsilon-greedy policy, and seeded bandit runs that repeat exactly."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.bandit import BanditResult, choose, run_bandit


def test_greedy_picks_the_best_estimate_lowest_index_on_ties():
    rng = np.random.default_rng(0)
    est = np.array([[0.1, 0.9, 0.3], [2.0, -1.0, 2.0], [-5.0, -4.0, -6.0]])
    for _ in range(20):
        assert choose(est, 0.0, rng).tolist() == [1, 0, 1]


def test_epsilon_one_explores_uniformly():
    rng = np.random.default_rng(1)
    est = np.tile([10.0, 0.0, 0.0, 0.0, 0.0], (40_000, 1))  # arm 0 is clearly best
    counts = np.bincount(choose(est, 1.0, rng), minlength=5)
    # uniform: 8,000 per arm; 4 standard deviations of a binomial count is about 320
    assert np.all(np.abs(counts - 8_000) < 320), counts


def test_small_epsilon_explores_that_often():
    rng = np.random.default_rng(2)
    est = np.tile([1.0, 0.0, 0.0, 0.0], (40_000, 1))
    share_not_best = (choose(est, 0.2, rng) != 0).mean()
    assert share_not_best == pytest.approx(0.2 * 3 / 4, abs=0.01)


def test_seeded_runs_repeat_and_seeds_differ():
    a = run_bandit(0.1, n_steps=200, n_runs=50, seed=3)
    b = run_bandit(0.1, n_steps=200, n_runs=50, seed=3)
    c = run_bandit(0.1, n_steps=200, n_runs=50, seed=4)
    assert np.array_equal(a.mean_reward, b.mean_reward)
    assert np.array_equal(a.optimal_share, b.optimal_share)
    assert np.array_equal(a.final_estimates, b.final_estimates)
    assert not np.array_equal(a.mean_reward, c.mean_reward)


def test_same_seed_same_problems_for_every_epsilon():
    greedy = run_bandit(0.0, n_steps=50, n_runs=20, seed=5)
    explorer = run_bandit(0.3, n_steps=50, n_runs=20, seed=5)
    assert np.array_equal(greedy.true_means, explorer.true_means)


def test_estimates_are_sample_averages_and_pulls_add_up():
    r = run_bandit(1.0, n_steps=2_000, n_arms=4, n_runs=5, seed=6)
    assert r.pulls.sum(axis=1).tolist() == [2_000] * 5
    # every arm pulled ~500 times: the average of N(mean, 1) is within 0.2 of the mean
    assert np.all(np.abs(r.final_estimates - r.true_means) < 0.2)
    # sample averages exactly: each arm's estimate x its pulls is the reward it paid, so they
    # add up to every reward of the run (an estimate over pulls + 1, or one that averages in
    # its starting 0, passed the bound above)
    assert np.isclose((r.final_estimates * r.pulls).sum(), r.mean_reward.sum() * 5, rtol=1e-9)


def test_exploration_beats_pure_greed_in_the_long_run():
    """Sutton & Barto's classic result, on a small testbed: greedy locks onto a poor arm."""
    greedy = run_bandit(0.0, n_steps=1_000, n_runs=300, seed=0)
    explorer = run_bandit(0.1, n_steps=1_000, n_runs=300, seed=0)
    g_reward, g_opt = greedy.window(200)
    e_reward, e_opt = explorer.window(200)
    assert e_opt > g_opt + 0.2 and e_reward > g_reward
    assert explorer.optimal_share[:10].mean() < e_opt  # it learns: better late than early


def test_window():
    r = BanditResult(0.1, np.array([0.0, 1.0, 2.0, 3.0]), np.array([0, 0, 1, 1.0]),
                     np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)))  # fmt: skip
    assert r.window(2) == (2.5, 1.0)
    with pytest.raises(ValueError, match="last=5"):
        r.window(5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epsilon": -0.1}, "epsilon=-0.1: expected a probability in [0, 1]"),
        ({"epsilon": 1.5}, "epsilon=1.5"),
        ({"epsilon": 0.1, "n_steps": 0}, "n_steps=0: expected an integer >= 1"),
        ({"epsilon": 0.1, "n_arms": 1}, "n_arms=1: expected an integer >= 2"),
        ({"epsilon": 0.1, "n_runs": 2.5}, "n_runs=2.5"),
        # True used to run as seed 1; -1 and 1.5 stopped inside numpy without the name
        ({"epsilon": 0.1, "seed": True}, "seed=True: expected an integer from 0 to 2**32-1"),
        ({"epsilon": 0.1, "seed": -1}, "seed=-1: expected an integer from 0 to 2**32-1"),
        ({"epsilon": 0.1, "seed": 1.5}, "seed=1.5: expected an integer from 0 to 2**32-1"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError) as err:
        run_bandit(**kwargs)
    assert message in str(err.value)


def test_a_numpy_epsilon_is_a_probability():
    """np.float32(0.1) used to be refused as "expected a probability in [0, 1]"."""
    assert run_bandit(np.float32(0.1), n_steps=5, n_runs=2).epsilon == np.float32(0.1)
    assert run_bandit(np.float64(0.0), n_steps=5, n_runs=2).epsilon == 0.0
    for bad in (True, "0.1", float("nan")):
        with pytest.raises(ValueError, match=r"^epsilon=.*: expected a probability in \[0, 1\]"):
            run_bandit(bad, n_steps=5, n_runs=2)


def test_choose_rejects_a_flat_estimate_vector():
    with pytest.raises(ValueError, match=r"expected \(n_agents, n_arms >= 2\)"):
        choose(np.zeros(5), 0.1, np.random.default_rng(0))
