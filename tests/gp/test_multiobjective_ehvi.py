"""Exact EHVI by box decomposition (`ImprovementCells`), checked against the hypervolume
of `tunelab.core.multiobjective` (its 2-D sweep and moocore) and against Monte Carlo."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from tunelab.core.multiobjective import hypervolume
from tunelab.core.trial import Mode
from tunelab.gp.multiobjective import ImprovementCells


def _improvement(front: np.ndarray, point: np.ndarray, reference: np.ndarray) -> float:
    modes: list[Mode] = ["min"] * len(reference)
    before = hypervolume(front, reference, modes) if len(front) else 0.0
    return hypervolume(np.vstack([front, point]), reference, modes) - before


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_with_no_uncertainty_it_is_the_hypervolume_improvement(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    front = rng.uniform(size=(int(rng.integers(1, 15)), m))  # dominated points included
    reference = np.full(m, 1.05)
    cells = ImprovementCells.of(front, reference)
    points = rng.uniform(-0.2, 1.2, size=(20, m))
    expected = [_improvement(front, point, reference) for point in points]
    got = cells.expected_improvement(points, np.full((20, m), 1e-12))
    np.testing.assert_allclose(got, expected, atol=1e-9)


@pytest.mark.parametrize("m", [2, 3])
def test_it_agrees_with_a_monte_carlo_estimate(m: int) -> None:
    rng = np.random.default_rng(7)
    front = rng.uniform(size=(6, m))
    reference = np.full(m, 1.1)
    mean, std = rng.uniform(0.0, 1.0, size=m), rng.uniform(0.1, 0.4, size=m)
    samples = mean + std * rng.standard_normal((3000, m))
    improvements = [_improvement(front, y, reference) for y in samples]
    estimate, error = np.mean(improvements), np.std(improvements) / np.sqrt(len(samples))
    exact = ImprovementCells.of(front, reference).expected_improvement(mean[None], std[None])[0]
    assert abs(exact - estimate) < 4 * error + 1e-6, (exact, estimate, error)


def test_points_not_below_the_reference_add_nothing() -> None:
    reference = np.array([1.0, 1.0])
    inside = np.array([[0.5, 0.5]])
    outside = np.array([[0.2, 1.0], [1.5, 0.1]])  # on or beyond the reference
    mean, std = np.array([[0.3, 0.3], [0.9, 0.1]]), np.full((2, 2), 0.2)
    with_outside = ImprovementCells.of(np.vstack([inside, outside]), reference)
    np.testing.assert_allclose(
        with_outside.expected_improvement(mean, std),
        ImprovementCells.of(inside, reference).expected_improvement(mean, std),
    )
    assert ImprovementCells.of(np.empty((0, 2)), reference).num_cells == 1


def test_two_objectives_take_one_cell_per_front_point_and_one() -> None:
    front = np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.1], [0.95, 0.95]])
    assert ImprovementCells.of(front, np.array([1.0, 1.0])).num_cells == 5
    assert ImprovementCells.of(front[:, :1].repeat(3, axis=1), np.ones(3)).num_cells == 25


def test_the_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    cells = ImprovementCells.of(rng.uniform(size=(5, 3)), np.full(3, 1.1))
    mean, std = rng.uniform(size=(4, 3)), np.full((4, 3), 0.3)

    def total(mu: np.ndarray) -> float:
        return float(np.sum(cells.expected_improvement(mu, std)))

    gradient = grad(lambda mu: anp.sum(cells.expected_improvement(mu, std)))(mean)
    step = 1e-6
    numeric = np.zeros_like(mean)
    for index in np.ndindex(mean.shape):
        shifted = mean.copy()
        shifted[index] += step
        numeric[index] = (total(shifted) - total(mean)) / step
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-7)
    assert (gradient <= 1e-12).all()  # a lower mean never lowers the improvement


@pytest.mark.parametrize("reference", [np.ones(4), np.array([1.0, np.inf]), np.array([])])
def test_a_bad_reference_point_is_named(reference: np.ndarray) -> None:
    with pytest.raises(ValueError, match="reference point must be 1 to 3 finite"):
        ImprovementCells.of(np.zeros((1, len(reference))), reference)
