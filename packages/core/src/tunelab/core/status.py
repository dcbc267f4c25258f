"""Live counters of a tuning run, read by stopping criteria and progress output."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COST_KEY = "worker_cost"
"""Result key of a trial's cost so far (dollars, or any unit the backend uses)."""


def check_constraint(constraint: object) -> str | None:
    """`constraint` if it is None or a metric name (a non-empty string), else ValueError."""
    if constraint is None or (isinstance(constraint, str) and constraint):
        return constraint
    raise ValueError(
        f"constraint must be None or the name of a reported metric, got {constraint!r}"
    )


def is_feasible(result: Mapping[str, Any], constraint: str | None) -> bool:
    """Whether `result` satisfies the constraint metric `constraint` (None: no constraint).

    Feasible means a value <= 0, as in Syne Tune (and as `Experiment.feasible_mask`
    reads a results table); a result without a numeric value for it, or NaN, is not.
    """
    if constraint is None:
        return True
    value = result.get(constraint)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return bool(value <= 0)  # NaN compares False


@dataclass
class TuningStatus:
    """What has happened so far in an experiment (resumed runs included).

    Attributes:
        tuner_time: Seconds since the experiment started (virtual in simulations).
        num_trials_started: Trials ever started.
        num_trials_completed: Trials that ended by themselves.
        num_trials_failed: Trials that crashed.
        num_trials_stopped: Trials stopped early by the scheduler.
        num_trials_running: Trials occupying a worker now.
        num_trials_paused: Trials paused, waiting to be resumed.
        num_results: Results reported so far.
        metric_min: Smallest value reported so far, per numeric metric; with a
            `constraint`, among feasible results only (the constraint metric's own
            values count in every result), so that an infeasible result is never
            shown as the best or meets a metric threshold.
        metric_max: Largest value reported so far, per numeric metric (likewise).
        cost: Total cost of the trials so far: the sum over trials of the latest
            `COST_KEY` value each reported (backends that know what a trial costs,
            such as `SageMakerBackend` and `SimulatorBackend(cost_attr=...)`, add it
            to every result, cumulative over the trial's pauses and resumes).
        constraint: The constraint metric (feasible when <= 0, `is_feasible`), or None.
    """

    tuner_time: float = 0.0
    num_trials_started: int = 0
    num_trials_completed: int = 0
    num_trials_failed: int = 0
    num_trials_stopped: int = 0
    num_trials_running: int = 0
    num_trials_paused: int = 0
    num_results: int = 0
    metric_min: dict[str, float] = field(default_factory=dict)
    metric_max: dict[str, float] = field(default_factory=dict)
    cost: float = 0.0
    constraint: str | None = None

    @property
    def num_trials_finished(self) -> int:
        """Trials that will never report again: completed, stopped or failed."""
        return self.num_trials_completed + self.num_trials_stopped + self.num_trials_failed

    def observe_cost(self, result: dict[str, Any], previous: dict[str, Any] | None) -> None:
        """Add a trial's cost increase: its `result` against its `previous` result.

        Each result carries what its trial has cost so far, so the increments of a
        trial add up to its latest value, whatever its pauses and resumes.
        """
        self.cost += _cost(result) - (0.0 if previous is None else _cost(previous))

    def observe_result(self, result: dict[str, Any]) -> None:
        """Count one result and update the running extremes of its numeric values (of
        the constraint metric only, when the result is infeasible)."""
        self.num_results += 1
        low, high = self.metric_min, self.metric_max
        feasible = is_feasible(result, self.constraint)
        for name, value in result.items():
            if not feasible and name != self.constraint:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            # NaN compares False with everything, so it never becomes an extreme
            if value < low.get(name, math.inf):
                low[name] = value
            if value > high.get(name, -math.inf):
                high[name] = value


def _cost(result: dict[str, Any]) -> float:
    value = result.get(COST_KEY)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return 0.0
    return float(value)
