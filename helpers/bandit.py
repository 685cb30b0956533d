"""The reinforcement-learning loop in its smallest form: an epsilon-greedy multi-armed bandit.

The agent faces ``n_arms`` slot machines (actions). Each pull pays a reward drawn from a normal
distribution around that arm's hidden mean. The agent keeps an estimate of every arm's mean (the
average of the rewards it got from it) and follows an epsilon-greedy policy: with probability
``epsilon`` it explores (a uniformly random arm), otherwise it exploits (the arm with the best
estimate). There is a single state, so an action changes only the agent's estimates; that is
what makes it the smallest RL problem. The set-up is the 10-armed testbed of Sutton & Barto,
*Reinforcement Learning: An Introduction* (2nd ed., 2018), section 2.3.

Everything draws from two ``numpy.random.Generator``s seeded from ``seed`` (one for the
problems, one for the agents' coin flips and the reward noise), so a seed gives the same numbers
on every machine. Taught in notebooks/01_concepts.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.params import need_int, need_probability, need_seed


def _check(epsilon: float, n_steps: int, n_arms: int, n_runs: int) -> None:
    need_probability("epsilon", epsilon)  # np.float32(0.1) too; True, text and NaN are not
    for name, value, low in (("n_steps", n_steps, 1), ("n_arms", n_arms, 2), ("n_runs", n_runs, 1)):
        need_int(name, value, low)


def choose(estimates: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """The epsilon-greedy policy for a batch of agents: one arm index per row of ``estimates``.

    ``estimates`` has shape ``(n_agents, n_arms)``. Each agent explores with probability
    ``epsilon`` (an arm drawn uniformly, possibly the best one) and otherwise exploits: the arm
    with the highest estimate, the lowest index on a tie. :func:`run_bandit` uses it; notebook 01
    writes the same policy inline in its own ``play_bandit``.
    """
    estimates = np.asarray(estimates, dtype=float)
    if estimates.ndim != 2 or estimates.shape[1] < 2:
        raise ValueError(f"estimates has shape {estimates.shape}: expected (n_agents, n_arms >= 2)")
    _check(epsilon, 1, estimates.shape[1], estimates.shape[0])
    n_agents, n_arms = estimates.shape
    greedy = estimates.argmax(axis=1)
    explore = rng.random(n_agents) < epsilon
    random_arm = rng.integers(0, n_arms, size=n_agents)
    return np.where(explore, random_arm, greedy)


@dataclass
class BanditResult:
    """Per-step averages over the runs of one epsilon (index ``t`` is step ``t + 1``)."""

    epsilon: float
    mean_reward: np.ndarray  # (n_steps,) reward averaged over runs
    optimal_share: np.ndarray  # (n_steps,) share of runs that pulled their best arm
    final_estimates: np.ndarray  # (n_runs, n_arms) each run's estimates after the last step
    true_means: np.ndarray  # (n_runs, n_arms) each run's hidden arm means
    pulls: np.ndarray  # (n_runs, n_arms) how often each run pulled each arm

    def window(self, last: int) -> tuple[float, float]:
        """(mean reward, share of optimal actions) over the last ``last`` steps."""
        if not 1 <= last <= len(self.mean_reward):
            raise ValueError(f"last={last}: expected 1..{len(self.mean_reward)}")
        return float(self.mean_reward[-last:].mean()), float(self.optimal_share[-last:].mean())


def run_bandit(
    epsilon: float, n_steps: int = 1000, n_arms: int = 10, n_runs: int = 500, seed: int = 0
) -> BanditResult:
    """Play ``n_runs`` independent bandit problems for ``n_steps`` steps with one epsilon.

    Each run draws its own hidden arm means from N(0, 1); a pull of arm ``a`` pays
    N(mean[a], 1). Estimates start at 0 and are sample averages (``Q += (r - Q) / n``). The
    same ``seed`` gives the same problems (arm means) for every epsilon, so epsilons are compared
    on identical bandits. Taught in notebooks/01_concepts.ipynb.
    """
    _check(epsilon, n_steps, n_arms, n_runs)
    need_seed("seed", seed)  # True ran as seed 1; -1 and 1.5 stopped in numpy, unnamed
    problems = np.random.default_rng(seed)  # the bandits: identical for every epsilon
    true_means = problems.normal(0.0, 1.0, size=(n_runs, n_arms))
    rng = np.random.default_rng([seed, 1])  # the agent's coin flips and the reward noise
    best = true_means.argmax(axis=1)
    estimates = np.zeros((n_runs, n_arms))
    pulls = np.zeros((n_runs, n_arms), dtype=np.int64)
    rows = np.arange(n_runs)
    mean_reward = np.empty(n_steps)
    optimal_share = np.empty(n_steps)
    for t in range(n_steps):
        arm = choose(estimates, epsilon, rng)
        reward = rng.normal(true_means[rows, arm], 1.0)
        pulls[rows, arm] += 1
        estimates[rows, arm] += (reward - estimates[rows, arm]) / pulls[rows, arm]
        mean_reward[t] = reward.mean()
        optimal_share[t] = (arm == best).mean()
    return BanditResult(float(epsilon), mean_reward, optimal_share, estimates, true_means, pulls)
