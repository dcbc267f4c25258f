"""What the tracking callbacks share: turning results into logged values, the
best-so-far curve, catching up after a resume, and switching off after an error.

A subclass writes to one tracking tool; this base decides *what* is written and
*when*, so that TensorBoard and MLflow show the same numbers:

- every numeric value of a result (NaN and `worker_timestamp` left out), at the step
  of the scheduler's resource attribute when the result holds a whole number there,
  else at the result's position in its trial (1, 2, ...);
- the best value so far of each optimised metric (feasible results only when the
  experiment names a constraint), at the step of the whole seconds of tuner time,
  logged when it improves: the previous best then the new one, so the curve is the
  staircase it is;
- exactly once: the tool's own record says how many results of each trial it holds
  (`_attach`), results the tuner hands over again after a resume are skipped, and
  results the experiment saved but the tool never got (it had not flushed when the
  run was killed) are logged on resume from the results table.

An exception inside a hook (the tracking library's, or a full disk) never reaches
the tuner: the callback warns once (`TrackingWarning`), stops logging, and tuning
goes on; the results are in the experiment folder either way.
"""

from __future__ import annotations

import math
import time
import warnings
from abc import abstractmethod
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from tunelab.core.callbacks import TunerCallback
from tunelab.core.reporter import WORKER_TIMESTAMP
from tunelab.core.results.store import CONFIG_PREFIX, DECISION_TIME
from tunelab.core.trial import Decision, Mode, Trial, TrialStatus, as_number

if TYPE_CHECKING:
    from tunelab.core.tuner import Tuner

_NOT_LOGGED = frozenset({WORKER_TIMESTAMP})
"""A Unix timestamp: the tools record their own wall time."""
_TUNER_COLUMNS = frozenset({"trial_id", "tuner_time", "decision", "status", DECISION_TIME})
"""Columns of results.parquet that the tuner writes, not the trial."""


class TrackingWarning(RuntimeWarning):
    """A tracking callback hit an error and stopped logging; tuning went on."""


def logged_values(result: dict[str, Any]) -> dict[str, float]:
    """The values of `result` that the tracking callbacks log: its numbers (booleans,
    NaN and `worker_timestamp` left out), as floats."""
    values = {}
    for key, value in result.items():
        number = as_number(value)
        if number is None or isinstance(number, bool) or key in _NOT_LOGGED:
            continue
        number = float(number)
        if not math.isnan(number):
            values[key] = number
    return values


def reported_values(row: dict[str, Any]) -> dict[str, float]:
    """`logged_values` of a row of results.parquet: what the trial reported, without
    the tuner's columns and the configuration."""
    return logged_values(
        {
            key: value
            for key, value in row.items()
            if key not in _TUNER_COLUMNS and not key.startswith(CONFIG_PREFIX)
        }
    )


def check_interval(name: str, value: float) -> float:
    """`value` as seconds >= 0, else a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name}={value!r}: expected a number of seconds >= 0")
    return float(value)


def library_missing(owner: str, module: str, extra: str) -> ImportError:
    """The error raised when a callback's library is not installed."""
    return ImportError(
        f"{owner} needs the {module!r} package: install it with pip install 'tunelab-core[{extra}]'"
    )


class TrackingCallback(TunerCallback):
    """Base of the callbacks that copy results to a tracking tool (see the module).

    Subclasses implement the `_attach` ... `_abandon` methods; the tuner's hooks are
    implemented here and never raise.

    Attributes:
        flush_interval: Real seconds between two flushes to the tool (a flush also
            happens when a trial ends and when tuning ends).
        enabled: False once an error switched the callback off for this run.
    """

    tool: str = "the tracking tool"

    def __init__(self, *, flush_interval: float) -> None:
        self.flush_interval = check_interval("flush_interval", flush_interval)
        self.enabled = True
        self._tuner: Tuner | None = None
        self._objectives: list[tuple[str, Mode]] = []
        self._constraint: str | None = None
        self._resource_attr: str | None = None
        self._counts: dict[int, int] = {}  # results seen per trial
        self._logged: dict[int, int] = {}  # results the tool holds per trial
        self._best: dict[str, float] = {}
        self._last_flush = 0.0

    # -- the tuner's hooks --------------------------------------------------------------

    def on_tuning_start(self, tuner: Tuner) -> None:
        self.enabled = True
        self._tuner = tuner
        self._guard("start", self._start, tuner)

    def on_trial_start(self, trial: Trial) -> None:
        self._guard(f"the start of trial {trial.trial_id}", self._trial_running, trial)

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self._guard(f"a result of trial {trial.trial_id}", self._result, trial, result, decision)

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self._guard(f"the end of trial {trial.trial_id}", self._end_trial, trial, None)

    def on_trial_error(self, trial: Trial, error: str) -> None:
        self._guard(f"the failure of trial {trial.trial_id}", self._end_trial, trial, error)

    def on_tuning_end(self, tuner: Tuner) -> None:
        self._guard("the end of tuning", self._finish, tuner)

    # -- what subclasses implement ------------------------------------------------------

    @abstractmethod
    def _attach(self, tuner: Tuner, *, resumed: bool) -> dict[int, int]:
        """Open the destination for `tuner`'s experiment. With `resumed`, reattach to
        what an earlier run of it wrote and return how many results of each trial the
        tool holds; otherwise start afresh (dropping what an earlier attempt that
        saved nothing wrote) and return {}."""

    @abstractmethod
    def _log_result(self, trial: Trial, values: dict[str, float], step: int) -> None:
        """Log one result's `values` (at least one) for `trial` at `step`."""

    @abstractmethod
    def _log_best(self, metric: str, values: list[float], step: int) -> None:
        """Log the best-so-far curve of `metric`: `values` (in order) at `step`."""

    @abstractmethod
    def _trial_running(self, trial: Trial) -> None:
        """`trial` started or resumed."""

    @abstractmethod
    def _trial_paused(self, trial: Trial) -> None:
        """`trial` was paused; it may resume later."""

    @abstractmethod
    def _trial_ended(self, trial: Trial, error: str | None) -> None:
        """`trial` completed, was stopped or failed (`trial.status`). Called again for
        finished trials after a resume: do nothing for those already ended."""

    @abstractmethod
    def _flush(self) -> None:
        """Make everything logged so far durable, with the counts of `_logged`."""

    @abstractmethod
    def _close(self, tuner: Tuner, best: dict[str, dict[str, Any]]) -> None:
        """Tuning ended (`tuner.setup.metadata["status"]`): log `best` (per optimised
        metric: its best row of the results, see `_best_rows`) and close."""

    @abstractmethod
    def _abandon(self) -> None:
        """Release what is open after an error, without raising."""

    # -- the shared logic ---------------------------------------------------------------

    @property
    def tuner(self) -> Tuner:
        if self._tuner is None:
            raise RuntimeError(f"{type(self).__name__} is used before tuning started")
        return self._tuner

    def _guard(self, what: str, action: Callable[..., None], *args: Any) -> None:
        if not self.enabled:
            return
        try:
            action(*args)
        except Exception as error:
            self.enabled = False
            with suppress(Exception):
                self._abandon()
            where = "" if self._tuner is None else f"; every result is in {self._tuner.path}"
            warnings.warn(
                f"{type(self).__name__} stopped logging to {self.tool} after an error at "
                f"{what}: {type(error).__name__}: {error}. Tuning goes on{where}",
                TrackingWarning,
                stacklevel=3,
            )

    def _start(self, tuner: Tuner) -> None:
        scheduler = tuner.scheduler
        self._objectives = list(zip(scheduler.metric_names(), scheduler.metric_mode(), strict=True))
        self._resource_attr = scheduler.resource_attr
        constraint = tuner.setup.metadata.get("constraint")
        self._constraint = constraint if isinstance(constraint, str) else None
        self._counts, self._best = {}, {}
        resumed = tuner.setup.resume and tuner.store.has_results()
        self._logged = dict(self._attach(tuner, resumed=resumed))
        if resumed:
            self._catch_up(tuner)
        self._flush_now()

    def _catch_up(self, tuner: Tuner) -> None:
        """Take in the saved results, logging those the tool does not hold; end the
        trials that finished and put the paused ones aside."""
        for trial_id, tuner_time, result in _saved_results(tuner):
            trial = tuner.trials.get(trial_id)
            if trial is None:
                trial = Trial(trial_id, {}, status=TrialStatus.RUNNING)
            self._take(trial, result, tuner_time)
        for trial in tuner.trials.values():
            if trial.status.is_finished:
                self._trial_ended(trial, None)
            elif trial.status is TrialStatus.PAUSED:
                self._trial_paused(trial)

    def _result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self._take(trial, result, self.tuner.status.tuner_time)
        if decision is Decision.STOP:
            self._trial_ended(trial, None)
        elif decision is Decision.PAUSE:
            self._trial_paused(trial)
        self._maybe_flush()

    def _take(self, trial: Trial, result: dict[str, Any], tuner_time: float) -> None:
        """Count `result` and log it unless the tool holds it already."""
        trial_id = trial.trial_id
        index = self._counts.get(trial_id, 0)
        self._counts[trial_id] = index + 1
        fresh = index >= self._logged.get(trial_id, 0)
        values = logged_values(result)
        if fresh:
            if values:
                self._log_result(trial, values, self._step(values, index))
            self._logged[trial_id] = index + 1
        if self._feasible(values):
            for metric, mode in self._objectives:
                self._observe_best(metric, mode, values.get(metric), tuner_time, log=fresh)

    def _step(self, values: dict[str, float], index: int) -> int:
        level = None if self._resource_attr is None else values.get(self._resource_attr)
        if level is not None and math.isfinite(level) and level.is_integer():
            return int(level)
        return index + 1

    def _feasible(self, values: dict[str, float]) -> bool:
        return self._constraint is None or values.get(self._constraint, math.inf) <= 0.0

    def _observe_best(
        self, metric: str, mode: Mode, value: float | None, tuner_time: float, *, log: bool
    ) -> None:
        if value is None:
            return
        previous = self._best.get(metric)
        if previous is not None and (value >= previous if mode == "min" else value <= previous):
            return
        self._best[metric] = value
        if log:
            values = [value] if previous is None else [previous, value]
            self._log_best(metric, values, int(max(tuner_time, 0.0)))

    def _end_trial(self, trial: Trial, error: str | None) -> None:
        self._trial_ended(trial, error)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self._flush_now()

    def _flush_now(self) -> None:
        self._flush()
        self._last_flush = time.monotonic()

    def _finish(self, tuner: Tuner) -> None:
        self._flush_now()
        self._close(tuner, _best_rows(tuner, self._objectives))


def _saved_results(tuner: Tuner) -> Iterator[tuple[int, float, dict[str, Any]]]:
    """(trial id, tuner time, result) of every saved row, in the order recorded."""
    results = tuner.store.results()
    if results.empty:
        return
    reported = [
        column
        for column in results.columns
        if column not in _TUNER_COLUMNS and not str(column).startswith(CONFIG_PREFIX)
    ]
    rows = results[["trial_id", "tuner_time", *reported]].to_dict("records")
    for row in rows:
        trial_id, tuner_time = int(row.pop("trial_id")), float(row.pop("tuner_time"))
        yield trial_id, tuner_time, row


def _best_rows(tuner: Tuner, objectives: list[tuple[str, Mode]]) -> dict[str, dict[str, Any]]:
    """Per optimised metric, the row of its best (feasible) result, as the results
    API defines it; metrics without any value are left out."""
    from tunelab.core.results.experiment import Experiment

    experiment = Experiment(
        path=tuner.path, metadata=tuner.setup.metadata, results=tuner.store.results()
    )
    rows = {}
    for metric, _ in objectives:
        try:
            rows[metric] = experiment.best_result(metric).row
        except ValueError:  # no value for it yet, or no feasible result
            continue
    return rows
