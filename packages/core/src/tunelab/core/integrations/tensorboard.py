"""`TensorBoardCallback`: every trial's results and the best-so-far curve as TensorBoard
runs (extra `tunelab-core[tensorboard]`, which installs the small tensorboardX writer)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelab.core.integrations._tracking import TrackingCallback, library_missing
from tunelab.core.results.io import write_json_atomic
from tunelab.core.trial import Trial, TrialStatus

if TYPE_CHECKING:
    from tunelab.core.integrations._event_file import EventFile
    from tunelab.core.tuner import Tuner

DEFAULT_FOLDER = "tensorboard"
"""The log folder's name inside the experiment folder, when `log_dir` is not given."""
LEDGER_FILE = "tunelab.json"
"""Written into the log folder: the experiment that owns it and what it holds."""
TUNER_RUN = "tuner"
_TRIAL_RUN = re.compile(r"trial_\d+")


def trial_run(trial_id: int) -> str:
    """The TensorBoard run (sub-folder of the log folder) of a trial: `trial_0007`."""
    return f"trial_{trial_id:04d}"


class TensorBoardCallback(TrackingCallback):
    """Writes the results of a tuning run as TensorBoard event files.

    The log folder holds one TensorBoard run per trial, `trial_0000`, `trial_0001`,
    ...: a scalar per numeric value of each result (tag = the result key, step =
    the resource level, e.g. the epoch, or else the result's position in the
    trial), and the trial's configuration as hyperparameters, so that TensorBoard's
    Scalars dashboard overlays the learning curves of all trials and its HParams
    dashboard tabulates configurations against their last values. The run `tuner`
    holds `best/<metric>`: the best value so far of each optimised metric, at the
    step of the whole seconds of tuner time. See `TrackingCallback` in
    `tunelab.core.integrations._tracking` for what is logged when.

    A trial's event file is open only while the trial runs (a paused or finished
    trial's file is closed; a resume adds a file), so that the open files stay as
    few as the workers. A resumed experiment continues in the same folder and logs
    no result twice; the log folder's `tunelab.json` says which experiment owns it
    and how many results of each trial it holds. A folder written by another
    experiment is refused (the callback warns and logs nothing), as are `tuner` and
    `trial_*` runs that no experiment claims.

    Args:
        log_dir: The log folder (point `tensorboard --logdir` at it, or at a parent
            of several). Default: `<experiment folder>/tensorboard`.
        flush_interval: Real seconds between two flushes of the event files and of
            `tunelab.json`; a killed run logs what it had not flushed when resumed.

    Raises:
        ImportError: If tensorboardX is not installed (`tunelab-core[tensorboard]`).
    """

    tool = "TensorBoard"

    def __init__(self, *, log_dir: str | Path | None = None, flush_interval: float = 5.0) -> None:
        super().__init__(flush_interval=flush_interval)
        try:
            import tensorboardX  # noqa: F401
        except ImportError as error:
            raise library_missing(type(self).__name__, "tensorboardX", "tensorboard") from error
        if log_dir is not None and not isinstance(log_dir, (str, Path)):
            raise TypeError(f"log_dir must be a path or None, got {log_dir!r}")
        self.log_dir = None if log_dir is None else Path(log_dir).expanduser()
        self._folder: Path | None = None
        self._owner = ""
        self._files: dict[str, EventFile] = {}
        self._started: set[int] = set()  # trials whose HParams session was started
        self._ended: set[int] = set()

    @property
    def folder(self) -> Path:
        """The log folder of the current experiment."""
        if self._folder is None:
            raise RuntimeError("TensorBoardCallback has no log folder before tuning starts")
        return self._folder

    # -- TrackingCallback ---------------------------------------------------------------

    def _attach(self, tuner: Tuner, *, resumed: bool) -> dict[int, int]:
        folder = (self.log_dir or tuner.path / DEFAULT_FOLDER).absolute()
        self._folder, self._files = folder, {}
        self._owner = f"{tuner.path.absolute()} started {tuner.setup.metadata.get('start_time')}"
        ledger = self._read_ledger(folder)
        if ledger is None:
            stale = self._runs(folder)
            if stale:
                raise FileExistsError(
                    f"{folder} holds TensorBoard runs ({', '.join(stale[:3])}) that no tunelab "
                    "experiment claims; give this experiment another log_dir"
                )
        elif ledger.get("experiment") != self._owner:
            raise FileExistsError(
                f"{folder} holds the TensorBoard runs of another experiment "
                f"({ledger.get('experiment')}); give each experiment its own log_dir"
            )
        self._started, self._ended = set(), set()
        if ledger is None or not resumed:
            for name in self._runs(folder):  # an attempt killed before it saved anything
                shutil.rmtree(folder / name)
            return {}
        for name in self._runs(folder):  # trials started after the last save: their ids
            if name != TUNER_RUN and int(name.removeprefix("trial_")) not in tuner.trials:
                shutil.rmtree(folder / name)  # come again, for other trials
        trials = {
            int(key): entry
            for key, entry in ledger.get("trials", {}).items()
            if int(key) in tuner.trials
        }
        self._started = set(trials)
        self._ended = {trial_id for trial_id, entry in trials.items() if entry.get("ended")}
        return {trial_id: int(entry.get("results", 0)) for trial_id, entry in trials.items()}

    def _log_result(self, trial: Trial, values: dict[str, float], step: int) -> None:
        self._trial_file(trial).scalars(values, step)

    def _log_best(self, metric: str, values: list[float], step: int) -> None:
        run = self._file(TUNER_RUN)
        for value in values:
            run.scalars({f"best/{metric}": value}, step)

    def _trial_running(self, trial: Trial) -> None:
        self._trial_file(trial)

    def _trial_paused(self, trial: Trial) -> None:
        self._close_file(trial_run(trial.trial_id))

    def _trial_ended(self, trial: Trial, error: str | None) -> None:
        if trial.trial_id in self._ended:
            return
        if trial.trial_id in self._started:
            failed = trial.status is TrialStatus.FAILED
            self._trial_file(trial).session_end("failure" if failed else "success")
        self._ended.add(trial.trial_id)
        self._close_file(trial_run(trial.trial_id))

    def _flush(self) -> None:
        for events in self._files.values():
            events.flush()
        trials: dict[str, dict[str, Any]] = {
            str(trial_id): {"results": self._logged.get(trial_id, 0)}
            for trial_id in sorted(self._started | self._logged.keys())
        }
        for trial_id in self._ended:
            trials.setdefault(str(trial_id), {})["ended"] = True
        write_json_atomic(self.folder / LEDGER_FILE, {"experiment": self._owner, "trials": trials})

    def _close(self, tuner: Tuner, best: dict[str, dict[str, Any]]) -> None:
        # trials the tuner stopped at the end; paused ones stay open for an extension
        for trial_id in sorted(self._started - self._ended):
            trial = tuner.trials.get(trial_id)
            if trial is not None and trial.status.is_finished:
                self._trial_ended(trial, None)
        for name in list(self._files):
            self._close_file(name)
        self._flush()

    def _abandon(self) -> None:
        for events in self._files.values():
            try:
                events.close()
            except OSError:
                continue
        self._files = {}

    # -- files --------------------------------------------------------------------------

    def _trial_file(self, trial: Trial) -> EventFile:
        events = self._file(trial_run(trial.trial_id))
        if trial.trial_id not in self._started:
            events.session_start(trial.config)
            self._started.add(trial.trial_id)
        return events

    def _file(self, name: str) -> EventFile:
        events = self._files.get(name)
        if events is None:
            from tunelab.core.integrations._event_file import EventFile

            events = self._files[name] = EventFile(self.folder / name)
        return events

    def _close_file(self, name: str) -> None:
        events = self._files.pop(name, None)
        if events is not None:
            events.close()

    @staticmethod
    def _runs(folder: Path) -> list[str]:
        """The runs of this callback's layout in `folder`."""
        if not folder.is_dir():
            return []
        return sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.is_dir() and (entry.name == TUNER_RUN or _TRIAL_RUN.fullmatch(entry.name))
        )

    @staticmethod
    def _read_ledger(folder: Path) -> dict[str, Any] | None:
        file = folder / LEDGER_FILE
        if not file.exists():
            return None
        try:
            ledger = json.loads(file.read_text())
        except ValueError as error:
            raise ValueError(f"cannot read {file} ({error}); move the log folder away") from error
        if not isinstance(ledger, dict):
            raise ValueError(f"{file} is not a tunelab TensorBoard ledger; move it away")
        return ledger
