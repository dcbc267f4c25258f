"""Drive any scheduler by hand, without a backend: ask for a trial, tell its results."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunelab.core.results.experiment import best_result, metric_position
from tunelab.core.results.store import CONFIG_PREFIX
from tunelab.core.scheduler import Scheduler
from tunelab.core.trial import Config, Decision, Trial, TrialStatus


class AskTell:
    """Ask/tell interface over a `Scheduler`, for evaluations run outside tunelab.

    Example:
        >>> loop = AskTell(random_search(space, metric="loss", seed=0))  # doctest: +SKIP
        >>> trial = loop.ask()                                           # doctest: +SKIP
        >>> loop.tell(trial.trial_id, {"loss": evaluate(**trial.config)}, final=True)

    `tell` returns the scheduler's `Decision`: with multi-fidelity schedulers, stop
    training the trial on STOP, pause it on PAUSE (a later `ask` may resume it).
    """

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.trials: dict[int, Trial] = {}
        self._rows: list[dict[str, Any]] = []
        self._last: dict[int, dict[str, Any]] = {}

    def ask(self) -> Trial | None:
        """The next trial to evaluate (new or resumed), or None if there is none now."""
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
            return trial
        assert suggestion.config is not None
        trial = Trial(len(self.trials), dict(suggestion.config))
        self.trials[trial.trial_id] = trial
        self.scheduler.on_trial_add(trial)
        return trial

    def tell(self, trial_id: int, result: dict[str, Any], *, final: bool = False) -> Decision:
        """Report `result` of a running trial; `final=True` also completes the trial."""
        trial = self._trial(trial_id)
        if trial.status is not TrialStatus.RUNNING:
            raise ValueError(
                f"trial {trial_id} is {trial.status.value}; results are only accepted "
                "from running trials"
            )
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
        trial = self._trial(trial_id)
        if trial_id not in self._last:
            raise ValueError(f"trial {trial_id} cannot complete before any result was told")
        trial.status = TrialStatus.COMPLETED
        self.scheduler.on_trial_complete(trial, self._last[trial_id])

    def fail(self, trial_id: int) -> None:
        """Mark a running trial as crashed."""
        trial = self._trial(trial_id)
        trial.status = TrialStatus.FAILED
        self.scheduler.on_trial_error(trial)

    def results(self) -> pd.DataFrame:
        """Every told result, one row each, with `config_<name>` columns."""
        return pd.DataFrame(self._rows)

    def best_config(self, metric: str | int = 0) -> Config:
        """Configuration of the best told result for `metric` (name or index)."""
        names, modes = self.scheduler.metric_names(), self.scheduler.metric_mode()
        index = metric_position(names, metric)
        return best_result(self.results(), metric=names[index], mode=modes[index]).config

    def _trial(self, trial_id: int) -> Trial:
        try:
            return self.trials[trial_id]
        except KeyError:
            raise KeyError(f"no trial {trial_id}; ask() creates trials") from None
