"""A backend that evaluates trials inside the tuner's process, one result per poll.

Meant for tests of schedulers and of the tuner, and for measuring the tuner's own
overhead: there is no process start-up, no file I/O and no waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tunelab.core.backends.base import Backend
from tunelab.core.trial import Trial, TrialStatus, TrialUpdate

TrialFunction = Callable[[dict[str, Any]], Iterable[dict[str, Any]]]


class InlineBackend(Backend):
    """Runs `fn(config)`, an iterable of result dicts, as a trial.

    Each `fetch_new_results` takes the next result of every running trial; a trial
    whose iterable is exhausted completes, one whose iterable raises fails with the
    exception as its error. A resumed trial restarts its iterable from the start
    (like a training script without checkpoints).
    """

    def __init__(self, fn: TrialFunction, *, results_per_fetch: int = 1) -> None:
        if results_per_fetch < 1:
            raise ValueError(f"results_per_fetch must be >= 1, got {results_per_fetch}")
        self.fn = fn
        self.results_per_fetch = results_per_fetch
        self._running: dict[int, Iterator[dict[str, Any]]] = {}
        self.started: list[int] = []
        self.paused: list[int] = []
        self.stopped: list[int] = []

    def default_name(self) -> str:
        return getattr(self.fn, "__name__", "inline").strip("<>") or "inline"

    def start_trial(self, trial: Trial) -> None:
        self.started.append(trial.trial_id)
        self._running[trial.trial_id] = iter(self.fn(dict(trial.config)))

    def resume_trial(self, trial: Trial) -> None:
        self._running[trial.trial_id] = iter(self.fn(dict(trial.config)))

    def pause_trial(self, trial_id: int) -> None:
        self.paused.append(trial_id)
        self._running.pop(trial_id, None)

    def stop_trial(self, trial_id: int) -> None:
        self.stopped.append(trial_id)
        self._running.pop(trial_id, None)

    def busy_trial_ids(self) -> list[int]:
        return list(self._running)

    def fetch_new_results(self) -> list[TrialUpdate]:
        updates = []
        for trial_id, iterator in list(self._running.items()):
            results: list[dict[str, Any]] = []
            status, error = TrialStatus.RUNNING, None
            try:
                for _ in range(self.results_per_fetch):
                    results.append(dict(next(iterator)))
            except StopIteration:
                status = TrialStatus.COMPLETED
            except Exception as exception:  # the trial's code crashed, not the tuner
                status, error = TrialStatus.FAILED, f"{type(exception).__name__}: {exception}"
            if status is not TrialStatus.RUNNING:
                del self._running[trial_id]
            updates.append(TrialUpdate(trial_id, results, status, error))
        return updates
