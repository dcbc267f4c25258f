"""`LinearScalarizedScheduler`: any single-objective scheduler on a weighted sum of metrics."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers._metrics import normalize_metrics
from tunelab.core.trial import Decision, Mode, Trial, TrialSuggestion

BaseFactory = Callable[..., Scheduler]
"""Builds the inner scheduler; called as `factory(metric=<scalarized name>, mode="min")`
(a scheduler preset or class with its other arguments bound, e.g. a `functools.partial`)."""


class LinearScalarizedScheduler(Scheduler):
    """Optimises several metrics through one: their weighted sum, by any scheduler.

    Every result the inner (`base`) scheduler sees carries one more entry,
    `scalarized_metric` = `"scalarized_<metric 1>_..._<metric k>"`, the sum over the
    metrics of `weight * value`, with maximised metrics negated, so that the inner
    scheduler minimises it. A NaN metric makes the sum NaN (the inner scheduler treats
    it as a diverged result), an infinite one makes it infinite (or NaN). Everything
    else is the inner scheduler's: suggestions, decisions, checkpoints, rung levels,
    searcher and state. The tuner sees the real
    metrics (`metric_names()`, `metric_mode()`), so results, the best configuration
    and hypervolumes are about them.

    The sum weighs the metrics in their own units: a metric of large values (a
    latency in ms beside an error rate) dominates unless `weights` rescale it. One
    weighted sum finds one point of the Pareto front (of its convex hull).

    Args:
        base: The inner scheduler: a `BaseFactory`, called with `metric` (the
            scalarized name) and `mode="min"`, or a scheduler built already for that
            metric in mode "min".
        metric: The metrics to combine (one is allowed: then it is optimised itself).
        mode: "min" or "max", one for all metrics or one per metric.
        weights: Non-negative weight of each metric, not all 0; default 1 for each.
    """

    def __init__(
        self,
        base: Scheduler | BaseFactory,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode] = "min",
        weights: Sequence[float] | None = None,
    ) -> None:
        self._metrics, self._modes = normalize_metrics(metric, mode)
        self.weights = _checked_weights(weights, self._metrics)
        self.scalarized_metric = "scalarized_" + "_".join(self._metrics)
        # factor of each metric in the sum: its weight, negated for a maximised metric
        self._signs = [
            w if m == "min" else -w for w, m in zip(self.weights, self._modes, strict=True)
        ]
        if not isinstance(base, Scheduler):
            if not callable(base):
                raise TypeError(
                    f"base must be a Scheduler or a factory of one, got {type(base).__name__}"
                )
            base = base(metric=self.scalarized_metric, mode="min")
            if not isinstance(base, Scheduler):
                raise TypeError(f"the base factory returned {type(base).__name__}, not a Scheduler")
        if base.metric_names() != [self.scalarized_metric] or base.metric_mode() != ["min"]:
            raise ValueError(
                f"the base scheduler must optimise metric [{self.scalarized_metric!r}] in mode "
                f"['min'], got {base.metric_names()} in mode {base.metric_mode()}; build it "
                f"with metric={self.scalarized_metric!r}, mode='min' (or pass a factory)"
            )
        self.base = base
        self.searcher = base.searcher
        self.resource_attr = base.resource_attr

    def scalarize(self, trial: Trial, result: dict[str, Any]) -> dict[str, Any]:
        """`result` with the weighted sum added as `scalarized_metric`.

        Raises:
            ValueError: a metric is missing from `result` or is not a number.
        """
        total = 0.0
        for name, factor in zip(self._metrics, self._signs, strict=True):
            if name not in result:
                raise ValueError(
                    f"trial {trial.trial_id} reported {sorted(result)} without the metric "
                    f"{name!r} that {type(self).__name__} needs in every result"
                )
            try:
                value = float(result[name])
            except (TypeError, ValueError):
                raise ValueError(
                    f"trial {trial.trial_id} reported {name}={result[name]!r}; "
                    "a metric must be a number"
                ) from None
            total += factor * value
        return {**result, self.scalarized_metric: total}

    # -- the inner scheduler, on scalarized results ----------------------------------------

    @property
    def config_space(self) -> dict[str, Any] | None:
        return self.base.config_space

    @property
    def rung_levels(self) -> list[float] | None:
        return self.base.rung_levels

    def describe(self) -> dict[str, Any]:
        """The base's description, with this scheduler's metrics, the inner scheduler's
        class as `base_scheduler`, `scalarized_metric` and `weights`."""
        return {
            **super().describe(),
            "base_scheduler": type(self.base).__name__,
            "scalarized_metric": self.scalarized_metric,
            "weights": list(self.weights),
        }

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        return self.base.suggest(trial_id)

    def on_trial_add(self, trial: Trial) -> None:
        self.base.on_trial_add(trial)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        return self.base.on_trial_result(trial, self.scalarize(trial, result))

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self.base.on_trial_complete(trial, self.scalarize(trial, result))

    def on_trial_error(self, trial: Trial) -> None:
        self.base.on_trial_error(trial)

    def on_trial_remove(self, trial: Trial) -> None:
        self.base.on_trial_remove(trial)

    def removable_checkpoints(self) -> list[int]:
        return self.base.removable_checkpoints()

    def metric_names(self) -> list[str]:
        return list(self._metrics)

    def metric_mode(self) -> list[Mode]:
        return list(self._modes)

    def state_dict(self) -> dict[str, Any]:
        return {"base": self.base.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.base.load_state_dict(state["base"])


def _checked_weights(weights: Sequence[float] | None, metrics: list[str]) -> tuple[float, ...]:
    if weights is None:
        return (1.0,) * len(metrics)
    try:
        values = list(weights) if not isinstance(weights, (str, bytes)) else None
    except TypeError:
        values = None
    if values is None:
        raise ValueError(f"weights must be a list of numbers, one per metric, got {weights!r}")
    if len(values) != len(metrics):
        raise ValueError(
            f"weights must give one number per metric {metrics}, got {len(values)}: {values}"
        )
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"weights must be numbers, got {value!r} in {values}")
        if not (math.isfinite(float(value)) and value >= 0):
            raise ValueError(f"weights must be finite and >= 0, got {value!r} in {values}")
    if not any(values):
        raise ValueError(f"weights must not all be 0, got {values}")
    return tuple(float(value) for value in values)
