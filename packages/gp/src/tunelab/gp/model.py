"""The exact GP: prior parts, the marginal likelihood and the posterior.

All Cholesky factorisations of the package go through `stable_cholesky`, the one place
where jitter is added when a kernel matrix is numerically singular.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np
import scipy.linalg
import scipy.linalg.lapack
from autograd.extend import defvjp, defvjp_argnums, primitive
from autograd.tracer import getval

from tunelab.gp.kernels import Kernel
from tunelab.gp.likelihood import GaussianLikelihood
from tunelab.gp.mean import ConstantMean, MeanFunction


@primitive  # type: ignore[untyped-decorator]
def solve_triangular(a: Any, b: Any, *, lower: bool) -> Any:
    """`a^-1 b` for a real triangular `a` (shape (n, n)) and `b` ((n,) or (n, k)),
    differentiable in both with autograd.

    Our own primitive instead of `autograd.scipy.linalg`, whose package import loads all
    of scipy.stats and scipy.integrate (over a second of every GP method's start).
    """
    return scipy.linalg.solve_triangular(a, b, lower=lower)


def _solve_triangular_vjp_a(ans: Any, a: Any, b: Any, *, lower: bool) -> Any:
    # d(a^-1 b) = -a^-1 da a^-1 b: the cotangent of `a` is -(a^-T g) ans^T, restricted
    # to the triangle `a` lives in
    triangle = anp.tril if lower else anp.triu

    def vjp(g: Any) -> Any:
        v = scipy.linalg.solve_triangular(a, g, trans="T", lower=lower)
        v2 = v if v.ndim > 1 else v[..., None]
        ans2 = ans if ans.ndim > 1 else ans[..., None]
        return -triangle(anp.dot(v2, ans2.T))

    return vjp


def _solve_triangular_vjp_b(ans: Any, a: Any, b: Any, *, lower: bool) -> Any:
    return lambda g: scipy.linalg.solve_triangular(a, g, trans="T", lower=lower)


defvjp(solve_triangular, _solve_triangular_vjp_a, _solve_triangular_vjp_b)

# Relative jitter tried in turn (times the mean of the diagonal) when a factorisation
# fails; beyond the last one the matrix is not a kernel matrix and an error is raised.
JITTERS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)


def stable_cholesky(matrix: Any) -> Any:
    """Lower Cholesky factor of `matrix` (shape `(n, n)`), adding jitter if needed.

    Works on plain arrays and inside autograd (the jitter is a constant there).

    Raises:
        np.linalg.LinAlgError: still not positive definite with the largest jitter.
    """
    n = matrix.shape[0]
    scale = float(np.mean(np.abs(np.diag(getval(matrix))))) or 1.0
    for jitter in JITTERS:
        try:
            if jitter == 0.0:
                return anp.linalg.cholesky(matrix)
            return anp.linalg.cholesky(matrix + (jitter * scale) * np.eye(n))
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError(
        f"stable_cholesky: a {n}x{n} matrix is not positive definite even with jitter "
        f"{JITTERS[-1]} times its mean diagonal"
    )


# The factor of the matrix last seen by `gaussian_neg_log_density`: its gradient, asked
# for right after the value (same array object), reuses it instead of factorising again.
_last_factor: list[Any] = []


# autograd ships no type information; traced, a primitive takes and returns Boxes, so
# the decorated function is left untyped (`Any`) rather than given a false signature.
@primitive  # type: ignore[untyped-decorator]
def gaussian_neg_log_density(matrix: np.ndarray, residual: np.ndarray) -> float:
    """`-log N(residual; 0, matrix)` for a covariance `matrix` of shape `(n, n)`.

    An autograd primitive: its gradient in `matrix` is `(K^-1 - a a^T) / 2` with
    `a = K^-1 residual`, and `a` in `residual`. This costs one inverse from the
    Cholesky factor, where differentiating through the factorisation step by step
    would cost several `(n, n)` solves.
    """
    chol = stable_cholesky(matrix)
    _last_factor[:] = [matrix, chol]
    alpha = scipy.linalg.solve_triangular(chol, residual, lower=True)
    return float(
        0.5 * alpha @ alpha
        + np.sum(np.log(np.diag(chol)))
        + 0.5 * len(residual) * np.log(2 * np.pi)
    )


def _nll_vjp(
    argnums: tuple[int, ...], ans: float, args: tuple[np.ndarray, np.ndarray], kwargs: Any
) -> Any:
    matrix, residual = args
    cached, chol = _last_factor if len(_last_factor) == 2 else (None, None)
    if cached is not matrix:
        chol = stable_cholesky(matrix)
    inverse, info = scipy.linalg.lapack.dpotri(chol, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"gaussian_neg_log_density: dpotri failed with info={info}")
    inverse = np.tril(inverse) + np.tril(inverse, -1).T
    weights = inverse @ residual
    matrix_grad = 0.5 * (inverse - np.outer(weights, weights))
    grads = {0: matrix_grad, 1: weights}
    return lambda g: tuple(g * grads[argnum] for argnum in argnums)


defvjp_argnums(gaussian_neg_log_density, _nll_vjp)


class GPModel:
    """A GP prior (mean, kernel) with a Gaussian likelihood, over a flat parameter vector.

    The vector `theta` is `[mean params | kernel params | noise param]`, all
    unconstrained. `neg_log_posterior(theta, x, y)` is the negative log marginal
    likelihood plus the negative log prior (differentiable with autograd);
    `posterior(theta, x, y)` conditions on data.

    Args:
        kernel: The covariance function.
        mean: The mean function (default: a learned constant).
        likelihood: The noise model (default: Gaussian with a small floor).
    """

    def __init__(
        self,
        kernel: Kernel,
        *,
        mean: MeanFunction | None = None,
        likelihood: GaussianLikelihood | None = None,
    ) -> None:
        self.kernel = kernel
        self.mean: MeanFunction = mean if mean is not None else ConstantMean()
        self.likelihood = likelihood if likelihood is not None else GaussianLikelihood()
        self._k0 = self.mean.n_params
        self._k1 = self._k0 + kernel.n_params
        self.n_params = self._k1 + self.likelihood.n_params

    def initial(self) -> np.ndarray:
        return np.concatenate(
            [self.mean.initial(), self.kernel.initial(), self.likelihood.initial()]
        )

    def split(self, theta: Any) -> tuple[Any, Any, Any]:
        """`theta` as (mean params, kernel params, noise params)."""
        return theta[: self._k0], theta[self._k0 : self._k1], theta[self._k1 :]

    def log_prior(self, theta: Any) -> Any:
        mean_p, kernel_p, noise_p = self.split(theta)
        return (
            self.mean.log_prior(mean_p)
            + self.kernel.log_prior(kernel_p)
            + self.likelihood.log_prior(noise_p)
        )

    def neg_log_likelihood(self, theta: Any, x: np.ndarray, y: np.ndarray) -> Any:
        """`-log p(y | x, theta)` of `n` targets `y` (shape `(n,)`) at inputs `x`."""
        mean_p, kernel_p, noise_p = self.split(theta)
        matrix = self.kernel(kernel_p, x, x) + self.likelihood.noise_variance(noise_p) * np.eye(
            len(y)
        )
        return gaussian_neg_log_density(matrix, y - self.mean(mean_p, x))

    def neg_log_posterior(self, theta: Any, x: np.ndarray, y: np.ndarray) -> Any:
        """The objective of type-II maximum likelihood with priors (MAP)."""
        return self.neg_log_likelihood(theta, x, y) - self.log_prior(theta)

    def condition(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> ConditionedGP:
        """The GP given data `x` (shape `(n, d)`) and targets `y` (shape `(n,)`)."""
        mean_p, kernel_p, noise_p = self.split(theta)
        noise = float(self.likelihood.noise_variance(noise_p))
        chol = stable_cholesky(self.kernel(kernel_p, x, x) + noise * np.eye(len(y)))
        alpha = solve_triangular(chol, y - self.mean(mean_p, x), lower=True)
        weights = solve_triangular(chol.T, alpha, lower=False)
        return ConditionedGP(self, np.asarray(theta), np.asarray(x), np.asarray(y), chol, weights)


@dataclass(frozen=True)
class ConditionedGP:
    """A GP conditioned on data: `posterior(x)` gives the latent mean and variance.

    `chol` is the Cholesky factor of `K + noise I` (shape `(n, n)`) and `weights` is
    `(K + noise I)^-1 (y - m)` (shape `(n,)`). `predict` is autograd-compatible in `x`.
    """

    model: GPModel
    theta: np.ndarray
    x: np.ndarray
    y: np.ndarray
    chol: np.ndarray
    weights: np.ndarray

    def posterior(self, x: Any) -> tuple[Any, Any]:
        """Latent mean and variance at `x` (shape `(m, d)`), each of shape `(m,)`."""
        mean_p, kernel_p, _ = self.model.split(self.theta)
        cross = self.model.kernel(kernel_p, self.x, x)
        mean = self.model.mean(mean_p, x) + anp.dot(self.weights, cross)
        v = solve_triangular(self.chol, cross, lower=True)
        variance = self.model.kernel.diag(kernel_p, x) - anp.sum(v**2, axis=0)
        return mean, anp.maximum(variance, 1e-12)

    def condition_on(self, x: np.ndarray, y: np.ndarray) -> ConditionedGP:
        """The GP with extra data `(x, y)` added, same hyperparameters."""
        return self.model.condition(self.theta, np.vstack([self.x, x]), np.concatenate([self.y, y]))
