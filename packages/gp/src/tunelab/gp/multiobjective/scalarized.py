"""GP-based BO on a scalarisation of several metrics: ParEGO and a fixed weighted sum."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.searchers._args import check_fraction
from tunelab.core.trial import Mode
from tunelab.gp._base import GPOptions
from tunelab.gp.fantasize import fantasize
from tunelab.gp.multiobjective._base import MultiObjectiveGPSearcherBase
from tunelab.gp.multiobjective.scalarization import (
    augmented_chebyshev,
    check_weights,
    normalize_costs,
    uniform_simplex_weights,
    weighted_sum,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack


class ScalarizedGPSearcherBase(MultiObjectiveGPSearcherBase):
    """One GP on a scalar target made of all metrics, refreshed at every suggestion.

    The observed costs are normalised to [0, 1] over the data (`normalize_costs`), and
    `_scalarize` turns them into one target, lower is better. The GP hyperparameters
    are refitted, on the fitting schedule, when results arrived; otherwise the GP is
    conditioned on the new targets with the current hyperparameters. Pending trials
    are fantasized, and EI (or LCB) is maximised as in `GPSearcher`.
    """

    @abstractmethod
    def _scalarize(self, normalized: np.ndarray) -> np.ndarray:
        """The targets, shape `(n,)`, of normalised costs of shape `(n, m)`."""

    def _ranked_candidates(self) -> np.ndarray | None:
        x, costs = self._observed()
        if len(x) < 2:
            return None
        y = self._scalarize(normalize_costs(costs))
        if self._needs_update():
            gp, _ = self._surrogate.update(x, y, rng=self._rng)
        else:
            gp, _ = self._surrogate.condition(x, y)
        pending = list(self._pending.values())
        conditioned = fantasize(gp, np.array(pending).reshape(len(pending), x.shape[1]))
        score = self._score(float(np.min(gp.y)))
        return self._rank(lambda v: score(*conditioned.posterior(v)), self._anchors(gp.x, gp.y))


class ParEGOSearcher(ScalarizedGPSearcherBase):
    """ParEGO: GP-based BO on a random augmented Chebyshev scalarisation per suggestion.

    For each suggestion, weights are drawn uniformly from the simplex (by a generator
    of their own, seeded from `seed` and kept in the state), the observed metrics
    (maximised ones negated) are normalised to [0, 1] over the data and scalarised by
    `max_j w_j c_j + rho * sum_j w_j c_j`, and a GP fitted to that target picks the
    configuration of highest expected improvement. Over many suggestions the weights
    cover the whole front, also its non-convex parts. The reference draws weights from
    a finite evenly spaced set and uses a genetic algorithm to maximise EI; here they
    are continuous and EI is maximised as in `GPSearcher` (random candidates, L-BFGS-B,
    or the unused members of `restrict_to`). With one metric it is plain GP-BO.

    Reference: J. Knowles. ParEGO: A Hybrid Algorithm with On-Line Landscape
    Approximation for Expensive Multiobjective Optimization Problems. IEEE TEC, 2006.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        rho: Weight of the sum term of the augmented Chebyshev function, in [0, 1]
            (0.05 as in the reference).
        **options: `acquisition`, `kappa`, `num_init_random`, `settings`,
            `points_to_evaluate`, `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    def __init__(
        self, config_space: dict[str, Any], *, rho: float = 0.05, **options: Unpack[GPOptions]
    ) -> None:
        self.rho = check_fraction(rho, where=type(self).__name__, arg="rho", closed=True)
        super().__init__(config_space, **options)
        self._weights_rng = np.random.default_rng(int(self._rng.integers(2**62)))
        self.last_weights: np.ndarray | None = None
        """The weights of the latest scalarisation, shape `(m,)` (None before any)."""

    def _scalarize(self, normalized: np.ndarray) -> np.ndarray:
        self.last_weights = uniform_simplex_weights(self._weights_rng, normalized.shape[1])
        return augmented_chebyshev(normalized, self.last_weights, self.rho)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "weights_rng": self._weights_rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._weights_rng.bit_generator.state = state["weights_rng"]


class LinearScalarizedGPSearcher(ScalarizedGPSearcherBase):
    """GP-based BO on a fixed weighted sum of the metrics normalised over the data.

    The observed metrics (maximised ones negated) are normalised to [0, 1] over the
    data, so that `weights` weigh metrics of different units alike, and summed with
    `weights` (normalised to sum 1; default equal). Unlike ParEGO it aims at one
    region of the front: the one a weighted sum prefers (on a convex part). Unlike
    `linear_scalarized` with `bayesian_optimization` (a weighted sum of the raw
    metrics), the normalisation adapts to the ranges observed.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        weights: One non-negative weight per metric, in the order of the metrics
            (None: equal weights).
        **options: `acquisition`, `kappa`, `num_init_random`, `settings`,
            `points_to_evaluate`, `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        weights: Sequence[float] | None = None,
        **options: Unpack[GPOptions],
    ) -> None:
        where = type(self).__name__
        self.weights = None if weights is None else check_weights(weights, where=where)
        super().__init__(config_space, **options)

    def configure(
        self,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None = None,
    ) -> None:
        super().configure(metric=metric, mode=mode, resource_attr=resource_attr)
        if self.weights is not None and len(self.weights) != len(self.metrics):
            raise ValueError(
                f"{type(self).__name__}: weights must give one weight per metric "
                f"{list(self.metrics)}, got {len(self.weights)}: {self.weights.tolist()}"
            )

    def _scalarize(self, normalized: np.ndarray) -> np.ndarray:
        m = normalized.shape[1]
        weights = np.full(m, 1.0 / m) if self.weights is None else self.weights
        return weighted_sum(normalized, weights)
