"""MOASHA: ASHA's rungs ranked by non-dominated sorting over several metrics."""

from __future__ import annotations

from typing import Any

import pytest

from tunelab.core import methods
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers import HyperbandScheduler, MOASHAScheduler
from tunelab.core.searchers import NSGA2Searcher, RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import contract_config_space
from tunelab.core.testing.scheduler_contract import simulate
from tunelab.core.trial import Decision, Mode, Trial, TrialSuggestion

from ..two_metrics import TwoMetricSchedulerContract


class TestMOASHAStoppingContract(TwoMetricSchedulerContract):
    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        return methods.moasha(
            config_space, metric=metrics, mode=modes, resource_attr="epoch", max_resource=9,
            seed=seed,
        )  # fmt: skip


class TestMOASHAPromotionHypervolumeContract(TwoMetricSchedulerContract):
    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        return methods.moasha(
            config_space, metric=metrics, mode=modes, resource_attr="epoch", max_resource=9,
            kind="promotion", tie_break="hypervolume", seed=seed,
        )  # fmt: skip


class TestMOASHAWithNSGA2Contract(TwoMetricSchedulerContract):
    n_trials = 30  # NSGA-II breeds once its population of 4 has reported

    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        return MOASHAScheduler(
            NSGA2Searcher(config_space, population_size=4, seed=seed),
            metric=metrics, mode=modes, resource_attr="epoch", max_resource=9, kind="promotion",
        )  # fmt: skip


SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


def _moasha(**options: Any) -> MOASHAScheduler:
    arguments: dict[str, Any] = {
        "metric": ["loss", "size"],
        "mode": ["min", "max"],
        "resource_attr": "epoch",
        "max_resource": 9,
        **options,
    }
    return MOASHAScheduler(RandomSearcher(SPACE, seed=0), **arguments)


def _start(scheduler: Scheduler, trial_id: int) -> Trial:
    suggestion = scheduler.suggest(trial_id)
    assert suggestion is not None and suggestion.config is not None
    trial = Trial(trial_id, suggestion.config)
    scheduler.on_trial_add(trial)
    return trial


def _report(scheduler: Scheduler, trial: Trial, loss: float, size: float) -> Decision:
    return scheduler.on_trial_result(trial, {"loss": loss, "size": size, "epoch": 1})


# Trials 0-5 at the first rung, (loss to minimise, size to maximise): 0, 1 and 2 are
# not dominated; 3 is dominated by 2, 4 by 0 and 5 by 1. In front 0, trials 0 and 1
# are at the ends of the front (infinite crowding distance), trial 2 in the middle.
FRONTS = [(0.9, 0.9), (0.1, 0.1), (0.5, 0.5), (0.6, 0.4), (0.95, 0.85), (0.2, 0.05)]


def test_stopping_continues_a_non_dominated_trial_and_stops_a_dominated_one() -> None:
    # reduction_factor 3: floor(n / 3) trials of a rung continue
    scheduler, asha = (
        _moasha(),
        HyperbandScheduler(
            RandomSearcher(SPACE, seed=0), metric="loss", resource_attr="epoch", max_resource=9
        ),
    )
    values = [(0.1, 0.1), (0.2, 0.05), (0.3, 0.08), (0.4, 0.02), (0.5, 0.09)]  # 1-4 dominated
    for trial_id, (loss, size) in enumerate(values):
        for each in (scheduler, asha):
            _report(each, _start(each, trial_id), loss, size)
    # worst loss of all but the largest size: on the front, 2nd of 6 -> continues
    new, same = _start(scheduler, 5), _start(asha, 5)
    assert _report(scheduler, new, 0.6, 0.9) is Decision.CONTINUE
    assert _report(asha, same, 0.6, 0.9) is Decision.STOP  # ASHA ranks it last on loss
    # the second best loss, dominated by trial 0: 3rd of 7 with 2 slots -> stops
    new, same = _start(scheduler, 6), _start(asha, 6)
    assert _report(scheduler, new, 0.15, 0.08) is Decision.STOP
    assert _report(asha, same, 0.15, 0.08) is Decision.CONTINUE


def _paused(scheduler: MOASHAScheduler) -> None:
    """Start the trials of `FRONTS` (before any result, so none is promoted yet), then
    report their results: each pauses at the first rung."""
    trials = [_start(scheduler, trial_id) for trial_id in range(len(FRONTS))]
    for trial, (loss, size) in zip(trials, FRONTS, strict=True):
        assert _report(scheduler, trial, loss, size) is Decision.PAUSE


def _resumed(suggestion: TrialSuggestion | None) -> int | None:
    assert suggestion is not None
    return suggestion.resume_trial_id


def test_promotion_resumes_the_first_front_by_crowding_distance() -> None:
    scheduler = _moasha(kind="promotion")
    _paused(scheduler)
    # floor(6 / 3) = 2 promotions: the ends of front 0 (ties by trial id), never 2
    assert [_resumed(scheduler.suggest(6 + i)) for i in range(3)] == [0, 1, None]


def test_promotion_by_hypervolume_contribution_takes_the_middle_of_the_front_first() -> None:
    scheduler = _moasha(kind="promotion", tie_break="hypervolume")
    _paused(scheduler)
    # trial 2 owns the largest box of front 0 (0.16 against 0.054 for the ends)
    first, second = (_resumed(scheduler.suggest(6 + i)) for i in range(2))
    assert first == 2 and second in (0, 1)


def test_checkpoints_of_dominated_paused_trials_go_first() -> None:
    scheduler = _moasha(kind="promotion")
    _paused(scheduler)
    # order 0, 1, 2 | 4, 5, 3 (front 1: ends 4 and 5, then 3); removal reverses it
    assert scheduler.removable_checkpoints() == [3, 5, 4, 2, 1, 0]
    assert _moasha().removable_checkpoints() == []


@pytest.mark.parametrize("diverged", [float("nan"), float("inf")])
def test_a_diverged_result_ranks_last(diverged: float) -> None:
    scheduler = _moasha(kind="promotion")
    trials = [_start(scheduler, trial_id) for trial_id in range(3)]
    _report(scheduler, trials[0], diverged, 0.9)  # the best size, yet last
    for trial in trials[1:]:
        _report(scheduler, trial, 0.9, 0.1)
    assert _resumed(scheduler.suggest(3)) == 1


@pytest.mark.parametrize("kind", ["stopping", "promotion"])
def test_with_one_metric_it_decides_as_asha(kind: str) -> None:
    space = contract_config_space()
    arguments: dict[str, Any] = {
        "metric": "loss", "resource_attr": "epoch", "max_resource": 9, "kind": kind,
    }  # fmt: skip
    moasha = MOASHAScheduler(RandomSearcher(space, seed=1), **arguments)
    asha = HyperbandScheduler(RandomSearcher(space, seed=1), **arguments)
    expected = simulate(asha, n_trials=40, n_workers=4)["log"]
    assert simulate(moasha, n_trials=40, n_workers=4)["log"] == expected


def test_every_metric_is_required_in_every_result() -> None:
    scheduler = _moasha()
    trial = _start(scheduler, 0)
    with pytest.raises(ValueError, match=r"without the metric\(s\) \['size'\]"):
        scheduler.on_trial_result(trial, {"loss": 0.1, "epoch": 1})


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="tie_break must be 'crowding' or 'hypervolume'"):
        _moasha(tie_break="random")
    with pytest.raises(ValueError, match="one of them per metric"):
        _moasha(mode=["min", "max", "min"])
    with pytest.raises(ValueError, match="metric names must be distinct"):
        _moasha(metric=["loss", "loss"])


def test_the_searcher_and_the_metadata_get_every_metric() -> None:
    scheduler = methods.moasha(
        SPACE, metric=["loss", "size"], mode=["min", "max"], resource_attr="epoch",
        max_resource_attr="epochs", seed=0,
    )  # fmt: skip
    assert (scheduler.searcher.metrics, scheduler.searcher.modes) == (
        ("loss", "size"),
        ("min", "max"),
    )
    described = scheduler.describe()
    assert described["method"] == "moasha"
    assert (described["metric"], described["mode"]) == (["loss", "size"], ["min", "max"])
    assert described["rung_levels"] == [1.0, 3.0, 9.0]
