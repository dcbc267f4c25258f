from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from autograd import grad

from tunelab.gp.kernels import Matern52
from tunelab.gp.warping import WarpedKernel


def _matern52_reference(
    x1: np.ndarray, x2: np.ndarray, variance: float, scales: np.ndarray
) -> np.ndarray:
    out = np.empty((len(x1), len(x2)))
    for i, a in enumerate(x1):
        for j, b in enumerate(x2):
            d = np.sqrt(np.sum(((a - b) / scales) ** 2))
            out[i, j] = variance * (1 + np.sqrt(5) * d + 5 * d**2 / 3) * np.exp(-np.sqrt(5) * d)
    return out


def _finite_difference(f: Any, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    out = np.empty_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = eps
        out[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return out


@pytest.mark.parametrize("ard", [True, False])
def test_matern52_matches_the_formula(ard: bool) -> None:
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(size=(5, 3)), rng.uniform(size=(4, 3))
    kernel = Matern52(3, ard=ard)
    theta = np.concatenate([[0.3], rng.normal(-0.5, 0.3, size=3 if ard else 1)])
    scales = np.exp(theta[1:]) * np.ones(3)
    expected = _matern52_reference(x1, x2, np.exp(0.3), scales)
    np.testing.assert_allclose(kernel(theta, x1, x2), expected, rtol=1e-10)
    np.testing.assert_allclose(kernel.diag(theta, x1), np.diag(kernel(theta, x1, x1)), atol=1e-6)


def test_matern52_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(6, 2))
    kernel = Matern52(2)
    weights = rng.normal(size=(6, 6))

    def f(theta: Any) -> Any:
        return (kernel(theta, x, x) * weights).sum()

    theta = np.array([0.2, -0.7, -1.1])
    np.testing.assert_allclose(grad(f)(theta), _finite_difference(f, theta), rtol=1e-5)


def test_matern52_is_positive_definite() -> None:
    x = np.random.default_rng(2).uniform(size=(30, 4))
    kernel = Matern52(4)
    assert np.linalg.eigvalsh(kernel(kernel.initial(), x, x)).min() > -1e-10


def test_warped_kernel_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(5, 3))
    kernel = WarpedKernel(Matern52(3), np.array([0, 2]))
    theta = kernel.initial() + 0.3 * rng.normal(size=kernel.n_params)

    def f(t: Any) -> Any:
        return kernel(t, x, x).sum()

    np.testing.assert_allclose(grad(f)(theta), _finite_difference(f, theta), rtol=1e-5)


@pytest.mark.parametrize("shared", [False, True])
def test_fused_matern52_matches_the_traced_formula_in_value_and_gradients(shared: bool) -> None:
    from tunelab.gp.kernels import matern52, matern52_correlation, scaled_distances

    rng = np.random.default_rng(3)
    x1, x2 = rng.uniform(size=(7, 3)), rng.uniform(size=(5, 3))
    x2[0] = x1[0]  # a pair at distance zero, where the distance is floored
    log_scales = rng.normal(-0.5, 0.3, size=1 if shared else 3)
    weights = rng.normal(size=(7, 5))

    def traced(ls: Any, a: Any, b: Any) -> Any:
        return (matern52(scaled_distances(a, b, np.exp(-ls))) * weights).sum()

    def fused(ls: Any, a: Any, b: Any) -> Any:
        return (matern52_correlation(ls, a, b) * weights).sum()

    np.testing.assert_allclose(
        matern52_correlation(log_scales, x1, x2),
        matern52(scaled_distances(x1, x2, np.exp(-log_scales))),
        rtol=1e-12,
    )
    for argnum in range(3):
        expected = grad(traced, argnum)(log_scales, x1, x2)
        np.testing.assert_allclose(
            grad(fused, argnum)(log_scales, x1, x2), expected, rtol=1e-9, atol=1e-12
        )
