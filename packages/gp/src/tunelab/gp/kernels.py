"""Covariance functions over encoded configurations (autograd-compatible).

A kernel owns a slice of the model's flat parameter vector: `n_params` unconstrained
numbers (logarithms of positive quantities), a default `initial()` and a
`log_prior(params)`. `__call__(params, X1, X2)` returns the `(n1, n2)` covariance
matrix and `diag(params, X)` its diagonal for `X1 = X2 = X`. All arithmetic goes
through `autograd.numpy`, so the marginal likelihood is differentiable in the
parameters and the posterior in the inputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive

from tunelab.gp.priors import log_normal_prior

# Squared distances below this are treated as zero: the derivative of sqrt at 0 is
# infinite, and the Matern 5/2 kernel is flat there anyway.
_MIN_SQUARED_DISTANCE = 1e-12
_SQRT5 = float(np.sqrt(5.0))


class Kernel(ABC):
    """A covariance function with `n_params` unconstrained parameters."""

    n_params: int

    @abstractmethod
    def initial(self) -> np.ndarray:
        """Default parameters, shape `(n_params,)`."""

    def log_prior(self, params: Any) -> Any:
        """Log prior density of `params` (up to a constant)."""
        return 0.0

    @abstractmethod
    def __call__(self, params: Any, x1: Any, x2: Any) -> Any:
        """Covariance matrix of shape `(n1, n2)` between rows of `x1` and `x2`."""

    @abstractmethod
    def diag(self, params: Any, x: Any) -> Any:
        """The diagonal of `self(params, x, x)`, shape `(n,)`."""


def scaled_distances(x1: Any, x2: Any, inv_lengthscales: Any) -> Any:
    """Euclidean distances between the rows of `x1 * inv_lengthscales` and
    `x2 * inv_lengthscales`, shape `(n1, n2)`, floored for a finite gradient."""
    a = x1 * inv_lengthscales
    b = x2 * inv_lengthscales
    squared = (
        anp.sum(a**2, axis=1)[:, None] + anp.sum(b**2, axis=1)[None, :] - 2.0 * anp.dot(a, b.T)
    )
    return anp.sqrt(anp.maximum(squared, _MIN_SQUARED_DISTANCE))


def matern52(distance: Any) -> Any:
    """The Matern 5/2 correlation of scaled distances (1 at distance 0)."""
    s = _SQRT5 * distance
    return (1.0 + s + s**2 / 3.0) * anp.exp(-s)


def _squared_distances(log_scales: np.ndarray, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    inv = np.exp(-np.asarray(log_scales, dtype=float))
    a, b = x1 * inv, x2 * inv
    squared: np.ndarray = (
        np.sum(a**2, axis=1)[:, None] + np.sum(b**2, axis=1)[None, :] - 2.0 * (a @ b.T)
    )
    return squared


# autograd ships no type information; traced, a primitive takes and returns Boxes, so
# the decorated function is left untyped (`Any`) rather than given a false signature.
@primitive  # type: ignore[untyped-decorator]
def matern52_correlation(log_scales: Any, x1: Any, x2: Any) -> Any:
    """`matern52(scaled_distances(x1, x2, exp(-log_scales)))` as one autograd primitive.

    The same values; its derivatives in the log lengthscales (shape `(d,)`, or `(1,)`
    for one shared lengthscale) and in both inputs are written out, which saves the
    interpreter overhead of a dozen traced array operations per kernel matrix: that
    overhead, not arithmetic, dominates on the matrices of a few hundred rows that
    the searchers build thousands of times per experiment.
    """
    squared = _squared_distances(log_scales, x1, x2)
    s = _SQRT5 * np.sqrt(np.maximum(squared, _MIN_SQUARED_DISTANCE))
    return (1.0 + s + s**2 / 3.0) * np.exp(-s)


def _gradient_in_squared_distance(
    g: np.ndarray, log_scales: np.ndarray, x1: np.ndarray, x2: np.ndarray
) -> np.ndarray:
    """`g * dk/d(squared distance)`: `dk/dd = -(5/3) d (1 + sqrt5 d) exp(-sqrt5 d)` and
    `dd/dsq = 1 / (2 d)`; zero where the distance is floored (as for `maximum`)."""
    squared = _squared_distances(log_scales, x1, x2)
    s = _SQRT5 * np.sqrt(np.maximum(squared, _MIN_SQUARED_DISTANCE))
    slope = -(5.0 / 6.0) * (1.0 + s) * np.exp(-s)
    return np.where(squared > _MIN_SQUARED_DISTANCE, g * slope, 0.0)


def _vjp_log_scales(ans: Any, log_scales: Any, x1: Any, x2: Any) -> Any:
    def vjp(g: np.ndarray) -> np.ndarray:
        h = _gradient_in_squared_distance(g, log_scales, x1, x2)
        inv2 = np.exp(-2.0 * np.asarray(log_scales, dtype=float))
        # sum_ij h_ij (x1_ik - x2_jk)^2, for every column k
        spread = (
            (x1**2).T @ h.sum(axis=1)
            + (x2**2).T @ h.sum(axis=0)
            - 2.0 * np.sum(x1 * (h @ x2), axis=0)
        )
        grad = -2.0 * inv2 * spread
        result: np.ndarray = grad if np.size(log_scales) > 1 else np.sum(grad, keepdims=True)
        return result

    return vjp


def _gradient_in_points(
    h: np.ndarray, log_scales: np.ndarray, x: np.ndarray, other: np.ndarray
) -> np.ndarray:
    """`sum_ij h_ij d(squared distance of x_i and other_j) / dx`, shape `x.shape`, for
    `h` of shape `(len(x), len(other))`."""
    inv2 = np.exp(-2.0 * np.asarray(log_scales, dtype=float))
    grad: np.ndarray = 2.0 * inv2 * (x * h.sum(axis=1)[:, None] - h @ other)
    return grad


def _vjp_x1(ans: Any, log_scales: Any, x1: Any, x2: Any) -> Any:
    def vjp(g: np.ndarray) -> np.ndarray:
        h = _gradient_in_squared_distance(g, log_scales, x1, x2)
        return _gradient_in_points(h, log_scales, x1, x2)

    return vjp


def _vjp_x2(ans: Any, log_scales: Any, x1: Any, x2: Any) -> Any:
    def vjp(g: np.ndarray) -> np.ndarray:
        # the distance is symmetric: the rows of x2 against those of x1, h transposed
        h = _gradient_in_squared_distance(g, log_scales, x1, x2)
        return _gradient_in_points(h.T, log_scales, x2, x1)

    return vjp


defvjp(matern52_correlation, _vjp_log_scales, _vjp_x1, _vjp_x2)


class Matern52(Kernel):
    """Matern 5/2 kernel, with automatic relevance determination (one lengthscale per
    input dimension) or one shared lengthscale.

    `k(x, x') = variance * (1 + sqrt(5) d + 5/3 d^2) exp(-sqrt(5) d)` with
    `d = ||(x - x') / lengthscale||`. Parameters: `[log variance] + log lengthscales`
    (`has_variance=False` leaves the variance at 1, for kernels that scale it
    themselves). Priors: `log variance ~ N(0, 1)` (targets are normalised) and
    `log lengthscale ~ N(log 0.5, 1)` for inputs in the unit cube.

    Args:
        dim: Number of input columns.
        ard: One lengthscale per column (True) or one for all.
        has_variance: Learn a variance factor.
    """

    def __init__(self, dim: int, *, ard: bool = True, has_variance: bool = True) -> None:
        self.dim = dim
        self.ard = ard
        self.has_variance = has_variance
        self._n_scales = dim if ard else 1
        self.n_params = self._n_scales + int(has_variance)

    def initial(self) -> np.ndarray:
        scales = np.full(self._n_scales, np.log(0.5))
        return np.concatenate([[0.0], scales]) if self.has_variance else scales

    def _split(self, params: Any) -> tuple[Any, Any]:
        if self.has_variance:
            return anp.exp(params[0]), params[1:]
        return 1.0, params

    def log_prior(self, params: Any) -> Any:
        variance_prior = log_normal_prior(params[0], mean=0.0, std=1.0) if self.has_variance else 0
        _, log_scales = self._split(params)
        return variance_prior + log_normal_prior(log_scales, mean=float(np.log(0.5)), std=1.0)

    def __call__(self, params: Any, x1: Any, x2: Any) -> Any:
        variance, log_scales = self._split(params)
        return variance * matern52_correlation(log_scales, x1, x2)

    def diag(self, params: Any, x: Any) -> Any:
        variance, _ = self._split(params)
        return variance * anp.ones(x.shape[0])
