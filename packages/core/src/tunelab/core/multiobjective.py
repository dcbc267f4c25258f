"""Multi-objective primitives: Pareto fronts, non-dominated sorting, crowding and hypervolume.

Every function takes the objective values as an array `points` of shape (n, m), one row
per evaluation and one column per objective, and `modes`, one `"min"` or `"max"` per
column. Internally all objectives are minimised (`to_costs` negates the `"max"`
columns); a point dominates another when it is at least as good in every objective
and better in one. A row with a NaN (a failed or missing evaluation) is never on a
front and adds no hypervolume.

The hypervolume of a set is the volume of the region its points dominate, bounded by a
reference point (Zitzler & Thiele, 1998). Two objectives use an exact sweep written
here; three or more use `moocore` (López-Ibáñez et al.), whose compiled algorithms are
exact and orders of magnitude faster than a Python recursion.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from tunelab.core.trial import Mode

__all__ = [
    "crowding_distance",
    "hypervolume",
    "hypervolume_contributions",
    "hypervolume_trace",
    "nondominated_ranks",
    "pareto_mask",
    "to_costs",
]

_MATRIX_LIMIT = 2048
"""Up to this many valid points, `nondominated_ranks` builds the (n, n) dominance matrix
(about 3 n^2 bytes at its peak: 12 MB at the limit, where it is still the faster way);
above it, it peels fronts off one at a time so that memory stays linear in n."""


def to_costs(points: ArrayLike, modes: Sequence[Mode]) -> np.ndarray:
    """Objective values as costs: a float (n, m) array in which every column is minimised.

    Args:
        points: Objective values, (n, m).
        modes: `"min"` or `"max"` for each of the m objectives; `"max"` columns are negated.

    Returns:
        A new float array, (n, m).

    Raises:
        ValueError: `points` is not numeric and 2-D with at least one column, or `modes`
            is not one valid mode per column.
    """
    try:
        values = np.array(points, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"points must be a numeric (n, m) array, got {points!r}") from error
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError(
            f"points must be a 2-D array (n, m) with m >= 1 objectives, got shape {values.shape}"
        )
    costs: np.ndarray = values * _signs(modes, values.shape[1])
    return costs


def pareto_mask(points: ArrayLike, modes: Sequence[Mode]) -> np.ndarray:
    """Which points no other point dominates (the Pareto front).

    Copies of a front point do not dominate each other, so all of them are kept;
    rows with a NaN are never on the front.

    Args:
        points: Objective values, (n, m).
        modes: `"min"` or `"max"` for each objective.

    Returns:
        Bool mask of the non-dominated rows, (n,).
    """
    costs = to_costs(points, modes)
    valid = _valid(costs)
    mask = np.zeros(len(costs), dtype=bool)
    mask[np.flatnonzero(valid)[_nondominated(costs[valid])]] = True
    return mask


def nondominated_ranks(points: ArrayLike, modes: Sequence[Mode]) -> np.ndarray:
    """Front index of every point: 0 for the Pareto front, 1 for the front of the rest...

    The front of a point is the length of the longest chain of points, each dominating
    the next, that leads to it (Deb et al., 2002, "A fast and elitist multiobjective
    genetic algorithm: NSGA-II"). One or two objectives take an O(n log n) sweep
    (`_ranks_2d`, Jensen, 2003), since schedulers rank thousands of results this way
    after every result. Three or more use Deb et al.'s fast non-dominated sorting,
    vectorised: a dominance matrix gives how many points dominate each one, and
    removing a front lowers the counts of the points it dominates; beyond
    `_MATRIX_LIMIT` points the fronts are peeled off one by one instead (same ranks,
    memory linear in n). Rows with a NaN get the largest rank of the others plus one
    (0 when every row has a NaN).

    Args:
        points: Objective values, (n, m).
        modes: `"min"` or `"max"` for each objective.

    Returns:
        Integer ranks, (n,).
    """
    costs = to_costs(points, modes)
    valid = _valid(costs)
    if costs.shape[1] <= 2:
        sorter = _ranks_2d
    else:
        sorter = _matrix_ranks if valid.sum() <= _MATRIX_LIMIT else _peeled_ranks
    ranks_of_valid = sorter(costs[valid])
    ranks = np.zeros(len(costs), dtype=int)
    ranks[valid] = ranks_of_valid
    ranks[~valid] = ranks_of_valid.max() + 1 if len(ranks_of_valid) else 0
    return ranks


def crowding_distance(points: ArrayLike, modes: Sequence[Mode]) -> np.ndarray:
    """NSGA-II crowding distance of every point within the given set (Deb et al., 2002).

    For each objective the points are ordered by value; a point adds the gap between
    its neighbours' values divided by the objective's range in the set, and a point at
    either end of the range gets `inf`. Points with equal values are treated alike (all
    copies share the gap between the next distinct values), so the result does not
    depend on the order of the rows. An objective with a single value in the set does
    not separate points and adds nothing (so a single point, or copies of one, get 0).
    Rows with a NaN are left out and get 0.

    Args:
        points: Objective values of one front (or any set), (n, m).
        modes: `"min"` or `"max"` for each objective.

    Returns:
        Crowding distances, (n,); larger means more isolated.
    """
    costs = to_costs(points, modes)
    valid = _valid(costs)
    distance = np.zeros(len(costs))
    for column in costs[valid].T:
        values, position = np.unique(column, return_inverse=True)
        if len(values) < 2:
            continue
        per_value = np.full(len(values), np.inf)
        with np.errstate(invalid="ignore"):  # inf / inf next to an infinite value
            gaps = (values[2:] - values[:-2]) / (values[-1] - values[0])
        per_value[1:-1] = np.where(np.isnan(gaps), np.inf, gaps)
        distance[valid] += per_value[position.reshape(-1)]
    return distance


def hypervolume(points: ArrayLike, reference_point: ArrayLike, modes: Sequence[Mode]) -> float:
    """Exact hypervolume dominated by `points` and bounded by `reference_point`.

    Only points strictly better than the reference point in every objective add
    volume; rows with a NaN are ignored. One or two objectives use a sweep over the
    sorted points (O(n log n)); three or more use `moocore.hypervolume`.

    Args:
        points: Objective values, (n, m).
        reference_point: The bound of the measured region, (m,), finite, in the units
            of the objectives (not negated for `"max"`).
        modes: `"min"` or `"max"` for each objective.

    Returns:
        The hypervolume; 0.0 when no point dominates the reference point.
    """
    costs, reference = _costs_and_reference(points, reference_point, modes)
    return _volume(costs[_inside(costs, reference)], reference)


def hypervolume_contributions(
    points: ArrayLike, reference_point: ArrayLike, modes: Sequence[Mode]
) -> np.ndarray:
    """Exclusive hypervolume of every point: what the set loses without it.

    The region only this point dominates; points it dominates cover part of its box
    and so lower its contribution. A dominated point, a point that does not dominate
    the reference point, a row with a NaN and each of several identical points
    contribute 0. Multi-objective schedulers break ties within a front with it. One or
    two objectives are computed from the sorted points directly (O(n log n)); three or
    more with `moocore.hv_contributions`.

    Args:
        points: Objective values, (n, m).
        reference_point: The bound of the measured region, (m,), finite.
        modes: `"min"` or `"max"` for each objective.

    Returns:
        Contributions, (n,), each >= 0.
    """
    costs, reference = _costs_and_reference(points, reference_point, modes)
    inside = _inside(costs, reference)
    contributions = np.zeros(len(costs))
    if not inside.any():
        return contributions
    subset = costs[inside]
    if subset.shape[1] <= 2:
        contributions[inside] = _contributions_2d(*_as_2d(subset, reference))
    else:
        import moocore  # compiled; imported on first use so that importing this is cheap

        # moocore's fast path leaves dominated points out of the others' contributions
        exact_needs_all = not _nondominated(subset).all()
        values = moocore.hv_contributions(
            subset, ref=reference, ignore_dominated=not exact_needs_all
        )
        contributions[inside] = np.clip(np.asarray(values, dtype=float), 0.0, None)
    return contributions


def hypervolume_trace(
    points: ArrayLike, reference_point: ArrayLike, modes: Sequence[Mode]
) -> np.ndarray:
    """Hypervolume of the first k points, for every k: the hypervolume after each result.

    The Pareto front of the points seen so far is kept up to date, and the volume is
    recomputed only when a new point joins it; points that are dominated (or equal to
    a front point), NaN rows and points outside the reference point leave it unchanged.

    Args:
        points: Objective values in the order they were obtained, (n, m).
        reference_point: The bound of the measured region, (m,), finite.
        modes: `"min"` or `"max"` for each objective.

    Returns:
        Non-decreasing hypervolumes, (n,): entry k is the hypervolume of points[: k + 1].
    """
    costs, reference = _costs_and_reference(points, reference_point, modes)
    inside = _inside(costs, reference)
    trace = np.zeros(len(costs))
    front = np.empty((0, costs.shape[1]))
    volume = 0.0
    for i in range(len(costs)):
        if inside[i]:
            point = costs[i]
            if not (front <= point).all(axis=1).any():
                front = np.vstack([front[~(point <= front).all(axis=1)], point])
                volume = _volume(front, reference)
        trace[i] = volume
    return trace


def _signs(modes: Sequence[Mode], n_objectives: int) -> np.ndarray:
    """+1 for each `"min"`, -1 for each `"max"`, checked against the number of objectives."""
    if isinstance(modes, str) or not isinstance(modes, Sequence):
        raise ValueError(
            f"modes must be a sequence of 'min'/'max', one per objective, got {modes!r}"
        )
    if len(modes) != n_objectives:
        raise ValueError(
            f"modes must give one mode per objective ({n_objectives}), got {len(modes)}: "
            f"{list(modes)!r}"
        )
    for position, mode in enumerate(modes):
        if mode not in ("min", "max"):
            raise ValueError(f"modes[{position}] must be 'min' or 'max', got {mode!r}")
    return np.array([1.0 if mode == "min" else -1.0 for mode in modes])


def _costs_and_reference(
    points: ArrayLike, reference_point: ArrayLike, modes: Sequence[Mode]
) -> tuple[np.ndarray, np.ndarray]:
    """The costs (n, m) and the reference point in cost units (m,), both checked."""
    costs = to_costs(points, modes)
    try:
        reference = np.array(reference_point, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"reference_point must be {len(modes)} finite numbers, got {reference_point!r}"
        ) from error
    if reference.shape != (costs.shape[1],) or not np.isfinite(reference).all():
        raise ValueError(
            f"reference_point must be {costs.shape[1]} finite numbers (one per objective), "
            f"got {reference_point!r}"
        )
    reference_costs: np.ndarray = reference * _signs(modes, costs.shape[1])
    return costs, reference_costs


def _valid(costs: np.ndarray) -> np.ndarray:
    """Rows without a NaN, (n,)."""
    valid: np.ndarray = ~np.isnan(costs).any(axis=1)
    return valid


def _inside(costs: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Rows strictly better than the reference in every objective (False for NaN rows)."""
    inside: np.ndarray = np.logical_and.reduce(costs < reference, axis=1)
    return inside


def _nondominated(costs: np.ndarray) -> np.ndarray:
    """Bool mask of the non-dominated rows of a NaN-free cost array (n, m).

    In lexicographic order a point can only be dominated by points before it, so
    walking that order, each point still standing is on the front and removes all
    later points it dominates in one vectorised comparison: one step per front point.
    One and two objectives need no walk (see `_nondominated_2d`).
    """
    if costs.shape[1] <= 2:
        return _nondominated_2d(costs)
    order = np.lexsort(costs.T[::-1])
    remaining = order
    position = 0
    while position < len(remaining):
        point = costs[remaining[position]]
        later = costs[remaining[position + 1 :]]
        dominated = (point <= later).all(axis=1) & (point < later).any(axis=1)
        remaining = np.concatenate(
            [remaining[: position + 1], remaining[position + 1 :][~dominated]]
        )
        position += 1
    mask = np.zeros(len(costs), dtype=bool)
    mask[remaining] = True
    return mask


def _nondominated_2d(costs: np.ndarray) -> np.ndarray:
    """`_nondominated` of costs (n, 1) or (n, 2) in O(n log n).

    Grouped by the first objective, a point is dominated when a group with a smaller
    first objective reaches a second objective at most its own, or when its own group
    holds a smaller second objective (equal ones are copies, which do not dominate).
    """
    mask = np.zeros(len(costs), dtype=bool)
    if len(costs) == 0:
        return mask
    first = costs[:, 0]
    second = costs[:, 1] if costs.shape[1] == 2 else np.zeros(len(costs))
    order = np.lexsort((second, first))
    first, second = first[order], second[order]
    starts_group = np.concatenate([[True], first[1:] != first[:-1]])
    group = np.cumsum(starts_group) - 1
    group_lowest = second[starts_group]  # sorted by the second objective inside a group
    lowest_before = np.concatenate([[np.inf], np.minimum.accumulate(group_lowest)[:-1]])
    dominated = (lowest_before[group] <= second) | (second > group_lowest[group])
    mask[order[~dominated]] = True
    return mask


def _matrix_ranks(costs: np.ndarray) -> np.ndarray:
    """Deb et al.'s fast non-dominated sort of a NaN-free cost array (n, m)."""
    n = len(costs)
    # dominates[i, j]: row i is <= row j in every objective and < in one; built one
    # objective at a time, on (n, n) arrays only
    no_worse = np.ones((n, n), dtype=bool)
    better = np.zeros((n, n), dtype=bool)
    for column in costs.T:
        no_worse &= column[:, None] <= column[None, :]
        better |= column[:, None] < column[None, :]
    dominates = no_worse & better
    counts = dominates.sum(axis=0)  # how many rows dominate each row
    ranks = np.zeros(n, dtype=int)
    front = np.flatnonzero(counts == 0)
    rank = 0
    while len(front):
        ranks[front] = rank
        counts -= dominates[front].sum(axis=0)
        counts[front] = -1  # assigned: never selected again
        front = np.flatnonzero(counts == 0)
        rank += 1
    return ranks


def _peeled_ranks(costs: np.ndarray) -> np.ndarray:
    """The same ranks as `_matrix_ranks`, one front at a time (memory O(n m))."""
    ranks = np.zeros(len(costs), dtype=int)
    remaining = np.arange(len(costs))
    rank = 0
    while len(remaining):
        front = _nondominated(costs[remaining])
        ranks[remaining[front]] = rank
        remaining = remaining[~front]
        rank += 1
    return ranks


def _ranks_2d(costs: np.ndarray) -> np.ndarray:
    """The ranks of `_matrix_ranks` for a NaN-free cost array (n, 1) or (n, 2), in
    O(n log n) (Jensen, 2003, "Reducing the run-time complexity of multiobjective EAs").

    Walked in lexicographic order (first objective, then second), a point can only be
    dominated by points before it, and an earlier point dominates it exactly when its
    key (second objective, then first) is smaller; copies share a key and so never
    dominate each other. Its front is thus the length of the longest run of
    increasing keys that leads to it, found as in patience sorting: `tails[k]` is the
    smallest key that ended a run of length k + 1 so far (increasing in k), and a
    bisection finds the longest run the point's key extends.
    """
    n = len(costs)
    first = costs[:, 0]
    second = costs[:, 1] if costs.shape[1] == 2 else np.zeros(n)
    walk = np.lexsort((second, first))
    by_key = np.lexsort((first, second))
    changes = np.ones(n, dtype=bool)
    changes[1:] = (second[by_key][1:] != second[by_key][:-1]) | (
        first[by_key][1:] != first[by_key][:-1]
    )
    keys = np.empty(n, dtype=np.int64)
    keys[by_key] = np.cumsum(changes)  # equal points, equal keys
    tails: list[int] = []
    walked_ranks: list[int] = []
    for key in keys[walk].tolist():
        rank = bisect.bisect_left(tails, key)
        if rank == len(tails):
            tails.append(key)
        else:
            tails[rank] = key
        walked_ranks.append(rank)
    ranks = np.empty(n, dtype=int)
    ranks[walk] = walked_ranks
    return ranks


def _as_2d(costs: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One objective as two: a constant second objective with a unit-wide reference keeps
    every volume and contribution, so the 2-D code serves both."""
    if costs.shape[1] == 2:
        return costs, reference
    return np.column_stack([costs, np.zeros(len(costs))]), np.append(reference, 1.0)


def _staircase(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 2-D front of costs (n, 2): sort order and, in that order, which rows are on it.

    Sorted by the first objective (ties by the second), a row is on the front when its
    second objective is below that of every row before it; copies after the first
    one of a front point are not marked.
    """
    order = np.lexsort((costs[:, 1], costs[:, 0]))
    second = costs[order, 1]
    lowest_before = np.concatenate([[np.inf], np.minimum.accumulate(second)[:-1]])
    return order, second < lowest_before


def _volume_2d(costs: np.ndarray, reference: np.ndarray) -> float:
    """Area dominated by costs (n, 2), all strictly inside the reference: the sum of the
    vertical strips between consecutive front points."""
    order, on_front = _staircase(costs)
    front = costs[order][on_front]
    widths = np.diff(np.append(front[:, 0], reference[0]))
    return float((widths * (reference[1] - front[:, 1])).sum())


def _contributions_2d(costs: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Exclusive areas of costs (n, 2), all strictly inside the reference.

    A front point's region reaches the next front point's first objective and the
    previous front point's second objective; the other points inside that box (which
    it dominates, or copies of it) take back the area they cover, their own volume
    with the box's far corner as reference.
    """
    order, on_front = _staircase(costs)
    ordered = costs[order]
    front = ordered[on_front]
    right = np.append(front[1:, 0], reference[0])
    above = np.concatenate([[reference[1]], front[:-1, 1]])
    owned = (right - front[:, 0]) * (above - front[:, 1])
    others = ordered[~on_front]
    box = np.searchsorted(front[:, 0], others[:, 0], side="right") - 1  # >= 0: front[0] is min
    inside_box = others[:, 1] < above[box]
    for b in np.unique(box[inside_box]).tolist():
        covering = others[inside_box & (box == b)]
        owned[b] -= _volume_2d(covering, np.array([right[b], above[b]]))
    contributions = np.zeros(len(costs))
    contributions[order[on_front]] = np.clip(owned, 0.0, None)
    return contributions


def _volume(costs: np.ndarray, reference: np.ndarray) -> float:
    """Volume dominated by costs (n, m) that all lie strictly inside the reference."""
    if len(costs) == 0:
        return 0.0
    if costs.shape[1] <= 2:
        return _volume_2d(*_as_2d(costs, reference))
    import moocore  # compiled; imported on first use so that importing this is cheap

    return float(moocore.hypervolume(costs, ref=reference))
