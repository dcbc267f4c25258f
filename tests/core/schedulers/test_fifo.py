from __future__ import annotations

from typing import Any

import pytest

from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.searchers import GridSearcher, RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import SchedulerContract
from tunelab.core.trial import Decision, Mode, Trial


class TestFIFORandomContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> FIFOScheduler:
        return FIFOScheduler(RandomSearcher(config_space, seed=seed), metric=metric, mode=mode)


class TestFIFOGridContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> FIFOScheduler:
        searcher = GridSearcher(config_space, points_per_dim=2, shuffle=True, seed=seed)
        return FIFOScheduler(searcher, metric=metric, mode=mode)


SPACE = {"x": uniform(0.0, 1.0)}


@pytest.mark.parametrize(
    ("metric", "mode", "message"),
    [
        ("loss", "minimize", "mode must be 'min' or 'max', got 'minimize'"),
        ("", "min", "non-empty strings"),
        ([], "min", "non-empty string or list"),
        (["a", "b"], ["min"], "1 modes"),
        (["a", "a"], "min", "distinct"),
    ],
)
def test_metric_and_mode_are_validated(metric: Any, mode: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FIFOScheduler(RandomSearcher(SPACE), metric=metric, mode=mode)


def test_multi_objective_modes_broadcast() -> None:
    scheduler = FIFOScheduler(RandomSearcher(SPACE), metric=["err", "time"], mode="min")
    assert scheduler.metric_mode() == ["min", "min"]


def test_result_without_metric_is_a_clear_error() -> None:
    scheduler = FIFOScheduler(RandomSearcher(SPACE, seed=0), metric="loss")
    trial = Trial(0, {"x": 0.1})
    with pytest.raises(ValueError, match=r"trial 0 reported \['acc'\] without the metric"):
        scheduler.on_trial_result(trial, {"acc": 0.3})


def test_fifo_always_continues_and_feeds_the_searcher_final_results() -> None:
    observed: list[tuple[int, dict[str, Any]]] = []

    class Recording(RandomSearcher):
        def observe(self, trial_id: int, config: dict[str, Any], result: dict[str, Any]) -> None:
            observed.append((trial_id, result))

    scheduler = FIFOScheduler(Recording(SPACE, seed=0), metric="loss", mode="max")
    trial = Trial(0, {"x": 0.2})
    scheduler.on_trial_add(trial)
    for epoch in (1, 2):
        assert (
            scheduler.on_trial_result(trial, {"loss": epoch, "epoch": epoch}) is Decision.CONTINUE
        )
    scheduler.on_trial_complete(trial, {"loss": 2, "epoch": 2})
    assert observed == [(0, {"loss": 2, "epoch": 2})]
    assert scheduler.searcher.metric == "loss"
    assert scheduler.searcher.mode == "max"


def test_searcher_must_be_a_searcher() -> None:
    with pytest.raises(TypeError, match=r"tunelab\.core\.Searcher, got dict"):
        FIFOScheduler({}, metric="loss")  # type: ignore[arg-type]
