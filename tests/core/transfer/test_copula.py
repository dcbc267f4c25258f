"""The target task's Gaussian process on residuals of the transfer prior."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import solve_triangular

from tunelab.core.transfer._copula import (
    SERIAL_SOLVE_ROWS,
    TargetResiduals,
    _kernel,
    fit_target_residuals,
)

pytest.importorskip("threadpoolctl")


class WavyPrior:
    """A prior whose mean and spread vary with the row."""

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.sin(3 * x.sum(axis=1)), 0.5 + 0.3 * np.cos(5 * x[:, 0])


def threaded_posterior(
    fitted: TargetResiduals, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The posterior as computed before the solve ran on one thread: BLAS as set up."""
    cross = _kernel(fitted.x, x, fitted.spread, sigma, fitted.amplitude, fitted.lengthscale)
    v = solve_triangular(fitted.factor, cross, lower=True)
    variance = np.maximum(sigma**2 + fitted.amplitude - np.sum(v**2, axis=0), 0.0)
    return mu + cross.T @ fitted.weights, np.sqrt(variance)


@pytest.mark.parametrize("rows", [1, 3, 14, 40, 97, 160, SERIAL_SOLVE_ROWS])
def test_the_single_threaded_solve_keeps_the_bits_of_the_threaded_one(rows: int) -> None:
    # the candidates are ranked by samples of this posterior: a last-bit change of the
    # one-thread solve (used up to SERIAL_SOLVE_ROWS rows) would change decisions
    rng = np.random.default_rng(rows)
    x = rng.uniform(size=(rows, 7))
    fitted = fit_target_residuals(x, rng.normal(size=rows), WavyPrior())
    for m in (1, 63, 500, 1201):
        candidates = rng.uniform(size=(m, 7))
        mu, sigma = WavyPrior().predict(candidates)
        mean, sd = fitted.posterior(candidates, mu, sigma)
        expected_mean, expected_sd = threaded_posterior(fitted, candidates, mu, sigma)
        assert np.array_equal(mean, expected_mean) and np.array_equal(sd, expected_sd)


def test_the_posterior_follows_the_targets_results_and_keeps_the_prior_far_away() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 0.3, size=(30, 2))
    prior = WavyPrior()
    z = prior.predict(x)[0] + 1.5  # the target is 1.5 above the prior where it was seen
    fitted = fit_target_residuals(x, z, prior)
    mu, sigma = prior.predict(x)
    mean, sd = fitted.posterior(x, mu, sigma)
    assert np.allclose(mean, z, atol=0.3) and np.all(sd < sigma)
    far = np.full((1, 2), 25.0)
    far_mu, far_sigma = prior.predict(far)
    far_mean, far_sd = fitted.posterior(far, far_mu, far_sigma)
    assert far_mean == pytest.approx(far_mu) and far_sd[0] >= far_sigma[0]
