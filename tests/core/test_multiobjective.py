"""Pareto fronts, non-dominated ranks, crowding and hypervolume of tunelab.core.multiobjective,
checked against independent implementations written here (slicing recursion, box
decomposition, Monte Carlo, pairwise brute force) and hand-computed cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tunelab.core import multiobjective
from tunelab.core.multiobjective import (
    crowding_distance,
    hypervolume,
    hypervolume_contributions,
    hypervolume_trace,
    nondominated_ranks,
    pareto_mask,
    to_costs,
)
from tunelab.core.trial import Mode

SMALL_INTS = st.integers(0, 4)


def mins(m: int) -> list[Mode]:
    return ["min"] * m


def slicing_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Exact hypervolume (minimisation) by slicing along the last objective: between
    consecutive levels, the slab's cross-section is the (m-1)-D volume of the points at
    or below the level."""
    points = points[(points < reference).all(axis=1)]
    if len(points) == 0:
        return 0.0
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    levels = np.unique(points[:, -1])
    tops = np.append(levels[1:], reference[-1])
    total = 0.0
    for level, top in zip(levels, tops, strict=True):
        below = points[points[:, -1] <= level, :-1]
        total += (top - level) * slicing_volume(below, reference[:-1])
    return total


def box_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Exact hypervolume (minimisation) by cutting space at every coordinate into boxes;
    a box is dominated when some point is <= its lower corner."""
    points = points[(points < reference).all(axis=1)]
    if len(points) == 0:
        return 0.0
    cuts = [np.unique(np.append(points[:, d], reference[d])) for d in range(points.shape[1])]
    lowers = np.array(list(itertools.product(*(c[:-1] for c in cuts))))
    sizes = np.array(list(itertools.product(*(np.diff(c) for c in cuts)))).prod(axis=1)
    covered = np.all(points[None, :, :] <= lowers[:, None, :], axis=2).any(axis=1)
    return float(sizes[covered].sum())


def brute_dominated(costs: np.ndarray) -> np.ndarray:
    """dominated[i, j]: row j dominates row i (minimisation), by comparing every pair."""
    n = len(costs)
    return np.array(
        [
            [bool(np.all(costs[j] <= costs[i]) and np.any(costs[j] < costs[i])) for j in range(n)]
            for i in range(n)
        ]
    ).reshape(n, n)


def brute_ranks(costs: np.ndarray) -> np.ndarray:
    """Ranks by peeling brute-force fronts off the NaN-free costs."""
    ranks = np.full(len(costs), -1)
    remaining = np.arange(len(costs))
    rank = 0
    while len(remaining):
        dominated = brute_dominated(costs[remaining]).any(axis=1)
        ranks[remaining[~dominated]] = rank
        remaining = remaining[dominated]
        rank += 1
    return ranks


def sphere_front(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """n mutually non-dominated points on the positive unit sphere."""
    points = np.abs(rng.normal(size=(n, m)))
    normalised: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
    return normalised


# -- to_costs and input checks ----------------------------------------------------------


def test_to_costs_negates_maximised_columns_into_a_new_float_array() -> None:
    points = [[1, 2, 3], [4, 5, 6]]
    costs = to_costs(points, ["min", "max", "min"])
    np.testing.assert_array_equal(costs, [[1.0, -2.0, 3.0], [4.0, -5.0, 6.0]])
    assert costs.dtype == float
    source = np.ones((2, 1))
    to_costs(source, ["max"])[0, 0] = 7.0
    assert source[0, 0] == 1.0
    assert to_costs(np.empty((0, 3)), mins(3)).shape == (0, 3)


@pytest.mark.parametrize(
    ("points", "modes", "message"),
    [
        (np.ones(3), ["min"], r"points must be a 2-D array \(n, m\) with m >= 1 objectives, "),
        (np.ones((2, 0)), [], r"got shape \(2, 0\)"),
        ([["a", "b"]], ["min", "min"], "points must be a numeric"),
        (np.ones((2, 2)), "min", r"modes must be a sequence of 'min'/'max'.*got 'min'"),
        (np.ones((2, 2)), ["min"], r"one mode per objective \(2\), got 1: \['min'\]"),
        (np.ones((2, 2)), ["min", "up"], r"modes\[1\] must be 'min' or 'max', got 'up'"),
    ],
)
def test_bad_points_and_modes_are_named(points: object, modes: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_costs(points, modes)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        pareto_mask(points, modes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "reference", [[0.0, np.nan], [0.0], [0.0, 1.0, 2.0], [0.0, np.inf], "ab", [[1.0, 2.0]]]
)
def test_a_bad_reference_point_is_named(reference: object) -> None:
    for function in (hypervolume, hypervolume_contributions, hypervolume_trace):
        with pytest.raises(ValueError, match="reference_point must be 2 finite numbers"):
            function(np.ones((3, 2)), reference, mins(2))  # type: ignore[arg-type]


# -- Pareto mask and non-dominated ranks ---------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(0, 14), st.integers(1, 4)), elements=SMALL_INTS),
    st.data(),
)
def test_pareto_mask_and_ranks_match_brute_force(points: np.ndarray, data: st.DataObject) -> None:
    modes: list[Mode] = data.draw(
        st.lists(
            st.sampled_from(["min", "max"]), min_size=points.shape[1], max_size=points.shape[1]
        )
    )
    costs = points * np.array([1.0 if mode == "min" else -1.0 for mode in modes])
    expected_front = ~brute_dominated(costs).any(axis=1) if len(points) else np.zeros(0, bool)
    np.testing.assert_array_equal(pareto_mask(points, modes), expected_front)
    np.testing.assert_array_equal(nondominated_ranks(points, modes), brute_ranks(costs))


def test_pareto_mask_keeps_every_copy_of_a_front_point_and_never_a_nan_row() -> None:
    points = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 2.0], [np.nan, 0.0], [0.0, 3.0], [3.0, 0.0]])
    np.testing.assert_array_equal(
        pareto_mask(points, mins(2)), [True, True, False, False, True, True]
    )
    assert not pareto_mask(np.full((2, 2), np.nan), mins(2)).any()
    assert pareto_mask(np.empty((0, 2)), mins(2)).shape == (0,)


def test_ranks_of_a_hand_made_set() -> None:
    # maximise accuracy, minimise latency
    points = np.array(
        [
            [0.9, 10.0],  # 0: front
            [0.8, 5.0],  # 1: front
            [0.7, 5.0],  # 2: dominated by 1 only -> 1
            [0.7, 12.0],  # 3: dominated by 0, 1, 2 -> 2
            [0.95, 30.0],  # 4: front
            [np.nan, 1.0],  # 5: NaN -> worst rank + 1
            [0.8, 5.0],  # 6: a copy of 1 -> front
        ]
    )
    ranks = nondominated_ranks(points, ["max", "min"])
    np.testing.assert_array_equal(ranks, [0, 0, 1, 2, 0, 3, 0])
    assert ranks.dtype.kind == "i"
    np.testing.assert_array_equal(nondominated_ranks(np.full((3, 2), np.nan), mins(2)), [0, 0, 0])
    assert nondominated_ranks(np.empty((0, 3)), mins(3)).shape == (0,)


@pytest.mark.parametrize(("n", "m"), [(300, 2), (200, 3), (150, 5)])
def test_both_sorting_strategies_give_the_same_ranks(
    n: int, m: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(n + m)
    points = np.round(rng.random((n, m)), 1)  # many ties and copies
    points[::17] = np.nan
    matrix = nondominated_ranks(points, mins(m))
    monkeypatch.setattr(multiobjective, "_MATRIX_LIMIT", 0)
    peeled = nondominated_ranks(points, mins(m))
    np.testing.assert_array_equal(matrix, peeled)
    assert matrix.max() > 3


# -- crowding distance -------------------------------------------------------------------


def test_crowding_distance_of_a_hand_made_front() -> None:
    points = np.array([[0.0, 4.0], [1.0, 3.0], [3.0, 1.0], [4.0, 0.0], [np.nan, 2.0]])
    distance = crowding_distance(points, mins(2))
    # ranges 4 and 4; point 1: (3 - 0)/4 + (4 - 1)/4; point 2: (4 - 1)/4 + (3 - 0)/4
    np.testing.assert_allclose(distance, [np.inf, 1.5, 1.5, np.inf, 0.0])
    np.testing.assert_allclose(crowding_distance(-points, ["max", "max"]), distance)


def test_crowding_distance_treats_copies_alike_and_ignores_constant_objectives() -> None:
    points = np.array([[0.0, 5.0], [1.0, 5.0], [1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    # the second objective is constant: only the first separates the points (range 4)
    np.testing.assert_allclose(crowding_distance(points, mins(2)), [np.inf, 0.5, 0.5, 0.75, np.inf])
    np.testing.assert_array_equal(crowding_distance(np.ones((3, 2)), mins(2)), [0.0] * 3)
    assert crowding_distance(np.empty((0, 2)), mins(2)).shape == (0,)
    np.testing.assert_array_equal(crowding_distance([[1.0, 2.0]], mins(2)), [0.0])


def test_crowding_distance_next_to_an_infinite_value_is_infinite() -> None:
    points = np.array([[0.0], [1.0], [2.0], [np.inf]])
    np.testing.assert_array_equal(crowding_distance(points, ["min"]), [np.inf, 0.0, np.inf, np.inf])


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 3)), elements=SMALL_INTS),
    st.randoms(use_true_random=False),
)
def test_crowding_distance_does_not_depend_on_the_row_order(
    points: np.ndarray, shuffle: object
) -> None:
    permutation = np.arange(len(points))
    shuffle.shuffle(permutation)  # type: ignore[attr-defined]
    distance = crowding_distance(points, mins(points.shape[1]))
    shuffled = crowding_distance(points[permutation], mins(points.shape[1]))
    np.testing.assert_array_equal(shuffled, distance[permutation])
    assert (distance >= 0).all()


# -- hypervolume -------------------------------------------------------------------------


def test_hypervolume_closed_forms() -> None:
    staircase = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.5, 3.5], [5.0, 0.0]])
    # 3 + 2 + 1; (3.5, 3.5) is dominated and (5, 0) lies beyond the reference
    assert hypervolume(staircase, [4.0, 4.0], mins(2)) == pytest.approx(6.0)
    assert hypervolume(-staircase, [-4.0, -4.0], ["max", "max"]) == pytest.approx(6.0)
    mixed = staircase * [1.0, -1.0]
    assert hypervolume(mixed, [4.0, -4.0], ["min", "max"]) == pytest.approx(6.0)
    assert hypervolume([[1.0, 2.0, 3.0, 4.0, 5.0]], np.full(5, 6.0), mins(5)) == pytest.approx(120)
    assert hypervolume(np.eye(3), np.full(3, 2.0), mins(3)) == pytest.approx(7.0)  # 8 - 1
    corners = np.eye(4)  # 2^4 minus the unit box at the origin
    assert hypervolume(corners, np.full(4, 2.0), mins(4)) == pytest.approx(15.0)
    assert hypervolume([[3.0], [1.0], [np.nan]], [4.0], ["min"]) == 3.0
    assert hypervolume([[0.5], [0.9]], [0.0], ["max"]) == pytest.approx(0.9)


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_points_that_do_not_strictly_dominate_the_reference_add_nothing(m: int) -> None:
    reference = np.ones(m)
    on_the_boundary = np.full((1, m), 0.5)
    on_the_boundary[0, -1] = 1.0
    beyond = np.full((1, m), 2.0)
    nan_row = np.full((1, m), np.nan)
    for points in (on_the_boundary, beyond, nan_row, np.empty((0, m))):
        assert hypervolume(points, reference, mins(m)) == 0.0
        assert hypervolume_contributions(points, reference, mins(m)).tolist() == [0.0] * len(points)
    inside = np.full((1, m), 0.5)
    both = np.vstack([inside, on_the_boundary, beyond, nan_row])
    assert hypervolume(both, reference, mins(m)) == pytest.approx(0.5**m)


@pytest.mark.parametrize(("m", "n"), [(2, 80), (3, 40), (4, 25), (5, 14)])
def test_hypervolume_agrees_with_the_slicing_recursion(m: int, n: int) -> None:
    rng = np.random.default_rng(10 * m + n)
    for points in (rng.random((n, m)), sphere_front(rng, n, m), np.round(rng.random((n, m)), 1)):
        reference = np.full(m, 0.95)
        expected = slicing_volume(points, reference)
        assert expected > 0
        assert hypervolume(points, reference, mins(m)) == pytest.approx(expected, rel=1e-12)
        maximised = hypervolume(1.0 - points, 1.0 - reference, ["max"] * m)
        assert maximised == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("m", "n"), [(2, 12), (3, 9), (4, 7), (5, 6)])
def test_hypervolume_agrees_with_the_box_decomposition(m: int, n: int) -> None:
    rng = np.random.default_rng(m)
    points = rng.random((n, m))
    points[:2] = np.round(points[:2], 1)  # shared coordinates
    reference = np.full(m, 0.9)
    assert hypervolume(points, reference, mins(m)) == pytest.approx(box_volume(points, reference))


def test_hypervolume_agrees_with_monte_carlo_in_five_objectives() -> None:
    rng = np.random.default_rng(5)
    points = sphere_front(rng, 60, 5) * 0.9
    samples = rng.random((100_000, 5))
    dominated = np.zeros(len(samples), dtype=bool)
    for point in points:
        dominated |= (samples >= point).all(axis=1)
    estimate = dominated.mean()  # the reference (1, ..., 1) bounds the unit cube
    error = np.sqrt(estimate * (1.0 - estimate) / len(samples))
    assert hypervolume(points, np.ones(5), mins(5)) == pytest.approx(estimate, abs=5 * error)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(1, 10), st.integers(2, 4)), elements=st.floats(0, 1)),
    st.floats(0, 1),
)
def test_hypervolume_invariants(points: np.ndarray, extra: float) -> None:
    m = points.shape[1]
    reference = np.ones(m)
    volume = hypervolume(points, reference, mins(m))
    assert 0.0 <= volume <= 1.0
    front = points[pareto_mask(points, mins(m))]
    assert hypervolume(front, reference, mins(m)) == pytest.approx(volume)
    more = np.vstack([points, np.full(m, extra)])
    assert hypervolume(more, reference, mins(m)) >= volume - 1e-12


# -- contributions -----------------------------------------------------------------------


@pytest.mark.parametrize(("m", "n"), [(1, 6), (2, 30), (3, 20), (4, 12)])
def test_contributions_are_what_the_set_loses_without_each_point(m: int, n: int) -> None:
    rng = np.random.default_rng(m)
    points = np.vstack([rng.random((n, m)), sphere_front(rng, n, m) * 0.9])
    points[3] = points[4]  # a pair of copies
    points[5, 0] = np.nan
    points[6] = 1.5  # beyond the reference
    reference = np.ones(m)
    valid = ~np.isnan(points).any(axis=1)
    total = slicing_volume(points[valid], reference)
    expected = np.zeros(len(points))
    for i in np.flatnonzero(valid):
        others = np.delete(points, i, axis=0)
        expected[i] = total - slicing_volume(others[~np.isnan(others).any(axis=1)], reference)
    contributions = hypervolume_contributions(points, reference, mins(m))
    np.testing.assert_allclose(contributions, expected, atol=1e-12)
    assert contributions[3] == contributions[4] == 0.0
    assert contributions[5] == contributions[6] == 0.0
    flipped = hypervolume_contributions(-points, -reference, ["max"] * m)
    np.testing.assert_allclose(flipped, expected, atol=1e-12)


def test_contributions_of_hand_made_sets() -> None:
    points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.5, 2.5]])
    # each front point owns a unit box; (2.5, 2.5), dominated, covers a quarter of (2, 2)'s
    np.testing.assert_allclose(
        hypervolume_contributions(points, [4.0, 4.0], mins(2)), [1.0, 0.75, 1.0, 0.0]
    )
    # (2, 1, 1) covers 2 x 3 x 3 of the 3 x 3 x 3 box of (1, 1, 1)
    shadowed = np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 1.0]])
    np.testing.assert_allclose(
        hypervolume_contributions(shadowed, np.full(3, 4.0), mins(3)), [9.0, 0.0]
    )
    copies = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.5, 3.0, 3.0]])
    np.testing.assert_allclose(
        hypervolume_contributions(copies, np.full(3, 4.0), mins(3)), [0.0, 0.0, 0.5 * 1 * 1]
    )


# -- trace -------------------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_trace_is_the_hypervolume_of_every_prefix(m: int) -> None:
    rng = np.random.default_rng(m)
    points = rng.random((40, m))
    points[7] = np.nan
    points[9] = points[8]  # a copy of a (possibly front) point changes nothing
    points[11] = 2.0  # beyond the reference
    modes: list[Mode] = ["max"] * m
    reference = np.full(m, 0.1)
    trace = hypervolume_trace(points, reference, modes)
    expected = [hypervolume(points[: k + 1], reference, modes) for k in range(len(points))]
    np.testing.assert_allclose(trace, expected, rtol=1e-12)
    assert (np.diff(trace) >= 0).all()
    assert trace[9] == trace[8]
    assert hypervolume_trace(np.empty((0, m)), reference, modes).shape == (0,)
