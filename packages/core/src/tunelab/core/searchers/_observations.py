"""`Observations`: encoded results of a searcher, by resource level and by trial."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class ObservationTable:
    """One row per trial: an encoded configuration and its objective (lower is better).

    Rows live in preallocated arrays that double when full, so adding is O(dim); a
    trial that reports again overwrites its row. `updates` counts the writes, which
    tells a model when it has enough new data to be refitted.
    """

    def __init__(self, dim: int) -> None:
        self._x = np.empty((16, dim))
        self._y = np.empty(16)
        self._rows: dict[int, int] = {}
        self.updates = 0

    def __len__(self) -> int:
        return len(self._rows)

    def put(self, trial_id: int, x: np.ndarray, y: float) -> None:
        row = self._rows.get(trial_id)
        if row is None:
            row = len(self._rows)
            if row == len(self._y):
                self._x = np.concatenate([self._x, np.empty_like(self._x)])
                self._y = np.concatenate([self._y, np.empty_like(self._y)])
            self._rows[trial_id] = row
        self._x[row] = x
        self._y[row] = y
        self.updates += 1

    @property
    def x(self) -> np.ndarray:
        """Encoded configurations, shape `(n, dim)` (a view: copy before keeping it)."""
        return self._x[: len(self._rows)]

    @property
    def y(self) -> np.ndarray:
        """Objective values, shape `(n,)`, lower is better (a view)."""
        return self._y[: len(self._rows)]


class Observations:
    """All results a searcher observed, encoded, with two views of them.

    `by_level[r]` holds each trial's result at resource level `r` (for models of one
    rung, as in BOHB); `latest` holds each trial's result at the highest level it
    reached (for models of all trials). Results without a resource (single-fidelity)
    share the level `math.inf`. `log` keeps every result in order for `state_dict`.

    Args:
        dim: Length of an encoded configuration.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.by_level: dict[float, ObservationTable] = {}
        self.latest = ObservationTable(dim)
        self._latest_level: dict[int, float] = {}
        self.log: list[tuple[int, float, float, np.ndarray]] = []

    def clear(self) -> None:
        """Forget every result."""
        self.by_level = {}
        self.latest = ObservationTable(self.dim)
        self._latest_level = {}
        self.log = []

    def add(self, trial_id: int, x: np.ndarray, y: float, level: float = math.inf) -> None:
        """Record objective `y` (lower is better) of trial `trial_id` at `level`."""
        table = self.by_level.get(level)
        if table is None:
            table = self.by_level[level] = ObservationTable(self.dim)
        table.put(trial_id, x, y)
        if level >= self._latest_level.get(trial_id, -math.inf):
            self._latest_level[trial_id] = level
            self.latest.put(trial_id, x, y)
        self.log.append((trial_id, level, y, x))

    def __len__(self) -> int:
        return len(self.log)

    def highest_level(self, min_count: int) -> float | None:
        """The highest resource level with at least `min_count` trials, or None."""
        levels = [level for level, table in self.by_level.items() if len(table) >= min_count]
        return max(levels) if levels else None

    def state_dict(self) -> dict[str, Any]:
        return {
            "trial_ids": [entry[0] for entry in self.log],
            "levels": [entry[1] for entry in self.log],
            "y": [entry[2] for entry in self.log],
            "x": np.array([entry[3] for entry in self.log]).reshape(len(self.log), self.dim),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.clear()
        for trial_id, level, y, x in zip(
            state["trial_ids"], state["levels"], state["y"], state["x"], strict=True
        ):
            self.add(int(trial_id), np.asarray(x, dtype=float), float(y), float(level))
