"""Soft ranking and its noise level epsilon, for PASHA (Bohdal et al., 2023)."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


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
    crossed = crossing.any(axis=1)
    last = steps - 2 - np.argmax(crossing[:, ::-1], axis=1)
    gaps[crossed] = np.abs(differences[np.arange(m), last])[crossed]
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

    Cost per new top-rung trial: O(m * R) for m trials in the rung and R resources.
    """

    def __init__(self, *, percentile: float = 90.0) -> None:
        self.percentile = percentile
        self._gaps: dict[tuple[int, int], float] = {}
        self._sorted: list[float] = []

    @property
    def epsilon(self) -> float:
        values = self._sorted
        if not values:
            return 0.0
        position = (len(values) - 1) * self.percentile / 100.0
        low = int(position)
        high = min(low + 1, len(values) - 1)
        return values[low] + (values[high] - values[low]) * (position - low)

    def add_trial(
        self,
        trial_id: int,
        others: Sequence[int],
        curves: Mapping[int, Mapping[float, float]],
        up_to: float,
    ) -> None:
        """Measure the pairs of `trial_id` with `others`, on resources <= `up_to`."""
        curve = curves.get(trial_id, {})
        resources = sorted(r for r in curve if r <= up_to)
        others = [t for t in others if t != trial_id]
        if len(resources) < 2 or not others:
            return
        own = np.array([curve[r] for r in resources])
        rows = np.array([[curves.get(t, {}).get(r, np.nan) for r in resources] for t in others])
        differences = own[None, :] - rows
        complete = ~np.isnan(differences).any(axis=1)
        gaps = np.full(len(others), np.nan)
        gaps[complete] = latest_crossing_gaps(differences[complete])
        for row in np.flatnonzero(~complete):
            valid = differences[row][~np.isnan(differences[row])]
            gaps[row] = latest_crossing_gaps(valid[None, :])[0]
        for other, gap in zip(others, gaps.tolist(), strict=True):
            if np.isfinite(gap):
                self._set((min(trial_id, other), max(trial_id, other)), gap)

    def _set(self, pair: tuple[int, int], gap: float) -> None:
        old = self._gaps.get(pair)
        if old is not None:
            del self._sorted[bisect.bisect_left(self._sorted, old)]
        self._gaps[pair] = gap
        bisect.insort(self._sorted, gap)

    def state_dict(self) -> dict[str, Any]:
        return {"gaps": dict(self._gaps)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._gaps = {tuple(pair): float(gap) for pair, gap in state["gaps"].items()}
        self._sorted = sorted(self._gaps.values())
