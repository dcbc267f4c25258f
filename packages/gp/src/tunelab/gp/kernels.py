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
        distance = scaled_distances(x1, x2, anp.exp(-log_scales))
        return variance * matern52(distance)

    def diag(self, params: Any, x: Any) -> Any:
        variance, _ = self._split(params)
        return variance * anp.ones(x.shape[0])
