"""Drive any scheduler by hand, without a backend: ask for a trial, tell its results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from tunelab.core.results.experiment import BestResult, best_result, metric_position
from tunelab.core.results.store import CONFIG_PREFIX
from tunelab.core.scheduler import Scheduler
from tunelab.core.status import check_constraint, is_feasible
from tunelab.core.trial import Config, Decision, Trial, TrialStatus


@dataclass(frozen=True)
class AskedTrial:
    """What `AskTell.ask` hands out: a trial to run now, and how to start it.

    Attributes:
        trial: The trial; `trial.config` is what to evaluate (for a resumed trial,
            possibly updated, e.g. a larger budget in the scheduler's
            `max_resource_attr`).
        resumed: False for a new trial; True for a trial paused earlier that is to
            continue, from its own checkpoint if you kept one.
        checkpoint_from: For a new trial, the id of the trial whose checkpoint it
            must start from (Population Based Training); None to start from scratch.
        resource: For a resumed trial, the highest resource told for it so far (the
            next result should be beyond it); None if no result had a resource.
    """

    trial: Trial
    resumed: bool = False
    checkpoint_from: int | None = None
    resource: float | None = None

    @property
    def trial_id(self) -> int:
        return self.trial.trial_id

    @property
    def config(self) -> Config:
        return self.trial.config


class AskTell:
    """Ask/tell interface over a `Scheduler`, for evaluations run outside tunelab.

    Example:
        >>> loop = AskTell(random_search(space, metric="loss", seed=0))  # doctest: +SKIP
        >>> asked = loop.ask()                                           # doctest: +SKIP
        >>> loop.tell(asked.trial_id, {"loss": evaluate(**asked.config)}, final=True)

    Multi-fidelity schedulers (ASHA, Hyperband, PBT, ...) need intermediate results:
    tell one result per resource level, each with the scheduler's `resource_attr`,
    and obey the returned `Decision`: go on after CONTINUE, abandon the trial after
    STOP, interrupt it after PAUSE (keep its checkpoint: a later `ask` may return it
    with `resumed=True`). A result whose resource is not above the trial's highest
    told one (a trial resumed without checkpoint repeats them) is skipped: it
    returns CONTINUE without reaching the scheduler, as in the tuner.

    Args:
        scheduler: Decides what to run and what happens to each trial.
        constraint: A told metric that a result satisfies when <= 0 (as in Syne Tune):
            `best_trial` and `best_config` then count feasible results only (a result
            without a numeric value for it is infeasible); None counts every result.
    """

    def __init__(self, scheduler: Scheduler, *, constraint: str | None = None) -> None:
        self.scheduler = scheduler
        self.constraint = check_constraint(constraint)
        self.trials: dict[int, Trial] = {}
        self._rows: list[dict[str, Any]] = []
        self._last: dict[int, dict[str, Any]] = {}
        self._max_resource: dict[int, float] = {}

    def ask(self) -> AskedTrial | None:
        """The next trial to run, new or resumed, or None if the scheduler has none now.

        A multi-fidelity scheduler may have nothing now but something later (after
        more results are told): None is not necessarily the end.
        """
        suggestion = self.scheduler.suggest(len(self.trials))
        if suggestion is None:
            return None
        if suggestion.resume_trial_id is not None:
            trial = self._trial(suggestion.resume_trial_id)
            if trial.status is not TrialStatus.PAUSED:
                raise RuntimeError(
                    f"scheduler asked to resume trial {trial.trial_id}, which is "
                    f"{trial.status.value}, not paused"
                )
            if suggestion.config is not None:
                trial.config = dict(suggestion.config)
            trial.status = TrialStatus.RUNNING
            return AskedTrial(trial, resumed=True, resource=self._max_resource.get(trial.trial_id))
        assert suggestion.config is not None
        source = suggestion.checkpoint_from
        if source is not None and source not in self.trials:
            raise RuntimeError(
                f"scheduler asked to start a trial from the checkpoint of trial {source}, "
                "which does not exist"
            )
        trial = Trial(len(self.trials), dict(suggestion.config), checkpoint_from=source)
        self.trials[trial.trial_id] = trial
        self.scheduler.on_trial_add(trial)
        return AskedTrial(trial, checkpoint_from=source)

    def tell(self, trial_id: int, result: dict[str, Any], *, final: bool = False) -> Decision:
        """Report `result` of a running trial; `final=True` also completes the trial
        (unless the scheduler stops or pauses it on this result)."""
        trial = self._running(trial_id, "results are only accepted from running trials")
        if self._is_repeat(trial_id, result):
            if final:
                self.complete(trial_id)
            return Decision.CONTINUE
        decision = self.scheduler.on_trial_result(trial, result)
        self._last[trial_id] = dict(result)
        self._rows.append(
            {
                **result,
                "trial_id": trial_id,
                "decision": decision.value,
                **{CONFIG_PREFIX + key: value for key, value in trial.config.items()},
            }
        )
        if decision is Decision.STOP:
            trial.status = TrialStatus.STOPPED
            self.scheduler.on_trial_remove(trial)
        elif decision is Decision.PAUSE:
            trial.status = TrialStatus.PAUSED
        elif final:
            self.complete(trial_id)
        return decision

    def complete(self, trial_id: int) -> None:
        """Mark a running trial as ended by itself, with its last told result."""
        trial = self._running(trial_id, "only a running trial can complete")
        if trial_id not in self._last:
            raise ValueError(f"trial {trial_id} cannot complete before any result was told")
        trial.status = TrialStatus.COMPLETED
        self.scheduler.on_trial_complete(trial, self._last[trial_id])

    def fail(self, trial_id: int) -> None:
        """Mark a running trial as crashed."""
        trial = self._running(trial_id, "only a running trial can fail")
        trial.status = TrialStatus.FAILED
        self.scheduler.on_trial_error(trial)

    def results(self) -> pd.DataFrame:
        """Every told result, one row each, with `config_<name>` columns."""
        table: pd.DataFrame = pd.DataFrame(self._rows)
        return table

    def best_trial(self, metric: str | int = 0) -> Trial:
        """The trial that told the best (feasible) result for `metric` (name or index)."""
        return self.trials[self._best(metric).trial_id]

    def best_config(self, metric: str | int = 0) -> Config:
        """Configuration of the best (feasible) told result for `metric` (name or
        index), as it was when that result was told."""
        return self._best(metric).config

    def _best(self, metric: str | int) -> BestResult:
        """The best told result for `metric`, among the feasible ones with a constraint.

        Raises:
            ValueError: No result has a value for `metric`, or none is feasible.
        """
        names, modes = self.scheduler.metric_names(), self.scheduler.metric_mode()
        index = metric_position(names, metric)
        results = self.results()
        if self.constraint is not None:
            feasible = [is_feasible(row, self.constraint) for row in self._rows]
            if not any(feasible):
                raise ValueError(
                    f"no told result is feasible: the constraint {self.constraint!r} <= 0 "
                    f"holds for none of the {len(feasible)} results (a result without a "
                    "value for it counts as infeasible)"
                )
            results = results[feasible]
        return best_result(results, metric=names[index], mode=modes[index])

    def _is_repeat(self, trial_id: int, result: dict[str, Any]) -> bool:
        attr = self.scheduler.resource_attr
        value = None if attr is None else result.get(attr)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if value <= self._max_resource.get(trial_id, float("-inf")):
            return True
        self._max_resource[trial_id] = float(value)
        return False

    def _running(self, trial_id: int, expectation: str) -> Trial:
        trial = self._trial(trial_id)
        if trial.status is not TrialStatus.RUNNING:
            raise ValueError(f"trial {trial_id} is {trial.status.value}; {expectation}")
        return trial

    def _trial(self, trial_id: int) -> Trial:
        try:
            return self.trials[trial_id]
        except KeyError:
            raise KeyError(f"no trial {trial_id}; ask() creates trials") from None
