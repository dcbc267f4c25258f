"""Mean functions of the GP prior."""

from __future__ import annotations

from typing import Any, Protocol

import autograd.numpy as anp
import numpy as np

from tunelab.gp.priors import log_normal_prior


class MeanFunction(Protocol):
    """A mean function with `n_params` unconstrained parameters (autograd-compatible)."""

    n_params: int

    def initial(self) -> np.ndarray:
        """Default parameters, shape `(n_params,)`."""
        ...

    def log_prior(self, params: Any) -> Any:
        """Log prior density of `params` (up to a constant)."""
        ...

    def __call__(self, params: Any, x: Any) -> Any:
        """The mean at the rows of `x`, shape `(n,)`."""
        ...


class ConstantMean:
    """A constant mean `m`, learned (one parameter) or fixed at `value` (none).

    Targets are normalised to mean 0 and variance 1 before fitting, so the learned
    constant has the prior `N(0, 1)`.

    Args:
        learned: Learn the constant by type-II maximum likelihood.
        value: The constant when not learned (and the initial value when learned).
    """

    def __init__(self, *, learned: bool = True, value: float = 0.0) -> None:
        self.learned = learned
        self.value = float(value)
        self.n_params = int(learned)

    def initial(self) -> np.ndarray:
        return np.full(self.n_params, self.value)

    def log_prior(self, params: Any) -> Any:
        return log_normal_prior(params, mean=0.0, std=1.0) if self.learned else 0.0

    def __call__(self, params: Any, x: Any) -> Any:
        constant = params[0] if self.learned else self.value
        return constant * anp.ones(x.shape[0])
