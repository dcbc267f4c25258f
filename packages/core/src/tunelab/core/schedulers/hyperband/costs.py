"""Cost-aware promotion: what each trial of a rung cost to get there.

`HyperbandScheduler(kind="cost_promotion")` reads a trial's cost from every result
(`read_cost`) and keeps, per rung, the cost of each recorded trial in the rung's
order (`RungCosts`), so that the number of promotable trials
(`RungSystem.slots_by_cost`) weighs the cost of the best trials against the rung's.

The cost is cumulative: what the trial had cost when it reached the rung, as the
backends report `worker_cost` (`tunelab.core.status.COST_KEY`, the default key):
`SimulatorBackend` (with its `cost_attr`) and `SageMakerBackend` (with a known
price) add what the trial has cost so far to each of its results, across pauses and
resumes. Resumed from its checkpoint, a trial keeps accumulating; resumed without one
(deleted, or never written) it trains again from scratch and pays again: the tuner
skips its results at the resources it had reached, and the cost recorded at its next
rung includes what it paid twice. A training script that reports its own cost key
must report it the same way, over the trial's whole life: a cost that starts from 0
at each resume would count only the last stretch of a checkpointed trial.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tunelab.core.trial import Trial


def read_cost(trial: Trial, result: dict[str, Any], *, cost_attr: str, reader: str) -> float:
    """The cost `result` reports under `cost_attr`: a finite number >= 0.

    Raises:
        ValueError: the key is missing, or its value is not such a number; the
            message names the trial, the key and `reader` (the scheduler).
    """
    if cost_attr not in result:
        raise ValueError(
            f"trial {trial.trial_id} reported {sorted(result)} without the cost "
            f"{cost_attr!r} that {reader} (kind='cost_promotion') needs in every result; "
            "report the trial's cumulative cost under that key (SimulatorBackend does with "
            "its cost_attr, SageMakerBackend with a known price), or pass cost_attr=<the "
            "result key that holds it>"
        )
    value = result[cost_attr]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.number))
        or not math.isfinite(float(value))
        or value < 0
    ):
        raise ValueError(
            f"trial {trial.trial_id} reported {cost_attr}={value!r}; {reader} needs the "
            "trial's cumulative cost there, a finite number >= 0"
        )
    return float(value)


class RungCosts:
    """The costs of the trials recorded at one rung, in the rung's order (best first).

    The scheduler inserts a trial's cost at the trial's rank right after recording its
    result at the rung (`RungResults.rank`); since a rung's order of the trials already
    recorded never changes, the list stays aligned with `RungResults.trial_ids()`.
    The array of costs and its prefix sums are made when first asked for after a
    change.
    """

    __slots__ = ("_by_trial", "_costs", "_ordered", "_spent")

    def __init__(self) -> None:
        self._costs: list[float] = []
        self._by_trial: dict[int, float] = {}
        self._ordered: np.ndarray | None = None
        self._spent: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._costs)

    def insert(self, position: int, trial_id: int, cost: float) -> None:
        """Record `cost` for `trial_id`, placed `position` (0 = best) in the rung."""
        if trial_id in self._by_trial:
            raise ValueError(f"trial {trial_id} already has a cost at this rung")
        if not 0 <= position <= len(self._costs):
            raise ValueError(f"position {position} is outside 0..{len(self._costs)}")
        self._costs.insert(position, cost)
        self._by_trial[trial_id] = cost
        self._ordered = self._spent = None

    def ordered(self) -> np.ndarray:
        """The costs, best result first, shape (n,) (do not modify it)."""
        if self._ordered is None:
            self._ordered = np.asarray(self._costs, dtype=float)
        return self._ordered

    def spent(self) -> np.ndarray:
        """Cumulative sums of `ordered()`: the cost of the best 1, 2, ..., n, shape (n,)."""
        if self._spent is None:
            self._spent = np.cumsum(self.ordered())
        return self._spent

    def state_dict(self) -> dict[str, Any]:
        return {"costs": dict(self._by_trial)}

    def load_state_dict(self, state: dict[str, Any], order: list[int]) -> None:
        """Restore the costs of `state`; `order` lists the rung's trials best first."""
        by_trial = {int(t): float(c) for t, c in state["costs"].items()}
        if sorted(by_trial) != sorted(order):
            raise ValueError(
                f"saved costs are for trials {sorted(by_trial)}, the rung holds {sorted(order)}"
            )
        self._by_trial = by_trial
        self._costs = [by_trial[t] for t in order]
        self._ordered = self._spent = None


def promotion_scores(costs: RungCosts, ranks: np.ndarray, quantile: float) -> np.ndarray:
    """How far paused trials are from being promotable, by cost, shape (w,).

    For a trial ranked `k` (0-based, `ranks`, shape (w,)), the cost of the best `k +
    1` over `quantile` times the cost of the whole rung: <= 1 while it is among the
    promotable best (`RungSystem.slots_by_cost`), larger the more the trials ahead of
    it cost. A rung without cost falls back to `(k + 1) / (quantile * n)`.
    """
    spent = costs.spent()
    total = float(spent[-1]) if len(spent) else 0.0
    if not total > 0:
        return (ranks + 1) / (len(spent) * quantile)
    scores: np.ndarray = spent[ranks] / (quantile * total)
    return scores
