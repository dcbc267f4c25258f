"""`RungResults`: the results recorded at one rung level, sorted best first."""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np

Key = tuple[float, int]
"""(value, trial_id), value oriented so that smaller is better; orders ties by id."""


class RungResults:
    """Results of the trials that reached one rung level, kept sorted.

    Values are oriented so that smaller is better (the scheduler negates maximised
    metrics and maps NaN to +inf); ties are ordered by trial id, so every ranking is
    deterministic. Insertion and rank queries cost O(log n) comparisons (plus a
    memmove of the sorted list), flat in practice up to many thousands of trials.

    Paused trials waiting for a promotion are kept in a second sorted list, so
    that the best waiting trial is found in O(1).

    (A rung as planned by synchronous Hyperband, a size and a level, is
    `synchronous.BracketRung`.)

    Args:
        level: The rung level (resource value).
    """

    __slots__ = ("_keys", "_sorted", "_values", "_waiting", "level")

    def __init__(self, level: float) -> None:
        self.level = level
        self._keys: list[Key] = []
        self._sorted: list[float] = []  # the values of `_keys`, for vectorized ranks
        self._values: dict[int, float] = {}
        self._waiting: list[Key] = []

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._values

    def add(self, trial_id: int, value: float) -> None:
        """Record `value` for `trial_id` (at most once per trial)."""
        if trial_id in self._values:
            raise ValueError(f"trial {trial_id} already has a result at rung level {self.level}")
        self._values[trial_id] = value
        index = bisect.bisect_left(self._keys, (value, trial_id))
        self._keys.insert(index, (value, trial_id))
        self._sorted.insert(index, value)

    def value(self, trial_id: int) -> float:
        return self._values[trial_id]

    def rank(self, trial_id: int) -> int:
        """0-based position of the trial's result among all recorded here (0 = best)."""
        return bisect.bisect_left(self._keys, (self._values[trial_id], trial_id))

    def trial_ids(self) -> list[int]:
        """Trials recorded here, best first."""
        return [trial_id for _, trial_id in self._keys]

    # -- trials paused here ----------------------------------------------------------

    def wait(self, trial_id: int) -> None:
        """The trial is paused at this rung, waiting to be promoted."""
        bisect.insort(self._waiting, (self._values[trial_id], trial_id))

    def unwait(self, trial_id: int) -> bool:
        """Remove the trial from the waiting list; False if it was not waiting."""
        if trial_id not in self._values:
            return False
        key = (self._values[trial_id], trial_id)
        index = bisect.bisect_left(self._waiting, key)
        if index < len(self._waiting) and self._waiting[index] == key:
            del self._waiting[index]
            return True
        return False

    def best_waiting(self) -> int | None:
        """The best paused trial of this rung, or None."""
        return self._waiting[0][1] if self._waiting else None

    def is_waiting(self, trial_id: int) -> bool:
        """Whether the trial is paused at this rung."""
        if trial_id not in self._values:
            return False
        key = (self._values[trial_id], trial_id)
        index = bisect.bisect_left(self._waiting, key)
        return index < len(self._waiting) and self._waiting[index] == key

    def waiting_ids(self) -> list[int]:
        """Paused trials of this rung, best first."""
        return [trial_id for _, trial_id in self._waiting]

    def waiting_ranks(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, ranks) of the paused trials, best first, shapes (w,) and (w,).

        Ranks count strictly better values only (ties not ordered by id): a lower
        bound of `rank`, computed for all paused trials in one vectorized pass.
        """
        ids = np.fromiter((t for _, t in self._waiting), dtype=np.int64, count=len(self._waiting))
        values = np.fromiter((v for v, _ in self._waiting), dtype=float, count=len(self._waiting))
        return ids, np.searchsorted(np.asarray(self._sorted), values, side="left")

    # -- persistence -----------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {"keys": list(self._keys), "waiting": list(self._waiting)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._keys = [(float(v), int(t)) for v, t in state["keys"]]
        self._sorted = [value for value, _ in self._keys]
        self._values = {trial_id: value for value, trial_id in self._keys}
        self._waiting = [(float(v), int(t)) for v, t in state["waiting"]]
