from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tunelab.blackbox import load
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import choice, uniform
from tunelab.core.testing import SearcherContract
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.searchers import GPSearcher
from tunelab.gp.settings import GPSettings

FAST = GPSettings(optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20)


class TestGPSearcherContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> GPSearcher:
        return GPSearcher(config_space, num_init_random=3, settings=FAST, seed=seed)


class TestGPSearcherLCBWarpedContract(SearcherContract):
    n_suggestions = 8

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> GPSearcher:
        settings = GPSettings(
            input_warping=True,
            boxcox=True,
            opt_skip_init_length=4,
            opt_skip_period=2,
            max_size_data_for_model=4,
            optimizer=OptimizerSettings(num_candidates=100),
        )
        return GPSearcher(
            config_space, acquisition="lcb", num_init_random=2, settings=settings, seed=seed
        )


def _run(searcher: Any, function: Any, names: list[str], n: int, mode: str = "min") -> float:
    searcher.configure(metric="y", mode=mode)
    best = np.inf
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        searcher.register_pending(trial_id, config)
        value = function(np.array([config[name] for name in names]))
        searcher.observe(trial_id, config, {"y": value if mode == "min" else -value})
        searcher.remove_pending(trial_id)
        best = min(best, value)
    return best


@pytest.mark.parametrize("name", ["branin", "hartmann3"])
def test_bayesian_optimization_beats_random_search(name: str) -> None:
    blackbox: Any = load(name)
    space = blackbox.configuration_space
    names = list(space)
    gp_best, random_best = [], []
    for seed in range(3):
        gp_best.append(
            _run(GPSearcher(space, settings=FAST, seed=seed), blackbox.function, names, 25)
        )
        random_best.append(_run(RandomSearcher(space, seed=seed), blackbox.function, names, 25))
    regret_gp = np.mean(gp_best) - blackbox.optimum
    regret_random = np.mean(random_best) - blackbox.optimum
    assert regret_gp < 0.5 * regret_random, (gp_best, random_best)


def test_max_mode_is_negated() -> None:
    blackbox: Any = load("branin")
    space = blackbox.configuration_space
    best = _run(GPSearcher(space, settings=FAST, seed=0), blackbox.function, list(space), 20, "max")
    assert best - blackbox.optimum < 2.0


def test_pending_trials_steer_suggestions_apart() -> None:
    space = {"x": uniform(0, 1), "c": choice(["a", "b"])}
    searcher = GPSearcher(space, num_init_random=0, settings=FAST, seed=0)
    searcher.configure(metric="y", mode="min")
    for trial_id, x in enumerate([0.1, 0.5, 0.9]):
        config = {"x": x, "c": "a"}
        searcher.register_pending(trial_id, config)
        searcher.observe(trial_id, config, {"y": (x - 0.3) ** 2})
        searcher.remove_pending(trial_id)
    first = searcher.suggest(3)
    assert first is not None
    searcher.register_pending(3, first)
    second = searcher.suggest(4)
    assert second is not None and second != first
    assert searcher.model() is not None


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="acquisition"):
        GPSearcher({"x": uniform(0, 1)}, acquisition="pi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_init_random"):
        GPSearcher({"x": uniform(0, 1)}, num_init_random=-1)
