from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from autograd import grad

from tunelab.gp.kernels import Matern52
from tunelab.gp.model import JITTERS, GPModel, stable_cholesky


def _data(n: int = 12, d: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, d))
    return x, np.sin(4 * x[:, 0]) + x[:, 1] ** 2 + 0.01 * rng.normal(size=n)


def test_posterior_matches_a_dense_solution() -> None:
    x, y = _data()
    model = GPModel(Matern52(2))
    theta = model.initial() + 0.1
    gp = model.condition(theta, x, y)
    xs = np.random.default_rng(1).uniform(size=(7, 2))
    mean_p, kernel_p, noise_p = model.split(theta)
    noise = model.likelihood.noise_variance(noise_p)
    k = model.kernel(kernel_p, x, x) + noise * np.eye(len(y))
    ks = model.kernel(kernel_p, x, xs)
    m0 = mean_p[0]
    expected_mean = m0 + ks.T @ np.linalg.solve(k, y - m0)
    expected_var = np.diag(model.kernel(kernel_p, xs, xs) - ks.T @ np.linalg.solve(k, ks))
    mean, var = gp.posterior(xs)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(var, expected_var, rtol=1e-6, atol=1e-9)


def test_neg_log_likelihood_matches_the_dense_formula() -> None:
    x, y = _data()
    model = GPModel(Matern52(2))
    theta = model.initial()
    mean_p, kernel_p, noise_p = model.split(theta)
    k = model.kernel(kernel_p, x, x) + model.likelihood.noise_variance(noise_p) * np.eye(len(y))
    r = y - mean_p[0]
    expected = 0.5 * r @ np.linalg.solve(k, r) + 0.5 * np.linalg.slogdet(k)[1]
    expected += 0.5 * len(y) * np.log(2 * np.pi)
    assert model.neg_log_likelihood(theta, x, y) == pytest.approx(expected, rel=1e-9)


def test_likelihood_gradient_matches_finite_differences() -> None:
    x, y = _data()
    model = GPModel(Matern52(2))
    theta = model.initial() + 0.2

    def f(t: Any) -> Any:
        return model.neg_log_posterior(t, x, y)

    eps = 1e-6
    fd = np.array(
        [(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(len(theta))]
    )
    np.testing.assert_allclose(grad(f)(theta), fd, rtol=1e-4, atol=1e-6)


def test_posterior_interpolates_noise_free_data() -> None:
    x, y = _data(n=8)
    model = GPModel(Matern52(2))
    theta = model.initial()
    theta[-1] = -20  # almost no noise
    mean, var = model.condition(theta, x, y).posterior(x)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert np.all(var < 1e-3)


def test_jitter_rescues_a_singular_matrix() -> None:
    v = np.array([[1.0], [2.0], [3.0]])
    singular = v @ v.T  # rank one
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(singular)
    chol = stable_cholesky(singular)
    np.testing.assert_allclose(chol @ chol.T, singular, atol=1e-2 * np.mean(np.diag(singular)))


def test_duplicated_inputs_without_noise_still_factorise() -> None:
    x = np.vstack([np.full((5, 2), 0.5), np.random.default_rng(0).uniform(size=(5, 2))])
    model = GPModel(Matern52(2))
    theta = model.initial()
    theta[-1] = -30
    mean, var = model.condition(theta, x, np.arange(10.0)).posterior(x)
    assert np.all(np.isfinite(mean)) and np.all(var > 0)


def test_a_matrix_that_is_not_a_kernel_matrix_raises() -> None:
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        stable_cholesky(-np.eye(3) * (10 / JITTERS[-1]))
