"""Synchronous successive halving and Hyperband (pause at full rungs, resume the best)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tunelab.core.schedulers._forwarding import RungArguments
from tunelab.core.schedulers.synchronous._base import (
    SynchronousBracketScheduler,
    resolve_max_resource,
)
from tunelab.core.schedulers.synchronous._state import BracketState
from tunelab.core.schedulers.synchronous.brackets import (
    Bracket,
    BracketLike,
    geometric_brackets,
    to_bracket,
)
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Config, Mode, TrialSuggestion

if TYPE_CHECKING:
    from typing_extensions import Unpack


def _brackets_argument(brackets: object) -> list[Bracket] | None:
    """The explicit brackets of `brackets`, or None for a geometric count (int/None)."""
    if brackets is None or (isinstance(brackets, int) and not isinstance(brackets, bool)):
        return None
    if isinstance(brackets, (str, bytes)) or not isinstance(brackets, Sequence) or not brackets:
        raise ValueError(
            "brackets must be None (all geometric brackets), an int (that many) or a "
            f"non-empty list of Bracket / (size, level) pair lists, got {brackets!r}"
        )
    return [to_bracket(bracket) for bracket in brackets]


class SynchronousHyperbandScheduler(SynchronousBracketScheduler):
    """Synchronous Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to
    Hyperparameter Optimization", JMLR 2018); one bracket is successive halving
    (Jamieson & Talwalkar, AISTATS 2016).

    Each bracket has rungs of fixed size: rung 0 gets new configurations from the
    searcher, run up to its level and paused there (`Decision.PAUSE`). Only when every
    trial of a rung has reported (the synchronous barrier) are the best `size` of the
    next rung promoted: resumed, best first, to the next level (ties: smaller trial id
    first). Trials that fail, are stopped, end below their level or report a NaN
    metric count as finished with the worst value and are never promoted. The last
    rung's trials continue to their end (at `max_resource`) or are stopped at a lower
    last level.

    Worker filling: a free worker takes the next free slot of the oldest unfinished
    bracket (a promotion, or a new trial in rung 0); if every open bracket waits at
    its barrier, it starts the next bracket (brackets cycle in order). Workers thus
    never idle while anything can run.

    With `max_resource_attr`, every trial's `config[max_resource_attr]` is set to the
    level of the rung it is started or resumed for, so the training code stops there
    by itself. When the searcher is exhausted, the rung 0 of open brackets is closed
    with the trials it has (later rungs scaled down alike), no bracket is opened, and
    promotions continue until every bracket has finished; then `suggest` returns None.

    Args:
        searcher: Proposes the configurations of new trials; it observes each result
            at a rung level.
        metric: Metric to optimise, reported with every result.
        mode: "min" or "max".
        resource_attr: Resource key of results (e.g. "epoch"); a number in each one.
        max_resource: Highest resource level; default `config_space[max_resource_attr]`
            of the searcher (a constant), or for explicit brackets their highest level.
        max_resource_attr: Configuration key of the training code's own budget.
        grace_period: Lowest rung level r_min of geometric brackets.
        reduction_factor: Ratio eta of successive geometric levels, >= 2.
        brackets: None for every geometric bracket (Hyperband), an int for the first
            that many (1 = successive halving, see `geometric_brackets`), or explicit
            brackets: a list of `Bracket` or of `(size, level)` pair lists, run in
            turn (then `grace_period` and `reduction_factor` are unused).
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
        brackets: int | Sequence[BracketLike] | None = None,
    ) -> None:
        explicit = _brackets_argument(brackets)
        top = resolve_max_resource(searcher, max_resource, max_resource_attr)
        if explicit is not None:
            top = max(b.levels[-1] for b in explicit) if top is None else top
        elif top is None:
            raise ValueError(
                "the highest resource level is unknown: pass max_resource=<level> or "
                "max_resource_attr=<constant key of the searcher's config_space>"
            )
        else:
            assert brackets is None or isinstance(brackets, int)
            explicit = self._geometric(grace_period, top, reduction_factor, brackets)
        super().__init__(
            searcher,
            metric=metric,
            mode=mode,
            resource_attr=resource_attr,
            max_resource=top,
            max_resource_attr=max_resource_attr,
            brackets=explicit,
        )
        self._configs: dict[int, Config] = {}

    def _geometric(
        self, grace_period: float, top: float, reduction_factor: float, count: int | None
    ) -> list[Bracket]:
        """The brackets run for `brackets=count` (an int or None): Hyperband's first
        `count` (`geometric_brackets`)."""
        return geometric_brackets(
            min_resource=grace_period,
            max_resource=top,
            reduction_factor=reduction_factor,
            num_brackets=count,
        )

    def removable_checkpoints(self) -> list[int]:
        """Paused trials by how unlikely a resume is: first those never to be resumed
        (not promoted), then those waiting at a barrier, worst first, then those
        promoted but not resumed yet, the lowest ranked first."""
        waiting: list[tuple[float, int]] = []
        promoted: list[int] = []
        for state in self._manager.active.values():
            if not self._resumes_trials(state):
                continue
            for slot, (trial_id, loss) in enumerate(
                zip(state.trial_ids, state.values, strict=True)
            ):
                if trial_id is None:
                    continue
                if loss is None and slot >= state.handed_out and state.rung > 0:
                    promoted.append(trial_id)
                elif loss is not None and loss == loss and not state.is_last_rung:
                    waiting.append((-loss, trial_id))
        return self._removable + [t for _, t in sorted(waiting)] + promoted[::-1]

    def _resumes_trials(self, state: BracketState) -> bool:
        """Whether trials of `state` pause at its rungs (and may be resumed)."""
        return True

    def _propose(self, state: BracketState, trial_id: int) -> TrialSuggestion | None:
        promoted = state.trial_ids[state.handed_out]
        if promoted is not None:
            config = self._with_level(self._configs[promoted], state.level)
            self._configs[promoted] = config
            self.searcher.register_pending(promoted, config)
            if self.max_resource_attr is None:
                return TrialSuggestion.resume(promoted)
            return TrialSuggestion.resume(promoted, config)
        suggested = self.searcher.suggest(trial_id)
        if suggested is None:
            return None
        config = self._with_level(suggested, state.level)
        self._configs[trial_id] = config
        return TrialSuggestion.start(config)

    def _record(self, state: BracketState, slot: int, trial_id: int, loss: float) -> None:
        state.occupy(slot, loss)
        if state.is_last_rung or loss != loss:  # NaN: never resumed
            self._configs.pop(trial_id, None)

    def _next_rung(self, state: BracketState) -> list[int | None]:
        ranked = [state.trial_ids[slot] for slot in state.ranking()]
        size = state.sizes[state.rung + 1]
        scored = set(ranked)
        # Trials left behind, and those with a NaN metric (paused but never promoted).
        for trial_id in ranked[size:] + [t for t in state.trial_ids if t not in scored]:
            if trial_id is not None:
                self._configs.pop(trial_id, None)
                self._removable.append(trial_id)
        return list(ranked[:size])

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "configs": {k: dict(v) for k, v in self._configs.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._configs = {int(k): dict(v) for k, v in state["configs"].items()}


class SynchronousSuccessiveHalving(SynchronousHyperbandScheduler):
    """Synchronous successive halving (Jamieson & Talwalkar, AISTATS 2016; Karnin et
    al., ICML 2013): `SynchronousHyperbandScheduler` with its first geometric bracket
    only, repeated. With r_min=1, r_max=27, eta=3 each round runs 27 trials to 1, the
    best 9 to 3, the best 3 to 9 and the best one to 27.

    Args: as `SynchronousHyperbandScheduler`, without `brackets`.
    """

    def __init__(self, searcher: Searcher, **rungs: Unpack[RungArguments]) -> None:
        super().__init__(searcher, brackets=1, **rungs)
