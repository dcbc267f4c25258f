"""Constrained Bayesian optimization: `ConstrainedGPSearcher` (EI x probability of
feasibility), and `PairedGPSearcher`, the base of GP searchers that model a second
reported metric beside the objective (the constraint here, the cost in `cost_aware`)."""

from __future__ import annotations

import dataclasses
import math
from abc import abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._observations import Observations
from tunelab.core.trial import Config
from tunelab.gp._base import GPSearcherBase
from tunelab.gp.acquisition import expected_improvement, normal_cdf
from tunelab.gp.fantasize import fantasize
from tunelab.gp.model import ConditionedGP
from tunelab.gp.settings import GPSettings
from tunelab.gp.surrogate import Surrogate
from tunelab.gp.targets import TargetTransform

if TYPE_CHECKING:
    from typing_extensions import Unpack

Fit = tuple[ConditionedGP, TargetTransform]
"""A GP conditioned on normalised targets, and the transform that normalised them."""


class PairedGPOptions(SearcherOptions, total=False):
    """The options `PairedGPSearcher` passes on (EI is fixed: no `acquisition`, `kappa`)."""

    num_init_random: int
    settings: GPSettings | None


def probability_of_feasibility(mean: Any, std: Any, threshold: float) -> Any:
    """`P(c <= threshold)` for `c ~ N(mean, std^2)`, elementwise; differentiable."""
    return normal_cdf((threshold - mean) / std)


class PairedGPSearcher(GPSearcherBase):
    """A GP on the objective and a second GP on another metric of each result.

    Each result must carry the second metric (`second_attr`); `_second_value` reads it
    (None: the result is ignored, as one with a NaN objective). Both GPs are fitted to
    the same trials (each trial's latest result), with their own hyperparameters,
    refit schedule and data cap; the second one never Box-Cox transforms. Pending
    trials are fantasized in both. Subclasses turn the two posteriors into the score
    to minimise (`_score_function`).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        second_attr: Result key of the second metric.
        **options: `num_init_random`, `settings`, `points_to_evaluate`,
            `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    _role = "second"  # what the second metric is, in error messages

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        second_attr: str,
        **options: Unpack[PairedGPOptions],
    ) -> None:
        super().__init__(config_space, acquisition="ei", **options)
        if not isinstance(second_attr, str) or not second_attr:
            raise ValueError(
                f"{type(self).__name__}: the {self._role} metric must be a non-empty result "
                f"key, got {second_attr!r}"
            )
        self.second_attr = second_attr
        self._second = Observations(self._encoder.dim)
        self._second_surrogate = Surrogate(
            self._build_model(),
            dataclasses.replace(self.settings, boxcox=False),
            subsample_seed=int(self._rng.integers(2**62)),
        )
        self._fits: tuple[Fit, Fit] | None = None

    def _second_number(self, result: dict[str, Any]) -> float:
        """The second metric of `result` as a float (any float, NaN included)."""
        where = f"{type(self).__name__}.observe"
        if self.second_attr not in result:
            raise ValueError(
                f"{where}: result {sorted(result)} lacks the {self._role} metric "
                f"{self.second_attr!r}; the training script must report it with every result"
            )
        value = result[self.second_attr]
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: {self._role} metric {self.second_attr!r} must be a number, got {value!r}"
            ) from None

    @abstractmethod
    def _second_value(self, result: dict[str, Any]) -> float | None:
        """The value the second GP models for `result`; None ignores the result."""

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        objective = self._objective(result)
        second = self._second_value(result)
        # one result per trial: once observed, a trial needs no fantasy any more
        self._pending.pop(trial_id, None)
        if objective is None or second is None:
            return
        x, level = self._encoder.encode(config), self._level(result)
        self._data.add(trial_id, x, objective, level)
        self._second.add(trial_id, x, second, level)  # same trial, level: same row

    def models(self) -> tuple[Fit, Fit] | None:
        """The objective's and the second metric's fits (not conditioned on pending
        trials), or None with fewer than two observations."""
        table, second = self._data.latest, self._second.latest
        if len(table) < 2:
            return None
        x, y, s = table.x.copy(), table.y.copy(), second.y.copy()
        if self._needs_update():
            self._fits = (
                self._surrogate.update(x, y, rng=self._rng),
                self._second_surrogate.update(x, s, rng=self._rng),
            )
        elif self._fits is None:
            self._fits = (self._surrogate.condition(x, y), self._second_surrogate.condition(x, s))
        return self._fits

    def _ranked_candidates(self) -> np.ndarray | None:
        fits = self.models()
        if fits is None:
            return None
        (gp, transform), (second_gp, second_transform) = fits
        pending = np.array(list(self._pending.values())).reshape(len(self._pending), gp.x.shape[1])
        score = self._score_function(
            (fantasize(gp, pending), transform),
            (fantasize(second_gp, pending), second_transform),
        )
        return self._rank(score, self._anchor_points())

    @abstractmethod
    def _score_function(self, objective: Fit, second: Fit) -> Callable[[Any], Any]:
        """Maps candidates of shape `(m, dim)` to scores of shape `(m,)`, lower is
        better, autograd-differentiable."""

    def _anchor_points(self) -> np.ndarray:
        """Observed points around which local candidates are drawn: the best ones."""
        table = self._data.latest
        return self._anchors(table.x, table.y)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "second_observations": self._second.state_dict(),
            "second_subsample_seed": self._second_surrogate.subsample_seed,
            "second_surrogate": self._second_surrogate.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._second.load_state_dict(state["second_observations"])
        self._second_surrogate.subsample_seed = int(state["second_subsample_seed"])
        self._second_surrogate.load_state_dict(state["second_surrogate"])
        self._reset_cache()

    def _reset_cache(self) -> None:
        self._fits = None


class ConstrainedGPSearcher(PairedGPSearcher):
    """Constrained Bayesian optimization: EI times the probability of feasibility.

    Every result reports, beside the metric, a constraint metric (`constraint_attr`)
    and is feasible when it is <= 0 (as in Syne Tune). One GP models the objective,
    a second GP the constraint values; a candidate is scored by
    `EI(x) * P(c(x) <= 0)`, where EI's incumbent is the best *feasible* observation,
    so that an infeasible result, however good, never raises the bar. Until a result
    is feasible, the probability of feasibility alone is maximised. Results whose
    objective or constraint is NaN or infinite are ignored; pending trials are
    fantasized in both GPs (see `GPSearcher`).

    Reference: J. R. Gardner, M. J. Kusner, Z. Xu, K. Q. Weinberger, J. P. Cunningham.
    Bayesian Optimization with Inequality Constraints. ICML 2014.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        constraint_attr: Result key of the constraint metric (feasible when <= 0).
        **options: `num_init_random`, `settings`, `points_to_evaluate`,
            `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    _role = "constraint"

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        constraint_attr: str,
        **options: Unpack[PairedGPOptions],
    ) -> None:
        super().__init__(config_space, second_attr=constraint_attr, **options)

    @property
    def constraint_attr(self) -> str:
        """Result key of the constraint metric."""
        return self.second_attr

    def _second_value(self, result: dict[str, Any]) -> float | None:
        value = self._second_number(result)
        return value if math.isfinite(value) else None

    def _feasible(self) -> np.ndarray:
        """Which rows of the latest observations are feasible, shape `(n,)`."""
        return np.asarray(self._second.latest.y <= 0.0)

    def incumbent(self) -> float | None:
        """The best feasible value of the metric observed (in its own sign), or None
        when no result is feasible yet."""
        feasible = self._feasible()
        if not feasible.any():
            return None
        best = float(np.min(self._data.latest.y[feasible]))
        return best if self.mode == "min" else -best

    def _score_function(self, objective: Fit, second: Fit) -> Callable[[Any], Any]:
        gp, transform = objective
        constraint_gp, constraint_transform = second
        threshold = float(constraint_transform(np.zeros(1))[0])
        feasible = self._feasible()
        best = float(np.min(transform(self._data.latest.y[feasible]))) if feasible.any() else None

        def score(x: Any) -> Any:
            c_mean, c_variance = constraint_gp.posterior(x)
            feasibility = probability_of_feasibility(c_mean, anp.sqrt(c_variance), threshold)
            if best is None:
                return -feasibility
            mean, variance = gp.posterior(x)
            return -expected_improvement(mean, anp.sqrt(variance), best) * feasibility

        return score

    def _anchor_points(self) -> np.ndarray:
        """The best feasible observations; without any, the least infeasible ones."""
        table, feasible = self._data.latest, self._feasible()
        if feasible.any():
            return self._anchors(table.x[feasible], table.y[feasible])
        return self._anchors(table.x, self._second.latest.y)
