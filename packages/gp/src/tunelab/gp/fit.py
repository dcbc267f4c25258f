"""Type-II maximum likelihood (with priors) and when to do it.

- `fit_hyperparameters`: L-BFGS-B on the negative log posterior of the GP parameters,
  from the previous optimum (warm start) and from random starts; the best wins.
- `RefitSchedule`: the `opt_skip_init_length` / `opt_skip_period` rule: refit at every
  model update while there are fewer than `init_length` observations, then only at
  every `period`-th update (the posterior is still recomputed with the new data).
- `subsample`: the cap on the data a model is fit to, keeping the best points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from autograd import value_and_grad
from scipy.optimize import minimize

from tunelab.gp.model import GPModel

# Random starts are drawn around the default parameters with this spread (log scale).
_START_SPREAD = 0.75
# L-BFGS-B stops when the objective improves by less than this relative amount: at
# n = 200 observations, 1e-6 is a change of the log likelihood by about 1e-4, far
# below what moves a decision (scipy's default, 2.2e-9, mostly polishes digits).
_FTOL = 1e-6
# Unconstrained parameters are kept in a box, far from overflow.
_BOUND = 12.0


def fit_hyperparameters(
    model: GPModel,
    x: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    warm_start: np.ndarray | None = None,
    num_starts: int = 2,
    max_iterations: int = 50,
) -> np.ndarray:
    """MAP estimate of `model`'s parameters given inputs `x` (shape `(n, d)`) and
    normalised targets `y` (shape `(n,)`).

    The first start is `warm_start` (the previous optimum) if given, else the model's
    defaults; the other `num_starts - 1` are random perturbations of the defaults.
    Starts whose optimisation fails are skipped; if all fail, the best start point wins.

    Returns:
        The parameters with the lowest negative log posterior, shape `(n_params,)`.
    """
    objective = value_and_grad(lambda theta: model.neg_log_posterior(theta, x, y))
    # the last point evaluated and its result: L-BFGS-B begins where the value of a
    # start was just taken, and the same point gives the same numbers
    last: list[tuple[np.ndarray, float, np.ndarray]] = []

    def safe(theta: np.ndarray) -> tuple[float, np.ndarray]:
        if last and np.array_equal(last[0][0], theta):
            return last[0][1], last[0][2].copy()
        value, grad = _evaluate(objective, theta)
        last[:] = [(np.array(theta, dtype=float), value, grad.copy())]
        return value, grad

    default = model.initial()
    starts = [default if warm_start is None else np.asarray(warm_start, dtype=float)]
    for _ in range(num_starts - 1):
        starts.append(default + _START_SPREAD * rng.standard_normal(model.n_params))
    best_theta, best_value = starts[0], safe(starts[0])[0]
    bounds = [(-_BOUND, _BOUND)] * model.n_params
    for start in starts:
        result = minimize(
            safe,
            np.clip(start, -_BOUND, _BOUND),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": max_iterations, "ftol": _FTOL},
        )
        if np.isfinite(result.fun) and result.fun < best_value:
            best_theta, best_value = np.asarray(result.x), float(result.fun)
    return np.asarray(best_theta, dtype=float)


def _evaluate(
    objective: Callable[[np.ndarray], tuple[Any, Any]], theta: np.ndarray
) -> tuple[float, np.ndarray]:
    """`objective(theta)` as (value, gradient); a failed factorisation or a value or
    gradient that is not finite counts as a very bad point (1e10, zero gradient)."""
    try:
        value, grad = objective(theta)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    if not np.isfinite(value) or not np.all(np.isfinite(grad)):
        return 1e10, np.zeros_like(theta)
    return float(value), np.asarray(grad, dtype=float)


@dataclass
class RefitSchedule:
    """Decides at each model update whether the GP parameters are refitted.

    Refits happen at every update while the number of observations is below
    `init_length`; beyond, at every `period`-th update (`period=1`: always). The
    reference evaluates this rule on the full data, before any subsampling, and so do
    the searchers here.
    """

    init_length: int = 150
    period: int = 1
    updates_since_fit: int = 0

    def __post_init__(self) -> None:
        if self.init_length < 0 or self.period < 1:
            raise ValueError(
                f"RefitSchedule: need init_length >= 0 and period >= 1, got "
                f"init_length={self.init_length}, period={self.period}"
            )

    def should_refit(self, num_observations: int) -> bool:
        """Called once per model update; True when this update refits."""
        if num_observations < self.init_length or self.updates_since_fit + 1 >= self.period:
            self.updates_since_fit = 0
            return True
        self.updates_since_fit += 1
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"updates_since_fit": self.updates_since_fit}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.updates_since_fit = int(state["updates_since_fit"])


def subsample(
    y: np.ndarray,
    max_size: int | None,
    *,
    rng: np.random.Generator,
    top_fraction: float = 0.25,
    priority: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of at most `max_size` of the targets `y` (lower is better) to fit to.

    Without `priority`: the best `top_fraction * max_size` points are kept, the rest
    of the places are drawn at random without replacement from the other points.
    With `priority` (shape `(n,)`, e.g. the highest resource level a trial reached),
    points of higher priority are kept first; within the lowest priority class that
    does not fit entirely, the same best-plus-random rule applies.

    Returns:
        Sorted indices into `y`, all of them when `max_size` is None or not exceeded.
    """
    n = len(y)
    if max_size is None or n <= max_size:
        return np.arange(n)
    if priority is None:
        priority = np.zeros(n)
    kept: list[np.ndarray] = []
    room = max_size
    for level in np.sort(np.unique(priority))[::-1]:
        members = np.flatnonzero(priority == level)
        if len(members) <= room:
            kept.append(members)
            room -= len(members)
            continue
        order = members[np.argsort(y[members], kind="stable")]
        n_top = min(room, int(np.ceil(top_fraction * max_size)))
        rest = order[n_top:]
        kept.append(order[:n_top])
        kept.append(rng.choice(rest, size=room - n_top, replace=False))
        break
    return np.sort(np.concatenate(kept))
