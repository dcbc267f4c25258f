"""The plotting hypervolume (moocore from three objectives on) against the exact slicing
recursion it used before, kept here as an independent oracle, on random fronts of 2 to 5
objectives; and the curve over time built on it."""

from __future__ import annotations

import numpy as np
import pytest

from tunelab.plotting.stats import Mode, hypervolume, hypervolume_curve


def oracle_front(costs: np.ndarray) -> np.ndarray:
    """Non-dominated rows (minimisation) of a NaN-free array, by lexicographic sweep."""
    mask = np.zeros(len(costs), dtype=bool)
    kept: list[np.ndarray] = []
    for i in np.lexsort(costs.T[::-1]):
        point = costs[i]
        if not any((other <= point).all() and (other < point).any() for other in kept):
            kept.append(point)
            mask[i] = True
    return mask


def oracle_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume by slicing objectives (While et al., 2006): sort by the last
    objective; each slab between consecutive values is the (m-1)-D volume of the
    points below it times its depth. Points must lie strictly below the reference."""
    if len(points) == 0:
        return 0.0
    m = points.shape[1]
    if m == 1:
        return float(reference[0] - points[:, 0].min())
    if m == 2:
        order = np.lexsort((points[:, 1], points[:, 0]))
        x, y = points[order, 0], points[order, 1]
        lowest = np.concatenate([[reference[1]], np.minimum.accumulate(y)[:-1]])
        return float(((reference[0] - x) * np.clip(lowest - y, 0.0, None)).sum())
    points = points[np.argsort(points[:, -1], kind="stable")]
    depths = np.diff(np.append(points[:, -1], reference[-1]))
    total = 0.0
    for i in np.flatnonzero(depths > 0):
        head = points[: i + 1, :-1]
        total += depths[i] * oracle_volume(head[oracle_front(head)], reference[:-1])
    return total


def oracle(points: np.ndarray, reference: np.ndarray, modes: list[Mode]) -> float:
    signs = np.array([1.0 if mode == "min" else -1.0 for mode in modes])
    costs, bound = points * signs, reference * signs
    inside = costs[(costs < bound).all(axis=1)]
    return oracle_volume(inside[oracle_front(inside)], bound)


def random_sets(rng: np.random.Generator, n: int, m: int) -> list[np.ndarray]:
    uniform = rng.random((n, m))
    sphere = np.abs(rng.normal(size=(n, m)))
    sphere = 1.0 - 0.9 * sphere / np.linalg.norm(sphere, axis=1, keepdims=True)  # all on a front
    ties = np.round(rng.random((n, m)), 1)
    with_nan = rng.random((n, m))
    with_nan[::4, 0] = np.nan
    return [uniform, sphere, ties, with_nan]


@pytest.mark.parametrize(("m", "n"), [(2, 100), (3, 60), (4, 30), (5, 16)])
@pytest.mark.parametrize("modes_kind", ["min", "max", "mixed"])
def test_hypervolume_agrees_with_the_slicing_oracle(m: int, n: int, modes_kind: str) -> None:
    rng = np.random.default_rng(m * n)
    alternating: list[Mode] = ["min", "max"]
    modes: list[Mode] = [alternating[d % 2] for d in range(m)]
    if modes_kind != "mixed":
        modes = ["min" if modes_kind == "min" else "max"] * m
    signs = np.array([1.0 if mode == "min" else -1.0 for mode in modes])
    for points in random_sets(rng, n, m):
        oriented = points * signs  # minimised values in [0, 1] become maximised in [-1, 0]
        reference = np.full(m, 0.97) * signs
        expected = oracle(oriented, reference, modes)
        assert expected > 0
        assert hypervolume(oriented, reference, modes=modes) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("m", [3, 4, 5])
def test_hypervolume_curve_agrees_with_the_oracle_over_time(m: int) -> None:
    rng = np.random.default_rng(m)
    points = rng.random((25, m))
    x = rng.permutation(25).astype(float)
    grid = np.array([-1.0, 0.0, 3.0, 7.5, 12.0, 24.0])
    modes: list[Mode] = ["min"] * m
    reference = np.full(m, 0.9)
    curve = hypervolume_curve(x, points, grid, reference, modes=modes)
    expected = [oracle(points[x <= g], reference, modes) for g in grid]
    np.testing.assert_allclose(curve, expected, rtol=1e-12)
    assert curve[0] == 0.0


def test_hypervolume_of_many_points_in_five_objectives() -> None:
    """The size that took seconds with the recursion, against a Monte-Carlo estimate
    (far too many points for the oracle)."""
    rng = np.random.default_rng(0)
    points = rng.random((500, 5)) * 0.6 + 0.2
    samples = rng.random((20_000, 5))
    dominated = np.zeros(len(samples), dtype=bool)
    for point in points:
        dominated |= (samples >= point).all(axis=1)
    estimate = dominated.mean()  # the reference (1, ..., 1) bounds the unit cube
    error = np.sqrt(estimate * (1.0 - estimate) / len(samples))
    volume = hypervolume(points, np.ones(5), modes=["min"] * 5)
    assert volume == pytest.approx(estimate, abs=5 * error)
