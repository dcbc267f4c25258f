"""NSGA-II: steady-state survival by front and crowding, tournament, SBX and mutation."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.core.searchers import NSGA2Searcher
from tunelab.core.space import choice, config_key, uniform, validate_config
from tunelab.core.testing import contract_config_space, searcher_contracts

from ..two_metrics import TwoMetricSearcherContract, observe_all

# one metric, alone and under the FIFO, ASHA, Hyperband and synchronous presets
globals().update(
    searcher_contracts(
        "NSGA2", functools.partial(NSGA2Searcher, population_size=4), n_suggestions=24
    )
)


class TestNSGA2TwoMetricsContract(TwoMetricSearcherContract):
    n_suggestions = 24  # most suggestions after the first 4 are children

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> NSGA2Searcher:
        return NSGA2Searcher(config_space, population_size=4, seed=seed)


class TestNSGA2HypervolumeContract(TwoMetricSearcherContract):
    n_suggestions = 24

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> NSGA2Searcher:
        return NSGA2Searcher(config_space, population_size=4, tie_break="hypervolume", seed=seed)


class TestNSGA2DefaultsContract(TwoMetricSearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> NSGA2Searcher:
        return NSGA2Searcher(config_space, seed=seed)


SPACE = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0), "epochs": 9}


def _searcher(space: dict[str, Any] = SPACE, **options: Any) -> NSGA2Searcher:
    searcher = NSGA2Searcher(space, **{"seed": 0, **options})
    searcher.configure(metric=["loss", "size"], mode=["min", "max"])
    return searcher


def _configs(searcher: NSGA2Searcher, n: int, start: int = 0) -> list[dict[str, Any]]:
    configs = [searcher.suggest(trial_id) for trial_id in range(start, start + n)]
    assert all(config is not None for config in configs)
    return [config for config in configs if config is not None]


def test_survival_drops_the_dominated_then_the_least_crowded() -> None:
    searcher = _searcher(population_size=3)
    configs = _configs(searcher, 5)
    # costs (loss, -size): A (0, 1), B (0.45, 0.55), E (0.6, 0.6), D (1, 0); E is
    # dominated by B and leaves when D makes four members
    observe_all(searcher, configs[:4], [(0.0, -1.0), (0.45, -0.55), (0.6, -0.6), (1.0, 0.0)])
    assert [member[0] for member in searcher.population] == [0, 1, 3]
    # C (0.5, 0.5) joins the front A, B, D: crowding distances A, D inf, B 0.5 + 0.5,
    # C 0.55 + 0.55; B, the older member, leaves
    searcher.register_pending(4, configs[4])
    searcher.observe(4, configs[4], {"loss": 0.5, "size": -0.5})
    assert [member[0] for member in searcher.population] == [0, 3, 4]
    assert [member[2] for member in searcher.population] == [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]


def test_a_member_takes_its_newest_result_and_nan_results_are_ignored() -> None:
    searcher = _searcher(population_size=3)
    first, second = _configs(searcher, 2)
    searcher.observe(0, first, {"loss": 1.0, "size": 1.0, "epoch": 1})
    searcher.observe(1, second, {"loss": float("nan"), "size": 1.0, "epoch": 1})
    searcher.observe(0, first, {"loss": 0.5, "size": 2.0, "epoch": 3})
    assert searcher.population == [(0, first, [0.5, -2.0])]


def test_the_tournament_prefers_the_better_front_then_the_larger_spread() -> None:
    searcher = _searcher(population_size=2)
    for _ in range(20):
        assert searcher._tournament(np.array([1, 0]), np.array([np.inf, 0.0])) == 1
        assert searcher._tournament(np.array([0, 0]), np.array([0.5, 2.0])) == 1
    ties = [searcher._tournament(np.array([0, 0]), np.array([1.0, 1.0])) for _ in range(20)]
    assert set(ties) == {0, 1}  # either member


def test_random_until_the_population_reported_then_children_of_the_population() -> None:
    space = {name: choice(list(range(10))) for name in "abc"}
    searcher = _searcher(space, population_size=2, crossover_probability=1.0,
                         mutation_probability=0.0)  # fmt: skip
    parents = [{"a": 0, "b": 0, "c": 0}, {"a": 9, "b": 9, "c": 9}]
    for trial_id, parent in enumerate(parents):
        searcher.register_pending(trial_id, parent)
    observe_all(searcher, parents, [(0.1, 0.1), (0.9, 0.9)])
    # uniform crossover without mutation: each hyperparameter from either parent
    for child in _configs(searcher, 4, start=2):
        assert set(child.values()) <= {0, 9}, child
        assert config_key(child) not in {config_key(p) for p in parents}


def test_children_stay_in_the_space_whatever_the_operators() -> None:
    space = contract_config_space()
    for crossover_eta, mutation_eta in [(0.01, 0.01), (15.0, 20.0), (1e6, 1e6)]:
        searcher = _searcher(
            space, population_size=4, crossover_eta=crossover_eta, mutation_eta=mutation_eta,
            mutation_probability=1.0,
        )  # fmt: skip
        configs = _configs(searcher, 4)
        observe_all(searcher, configs, [(i, -i) for i in range(4)])  # one front
        for child in _configs(searcher, 40, start=4):
            assert validate_config(space, child) == child
            assert child["epochs"] == 9


unit = st.floats(0.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(
    first=st.lists(unit, min_size=2, max_size=2),
    second=st.lists(unit, min_size=2, max_size=2),
    eta=st.floats(0.01, 100.0),
    seed=st.integers(0, 2**16),
)
def test_sbx_and_polynomial_mutation_stay_in_the_unit_cube(
    first: list[float], second: list[float], eta: float, seed: int
) -> None:
    searcher = _searcher(crossover_eta=eta, mutation_eta=eta, mutation_probability=1.0, seed=seed)
    a, b = np.array(first), np.array(second)  # the encoded x and y of SPACE
    child = searcher._sbx(a, b)
    assert ((child >= 0) & (child <= 1)).all()
    assert np.array_equal(searcher._sbx(a, a), a)  # identical parents: nothing to cross
    mutated = searcher._mutate(child.copy())
    assert ((mutated >= 0) & (mutated <= 1)).all()


def test_bad_arguments_and_results_are_named() -> None:
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"population_size": 1}, ValueError, "population_size must be >= 2, got 1"),
        ({"crossover_probability": 1.5}, ValueError, r"crossover_probability must lie in \[0, 1\]"),
        ({"crossover_eta": 0.0}, ValueError, "crossover_eta must be a finite number > 0"),
        ({"mutation_probability": -0.1}, ValueError, "mutation_probability must lie in"),
        ({"mutation_eta": "x"}, TypeError, "mutation_eta must be a number"),
        ({"tie_break": "age"}, ValueError, "tie_break must be 'crowding' or 'hypervolume'"),
    ]
    for options, error, message in cases:
        with pytest.raises(error, match=message):
            NSGA2Searcher(SPACE, **options)
    searcher = NSGA2Searcher(SPACE, seed=0)
    config = searcher.suggest(0)
    assert config is not None
    with pytest.raises(RuntimeError, match=r"NSGA2Searcher.observe: call configure"):
        searcher.observe(0, config, {"loss": 1.0})
    searcher.configure(metric=["loss", "size"], mode="min")
    with pytest.raises(ValueError, match=r"lacks the metric 'size'"):
        searcher.observe(0, config, {"loss": 1.0})
    with pytest.raises(ValueError, match=r"metric 'size' must be a number, got 'big'"):
        searcher.observe(0, config, {"loss": 1.0, "size": "big"})


def test_the_default_mutation_probability_is_one_over_the_hyperparameters() -> None:
    assert NSGA2Searcher(SPACE).mutation_probability == 0.5
    assert NSGA2Searcher(contract_config_space()).mutation_probability == 1 / 9
