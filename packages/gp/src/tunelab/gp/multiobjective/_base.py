"""`MultiObjectiveGPSearcherBase`: the GP machinery with every metric observed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from tunelab.core._pareto import observed_costs
from tunelab.core.trial import Config, Mode
from tunelab.gp._base import GPOptions, GPSearcherBase

if TYPE_CHECKING:
    from typing_extensions import Unpack


class MultiObjectiveGPSearcherBase(GPSearcherBase):
    """`GPSearcherBase` that records, for each trial, the cost vector of its latest
    result over all configured metrics (maximised ones negated; lower is better).

    The first cost also goes to the base's observation table, which drives the
    random start, the refit trigger and the state's replay; the cost vectors are kept
    beside it in the same order. A result with a NaN or infinite metric is ignored.
    Subclasses build their targets from `_observed()` in `_ranked_candidates`.
    """

    one_metric = False  # the model sees every metric
    max_metrics: ClassVar[int | None] = None
    """The most metrics a subclass supports (None: any number)."""

    def __init__(self, config_space: dict[str, Any], **options: Unpack[GPOptions]) -> None:
        super().__init__(config_space, **options)
        self._init_costs()

    def _init_costs(self) -> None:
        # trial id -> (level, costs) of its latest result, in first-observation order,
        # which is the row order of `self._data.latest`
        self._latest_costs: dict[int, tuple[float, np.ndarray]] = {}
        self._cost_log: list[np.ndarray] = []  # aligned with `self._data.log`

    def configure(
        self,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None = None,
    ) -> None:
        super().configure(metric=metric, mode=mode, resource_attr=resource_attr)
        limit = self.max_metrics
        if limit is not None and len(self.metrics) > limit:
            raise ValueError(
                f"{type(self).__name__}: at most {limit} metrics are supported, got "
                f"{len(self.metrics)}: {list(self.metrics)}"
            )

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        costs = observed_costs(self, result)
        if costs is None:
            return
        level = self._level(result)
        self._data.add(trial_id, self._encoder.encode(config), float(costs[0]), level)
        self._record(trial_id, level, costs)
        # one model input per trial: once observed, a trial needs no fantasy any more
        self._pending.pop(trial_id, None)

    def _record(self, trial_id: int, level: float, costs: np.ndarray) -> None:
        self._cost_log.append(costs)
        previous = self._latest_costs.get(trial_id)
        if previous is None or level >= previous[0]:
            self._latest_costs[trial_id] = (level, costs)

    def _observed(self) -> tuple[np.ndarray, np.ndarray]:
        """Encoded configurations `(n, dim)` and cost vectors `(n, m)` of the latest
        result of each observed trial (copies)."""
        x = self._data.latest.x.copy()
        if not self._latest_costs:
            return x, np.empty((0, len(self.metrics)))
        costs = np.stack([costs for _, costs in self._latest_costs.values()])
        return x, costs

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "costs": [c.tolist() for c in self._cost_log]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._init_costs()
        for (trial_id, level, _, _), costs in zip(self._data.log, state["costs"], strict=True):
            self._record(trial_id, level, np.asarray(costs, dtype=float))
