"""`HyperbandScheduler`: asynchronous successive halving (ASHA) and asynchronous Hyperband."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any, Literal, get_args

import numpy as np

from tunelab.core.schedulers._searcher import SearcherScheduler
from tunelab.core.schedulers.hyperband.checkpoints import removal_order
from tunelab.core.schedulers.hyperband.costs import RungCosts, read_cost
from tunelab.core.schedulers.hyperband.levels import RungSystem
from tunelab.core.schedulers.hyperband.results import read_result
from tunelab.core.schedulers.hyperband.rung import RungResults
from tunelab.core.schedulers.hyperband.trials import TrialState
from tunelab.core.searcher import Searcher
from tunelab.core.space import Domain
from tunelab.core.status import COST_KEY
from tunelab.core.trial import Config, Decision, Mode, Trial, TrialSuggestion

Kind = Literal["stopping", "promotion", "cost_promotion"]
_KINDS: tuple[Kind, ...] = get_args(Kind)

BracketDistribution = Callable[[Sequence[float], np.ndarray], Sequence[float] | np.ndarray]
"""`(levels, default) -> probabilities`: the distribution a new trial's bracket is drawn
from. `levels[b]` is the first rung level of bracket `b` and `default` the fixed
distribution (`RungSystem.bracket_probabilities`), both of length `brackets`."""


class HyperbandScheduler(SearcherScheduler):
    """Asynchronous successive halving (Li et al., 2020) and asynchronous Hyperband.

    Trials are compared at the rung levels of `rung_system` (see `RungSystem`). A
    result at or beyond a trial's next rung level is recorded at that rung and
    decided on (the searcher observes every result at a rung level):

    - kind "stopping": the trial continues iff it ranks among the best
      `floor(q_j * n)` of the `n` results recorded at the rung (itself included; ties
      by trial id), or if `floor(q_j * n) == 0` (fewer than about `1 / q_j` results,
      too few to judge); otherwise it is stopped.
    - kind "promotion" (the original ASHA): the trial pauses at every rung. `suggest`
      scans the rungs top to bottom and resumes the best paused, not yet promoted
      trial ranked among the best `floor(q_j * n)` of its rung, towards the next
      level; only if there is none does it start a new configuration.
    - kind "cost_promotion": promotion, where the number of promotable trials of a
      rung weighs what they cost. Every result must carry the trial's cumulative
      cost under `cost_attr` (see `hyperband.costs`); the cost of a trial at a rung
      is the one its result there reports. A paused trial may be promoted iff it
      ranks among the best `K`, the largest `k` such that the best `k` cost at most
      `q_j` times the summed cost of all `n` results of the rung
      (`RungSystem.slots_by_cost`): cheap good trials let more through, expensive
      ones fewer; with equal costs it is "promotion". Rungs are scanned top down and
      the best promotable trial goes first, as in "promotion".

    Other results continue; at `max_resource` the trial ends (a result beyond it
    stops the trial). With `brackets > 1` (asynchronous Hyperband), a new trial
    draws its bracket `b` from `RungSystem.bracket_probabilities` and skips the rungs
    below `levels[b]`; all brackets share one set of rungs. A `bracket_distribution`
    (e.g. `HyperTuneSearcher.bracket_distribution` of tunelab-gp) replaces that fixed
    distribution by one computed afresh for each new trial; it must be a function of
    state saved elsewhere (the searcher's), since the scheduler saves only its RNG.

    With `max_resource_attr`, every configuration handed out carries the level up to
    which the trial must train: `max_resource` (stopping), the next rung level
    (promotion kinds; rewritten on each resume), so that the script ends by itself.
    The promotion kinds still answer PAUSE at a rung, since the tuner can only resume
    paused trials. A searcher that returned None once is taken as exhausted: no new
    trials start, paused trials are still promoted, and `suggest` returns None when
    there is nothing to resume.

    Args:
        searcher: Proposes new configurations.
        metric: Reported metric to optimise.
        mode: "min" or "max".
        resource_attr: Resource key of results (e.g. "epoch", counted from 1).
        max_resource: Final resource level; default `config_space[max_resource_attr]`.
        max_resource_attr: Configuration key of the training script's own budget.
        grace_period: First rung level (geometric levels).
        reduction_factor: eta >= 2.
        rung_levels: Explicit rung levels instead of geometric ones.
        brackets: Number of brackets (1 = ASHA; None = one per rung level).
        kind: "stopping", "promotion" or "cost_promotion".
        seed: Seed or generator for the bracket draws.
        bracket_distribution: Called when a new trial's bracket is drawn (only with
            more than one bracket), see `BracketDistribution`; None: the fixed
            distribution of `RungSystem.bracket_probabilities`.
        cost_attr: Result key of a trial's cumulative cost, read by kind
            "cost_promotion" only (the others ignore it); default `worker_cost`, which
            `SimulatorBackend(cost_attr=...)` and `SageMakerBackend` report.
    """

    def __init__(
        self,
        searcher: Searcher,
        *,
        metric: str,
        mode: Mode = "min",
        resource_attr: str,
        max_resource: float | None = None,
        max_resource_attr: str | None = None,
        grace_period: float = 1,
        reduction_factor: float = 3,
        rung_levels: Sequence[float] | None = None,
        brackets: int | None = 1,
        kind: Kind = "stopping",
        seed: int | np.random.Generator | None = None,
        bracket_distribution: BracketDistribution | None = None,
        cost_attr: str = COST_KEY,
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(
                f"kind must be 'stopping' or 'promotion', got {kind!r}; or "
                "'cost_promotion', promotion weighed by the trials' costs"
            )
        if not isinstance(cost_attr, str) or not cost_attr:
            raise ValueError(f"cost_attr must be a non-empty string, got {cost_attr!r}")
        if kind == "cost_promotion" and not self.one_metric:
            raise ValueError(
                f"{type(self).__name__} ranks a rung on several metrics; kind "
                "'cost_promotion' weighs the costs of a rung ranked by one metric, use "
                "'stopping' or 'promotion'"
            )
        super().__init__(searcher, metric=metric, mode=mode, resource_attr=resource_attr)
        self._resource_attr = resource_attr
        self.max_resource_attr = max_resource_attr
        self.kind: Kind = kind
        self.cost_attr = cost_attr
        self.rung_system = RungSystem(
            max_resource=self._resolve_max_resource(max_resource, max_resource_attr),
            grace_period=grace_period,
            reduction_factor=reduction_factor,
            rung_levels=None if rung_levels is None else tuple(rung_levels),
            brackets=brackets,
        )
        levels = self.rung_system.levels
        self._final = len(levels) - 1
        self._top = self._final  # highest level trials may reach (PASHA lowers it)
        self._rungs = [RungResults(level) for level in levels]
        # what the trials of each rung cost to reach it (kind "cost_promotion" only)
        self._costs = [RungCosts() for _ in levels] if kind == "cost_promotion" else None
        self._level_set = set(levels)
        self._bracket_cdf = np.cumsum(self.rung_system.bracket_probabilities()).tolist()
        self._bracket_distribution = bracket_distribution
        self._rng = np.random.default_rng(seed)
        self._trials: dict[int, TrialState] = {}
        self._exhausted = False

    def _resolve_max_resource(self, max_resource: float | None, attr: str | None) -> float:
        if max_resource is not None:
            return max_resource
        space = self.config_space or {}
        value = space.get(attr) if attr is not None else None
        if attr is None or value is None or isinstance(value, Domain):
            raise ValueError(
                f"{type(self).__name__} needs max_resource, or max_resource_attr naming a "
                f"constant of the searcher's config_space; got max_resource=None and "
                f"max_resource_attr={attr!r}"
                + ("" if attr is None else f" (config_space[{attr!r}] = {value!r})")
            )
        resource: float = value
        return resource

    @property
    def max_resource(self) -> float:
        return self.rung_system.max_resource

    @property
    def rung_levels(self) -> list[float]:
        """The rung levels followed by the maximum resource (recorded in metadata)."""
        return list(self.rung_system.levels)

    def bracket_of(self, trial_id: int) -> int:
        """Bracket drawn for a trial this scheduler started."""
        return self._trials[trial_id].bracket

    # -- suggestions ---------------------------------------------------------------------

    @property
    def pauses(self) -> bool:
        """Whether trials pause at rungs and wait to be promoted (the promotion kinds)."""
        return self.kind != "stopping"

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        if self.pauses:
            promotable = self._find_promotable()
            if promotable is not None:
                return self._promote(*promotable)
        if self._exhausted:
            return None
        config = self._new_config(trial_id)
        if config is None:
            self._exhausted = True
            return None
        bracket = self._draw_bracket()
        config = dict(config)
        if self.max_resource_attr is not None:
            first = bracket if self.pauses else self._final
            config[self.max_resource_attr] = self.rung_system.levels[min(first, self._top)]
        self._trials[trial_id] = TrialState(bracket=bracket, next_index=bracket, config=config)
        return TrialSuggestion.start(config)

    def _draw_bracket(self) -> int:
        if len(self._bracket_cdf) == 1:
            return 0
        cdf = self._bracket_cdf if self._bracket_distribution is None else self._adapted_cdf()
        draw = bisect.bisect_right(cdf, float(self._rng.random()))
        return min(draw, len(cdf) - 1)

    def _adapted_cdf(self) -> list[float]:
        """Cumulative probabilities from `bracket_distribution`, checked."""
        assert self._bracket_distribution is not None
        num = len(self._bracket_cdf)
        default = self.rung_system.bracket_probabilities()
        probs = np.asarray(
            self._bracket_distribution(self.rung_system.levels[:num], default), dtype=float
        )
        if probs.shape != (num,) or not np.all(probs >= 0) or not probs.sum() > 0:
            raise ValueError(
                f"bracket_distribution must return {num} non-negative probabilities with a "
                f"positive sum, got {probs.tolist()!r}"
            )
        cdf: list[float] = np.cumsum(probs / probs.sum()).tolist()
        return cdf

    def _find_promotable(self) -> tuple[int, int] | None:
        """(trial id, rung index) of the trial to promote, scanning rungs top down."""
        for index in range(self._top - 1, -1, -1):
            best = self._best_waiting(index)
            if best is not None and self._may_promote(index, best):
                return best, index
        return None

    def _may_promote(self, index: int, trial_id: int) -> bool:
        """Whether `trial_id`, paused at rung `index`, ranks among its promotable best."""
        return self._rank(index, trial_id) < self._slots(index)

    def _promote(self, trial_id: int, index: int) -> TrialSuggestion:
        self._rungs[index].unwait(trial_id)
        state = self._trials[trial_id]
        state.phase, state.paused_at, state.next_index = "running", None, index + 1
        if self.max_resource_attr is None:
            self.searcher.register_pending(trial_id, state.config)
            return TrialSuggestion.resume(trial_id)
        state.config = {**state.config, self.max_resource_attr: self.rung_system.levels[index + 1]}
        self.searcher.register_pending(trial_id, state.config)
        return TrialSuggestion.resume(trial_id, state.config)

    # -- results -------------------------------------------------------------------------

    def on_trial_add(self, trial: Trial) -> None:
        self._state(trial).config = dict(trial.config)
        self.searcher.register_pending(trial.trial_id, trial.config)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        value, resource = self._read(trial, result)
        state = self._state(trial)
        state.config = trial.config
        levels = self.rung_system.levels
        index = state.next_index
        if resource > self.max_resource:
            return Decision.STOP
        if index > self._final or resource < levels[index]:
            if resource in self._level_set:  # a rung below the trial's bracket
                self.searcher.observe(trial.trial_id, trial.config, result)
            return Decision.CONTINUE
        self._record(index, trial.trial_id, value, result)
        state.next_index = bisect.bisect_right(levels, resource)
        self.searcher.observe(trial.trial_id, trial.config, result)
        self._after_record(index, trial.trial_id)
        if index == self._final:
            return Decision.CONTINUE
        if not self.pauses:
            return self._stop_or_continue(index, trial.trial_id)
        state.phase, state.paused_at = "paused", index
        self._rungs[index].wait(trial.trial_id)
        self.searcher.remove_pending(trial.trial_id)
        return Decision.PAUSE

    def _stop_or_continue(self, index: int, trial_id: int) -> Decision:
        slots = self._slots(index)
        if slots == 0 or self._rank(index, trial_id) < slots:
            return Decision.CONTINUE
        return Decision.STOP

    # Hooks of the rung ranking: a scheduler that ranks trials on more than the one
    # metric (MOASHA) records results and ranks them by its own order; the rung's
    # `RungResults` still keeps the metric's values and the paused trials.

    def _record(self, index: int, trial_id: int, value: float, result: dict[str, Any]) -> None:
        """Record `value` (the metric, smaller is better) of `result` at rung `index`."""
        rung = self._rungs[index]
        rung.add(trial_id, value)
        if self._costs is not None:  # `_read` checked the cost
            self._costs[index].insert(rung.rank(trial_id), trial_id, float(result[self.cost_attr]))

    def _slots(self, index: int) -> int:
        """How many of the best results of rung `index` may continue (or be promoted)."""
        if self._costs is None:
            return self.rung_system.slots(index, len(self._rungs[index]))
        return self.rung_system.slots_by_cost(index, self._costs[index].ordered())

    def _rank(self, index: int, trial_id: int) -> int:
        """0-based position of a recorded trial among the results of rung `index`."""
        return self._rungs[index].rank(trial_id)

    def _best_waiting(self, index: int) -> int | None:
        """The best trial paused at rung `index` (the first to promote), or None."""
        return self._rungs[index].best_waiting()

    def _after_record(self, index: int, trial_id: int) -> None:
        """Hook: a result of `trial_id` was just recorded at rung `index`."""

    def _new_config(self, trial_id: int) -> Config | None:
        """Hook: the configuration of new trial `trial_id`; None when there is none left.
        The searcher's by default (RUSH first hands out its seeded configurations)."""
        return self.searcher.suggest(trial_id)

    def _read(self, trial: Trial, result: dict[str, Any]) -> tuple[float, float]:
        if self._costs is not None:
            read_cost(trial, result, cost_attr=self.cost_attr, reader=type(self).__name__)
        return read_result(
            trial,
            result,
            metric=self.metric,
            mode=self.mode,
            resource_attr=self._resource_attr,
            reader=type(self).__name__,
        )

    def _state(self, trial: Trial) -> TrialState:
        state = self._trials.get(trial.trial_id)
        if state is None:  # not suggested by this scheduler: treat as bracket 0
            state = TrialState(bracket=0, next_index=0, config=dict(trial.config))
            self._trials[trial.trial_id] = state
        return state

    # -- trial ends ----------------------------------------------------------------------

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self._finish(trial)
        self.searcher.remove_pending(trial.trial_id)

    def on_trial_error(self, trial: Trial) -> None:
        self._finish(trial)
        self.searcher.on_error(trial.trial_id)

    def on_trial_remove(self, trial: Trial) -> None:
        self._finish(trial)
        self.searcher.remove_pending(trial.trial_id)

    def _finish(self, trial: Trial) -> None:
        state = self._state(trial)
        if state.paused_at is not None:
            self._rungs[state.paused_at].unwait(trial.trial_id)
        state.phase, state.paused_at = "done", None

    # -- checkpoints ---------------------------------------------------------------------

    def removable_checkpoints(self) -> list[int]:
        """Paused trials in the order their checkpoints can best be deleted.

        First those that can never be promoted (known once the searcher is
        exhausted), then the others, least promising first; see
        `checkpoints.removal_order` (by cost for "cost_promotion"). The stopping kind
        pauses nothing: [].
        """
        if not self.pauses:
            return []
        return removal_order(
            self._rungs,
            self.rung_system,
            self._trials,
            exhausted=self._exhausted,
            costs=self._costs,
        )

    # -- persistence ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "searcher": self.searcher.state_dict(),
            "rng": self._rng.bit_generator.state,
            "trials": {trial_id: s.to_tuple() for trial_id, s in self._trials.items()},
            "rungs": [rung.state_dict() for rung in self._rungs],
            "exhausted": self._exhausted,
            "top": self._top,
        }
        if self._costs is not None:  # absent otherwise: the other kinds' state is as before
            state["costs"] = [costs.state_dict() for costs in self._costs]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if len(state["rungs"]) != len(self._rungs):
            raise ValueError(
                f"saved state has {len(state['rungs'])} levels, this scheduler has "
                f"{len(self._rungs)} ({list(self.rung_system.levels)}); construct it with "
                "the settings of the saved run"
            )
        self.searcher.load_state_dict(state["searcher"])
        self._rng.bit_generator.state = state["rng"]
        self._trials = {int(t): TrialState.from_tuple(s) for t, s in state["trials"].items()}
        for rung, saved in zip(self._rungs, state["rungs"], strict=True):
            rung.load_state_dict(saved)
        self._exhausted = bool(state["exhausted"])
        self._top = int(state["top"])
        if self._costs is not None:
            if "costs" not in state:
                raise ValueError(
                    "saved state has no costs: it was not saved by kind 'cost_promotion'; "
                    "construct the scheduler with the settings of the saved run"
                )
            for costs, saved, rung in zip(self._costs, state["costs"], self._rungs, strict=True):
                costs.load_state_dict(saved, rung.trial_ids())
