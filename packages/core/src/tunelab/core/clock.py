"""Time as the tuner sees it: real time, or a simulator's virtual time."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod


class Clock(ABC):
    """A source of time that the tuner reads and waits on.

    Real runs use `RealClock`. A simulating backend supplies its own clock whose
    `sleep` jumps virtual time forward to the next event instead of waiting.
    """

    @abstractmethod
    def time(self) -> float:
        """Seconds on this clock; only differences are meaningful."""

    @abstractmethod
    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass (or less, if something happens earlier)."""

    def charge(self, seconds: float) -> None:  # noqa: B027 - optional hook
        """Account for `seconds` the tuner spent deciding (scheduler calls).

        Real time passes by itself, so real clocks ignore this. A simulated clock may
        move forward by `seconds`, so that a slow method is not shown as free.
        """


class RealClock(Clock):
    """Wall-clock time from `time.monotonic`, immune to system clock changes."""

    def time(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
