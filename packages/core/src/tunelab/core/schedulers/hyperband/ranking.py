"""Soft ranking and its noise level epsilon, for PASHA (Bohdal et al., 2023)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunelab.core.schedulers.hyperband.curves import CurveMatrix


def soft_ranking_consistent(previous: np.ndarray, epsilon: float) -> bool:
    """Whether two rungs rank the same trials consistently, up to `epsilon`.

    Args:
        previous: Shape (n,): the values at the lower rung of the trials of the top
            rung, listed in their order at the top rung (best first); smaller is better.
        epsilon: Values within `epsilon` of each other are equivalent.

    The soft ranking of the lower rung lists, for each position `i`, the trials
    whose value lies within `epsilon` of the `i`-th best value `u_i`. The rankings
    agree iff, for every `i`, the `i`-th trial of the top rung is among them, that is
    `|previous[i] - u_i| <= epsilon`. With `epsilon = 0` and no ties this is equality
    of the two rankings. Fewer than two trials always agree.
    """
    if len(previous) < 2:
        return True
    ordered = np.sort(previous)
    with np.errstate(invalid="ignore"):  # inf - inf where diverged trials tie
        gaps = np.abs(previous - ordered)
    return bool(np.all((previous == ordered) | (gaps <= epsilon)))


def latest_crossing_gaps(differences: np.ndarray) -> np.ndarray:
    """Gap before the last criss-crossing of each pair of learning curves.

    Args:
        differences: Shape (m, R): `f_a(r) - f_b(r)` for m pairs of curves at R
            common resources, in increasing resource order, without NaN.

    Returns:
        Shape (m,): for each pair, `|f_a(r) - f_b(r)|` at the resource just before the
        last strict sign change of the difference (the margin that noise overturned),
        or NaN if the curves never cross.
    """
    m, steps = differences.shape
    gaps = np.full(m, np.nan)
    if steps < 2:
        return gaps
    signs = np.sign(differences)
    crossing = signs[:, :-1] * signs[:, 1:] < 0
    if not crossing.any():
        return gaps
    crossed = crossing.any(axis=1)
    last = steps - 2 - np.argmax(crossing[:, ::-1], axis=1)
    gaps[crossed] = np.abs(differences[np.arange(m), last])[crossed]
    return gaps


def crossing_gaps(differences: np.ndarray) -> np.ndarray:
    """`latest_crossing_gaps` of rows that may hold NaN (a value missing on one curve).

    Each row is compared over its non-NaN entries only, as if they were consecutive:
    a row with fewer than two of them never crosses (NaN).

    Args:
        differences: Shape (m, R), in increasing resource order.

    Returns:
        Shape (m,), as `latest_crossing_gaps`.
    """
    m, steps = differences.shape
    if steps < 2 or m == 0:
        return np.full(m, np.nan)
    valid = ~np.isnan(differences)
    if valid.all():
        return latest_crossing_gaps(differences)
    gaps = np.full(m, np.nan)
    # previous[:, k]: the last non-NaN column <= k (-1 if none), for column k + 1
    previous = np.maximum.accumulate(np.where(valid, np.arange(steps), -1), axis=1)[:, :-1]
    signs = np.sign(np.where(valid, differences, 0.0))
    before = np.take_along_axis(signs, np.maximum(previous, 0), axis=1)
    crossing = valid[:, 1:] & (previous >= 0) & (before * signs[:, 1:] < 0)
    crossed = crossing.any(axis=1)
    rows = np.arange(m)
    last = steps - 2 - np.argmax(crossing[:, ::-1], axis=1)
    at = np.maximum(previous[rows, last], 0)
    gaps[crossed] = np.abs(differences[rows, at])[crossed]
    return gaps


class CrissCrossNoise:
    """Estimates PASHA's epsilon from criss-crossing learning curves.

    PASHA (Bohdal et al., 2023, "soft ranking") measures how much ranking noise the
    learning curves show: for each pair of trials of the current top rung, it finds
    the last resource (up to the top level) where their curves swap order and keeps
    the gap between them just before the swap (`latest_crossing_gaps`); epsilon is
    the `percentile`-th percentile (90 in the paper) of these gaps over all pairs
    seen so far, 0 while no pair has crossed. A pair is re-measured, on longer
    curves, when both trials reach a higher top rung.

    Cost per new top-rung trial: O(m * R) numpy work for m trials in the rung and R
    resources when the curves are a `CurveMatrix`, plus O(c) Python work for the c
    pairs that cross; epsilon is recomputed (O(number of pairs), by selection) only
    when read after a change.
    """

    def __init__(self, *, percentile: float = 90.0) -> None:
        self.percentile = percentile
        self._slots: dict[tuple[int, int], int] = {}  # pair -> index in _values
        self._values = np.empty(64)
        self._epsilon: float | None = 0.0

    @property
    def epsilon(self) -> float:
        if self._epsilon is None:
            self._epsilon = self._percentile(self._values[: len(self._slots)])
        return self._epsilon

    def _percentile(self, gaps: np.ndarray) -> float:
        """Linear interpolation between the order statistics (numpy's default method)."""
        if len(gaps) == 0:
            return 0.0
        position = (len(gaps) - 1) * self.percentile / 100.0
        low = int(position)
        high = min(low + 1, len(gaps) - 1)
        chosen = np.partition(gaps, (low, high))
        below, above = float(chosen[low]), float(chosen[high])
        return below + (above - below) * (position - low)

    def add_trial(
        self,
        trial_id: int,
        others: Sequence[int] | np.ndarray,
        curves: Mapping[int, Mapping[float, float]] | CurveMatrix,
        up_to: float,
        *,
        rows: np.ndarray | None = None,
    ) -> None:
        """Measure the pairs of `trial_id` with `others`, on resources <= `up_to`.

        With curves in a `CurveMatrix`, `others` may be an array, and `rows` their
        rows in it when known (`CurveMatrix.rows_of`).
        """
        if isinstance(curves, CurveMatrix):
            ids = np.asarray(others, dtype=np.int64).reshape(-1)
            rows = curves.rows_of(ids) if rows is None else rows
            measured = curves.differences(trial_id, ids, rows, up_to)
        else:
            measured = _differences(trial_id, others, curves, up_to)
        if measured is None:
            return
        ids, differences = measured
        gaps = crossing_gaps(differences)
        finite = np.isfinite(gaps)
        for other, gap in zip(ids[finite].tolist(), gaps[finite].tolist(), strict=True):
            self._set((min(trial_id, other), max(trial_id, other)), gap)

    def _set(self, pair: tuple[int, int], gap: float) -> None:
        slot = self._slots.get(pair)
        if slot is None:
            slot = self._slots[pair] = len(self._slots)
            if slot >= len(self._values):
                self._values = np.concatenate([self._values, np.empty(len(self._values))])
        self._values[slot] = gap
        self._epsilon = None

    def state_dict(self) -> dict[str, Any]:
        gaps = self._values[: len(self._slots)].tolist()
        return {"gaps": dict(zip(self._slots, gaps, strict=True))}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        gaps = {tuple(pair): float(gap) for pair, gap in state["gaps"].items()}
        self._slots = {pair: slot for slot, pair in enumerate(gaps)}
        self._values = np.array([*gaps.values(), 0.0])
        self._epsilon = None


def _differences(
    trial_id: int,
    others: Sequence[int] | np.ndarray,
    curves: Mapping[int, Mapping[float, float]],
    up_to: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """`CurveMatrix.differences` for curves given as `{trial: {resource: value}}`."""
    curve = curves.get(trial_id, {})
    resources = sorted(r for r in curve if r <= up_to)
    listed = others.tolist() if isinstance(others, np.ndarray) else others
    kept = [t for t in listed if t != trial_id]
    if len(resources) < 2 or not kept:
        return None
    own = np.array([curve[r] for r in resources])
    rows = np.array([[curves.get(t, {}).get(r, np.nan) for r in resources] for t in kept])
    with np.errstate(invalid="ignore"):  # inf - inf where diverged trials tie: NaN
        return np.array(kept, dtype=np.int64), own[None, :] - rows
