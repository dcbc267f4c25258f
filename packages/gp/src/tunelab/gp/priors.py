"""Log-densities of the hyperparameter priors, on the unconstrained (log) scale.

Every positive hyperparameter of the model is stored as its logarithm; the priors here
are written on that scale (autograd-compatible), so type-II maximum likelihood is
maximum a posteriori estimation on the log scale.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp


def log_normal_prior(log_value: Any, *, mean: float, std: float) -> Any:
    """Sum of `N(log_value; mean, std^2)` log-densities (constants dropped)."""
    return -0.5 * anp.sum(((log_value - mean) / std) ** 2)


def gamma_prior(log_value: Any, *, shape: float, rate: float) -> Any:
    """Sum of Gamma(shape, rate) log-densities of `exp(log_value)`, on the log scale.

    The Jacobian of the log transform adds `log_value`, so the result is
    `shape * log_value - rate * exp(log_value)` (constants dropped).
    """
    return anp.sum(shape * log_value - rate * anp.exp(log_value))
