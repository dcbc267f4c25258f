"""MOREA: regularized evolution whose tournament ranks the sample on several metrics."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from tunelab.core.searchers import MOREASearcher, RegularizedEvolutionSearcher
from tunelab.core.space import choice, uniform, validate_config
from tunelab.core.testing import contract_config_space, searcher_contracts
from tunelab.core.testing.searcher_contract import drive_searcher

from ..two_metrics import TwoMetricSearcherContract, drive, observe_all

# one metric, alone and under the FIFO, ASHA, Hyperband and synchronous presets
globals().update(
    searcher_contracts(
        "MOREA",
        functools.partial(MOREASearcher, population_size=4, sample_size=2),
        n_suggestions=24,
    )
)


class TestMOREATwoMetricsContract(TwoMetricSearcherContract):
    n_suggestions = 24  # the population of 4 fills early: most suggestions are mutations

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> MOREASearcher:
        return MOREASearcher(config_space, population_size=4, sample_size=3, seed=seed)


class TestMOREAHypervolumeContract(TwoMetricSearcherContract):
    n_suggestions = 24

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> MOREASearcher:
        return MOREASearcher(
            config_space, population_size=4, sample_size=3, tie_break="hypervolume", seed=seed
        )


SPACE = {"a": choice(list(range(20))), "b": choice(list(range(20)))}


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [name for name in a if a[name] != b[name]]


def test_the_parent_is_the_best_of_the_sample_on_every_metric() -> None:
    searcher = MOREASearcher(SPACE, population_size=10, sample_size=10, seed=2)
    searcher.configure(metric=["loss", "size"], mode=["min", "max"])
    configs = [searcher.suggest(trial_id) for trial_id in range(10)]
    assert all(config is not None for config in configs)
    # (loss, size): trial 2 dominates all but trial 7, which has the best loss only;
    # in their front, the older (2) wins the tie of crowding distances
    values = [(0.5, 0.5)] * 10
    values[2], values[7] = (0.45, 1.0), (0.4, 0.0)
    observe_all(searcher, [c for c in configs if c is not None], values)
    children = [searcher.suggest(trial_id) for trial_id in range(10, 40)]
    from_pareto = sum(len(_differences(configs[2] or {}, c)) == 1 for c in children if c)
    from_loss = sum(len(_differences(configs[7] or {}, c)) == 1 for c in children if c)
    # drawn in 65 % of the tournaments (1 - 0.9**10), trial 2 wins all of them
    assert from_pareto >= 12 and from_pareto > 2 * from_loss
    assert all(validate_config(SPACE, child) == child for child in children if child)


def test_with_one_metric_it_suggests_what_rea_does() -> None:
    space = contract_config_space()
    morea = MOREASearcher(space, population_size=5, sample_size=3, seed=7)
    rea = RegularizedEvolutionSearcher(space, population_size=5, sample_size=3, seed=7)
    for searcher in (morea, rea):
        searcher.configure(metric="loss", mode="min")
    assert drive_searcher(morea, 0, 40, fail_every=6) == drive_searcher(rea, 0, 40, fail_every=6)


def test_members_keep_their_costs_until_they_leave() -> None:
    searcher = MOREASearcher({"x": uniform(0, 1)}, population_size=2, sample_size=1, seed=0)
    searcher.configure(metric=["loss", "size"], mode=["min", "max"])
    drive(searcher, 0, 4)  # trial 4 fails: trials 0-3 report, 2 and 3 remain
    assert list(searcher.population_costs) == [2, 3]
    assert [m[0] for m in searcher.population] == [2, 3]
    config = searcher.population[0][1]
    searcher.observe(2, config, {"loss": 0.0, "size": 5.0})  # a later rung: in place
    searcher.observe(9, config, {"loss": float("nan"), "size": 5.0})  # ignored
    assert searcher.population_costs[2] == [0.0, -5.0] and len(searcher.population) == 2


def test_bad_arguments_and_results_are_named() -> None:
    with pytest.raises(ValueError, match="MOREASearcher: tie_break must be 'crowding' or"):
        MOREASearcher(SPACE, tie_break="age")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sample_size must be <= population_size"):
        MOREASearcher(SPACE, population_size=2, sample_size=3)
    searcher = MOREASearcher(SPACE, seed=0)
    config = searcher.suggest(0)
    assert config is not None
    with pytest.raises(RuntimeError, match=r"MOREASearcher.observe: call configure"):
        searcher.observe(0, config, {"loss": 1.0})
    searcher.configure(metric=["loss", "size"], mode="min")
    with pytest.raises(ValueError, match=r"lacks the metric 'size'"):
        searcher.observe(0, config, {"loss": 1.0})
