"""Learning curves as rows of one matrix (`CurveMatrix`), and ranked rows of it (`RankedRows`)."""

from __future__ import annotations

import itertools

import numpy as np


class CurveMatrix:
    """The learning curves of trials, one row per trial and one column per resource.

    A missing value is NaN (values are oriented so that smaller is better; a diverged
    trial's value is +inf, never NaN). Row 0 stays all NaN: it stands for trials
    without any value. Columns are in the order resources are first seen; the rows of
    several trials at the resources of one trial are gathered in one indexing
    operation, which is what makes `CrissCrossNoise.add_trial` cost O(m * R) in numpy
    rather than in Python for m trials and R resources.
    """

    def __init__(self) -> None:
        self._rows: dict[int, int] = {}
        self._columns: dict[float, int] = {}
        self._resources = np.empty(4)
        self._matrix = np.full((16, 4), np.nan)

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._rows

    def set(self, trial_id: int, resource: float, value: float) -> None:
        """Record the value of `trial_id` at `resource` (replacing an earlier one)."""
        row = self._rows.get(trial_id)
        if row is None:
            row = self._rows[trial_id] = len(self._rows) + 1
            if row >= self._matrix.shape[0]:
                self._grow(rows=2 * row)
        column = self._columns.get(resource)
        if column is None:
            column = self._columns[resource] = len(self._columns)
            if column >= self._matrix.shape[1]:
                self._grow(columns=2 * column)
            self._resources[column] = resource
        self._matrix[row, column] = value

    def _grow(self, *, rows: int = 0, columns: int = 0) -> None:
        old = self._matrix
        shape = (max(rows, old.shape[0]), max(columns, old.shape[1]))
        self._matrix = np.full(shape, np.nan)
        self._matrix[: old.shape[0], : old.shape[1]] = old
        resources = np.empty(shape[1])
        resources[: len(self._resources)] = self._resources
        self._resources = resources

    def rows_of(self, trial_ids: np.ndarray) -> np.ndarray:
        """The rows of `trial_ids` (shape (m,)), 0 (all NaN) for trials without values."""
        listed = trial_ids.tolist()
        rows = map(self._rows.get, listed, itertools.repeat(0))
        return np.fromiter(rows, dtype=np.intp, count=len(listed))

    def differences(
        self, trial_id: int, others: np.ndarray, rows: np.ndarray, up_to: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The curve of `trial_id` minus those of `others`, at its resources <= `up_to`.

        Args:
            trial_id: The trial whose curve is compared.
            others: Trial ids, shape (m,); `trial_id` itself is skipped.
            rows: Their rows, `rows_of(others)`.
            up_to: The largest resource compared.

        Returns:
            (ids, differences): the ids of `others` other than `trial_id`, shape (m,),
            and `f_trial(r) - f_other(r)`, shape (m, R), at the R resources <= `up_to`
            where `trial_id` has a value, in increasing order; NaN where the other
            trial has no value. None if R < 2 or m = 0.
        """
        row = self._rows.get(trial_id)
        if row is None:
            return None
        count = len(self._columns)
        own = self._matrix[row, :count]
        resources = self._resources[:count]
        columns = np.flatnonzero(~np.isnan(own) & (resources <= up_to))
        if len(columns) < 2:
            return None
        columns = columns[np.argsort(resources[columns])]
        keep = others != trial_id
        if not keep.any():
            return None
        with np.errstate(invalid="ignore"):  # inf - inf where diverged trials tie: NaN
            gathered = self._matrix[np.ix_(rows[keep], columns)]
            return others[keep], own[columns][None, :] - gathered


class RankedRows:
    """The trials of one rung, best first, as arrays kept up to date by insertion.

    `ids` (trial ids), `rows` (their `CurveMatrix` rows) and `below` (their values one
    rung lower, NaN if none), shapes (m,). An insertion moves O(m) memory in numpy
    and costs no Python work per trial.
    """

    def __init__(self, ids: np.ndarray, rows: np.ndarray, below: np.ndarray) -> None:
        self._size = len(ids)
        capacity = max(16, 2 * self._size)
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._rows = np.zeros(capacity, dtype=np.intp)
        self._below = np.zeros(capacity)
        self._ids[: self._size], self._rows[: self._size] = ids, rows
        self._below[: self._size] = below

    @property
    def ids(self) -> np.ndarray:
        return self._ids[: self._size]

    @property
    def rows(self) -> np.ndarray:
        return self._rows[: self._size]

    @property
    def below(self) -> np.ndarray:
        return self._below[: self._size]

    def insert(self, position: int, trial_id: int, row: int, below: float) -> None:
        """Insert a trial at `position` (0 = best)."""
        size = self._size
        if size == len(self._ids):
            self._ids, self._rows, self._below = (
                np.concatenate([array, np.zeros_like(array)])
                for array in (self._ids, self._rows, self._below)
            )
        for array, item in ((self._ids, trial_id), (self._rows, row), (self._below, below)):
            array[position + 1 : size + 1] = array[position:size]  # numpy copes with overlap
            array[position] = item
        self._size = size + 1
