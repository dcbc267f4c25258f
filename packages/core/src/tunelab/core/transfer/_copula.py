"""The target task's correction of a transfer prior: a Gaussian process on residuals.

Salinas, Shen and Perrone (ICML 2020) follow Copula Thompson sampling with a
Gaussian process on the target's Gaussian quantiles whose prior comes from the
transfer model. Here the process models the residuals `r = z - mu(x)` with the kernel
`(sigma(x) sigma(x') + a) exp(-|x - x'|^2 / (2 l^2))`: the transfer model's spread,
and an amplitude `a` of how far the target strays from what the earlier tasks agree
on (0: not at all, so the prior is the transfer model's `N(mu, sigma^2)`). `a`, `l`
and the noise are chosen from a small grid by marginal likelihood (no gradient
steps, hence deterministic).
"""

from __future__ import annotations

import itertools
import math
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular

MAX_ROWS = 500
"""At most this many of the target's results (the most recent) fit the process."""
AMPLITUDES = (0.0, 0.3, 1.0)
"""Candidate amplitudes `a` of the target's own deviation (quantile variance units)."""
LENGTHSCALES = (0.1, 0.3, 1.0)
"""Candidate lengthscales, in units of `sqrt(dim)` of the unit-cube encoding."""
NOISES = (0.01, 0.1, 0.5)
"""Candidate noise variances, in quantile units (the prior variance is about 1)."""
SERIAL_SOLVE_ROWS = 256
"""Up to this many training rows, the posterior's triangular solve runs on one BLAS
thread. OpenBLAS wakes its threads for a solve of any size: with a few dozen rows that
costs 20 times the solve itself or more (measured: ~6 ms instead of ~0.3 ms of CPU
for 500 candidates), and up to this size the result has the same bits as with more
threads (tests/core/transfer/test_copula.py checks it; OpenBLAS 0.3.31 first differs
at 385 rows). Larger solves keep OpenBLAS's own threading."""

_thread_controller: Any = None


class Prior(Protocol):
    """A model of the mean and spread of quantiles, shape `(m,)` each, at rows `x`."""

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class TargetResiduals:
    """A fitted process: training rows `x` (n, dim), their prior spread (n,), the
    Cholesky factor of the training covariance (n, n) and its solve of the residuals."""

    x: np.ndarray
    spread: np.ndarray
    factor: np.ndarray
    weights: np.ndarray
    amplitude: float
    lengthscale: float
    noise: float

    def posterior(
        self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of `z` at rows `x` (m, dim), given the
        prior's `mu` and `sigma` there (m,); each of shape `(m,)`."""
        cross = _kernel(self.x, x, self.spread, sigma, self.amplitude, self.lengthscale)
        mean = mu + cross.T @ self.weights
        with _serial_blas(len(self.x) <= SERIAL_SOLVE_ROWS):
            v = solve_triangular(self.factor, cross, lower=True)  # (n, m)
        variance = np.maximum(sigma**2 + self.amplitude - np.sum(v**2, axis=0), 0.0)
        return mean, np.sqrt(variance)


def fit_target_residuals(x: np.ndarray, z: np.ndarray, prior: Prior) -> TargetResiduals:
    """The process of residuals of quantiles `z` (n,) at encoded rows `x` (n, dim),
    n >= 1, under `prior`, with the amplitude, lengthscale and noise of highest
    marginal likelihood (ties: the first in grid order)."""
    x, z = x[-MAX_ROWS:], z[-MAX_ROWS:]
    mu, spread = prior.predict(x)
    residuals = z - mu
    scale = math.sqrt(max(x.shape[1], 1))
    best: tuple[float, TargetResiduals] | None = None
    for amplitude, relative, noise in itertools.product(AMPLITUDES, LENGTHSCALES, NOISES):
        lengthscale = relative * scale
        covariance = _kernel(x, x, spread, spread, amplitude, lengthscale)
        covariance[np.diag_indices(len(z))] += noise
        factor = cholesky(covariance, lower=True)
        weights = cho_solve((factor, True), residuals)
        nll = 0.5 * float(residuals @ weights) + float(np.sum(np.log(np.diag(factor))))
        if best is None or nll < best[0]:
            fitted = TargetResiduals(x, spread, factor, weights, amplitude, lengthscale, noise)
            best = (nll, fitted)
    assert best is not None
    return best[1]


def _kernel(
    a: np.ndarray,
    b: np.ndarray,
    spread_a: np.ndarray,
    spread_b: np.ndarray,
    amplitude: float,
    lengthscale: float,
) -> np.ndarray:
    """`(spread_a[i] spread_b[j] + amplitude) exp(-|a_i - b_j|^2 / (2 l^2))`, shape
    `(len(a), len(b))`."""
    distances = np.sum(a**2, axis=1)[:, None] + np.sum(b**2, axis=1)[None, :] - 2 * a @ b.T
    correlation = np.exp(-np.maximum(distances, 0.0) / (2 * lengthscale**2))
    result: np.ndarray = (spread_a[:, None] * spread_b[None, :] + amplitude) * correlation
    return result


def _serial_blas(serial: bool) -> AbstractContextManager[Any]:
    """A context limiting BLAS to one thread if `serial`, else one that changes nothing."""
    global _thread_controller
    if not serial:
        return nullcontext()
    if _thread_controller is None:
        from threadpoolctl import ThreadpoolController  # installed with scikit-learn

        _thread_controller = ThreadpoolController()
    limit: AbstractContextManager[Any] = _thread_controller.limit(limits=1, user_api="blas")
    return limit
