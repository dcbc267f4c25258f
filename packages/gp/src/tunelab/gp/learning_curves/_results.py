"""`ResultIndex`: a learning-curve searcher's results per (trial, level), kept up to date
by reading only the entries appended to the observation log since the last look."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

LogEntry = tuple[int, float, float, np.ndarray]


class ResultIndex:
    """The latest result of each (trial, resource level) pair of an observation log.

    Rows are in the order in which their pair first appears in the log; a pair that
    reports again overwrites its row (as a dictionary keyed by the pair would). Per
    trial it also keeps the number of levels and the highest level reached. `sync`
    reads only the entries appended since the previous call: the log of a long
    experiment holds thousands of entries and the searchers read it at every decision,
    so a full pass each time grows quadratically over an experiment.

    Args:
        dim: Length of an encoded configuration.
    """

    def __init__(self, dim: int) -> None:
        if dim < 0:
            raise ValueError(f"ResultIndex: dim must be >= 0, got {dim!r}")
        self.dim = dim
        self._reset(None)

    def _reset(self, log: Sequence[LogEntry] | None) -> None:
        self._log = log
        self._seen = 0
        self._count = 0
        self._rows: dict[tuple[int, float], int] = {}
        self._vectors = np.empty((16, self.dim))
        self._values = np.empty(16)
        self._codes = np.empty(16, dtype=np.intp)
        self._trials = np.empty(16, dtype=np.intp)
        self._code_of: dict[float, int] = {}
        self._slot_of: dict[int, int] = {}
        self._reached: list[int] = []
        self.levels: list[float] = []
        self.highest: dict[int, float] = {}

    def sync(self, log: Sequence[LogEntry]) -> ResultIndex:
        """Take in the entries `(trial_id, level, value, vector)` of `log` appended
        since the last call; the whole of `log` when it is another object than last
        time or shorter than what was read (it was replaced or cleared). Returns self.
        """
        if log is not self._log or len(log) < self._seen:
            self._reset(log)
        for trial_id, level, value, vector in log[self._seen :]:
            row = self._rows.get((trial_id, level))
            if row is None:
                row = self._add_row(trial_id, level)
            self._vectors[row] = vector
            self._values[row] = value
            self.highest[trial_id] = max(level, self.highest.get(trial_id, -math.inf))
        self._seen = len(log)
        return self

    def _add_row(self, trial_id: int, level: float) -> int:
        row = self._count
        self._rows[(trial_id, level)] = row
        self._count += 1
        if row == len(self._values):  # full: double the capacity
            self._vectors = np.concatenate([self._vectors, np.empty_like(self._vectors)])
            self._values = np.concatenate([self._values, np.empty_like(self._values)])
            self._codes = np.concatenate([self._codes, np.empty_like(self._codes)])
            self._trials = np.concatenate([self._trials, np.empty_like(self._trials)])
        code = self._code_of.get(level)
        if code is None:
            code = self._code_of[level] = len(self.levels)
            self.levels.append(level)
        slot = self._slot_of.get(trial_id)
        if slot is None:
            slot = self._slot_of[trial_id] = len(self._reached)
            self._reached.append(0)
        self._codes[row] = code
        self._trials[row] = slot
        self._reached[slot] += 1
        return row

    def __len__(self) -> int:
        return self._count

    @property
    def vectors(self) -> np.ndarray:
        """Encoded configuration of each row, shape `(n, dim)` (a view)."""
        return self._vectors[: self._count]

    @property
    def values(self) -> np.ndarray:
        """Latest objective value of each row, shape `(n,)` (a view)."""
        return self._values[: self._count]

    @property
    def level_codes(self) -> np.ndarray:
        """Index into `levels` of each row's resource level, shape `(n,)` (a view)."""
        return self._codes[: self._count]

    def priority(self) -> np.ndarray:
        """The number of levels each row's trial reached, shape `(n,)`, as floats."""
        reached = np.asarray(self._reached, dtype=float)
        priority: np.ndarray = reached[self._trials[: self._count]]
        return priority
