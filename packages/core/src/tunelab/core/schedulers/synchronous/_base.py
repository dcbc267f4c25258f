"""What synchronous Hyperband and DEHB share: slots, barriers, results and state."""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from tunelab.core.schedulers._levels import as_level
from tunelab.core.schedulers._searcher import SearcherScheduler
from tunelab.core.schedulers.synchronous._manager import BracketManager
from tunelab.core.schedulers.synchronous._state import BracketState
from tunelab.core.schedulers.synchronous.brackets import Bracket
from tunelab.core.searcher import Searcher
from tunelab.core.space import Domain
from tunelab.core.trial import Config, Decision, Mode, Trial, TrialSuggestion

FAILED = math.nan
"""Loss recorded for a trial that failed, was stopped or ended below its rung level."""


def resolve_max_resource(
    searcher: Searcher, max_resource: float | None, max_resource_attr: str | None
) -> float | None:
    """`max_resource`, else the constant `config_space[max_resource_attr]`, else None."""
    if max_resource is not None:
        if isinstance(max_resource, bool) or not isinstance(max_resource, (int, float)):
            raise ValueError(f"max_resource must be a number > 0, got {max_resource!r}")
        if not max_resource > 0:
            raise ValueError(f"max_resource must be a number > 0, got {max_resource!r}")
        return as_level(max_resource)
    if max_resource_attr is None:
        return None
    space = searcher.config_space or {}
    value = space.get(max_resource_attr)
    if isinstance(value, (Domain, bool)) or not isinstance(value, (int, float)):
        raise ValueError(
            f"max_resource is None and config_space[{max_resource_attr!r}] is {value!r}, not "
            "a constant number; pass max_resource=<highest resource level> or make "
            f"max_resource_attr={max_resource_attr!r} a constant of the searcher's config_space"
        )
    return as_level(value)


class SynchronousBracketScheduler(SearcherScheduler):
    """Base of schedulers whose brackets promote only once a rung is full.

    Subclasses decide what fills a slot (`_propose`), what an occupied slot holds
    (`_record`) and which trials the next rung gets (`_next_rung`). Values are kept
    as losses: the metric, negated when maximised.
    """

    def __init__(
        self,
        searcher: Searcher,
        *,
        metric: str,
        mode: Mode,
        resource_attr: str,
        max_resource: float,
        max_resource_attr: str | None,
        brackets: Sequence[Bracket],
    ) -> None:
        if max_resource_attr is not None and (
            not isinstance(max_resource_attr, str) or not max_resource_attr
        ):
            raise ValueError(
                f"max_resource_attr must be a non-empty string or None, got {max_resource_attr!r}"
            )
        top = max(bracket.levels[-1] for bracket in brackets)
        if top > max_resource:
            raise ValueError(f"rung level {top} exceeds max_resource={max_resource}")
        super().__init__(searcher, metric=metric, mode=mode, resource_attr=resource_attr)
        self._resource_key = resource_attr
        self.max_resource = max_resource
        self.max_resource_attr = max_resource_attr
        self.brackets = list(brackets)
        self._manager = BracketManager(self.brackets)
        self._removable: list[int] = []

    @property
    def rung_levels(self) -> list[float]:
        """Every rung level of every bracket, increasing."""
        return sorted({level for bracket in self.brackets for level in bracket.levels})

    # -- what subclasses decide ---------------------------------------------------------

    @abstractmethod
    def _propose(self, state: BracketState, trial_id: int) -> TrialSuggestion | None:
        """What fills the next free slot of `state`; None if the searcher is exhausted."""

    @abstractmethod
    def _record(self, state: BracketState, slot: int, trial_id: int, loss: float) -> None:
        """Occupy `slot` of `state` after trial `trial_id` reported `loss` (NaN: failed)."""

    @abstractmethod
    def _next_rung(self, state: BracketState) -> list[int | None]:
        """Trial ids of the next rung's slots (None: new trials); [] ends the bracket."""

    def _on_searcher_exhausted(self, state: BracketState) -> None:
        """No new trials any more: close every first rung and open no new bracket."""
        self._manager.opens_brackets = False
        for bracket in list(self._manager.active.values()):
            if bracket.rung == 0 and self._manager.close_first_rung(bracket):
                self._rung_complete(bracket)

    def _decision(self, state: BracketState) -> Decision:
        """What a trial that just reached the current rung of `state` does next."""
        if not state.is_last_rung:
            return Decision.PAUSE
        return Decision.CONTINUE if state.level >= self.max_resource else Decision.STOP

    # -- the Scheduler API ----------------------------------------------------------------

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        while (state := self._manager.bracket_with_free_slot()) is not None:
            suggestion = self._propose(state, trial_id)
            if suggestion is not None:
                resumed = suggestion.resume_trial_id
                self._manager.assign(state, trial_id if resumed is None else resumed)
                return suggestion
            self._on_searcher_exhausted(state)
        return None

    def on_trial_add(self, trial: Trial) -> None:
        self.searcher.register_pending(trial.trial_id, trial.config)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        if self.metric not in result:
            raise ValueError(
                f"trial {trial.trial_id} reported {sorted(result)} without the metric "
                f"{self.metric!r} that the scheduler optimises; report it with every result"
            )
        resource = result.get(self._resource_key)
        if isinstance(resource, bool) or not isinstance(resource, (int, float)):
            raise ValueError(
                f"trial {trial.trial_id} reported {self.resource_attr}={resource!r}; "
                f"resource_attr={self.resource_attr!r} must be a number in every result"
            )
        job = self._manager.job_of(trial.trial_id)
        if job is None or resource < job[0].level:
            return Decision.CONTINUE
        state, slot = job
        self._manager.release(trial.trial_id)
        self.searcher.observe(trial.trial_id, trial.config, result)
        self.searcher.remove_pending(trial.trial_id)
        decision = self._decision(state)
        value = float(result[self.metric])
        self._occupy(state, slot, trial.trial_id, value if self.mode == "min" else -value)
        return decision

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        # Still pending: the trial ended by itself below its rung level and cannot be
        # resumed, so it counts as a failure in its rung.
        self._fail(trial.trial_id)
        self.searcher.remove_pending(trial.trial_id)

    def on_trial_error(self, trial: Trial) -> None:
        self._fail(trial.trial_id)
        self.searcher.on_error(trial.trial_id)

    def on_trial_remove(self, trial: Trial) -> None:
        self._fail(trial.trial_id)
        self.searcher.remove_pending(trial.trial_id)

    # -- bookkeeping ----------------------------------------------------------------------

    def _fail(self, trial_id: int) -> None:
        job = self._manager.release(trial_id)
        if job is not None:
            self._occupy(job[0], job[1], trial_id, FAILED)

    def _occupy(self, state: BracketState, slot: int, trial_id: int, loss: float) -> None:
        self._record(state, slot, trial_id, loss)
        if state.is_complete:
            self._rung_complete(state)

    def _rung_complete(self, state: BracketState) -> None:
        """The barrier: the rung is full, so the next rung can be filled."""
        next_ids = [] if state.is_last_rung else self._next_rung(state)
        if next_ids:
            state.advance(next_ids)
        else:
            self._manager.finish(state)

    def _with_level(self, config: Config, level: float) -> Config:
        """`config` with the script's own budget set to `level` (if it has one)."""
        if self.max_resource_attr is None:
            return dict(config)
        return {**config, self.max_resource_attr: as_level(level)}

    def state_dict(self) -> dict[str, Any]:
        return {
            "manager": self._manager.state_dict(),
            "removable": list(self._removable),
            "searcher": self.searcher.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._manager.load_state_dict(state["manager"])
        self._removable = [int(tid) for tid in state["removable"]]
        self.searcher.load_state_dict(state["searcher"])
