"""`DyHPOSearcher`: the model-based decisions of DyHPO (resume a paused trial or start
a new configuration), on the joint learning-curve GP of MOBSTER."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.trial import Config
from tunelab.gp._threads import blas_threads
from tunelab.gp.acquisition import expected_improvement
from tunelab.gp.fantasize import fantasize
from tunelab.gp.learning_curves.joint import ResourceKernel
from tunelab.gp.learning_curves.searcher import MOBSTERSearcher
from tunelab.gp.settings import GPSettings

if TYPE_CHECKING:
    from typing_extensions import Unpack

# DyHPO consults the model at every decision, so parameters are refit less often.
DYHPO_SETTINGS = GPSettings(opt_skip_period=3)


class DyHPOOptions(SearcherOptions, total=False):
    """The options of `MOBSTERSearcher` that `DyHPOSearcher` passes on unchanged (it
    fixes `model`, keeps EI and sets its own default `settings`)."""

    resource_kernel: ResourceKernel
    max_resource: float | None
    num_init_random: int


@dataclass(frozen=True)
class PausedTrial:
    """A paused trial competing for the next slice of resource.

    Attributes:
        trial_id: The trial.
        config: Its configuration.
        next_level: The rung level it would reach when resumed.
    """

    trial_id: int
    config: Config
    next_level: float


class DyHPOSearcher(MOBSTERSearcher):
    """Scores paused trials against new configurations for the next resource slice.

    `choose` (called by `DyHPOScheduler` when a worker is free) evaluates, under the
    joint GP over (configuration, resource), the expected improvement of each paused
    trial at the level it would reach next and of new configurations at the first
    rung level; the incumbent of each level is the best result observed there (for a
    level nobody reached yet, the best at the highest level below it). The winner is
    resumed, or, if a new configuration wins, the next `suggest` returns it (the
    new candidates are ranked by the acquisition optimiser: random candidates plus
    local refinement, as in the other GP searchers). Running trials are fantasized.
    Before the model has data (`num_init_random` suggestions, two results), new
    configurations are random and paused trials are left waiting. Since the model is
    consulted at every decision, its parameters are refit (as the schedule of
    `settings` says) only after a decision that started a new configuration; after a
    resume, the GP is conditioned on the new data with the parameters it has.

    Unlike the paper, whose surrogate is a GP with a deep kernel, the model is the
    joint GP of MOBSTER (as in Syne Tune's implementation); independent per-level GPs
    cannot extrapolate to a level without data and are not offered.

    Reference: M. Wistuba, A. Kadra, J. Grabocka. Supervising the Multi-Fidelity Race
    of Hyperparameter Configurations. NeurIPS 2022.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        settings: Model, fitting and optimisation options; default `DYHPO_SETTINGS`
            (parameters refit at every third update beyond the initial phase).
        **options: `max_resource`, `resource_kernel` (of the joint GP),
            `num_init_random`, `points_to_evaluate`, `restrict_to` and `seed`, see
            `MOBSTERSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        settings: GPSettings | None = None,
        **options: Unpack[DyHPOOptions],
    ) -> None:
        super().__init__(
            config_space,
            model="joint",
            settings=DYHPO_SETTINGS if settings is None else settings,
            **options,
        )
        self._chosen: np.ndarray | None = None
        self._chose_new = True
        self._encodings: dict[int, tuple[Config, np.ndarray]] = {}

    def choose(
        self, paused: Sequence[PausedTrial], *, first_level: float, allow_new: bool = True
    ) -> int | None:
        """The paused trial to resume, or None to start a new configuration.

        Args:
            paused: The paused trials that may be resumed (none: None).
            first_level: The level a new configuration is scored at.
            allow_new: False once new configurations cannot be started (the
                searcher is exhausted): the best paused trial is returned.
        """
        self._chosen = None
        if not paused:
            return None
        ready = self._num_suggested >= self.num_init_random and len(self._data.latest) >= 2
        # the fit too runs under the thread limit: its rounding follows the thread count
        with blas_threads(self.settings.blas_threads):
            gp = self.model() if ready else None
            if gp is None:
                return None if allow_new else paused[0].trial_id
            conditioned = fantasize(gp, self._pending_inputs())
            # many paused trials wait at the same few levels
            levels = {p.next_level for p in paused}
            columns = {level: self._normalise(level) for level in levels}
            incumbents = {level: self._incumbent(level) for level in levels}
            inputs = np.array([np.append(self._encoded(p), columns[p.next_level]) for p in paused])
            best = np.array([incumbents[p.next_level] for p in paused])
            mean, variance = conditioned.posterior(inputs)
            scores = expected_improvement(mean, np.sqrt(variance), best)
            winner = int(np.argmax(scores))
            if not allow_new:
                return paused[winner].trial_id
            ranked, new_score = self._rank_new(conditioned, first_level)
        self._chose_new = bool(new_score >= scores[winner])
        if self._chose_new:
            self._chosen = ranked
            return None
        return paused[winner].trial_id

    def _encoded(self, paused: PausedTrial) -> np.ndarray:
        """The encoded configuration of a paused trial, encoded once per trial and
        configuration: a trial may wait through hundreds of decisions. A copy of the
        configuration is kept and compared, so that a changed one is encoded again."""
        known = self._encodings.get(paused.trial_id)
        if known is not None and known[0] == paused.config:
            return known[1]
        vector = self._encoder.encode(paused.config)
        self._encodings[paused.trial_id] = (dict(paused.config), vector)
        return vector

    def _refit_allowed(self) -> bool:
        return self._chose_new

    def _rank_new(self, conditioned: Any, level: float) -> tuple[np.ndarray, float]:
        """New candidates ranked by EI at `level`, and the EI of the best."""
        column = self._normalise(level)
        best = self._incumbent(level)

        def negative_ei(x: Any) -> Any:
            at_level = anp.concatenate([x, np.full((x.shape[0], 1), column)], axis=1)
            mean, variance = conditioned.posterior(at_level)
            return -expected_improvement(mean, anp.sqrt(variance), best)

        table = self._data.by_level.get(level)
        anchors = self._anchors(table.x, table.y) if table is not None else self._data.latest.x
        ranked = self._rank(negative_ei, anchors)
        if not len(ranked):  # every member of the candidate set is used
            return ranked, -math.inf
        return ranked, float(-negative_ei(ranked[:1])[0])

    def _incumbent(self, level: float) -> float:
        """Best transformed result at `level`, else at the highest level below it."""
        assert self._transform is not None
        below = [lv for lv in self._data.by_level if lv <= level]
        at = level if level in self._data.by_level else max(below, default=math.inf)
        if not math.isfinite(at):  # nothing at or below: the best anywhere
            return float(np.min(self._transform(self._data.latest.y)))
        return float(np.min(self._transform(self._data.by_level[at].y)))

    def _ranked_candidates(self) -> np.ndarray | None:
        if self._chosen is not None:
            ranked, self._chosen = self._chosen, None
            return ranked
        return super()._ranked_candidates()

    def state_dict(self) -> dict[str, Any]:
        chosen = None if self._chosen is None else self._chosen.tolist()
        return {**super().state_dict(), "chosen": chosen, "chose_new": self._chose_new}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        chosen = state["chosen"]
        self._chosen = None if chosen is None else np.asarray(chosen, dtype=float)
        self._chose_new = bool(state["chose_new"])
