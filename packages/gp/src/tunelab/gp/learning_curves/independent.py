"""Independent GPs per rung level, as one GP with a block-diagonal kernel.

`f(x, r)` for each level `r` is an independent GP with mean `mu_r` and covariance
`c_r k(x, x')`, where `k` is a Matern 5/2 ARD kernel without variance shared by all
levels (the levels differ in scale and offset but share the relevant directions).
The noise variance is shared. Modelling them as one GP whose kernel is zero between
levels gives the same posterior and one marginal likelihood to fit.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from tunelab.gp.kernels import Kernel
from tunelab.gp.likelihood import GaussianLikelihood
from tunelab.gp.model import GPModel
from tunelab.gp.priors import log_normal_prior


def level_index(levels: np.ndarray, r: Any) -> np.ndarray:
    """Index into the sorted `levels` of each resource value in `r` (exact members)."""
    values = np.asarray(getval(r), dtype=float)  # levels are data, never differentiated
    index = np.searchsorted(levels, values)
    return np.clip(index, 0, len(levels) - 1)


class PerLevelKernel(Kernel):
    """`[level(x) == level(x')] * c_level * k(x, x')` on inputs whose last column is the
    (normalised) resource level. Parameters: those of `base` (which should have no
    variance), then `log c_r` per level (prior `N(0, 1)`).

    Args:
        base: Kernel over the encoded configuration.
        levels: The sorted distinct values of the resource column.
    """

    def __init__(self, base: Kernel, levels: np.ndarray) -> None:
        self.base = base
        self.levels = np.asarray(levels, dtype=float)
        self.n_params = base.n_params + len(self.levels)

    def initial(self) -> np.ndarray:
        return np.concatenate([self.base.initial(), np.zeros(len(self.levels))])

    def log_prior(self, params: Any) -> Any:
        k = self.base.n_params
        return self.base.log_prior(params[:k]) + log_normal_prior(params[k:], mean=0.0, std=1.0)

    def __call__(self, params: Any, x1: Any, x2: Any) -> Any:
        k = self.base.n_params
        i1 = level_index(self.levels, x1[:, -1])
        i2 = level_index(self.levels, x2[:, -1])
        base = self.base(params[:k], x1[:, :-1], x2[:, :-1])
        if len(i1) and len(i2) and i1.min() == i1.max() == i2.min() == i2.max():
            # one level on both sides (a level's own GP, its candidates): no mask needed
            return anp.exp(params[k + int(i1[0])]) * base
        same = (i1[:, None] == i2[None, :]).astype(float)
        scale = anp.exp(params[k:])[i1]
        return same * scale[:, None] * base

    def diag(self, params: Any, x: Any) -> Any:
        k = self.base.n_params
        scale = anp.exp(params[k:])[level_index(self.levels, x[:, -1])]
        return scale * self.base.diag(params[:k], x[:, :-1])


class PerLevelMean:
    """A constant mean `mu_r` per level (prior `N(0, 1)` each), from the last column.

    Args:
        levels: The sorted distinct values of the resource column.
    """

    def __init__(self, levels: np.ndarray) -> None:
        self.levels = np.asarray(levels, dtype=float)
        self.n_params = len(self.levels)

    def initial(self) -> np.ndarray:
        return np.zeros(self.n_params)

    def log_prior(self, params: Any) -> Any:
        return log_normal_prior(params, mean=0.0, std=1.0)

    def __call__(self, params: Any, x: Any) -> Any:
        return params[level_index(self.levels, x[:, -1])]


class PerLevelGPModel(GPModel):
    """`GPModel` with a `PerLevelKernel` and `PerLevelMean`: the negative log marginal
    likelihood is the sum over levels, since the kernel is zero between levels.

    Args:
        base: Kernel over the encoded configuration (without variance).
        levels: The sorted distinct values of the resource column.
        likelihood: The noise model (shared by the levels).
    """

    def __init__(
        self, base: Kernel, levels: np.ndarray, *, likelihood: GaussianLikelihood | None = None
    ) -> None:
        self.levels = np.asarray(levels, dtype=float)
        super().__init__(
            PerLevelKernel(base, self.levels), mean=PerLevelMean(self.levels), likelihood=likelihood
        )

    def neg_log_likelihood(self, theta: Any, x: np.ndarray, y: np.ndarray) -> Any:
        index = level_index(self.levels, x[:, -1])
        total: Any = 0.0
        for level in np.unique(index):
            rows = np.flatnonzero(index == level)
            total = total + super().neg_log_likelihood(theta, x[rows], y[rows])
        return total
