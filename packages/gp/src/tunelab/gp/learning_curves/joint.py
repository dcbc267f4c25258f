"""Resource kernels of a joint GP over (configuration, resource).

The exponential-decay kernel: `f(x, r) = g(x) + h(r)`, `g ~ GP(0, k_x)` the
configuration's effect and `h` a learning-curve process shared by all configurations,
with

    k((x, r), (x', r')) = k_x(x, x') + gamma * k_r(r, r')
    k_r(r, r') = psi(r + r') - delta * psi(r) psi(r')
    psi(u) = (beta / (u + beta))^alpha,  beta = alpha / mean_lam.

`psi(r + r')` is `E[exp(-lambda r) exp(-lambda r')]` for a decay rate
`lambda ~ Gamma(alpha, beta)` (mean `mean_lam`), the Freeze-Thaw kernel
(`delta = 0`); `delta = 1` centres it (the covariance of `exp(-lambda r)`); every
`delta` in [0, 1] gives a valid kernel. The reference also puts the mean
`E[h(r)]` into the mean function; here the shared process `h`, whose posterior is
pinned down by the many results at each rung level, absorbs the offsets between
levels. The "combined" form `k_x(x, x') (1 + gamma k_r(r, r'))` lets the learning
curves of similar configurations decay alike (a product of valid kernels is valid).

`ResourceKernel` names the choices of `MOBSTERSearcher(resource_kernel=...)`:

- "exp-decay-sum": the additive form above, `delta` learned (the default);
- "exp-decay-combined": the product form, `delta` learned;
- "exp-decay-delta0" (Freeze-Thaw) and "exp-decay-delta1": additive, `delta` fixed;
- "matern52": a Matern 5/2 ARD kernel over (x, r), the resource as one more input.

References: K. Swersky, J. Snoek, R. P. Adams. Freeze-Thaw Bayesian Optimization.
arXiv:1406.3896, 2014. L. Tiao, A. Klein, C. Archambeau, M. Seeger. Model-based
Asynchronous Hyperparameter and Neural Architecture Search. arXiv:2003.10865, 2020.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive

from tunelab.gp.kernels import Kernel
from tunelab.gp.priors import log_normal_prior

ResourceKernel = Literal[
    "exp-decay-sum", "exp-decay-combined", "exp-decay-delta0", "exp-decay-delta1", "matern52"
]
RESOURCE_KERNELS: tuple[str, ...] = (
    "exp-decay-sum",
    "exp-decay-combined",
    "exp-decay-delta0",
    "exp-decay-delta1",
    "matern52",
)


def decay(u: Any, log_alpha: Any, log_mean_lam: Any) -> Any:
    """`psi(u) = (beta / (u + beta))^alpha` with `beta = alpha / mean_lam`."""
    alpha = anp.exp(log_alpha)
    beta = alpha / anp.exp(log_mean_lam)
    return (beta / (u + beta)) ** alpha


class ExpDecayResourceKernel(Kernel):
    """`k_x` on all but the last column combined with the exponential-decay kernel on
    the last (the normalised resource). Parameters: those of `base`, then `log alpha`,
    `log mean_lam`, `log gamma` and, unless `delta` is fixed, `logit delta` (priors
    `N(0, 1)` around 1, 0.5, 0.5 and 0.5).

    Args:
        base: Kernel over the encoded configuration.
        delta: A fixed `delta` in [0, 1], or None to learn it.
        combine: "sum" (`k_x + gamma k_r`) or "product" (`k_x (1 + gamma k_r)`).
    """

    def __init__(
        self,
        base: Kernel,
        *,
        delta: float | None = None,
        combine: Literal["sum", "product"] = "sum",
    ) -> None:
        if delta is not None and not 0.0 <= delta <= 1.0:
            raise ValueError(f"ExpDecayResourceKernel: delta must be in [0, 1], got {delta!r}")
        if combine not in ("sum", "product"):
            raise ValueError(
                f"ExpDecayResourceKernel: combine must be 'sum' or 'product', got {combine!r}"
            )
        self.base = base
        self.delta = delta
        self.combine = combine
        self._prior_means = np.array([0.0, np.log(0.5), np.log(0.5), 0.0])[
            : 3 if delta is not None else 4
        ]
        self.n_params = base.n_params + len(self._prior_means)

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
        delta = 1.0 / (1.0 + anp.exp(-params[k + 3])) if self.delta is None else self.delta
        return params[k], params[k + 1], gamma, delta

    def _combine(self, base: Any, resource: Any) -> Any:
        return base + resource if self.combine == "sum" else base * (1.0 + resource)

    def __call__(self, params: Any, x1: Any, x2: Any) -> Any:
        if not isinstance(params, np.ndarray):  # traced parameters: the fit
            return self._formula(params, x1, x2)
        # fixed parameters (conditioning, scoring and refining candidates): the
        # resource part as one primitive, differentiable in the resource columns
        log_alpha, log_mean_lam, gamma, delta = self._resource_parts(params)
        resource = resource_covariance(x1[:, -1], x2[:, -1], log_alpha, log_mean_lam, gamma, delta)
        base = self.base(params[: self.base.n_params], x1[:, :-1], x2[:, :-1])
        return self._combine(base, resource)

    def _formula(self, params: Any, x1: Any, x2: Any) -> Any:
        """The matrix written out in traced operations: the parameters' gradient of
        the marginal likelihood comes from here."""
        log_alpha, log_mean_lam, gamma, delta = self._resource_parts(params)
        r1, r2 = x1[:, -1], x2[:, -1]
        joint = decay(r1[:, None] + r2[None, :], log_alpha, log_mean_lam)
        marginal = (
            decay(r1, log_alpha, log_mean_lam)[:, None]
            * decay(r2, log_alpha, log_mean_lam)[None, :]
        )
        base = self.base(params[: self.base.n_params], x1[:, :-1], x2[:, :-1])
        return self._combine(base, gamma * (joint - delta * marginal))

    def diag(self, params: Any, x: Any) -> Any:
        log_alpha, log_mean_lam, gamma, delta = self._resource_parts(params)
        base = self.base.diag(params[: self.base.n_params], x[:, :-1])
        if isinstance(params, np.ndarray):
            resource = resource_variance(x[:, -1], log_alpha, log_mean_lam, gamma, delta)
            return self._combine(base, resource)
        r = x[:, -1]
        resource = (
            decay(2 * r, log_alpha, log_mean_lam) - delta * decay(r, log_alpha, log_mean_lam) ** 2
        )
        return self._combine(base, gamma * resource)


# autograd ships no type information; traced, a primitive takes and returns Boxes, so
# the decorated functions are left untyped (`Any`) rather than given false signatures.
@primitive  # type: ignore[untyped-decorator]
def resource_covariance(
    r1: Any, r2: Any, log_alpha: float, log_mean_lam: float, gamma: float, delta: float
) -> Any:
    """`gamma * (psi(r1 + r2) - delta * psi(r1) psi(r2))` for resources `r1` (shape
    `(n1,)`) and `r2` (`(n2,)`): the resource part of the kernel for fixed parameters.

    Computed once per pair of distinct resource values (a few rung levels) and looked
    up for each of the `(n1, n2)` entries, instead of two powers per entry. Each entry
    goes through the same operations on the same numbers as the written-out formula,
    so the matrix is the same to the last bit. An autograd primitive, differentiable
    in `r1` and `r2` (the parameters are constants here).
    """
    levels1, index1 = np.unique(r1, return_inverse=True)
    levels2, index2 = np.unique(r2, return_inverse=True)
    joint = decay(levels1[:, None] + levels2[None, :], log_alpha, log_mean_lam)
    marginal = (
        decay(levels1, log_alpha, log_mean_lam)[:, None]
        * decay(levels2, log_alpha, log_mean_lam)[None, :]
    )
    table = gamma * (joint - delta * marginal)
    return table[index1.reshape(-1)][:, index2.reshape(-1)]


@primitive  # type: ignore[untyped-decorator]
def resource_variance(
    r: Any, log_alpha: float, log_mean_lam: float, gamma: float, delta: float
) -> Any:
    """The diagonal of `resource_covariance(r, r, ...)`, shape `(n,)`, by the same
    operations as the written-out formula; differentiable in `r`."""
    return gamma * (
        decay(2 * r, log_alpha, log_mean_lam) - delta * decay(r, log_alpha, log_mean_lam) ** 2
    )


def _decay_slope(u: np.ndarray, log_alpha: float, log_mean_lam: float) -> np.ndarray:
    """`d psi(u) / du = -alpha psi(u) / (u + beta)`."""
    alpha = np.exp(log_alpha)
    beta = alpha / np.exp(log_mean_lam)
    slope: np.ndarray = -alpha * decay(u, log_alpha, log_mean_lam) / (u + beta)
    return slope


def _covariance_vjp(argnum: int) -> Callable[..., Callable[[np.ndarray], np.ndarray]]:
    """The VJP of `resource_covariance` in `r1` (`argnum=0`) or `r2` (`argnum=1`)."""

    def make(ans: Any, r1: Any, r2: Any, la: float, lm: float, gamma: float, delta: float) -> Any:
        mine, other = (r1, r2) if argnum == 0 else (r2, r1)
        sums = mine[:, None] + other[None, :]
        # d/d mine of psi(mine + other) - delta psi(mine) psi(other)
        slope = _decay_slope(sums, la, lm) - delta * (
            _decay_slope(mine, la, lm)[:, None] * decay(other, la, lm)[None, :]
        )

        def vjp(g: np.ndarray) -> np.ndarray:
            oriented = g if argnum == 0 else g.T
            gradient: np.ndarray = gamma * np.sum(oriented * slope, axis=1)
            return gradient

        return vjp

    return make


def _variance_vjp(ans: Any, r: Any, la: float, lm: float, gamma: float, delta: float) -> Any:
    slope = 2.0 * _decay_slope(2 * r, la, lm) - 2.0 * delta * decay(r, la, lm) * _decay_slope(
        r, la, lm
    )
    return lambda g: gamma * g * slope


defvjp(resource_covariance, _covariance_vjp(0), _covariance_vjp(1))
defvjp(resource_variance, _variance_vjp)


def resource_kernel(name: ResourceKernel, base: Callable[[int], Kernel]) -> Kernel:
    """The kernel named `name` (see `ResourceKernel`) over (configuration, resource).

    Args:
        name: One of `RESOURCE_KERNELS`.
        base: `base(extra)` is the configuration kernel over the encoding plus `extra`
            trailing columns: `base(0)` is combined with the resource kernel,
            `base(1)` is "matern52" over both.
    """
    if name == "exp-decay-sum":
        return ExpDecayResourceKernel(base(0))
    if name == "exp-decay-combined":
        return ExpDecayResourceKernel(base(0), combine="product")
    if name == "exp-decay-delta0":
        return ExpDecayResourceKernel(base(0), delta=0.0)
    if name == "exp-decay-delta1":
        return ExpDecayResourceKernel(base(0), delta=1.0)
    if name == "matern52":
        return base(1)
    raise ValueError(f"resource_kernel must be one of {list(RESOURCE_KERNELS)}, got {name!r}")
