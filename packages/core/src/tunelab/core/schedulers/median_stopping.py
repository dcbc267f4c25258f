"""The median stopping rule: stop trials that do worse than the median of the others."""

from __future__ import annotations

import bisect
import math
from typing import Any, Literal

from tunelab.core.schedulers._searcher import SearcherScheduler
from tunelab.core.schedulers.hyperband.results import read_result
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Decision, Mode, Trial

Statistic = Literal["running_average", "best"]
_STATISTICS = ("running_average", "best")


class MedianStoppingRule(SearcherScheduler):
    """Stops a trial whose best value so far is worse than the median of the others.

    Golovin et al. (2017), "Google Vizier: A Service for Black-Box Optimization",
    Section 3.2.2. When trial `t` reports at resource `r` (e.g. epoch `r`), let `b`
    be the best value `t` reported up to `r`, and `m` the median of the other trials'
    `statistic` at `r`: the mean of all values each of them reported up to `r`
    ("running_average", as in the paper) or their best value up to `r` ("best").
    The trial is stopped iff `b` is strictly worse than `m`, provided that `r >
    grace_resource` and that at least `min_samples_required` other trials reported
    at exactly `r`; otherwise it continues. Unlike the paper, which compares with
    completed trials only, every other trial that reached `r` counts (as in Syne
    Tune), so that the rule acts from the first trials on with asynchronous workers.
    NaN values rank last.

    New configurations come from `searcher`, which observes every result (it is
    configured with `resource_attr`, so that multi-fidelity searchers can use them).

    Args:
        searcher: Proposes the configurations.
        metric: Reported metric to optimise.
        mode: "min" or "max".
        resource_attr: Resource key of results (e.g. "epoch").
        grace_resource: No trial is stopped at a resource <= this value.
        min_samples_required: Other trials needed at a resource before the rule acts.
        statistic: What is taken of the other trials' curves, see above.
    """

    def __init__(
        self,
        searcher: Searcher,
        *,
        metric: str,
        mode: Mode = "min",
        resource_attr: str,
        grace_resource: float = 1,
        min_samples_required: int = 3,
        statistic: Statistic = "running_average",
    ) -> None:
        if isinstance(grace_resource, bool) or not isinstance(grace_resource, (int, float)):
            raise ValueError(f"grace_resource must be a number, got {grace_resource!r}")
        if (
            isinstance(min_samples_required, bool)
            or not isinstance(min_samples_required, int)
            or min_samples_required < 1
        ):
            raise ValueError(
                f"min_samples_required must be an integer >= 1, got {min_samples_required!r}"
            )
        if statistic not in _STATISTICS:
            raise ValueError(f"statistic must be one of {_STATISTICS}, got {statistic!r}")
        super().__init__(searcher, metric=metric, mode=mode, resource_attr=resource_attr)
        self._resource_attr = resource_attr
        self.grace_resource = grace_resource
        self.min_samples_required = min_samples_required
        self.statistic: Statistic = statistic
        # resource -> sorted statistic of every trial that reported there
        self._at_resource: dict[float, list[float]] = {}
        # trial -> [sum, count, best] of its values so far (smaller is better)
        self._curves: dict[int, list[float]] = {}

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        value, resource = self._read(trial, result)
        curve = self._curves.setdefault(trial.trial_id, [0.0, 0, math.inf])
        curve[0] += value
        curve[1] += 1
        curve[2] = min(curve[2], value)
        others = self._at_resource.setdefault(resource, [])
        decision = Decision.CONTINUE
        judged = resource > self.grace_resource and len(others) >= self.min_samples_required
        if judged and curve[2] > _median(others):
            decision = Decision.STOP
        statistic = curve[0] / curve[1] if self.statistic == "running_average" else curve[2]
        bisect.insort(others, statistic)
        self.searcher.observe(trial.trial_id, trial.config, result)
        return decision

    def _read(self, trial: Trial, result: dict[str, Any]) -> tuple[float, float]:
        return read_result(
            trial,
            result,
            metric=self.metric,
            mode=self.mode,
            resource_attr=self._resource_attr,
            reader="MedianStoppingRule",
        )

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self.searcher.remove_pending(trial.trial_id)

    def on_trial_error(self, trial: Trial) -> None:
        self.searcher.on_error(trial.trial_id)

    def on_trial_remove(self, trial: Trial) -> None:
        self.searcher.remove_pending(trial.trial_id)

    def state_dict(self) -> dict[str, Any]:
        return {
            "searcher": self.searcher.state_dict(),
            "at_resource": {r: list(values) for r, values in self._at_resource.items()},
            "curves": {t: list(curve) for t, curve in self._curves.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.searcher.load_state_dict(state["searcher"])
        self._at_resource = {float(r): list(v) for r, v in state["at_resource"].items()}
        self._curves = {int(t): list(curve) for t, curve in state["curves"].items()}


def _median(values: list[float]) -> float:
    """Median of a sorted, non-empty list."""
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2
