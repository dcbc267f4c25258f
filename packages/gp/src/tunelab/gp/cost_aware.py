"""Cost-aware Bayesian optimization: `CostAwareGPSearcher`, expected improvement per
unit of (predicted) cost."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from tunelab.core.status import COST_KEY
from tunelab.gp.acquisition import expected_improvement
from tunelab.gp.constrained import Fit, PairedGPOptions, PairedGPSearcher

if TYPE_CHECKING:
    from typing_extensions import Unpack

# A reported cost of zero is modelled as this (in the cost's unit): the GP is on log cost.
_ZERO_COST = 1e-6


class CostAwareGPSearcher(PairedGPSearcher):
    """Bayesian optimization by expected improvement per unit cost (EIpu).

    Every result reports, beside the metric, what its evaluation cost (`cost_attr`,
    e.g. training seconds or dollars; with a resource, each trial's cumulative cost at
    its latest result). A second GP models log cost; a candidate is scored by
    `EI(x) / exp(m(x))^cost_exponent`, `m(x)` the posterior mean of log cost, so that
    of two equally promising configurations the cheaper one is evaluated first.
    `cost_exponent=0` is plain EI; values above 1 favour cheap points more strongly.
    Costs must be >= 0 (a zero cost counts as 1e-6); results whose metric or cost is
    NaN or infinite are ignored.

    The cost only steers *which* configuration runs; when tuning ends is the stopping
    criterion's business: `StoppingCriterion(max_cost=...)` (`max_cost` in
    `tunelab-run`) stops once the trials' summed `worker_cost` reaches the budget.
    Name the same cost here (the simulator reports the benchmark's `cost` metric as
    `worker_cost`, and `tunelab-run` passes that metric as `cost_attr`), and EIpu makes
    more, cheaper evaluations within the same budget.

    Reference: J. Snoek, H. Larochelle, R. P. Adams. Practical Bayesian Optimization of
    Machine Learning Algorithms. NeurIPS 2012 (EI per second). The exponent is that of
    E. H. Lee, V. Perrone, C. Archambeau, M. Seeger. Cost-aware Bayesian Optimization.
    ICML AutoML workshop 2020 (there decayed over the budget: "cost cooling").

    Args:
        config_space: Hyperparameter name -> domain or constant.
        cost_attr: Result key of the cost (default `worker_cost`, which backends that
            know a trial's cost report).
        cost_exponent: Weight of the cost in the score, >= 0.
        **options: `num_init_random`, `settings`, `points_to_evaluate`,
            `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    _role = "cost"

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        cost_attr: str = COST_KEY,
        cost_exponent: float = 1.0,
        **options: Unpack[PairedGPOptions],
    ) -> None:
        if (
            isinstance(cost_exponent, bool)
            or not isinstance(cost_exponent, int | float)
            or not 0 <= cost_exponent < math.inf
        ):
            raise ValueError(
                f"{type(self).__name__}: cost_exponent must be a finite number >= 0, "
                f"got {cost_exponent!r}"
            )
        super().__init__(config_space, second_attr=cost_attr, **options)
        self.cost_exponent = float(cost_exponent)

    @property
    def cost_attr(self) -> str:
        """Result key of the cost."""
        return self.second_attr

    def _second_value(self, result: dict[str, Any]) -> float | None:
        cost = self._second_number(result)
        if not math.isfinite(cost):
            return None
        if cost < 0:
            raise ValueError(
                f"{type(self).__name__}.observe: cost {self.cost_attr!r} must be >= 0, got {cost!r}"
            )
        return math.log(max(cost, _ZERO_COST))

    def _score_function(self, objective: Fit, second: Fit) -> Callable[[Any], Any]:
        gp, transform = objective
        cost_gp, cost_transform = second
        best = float(np.min(transform(self._data.latest.y)))
        # exp(alpha * log cost) up to the factor exp(alpha * shift), which is the same
        # for every candidate: the ranking is that of EI / cost^alpha
        weight = self.cost_exponent * cost_transform.scale

        def score(x: Any) -> Any:
            mean, variance = gp.posterior(x)
            log_cost, _ = cost_gp.posterior(x)
            return -expected_improvement(mean, anp.sqrt(variance), best) * anp.exp(
                -weight * log_cost
            )

        return score
