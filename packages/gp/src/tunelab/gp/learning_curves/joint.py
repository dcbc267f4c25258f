"""The exponential-decay resource kernel of a joint GP over (configuration, resource).

Model: `f(x, r) = g(x) + h(r)`, `g ~ GP(0, k_x)` the configuration's effect and `h`
a learning-curve process shared by all configurations, with

    k((x, r), (x', r')) = k_x(x, x') + gamma * (psi(r + r') - delta * psi(r) psi(r'))
    psi(u) = (beta / (u + beta))^alpha,  beta = alpha / mean_lam.

`psi(r + r')` is `E[exp(-lambda r) exp(-lambda r')]` for a decay rate
`lambda ~ Gamma(alpha, beta)` (mean `mean_lam`), the Freeze-Thaw kernel
(`delta = 0`); `delta = 1` centres it (the covariance of `exp(-lambda r)`); every
`delta` in [0, 1] gives a valid kernel. The reference also puts the mean
`E[h(r)]` into the mean function; here the shared process `h`, whose posterior is
pinned down by the many results at each rung level, absorbs the offsets between
levels.

References: K. Swersky, J. Snoek, R. P. Adams. Freeze-Thaw Bayesian Optimization.
arXiv:1406.3896, 2014. L. Tiao, A. Klein, C. Archambeau, M. Seeger. Model-based
Asynchronous Hyperparameter and Neural Architecture Search. arXiv:2003.10865, 2020.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np

from tunelab.gp.kernels import Kernel
from tunelab.gp.priors import log_normal_prior

_N_RESOURCE_PARAMS = 4  # log alpha, log mean_lam, log gamma, logit delta


def decay(u: Any, log_alpha: Any, log_mean_lam: Any) -> Any:
    """`psi(u) = (beta / (u + beta))^alpha` with `beta = alpha / mean_lam`."""
    alpha = anp.exp(log_alpha)
    beta = alpha / anp.exp(log_mean_lam)
    return (beta / (u + beta)) ** alpha


class ExpDecayResourceKernel(Kernel):
    """`k_x` on all but the last column plus the exponential-decay kernel on the last
    (the normalised resource). Parameters: those of `base`, then `log alpha`,
    `log mean_lam`, `log gamma`, `logit delta` (priors `N(0, 1)` around 1, 0.5, 0.5
    and 0.5).

    Args:
        base: Kernel over the encoded configuration.
    """

    def __init__(self, base: Kernel) -> None:
        self.base = base
        self.n_params = base.n_params + _N_RESOURCE_PARAMS
        self._prior_means = np.array([0.0, np.log(0.5), np.log(0.5), 0.0])

    def initial(self) -> np.ndarray:
        return np.concatenate([self.base.initial(), self._prior_means])

    def log_prior(self, params: Any) -> Any:
        k = self.base.n_params
        resource = params[k:]
        return self.base.log_prior(params[:k]) + log_normal_prior(
            resource - self._prior_means, mean=0.0, std=1.0
        )

    def _resource_parts(self, params: Any) -> tuple[Any, Any, Any, Any]:
        k = self.base.n_params
        gamma = anp.exp(params[k + 2])
        delta = 1.0 / (1.0 + anp.exp(-params[k + 3]))
        return params[k], params[k + 1], gamma, delta

    def __call__(self, params: Any, x1: Any, x2: Any) -> Any:
        log_alpha, log_mean_lam, gamma, delta = self._resource_parts(params)
        r1, r2 = x1[:, -1], x2[:, -1]
        joint = decay(r1[:, None] + r2[None, :], log_alpha, log_mean_lam)
        marginal = (
            decay(r1, log_alpha, log_mean_lam)[:, None]
            * decay(r2, log_alpha, log_mean_lam)[None, :]
        )
        base = self.base(params[: self.base.n_params], x1[:, :-1], x2[:, :-1])
        return base + gamma * (joint - delta * marginal)

    def diag(self, params: Any, x: Any) -> Any:
        log_alpha, log_mean_lam, gamma, delta = self._resource_parts(params)
        r = x[:, -1]
        resource = (
            decay(2 * r, log_alpha, log_mean_lam) - delta * decay(r, log_alpha, log_mean_lam) ** 2
        )
        return self.base.diag(params[: self.base.n_params], x[:, :-1]) + gamma * resource
