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
