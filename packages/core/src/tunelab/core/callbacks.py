"""Hooks into the tuning loop, and the built-in progress printer."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from tunelab.core.trial import Decision, Trial

if TYPE_CHECKING:
    from tunelab.core.tuner import Tuner


class TunerCallback:
    """Base class for callbacks; override the hooks you need.

    Hooks run in the tuner's process, in the order callbacks were given. An exception
    raised by a callback ends tuning (after the results are saved).
    """

    def on_tuning_start(self, tuner: Tuner) -> None:
        """Before the first trial starts (also when a run is resumed)."""

    def on_tuning_end(self, tuner: Tuner) -> None:
        """After the last trial was stopped and the results were written."""

    def on_trial_start(self, trial: Trial) -> None:
        """A trial was started or resumed."""

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        """A trial reported `result` and the scheduler decided `decision`."""

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        """A trial ended by itself; `result` is its last result."""

    def on_trial_error(self, trial: Trial, error: str) -> None:
        """A trial crashed; `error` holds the exit status and the tail of its stderr."""


class ProgressPrinter(TunerCallback):
    """Prints a status line (trials, results, best so far) at most every `interval` s.

    The interval is in real seconds, also when a simulator runs on virtual time.
    """

    def __init__(self, *, interval: float = 30.0, stream: TextIO | None = None) -> None:
        self.interval = interval
        self.stream = stream
        self._tuner: Tuner | None = None
        self._last_print = float("-inf")

    def on_tuning_start(self, tuner: Tuner) -> None:
        self._tuner = tuner
        self._last_print = float("-inf")
        print(f"tunelab: results in {tuner.path}", file=self.stream or sys.stderr, flush=True)

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        tuner = self._tuner
        if tuner is None or time.monotonic() - self._last_print < self.interval:
            return
        self._last_print = time.monotonic()
        self._print(tuner)

    def on_tuning_end(self, tuner: Tuner) -> None:
        self._print(tuner)

    def _print(self, tuner: Tuner) -> None:
        status = tuner.status
        line = (
            f"tunelab [{_hms(status.tuner_time)}] trials: {status.num_trials_running} running, "
            f"{status.num_trials_completed} completed, {status.num_trials_stopped} stopped, "
            f"{status.num_trials_failed} failed; {status.num_results} results"
        )
        metric, mode = tuner.scheduler.metric_names()[0], tuner.scheduler.metric_mode()[0]
        best = (status.metric_min if mode == "min" else status.metric_max).get(metric)
        if best is not None:
            line += f"; best {metric} = {best:.6g}"
        print(line, file=self.stream or sys.stderr, flush=True)


def _hms(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
