"""Scalarisations of several costs into one target for a single GP (ParEGO and kin).

Pure functions on cost arrays of shape `(n, m)` (every column minimised). The costs
are first rescaled to [0, 1] over the data (`normalize_costs`), so that the weights
mean the same whatever the units of the metrics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def normalize_costs(costs: np.ndarray) -> np.ndarray:
    """Each column of `costs` (shape `(n, m)`) mapped to [0, 1] by its minimum and
    maximum over the rows; a column with a single value maps to 0."""
    low = costs.min(axis=0)
    span = costs.max(axis=0) - low
    normalized: np.ndarray = (costs - low) / np.where(span > 0, span, 1.0)
    return normalized


def augmented_chebyshev(costs: np.ndarray, weights: np.ndarray, rho: float) -> np.ndarray:
    """`max_j w_j c_j + rho * sum_j w_j c_j` of each row of `costs` (shape `(n, m)`),
    shape `(n,)`.

    The maximum makes every Pareto-optimal point the minimiser for some weights (also
    on non-convex parts of the front, unlike a weighted sum); the small sum term
    breaks the ties the maximum leaves between weakly dominated points.

    Reference: J. Knowles. ParEGO: A Hybrid Algorithm with On-Line Landscape
    Approximation for Expensive Multiobjective Optimization Problems. IEEE TEC, 2006.
    """
    weighted = costs * weights
    scalar: np.ndarray = weighted.max(axis=1) + rho * weighted.sum(axis=1)
    return scalar


def weighted_sum(costs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`sum_j w_j c_j` of each row of `costs` (shape `(n, m)`), shape `(n,)`."""
    total: np.ndarray = costs @ weights
    return total


def uniform_simplex_weights(rng: np.random.Generator, m: int) -> np.ndarray:
    """Weights drawn uniformly from the simplex `{w >= 0, sum w = 1}` (a flat
    Dirichlet), shape `(m,)`."""
    weights: np.ndarray = rng.dirichlet(np.ones(m))
    return weights


def check_weights(weights: Sequence[float], *, where: str) -> np.ndarray:
    """`weights` as an array summing to 1, or a ValueError naming `where`: they must be
    finite, non-negative and not all zero."""
    try:
        values = np.array([float(w) for w in weights])
    except (TypeError, ValueError):
        raise ValueError(f"{where}: weights must be a list of numbers, got {weights!r}") from None
    if (
        values.ndim != 1
        or not len(values)
        or not all(math.isfinite(w) and w >= 0 for w in values.tolist())
        or values.sum() <= 0
    ):
        raise ValueError(
            f"{where}: weights must be finite, non-negative numbers, not all zero, got "
            f"{list(weights)!r}"
        )
    normalized: np.ndarray = values / values.sum()
    return normalized
