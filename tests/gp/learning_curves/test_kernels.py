from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from autograd import grad

from tunelab.gp.kernels import Matern52
from tunelab.gp.learning_curves import ExpDecayResourceKernel, PerLevelKernel, PerLevelMean
from tunelab.gp.learning_curves.joint import (
    RESOURCE_KERNELS,
    decay,
    resource_covariance,
    resource_kernel,
    resource_variance,
)


def _inputs(n: int, seed: int, levels: list[float]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(size=(n, 2)), rng.choice(levels, size=n)])


def _finite_difference(f: Any, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return np.array(
        [(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(len(theta))]
    )


def test_exp_decay_kernel_matches_its_formula() -> None:
    kernel = ExpDecayResourceKernel(Matern52(2))
    theta = kernel.initial() + 0.1
    x1, x2 = _inputs(4, 0, [1 / 9, 1 / 3, 1.0]), _inputs(3, 1, [1 / 9, 1.0])
    alpha, mean_lam = np.exp(theta[3]), np.exp(theta[4])
    gamma, delta = np.exp(theta[5]), 1 / (1 + np.exp(-theta[6]))
    beta = alpha / mean_lam

    def psi(u: Any) -> Any:
        return (beta / (u + beta)) ** alpha

    r1, r2 = x1[:, -1][:, None], x2[:, -1][None, :]
    expected = Matern52(2)(theta[:3], x1[:, :2], x2[:, :2]) + gamma * (
        psi(r1 + r2) - delta * psi(r1) * psi(r2)
    )
    np.testing.assert_allclose(kernel(theta, x1, x2), expected, rtol=1e-10)
    np.testing.assert_allclose(kernel.diag(theta, x1), np.diag(kernel(theta, x1, x1)), atol=1e-6)
    np.testing.assert_allclose(decay(0.0, 0.3, -0.2), 1.0)


def test_exp_decay_kernel_is_positive_definite_for_every_delta() -> None:
    kernel = ExpDecayResourceKernel(Matern52(2))
    x = _inputs(40, 2, [1 / 27, 1 / 9, 1 / 3, 1.0])
    for logit_delta in (-8.0, 0.0, 8.0):
        theta = kernel.initial()
        theta[-1] = logit_delta
        assert np.linalg.eigvalsh(kernel(theta, x, x)).min() > -1e-9


def test_exp_decay_kernel_gradient_matches_finite_differences() -> None:
    kernel = ExpDecayResourceKernel(Matern52(2))
    x = _inputs(6, 3, [0.2, 0.6, 1.0])
    theta = kernel.initial() + 0.2

    def f(t: Any) -> Any:
        return kernel(t, x, x).sum()

    np.testing.assert_allclose(grad(f)(theta), _finite_difference(f, theta), rtol=1e-5)


def test_per_level_kernel_is_block_diagonal_with_level_scales() -> None:
    levels = np.array([1 / 9, 1 / 3, 1.0])
    kernel = PerLevelKernel(Matern52(2, has_variance=False), levels)
    theta = kernel.initial()
    theta[-3:] = [0.0, 0.5, 1.0]
    x = _inputs(12, 4, list(levels))
    k = kernel(theta, x, x)
    same = x[:, -1][:, None] == x[:, -1][None, :]
    assert np.all(k[~same] == 0)
    index = np.searchsorted(levels, x[:, -1])
    np.testing.assert_allclose(np.diag(k), np.exp(theta[-3:])[index])
    np.testing.assert_allclose(kernel.diag(theta, x), np.diag(k))
    mean = PerLevelMean(levels)
    np.testing.assert_allclose(mean(np.array([1.0, 2.0, 3.0]), x), index + 1.0)


def test_per_level_kernel_gradient_matches_finite_differences() -> None:
    levels = np.array([0.5, 1.0])
    kernel = PerLevelKernel(Matern52(2, has_variance=False), levels)
    x = _inputs(6, 5, list(levels))
    theta = kernel.initial() + 0.3

    def f(t: Any) -> Any:
        return kernel(t, x, x).sum()

    np.testing.assert_allclose(grad(f)(theta), _finite_difference(f, theta), rtol=1e-5)


def test_fixed_delta_and_product_forms_match_their_formulas() -> None:
    x1, x2 = _inputs(4, 6, [1 / 9, 1 / 3, 1.0]), _inputs(3, 7, [1 / 9, 1.0])
    learned = ExpDecayResourceKernel(Matern52(2))
    theta = learned.initial() + 0.1
    base = Matern52(2)(theta[:3], x1[:, :2], x2[:, :2])
    resource = learned(theta, x1, x2) - base  # gamma * k_r with the learned delta
    product = ExpDecayResourceKernel(Matern52(2), combine="product")
    np.testing.assert_allclose(product(theta, x1, x2), base * (1.0 + resource), rtol=1e-10)
    np.testing.assert_allclose(product.diag(theta, x1), np.diag(product(theta, x1, x1)))
    for delta, logit in ((0.0, -60.0), (1.0, 60.0)):
        fixed = ExpDecayResourceKernel(Matern52(2), delta=delta)
        assert fixed.n_params == learned.n_params - 1
        same = theta.copy()
        same[-1] = logit  # the learned kernel at (numerically) the same delta
        np.testing.assert_allclose(fixed(theta[:-1], x1, x2), learned(same, x1, x2), atol=1e-12)


@pytest.mark.parametrize("name", list(RESOURCE_KERNELS))
def test_every_resource_kernel_is_positive_definite_with_exact_gradients(name: str) -> None:
    kernel = resource_kernel(name, lambda extra: Matern52(2 + extra))  # type: ignore[arg-type]
    x = _inputs(30, 8, [1 / 27, 1 / 9, 1 / 3, 1.0])
    theta = kernel.initial() + 0.2
    assert np.linalg.eigvalsh(kernel(theta, x, x)).min() > -1e-9
    np.testing.assert_allclose(kernel.diag(theta, x), np.diag(kernel(theta, x, x)), atol=1e-9)

    def f(t: Any) -> Any:
        return kernel(t, x[:6], x[:6]).sum()

    np.testing.assert_allclose(grad(f)(theta), _finite_difference(f, theta), rtol=1e-5)


def test_bad_resource_kernel_settings_are_named() -> None:
    with pytest.raises(ValueError, match="resource_kernel must be one of"):
        resource_kernel("exp-decay", lambda extra: Matern52(2 + extra))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delta must be in"):
        ExpDecayResourceKernel(Matern52(2), delta=1.5)
    with pytest.raises(ValueError, match="combine"):
        ExpDecayResourceKernel(Matern52(2), combine="max")  # type: ignore[arg-type]


def test_per_level_kernel_on_one_level_is_that_levels_scaled_kernel() -> None:
    levels = np.array([1 / 9, 1 / 3, 1.0])
    kernel = PerLevelKernel(Matern52(2, has_variance=False), levels)
    theta = kernel.initial()
    theta[-3:] = [0.0, 0.5, 1.0]
    x1, x2 = _inputs(5, 9, [1 / 3]), _inputs(4, 10, [1 / 3])
    expected = np.exp(0.5) * Matern52(2, has_variance=False)(theta[:2], x1[:, :2], x2[:, :2])
    np.testing.assert_allclose(kernel(theta, x1, x2), expected, rtol=1e-12)

    def f(t: Any) -> Any:
        return kernel(t, x1, x2).sum()

    np.testing.assert_allclose(grad(f)(theta), _finite_difference(f, theta), rtol=1e-5)


@pytest.mark.parametrize(
    "options", [{}, {"combine": "product"}, {"delta": 0.0}, {"delta": 1.0}], ids=str
)
def test_exp_decay_kernel_outside_autograd_is_the_formula_to_the_bit(
    options: dict[str, Any],
) -> None:
    """Plain arrays take the per-level lookup; its matrix must equal the formula's
    entry by entry exactly (decisions depend on it), and the traced path too."""
    kernel = ExpDecayResourceKernel(Matern52(2), **options)
    rng = np.random.default_rng(4)
    levels = [1 / 52, 2 / 52, 5 / 52, 17 / 52, 1.0]
    for trial in range(20):
        theta = kernel.initial() + (0.0 if trial == 0 else rng.normal(size=kernel.n_params))
        x1 = _inputs(int(rng.integers(1, 60)), trial, levels)
        x2 = x1 if trial % 2 else _inputs(int(rng.integers(1, 90)), trial + 100, levels)
        alpha = np.exp(theta[3])
        beta = alpha / np.exp(theta[4])
        gamma = np.exp(theta[5])
        delta = options.get("delta", 1.0 / (1.0 + np.exp(-theta[-1])))

        def psi(u: Any, alpha: Any = alpha, beta: Any = beta) -> Any:
            return (beta / (u + beta)) ** alpha

        r1, r2 = x1[:, -1], x2[:, -1]
        resource = gamma * (
            psi(r1[:, None] + r2[None, :]) - delta * (psi(r1)[:, None] * psi(r2)[None, :])
        )
        base = Matern52(2)(theta[:3], x1[:, :2], x2[:, :2])
        expected = base + resource if "combine" not in options else base * (1.0 + resource)
        np.testing.assert_array_equal(kernel(theta, x1, x2), expected)
        np.testing.assert_array_equal(_traced_matrix(kernel, theta, x1, x2), expected)


def _traced_matrix(kernel: Any, theta: np.ndarray, x1: np.ndarray, x2: np.ndarray) -> Any:
    """The kernel matrix as computed inside autograd (the fit's path)."""
    seen: list[Any] = []

    def corner(t: Any) -> Any:
        matrix = kernel(t, x1, x2)
        seen.append(matrix._value)
        return matrix[0, 0]

    grad(corner)(theta)
    return seen[0]


def test_resource_primitives_are_differentiable_in_the_resource() -> None:
    """With fixed parameters the resource part is a primitive: its gradient in the
    resources matches finite differences (the searchers never need it, but a kernel
    stays differentiable in all of its inputs)."""
    rng = np.random.default_rng(5)
    r1, r2 = rng.uniform(0.05, 1.0, size=4), rng.uniform(0.05, 1.0, size=3)
    weights = rng.normal(size=(4, 3))
    args = (0.3, -0.4, 1.7, 0.6)

    def weighted(a: Any, b: Any) -> Any:
        return (resource_covariance(a, b, *args) * weights).sum()

    np.testing.assert_allclose(
        grad(weighted, 0)(r1, r2),
        _finite_difference(lambda a: weighted(a, r2), r1),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        grad(weighted, 1)(r1, r2),
        _finite_difference(lambda b: weighted(r1, b), r2),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        grad(lambda r: (resource_variance(r, *args) * weights[:, 0]).sum())(r1),
        _finite_difference(lambda r: (resource_variance(r, *args) * weights[:, 0]).sum(), r1),
        rtol=1e-6,
    )
    np.testing.assert_array_equal(
        resource_variance(r1, *args), np.diag(resource_covariance(r1, r1, *args))
    )
