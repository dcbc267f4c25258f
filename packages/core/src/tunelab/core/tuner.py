"""The tuning loop: runs a scheduler's trials on a backend until a stopping criterion."""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from tunelab.core._checkpoint_removal import CheckpointRemover, RemovedCheckpoint
from tunelab.core._screening import ResultScreen
from tunelab.core.backends.base import Backend
from tunelab.core.callbacks import ProgressPrinter, TunerCallback
from tunelab.core.results.experiment import TRIALS_FILE, Experiment, trials_table
from tunelab.core.results.io import write_parquet_atomic
from tunelab.core.results.lock import ExperimentLock
from tunelab.core.results.store import CONFIG_PREFIX, DECISION_TIME, ExperimentStore
from tunelab.core.scheduler import Scheduler
from tunelab.core.status import COST_KEY, TuningStatus
from tunelab.core.stopping import StopCondition, StoppingCriterion
from tunelab.core.trial import (
    Config,
    Decision,
    Trial,
    TrialStatus,
    TrialUpdate,
)
from tunelab.core.tuner_setup import (
    ExperimentSetup,
    TunerOptions,
    constraint_of,
    prepare_experiment,
)

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
# Written by the tuner: a key of the same name in a reported result is not recorded.
_RESERVED_COLUMNS = ("trial_id", "tuner_time", "decision", "status", DECISION_TIME)
_RESERVED = frozenset(_RESERVED_COLUMNS)
# `TuningStatus` counter of the trials in each state, by the state's value
_COUNTERS = {status.value: f"num_trials_{status.value}" for status in TrialStatus}
# Measures the real time of scheduler calls (a module attribute, so tests can replace it).
_decision_timer = time.perf_counter

__all__ = ["RemovedCheckpoint", "TooManyFailuresError", "Tuner", "TunerOptions"]


class TooManyFailuresError(RuntimeError):
    """Raised by `Tuner.run` when `max_failures` trials have crashed."""


class Tuner:
    """Runs trials suggested by `scheduler` on `backend`, `n_workers` at a time.

    Results go to `path` as they arrive (the format of `tunelab.core.results`), and
    the final status of every trial to `trials.parquet` beside them. When `path`
    holds an experiment that did not complete (killed, interrupted, crashed), `run`
    resumes it: every saved result is kept, trial ids continue, and the scheduler
    continues from its saved state. Results that trials reported after the last
    save and that the backend still has (`Backend.logged_results`, e.g. the trial's
    log) are recorded first, through the scheduler; then the trials that were
    running are resumed, and results they report again are skipped (by resource
    level, or by count for a trial without checkpoint), so that no result is lost
    or recorded twice. Construct the resumed tuner with the same scheduler
    settings as the original one. `run` takes the experiment folder's lock and
    checks the folder again, so a tuner built before another one ran in the same
    folder resumes that run (or refuses a completed one) instead of overwriting it.

    With `extend=True`, a completed experiment in `path` continues from where it
    ended, until the (larger) stopping criterion holds: its results are kept,
    the clock continues from the end of the run, trials that were still running at
    the end resume from their checkpoints and paused ones stay resumable, as if the
    experiment had been interrupted at its end. metadata.json's `extended` lists
    each extension (when, and the budget and stop reason before it).

    A reported value that a results table cannot hold, or that the scheduler cannot
    use (a string metric, a list, an integer too large for a float), is not
    recorded: the tuner warns once per trial and key, records NaN for a metric (and
    passes NaN to the scheduler, which ranks it like a diverged result) and leaves
    other keys out of the row; integers beyond 64 bits are recorded as floats. A
    result whose resource attribute is unusable is recorded but not shown to the
    scheduler.

    A scheduler may start a trial from another trial's checkpoint
    (`TrialSuggestion.start(config, checkpoint_from=i)`): the tuner has the backend
    copy it (`Backend.copy_checkpoint`) before the trial starts, and records the
    source in `Trial.checkpoint_from`. `TunerOptions.checkpoint_removal` deletes
    checkpoints that are no longer needed.

    Every call to the scheduler is timed (real time): each result row records the
    decision time spent since the previous row (`decision_time`), and metadata.json
    the total (`decision_seconds`). The clock is handed the same time; a simulated
    clock may charge it (see `SimulatorBackend`'s `charge_decision_time`).

    Args:
        backend: Runs the trials.
        scheduler: Decides which configurations run and when they pause or stop.
        stop_criterion: A `StoppingCriterion` or any callable on `TuningStatus`.
        n_workers: Trials that run at the same time.
        path: Experiment folder. Default: `$TUNELAB_RESULTS/<name>` (or
            `./tunelab-results/<name>`), `<name>` from the backend (script or function
            name); when that folder holds a completed experiment, a fresh sibling
            `<name>-2`, `<name>-3`, ... is used instead.
        callbacks: Hooks called during tuning, in order.
        metadata: Extra entries for metadata.json (e.g. benchmark, seed, study).
        options: Loop settings, see `TunerOptions`.
        extend: Continue a completed experiment in `path` (which must be given) with
            this run's stopping criterion; a criterion that the completed experiment
            already meets is refused. Without a completed experiment in `path` it
            changes nothing: an unfinished one resumes, an empty folder starts anew.
        constraint: A reported metric that a result satisfies when <= 0 (as in Syne
            Tune): the best result (`best_config`, the best value printed, metric
            thresholds of the stopping criterion) counts feasible results only, and
            metadata.json records it as `constraint`, so that the loaded experiment
            does too. `metadata={"constraint": ...}` names it as well; None (default)
            takes that one, if any.
    """

    def __init__(
        self,
        *,
        backend: Backend,
        scheduler: Scheduler,
        stop_criterion: StopCondition,
        n_workers: int = 1,
        path: str | Path | None = None,
        callbacks: Sequence[TunerCallback] = (),
        metadata: dict[str, Any] | None = None,
        options: TunerOptions | None = None,
        extend: bool = False,
        constraint: str | None = None,
    ) -> None:
        if not isinstance(backend, Backend):
            raise TypeError(f"backend must be a tunelab Backend, got {type(backend).__name__}")
        if not isinstance(scheduler, Scheduler):
            raise TypeError(
                f"scheduler must be a tunelab Scheduler, got {type(scheduler).__name__}"
            )
        if not callable(stop_criterion):
            raise TypeError(f"stop_criterion must be callable, got {stop_criterion!r}")
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be an integer >= 1, got {n_workers!r}")
        if extend and path is None:
            raise ValueError(
                "extend=True needs the path of the experiment to extend; the default path "
                "never reuses a completed experiment's folder"
            )
        self.extend = bool(extend)
        self.backend = backend
        self.scheduler = scheduler
        self.stop_criterion = stop_criterion
        self.n_workers = n_workers
        self.options = options or TunerOptions()
        self.callbacks: list[TunerCallback] = list(callbacks)
        if self.options.progress_interval is not None:
            self.callbacks.append(ProgressPrinter(interval=self.options.progress_interval))
        self._user_metadata = metadata
        self.constraint = constraint_of(constraint, metadata)
        self._path_given = path is not None
        self.setup = self._prepare(path)
        self.path = self.setup.path
        self.store = ExperimentStore(self.path)
        self.status = TuningStatus(constraint=self.constraint)
        self.trials: dict[int, Trial] = {}
        self._next_trial_id = 0
        self._failures = 0
        self._time_offset = 0.0
        self._decision_seconds = 0.0
        self._unrecorded_decision_seconds = 0.0  # spent since the last recorded row
        self._reserved_reported: set[str] = set()
        self._last_result: dict[int, dict[str, Any]] = {}
        # the latest `COST_KEY` result of each trial, also one a restart repeats: the
        # cost a trial spent redoing lost work counts toward `status.cost`
        self._cost_basis: dict[int, dict[str, Any]] = {}
        self._max_resource: dict[int, float] = {}
        self._errors: dict[int, str] = {}
        self._end_times: dict[int, float] = {}  # tuner time at which a trial finished
        self._num_rows: dict[int, int] = {}  # rows recorded per trial
        self._received: dict[int, int] = {}  # results taken in per trial (= log position)
        self._unreplayed: dict[int, list[dict[str, Any]]] = {}  # logged, not taken in yet
        self._restored: set[int] = set()  # trials of the saved state not restarted yet
        self._repeats_left: dict[int, int] = {}  # results a restarted trial reports again
        self._run_start: dict[int, float] = {}  # tuner time of a trial's last (re)start
        self._screen = ResultScreen()  # what of each result is recorded and shown
        self._config_columns: dict[tuple[str, ...], tuple[str, ...]] = {}  # names -> columns
        self._clock = backend.clock
        self._start = 0.0
        self._checkpoints = CheckpointRemover(
            mode=self.options.checkpoint_removal, max_kept=self.options.max_kept_checkpoints
        )

    # -- public API ---------------------------------------------------------------------

    def run(self) -> None:
        """Tune until the stopping criterion holds or the scheduler has nothing left.

        Raises:
            TooManyFailuresError: If `options.max_failures` trials crashed.
        """
        outcome, reason = "failed", "error"
        self._lock = self._claim()
        try:
            self._open()
        except BaseException:
            self._lock.release()
            raise
        try:
            reason = self._loop()
            outcome = "complete"
        except KeyboardInterrupt:
            outcome, reason = "interrupted", "interrupted by the user"
            raise
        except TooManyFailuresError as error:
            reason = str(error)
            raise
        except BaseException as error:
            reason = f"{type(error).__name__}: {error}"
            raise
        finally:
            self._close(outcome, reason)

    def best_config(self, metric: str | int = 0) -> Config:
        """Configuration of the best result so far for `metric` (name or index), among
        the feasible ones with a `constraint` (as the loaded experiment counts them).

        Raises:
            ValueError: No result has a value for `metric`, or none is feasible.
        """
        described = {
            **self.setup.metadata,
            "metric": self.scheduler.metric_names(),
            "mode": self.scheduler.metric_mode(),
        }
        return Experiment(self.path, described, self.store.results()).best_config(metric)

    def results(self) -> Any:
        """All results so far as a pandas DataFrame (one row per reported result)."""
        return self.store.results()

    @property
    def decision_seconds(self) -> float:
        """Real seconds the scheduler spent deciding so far (resumed runs included)."""
        return self._decision_seconds

    @property
    def removed_checkpoints(self) -> list[RemovedCheckpoint]:
        """Checkpoints deleted so far (see `TunerOptions.checkpoint_removal`), oldest first."""
        return list(self._checkpoints.removed)

    @property
    def resumed_without_checkpoint(self) -> list[int]:
        """Ids of trials resumed after their checkpoint was deleted (they restarted)."""
        return list(self._checkpoints.resumed_without_checkpoint)

    # -- loop ---------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock.time() - self._start

    def _prepare(self, path: str | Path | None) -> ExperimentSetup:
        return prepare_experiment(
            path=path,
            backend=self.backend,
            scheduler=self.scheduler,
            stop_criterion=self.stop_criterion,
            n_workers=self.n_workers,
            user_metadata=self._user_metadata,
            extend=self.extend,
            constraint=self.constraint,
        )

    def _claim(self) -> ExperimentLock:
        """Lock the experiment folder, then look at it again: another tuner may have
        run in it since this one was built. A completed experiment is refused (or,
        for a default path, a fresh sibling folder is taken); an unfinished one is
        resumed."""
        while True:
            lock = ExperimentLock(self.path)
            try:
                self.setup = self._prepare(self.path)
                return lock
            except FileExistsError:
                lock.release()
                if self._path_given:
                    raise
            except BaseException:
                lock.release()
                raise
            self.setup = self._prepare(None)
            logger.info("%s was completed meanwhile; using %s", self.path, self.setup.path)
            self.path = self.setup.path
            self.store = ExperimentStore(self.path)

    def _open(self) -> None:
        state = self.store.load() if self.setup.resume else None
        if state is not None:
            self._restore(state)
            if self.setup.extending and self.stop_criterion(self.status):
                raise ValueError(
                    f"the complete experiment in {self.path} already meets the stopping "
                    f"criterion {self.setup.metadata['budget']}; extending it needs a "
                    "larger budget"
                )
        elif self.setup.extending:
            raise ValueError(
                f"the complete experiment in {self.path} has no saved tuner state to "
                "continue from; it cannot be extended"
            )
        else:
            shutil.rmtree(self.path / "trials", ignore_errors=True)
        self.store.write_metadata(self.setup.metadata)
        self._remove_stale_trial_folders()
        self.backend.set_path(self.path)
        self._start = self._clock.time() - self._time_offset
        # Nothing to save yet: a run killed before its first save starts afresh.
        self._last_save = time.monotonic()
        for callback in self.callbacks:
            callback.on_tuning_start(self)
        self._collect_unreplayed()
        for trial in self.trials.values():
            if trial.status is TrialStatus.RUNNING:
                self._replay(trial)
            if trial.status is TrialStatus.RUNNING:
                logger.info("resuming trial %d, interrupted with the previous run", trial.trial_id)
                self._launch_again(trial)
                self._notify_start(trial)

    def _collect_unreplayed(self) -> None:
        """The results unfinished trials logged past those the saved state took in."""
        for trial in self.trials.values():
            if trial.status.is_finished:
                continue
            logged = self.backend.logged_results(trial.trial_id) or []
            missed = logged[self._received.get(trial.trial_id, 0) :]
            if missed:
                logger.info(
                    "trial %d reported %d results after the last save; recording them",
                    trial.trial_id,
                    len(missed),
                )
                self._unreplayed[trial.trial_id] = missed

    def _replay(self, trial: Trial) -> None:
        """Record the logged results the trial's restart will not report again, as if
        the backend delivered them now; those after a pause wait for the resume."""
        missed = self._unreplayed.pop(trial.trial_id, [])
        for position, result in enumerate(missed):
            if trial.status is not TrialStatus.RUNNING:
                if trial.status is TrialStatus.PAUSED:
                    self._unreplayed[trial.trial_id] = missed[position:]
                return
            self._received[trial.trial_id] = self._received.get(trial.trial_id, 0) + 1
            if not self._is_repeat(trial, result):
                self._record(trial, result, live=False)

    def _launch_again(self, trial: Trial) -> None:
        """Resume `trial` on the backend. A trial of the saved state restarted without
        a checkpoint starts over: the results it had recorded will come again."""
        trial_id = trial.trial_id
        if trial_id in self._restored:
            self._restored.discard(trial_id)
            if not self.backend.has_checkpoint(trial_id):
                self._repeats_left[trial_id] = self._num_rows.get(trial_id, 0)
        self._run_start[trial_id] = self._now()
        self.backend.resume_trial(trial)

    def _loop(self) -> str:
        while True:
            # Checked before the new events too: with a simulated clock, events past
            # the budget must not be recorded.
            if self._should_stop():
                return "stopping criterion met"
            self._stop_overdue_trials()
            self._process(self.backend.fetch_new_results())
            if self._should_stop():
                return "stopping criterion met"
            max_failures = self.options.max_failures
            if max_failures is not None and self._failures >= max_failures:
                raise TooManyFailuresError(
                    f"{self._failures} trials failed (max_failures={max_failures}); the last "
                    f"error: {self._errors.get(max(self._errors), '') if self._errors else ''}"
                )
            filled = self._fill_workers()
            self._sweep_checkpoints()
            if not filled and not self.backend.busy_trial_ids():
                return "the scheduler has no more configurations"
            if time.monotonic() - self._last_save >= self.options.save_interval:
                self._save()
            self._clock.sleep(self.options.sleep_time)

    def _should_stop(self) -> bool:
        self.status.tuner_time = self._now()
        if not self.stop_criterion(self.status):
            return False
        if self.options.wait_for_trials_when_stopping:
            self._drain()
        return True

    def _decide(self, method: Callable[..., _T], *args: Any) -> _T:
        """Call a scheduler method, timing it for the results and the clock."""
        start = _decision_timer()
        try:
            return method(*args)
        finally:
            seconds = _decision_timer() - start
            self._decision_seconds += seconds
            self._unrecorded_decision_seconds += seconds
            self._clock.charge(seconds)

    def _drain(self) -> None:
        while self.backend.busy_trial_ids():
            self._clock.sleep(self.options.sleep_time)
            self._stop_overdue_trials()
            self._process(self.backend.fetch_new_results())
            self.status.tuner_time = self._now()

    def _stop_overdue_trials(self) -> None:
        """Stop and fail trials that have run longer than `max_trial_seconds`."""
        limit = self.options.max_trial_seconds
        if limit is None:
            return
        now = self._now()
        for trial_id in self.backend.busy_trial_ids():
            trial = self.trials.get(trial_id)
            started = self._run_start.get(trial_id)
            if trial is None or trial.status is not TrialStatus.RUNNING or started is None:
                continue
            if now - started > limit:
                self.backend.stop_trial(trial_id)
                self._fail(
                    trial,
                    f"stopped after running for {now - started:.1f} s, longer than "
                    f"TunerOptions.max_trial_seconds={limit:g}",
                )

    def _fill_workers(self) -> bool:
        """Start or resume trials on free workers; False when the scheduler had none."""
        busy = len(self.backend.busy_trial_ids())
        criterion = self.stop_criterion
        # The loop has just checked the criterion: check it again once a trial started or
        # resumed (the status changed).
        acted = False
        while busy < self.n_workers:
            if acted and criterion(self.status):
                return True
            if isinstance(criterion, StoppingCriterion) and not criterion.allows_new_trials(
                self.status
            ):
                return True
            suggestion = self._decide(self.scheduler.suggest, self._next_trial_id)
            if suggestion is None:
                return False
            if suggestion.resume_trial_id is not None:
                trial = self._resume(suggestion.resume_trial_id, suggestion.config)
            else:
                assert suggestion.config is not None
                trial = self._start_new(suggestion.config, suggestion.checkpoint_from)
            acted = True
            if trial.status is TrialStatus.RUNNING:
                self._notify_start(trial)
                busy += 1
        return True

    def _start_new(self, config: Config, checkpoint_from: int | None = None) -> Trial:
        if checkpoint_from is not None and checkpoint_from not in self.trials:
            raise RuntimeError(
                f"{type(self.scheduler).__name__} asked to start a trial from the checkpoint "
                f"of trial {checkpoint_from}, which does not exist"
            )
        trial = Trial(
            self._next_trial_id,
            dict(config),
            creation_time=self._now(),
            checkpoint_from=checkpoint_from,
        )
        self._next_trial_id += 1
        self.trials[trial.trial_id] = trial
        self.status.num_trials_started += 1
        self.status.num_trials_running += 1
        self._decide(self.scheduler.on_trial_add, trial)
        if checkpoint_from is not None:
            self._copy_checkpoint(checkpoint_from, trial.trial_id)
        self._run_start[trial.trial_id] = self._now()
        self.backend.start_trial(trial)
        return trial

    def _copy_checkpoint(self, source: int, target: int) -> None:
        if not self._checkpoints.has_checkpoint(source):
            logger.warning(
                "trial %d should start from the checkpoint of trial %d, which was removed; "
                "it starts from scratch",
                target,
                source,
            )
            return
        self.backend.copy_checkpoint(source, target)
        logger.debug("trial %d starts from a copy of the checkpoint of trial %d", target, source)

    def _sweep_checkpoints(self) -> None:
        if self._checkpoints.active:
            self._checkpoints.sweep(
                self.backend,
                lambda: self._decide(self.scheduler.removable_checkpoints),
                self._now(),
            )

    def _resume(self, trial_id: int, config: Config | None) -> Trial:
        trial = self.trials.get(trial_id)
        if trial is None or trial.status is not TrialStatus.PAUSED:
            state = "unknown" if trial is None else trial.status.value
            raise RuntimeError(
                f"{type(self.scheduler).__name__} asked to resume trial {trial_id}, which is "
                f"{state}; only paused trials can be resumed"
            )
        if config is not None:
            trial.config = dict(config)
        self._set_status(trial, TrialStatus.RUNNING)
        self._replay(trial)  # results logged before a kill, after the trial's pause
        # Read again, declared wide: the scheduler may have paused or stopped the trial on
        # a replayed result (mypy still narrows `trial.status` to the PAUSED checked above).
        status: TrialStatus = trial.status
        if status is TrialStatus.RUNNING:
            self._launch_again(trial)
        return trial

    def _notify_start(self, trial: Trial) -> None:
        for callback in self.callbacks:
            callback.on_trial_start(trial)

    def _process(self, updates: list[TrialUpdate]) -> None:
        for update in updates:
            trial = self.trials.get(update.trial_id)
            if trial is None:
                logger.warning("backend reported unknown trial %d; ignored", update.trial_id)
                continue
            self._received[trial.trial_id] = self._received.get(trial.trial_id, 0) + len(
                update.results
            )
            for result in update.results:
                if trial.status is not TrialStatus.RUNNING:
                    break
                if not self._is_repeat(trial, result):
                    self._record(trial, result)
                elif COST_KEY in result:  # not recorded again, but paid for again
                    self._count_cost(trial.trial_id, result)
            if trial.status is not TrialStatus.RUNNING:
                continue
            if update.status is TrialStatus.COMPLETED:
                self._complete(trial)
            elif update.status is TrialStatus.FAILED:
                self._fail(trial, update.error or "the trial failed")

    def _count_cost(self, trial_id: int, result: dict[str, Any]) -> None:
        """Add what `result` says its trial cost since its previous cost report."""
        previous = self._cost_basis.get(trial_id)
        if COST_KEY in result or (previous is not None and COST_KEY in previous):
            self.status.observe_cost(result, previous)  # else no cost: adds nothing
        self._cost_basis[trial_id] = result

    def _is_repeat(self, trial: Trial, result: dict[str, Any]) -> bool:
        """A restarted trial without checkpoints reports its early results again: those
        at resources it had reached or, for results without a resource, the first
        ones of a trial that restarted from scratch after the tuner restarted."""
        repeats = self._repeats_left.get(trial.trial_id, 0)
        if repeats:
            self._repeats_left[trial.trial_id] = repeats - 1
        attr = self.scheduler.resource_attr
        if attr is None or not isinstance(result.get(attr), (int, float)):
            return repeats > 0
        value = float(result[attr])
        if value <= self._max_resource.get(trial.trial_id, float("-inf")):
            return True
        self._max_resource[trial.trial_id] = value
        return False

    def _record(self, trial: Trial, result: dict[str, Any], *, live: bool = True) -> None:
        """Show `result` to the scheduler, act on its decision and add the row; a result
        replayed from a log (`live=False`) has no process to pause or stop."""
        now = self._now()
        self.status.tuner_time = now
        result, schedulable = self._screen.usable(
            trial.trial_id, result, self.scheduler.metric_names(), self.scheduler.resource_attr
        )
        self._num_rows[trial.trial_id] = self._num_rows.get(trial.trial_id, 0) + 1
        decision = Decision.CONTINUE
        if schedulable:
            decision = self._decide(self.scheduler.on_trial_result, trial, result)
            self._count_cost(trial.trial_id, result)
            self._last_result[trial.trial_id] = result
        self._checkpoints.on_result()
        self.status.observe_result(result)
        if decision is Decision.STOP:
            if live:
                self.backend.stop_trial(trial.trial_id)
            self._set_status(trial, TrialStatus.STOPPED)
            self._decide(self.scheduler.on_trial_remove, trial)
        elif decision is Decision.PAUSE:
            if live:
                self.backend.pause_trial(trial.trial_id)
            self._set_status(trial, TrialStatus.PAUSED)
        row = {key: value for key, value in result.items() if key not in _RESERVED}
        if len(row) < len(result):
            self._warn_reserved(result)
        row["trial_id"] = trial.trial_id
        row["tuner_time"] = now
        row["decision"] = decision._value_  # `.value` is a slow descriptor in Python 3.11
        row["status"] = trial.status._value_
        row[DECISION_TIME] = self._unrecorded_decision_seconds
        self._unrecorded_decision_seconds = 0.0
        config = trial.config
        names = tuple(config)
        columns = self._config_columns.get(names)
        if columns is None:
            columns = self._config_columns[names] = tuple(CONFIG_PREFIX + key for key in names)
        row.update(zip(columns, config.values(), strict=True))
        self.store.add_row(row)
        for callback in self.callbacks:
            callback.on_trial_result(trial, result, decision)

    def _warn_reserved(self, result: dict[str, Any]) -> None:
        for key in _RESERVED_COLUMNS:
            if key in result and key not in self._reserved_reported:
                self._reserved_reported.add(key)
                logger.warning(
                    "a trial reported %r, a column the tuner writes itself; the reported "
                    "value is passed to the scheduler but not recorded in the results",
                    key,
                )

    def _complete(self, trial: Trial) -> None:
        last = self._last_result.get(trial.trial_id)
        if last is None:
            unusable = self._num_rows.get(trial.trial_id, 0) > 0
            self._fail(
                trial,
                "the trial ended without reporting any result"
                + (f" with a usable {self.scheduler.resource_attr!r}" if unusable else ""),
            )
            return
        self._set_status(trial, TrialStatus.COMPLETED)
        self._decide(self.scheduler.on_trial_complete, trial, last)
        for callback in self.callbacks:
            callback.on_trial_complete(trial, last)

    def _fail(self, trial: Trial, error: str) -> None:
        self._set_status(trial, TrialStatus.FAILED)
        self._failures += 1
        self._errors[trial.trial_id] = error
        logger.warning("trial %d failed: %s", trial.trial_id, error)
        self._decide(self.scheduler.on_trial_error, trial)
        for callback in self.callbacks:
            callback.on_trial_error(trial, error)

    def _set_status(self, trial: Trial, new: TrialStatus) -> None:
        old = _COUNTERS[trial.status._value_]  # by value: an enum member hashes slowly
        setattr(self.status, old, getattr(self.status, old) - 1)
        counter = _COUNTERS[new._value_]
        setattr(self.status, counter, getattr(self.status, counter) + 1)
        self._checkpoints.on_status(trial.trial_id, trial.status, new)
        trial.status = new
        if new.is_finished:
            self._end_times[trial.trial_id] = self._now()

    # -- persistence --------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        return {
            "next_trial_id": self._next_trial_id,
            "trials": [trial.to_dict() for trial in self.trials.values()],
            "scheduler": self.scheduler.state_dict(),
            "tuner_time": self._now(),
            "decision_seconds": self._decision_seconds,
            "unrecorded_decision_seconds": self._unrecorded_decision_seconds,
            "failures": self._failures,
            "last_result": self._last_result,
            "cost_basis": self._cost_basis,
            "max_resource": self._max_resource,
            "errors": self._errors,
            "end_times": self._end_times,
            "received": self._received,
            "num_results": self.status.num_results,
            "metric_min": self.status.metric_min,
            "metric_max": self.status.metric_max,
            "checkpoints": self._checkpoints.state_dict(),
            "backend": self.backend.state_dict(),
        }

    def _restore(self, state: dict[str, Any]) -> None:
        self._next_trial_id = int(state["next_trial_id"])
        self.trials = {t["trial_id"]: Trial.from_dict(t) for t in state["trials"]}
        self.scheduler.load_state_dict(state["scheduler"])
        self.backend.load_state_dict(state.get("backend", {}))
        self._time_offset = float(state["tuner_time"])
        # states saved by versions that did not time decisions start from zero
        self._decision_seconds = float(state.get("decision_seconds", 0.0))
        self._unrecorded_decision_seconds = float(state.get("unrecorded_decision_seconds", 0.0))
        self._failures = int(state["failures"])
        self._last_result = dict(state["last_result"])
        # states saved before repeated results were paid for: the last results
        self._cost_basis = dict(state.get("cost_basis", self._last_result))
        self._max_resource = dict(state["max_resource"])
        self._errors = dict(state["errors"])
        results = self.store.results()
        counts = results["trial_id"].value_counts()
        self._num_rows = {
            int(k): int(n) for k, n in zip(counts.index.tolist(), counts.tolist(), strict=True)
        }
        # states saved before these were kept: no end times, and the rows as taken in
        self._end_times = dict(state.get("end_times", {}))
        self._received = dict(state.get("received", self._num_rows))
        self._screen.restore(
            str(column)
            for column in results.columns
            if _is_numeric_column(results[column]) and not str(column).startswith(CONFIG_PREFIX)
        )
        self._restored = {t for t, trial in self.trials.items() if not trial.status.is_finished}
        self.status = TuningStatus(
            tuner_time=self._time_offset,
            num_trials_started=len(self.trials),
            num_results=int(state["num_results"]),
            metric_min=dict(state["metric_min"]),
            metric_max=dict(state["metric_max"]),
            constraint=self.constraint,
        )
        for result in self._cost_basis.values():
            self.status.observe_cost(result, None)
        for trial in self.trials.values():
            name = f"num_trials_{trial.status.value}"
            setattr(self.status, name, getattr(self.status, name) + 1)
        if "checkpoints" in state:
            self._checkpoints.load_state_dict(state["checkpoints"])
        else:  # saved by a version without checkpoint removal
            for trial in self.trials.values():
                if trial.status is TrialStatus.PAUSED:
                    self._checkpoints.on_status(trial.trial_id, TrialStatus.RUNNING, trial.status)
        logger.info(
            "resuming the experiment in %s: %d results and %d trials kept",
            self.path,
            self.status.num_results,
            len(self.trials),
        )

    def _remove_stale_trial_folders(self) -> None:
        """Trials started after the last save are unknown; their folders must go."""
        trials_dir = self.path / "trials"
        if not trials_dir.is_dir():
            return
        for folder in trials_dir.iterdir():
            if folder.name.isdigit() and int(folder.name) >= self._next_trial_id:
                shutil.rmtree(folder, ignore_errors=True)

    def _save(self, state: dict[str, Any] | None = None) -> None:
        self.store.save(self._state() if state is None else state)
        write_parquet_atomic(self.path / TRIALS_FILE, self._trials_table())
        self._last_save = time.monotonic()

    def _trials_table(self) -> Any:
        """Final status, times, error and row count of every trial (trials.parquet)."""
        rows = [
            {
                "trial_id": trial.trial_id,
                "status": trial.status.value,
                "start_tuner_time": trial.creation_time,
                "end_tuner_time": self._end_times.get(trial.trial_id, math.nan),
                "num_results": self._num_rows.get(trial.trial_id, 0),
                "error": self._errors.get(trial.trial_id),
                **{CONFIG_PREFIX + key: value for key, value in trial.config.items()},
            }
            for trial in self.trials.values()
        ]
        return trials_table(rows)

    def _close(self, outcome: str, reason: str) -> None:
        # The state saved is the one before running trials are stopped: an extension
        # continues from it like a resume, restarting them from their checkpoints.
        resumable = None
        if outcome == "complete":
            self.status.tuner_time = self._now()
            resumable = self._state()
            for trial_id in self.backend.busy_trial_ids():
                trial = self.trials[trial_id]
                self.backend.stop_trial(trial_id)
                if trial.status is TrialStatus.RUNNING:
                    self._set_status(trial, TrialStatus.STOPPED)
                    self._decide(self.scheduler.on_trial_remove, trial)
            self._sweep_checkpoints()
        else:
            # Trials keep status RUNNING in the saved state: a resumed run restarts them.
            self.backend.shutdown()
        self.status.tuner_time = self._now()
        self._save(resumable)
        self.store.write_metadata(
            self.setup.finished(
                outcome=outcome, reason=reason, decision_seconds=self._decision_seconds
            )
        )
        self._lock.release()
        for callback in self.callbacks:
            callback.on_tuning_end(self)


def _is_numeric_column(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
