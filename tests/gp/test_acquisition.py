from __future__ import annotations

import numpy as np
from autograd import grad

from tunelab.gp.acquisition import (
    AcquisitionScore,
    expected_improvement,
    expected_improvement_gradient,
    lower_confidence_bound,
)


def test_expected_improvement_matches_monte_carlo() -> None:
    rng = np.random.default_rng(0)
    mean, std, best = np.array([0.0, 1.0, -0.5]), np.array([1.0, 0.3, 2.0]), 0.2
    samples = mean + std * rng.standard_normal((400_000, 3))
    monte_carlo = np.maximum(best - samples, 0).mean(axis=0)
    np.testing.assert_allclose(expected_improvement(mean, std, best), monte_carlo, rtol=1e-2)


def test_expected_improvement_gradients_are_the_closed_forms() -> None:
    mean, std, best = 0.3, 0.7, 0.1
    d_mean, d_std = expected_improvement_gradient(np.array(mean), np.array(std), best)
    assert grad(lambda m: expected_improvement(m, std, best))(mean) == np.float64(d_mean)
    np.testing.assert_allclose(grad(lambda s: expected_improvement(mean, s, best))(std), d_std)


def test_lcb_matches_the_quantile_of_monte_carlo() -> None:
    rng = np.random.default_rng(1)
    samples = 0.5 + 2.0 * rng.standard_normal(200_000)
    # mean - 1 * std is the 15.87% quantile of a normal distribution
    assert abs(lower_confidence_bound(0.5, 2.0, 1.0) - np.quantile(samples, 0.158655)) < 0.02


def test_score_is_lower_for_better_candidates() -> None:
    ei = AcquisitionScore("ei", best=0.0)
    assert ei(np.array(-1.0), np.array(0.1)) < ei(np.array(1.0), np.array(0.1))
    lcb = AcquisitionScore("lcb", kappa=2.0)
    assert lcb(np.array(0.0), np.array(4.0)) == -4.0
