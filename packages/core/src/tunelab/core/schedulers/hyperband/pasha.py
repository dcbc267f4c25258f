"""`PASHAScheduler`: progressive ASHA, which grows the maximum resource only when needed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.schedulers._forwarding import RungArguments
from tunelab.core.schedulers.hyperband.curves import CurveMatrix, RankedRows
from tunelab.core.schedulers.hyperband.ranking import CrissCrossNoise, soft_ranking_consistent
from tunelab.core.schedulers.hyperband.scheduler import HyperbandScheduler
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Decision, Trial

if TYPE_CHECKING:
    from typing_extensions import Unpack


class PASHAScheduler(HyperbandScheduler):
    """PASHA: promotion-type ASHA with a progressively increasing maximum resource.

    Bohdal, Balles, Wistuba, Ermis, Archambeau, Zappella (2023), "PASHA: Efficient
    HPO and NAS with Progressive Resource Allocation". Trials are paused and promoted
    as in `HyperbandScheduler(kind="promotion", brackets=1)`, but only up to
    `current_max_resource`, which starts at the second level (the first two rungs
    are open). Trials reaching it wait there. Each time a trial reaches it, the
    ranking of the trials of the top rung is compared with their ranking one rung
    below (`soft_ranking_consistent`, up to `epsilon`); if they disagree, the next
    level is unlocked (the top rung's trials become promotable), up to
    `max_resource`. Once rankings are stable, PASHA keeps starting new trials at
    small resources instead of training further, which saves resources.

    The other arguments (`searcher`, `metric`, `mode`, `resource_attr`,
    `max_resource`, `max_resource_attr`, `grace_period`, `reduction_factor`,
    `rung_levels`, `seed`) are those of `HyperbandScheduler`.

    Args:
        epsilon: Fixed soft-ranking tolerance; None (default) estimates it from the
            learning curves as in the paper (`CrissCrossNoise`, 90th percentile).
    """

    def __init__(
        self,
        searcher: Searcher,
        *,
        rung_levels: Sequence[float] | None = None,
        epsilon: float | None = None,
        seed: int | np.random.Generator | None = None,
        **rungs: Unpack[RungArguments],
    ) -> None:
        super().__init__(
            searcher, rung_levels=rung_levels, brackets=1, kind="promotion", seed=seed, **rungs
        )
        if epsilon is not None and not epsilon >= 0:
            raise ValueError(f"epsilon must be >= 0 or None (estimated), got {epsilon!r}")
        self._fixed_epsilon = epsilon
        self._noise = CrissCrossNoise()
        self._curves: dict[int, dict[float, float]] = {}
        self._matrix = CurveMatrix()  # the same curves, aligned on resources
        self._ranked: RankedRows | None = None  # the top rung's trials; None: to build
        self._top = min(1, self._final)

    @property
    def current_max_resource(self) -> float:
        """The highest level trials may currently reach."""
        return self.rung_system.levels[self._top]

    @property
    def epsilon(self) -> float:
        """The soft-ranking tolerance in use (fixed, or estimated so far)."""
        return self._noise.epsilon if self._fixed_epsilon is None else self._fixed_epsilon

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        value, resource = self._read(trial, result)
        if resource <= self.max_resource:
            self._curves.setdefault(trial.trial_id, {})[resource] = value
            self._matrix.set(trial.trial_id, resource, value)
        return super().on_trial_result(trial, result)

    def _after_record(self, index: int, trial_id: int) -> None:
        if index != self._top or self._top == self._final:
            return
        top = self._rungs[index]
        ranked = self._ranked_top(trial_id)
        if self._fixed_epsilon is None:
            self._noise.add_trial(
                trial_id, ranked.ids, self._matrix, up_to=top.level, rows=ranked.rows
            )
        previous = ranked.below[~np.isnan(ranked.below)]  # values are never NaN
        if not soft_ranking_consistent(previous, self.epsilon):
            self._top += 1
            self._ranked = None

    def _ranked_top(self, trial_id: int) -> RankedRows:
        """The trials of the top rung, `trial_id` (just recorded there) included."""
        top, below = self._rungs[self._top], self._rungs[self._top - 1]
        if self._ranked is None:
            ids = np.array(top.trial_ids(), dtype=np.int64)
            values = [below.value(t) if t in below else np.nan for t in ids.tolist()]
            self._ranked = RankedRows(ids, self._matrix.rows_of(ids), np.array(values))
        else:
            value = below.value(trial_id) if trial_id in below else np.nan
            row = int(self._matrix.rows_of(np.array([trial_id]))[0])
            self._ranked.insert(top.rank(trial_id), trial_id, row, value)
        return self._ranked

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "curves": {t: dict(curve) for t, curve in self._curves.items()},
            "noise": self._noise.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._curves = {int(t): dict(curve) for t, curve in state["curves"].items()}
        self._matrix = CurveMatrix()
        for trial_id, curve in self._curves.items():
            for resource, value in curve.items():
                self._matrix.set(trial_id, resource, value)
        self._noise.load_state_dict(state["noise"])
        self._ranked = None
