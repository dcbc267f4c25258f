"""The `Backend` ABC: runs trials and reports what they print back to the tuner."""

from __future__ import annotations

import logging
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from tunelab.core.clock import Clock, RealClock
from tunelab.core.trial import Trial, TrialUpdate

logger = logging.getLogger(__name__)


class Backend(ABC):
    """Base class of every trial backend.

    The tuner first calls `set_path` with the experiment folder; each trial gets its
    own folder `trial_path(trial_id)` below it (logs, the config, checkpoints). It
    then starts, pauses, resumes and stops trials, and polls `fetch_new_results` for
    what they reported. A trial that was paused keeps its folder, so a resumed trial
    finds its checkpoint. `shutdown` ends every trial still running.

    Checkpoints are handled through `copy_checkpoint` (a new trial that starts from
    another trial's checkpoint, as in Population Based Training),
    `delete_checkpoint` (checkpoint removal, see `TunerOptions.checkpoint_removal`)
    and `has_checkpoint` (whether a restarted trial continues or starts over); the
    defaults work on the folders `checkpoint_path(trial_id)`.

    When a killed tuning run is resumed, the tuner asks `logged_results` for what
    each unfinished trial reported before the kill, so that results the run had
    not saved yet are recorded instead of lost; `state_dict` / `load_state_dict`
    carry what a backend keeps only in memory (a simulator's checkpoints) across it.
    """

    _path: Path | None = None

    def set_path(self, path: Path) -> None:
        """Use `path` (the experiment folder) as the root of the trials' folders."""
        self._path = Path(path)

    @property
    def path(self) -> Path:
        if self._path is None:
            raise RuntimeError(f"{type(self).__name__}.set_path() must be called before trials run")
        return self._path

    def trial_path(self, trial_id: int) -> Path:
        """Folder of trial `trial_id`: logs, config and its checkpoint sub-folder."""
        return self.path / "trials" / str(trial_id)

    def checkpoint_path(self, trial_id: int) -> Path:
        """Folder in which trial `trial_id` saves and finds its checkpoints."""
        return self.trial_path(trial_id) / "checkpoint"

    def copy_checkpoint(self, source_trial_id: int, target_trial_id: int) -> None:
        """Give trial `target_trial_id`, not started yet, a copy of `source_trial_id`'s
        checkpoint, so that it starts where the source trial was.

        The default copies the folder `checkpoint_path(source)` to
        `checkpoint_path(target)`; without a source folder it does nothing (the target
        starts from scratch). The source may be running: files that vanish while
        being copied, and the temporary files of `save_checkpoint`, are skipped.
        """
        source = self.checkpoint_path(source_trial_id)
        if not source.is_dir():
            logger.info(
                "trial %d has no checkpoint folder; trial %d starts from scratch",
                source_trial_id,
                target_trial_id,
            )
            return
        try:
            shutil.copytree(
                source,
                self.checkpoint_path(target_trial_id),
                ignore=shutil.ignore_patterns(".*.tmp"),
                dirs_exist_ok=True,
            )
        except shutil.Error as error:
            problems = [entry for entry in error.args[0] if Path(entry[0]).exists()]
            if problems:
                raise shutil.Error(problems) from error

    def delete_checkpoint(self, trial_id: int) -> None:
        """Remove trial `trial_id`'s checkpoint; if it is resumed later, it starts from
        scratch. The default deletes the folder `checkpoint_path(trial_id)` (a missing
        folder is fine)."""
        shutil.rmtree(self.checkpoint_path(trial_id), ignore_errors=True)

    def has_checkpoint(self, trial_id: int) -> bool:
        """Whether trial `trial_id` has a checkpoint to continue from when resumed.

        The tuner asks when it restarts a trial of a resumed experiment: a trial
        without a checkpoint starts over and reports its first results again, which
        the tuner then skips (by resource level, or by count when the results carry
        no resource). The default looks for files in `checkpoint_path(trial_id)`
        (hidden files, such as the temporary files of `save_checkpoint`, do not
        count); override it when checkpoints live elsewhere, as for
        `copy_checkpoint` and `delete_checkpoint`.
        """
        folder = self.checkpoint_path(trial_id)
        if not folder.is_dir():
            return False
        return any(not entry.name.startswith(".") for entry in folder.iterdir())

    def logged_results(self, trial_id: int) -> list[dict[str, Any]] | None:
        """Every result trial `trial_id` has reported, oldest first, from a record
        that outlives the tuner (such as the trial's own log), or None without one.

        When a killed experiment is resumed, the tuner records the results past the
        ones its saved state had taken in, before restarting the trial; so the list
        must hold the results in the order `fetch_new_results` delivered them, every
        run of the trial included. The default is None (nothing is kept).
        """
        return None

    def state_dict(self) -> dict[str, Any]:
        """What the backend must remember for a resumed experiment to continue where
        it stopped (built-in values only); saved with the tuner's state. A backend
        whose trials keep their checkpoints on disk needs nothing: the default is {}.
        """
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what `state_dict` returned, before the tuner resumes trials; the
        default has nothing to take back (`state` is then `{}`)."""
        del state

    @property
    def clock(self) -> Clock:
        """The clock the tuner must use with this backend (real time by default)."""
        return RealClock()

    def default_name(self) -> str:
        """A name for experiments run with this backend when the user gives none."""
        return type(self).__name__.removesuffix("Backend").lower() or "experiment"

    def describe(self) -> dict[str, Any]:
        """The backend's settings that change results, JSON-serialisable.

        The tuner records them in metadata.json under `backend_settings`, and refuses
        to resume an experiment whose backend settings changed. The default is `{}`.
        """
        return {}

    @abstractmethod
    def start_trial(self, trial: Trial) -> None:
        """Start evaluating `trial.config` as trial `trial.trial_id`."""

    @abstractmethod
    def pause_trial(self, trial_id: int) -> None:
        """Interrupt a running trial so that it can be resumed later."""

    @abstractmethod
    def resume_trial(self, trial: Trial) -> None:
        """Continue a paused trial, with its (possibly updated) `trial.config`."""

    @abstractmethod
    def stop_trial(self, trial_id: int) -> None:
        """End a running trial for good."""

    @abstractmethod
    def fetch_new_results(self) -> list[TrialUpdate]:
        """Results reported and status changes since the previous call."""

    @abstractmethod
    def busy_trial_ids(self) -> list[int]:
        """Ids of the trials currently occupying a worker."""

    def shutdown(self) -> None:
        """Stop every trial still running (called when tuning ends)."""
        for trial_id in self.busy_trial_ids():
            self.stop_trial(trial_id)
