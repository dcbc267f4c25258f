"""Acquisition functions on the posterior of a minimisation problem (lower is better).

Both are written with `autograd.numpy`, so they can be differentiated through the
posterior in the inputs; their closed-form derivatives in (mean, std) are given too.
Each returns a score to *minimise* (negative EI; LCB itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import autograd.numpy as anp
import autograd.scipy.stats.norm as anorm
import numpy as np
from scipy.stats import norm

Acquisition = Literal["ei", "lcb"]


def expected_improvement(mean: Any, std: Any, best: Any) -> Any:
    """`E[max(best - f, 0)]` for `f ~ N(mean, std^2)`, elementwise (`best` a float or
    an array broadcast against `mean`).

    Closed form: `std * (z Phi(z) + phi(z))` with `z = (best - mean) / std`.
    """
    z = (best - mean) / std
    return std * (z * anorm.cdf(z) + anorm.pdf(z))


def expected_improvement_gradient(
    mean: np.ndarray, std: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of `expected_improvement` in mean (`-Phi(z)`) and std (`phi(z)`)."""
    z = (best - mean) / std
    return -norm.cdf(z), norm.pdf(z)


def lower_confidence_bound(mean: Any, std: Any, kappa: float) -> Any:
    """`mean - kappa * std`, elementwise (derivatives: 1 and `-kappa`)."""
    return mean - kappa * std


@dataclass(frozen=True)
class AcquisitionScore:
    """The score to minimise over candidates: `-EI` or `LCB` of the posterior.

    Args:
        kind: "ei" (expected improvement over `best`) or "lcb" (with `kappa`).
        best: The incumbent, for EI (normalised scale).
        kappa: Exploration weight of LCB.
    """

    kind: Acquisition
    best: float = 0.0
    kappa: float = 1.0

    def __call__(self, mean: Any, variance: Any) -> Any:
        std = anp.sqrt(variance)
        if self.kind == "ei":
            return -expected_improvement(mean, std, self.best)
        return lower_confidence_bound(mean, std, self.kappa)
