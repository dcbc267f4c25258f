from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.core import StoppingCriterion, TuningStatus


def test_each_limit_stops_on_its_own() -> None:
    status = TuningStatus(tuner_time=10.0, num_trials_started=5, num_trials_completed=3)
    status.num_trials_failed = 1
    status.num_results = 40
    assert StoppingCriterion(max_wallclock_time=10)(status)
    assert not StoppingCriterion(max_wallclock_time=10.5)(status)
    assert StoppingCriterion(max_num_trials_started=5)(status)  # none running
    assert not StoppingCriterion(max_num_trials_started=6)(status)
    assert StoppingCriterion(max_num_trials_completed=3)(status)
    assert StoppingCriterion(max_num_trials_finished=4)(status)
    assert not StoppingCriterion(max_num_trials_finished=5)(status)
    assert StoppingCriterion(max_num_results=40)(status)
    assert not StoppingCriterion()(status)


def test_metric_thresholds() -> None:
    status = TuningStatus()
    for loss, acc in ((0.5, 0.7), (0.2, 0.9)):
        status.observe_result({"loss": loss, "acc": acc, "name": "x", "flag": True})
    assert StoppingCriterion(min_metric_value={"loss": 0.2})(status)
    assert not StoppingCriterion(min_metric_value={"loss": 0.1})(status)
    assert StoppingCriterion(max_metric_value={"acc": 0.9})(status)
    assert not StoppingCriterion(max_metric_value={"acc": 0.95, "missing": 1})(status)
    assert "flag" not in status.metric_min


def test_bad_limits_are_named() -> None:
    with pytest.raises(ValueError, match="max_num_trials_started must be a number >= 0, got -1"):
        StoppingCriterion(max_num_trials_started=-1)
    with pytest.raises(TypeError, match=r"min_metric_value\['loss'\] must be a number"):
        StoppingCriterion(min_metric_value={"loss": "low"})  # type: ignore[dict-item]


def test_to_dict_lists_only_set_limits() -> None:
    criterion = StoppingCriterion(max_wallclock_time=60, min_metric_value={"loss": 0.1})
    assert criterion.to_dict() == {"max_wallclock_time": 60, "min_metric_value": {"loss": 0.1}}


def test_max_num_trials_started_lets_running_trials_finish() -> None:
    criterion = StoppingCriterion(max_num_trials_started=3)
    status = TuningStatus(num_trials_started=3, num_trials_running=2)
    assert not criterion.allows_new_trials(status)
    assert not criterion(status)
    status.num_trials_running = 0
    assert criterion(status)
    assert criterion.allows_new_trials(TuningStatus(num_trials_started=2))


def test_cost_is_the_sum_of_each_trials_latest_cost() -> None:
    status = TuningStatus()
    first = {"worker_cost": 0.25}
    status.observe_cost(first, None)
    status.observe_cost({"worker_cost": 0.5}, first)  # trial 0 again: 0.5 so far
    status.observe_cost({"worker_cost": 0.25}, None)  # trial 1
    status.observe_cost({"loss": 1.0}, None)  # a result without cost
    assert status.cost == pytest.approx(0.75)
    assert not StoppingCriterion(max_cost=0.8)(status)
    assert StoppingCriterion(max_cost=0.75)(status)
    with pytest.raises(ValueError, match="max_cost must be a number >= 0, got -1"):
        StoppingCriterion(max_cost=-1)


LIMITS = {
    "max_wallclock_time": "tuner_time",
    "max_num_trials_completed": "num_trials_completed",
    "max_num_trials_finished": "num_trials_finished",
    "max_num_results": "num_results",
    "max_cost": "cost",
}
small = st.integers(0, 4)


@settings(max_examples=300, deadline=None)
@given(
    limits=st.fixed_dictionaries({name: st.none() | small for name in [*LIMITS, "started"]}),
    counts=st.fixed_dictionaries(
        {
            name: small
            for name in (
                "num_trials_started",
                "num_trials_completed",
                "num_trials_failed",
                "num_trials_stopped",
                "num_trials_running",
                "num_results",
            )
        }
    ),
    times=st.tuples(small, small),
    low=st.none() | small,
    high=st.none() | small,
)
def test_the_criterion_holds_exactly_when_a_limit_is_reached(
    limits: dict[str, int | None],
    counts: dict[str, Any],
    times: tuple[int, int],
    low: int | None,
    high: int | None,
) -> None:
    status = TuningStatus(tuner_time=float(times[0]), cost=float(times[1]), **counts)
    status.observe_result({"loss": 2.0})
    started = limits.pop("started")
    criterion = StoppingCriterion(
        max_num_trials_started=started,
        min_metric_value=None if low is None else {"loss": low, "other": 0},
        max_metric_value=None if high is None else {"loss": high},
        **limits,
    )
    reached = [
        started is not None
        and status.num_trials_started >= started
        and status.num_trials_running == 0,
        *(
            limit is not None and getattr(status, LIMITS[name]) >= limit
            for name, limit in limits.items()
        ),
        low is not None and low >= 2.0,
        high is not None and high <= 2.0,
    ]
    assert criterion(status) == any(reached)
