"""Which trials' checkpoints the tuner deletes while tuning, and the record of it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tunelab.core.backends.base import Backend
from tunelab.core.trial import TrialStatus

logger = logging.getLogger("tunelab.core.tuner")

CheckpointRemoval = Literal["never", "stopped", "speculative"]
"""Policy of `TunerOptions.checkpoint_removal`."""

CHECKPOINT_REMOVAL_MODES: tuple[CheckpointRemoval, ...] = ("never", "stopped", "speculative")

RemovalReason = Literal["ended", "speculative"]
"""Why a checkpoint was removed: its trial ended, or the scheduler named it."""


@dataclass(frozen=True)
class RemovedCheckpoint:
    """One checkpoint the tuner deleted.

    Attributes:
        trial_id: Whose checkpoint.
        tuner_time: When (seconds since the experiment started).
        reason: "ended" (the trial was stopped, completed or failed) or "speculative"
            (a paused trial named by `Scheduler.removable_checkpoints`).
    """

    trial_id: int
    tuner_time: float
    reason: RemovalReason


class CheckpointRemover:
    """Carries out a checkpoint removal policy for the tuner.

    The tuner reports every status change (`on_status`) and every result
    (`on_result`), and calls `sweep` once per loop, after it has filled the free
    workers: checkpoints of trials that ended are deleted only then, so that a trial
    started in the same round from one of them (`TrialSuggestion.start(config,
    checkpoint_from=...)`) still gets its copy.

    Args:
        mode: "never", "stopped" or "speculative" (see `TunerOptions`).
        max_kept: For "speculative": paused trials allowed to keep their checkpoint
            before the scheduler's `removable_checkpoints` are deleted; None means 0.
    """

    def __init__(self, *, mode: CheckpointRemoval, max_kept: int | None) -> None:
        self.mode = mode
        self.max_kept = max_kept
        self.removed: list[RemovedCheckpoint] = []
        self.resumed_without_checkpoint: list[int] = []
        self._ended: list[int] = []  # deletion due at the next sweep
        self._paused: set[int] = set()  # paused trials that hold a checkpoint
        self._gone: set[int] = set()  # trials whose checkpoint was deleted
        self._changed = False

    @property
    def active(self) -> bool:
        return self.mode != "never"

    def has_checkpoint(self, trial_id: int) -> bool:
        """False once the tuner deleted the trial's checkpoint (until it is resumed)."""
        return trial_id not in self._gone

    def on_status(self, trial_id: int, old: TrialStatus, new: TrialStatus) -> None:
        if not self.active:
            return
        self._changed = True
        if new is TrialStatus.PAUSED:
            self._paused.add(trial_id)
        elif old is TrialStatus.PAUSED:
            self._paused.discard(trial_id)
            if new is TrialStatus.RUNNING and trial_id in self._gone:
                # It writes a new checkpoint from now on.
                self._gone.discard(trial_id)
                self.resumed_without_checkpoint.append(trial_id)
                logger.info(
                    "trial %d resumes without its checkpoint (removed): it starts from scratch",
                    trial_id,
                )
        if new.is_finished and trial_id not in self._gone:
            self._ended.append(trial_id)

    def on_result(self) -> None:
        self._changed = True

    def sweep(
        self, backend: Backend, removable: Callable[[], list[int]], tuner_time: float
    ) -> None:
        """Delete the checkpoints due: those of ended trials, then speculative ones."""
        for trial_id in self._ended:
            self._remove(backend, trial_id, tuner_time, "ended")
        self._ended.clear()
        if self.mode != "speculative" or not self._changed:
            return
        self._changed = False
        bound = self.max_kept or 0
        if len(self._paused) <= bound:
            return
        for trial_id in removable():
            if len(self._paused) <= bound:
                break
            if trial_id in self._paused:
                self._paused.discard(trial_id)
                self._remove(backend, trial_id, tuner_time, "speculative")

    def _remove(
        self, backend: Backend, trial_id: int, tuner_time: float, reason: RemovalReason
    ) -> None:
        if trial_id in self._gone:
            return
        backend.delete_checkpoint(trial_id)
        self._gone.add(trial_id)
        self.removed.append(RemovedCheckpoint(trial_id, tuner_time, reason))
        logger.info("removed the checkpoint of trial %d (%s)", trial_id, reason)

    def state_dict(self) -> dict[str, Any]:
        return {
            "removed": [(r.trial_id, r.tuner_time, r.reason) for r in self.removed],
            "resumed_without_checkpoint": list(self.resumed_without_checkpoint),
            "ended": list(self._ended),
            "paused": sorted(self._paused),
            "gone": sorted(self._gone),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.removed = [RemovedCheckpoint(int(t), float(w), r) for t, w, r in state["removed"]]
        self.resumed_without_checkpoint = [int(t) for t in state["resumed_without_checkpoint"]]
        self._ended = [int(t) for t in state["ended"]]
        self._paused = {int(t) for t in state["paused"]}
        self._gone = {int(t) for t in state["gone"]}
        self._changed = True
