"""Kumaraswamy input warping: a learned monotone map of each numeric input column.

Snoek, Swersky, Zemel, Adams. Input Warping for Bayesian Optimization of
Non-Stationary Functions. ICML 2014 (with the Kumaraswamy CDF in place of the Beta CDF).
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np

from tunelab.gp.kernels import Kernel
from tunelab.gp.priors import log_normal_prior

# Inputs are kept inside (0, 1): the map's derivative is unbounded at the ends.
_EDGE = 1e-6


def kumaraswamy_cdf(x: Any, log_a: Any, log_b: Any) -> Any:
    """`1 - (1 - x^a)^b` for `x` in [0, 1]: increasing, from 0 to 1, for any a, b > 0."""
    x = anp.clip(x, _EDGE, 1.0 - _EDGE)
    return 1.0 - (1.0 - x ** anp.exp(log_a)) ** anp.exp(log_b)


class WarpedKernel(Kernel):
    """`k(w(x), w(x'))` with `w` the Kumaraswamy CDF on the `columns` of the input.

    Parameters: those of `base`, then `log a` and `log b` per warped column (both
    starting at 0, the identity map), with priors `N(0, 0.75^2)`. One-hot columns of
    categorical hyperparameters should not be warped: pass only numeric columns.

    Args:
        base: The kernel on warped inputs.
        columns: Indices of the columns to warp.
    """

    def __init__(self, base: Kernel, columns: np.ndarray) -> None:
        self.base = base
        self.columns = np.asarray(columns, dtype=int)
        self._n_warped = len(self.columns)
        self.n_params = base.n_params + 2 * self._n_warped

    def initial(self) -> np.ndarray:
        return np.concatenate([self.base.initial(), np.zeros(2 * self._n_warped)])

    def log_prior(self, params: Any) -> Any:
        warp = params[self.base.n_params :]
        return self.base.log_prior(params[: self.base.n_params]) + log_normal_prior(
            warp, mean=0.0, std=0.75
        )

    def warp(self, params: Any, x: Any) -> Any:
        """`x` with its warped columns mapped through the Kumaraswamy CDF."""
        if self._n_warped == 0:
            return x
        start = self.base.n_params
        log_a = params[start : start + self._n_warped]
        log_b = params[start + self._n_warped :]
        warped = kumaraswamy_cdf(x[:, self.columns], log_a, log_b)
        keep = np.setdiff1d(np.arange(x.shape[1]), self.columns)
        # reassemble the columns in their original order without in-place assignment
        order = np.argsort(np.concatenate([self.columns, keep]))
        return anp.concatenate([warped, x[:, keep]], axis=1)[:, order]

    def __call__(self, params: Any, x1: Any, x2: Any) -> Any:
        base_params = params[: self.base.n_params]
        return self.base(base_params, self.warp(params, x1), self.warp(params, x2))

    def diag(self, params: Any, x: Any) -> Any:
        return self.base.diag(params[: self.base.n_params], self.warp(params, x))
