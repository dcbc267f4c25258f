"""Grids, best-so-far steps and normalised regret, against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tunelab.plotting.stats import (
    Mode,
    best_so_far,
    make_grid,
    normalized_regret,
    reference_range,
    step_values,
)

FINITE = st.floats(-1e6, 1e6, allow_nan=False)


def test_make_grid_linear_default_start() -> None:
    grid = make_grid(10.0, 5)
    np.testing.assert_allclose(grid, [2.0, 4.0, 6.0, 8.0, 10.0])


def test_make_grid_log_ends_exactly_and_is_geometric() -> None:
    grid = make_grid(3600.0, 50, log=True)
    assert grid.shape == (50,)
    assert grid[-1] == 3600.0
    assert grid[0] == pytest.approx(3.6)
    ratios = grid[1:] / grid[:-1]
    np.testing.assert_allclose(ratios, ratios[0])


def test_make_grid_explicit_start() -> None:
    np.testing.assert_allclose(make_grid(1.0, 3, x_min=0.0), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(make_grid(100.0, 3, x_min=1.0, log=True), [1.0, 10.0, 100.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x_max": 0.0}, r"x_max must be a finite number > 0, got 0\.0"),
        ({"x_max": -2.0}, r"x_max .* got -2\.0"),
        ({"x_max": float("inf")}, r"x_max .* got inf"),
        ({"x_max": 1.0, "n_points": 1}, r"n_points must be an integer >= 2, got 1"),
        ({"x_max": 1.0, "x_min": 1.0}, r"x_min must be finite and < x_max=1\.0, got 1\.0"),
        ({"x_max": 1.0, "x_min": 0.0, "log": True}, r"x_min must be > 0 for a log grid, got 0\.0"),
    ],
)
def test_make_grid_errors(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_grid(**kwargs)  # type: ignore[arg-type]


def test_best_so_far_ignores_nan() -> None:
    values = np.array([np.nan, 3.0, np.nan, 5.0, 1.0, 2.0])
    np.testing.assert_array_equal(
        best_so_far(values, mode="min"), [np.nan, 3.0, 3.0, 3.0, 1.0, 1.0]
    )
    np.testing.assert_array_equal(
        best_so_far(values, mode="max"), [np.nan, 3.0, 3.0, 5.0, 5.0, 5.0]
    )
    assert best_so_far(np.array([]), mode="min").shape == (0,)


def test_best_so_far_errors() -> None:
    with pytest.raises(ValueError, match=r"mode must be 'min' or 'max', got 'minimize'"):
        best_so_far(np.ones(3), mode="minimize")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"values must be 1-D, got shape \(2, 2\)"):
        best_so_far(np.ones((2, 2)), mode="min")


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(float, st.integers(1, 30), elements=FINITE | st.just(np.nan)))
def test_best_so_far_matches_loop(values: np.ndarray) -> None:
    expected = [
        np.nanmin(values[: i + 1]) if not np.isnan(values[: i + 1]).all() else np.nan
        for i in range(len(values))
    ]
    np.testing.assert_array_equal(best_so_far(values, mode="min"), expected)


def test_step_values_unsorted_x_and_grid_edges() -> None:
    x = np.array([5.0, 1.0, 3.0, 3.0])
    values = np.array([0.1, 0.9, 0.5, 0.7])
    grid = np.array([0.5, 1.0, 2.9, 3.0, 4.0, 5.0, 10.0])
    np.testing.assert_array_equal(
        step_values(x, values, grid, mode="min"), [np.nan, 0.9, 0.9, 0.5, 0.5, 0.1, 0.1]
    )
    np.testing.assert_array_equal(
        step_values(x, values, grid, mode="max"), [np.nan, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda n: st.tuples(
            hnp.arrays(float, n, elements=st.floats(0, 10)),
            hnp.arrays(float, n, elements=FINITE | st.just(np.nan)),
            hnp.arrays(float, st.integers(1, 10), elements=st.floats(-1, 11)),
        )
    ),
    st.sampled_from(["min", "max"]),
)
def test_step_values_matches_direct(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], mode: Mode
) -> None:
    x, values, grid = data
    reduce = np.nanmin if mode == "min" else np.nanmax
    expected = []
    for g in grid:
        seen = values[(x <= g) & ~np.isnan(values)]
        expected.append(reduce(seen) if seen.size else np.nan)
    np.testing.assert_array_equal(step_values(x, values, grid, mode=mode), expected)


def test_step_values_errors() -> None:
    with pytest.raises(ValueError, match=r"same length, got shapes \(3,\) and \(2,\)"):
        step_values(np.ones(3), np.ones(2), np.ones(4), mode="min")
    with pytest.raises(ValueError, match=r"x must not contain NaN \(found at index 1\)"):
        step_values(np.array([0.0, np.nan]), np.ones(2), np.ones(4), mode="min")
    with pytest.raises(ValueError, match=r"grid must be 1-D, got shape \(2, 2\)"):
        step_values(np.ones(3), np.ones(3), np.ones((2, 2)), mode="min")


def test_normalized_regret_both_modes() -> None:
    values = np.array([1.0, 2.0, 3.0, 0.0, np.nan])
    np.testing.assert_allclose(
        normalized_regret(values, best=1.0, worst=3.0, mode="min"), [0, 0.5, 1, -0.5, np.nan]
    )
    np.testing.assert_allclose(
        normalized_regret(values, best=3.0, worst=1.0, mode="max"), [1, 0.5, 0, 1.5, np.nan]
    )


@pytest.mark.parametrize(
    ("best", "worst", "mode", "match"),
    [
        (1.0, 1.0, "min", r"best and worst must differ, both are 1\.0"),
        (np.nan, 1.0, "min", r"must be finite, got best=nan, worst=1\.0"),
        (0.0, np.inf, "max", r"must be finite, got best=0\.0, worst=inf"),
        (2.0, 1.0, "min", r"for mode='min' best must be < worst, got best=2\.0, worst=1\.0"),
        (1.0, 2.0, "max", r"for mode='max' best must be > worst"),
    ],
)
def test_normalized_regret_errors(best: float, worst: float, mode: Mode, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        normalized_regret(np.ones(2), best=best, worst=worst, mode=mode)


def test_reference_range() -> None:
    values = np.array([[np.nan, 2.0], [np.inf, -1.0], [5.0, -np.inf]])
    assert reference_range(values, mode="min") == (-1.0, 5.0)
    assert reference_range(values, mode="max") == (5.0, -1.0)
    with pytest.raises(ValueError, match=r"no finite value \(shape \(2,\)\)"):
        reference_range(np.array([np.nan, np.inf]), mode="min")


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(float, st.integers(2, 20), elements=FINITE, unique=True),
    st.sampled_from(["min", "max"]),
)
def test_regret_of_reference_range_is_in_unit_interval(values: np.ndarray, mode: Mode) -> None:
    best, worst = reference_range(values, mode=mode)
    regret = normalized_regret(values, best=best, worst=worst, mode=mode)
    assert regret.min() == 0.0
    assert regret.max() == pytest.approx(1.0)
    assert np.all((regret >= 0) & (regret <= 1 + 1e-12))
