"""`HyperTuneSearcher`: the searcher of Hyper-Tune, with its adaptive bracket distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from tunelab.gp.fantasize import fantasize
from tunelab.gp.learning_curves.rung_weights import (
    adapted_bracket_distribution,
    joint_samples,
    leave_one_out_samples,
    pairwise_ranking_loss,
    rung_weights,
)
from tunelab.gp.learning_curves.searcher import (
    LearningCurveModel,
    MOBSTEROptions,
    MOBSTERSearcher,
)
from tunelab.gp.model import ConditionedGP

if TYPE_CHECKING:
    from typing_extensions import Unpack


class HyperTuneSearcher(MOBSTERSearcher):
    """A learning-curve GP (independent per rung level by default, HYPERTUNE-INDEP; or
    the joint model, HYPERTUNE-JOINT); new configurations maximise the acquisition
    function of an ensemble of its predictions at the rung levels.

    `r_star` is the highest level with at least `min_points` results. Once it lies
    above the lowest level, `num_samples` joint posterior samples at the trials `X*`
    observed at `r_star` are drawn at every level `r <= r_star` (at `r_star` itself,
    leave-one-out predictions), and `theta_r` is the share of samples in which level
    `r` orders `X*` most like the observations at `r_star` (pairwise ranking loss,
    `rung_weights`); before that, `theta` puts all mass on the lowest level. The
    acquisition uses the mixture `sum_r theta_r N(mu_r(x), s_r(x)^2)`, moment
    matched to a Gaussian; the incumbent is the best mixture mean on `X*`. With
    several brackets, pass `bracket_distribution` to `HyperbandScheduler`: it shifts
    the mass of the brackets starting at or below `r_star` to levels in proportion
    to `theta_r / r` (`adapted_bracket_distribution`). Everything else (fitting,
    fantasies, data cap) is MOBSTER's with the same `model`.

    `theta` is a function of the searcher's state: the samples come from a generator
    seeded by a seed drawn at construction and the number of observations.

    Reference: Y. Li, Y. Shen, H. Jiang, W. Zhang, J. Li, J. Liu, C. Zhang, B. Cui.
    Hyper-Tune: Towards Efficient Hyper-parameter Tuning at Scale. VLDB 2022; and
    the "Hyper-Tune" section of the Syne Tune multi-fidelity tutorial (weights
    estimated from the second rung level on).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        model: "independent" (per-level GPs) or "joint" (one GP over configuration
            and resource).
        num_samples: Posterior samples `S` behind `theta`.
        min_points: Results a level needs to be `r_star`.
        **options: `resource_kernel`, `max_resource`, `acquisition` (on the ensemble),
            `kappa`, `num_init_random`, `settings`, `points_to_evaluate`, `restrict_to`
            and `seed`, see `MOBSTERSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        model: LearningCurveModel = "independent",
        num_samples: int = 50,
        min_points: int = 6,
        **options: Unpack[MOBSTEROptions],
    ) -> None:
        if num_samples < 1 or min_points < 2:
            raise ValueError(
                f"HyperTuneSearcher: need num_samples >= 1 and min_points >= 2, got "
                f"num_samples={num_samples!r}, min_points={min_points!r}"
            )
        super().__init__(config_space, model=model, **options)
        self.num_samples = num_samples
        self.min_points = min_points
        self._weights_seed = int(self._rng.integers(2**31))
        self._weights: tuple[int, dict[float, float]] | None = None

    @property
    def r_star(self) -> float | None:
        """The highest level with at least `min_points` results (else the lowest)."""
        if not self._data.by_level:
            return None
        level = self._data.highest_level(self.min_points)
        return min(self._data.by_level) if level is None else level

    def level_weights(self) -> dict[float, float]:
        """`theta`: resource level -> weight, over the observed levels up to `r_star`."""
        if self._weights is not None and self._weights[0] == len(self._data):
            return self._weights[1]
        weights = self._estimate_weights()
        self._weights = (len(self._data), weights)
        return weights

    def _estimate_weights(self) -> dict[float, float]:
        r_star = self.r_star
        if r_star is None:
            return {}
        lowest = min(self._data.by_level)
        gp = self.model() if r_star > lowest else None
        rows = np.zeros(0, dtype=int)
        if gp is not None:
            rows = np.flatnonzero(np.isclose(gp.x[:, -1], self._normalise(r_star)))
        if gp is None or len(rows) < 2:
            return {lowest: 1.0}
        levels = sorted(level for level in self._data.by_level if level <= r_star)
        rng = np.random.default_rng([self._weights_seed, len(self._data)])
        configs, targets = gp.x[rows, :-1], gp.y[rows]
        losses = []
        for level in levels[:-1]:
            inputs = np.hstack([configs, np.full((len(rows), 1), self._normalise(level))])
            samples = joint_samples(gp, inputs, self.num_samples, rng)
            losses.append(pairwise_ranking_loss(samples, targets))
        loo = leave_one_out_samples(gp, rows, self.num_samples, rng)
        losses.append(pairwise_ranking_loss(loo, targets))
        theta = rung_weights(np.array(losses))
        return {level: float(w) for level, w in zip(levels, theta, strict=True)}

    def bracket_distribution(self, levels: Sequence[float], default: np.ndarray) -> np.ndarray:
        """The adapted bracket distribution, for `HyperbandScheduler(bracket_distribution=)`.

        Args:
            levels: Shape `(B,)`, first rung level of each bracket.
            default: Shape `(B,)`, the scheduler's fixed distribution.
        """
        r_star = self.r_star
        if r_star is None:
            return np.asarray(default, dtype=float)
        theta = self.level_weights()
        weights = np.array([theta.get(float(level), 0.0) for level in levels])
        return adapted_bracket_distribution(np.asarray(levels), default, weights, r_star)

    def _ranked_candidates(self) -> np.ndarray | None:
        gp = self.model()
        if gp is None or self.r_star is None:
            return None
        theta = {lv: w for lv, w in self.level_weights().items() if w > 0}
        conditioned = fantasize(gp, self._pending_inputs())
        members = [
            (share, column, self._restrict(conditioned, column), self._restrict(gp, column))
            for column, share in ((self._normalise(lv), w) for lv, w in theta.items())
        ]

        def ensemble(x: Any, fantasized: bool = True) -> tuple[Any, Any]:
            mean, second = 0.0, 0.0
            for share, column, with_pending, without in members:
                level = np.full((x.shape[0], 1), column)
                model = with_pending if fantasized else without
                mu, var = model.posterior(anp.concatenate([x, level], axis=1))
                mean, second = mean + share * mu, second + share * (var + mu**2)
            return mean, anp.maximum(second - mean**2, 1e-12)

        table = self._data.by_level[self.r_star]
        score = self._score(float(np.min(ensemble(table.x, fantasized=False)[0])))
        return self._rank(lambda x: score(*ensemble(x)), self._anchors(table.x, table.y))

    def _restrict(self, gp: ConditionedGP, column: float) -> ConditionedGP:
        """The independent model's GP at one level needs that level's data only (the
        same posterior there, at a fraction of the cost); the joint model needs all."""
        return _restrict(gp, column) if self.model_kind == "independent" else gp

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "weights_seed": self._weights_seed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._weights_seed = int(state["weights_seed"])
        super().load_state_dict(state)

    def _reset_cache(self) -> None:
        super()._reset_cache()
        self._weights = None


def _restrict(gp: ConditionedGP, column: float) -> ConditionedGP:
    """`gp` conditioned on its data at one level only: the same posterior at that level
    (the levels are independent), at a fraction of the cost."""
    rows = np.isclose(gp.x[:, -1], column)
    if not rows.any():  # dropped by the data cap: the full GP gives the prior there
        return gp
    return gp.model.condition(gp.theta, gp.x[rows], gp.y[rows])
