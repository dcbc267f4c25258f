"""MedianStoppingRule: contract, the rule on hand-fed curves, arguments, state."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from tunelab.core.schedulers.median_stopping import MedianStoppingRule
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import SchedulerContract
from tunelab.core.trial import Decision, Mode, Trial

from .test_hyperband import Recorder


class TestMedianStoppingContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> MedianStoppingRule:
        return MedianStoppingRule(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
        )


def rule(**kwargs: Any) -> MedianStoppingRule:
    options: dict[str, Any] = {"metric": "loss", "resource_attr": "epoch"}
    options.update(kwargs)
    return MedianStoppingRule(options.pop("searcher", None) or Recorder(), **options)


def feed(scheduler: MedianStoppingRule, trial_id: int, curve: list[float]) -> list[Decision]:
    suggestion = scheduler.suggest(trial_id)
    assert suggestion is not None and suggestion.config is not None
    trial = Trial(trial_id, suggestion.config)
    scheduler.on_trial_add(trial)
    decisions = []
    for epoch, loss in enumerate(curve, start=1):
        decisions.append(scheduler.on_trial_result(trial, {"epoch": epoch, "loss": loss}))
        if decisions[-1] is Decision.STOP:
            scheduler.on_trial_remove(trial)
            break
    return decisions


C = Decision.CONTINUE


def test_stops_a_trial_whose_best_is_worse_than_the_median_of_running_averages() -> None:
    scheduler = rule()
    for trial_id, curve in enumerate([[1.0, 0.8, 0.6], [2.0, 1.0, 0.5], [3.0, 2.0, 1.0]]):
        assert feed(scheduler, trial_id, curve) == [C, C, C]  # fewer than 3 others
    # running averages at epoch 2: 0.9, 1.5, 2.5 (median 1.5 >= best 1.4); at epoch 3:
    # 0.8, 1.17, 2.0 (median 1.17 < best 1.3)
    assert feed(scheduler, 3, [5.0, 1.4, 1.3]) == [C, C, Decision.STOP]
    assert feed(scheduler, 4, [0.1, 1.6]) == [C, C]  # best 0.1 so far
    assert feed(scheduler, 5, [9.0, 9.0]) == [C, Decision.STOP]  # epoch 1 is graced


def test_the_best_statistic_compares_with_the_others_best_values() -> None:
    curves = [[1.0, 0.8], [2.0, 1.0], [3.0, 2.0]]
    averages, bests = rule(), rule(statistic="best")
    for trial_id, curve in enumerate(curves):
        feed(averages, trial_id, curve)
        feed(bests, trial_id, curve)
    # epoch 2: median running average 1.5, median best 1.0
    assert feed(averages, 3, [1.2, 1.2]) == [C, C]
    assert feed(bests, 3, [1.2, 1.2]) == [C, Decision.STOP]


def test_min_samples_and_grace_resource() -> None:
    scheduler = rule(min_samples_required=1, grace_resource=2)
    feed(scheduler, 0, [1.0, 1.0, 1.0])
    assert feed(scheduler, 1, [5.0, 5.0, 5.0]) == [C, C, Decision.STOP]


def test_mode_max_and_nan() -> None:
    scheduler = rule(mode="max", min_samples_required=1)
    feed(scheduler, 0, [0.5, 0.6])
    assert feed(scheduler, 1, [0.9, 0.9]) == [C, C]
    assert feed(scheduler, 2, [0.1, float("nan")]) == [C, Decision.STOP]


def test_the_searcher_observes_every_result() -> None:
    searcher = Recorder()
    scheduler = rule(searcher=searcher)
    feed(scheduler, 0, [1.0, 0.5])
    assert searcher.calls == [("pending", 0, 27), ("observe", 0, 1), ("observe", 0, 2)]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"min_samples_required": 0}, "min_samples_required must be an integer >= 1, got 0"),
        ({"statistic": "mean"}, "statistic must be one of"),
        ({"grace_resource": "1"}, "grace_resource must be a number, got '1'"),
        ({"metric": ["a", "b"]}, "optimises one metric"),
        ({"resource_attr": ""}, "resource_attr must be a non-empty string"),
        ({"mode": "maximize"}, "mode must be 'min' or 'max'"),
    ],
)
def test_bad_arguments_are_clear_errors(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule(**settings)


def test_result_without_resource_is_a_clear_error() -> None:
    scheduler = rule()
    with pytest.raises(ValueError, match="without the resource 'epoch'"):
        scheduler.on_trial_result(Trial(0, {}), {"loss": 1.0})


def test_state_round_trip_continues_identically() -> None:
    space = {"x": uniform(0.0, 1.0)}
    original = rule(searcher=RandomSearcher(space, seed=0))
    for trial_id in range(5):
        feed(original, trial_id, [1.0 + trial_id, 0.5 + trial_id / 2, 0.2 * trial_id])
    restored = rule(searcher=RandomSearcher(space, seed=9))
    restored.load_state_dict(pickle.loads(pickle.dumps(original.state_dict())))
    for trial_id in range(5, 10):
        curve = [2.0, 1.0 + trial_id / 10, 0.5]
        assert feed(original, trial_id, curve) == feed(restored, trial_id, curve)
    assert original.suggest(10) == restored.suggest(10)
