"""Trials and the messages exchanged about them between tuner, scheduler and backend."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["min", "max"]
"""Whether a metric is minimised or maximised."""

Config = dict[str, Any]
"""A configuration: hyperparameter name -> value (constants included)."""


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
    """

    trial_id: int
    config: Config
    creation_time: float = 0.0
    status: TrialStatus = TrialStatus.RUNNING

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "config": dict(self.config),
            "creation_time": self.creation_time,
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        return cls(
            trial_id=int(data["trial_id"]),
            config=dict(data["config"]),
            creation_time=float(data["creation_time"]),
            status=TrialStatus(data["status"]),
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

    Build it with `TrialSuggestion.start(config)` or `TrialSuggestion.resume(trial_id)`.
    """

    config: Config | None = None
    resume_trial_id: int | None = None

    @classmethod
    def start(cls, config: Config) -> TrialSuggestion:
        """Start a new trial with `config`."""
        return cls(config=dict(config))

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
