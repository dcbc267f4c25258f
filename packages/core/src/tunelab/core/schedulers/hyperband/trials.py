"""What asynchronous Hyperband remembers about each trial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tunelab.core.trial import Config

TrialPhase = Literal["running", "paused", "done"]


@dataclass
class TrialState:
    """One trial as the scheduler sees it.

    Attributes:
        bracket: Bracket drawn for the trial; it skips the rungs below `levels[bracket]`.
        next_index: Index (in `RungSystem.levels`) of the next level where a decision
            about the trial is taken.
        config: Its latest configuration (with `max_resource_attr` as last set).
        phase: "running", "paused" (at rung `paused_at`, waiting for a promotion)
            or "done" (completed, stopped or failed).
        paused_at: Rung index where the trial waits, when paused.
    """

    bracket: int
    next_index: int
    config: Config
    phase: TrialPhase = "running"
    paused_at: int | None = None

    def to_tuple(self) -> tuple[Any, ...]:
        return (self.bracket, self.next_index, dict(self.config), self.phase, self.paused_at)

    @classmethod
    def from_tuple(cls, data: tuple[Any, ...]) -> TrialState:
        bracket, next_index, config, phase, paused_at = data
        return cls(int(bracket), int(next_index), dict(config), phase, paused_at)
