"""`MOASHAScheduler`: asynchronous successive halving on several metrics at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core._pareto import TieBreak, check_tie_break, costs_of, pareto_order
from tunelab.core.schedulers._metrics import normalize_metrics
from tunelab.core.schedulers.hyperband.scheduler import HyperbandScheduler, Kind
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Mode, Trial


class ParetoRung:
    """The cost vectors of the trials recorded at one rung, and their order.

    The order (`pareto_order`: front, then the tie-break, then the trial id, as
    ASHA orders ties) is computed when first asked for after a change, in
    O(n log n) for n trials and two metrics (O(n^2 * m) for m > 2), so a rung costs
    one sort per result. The costs sit in one array that grows by doubling, so that
    a sort does not first gather thousands of rows.

    Args:
        tie_break: How trials of one front are ordered, see `pareto_scores`.
    """

    def __init__(self, tie_break: TieBreak) -> None:
        self.tie_break: TieBreak = tie_break
        self._ids: list[int] = []
        self._rows: dict[int, int] = {}  # trial id -> row of `_costs`
        self._costs = np.empty((0, 0))  # rows beyond len(self) are spare capacity
        self._places: np.ndarray | None = None  # place in the order, by row

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, trial_id: int, costs: np.ndarray) -> None:
        """Record the cost vector (smaller is better) of `trial_id`, once per trial."""
        if trial_id in self._rows:
            raise ValueError(f"trial {trial_id} already has a result at this rung")
        vector = np.asarray(costs, dtype=float).reshape(-1)
        row = len(self._ids)
        if row and len(vector) != self._costs.shape[1]:
            raise ValueError(
                f"trial {trial_id} has {len(vector)} costs, the rung's other trials "
                f"{self._costs.shape[1]}"
            )
        if row == len(self._costs):
            grown = np.empty((max(8, 2 * row), len(vector)))
            if row:
                grown[:row] = self._costs[:row]
            self._costs = grown
        self._costs[row] = vector
        self._rows[trial_id] = row
        self._ids.append(trial_id)
        self._places = None

    def position(self, trial_id: int) -> int:
        """0-based place of a recorded trial in the rung's order (0 = best)."""
        return int(self._ordered()[self._rows[trial_id]])

    def best_of(self, trial_ids: Sequence[int]) -> int | None:
        """The trial of `trial_ids` (all recorded here) placed first, or None if empty."""
        if not trial_ids:
            return None
        places, rows = self._ordered(), self._rows
        return min(trial_ids, key=lambda trial_id: int(places[rows[trial_id]]))

    def _ordered(self) -> np.ndarray:
        if self._places is None:
            n = len(self._ids)
            by_id = np.argsort(self._ids, kind="stable")  # pareto_order breaks ties by row
            order = by_id[pareto_order(self._costs[by_id], self.tie_break)]
            self._places = np.empty(n, dtype=int)
            self._places[order] = np.arange(n)
        return self._places

    def state_dict(self) -> dict[str, Any]:
        return {"ids": list(self._ids), "costs": self._costs[: len(self._ids)].tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        ids = [int(t) for t in state["ids"]]
        costs = np.asarray(state["costs"], dtype=float)
        self._ids = ids
        self._rows = {trial_id: row for row, trial_id in enumerate(ids)}
        self._costs = costs.reshape(len(ids), -1) if len(ids) else np.empty((0, 0))
        self._places = None


class MOASHAScheduler(HyperbandScheduler):
    """MOASHA: asynchronous successive halving that ranks trials on several metrics.

    Salinas, Perrone, Archambeau, Cruchant (2021), "A multi-objective perspective on
    jointly tuning hardware and hyperparameters"; Schmucker, Donini, Perrone,
    Archambeau (2021), "Multi-objective multi-fidelity hyperparameter optimization
    with application to fairness". Trials stop or pause at rung levels exactly as in
    `HyperbandScheduler` (ASHA), which it extends; what differs is the ranking of the
    results of a rung. Instead of sorting one metric, the trials of a rung are sorted
    into non-dominated fronts over all metrics (Deb et al., 2002) and, inside a
    front, by `tie_break`: the crowding distance of NSGA-II (trials in sparse parts
    of the front first) or the hypervolume contribution. A trial continues (or is
    promoted) iff it is among the best `floor(q_j * n)` in that order: whole fronts
    while they fit, then the most spread-out trials of the last front considered. A
    result with a NaN or infinite metric (a diverged trial) ranks last.

    Args:
        searcher: Proposes new configurations; it is configured with every metric.
        metric: The metrics to optimise (a single one works too and ranks by it).
        mode: "min" or "max", one for all metrics or one per metric.
        resource_attr: Resource key of results (e.g. "epoch", counted from 1).
        max_resource: Final resource level; default `config_space[max_resource_attr]`.
        max_resource_attr: Configuration key of the training script's own budget.
        grace_period: First rung level (geometric levels).
        reduction_factor: eta >= 2; the top 1/eta of a rung continue.
        rung_levels: Explicit rung levels instead of geometric ones.
        brackets: Number of brackets (1 = MOASHA; None = one per rung level).
        kind: "stopping" or "promotion", see `HyperbandScheduler`.
        seed: Seed or generator for the bracket draws.
        tie_break: "crowding" (default) or "hypervolume": how trials of one front
            are ordered.
    """

    one_metric = False

    def __init__(
        self,
        searcher: Searcher,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode] = "min",
        resource_attr: str,
        max_resource: float | None = None,
        max_resource_attr: str | None = None,
        grace_period: float = 1,
        reduction_factor: float = 3,
        rung_levels: Sequence[float] | None = None,
        brackets: int | None = 1,
        kind: Kind = "stopping",
        seed: int | np.random.Generator | None = None,
        tie_break: TieBreak = "crowding",
    ) -> None:
        metrics, modes = normalize_metrics(metric, mode)
        self.tie_break = check_tie_break(tie_break, where=type(self).__name__)
        # The base ranks on the first metric: its rungs keep that metric's values and
        # the paused trials, while the order of a rung is this class's (`_rank`).
        super().__init__(
            searcher,
            metric=metrics[0],
            mode=modes[0],
            resource_attr=resource_attr,
            max_resource=max_resource,
            max_resource_attr=max_resource_attr,
            grace_period=grace_period,
            reduction_factor=reduction_factor,
            rung_levels=rung_levels,
            brackets=brackets,
            kind=kind,
            seed=seed,
        )
        self._metrics, self._modes = metrics, modes
        searcher.configure(metric=metrics, mode=modes, resource_attr=resource_attr)
        self._fronts = [ParetoRung(self.tie_break) for _ in self._rungs]

    def _read(self, trial: Trial, result: dict[str, Any]) -> tuple[float, float]:
        missing = [name for name in self._metrics if name not in result]
        if missing:
            raise ValueError(
                f"trial {trial.trial_id} reported {sorted(result)} without the metric(s) "
                f"{missing} that {type(self).__name__} needs in every result"
            )
        return super()._read(trial, result)

    def _record(self, index: int, trial_id: int, value: float, result: dict[str, Any]) -> None:
        super()._record(index, trial_id, value, result)
        where = f"{type(self).__name__} (trial {trial_id})"
        self._fronts[index].add(trial_id, costs_of(result, self._metrics, self._modes, where=where))

    def _rank(self, index: int, trial_id: int) -> int:
        return self._fronts[index].position(trial_id)

    def _best_waiting(self, index: int) -> int | None:
        return self._fronts[index].best_of(self._rungs[index].waiting_ids())

    def removable_checkpoints(self) -> list[int]:
        """Paused trials, least promising first (the promotion kind; stopping: []).

        By decreasing `(k + 1) / (q_j * n_j)` for a trial placed `k` among the `n_j`
        results of rung `j` (> 1 while it is outside the promotable top), ties lower
        rung first, then by id. Unlike ASHA, no trial is ever known to be beyond
        promotion: a newcomer to its front can move it up in the tie-break.
        """
        if self.kind == "stopping":
            return []
        quantiles = self.rung_system.quantiles
        entries: list[tuple[float, int, int]] = []
        for index, rung in enumerate(self._rungs[: self.rung_system.num_rungs]):
            for trial_id in rung.waiting_ids():
                score = (self._rank(index, trial_id) + 1) / (len(rung) * quantiles[index])
                entries.append((-score, index, trial_id))
        return [trial_id for _, _, trial_id in sorted(entries)]

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "fronts": [f.state_dict() for f in self._fronts]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for front, saved in zip(self._fronts, state["fronts"], strict=True):
            front.load_state_dict(saved)
