"""`ConstrainedGPSearcher`: EI x probability of feasibility, incumbent among feasible results."""

from __future__ import annotations

import copy
import functools
import pickle
from typing import Any

import numpy as np
import pytest

from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.status import COST_KEY
from tunelab.core.testing import searcher_contracts
from tunelab.core.trial import Config
from tunelab.gp.acquisition import expected_improvement
from tunelab.gp.constrained import ConstrainedGPSearcher, probability_of_feasibility
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.searchers import GPSearcher
from tunelab.gp.settings import GPSettings

FAST = GPSettings(optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20)
SPACE = {"x1": uniform(0.0, 1.0), "x2": uniform(0.0, 1.0)}


class SlackReportingSearcher(ConstrainedGPSearcher):
    """The contract suites report no constraint: this one derives it from the cost they
    report (`worker_cost`, in [0.5, 1.5) per epoch), feasible for about half the
    configurations at epoch 1."""

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        slack = {"slack": float(result[COST_KEY]) - 1.0}
        super().observe(trial_id, config, {**result, **slack})


CONTRACT_SEARCHER = functools.partial(
    SlackReportingSearcher, constraint_attr="slack", num_init_random=3, settings=FAST
)
globals().update(searcher_contracts("ConstrainedGPSearcher", CONTRACT_SEARCHER, n_suggestions=10))


def objective(config: Config) -> float:
    """Lowest at (0.9, 0.9), which is infeasible; the constrained optimum is (0.5, 0.5)."""
    return float((config["x1"] - 0.9) ** 2 + (config["x2"] - 0.9) ** 2)


def constraint(config: Config) -> float:
    return float(config["x1"] + config["x2"] - 1.0)


def run(searcher: Any, n: int) -> list[tuple[float, float]]:
    """(objective, constraint) of `n` sequential trials; the constraint is reported."""
    searcher.configure(metric="f", mode="min")
    seen = []
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        searcher.register_pending(trial_id, config)
        value, slack = objective(config), constraint(config)
        searcher.observe(trial_id, config, {"f": value, "c": slack})
        searcher.remove_pending(trial_id)
        seen.append((value, slack))
    return seen


def best_feasible(seen: list[tuple[float, float]]) -> float:
    return min((value for value, slack in seen if slack <= 0), default=np.inf)


def test_constrained_ei_finds_the_feasible_optimum_where_plain_ei_goes_infeasible() -> None:
    constrained, plain, random = [], [], []
    for seed in range(3):
        found = run(ConstrainedGPSearcher(SPACE, constraint_attr="c", settings=FAST, seed=seed), 20)
        constrained.append(found)
        plain.append(run(GPSearcher(SPACE, settings=FAST, seed=seed), 20))
        random.append(run(RandomSearcher(SPACE, seed=seed), 20))
    # the optimum under the constraint is 0.32
    assert all(best_feasible(seen) < 0.36 for seen in constrained), constrained
    assert np.mean([best_feasible(s) for s in constrained]) < np.mean(
        [best_feasible(s) for s in random]
    )

    def feasible_share(runs: list[list[tuple[float, float]]]) -> float:
        return float(np.mean([slack <= 0 for seen in runs for _, slack in seen[6:]]))

    assert feasible_share(constrained) > 0.6
    assert feasible_share(plain) < 0.4  # EI alone heads for the infeasible optimum


def test_the_incumbent_ignores_infeasible_results() -> None:
    searcher = ConstrainedGPSearcher(SPACE, constraint_attr="c", settings=FAST, seed=0)
    searcher.configure(metric="acc", mode="max")
    results = [(0.9, 0.5), (0.6, -0.1), (0.7, 0.0), (0.95, 2.0)]  # (acc, constraint)
    for trial_id, (acc, slack) in enumerate(results):
        config = {"x1": 0.1 * trial_id, "x2": 0.5}
        searcher.observe(trial_id, config, {"acc": acc, "c": slack})
    assert searcher.incumbent() == 0.7  # feasible means <= 0: the best two are not


def test_ei_is_used_only_with_a_feasible_incumbent() -> None:
    searcher = ConstrainedGPSearcher(SPACE, constraint_attr="c", settings=FAST, seed=0)
    searcher.configure(metric="f", mode="min")
    configs = [{"x1": x, "x2": 0.5} for x in (0.1, 0.4, 0.7, 0.9)]
    for trial_id, config in enumerate(configs):
        searcher.observe(trial_id, config, {"f": objective(config), "c": 1.0 + config["x1"]})
    assert searcher.incumbent() is None
    fits = searcher.models()
    assert fits is not None
    score = searcher._score_function(*fits)
    x = np.array([[0.05, 0.5], [0.5, 0.5], [0.95, 0.5]])
    constraint_gp, transform = fits[1]
    c_mean, c_var = constraint_gp.posterior(x)
    threshold = float(transform(np.zeros(1))[0])
    # no feasible result: the score is minus the probability of feasibility alone
    expected = -probability_of_feasibility(c_mean, np.sqrt(c_var), threshold)
    np.testing.assert_allclose(score(x), expected)
    assert np.argmin(score(x)) == 0  # the smallest constraint values are at x1 = 0
    searcher.observe(9, {"x1": 0.0, "x2": 0.0}, {"f": 1.62, "c": -1.0})
    fits = searcher.models()
    assert fits is not None
    (gp, objective_transform), (constraint_gp, transform) = fits
    mean, var = gp.posterior(x)
    c_mean, c_var = constraint_gp.posterior(x)
    best = float(objective_transform(np.array([1.62]))[0])  # the only feasible result
    threshold = float(transform(np.zeros(1))[0])
    expected = -expected_improvement(mean, np.sqrt(var), best) * probability_of_feasibility(
        c_mean, np.sqrt(c_var), threshold
    )
    np.testing.assert_allclose(searcher._score_function(*fits)(x), expected)


def test_probability_of_feasibility() -> None:
    p = probability_of_feasibility(np.array([0.0, -10.0, 10.0]), np.ones(3), 0.0)
    np.testing.assert_allclose(p, [0.5, 1.0, 0.0], atol=1e-12)


def test_pending_trials_are_fantasized_in_both_models() -> None:
    searcher = ConstrainedGPSearcher(SPACE, constraint_attr="c", num_init_random=0, seed=0)
    searcher.configure(metric="f", mode="min")
    for trial_id, x in enumerate((0.1, 0.3, 0.6)):
        config = {"x1": x, "x2": x}
        searcher.observe(trial_id, config, {"f": objective(config), "c": constraint(config)})
    first = searcher.suggest(3)
    assert first is not None
    searcher.register_pending(3, first)
    second = searcher.suggest(4)
    assert second is not None and second != first
    searcher.remove_pending(3)
    assert not searcher._pending


def test_save_and_load_resume_to_the_same_suggestions() -> None:
    searcher = ConstrainedGPSearcher(
        SPACE, constraint_attr="c", num_init_random=3, settings=FAST, seed=4
    )
    run(searcher, 8)
    state = pickle.loads(pickle.dumps(searcher.state_dict()))
    restored = ConstrainedGPSearcher(
        SPACE, constraint_attr="c", num_init_random=3, settings=FAST, seed=99
    )
    restored.configure(metric="f", mode="min")
    restored.load_state_dict(copy.deepcopy(state))
    assert restored.incumbent() == searcher.incumbent()
    for trial_id in range(8, 12):
        expected, got = searcher.suggest(trial_id), restored.suggest(trial_id)
        assert got == expected
        for each in (searcher, restored):
            assert got is not None
            each.observe(trial_id, got, {"f": objective(got), "c": constraint(got)})


def test_a_result_without_the_constraint_is_refused_by_name() -> None:
    searcher = ConstrainedGPSearcher(SPACE, constraint_attr="latency_excess", seed=0)
    searcher.configure(metric="f", mode="min")
    with pytest.raises(ValueError, match="lacks the constraint metric 'latency_excess'"):
        searcher.observe(0, {"x1": 0.1, "x2": 0.2}, {"f": 1.0})
    with pytest.raises(ValueError, match="must be a number, got 'high'"):
        searcher.observe(0, {"x1": 0.1, "x2": 0.2}, {"f": 1.0, "latency_excess": "high"})
    with pytest.raises(ValueError, match="non-empty result key, got ''"):
        ConstrainedGPSearcher(SPACE, constraint_attr="")


def test_results_with_a_nan_constraint_are_ignored() -> None:
    searcher = ConstrainedGPSearcher(SPACE, constraint_attr="c", seed=0)
    searcher.configure(metric="f", mode="min")
    searcher.observe(0, {"x1": 0.1, "x2": 0.2}, {"f": 1.0, "c": float("nan")})
    searcher.observe(1, {"x1": 0.3, "x2": 0.2}, {"f": 1.0, "c": -1.0})
    assert searcher.num_observations == 1
