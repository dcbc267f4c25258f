"""Scalarisations of several costs: normalisation, augmented Chebyshev, weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tunelab.gp.multiobjective.scalarization import (
    augmented_chebyshev,
    check_weights,
    normalize_costs,
    uniform_simplex_weights,
    weighted_sum,
)


def test_normalize_costs_maps_each_column_to_the_unit_interval() -> None:
    costs = np.array([[1.0, 10.0, 3.0], [3.0, 30.0, 3.0], [2.0, 20.0, 3.0]])
    np.testing.assert_allclose(
        normalize_costs(costs), [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.5, 0.5, 0.0]]
    )


def test_augmented_chebyshev_is_the_largest_weighted_cost_plus_rho_times_the_sum() -> None:
    costs = np.array([[0.2, 0.8], [0.6, 0.3]])
    weights = np.array([0.25, 0.75])
    expected = [0.6 + 0.05 * (0.05 + 0.6), 0.225 + 0.05 * (0.15 + 0.225)]
    np.testing.assert_allclose(augmented_chebyshev(costs, weights, 0.05), expected)
    np.testing.assert_allclose(weighted_sum(costs, weights), [0.65, 0.375])


def test_chebyshev_finds_a_point_of_a_concave_front_that_no_weighted_sum_prefers() -> None:
    # the middle point lies above the line between the others: no weighted sum makes it
    # the strict minimum, equal Chebyshev weights do
    costs = np.array([[0.0, 1.0], [0.55, 0.55], [1.0, 0.0]])
    equal = np.array([0.5, 0.5])
    assert int(np.argmin(augmented_chebyshev(costs, equal, 0.05))) == 1
    for w in np.linspace(0.0, 1.0, 21):
        assert int(np.argmin(weighted_sum(costs, np.array([w, 1.0 - w])))) != 1


@given(st.integers(0, 2**32 - 1), st.integers(1, 5))
def test_simplex_weights_are_non_negative_and_sum_to_one(seed: int, m: int) -> None:
    weights = uniform_simplex_weights(np.random.default_rng(seed), m)
    assert weights.shape == (m,) and (weights >= 0).all()
    assert weights.sum() == pytest.approx(1.0)


def test_simplex_weights_cover_the_simplex_evenly() -> None:
    draws = np.stack([uniform_simplex_weights(np.random.default_rng(s), 2) for s in range(2000)])
    # uniform on the simplex: the first weight is uniform on [0, 1]
    assert np.histogram(draws[:, 0], bins=4, range=(0, 1))[0].min() > 400


def test_check_weights_normalises_and_names_bad_input() -> None:
    np.testing.assert_allclose(check_weights([1, 3], where="W"), [0.25, 0.75])
    for bad in ([], [0.0, 0.0], [1.0, -1.0], [1.0, float("nan")], ["a"]):
        with pytest.raises(ValueError, match="W: weights must be"):
            check_weights(bad, where="W")  # type: ignore[arg-type]
