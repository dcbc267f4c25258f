"""The tuner's settings (`TunerOptions`), where an experiment lives, whether it resumes,
and what its metadata.json records."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from tunelab.core._checkpoint_removal import CHECKPOINT_REMOVAL_MODES, CheckpointRemoval
from tunelab.core.backends.base import Backend
from tunelab.core.results.store import METADATA_FILE
from tunelab.core.scheduler import Scheduler
from tunelab.core.status import check_constraint
from tunelab.core.stopping import StopCondition, StoppingCriterion

CONSTRAINT_KEY = "constraint"
"""metadata.json's key of the constraint metric (see `Experiment.constraint`)."""
RESULTS_ENV = "TUNELAB_RESULTS"
DEFAULT_RESULTS_ROOT = "tunelab-results"
_TUNER_KEYS = (
    "name",
    "status",
    "start_time",
    "end_time",
    "stop_reason",
    "resumed_at",
    "backend_settings",
    "decision_seconds",
    "extended",
)
_VERSIONED = (
    "tunelab-core",
    "tunelab-gp",
    "tunelab-blackbox",
    "tunelab-experiments",
    "tunelab-plotting",
    "numpy",
    "pandas",
    "pyarrow",
)


@dataclass(frozen=True)
class TunerOptions:
    """Knobs of the tuning loop that rarely need changing.

    Attributes:
        sleep_time: Seconds between two polls of the backend.
        save_interval: Seconds (real time) between two saves of results and state; a
            killed run loses at most this much.
        max_failures: Stop the experiment (status "failed") once this many trials
            have crashed; None never stops for failures.
        progress_interval: Real seconds between progress lines on stderr; None prints
            none.
        wait_for_trials_when_stopping: Let running trials finish when the stopping
            criterion is met, instead of stopping them.
        checkpoint_removal: Which checkpoints the tuner deletes (with the backend's
            `delete_checkpoint`) to save disk space. "never" keeps all. "stopped"
            deletes the checkpoint of every trial that is stopped, completes or fails
            (also those stopped when the experiment ends); paused trials keep theirs.
            "speculative" also deletes checkpoints of paused trials: while more than
            `max_kept_checkpoints` paused trials hold one, those the scheduler names
            in `Scheduler.removable_checkpoints()` are deleted. A trial resumed after
            its checkpoint was deleted starts from scratch (results it reports again
            for resources it had reached are skipped). Each removal is logged and
            listed in `Tuner.removed_checkpoints`. Keep "never" when you want the
            checkpoints of the best trials after tuning.
        max_kept_checkpoints: For "speculative": how many paused trials may keep
            their checkpoint; None means 0 (every checkpoint the scheduler names is
            deleted). Trials that are running always keep theirs.
        max_trial_seconds: Longest a trial may run, in seconds of the tuner's clock
            (real seconds; virtual seconds with a simulating backend), counted from
            its last start or resume. A trial still running after that is stopped
            and recorded as failed, with the reason as its error; it counts towards
            `max_failures`. None (the default) sets no limit.
    """

    sleep_time: float = 0.05
    save_interval: float = 5.0
    max_failures: int | None = 10
    progress_interval: float | None = 30.0
    wait_for_trials_when_stopping: bool = False
    checkpoint_removal: CheckpointRemoval = "never"
    max_kept_checkpoints: int | None = None
    max_trial_seconds: float | None = None

    def __post_init__(self) -> None:
        for name in ("sleep_time", "save_interval"):
            if getattr(self, name) < 0:
                raise ValueError(f"TunerOptions.{name} must be >= 0, got {getattr(self, name)}")
        limit = self.max_trial_seconds
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0
        ):
            raise ValueError(
                f"TunerOptions.max_trial_seconds={limit!r}; expected None or a number > 0"
            )
        if self.max_failures is not None and self.max_failures < 1:
            raise ValueError(f"TunerOptions.max_failures must be >= 1, got {self.max_failures}")
        if self.checkpoint_removal not in CHECKPOINT_REMOVAL_MODES:
            raise ValueError(
                f"TunerOptions.checkpoint_removal={self.checkpoint_removal!r}; expected one "
                f"of {list(CHECKPOINT_REMOVAL_MODES)}"
            )
        kept = self.max_kept_checkpoints
        if kept is not None:
            if isinstance(kept, bool) or not isinstance(kept, int) or kept < 0:
                raise ValueError(
                    f"TunerOptions.max_kept_checkpoints={kept!r}; expected None or an int >= 0"
                )
            if self.checkpoint_removal != "speculative":
                raise ValueError(
                    f"TunerOptions.max_kept_checkpoints={kept} has no effect with "
                    f"checkpoint_removal={self.checkpoint_removal!r}; set "
                    "checkpoint_removal='speculative' or leave max_kept_checkpoints None"
                )


@dataclass
class ExperimentSetup:
    """The resolved folder of an experiment and its metadata."""

    path: Path
    resume: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    extending: bool = False
    """The folder holds a complete experiment that this run continues."""

    def finished(self, *, outcome: str, reason: str, decision_seconds: float) -> dict[str, Any]:
        """The metadata of the ended run; `decision_seconds` is the real time the
        scheduler spent deciding, over all runs of the experiment."""
        self.metadata.update(
            status=outcome,
            end_time=_now_iso(),
            stop_reason=reason,
            decision_seconds=decision_seconds,
        )
        return self.metadata


def constraint_of(constraint: str | None, user_metadata: dict[str, Any] | None) -> str | None:
    """The tuner's constraint metric: `constraint`, else the user metadata's
    `constraint` (tunelab-experiments names it there), else None.

    Raises:
        ValueError: `constraint` is not a non-empty string, or the metadata names
            another one.
    """
    constraint = check_constraint(constraint)
    try:
        named = check_constraint((user_metadata or {}).get(CONSTRAINT_KEY))
    except ValueError as error:
        raise ValueError(f"metadata[{CONSTRAINT_KEY!r}]: {error}") from error
    if constraint is not None and named is not None and named != constraint:
        raise ValueError(
            f"constraint={constraint!r}, but metadata[{CONSTRAINT_KEY!r}] = {named!r}; "
            "name one constraint metric"
        )
    return constraint if constraint is not None else named


def prepare_experiment(
    *,
    path: str | Path | None,
    backend: Backend,
    scheduler: Scheduler,
    stop_criterion: StopCondition,
    n_workers: int,
    user_metadata: dict[str, Any] | None,
    extend: bool = False,
    constraint: str | None = None,
) -> ExperimentSetup:
    """Choose the experiment folder and build its metadata (see Tuner's `path` and
    `extend`). Extending a complete experiment appends an entry to metadata's
    `extended` list: when, and the budget and stop reason before and after. A
    `constraint` metric is recorded as `constraint` (the key `Experiment` reads)."""
    user_metadata = dict(user_metadata or {})
    clashes = sorted(set(user_metadata) & set(_TUNER_KEYS))
    if clashes:
        raise ValueError(f"metadata keys {clashes} are set by the tuner; use other names")
    try:
        json.dumps(user_metadata)
    except TypeError as error:
        raise TypeError(f"metadata must be JSON-serialisable: {error}") from error

    metadata = _describe(backend, scheduler, stop_criterion, n_workers) | user_metadata
    if constraint is not None:
        metadata[CONSTRAINT_KEY] = constraint
    folder, previous = _choose_folder(path, backend, extend=extend)
    extending = previous is not None and previous.get("status") == "complete"
    if previous is not None:
        _check_same_experiment(folder, previous, metadata)
        now = _now_iso()
        extended = list(previous.get("extended", []))
        if extending:
            extended.append(
                {
                    "at": now,
                    "budget_before": previous.get("budget"),
                    "budget": metadata["budget"],
                    "end_time_before": previous.get("end_time"),
                    "stop_reason_before": previous.get("stop_reason"),
                }
            )
        metadata |= {
            "start_time": previous.get("start_time"),
            "resumed_at": [*previous.get("resumed_at", []), now],
            "extended": extended,
        }
    else:
        metadata |= {"start_time": _now_iso(), "resumed_at": [], "extended": []}
    metadata |= {"name": folder.name, "status": "running", "end_time": None}
    return ExperimentSetup(
        path=folder, resume=previous is not None, metadata=metadata, extending=extending
    )


def _choose_folder(
    path: str | Path | None, backend: Backend, *, extend: bool
) -> tuple[Path, dict[str, Any] | None]:
    """The folder to use, and the metadata of the experiment in it to continue: an
    unfinished one, or with `extend` a complete one (None when there is none)."""
    explicit = path is not None
    if path is None:
        root = Path(os.environ.get(RESULTS_ENV, DEFAULT_RESULTS_ROOT))
        path = root / backend.default_name()
    folder = Path(path).expanduser().absolute()
    candidates = [folder]
    if not explicit:
        candidates += [folder.with_name(f"{folder.name}-{n}") for n in range(2, 10_000)]
    for candidate in candidates:
        previous = _read_metadata(candidate)
        if previous is None:
            return candidate, None
        if previous.get("status") != "complete" or (explicit and extend):
            return candidate, previous
        if explicit:
            raise FileExistsError(
                f"the experiment in {candidate} is complete; pass extend=True to continue "
                "it with a larger budget, choose another path, or delete the folder to run "
                "it again"
            )
    raise FileExistsError(f"no free experiment folder next to {folder}")


def _read_metadata(folder: Path) -> dict[str, Any] | None:
    file = folder / METADATA_FILE
    if not file.exists():
        return None
    try:
        return dict(json.loads(file.read_text()))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {file} ({error}); move the folder away") from error


def _check_same_experiment(folder: Path, previous: dict[str, Any], current: dict[str, Any]) -> None:
    for key in ("metric", "mode", "scheduler", "config_space", "search_space", "backend_settings"):
        if key == "backend_settings" and key not in previous:
            continue  # written by a version that did not record them
        if key == "search_space" and key not in previous and key not in current:
            continue  # a method that searches the whole space
        now = json.loads(json.dumps(current.get(key)))
        if previous.get(key) != now:
            raise ValueError(
                f"cannot resume the experiment in {folder}: its {key} was "
                f"{previous.get(key)!r}, now {now!r}; use another path"
            )


def _describe(
    backend: Backend, scheduler: Scheduler, stop_criterion: StopCondition, n_workers: int
) -> dict[str, Any]:
    budget = (
        stop_criterion.to_dict()
        if isinstance(stop_criterion, StoppingCriterion)
        else {"callable": repr(stop_criterion)}
    )
    return {
        **scheduler.describe(),
        "backend": type(backend).__name__,
        "backend_settings": _backend_settings(backend),
        "n_workers": n_workers,
        "budget": budget,
        "versions": dict(_versions()),
        "git_revision": _git_revision(),
    }


def _backend_settings(backend: Backend) -> dict[str, Any]:
    settings = backend.describe()
    try:
        json.dumps(settings)
    except TypeError as error:
        raise TypeError(
            f"{type(backend).__name__}.describe() must return JSON-serialisable settings, "
            f"got {settings!r}: {error}"
        ) from error
    return dict(settings)


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


@functools.lru_cache(maxsize=1)
def _git_revision() -> str | None:
    """Revision of the git checkout the tuner runs in, with "-dirty" if modified."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
