"""The fast Pareto ranking (issue 17: MOASHA's rungs) decides exactly as the slow one.

`nondominated_ranks` sorts one or two metrics in O(n log n), `pareto_scores` scores
every front at once and `ParetoRung` keeps its costs in one growing array. Each is
checked against the code it replaced, kept here as the reference: non-dominated
sorting by peeling fronts pairwise, the crowding distance and hypervolume
contribution computed front by front with the public functions, and a rung that
sorts all its trials from scratch. Scores must agree to the last bit, since they
break ties.
"""

from __future__ import annotations

import math
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tunelab.core import multiobjective
from tunelab.core._pareto import TieBreak, _reference_point, pareto_order, pareto_scores
from tunelab.core.multiobjective import (
    crowding_distance,
    hypervolume_contributions,
    nondominated_ranks,
)
from tunelab.core.schedulers.moasha import ParetoRung
from tunelab.core.trial import Mode

# Few distinct values: many ties and copies; the last three are the non-finite cases.
_VALUES = [0.0, 1.0, 2.0, 3.0, 0.5, -1.5, 1e-300, 1e300, -0.0, math.nan, math.inf, -math.inf]
_FINITE = 9


def _costs(max_rows: int, *, finite: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Cost arrays (n, m), n in 1..max_rows, m in 1..4, drawn from `_VALUES` (a weighted
    pick: about one entry in twelve non-finite) or from arbitrary finite floats."""
    count = _FINITE if finite else len(_VALUES)
    picked = st.integers(0, 3 * count - 1).map(
        lambda i: _VALUES[i % _FINITE] if i >= count else _VALUES[i]
    )
    shapes = st.tuples(st.integers(1, max_rows), st.integers(1, 4))
    return shapes.flatmap(
        lambda shape: st.one_of(
            hnp.arrays(float, shape, elements=picked),
            hnp.arrays(float, shape, elements=st.floats(-1e6, 1e6, width=32)),
        )
    )


def reference_ranks(points: np.ndarray) -> np.ndarray:
    """Fronts by peeling: a point is in the next front when no other point left
    dominates it; NaN rows after every front (the replaced `nondominated_ranks`)."""
    valid = ~np.isnan(points).any(axis=1)
    ranks = np.zeros(len(points), dtype=int)
    left = np.flatnonzero(valid)
    rank = 0
    while len(left):
        rest = points[left]
        no_worse = (rest[:, None, :] <= rest[None, :, :]).all(axis=2)
        better = (rest[:, None, :] < rest[None, :, :]).any(axis=2)
        dominated = (no_worse & better).any(axis=0)  # [i, j]: row i dominates row j
        ranks[left[~dominated]] = rank
        left = left[dominated]
        rank += 1
    ranks[~valid] = rank if valid.any() else 0
    return ranks


def reference_scores(costs: np.ndarray, tie_break: TieBreak) -> tuple[np.ndarray, np.ndarray]:
    """`pareto_scores` as it was: one crowding or contribution call per front."""
    n, m = costs.shape
    fronts = np.zeros(n, dtype=int)
    spread = np.zeros(n)
    finite = np.isfinite(costs).all(axis=1)
    rows = np.flatnonzero(finite)
    fronts[~finite] = n
    if not len(rows):
        return fronts, spread
    points = costs[rows]
    modes: list[Mode] = ["min"] * m
    ranks = reference_ranks(points)
    fronts[rows] = ranks
    reference = _reference_point(points) if tie_break == "hypervolume" else None
    smallest = 3 if reference is None else 2
    sizes = np.bincount(ranks)
    spread[rows[sizes[ranks] < smallest]] = math.inf
    for front in np.flatnonzero(sizes >= smallest).tolist():
        members = np.flatnonzero(ranks == front)
        if reference is None:
            scores = crowding_distance(points[members], modes)
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # areas beyond the float range
                scores = hypervolume_contributions(points[members], reference, modes)
        spread[rows[members]] = np.where(np.isnan(scores), 0.0, scores)
    return fronts, spread


def reference_order(costs: np.ndarray, tie_break: TieBreak) -> np.ndarray:
    fronts, spread = reference_scores(costs, tie_break)
    order: np.ndarray = np.lexsort((np.arange(len(fronts)), -spread, fronts))
    return order


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, NaN for NaN, and the same sign of zero."""
    return bool(np.array_equal(a, b, equal_nan=True) and (np.signbit(a) == np.signbit(b)).all())


@settings(max_examples=400, deadline=None)
@given(_costs(40), st.lists(st.sampled_from(["min", "max"]), min_size=4, max_size=4))
def test_ranks_match_peeling_with_ties_copies_nan_and_inf(
    costs: np.ndarray, modes: list[Mode]
) -> None:
    modes = modes[: costs.shape[1]]
    expected = reference_ranks(multiobjective.to_costs(costs, modes))
    ranks = nondominated_ranks(costs, modes)
    assert ranks.dtype == expected.dtype and ranks.tolist() == expected.tolist()


@settings(max_examples=400, deadline=None)
@given(_costs(40), st.sampled_from(["crowding", "hypervolume"]))
def test_scores_and_order_match_the_front_by_front_computation(
    costs: np.ndarray, tie_break: TieBreak
) -> None:
    fronts, spread = pareto_scores(costs, tie_break)
    expected_fronts, expected_spread = reference_scores(costs, tie_break)
    assert fronts.tolist() == expected_fronts.tolist()
    assert same_bits(spread, expected_spread)
    assert pareto_order(costs, tie_break).tolist() == reference_order(costs, tie_break).tolist()


@settings(max_examples=100, deadline=None)
@given(_costs(25, finite=True), st.sampled_from(["crowding", "hypervolume"]))
def test_fronts_of_copies_and_of_one_value_per_metric(
    costs: np.ndarray, tie_break: TieBreak
) -> None:
    # every row repeated: each front holds copies, whose scores are the special cases
    doubled = np.repeat(costs, 2, axis=0)
    _, spread = pareto_scores(doubled, tie_break)
    assert same_bits(spread, reference_scores(doubled, tie_break)[1])


def test_two_metric_ranks_beyond_the_matrix_limit_match_peeling() -> None:
    rng = np.random.default_rng(17)
    n = multiobjective._MATRIX_LIMIT + 500
    costs = rng.integers(0, 60, size=(n, 2)).astype(float)
    costs[rng.random(n) < 0.01] = math.nan
    valid = ~np.isnan(costs).any(axis=1)
    expected = np.full(n, 0)
    expected[valid] = multiobjective._peeled_ranks(costs[valid])
    expected[~valid] = expected[valid].max() + 1
    assert nondominated_ranks(costs, ["min", "min"]).tolist() == expected.tolist()


def test_a_large_rung_orders_as_before_with_both_tie_breaks() -> None:
    rng = np.random.default_rng(3)
    costs = np.column_stack([rng.integers(0, 30, 600), rng.random(600).round(2)])
    for tie_break in ("crowding", "hypervolume"):
        assert pareto_order(costs, tie_break).tolist() == reference_order(costs, tie_break).tolist()


def rung_reference(ids: list[int], costs: list[np.ndarray], tie_break: TieBreak) -> dict[int, int]:
    """Places of the trials, sorted from scratch as the replaced `ParetoRung` did."""
    by_id = np.argsort(ids, kind="stable")
    order = by_id[reference_order(np.stack(costs)[by_id], tie_break)].tolist()
    return {ids[row]: place for place, row in enumerate(order)}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=30),
    st.randoms(use_true_random=False),
    st.sampled_from(["crowding", "hypervolume"]),
)
def test_a_rung_places_its_trials_as_a_full_sort_after_every_result(
    values: list[tuple[int, int]], shuffler: Random, tie_break: TieBreak
) -> None:
    ids = list(range(len(values)))
    shuffler.shuffle(ids)
    rung = ParetoRung(tie_break)
    added: list[int] = []
    vectors: list[np.ndarray] = []
    for trial_id, value in zip(ids, values, strict=True):
        vector = np.array(value, dtype=float)
        rung.add(trial_id, vector)
        added.append(trial_id)
        vectors.append(vector)
        expected = rung_reference(added, vectors, tie_break)
        assert {t: rung.position(t) for t in added} == expected
        assert rung.best_of(added) == min(added, key=expected.__getitem__)
    copy = ParetoRung(tie_break)
    copy.load_state_dict(rung.state_dict())
    assert rung.state_dict() == {"ids": added, "costs": [v.tolist() for v in vectors]}
    assert [copy.position(t) for t in added] == [rung.position(t) for t in added]


def test_a_rung_refuses_a_second_result_and_a_cost_vector_of_another_length() -> None:
    rung = ParetoRung("crowding")
    assert rung.best_of([]) is None
    rung.add(4, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="trial 4 already has a result at this rung"):
        rung.add(4, np.array([0.0, 0.0]))
    with pytest.raises(ValueError, match="trial 5 has 3 costs, the rung's other trials 2"):
        rung.add(5, np.array([0.0, 0.0, 0.0]))
    assert len(rung) == 1 and rung.position(4) == 0
    empty = ParetoRung("hypervolume")
    empty.load_state_dict({"ids": [], "costs": []})
    empty.add(1, np.array([3.0]))
    assert empty.position(1) == 0
