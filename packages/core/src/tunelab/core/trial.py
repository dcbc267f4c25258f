"""Trials and the messages exchanged about them between tuner, scheduler and backend."""

from __future__ import annotations

import enum
import numbers
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal, cast

Mode = Literal["min", "max"]
"""Whether a metric is minimised or maximised."""

Config = dict[str, Any]
"""A configuration: hyperparameter name -> value (constants included)."""

_INT64 = range(-(2**63), 2**63)


class Decision(enum.Enum):
    """What a scheduler tells the tuner to do with a trial after one of its results."""

    CONTINUE = "continue"
    PAUSE = "pause"
    STOP = "stop"


class TrialStatus(enum.Enum):
    """Life cycle of a trial, as the tuner records it."""

    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
        """True for states a trial never leaves (completed, stopped, failed)."""
        return self in (TrialStatus.COMPLETED, TrialStatus.STOPPED, TrialStatus.FAILED)


@dataclass
class Trial:
    """One configuration under evaluation.

    Attributes:
        trial_id: Unique, consecutive from 0 within an experiment.
        config: The full configuration passed to the training code.
        creation_time: Tuner time (seconds since the experiment started) of creation.
        status: Current state; the tuner keeps it up to date.
        checkpoint_from: Id of the trial whose checkpoint this trial started from (a
            copy, see `TrialSuggestion.start`), or None for a trial started from scratch.
    """

    trial_id: int
    config: Config
    creation_time: float = 0.0
    status: TrialStatus = TrialStatus.RUNNING
    checkpoint_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "config": dict(self.config),
            "creation_time": self.creation_time,
            "status": self.status.value,
            "checkpoint_from": self.checkpoint_from,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        source = data.get("checkpoint_from")
        return cls(
            trial_id=int(data["trial_id"]),
            config=dict(data["config"]),
            creation_time=float(data["creation_time"]),
            status=TrialStatus(data["status"]),
            checkpoint_from=None if source is None else int(source),
        )


@dataclass(frozen=True)
class TrialResult:
    """One dict reported by a trial, with the tuner time at which it arrived."""

    trial_id: int
    metrics: dict[str, Any]
    tuner_time: float = 0.0


@dataclass(frozen=True)
class TrialSuggestion:
    """A scheduler's answer to `suggest`: start a new configuration or resume a paused trial.

    Build it with `TrialSuggestion.start(config)`, `TrialSuggestion.start(config,
    checkpoint_from=i)` or `TrialSuggestion.resume(trial_id)`.
    """

    config: Config | None = None
    resume_trial_id: int | None = None
    checkpoint_from: int | None = None

    def __post_init__(self) -> None:
        if self.resume_trial_id is not None and self.checkpoint_from is not None:
            raise ValueError(
                f"a suggestion resumes trial {self.resume_trial_id} from its own checkpoint; "
                f"checkpoint_from={self.checkpoint_from} is only for new trials"
            )

    @classmethod
    def start(cls, config: Config, checkpoint_from: int | None = None) -> TrialSuggestion:
        """Start a new trial with `config`.

        Args:
            config: The new trial's configuration.
            checkpoint_from: Id of an earlier trial: the new trial starts from a copy of
                that trial's checkpoint instead of from scratch (Population Based
                Training's exploit step). The backend copies the checkpoint before the
                trial starts (`Backend.copy_checkpoint`); a source without checkpoint
                leaves the new trial starting from scratch.
        """
        return cls(config=dict(config), checkpoint_from=checkpoint_from)

    @classmethod
    def resume(cls, trial_id: int, config: Config | None = None) -> TrialSuggestion:
        """Resume paused trial `trial_id`, optionally with an updated `config`."""
        return cls(config=None if config is None else dict(config), resume_trial_id=trial_id)

    @property
    def is_resume(self) -> bool:
        return self.resume_trial_id is not None


@dataclass(frozen=True)
class TrialUpdate:
    """What a backend learned about one trial since the previous fetch.

    Attributes:
        trial_id: The trial.
        results: Newly reported dicts, oldest first.
        status: The trial's state after these results: RUNNING while the training code
            runs, COMPLETED when it ended by itself, FAILED when it crashed.
        error: For FAILED, a human-readable reason with the tail of the trial's stderr.
        time: For simulated backends, the (virtual) time of the last event, else None.
    """

    trial_id: int
    results: list[dict[str, Any]] = field(default_factory=list)
    status: TrialStatus = TrialStatus.RUNNING
    error: str | None = None
    time: float | None = None


def as_number(value: Any) -> int | float | None:
    """`value` as a number that a results column holds, or None if it is not one.

    Integers (numpy's included) beyond int64 become floats, as Parquet has no wider
    integers; other numbers pass unchanged, NaN and infinities included, and so do
    booleans. Strings, None, containers and integers too large even for a float
    are not numbers.
    """
    kind = type(value)
    if kind is float:  # the common cases first: no abstract-class checks
        return cast(float, value)
    if kind is int and value in _INT64:
        return cast(int, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        number = int(value)
        if number in _INT64:
            return cast(int, value)  # numpy integers stay as they are
        try:
            return float(number)
        except OverflowError:
            return None
    if isinstance(value, numbers.Real):
        return cast(float, value)
    return None


def screen_result(
    result: dict[str, Any], *, numeric: Collection[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split `result` into the values a results table can hold and the others.

    A value is kept when it is a number (see `as_number`; converted if needed), or,
    for keys not in `numeric`, a string, a boolean or None; under a key in
    `numeric`, None is kept too (it stands for a missing value). Anything else
    (a string under a numeric key, a list, a dict, an integer too large for a
    float) is rejected.

    Returns:
        `(kept, rejected)`: two dicts that together hold every key of `result`.
    """
    kept: dict[str, Any] = {}
    rejected: dict[str, Any] = {}
    for key, value in result.items():
        number = as_number(value)
        if number is not None:
            kept[key] = number
        elif value is None or (isinstance(value, str) and key not in numeric):
            kept[key] = value
        else:
            rejected[key] = value
    return kept, rejected
