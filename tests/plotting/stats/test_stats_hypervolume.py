"""Pareto fronts and hypervolumes, against hand-computed examples and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tunelab.plotting.stats import Mode, hypervolume, hypervolume_curve, pareto_mask

UNIT = st.floats(0, 1, allow_nan=False)
MODES: list[Mode] = ["min", "max"]


def brute_pareto(points: np.ndarray) -> np.ndarray:
    """Non-dominated rows (minimisation) by comparing every pair."""
    n = len(points)
    return np.array(
        [
            not any(
                np.all(points[j] <= points[i]) and np.any(points[j] < points[i]) for j in range(n)
            )
            for i in range(n)
        ]
    )


def cell_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Exact volume by splitting space at every point coordinate into boxes: a box is
    dominated iff its lower corner is dominated by some point (minimisation)."""
    points = points[np.all(points < reference, axis=1)]
    if len(points) == 0:
        return 0.0
    axes = [np.unique(np.append(points[:, d], reference[d])) for d in range(points.shape[1])]
    total = 0.0
    for cell in itertools.product(*(range(len(a) - 1) for a in axes)):
        lower = np.array([a[i] for a, i in zip(axes, cell, strict=True)])
        if np.any(np.all(points <= lower, axis=1)):
            total += float(np.prod([a[i + 1] - a[i] for a, i in zip(axes, cell, strict=True)]))
    return total


def test_two_dimensional_staircase() -> None:
    points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.5, 3.5], [5.0, 0.0]])
    # strips 3*1 + 2*1 + 1*1; (3.5, 3.5) is dominated and (5, 0) lies beyond the reference
    assert hypervolume(points, np.array([4.0, 4.0]), modes=["min", "min"]) == pytest.approx(6.0)
    assert hypervolume(-points, np.array([-4.0, -4.0]), modes=["max", "max"]) == pytest.approx(6.0)
    mixed = points * np.array([1.0, -1.0])
    assert hypervolume(mixed, np.array([4.0, -4.0]), modes=["min", "max"]) == pytest.approx(6.0)


def test_three_dimensional_examples() -> None:
    reference = np.array([2.0, 2.0, 2.0])
    modes: list[Mode] = ["min"] * 3
    assert hypervolume(np.array([[1.0, 1.0, 1.0]]), reference, modes=modes) == 1.0
    corners = np.eye(3)  # the 2x2x2 cube minus the unit cube at the origin
    assert hypervolume(corners, reference, modes=modes) == pytest.approx(7.0)
    assert hypervolume(np.array([[2.0, 0.0, 0.0]]), reference, modes=modes) == 0.0
    assert hypervolume(np.empty((0, 3)), reference, modes=modes) == 0.0
    one_d = hypervolume(np.array([[3.0], [1.0]]), np.array([4.0]), modes=["min"])
    assert one_d == 3.0


@pytest.mark.parametrize(("n_points", "n_objectives"), [(25, 3), (12, 4), (40, 2)])
def test_hypervolume_matches_exact_cell_decomposition(n_points: int, n_objectives: int) -> None:
    rng = np.random.default_rng(n_points)
    points = rng.random((n_points, n_objectives))
    points[:3] = np.round(points[:3], 1)  # some shared coordinates
    reference = np.full(n_objectives, 0.9)
    expected = cell_volume(points, reference)
    assert hypervolume(points, reference, modes=["min"] * n_objectives) == pytest.approx(expected)


@pytest.mark.parametrize("n_objectives", [3, 4])
def test_hypervolume_of_a_whole_front_matches_cell_decomposition(n_objectives: int) -> None:
    rng = np.random.default_rng(n_objectives)
    points = np.abs(rng.normal(size=(14, n_objectives)))
    points /= np.linalg.norm(points, axis=1, keepdims=True)  # on a sphere: all non-dominated
    reference = np.full(n_objectives, 1.05)
    modes: list[Mode] = ["min"] * n_objectives
    assert pareto_mask(points, modes=modes).all()
    assert hypervolume(points, reference, modes=modes) == pytest.approx(
        cell_volume(points, reference)
    )


def test_hypervolume_agrees_with_monte_carlo_in_3d() -> None:
    rng = np.random.default_rng(1)
    points = rng.random((30, 3))
    samples = rng.random((200_000, 3))
    dominated = np.zeros(len(samples), dtype=bool)
    for p in points:
        dominated |= np.all(samples >= p, axis=1)
    estimate = dominated.mean()  # reference point (1, 1, 1): the sampled cube has volume 1
    error = np.sqrt(estimate * (1 - estimate) / len(samples))
    assert hypervolume(points, np.ones(3), modes=["min"] * 3) == pytest.approx(
        estimate, abs=5 * error
    )


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(0, 15), st.integers(1, 3)), elements=st.integers(0, 4)),
    st.data(),
)
def test_pareto_mask_matches_brute_force(points: np.ndarray, data: st.DataObject) -> None:
    modes: list[Mode] = data.draw(
        st.lists(st.sampled_from(MODES), min_size=points.shape[1], max_size=points.shape[1])
    )
    signs = np.array([1.0 if m == "min" else -1.0 for m in modes])
    mask = pareto_mask(points, modes=modes)
    np.testing.assert_array_equal(mask, brute_pareto(points * signs).astype(bool).reshape(-1))


def test_pareto_mask_keeps_duplicates_and_drops_nan() -> None:
    points = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 2.0], [np.nan, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(
        pareto_mask(points, modes=["min", "min"]), [True, True, False, False, True]
    )


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(float, st.tuples(st.integers(1, 10), st.integers(2, 3)), elements=UNIT), UNIT)
def test_hypervolume_properties(points: np.ndarray, extra: float) -> None:
    reference = np.ones(points.shape[1])
    modes: list[Mode] = ["min"] * points.shape[1]
    volume = hypervolume(points, reference, modes=modes)
    assert 0.0 <= volume <= 1.0
    front = points[pareto_mask(points, modes=modes)]
    assert hypervolume(front, reference, modes=modes) == pytest.approx(volume)
    more = np.vstack([points, np.full(points.shape[1], extra)])
    assert hypervolume(more, reference, modes=modes) >= volume - 1e-12


@pytest.mark.parametrize("n_objectives", [2, 3])
def test_hypervolume_curve_matches_recomputation(n_objectives: int) -> None:
    rng = np.random.default_rng(2)
    points = rng.random((30, n_objectives))
    points[5] = np.nan  # a failed evaluation
    x = rng.permutation(30).astype(float) + 1.0
    grid = np.array([0.5, 30.0, 1.0, 4.0, 4.5, 10.0, 17.0, 25.0, 29.0])
    modes: list[Mode] = ["max"] * n_objectives
    reference = np.zeros(n_objectives)
    curve = hypervolume_curve(x, points, grid, reference, modes=modes)
    for value, g in zip(curve, grid, strict=True):
        seen = points[x <= g]
        assert value == pytest.approx(hypervolume(seen, reference, modes=modes))
    assert curve[0] == 0.0
    assert np.all(np.diff(curve[np.argsort(grid)]) >= 0)


def test_hypervolume_errors() -> None:
    points = np.ones((3, 2))
    with pytest.raises(
        ValueError, match=r"modes must give one mode per objective \(2\), got \['min'\]"
    ):
        hypervolume(points, np.zeros(2), modes=["min"])
    with pytest.raises(
        ValueError, match=r"modes must give one mode per objective \(2\), got 'min'"
    ):
        hypervolume(points, np.zeros(2), modes="min")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"modes entry must be 'min' or 'max', got 'up'"):
        pareto_mask(points, modes=["min", "up"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"reference_point must be 2 finite numbers"):
        hypervolume(points, np.array([0.0, np.nan]), modes=["min", "min"])
    with pytest.raises(ValueError, match=r"points must be \(n, m\) with m >= 1, got shape \(3,\)"):
        hypervolume(np.ones(3), np.zeros(3), modes=["min"] * 3)
    with pytest.raises(ValueError, match=r"x must have shape \(3,\) like the points, got \(2,\)"):
        hypervolume_curve(np.ones(2), points, np.ones(2), np.zeros(2), modes=["min", "min"])
    with pytest.raises(ValueError, match="x must not contain NaN"):
        hypervolume_curve(
            np.array([1.0, np.nan, 2.0]), points, np.ones(2), np.zeros(2), modes=["min", "min"]
        )
