"""`CostAwareGPSearcher`: expected improvement per unit of predicted cost."""

from __future__ import annotations

import copy
import functools
import math
import pickle
from typing import Any

import numpy as np
import pytest

from tunelab.core.space import uniform
from tunelab.core.testing import ContractMetrics, SearcherContract, searcher_contracts
from tunelab.gp.acquisition import expected_improvement
from tunelab.gp.cost_aware import CostAwareGPSearcher
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.settings import GPSettings

FAST = GPSettings(optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20)
SPACE = {"x": uniform(0.0, 1.0)}

# the contract suites report each trial's cumulative cost as `worker_cost`, the default
globals().update(
    searcher_contracts(
        "CostAwareGPSearcher",
        functools.partial(CostAwareGPSearcher, num_init_random=3, settings=FAST),
        n_suggestions=10,
    )
)


class TestCostFromAnotherKey(SearcherContract):
    n_suggestions = 8
    metrics = ContractMetrics(cost_attr="seconds")

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> CostAwareGPSearcher:
        return CostAwareGPSearcher(
            config_space, cost_attr="seconds", num_init_random=3, settings=FAST, seed=seed
        )


MEMBERS = [{"x": float(x)} for x in np.linspace(0.0, 1.0, 9)]


def searcher_after_symmetric_results(cost_slope: float, **options: Any) -> CostAwareGPSearcher:
    """A searcher restricted to 9 points of [0, 1] that observed all but x = 0.25 and
    x = 0.75 with an objective symmetric about 0.5: both have the same EI; the cost is
    `exp(cost_slope * x)`."""
    searcher = CostAwareGPSearcher(
        SPACE, cost_attr="seconds", restrict_to=MEMBERS, num_init_random=0, seed=0, **options
    )
    searcher.configure(metric="loss", mode="min")
    for trial_id, config in enumerate(c for c in MEMBERS if c["x"] not in (0.25, 0.75)):
        searcher.register_pending(trial_id, config)
        x = config["x"]
        result = {"loss": (x - 0.5) ** 2 - 0.3 * x * (1 - x), "seconds": math.exp(cost_slope * x)}
        searcher.observe(trial_id, config, result)
        searcher.remove_pending(trial_id)
    return searcher


@pytest.mark.parametrize(("slope", "cheaper"), [(3.0, 0.25), (-3.0, 0.75)])
def test_of_two_points_with_equal_ei_the_cheaper_one_is_chosen(
    slope: float, cheaper: float
) -> None:
    searcher = searcher_after_symmetric_results(slope)
    fits = searcher.models()
    assert fits is not None
    (gp, transform), _ = fits
    mean, variance = gp.posterior(np.array([[0.25], [0.75]]))
    best = float(np.min(transform(searcher._data.latest.y)))
    ei = expected_improvement(mean, np.sqrt(variance), best)
    assert ei[0] > 0 and ei[0] == pytest.approx(ei[1], rel=1e-6)
    assert searcher.suggest(100) == {"x": cheaper}


def test_cost_exponent_zero_is_plain_expected_improvement() -> None:
    searcher = searcher_after_symmetric_results(3.0, cost_exponent=0.0)
    fits = searcher.models()
    assert fits is not None
    (gp, transform), _ = fits
    x = np.linspace(0, 1, 7)[:, None]
    mean, variance = gp.posterior(x)
    best = float(np.min(transform(searcher._data.latest.y)))
    expected = -expected_improvement(mean, np.sqrt(variance), best)
    np.testing.assert_allclose(searcher._score_function(*fits)(x), expected)


def test_the_score_is_ei_divided_by_the_predicted_cost() -> None:
    searcher = searcher_after_symmetric_results(2.0, cost_exponent=0.5)
    fits = searcher.models()
    assert fits is not None
    (gp, transform), (cost_gp, cost_transform) = fits
    x = np.linspace(0, 1, 7)[:, None]
    mean, variance = gp.posterior(x)
    best = float(np.min(transform(searcher._data.latest.y)))
    ei = expected_improvement(mean, np.sqrt(variance), best)
    log_cost = cost_gp.posterior(x)[0] * cost_transform.scale + cost_transform.shift
    score = searcher._score_function(*fits)(x)
    # the same up to the constant factor exp(alpha * shift)
    np.testing.assert_allclose(
        score * math.exp(-0.5 * cost_transform.shift), -ei / np.exp(log_cost) ** 0.5
    )


def run(searcher: CostAwareGPSearcher, n: int) -> None:
    searcher.configure(metric="loss", mode="min")
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        assert config is not None
        searcher.register_pending(trial_id, config)
        x = config["x"]
        searcher.observe(trial_id, config, {"loss": (x - 0.3) ** 2, "cost": 1.0 + 10 * x})
        searcher.remove_pending(trial_id)


def test_save_and_load_resume_to_the_same_suggestions() -> None:
    searcher = CostAwareGPSearcher(SPACE, cost_attr="cost", num_init_random=3, seed=2)
    run(searcher, 7)
    state = pickle.loads(pickle.dumps(searcher.state_dict()))
    restored = CostAwareGPSearcher(SPACE, cost_attr="cost", num_init_random=3, seed=77)
    restored.configure(metric="loss", mode="min")
    restored.load_state_dict(copy.deepcopy(state))
    for trial_id in range(7, 11):
        expected, got = searcher.suggest(trial_id), restored.suggest(trial_id)
        assert got == expected and got is not None
        for each in (searcher, restored):
            each.observe(trial_id, got, {"loss": (got["x"] - 0.3) ** 2, "cost": 1.0})


def test_bad_costs_and_options_are_named() -> None:
    searcher = CostAwareGPSearcher(SPACE, cost_attr="train_time", seed=0)
    searcher.configure(metric="loss", mode="min")
    with pytest.raises(ValueError, match="lacks the cost metric 'train_time'"):
        searcher.observe(0, {"x": 0.5}, {"loss": 1.0})
    with pytest.raises(ValueError, match=r"cost 'train_time' must be >= 0, got -2\.0"):
        searcher.observe(0, {"x": 0.5}, {"loss": 1.0, "train_time": -2.0})
    with pytest.raises(ValueError, match=r"cost_exponent must be a finite number >= 0, got -1"):
        CostAwareGPSearcher(SPACE, cost_exponent=-1)
    searcher.observe(1, {"x": 0.5}, {"loss": 1.0, "train_time": 0.0})  # zero is allowed
    searcher.observe(2, {"x": 0.6}, {"loss": 1.0, "train_time": float("nan")})  # ignored
    assert searcher.num_observations == 1
