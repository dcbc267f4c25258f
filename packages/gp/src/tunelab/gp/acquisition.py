"""Acquisition functions on the posterior of a minimisation problem (lower is better).

Both are written with `autograd.numpy`, so they can be differentiated through the
posterior in the inputs; their closed-form derivatives in (mean, std) are given too.
Each returns a score to *minimise* (negative EI; LCB itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive
from scipy.special import ndtr

Acquisition = Literal["ei", "lcb"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


# The standard normal density and distribution function as autograd primitives. They
# replace `autograd.scipy.stats.norm`, whose import pulls in all of scipy.stats and
# scipy.integrate (over a second of every GP method's start); the values are the
# same doubles scipy.stats.norm returns (`exp(-z^2/2)/sqrt(2 pi)` and `ndtr`).
@primitive  # type: ignore[untyped-decorator]
def normal_pdf(z: Any) -> Any:
    """Standard normal density, elementwise; differentiable with autograd."""
    return np.exp(-(z**2) / 2.0) / _SQRT_2PI


@primitive  # type: ignore[untyped-decorator]
def normal_cdf(z: Any) -> Any:
    """Standard normal distribution function, elementwise; differentiable with autograd."""
    return ndtr(z)


defvjp(normal_pdf, lambda ans, z: lambda g: -g * ans * z)
defvjp(normal_cdf, lambda ans, z: lambda g: g * normal_pdf(z))


def expected_improvement(mean: Any, std: Any, best: Any) -> Any:
    """`E[max(best - f, 0)]` for `f ~ N(mean, std^2)`, elementwise (`best` a float or
    an array broadcast against `mean`).

    Closed form: `std * (z Phi(z) + phi(z))` with `z = (best - mean) / std`.
    """
    z = (best - mean) / std
    return std * (z * normal_cdf(z) + normal_pdf(z))


def expected_improvement_gradient(
    mean: np.ndarray, std: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of `expected_improvement` in mean (`-Phi(z)`) and std (`phi(z)`)."""
    z = (best - mean) / std
    return -normal_cdf(z), normal_pdf(z)


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
