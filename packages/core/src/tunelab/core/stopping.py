"""When an experiment ends: budgets and thresholds, or any callable on its status."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tunelab.core.status import TuningStatus

StopCondition = Callable[[TuningStatus], bool]
"""Any callable that returns True when tuning should stop."""


@dataclass(frozen=True)
class StoppingCriterion:
    """Stops the experiment as soon as ANY of the given limits is reached.

    Args:
        max_wallclock_time: Seconds of tuning (virtual in simulations), summed over
            resumed runs.
        max_num_trials_started: Start no more trials than this; the experiment ends
            once none of them is running any more.
        max_num_trials_completed: Trials that ran to their end.
        max_num_trials_finished: Trials completed, stopped early or failed.
        max_num_results: Results reported.
        max_cost: Total cost of the trials (`TuningStatus.cost`: the sum of the
            latest `worker_cost` each trial's results carry, e.g. dollars with
            `SageMakerBackend`, the table's cost with `SimulatorBackend(cost_attr=...)`),
            checked after each batch of results.
        min_metric_value: Stop once a metric reaches a value <= the threshold, e.g.
            `{"loss": 0.01}`; with the tuner's `constraint`, a feasible result must.
        max_metric_value: Stop once a metric reaches a value >= the threshold, e.g.
            `{"accuracy": 0.99}` (likewise).
    """

    max_wallclock_time: float | None = None
    max_num_trials_started: int | None = None
    max_num_trials_completed: int | None = None
    max_num_trials_finished: int | None = None
    max_num_results: int | None = None
    max_cost: float | None = None
    min_metric_value: Mapping[str, float] | None = None
    max_metric_value: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        for name in (
            "max_wallclock_time",
            "max_num_trials_started",
            "max_num_trials_completed",
            "max_num_trials_finished",
            "max_num_results",
            "max_cost",
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"StoppingCriterion.{name} must be a number >= 0, got {value!r}")
        for name in ("min_metric_value", "max_metric_value"):
            thresholds = getattr(self, name)
            if thresholds is None:
                continue
            if not isinstance(thresholds, Mapping):
                raise TypeError(
                    f"StoppingCriterion.{name} must map metric names to thresholds, "
                    f"got {thresholds!r}"
                )
            for metric, threshold in thresholds.items():
                if not isinstance(threshold, (int, float)):
                    raise TypeError(
                        f"StoppingCriterion.{name}[{metric!r}] must be a number, got {threshold!r}"
                    )

    def allows_new_trials(self, status: TuningStatus) -> bool:
        """False once `max_num_trials_started` trials were started."""
        limit = self.max_num_trials_started
        return limit is None or status.num_trials_started < limit

    def __call__(self, status: TuningStatus) -> bool:
        # The tuner asks several times per result: plain comparisons, unset limits skipped.
        started = self.max_num_trials_started
        if (
            started is not None
            and status.num_trials_started >= started
            and status.num_trials_running == 0
        ):
            return True
        checks = (
            (self.max_wallclock_time, "tuner_time"),
            (self.max_num_trials_completed, "num_trials_completed"),
            (self.max_num_trials_finished, "num_trials_finished"),
            (self.max_num_results, "num_results"),
            (self.max_cost, "cost"),
        )
        for limit, name in checks:
            if limit is not None and getattr(status, name) >= limit:
                return True
        if self.min_metric_value:
            for metric, threshold in self.min_metric_value.items():
                if status.metric_min.get(metric, float("inf")) <= threshold:
                    return True
        if self.max_metric_value:
            for metric, threshold in self.max_metric_value.items():
                if status.metric_max.get(metric, float("-inf")) >= threshold:
                    return True
        return False

    def to_dict(self) -> dict[str, Any]:
        """The limits that are set, JSON-serialisable (recorded as the budget)."""
        return {
            key: dict(value) if isinstance(value, Mapping) else value
            for key, value in asdict(self).items()
            if value is not None
        }
