"""Ranking points of several metrics best first: non-dominated sorting with a tie-break.

What MOASHA (at a rung), NSGA-II (selection and survival) and MOREA (the tournament)
rank by. Points are cost vectors: each metric oriented so that smaller is better
(`costs_of` negates maximised metrics). The front of a point (its non-dominated rank,
Deb et al., 2002) comes first; inside a front, the point that adds more diversity
wins: a larger crowding distance (NSGA-II) or a larger hypervolume contribution
(SMS-EMOA, Beume et al., 2007); then the earlier row. Taking the first `k` points of
the order takes whole fronts while they fit and the most spread-out points of the
last front considered.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from tunelab.core.multiobjective import hypervolume_contributions, nondominated_ranks
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Mode

TieBreak = Literal["crowding", "hypervolume"]
"""How points of one front are ordered: by crowding distance or hypervolume contribution."""
TIE_BREAKS: tuple[TieBreak, ...] = ("crowding", "hypervolume")

# The reference point of hypervolume contributions lies this fraction of the points'
# range beyond the worst value of each metric, so that the extreme points of a front
# contribute too (a reference on the worst value would give them nothing).
_REFERENCE_MARGIN = 0.1


def check_tie_break(value: Any, *, where: str) -> TieBreak:
    """`value` if it is one of `TIE_BREAKS`, else a ValueError naming `where`."""
    if value not in TIE_BREAKS:
        raise ValueError(f"{where}: tie_break must be 'crowding' or 'hypervolume', got {value!r}")
    tie_break: TieBreak = value
    return tie_break


def costs_of(
    result: dict[str, Any], metrics: Sequence[str], modes: Sequence[Mode], *, where: str
) -> np.ndarray:
    """The metrics of `result` as a cost vector, shape `(len(metrics),)`.

    Maximised metrics are negated, so that smaller is better in every entry; NaN and
    infinite values are kept (callers decide what a diverged result means).

    Raises:
        ValueError: a metric is missing from `result` or is not a number.
    """
    costs = np.empty(len(metrics))
    for column, (name, mode) in enumerate(zip(metrics, modes, strict=True)):
        if name not in result:
            raise ValueError(f"{where}: result {sorted(result)} lacks the metric {name!r}")
        try:
            value = float(result[name])
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: metric {name!r} must be a number, got {result[name]!r}"
            ) from None
        costs[column] = value if mode == "min" else -value
    return costs


def observed_costs(searcher: Searcher, result: dict[str, Any]) -> np.ndarray | None:
    """The cost vector of `result` over the metrics `searcher` was configured with, or
    None if one of them is NaN or infinite (a diverged trial, not learnt from).

    Raises:
        RuntimeError: the searcher was not configured.
        ValueError: a metric is missing from `result` or is not a number.
    """
    where = f"{type(searcher).__name__}.observe"
    if not searcher.metrics:
        raise RuntimeError(f"{where}: call configure(metric=..., mode=...) first")
    costs = costs_of(result, searcher.metrics, searcher.modes, where=where)
    return costs if np.isfinite(costs).all() else None


def pareto_scores(
    costs: np.ndarray, tie_break: TieBreak = "crowding"
) -> tuple[np.ndarray, np.ndarray]:
    """The front and the tie-break score of each point.

    Args:
        costs: Shape `(n, m)`, smaller is better in every column.
        tie_break: "crowding" (crowding distance inside the point's front, inf at its
            boundary) or "hypervolume" (the point's hypervolume contribution to its
            front, with a reference point `_REFERENCE_MARGIN` of the range beyond the
            worst finite value of each metric).

    Returns:
        `(fronts, spread)`, shapes `(n,)`: the front of each point (0 = not dominated;
        rows with a non-finite entry come after every other front) and its tie-break
        score (larger is better; 0 for rows with a non-finite entry).
    """
    costs = np.asarray(costs, dtype=float)
    n, m = costs.shape
    fronts = np.zeros(n, dtype=int)
    spread = np.zeros(n)
    finite = np.isfinite(costs).all(axis=1)
    rows = np.flatnonzero(finite)
    if len(rows) < n:
        fronts[~finite] = n  # after any front of the finite rows (at most n - 1)
    if not len(rows):
        return fronts, spread
    points = costs[rows]
    ranks = np.asarray(nondominated_ranks(points, ["min"] * m), dtype=int)
    fronts[rows] = ranks
    reference = _reference_point(points) if tie_break == "hypervolume" else None
    smallest = 3 if reference is None else 2  # crowding is inf for every point of 1 or 2
    scored = np.bincount(ranks)[ranks] >= smallest
    spread[rows[~scored]] = math.inf
    if scored.any():
        scores = _front_scores(points[scored], ranks[scored], reference)
        spread[rows[scored]] = np.where(np.isnan(scores), 0.0, scores)  # NaN: no spread
    return fronts, spread


def pareto_order(costs: np.ndarray, tie_break: TieBreak = "crowding") -> np.ndarray:
    """Row indices of `costs` (shape `(n, m)`, smaller is better) best first.

    By front, then by the tie-break score (larger first, see `pareto_scores`), then
    by row index, so that the order is deterministic.
    """
    fronts, spread = pareto_scores(costs, tie_break)
    # lexsort: the last key sorts first
    order: np.ndarray = np.lexsort((np.arange(len(fronts)), -spread, fronts))
    return order


def _reference_point(points: np.ndarray) -> np.ndarray:
    worst, best = points.max(axis=0), points.min(axis=0)
    span = worst - best
    reference: np.ndarray = worst + _REFERENCE_MARGIN * np.where(span > 0, span, 1.0)
    return reference


def _front_scores(
    points: np.ndarray, fronts: np.ndarray, reference: np.ndarray | None
) -> np.ndarray:
    """The tie-break score of each point (finite, shape `(k, m)`) within its front.

    `crowding_distance` or `hypervolume_contributions` (with `reference`) of the points
    of each front, the same numbers to the last bit, but computed for all fronts at
    once where that is possible: a rung holds dozens of fronts, and a call per front
    cost more than the ranking itself.
    """
    if reference is None:
        return _crowding_by_front(points, fronts)
    if points.shape[1] == 2 and bool((points < reference).all()):
        return _contributions_by_front_2d(points, fronts, reference)
    modes: list[Mode] = ["min"] * points.shape[1]
    scores = np.zeros(len(points))
    for front in np.unique(fronts).tolist():
        members = np.flatnonzero(fronts == front)
        scores[members] = hypervolume_contributions(points[members], reference, modes)
    return scores


def _crowding_by_front(points: np.ndarray, fronts: np.ndarray) -> np.ndarray:
    """`crowding_distance` of each point (finite, shape `(k, m)`) within its front.

    Per metric, the distinct values of each front in increasing order: an inner value
    gets the gap between its neighbours over the front's range, the two ends inf, and
    a front with a single value adds nothing; the metrics are summed in column order,
    as `crowding_distance` sums them.
    """
    distance = np.zeros(len(points))
    for column in points.T:
        walk = np.lexsort((column, fronts))
        values, owners = column[walk], fronts[walk]
        distinct = np.ones(len(walk), dtype=bool)
        distinct[1:] = (owners[1:] != owners[:-1]) | (values[1:] != values[:-1])
        value, owner = values[distinct], owners[distinct]
        opens = np.ones(len(value), dtype=bool)  # the front's first (smallest) value
        opens[1:] = owner[1:] != owner[:-1]
        closes = np.ones(len(value), dtype=bool)  # its last (largest) value
        closes[:-1] = opens[1:]
        front_of = np.cumsum(opens) - 1
        lowest, highest = value[opens][front_of], value[closes][front_of]
        per_value = np.where(opens & closes, 0.0, math.inf)
        inner = np.flatnonzero(~opens & ~closes)
        with np.errstate(invalid="ignore"):  # inf / inf next to an infinite value
            gaps = (value[inner + 1] - value[inner - 1]) / (highest[inner] - lowest[inner])
        per_value[inner] = np.where(np.isnan(gaps), math.inf, gaps)
        distance[walk] += per_value[np.cumsum(distinct) - 1]
    return distance


def _contributions_by_front_2d(
    points: np.ndarray, fronts: np.ndarray, reference: np.ndarray
) -> np.ndarray:
    """`hypervolume_contributions` of each point (shape `(k, 2)`, all strictly better
    than `reference`) within its front, every front holding at least two points.

    In a front sorted by the first metric, distinct points descend in the second, and
    a point's exclusive box reaches the next point's first metric and the previous
    point's second one (the reference at the ends); copies of a point share its box
    and so each contribute 0.
    """
    walk = np.lexsort((points[:, 1], points[:, 0], fronts))
    first, second, owners = points[walk, 0], points[walk, 1], fronts[walk]
    distinct = np.ones(len(walk), dtype=bool)
    distinct[1:] = (
        (owners[1:] != owners[:-1]) | (first[1:] != first[:-1]) | (second[1:] != second[:-1])
    )
    copy_of = np.cumsum(distinct) - 1
    copies = np.bincount(copy_of)
    left, low, owner = first[distinct], second[distinct], owners[distinct]
    opens = np.ones(len(left), dtype=bool)
    opens[1:] = owner[1:] != owner[:-1]
    closes = np.ones(len(left), dtype=bool)
    closes[:-1] = opens[1:]
    right = np.where(closes, reference[0], np.roll(left, -1))
    above = np.where(opens, reference[1], np.roll(low, 1))
    with np.errstate(over="ignore"):  # an area beyond the float range is inf
        area = (right - left) * (above - low)
    owned = np.where(copies > 1, 0.0, np.clip(area, 0.0, None))
    contributions = np.zeros(len(points))
    contributions[walk] = owned[copy_of]
    return contributions
