"""The Gaussian likelihood: observation noise with a floor."""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np

from tunelab.gp.priors import gamma_prior


class GaussianLikelihood:
    """Homoscedastic Gaussian noise of variance `floor + exp(param)`.

    The floor keeps the kernel matrix well conditioned even for noise-free targets
    (most hyperparameter-optimisation objectives are deterministic functions of the
    configuration and seed). Prior: `Gamma(1.1, 20)` on the learned part, which
    favours small noise without forbidding large.

    Args:
        noise_floor: Smallest noise variance (of the normalised targets).
        initial_noise: Starting noise variance of the learned part.
    """

    n_params = 1

    def __init__(self, *, noise_floor: float = 1e-6, initial_noise: float = 1e-3) -> None:
        self.noise_floor = float(noise_floor)
        self.initial_noise = float(initial_noise)

    def initial(self) -> np.ndarray:
        return np.array([np.log(self.initial_noise)])

    def log_prior(self, params: Any) -> Any:
        return gamma_prior(params, shape=1.1, rate=20.0)

    def noise_variance(self, params: Any) -> Any:
        return self.noise_floor + anp.exp(params[0])
