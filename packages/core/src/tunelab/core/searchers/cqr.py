"""CQR: a conformalised quantile-regression surrogate (Salinas et al., 2023)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from tunelab.core.searchers._args import check_count
from tunelab.core.searchers._observations import ObservationTable
from tunelab.core.searchers._sklearn import SklearnOptions, SklearnSearcher

if TYPE_CHECKING:
    from typing_extensions import Unpack

CQRAcquisition = Literal["thompson", "lower"]
"""How `CQRSearcher` scores candidates from the corrected quantiles."""

_CALIBRATION_FRACTION = 0.2
_MIN_CALIBRATION = 5


def conformal_correction(residuals: np.ndarray, level: float) -> float:
    """Split-conformal shift of a `level`-quantile predictor.

    `residuals` (shape `(n,)`) are `y - prediction` on held-out data; the result `c`
    makes `prediction + c` cover `y` with probability at least `level` (for levels
    >= 0.5; at most `level` below 0.5), using the finite-sample rank
    `ceil((n + 1) level)` (respectively `floor`), clipped to `[1, n]`.
    """
    ordered = np.sort(residuals)
    n = len(ordered)
    rank = math.ceil((n + 1) * level) if level >= 0.5 else math.floor((n + 1) * level)
    return float(ordered[min(max(rank, 1), n) - 1])


@dataclass(frozen=True)
class QuantileModel:
    """One regressor per quantile level, and the conformal shift of each."""

    regressors: list[Any]
    corrections: np.ndarray  # shape (num_levels,)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Corrected quantiles of rows `x` (m, dim), shape `(m, num_levels)`."""
        raw = np.column_stack([regressor.predict(x) for regressor in self.regressors])
        corrected: np.ndarray = raw + self.corrections
        return corrected


class CQRSearcher(SklearnSearcher):
    """Conformal quantile regression: calibrated quantiles of the objective as surrogate.

    The levels are the midpoints `(i + 0.5) / num_quantiles` of `num_quantiles`
    bins of equal probability. One gradient-boosted quantile regressor per level
    (`HistGradientBoostingRegressor(loss="quantile")`, 20 trees of 8 leaves: small,
    because scikit-learn fits each level separately) is fitted on 80 % of the
    observations; the other 20 % (when they number at least 5) calibrate each level
    by a split-conformal shift (`conformal_correction`), which repairs the
    miscalibration of quantile regressors trained on little data. A suggestion ranks
    `num_candidates` random configurations by their corrected quantiles (lower is
    better, the metric being negated in "max" mode):

    - "thompson" (default, as in the paper): each candidate is scored by one level
      drawn uniformly, a Thompson sample of the discretised predictive distribution;
    - "lower": by the lowest level, an optimistic bound. A conformal shift is the same
      for every candidate, so this ranking is that of the raw lowest quantile.

    The regressors are refitted once 5 % more results have arrived since their last
    fit (after every result up to 20 results; see `SklearnSearcher`); their
    `random_state` and the train/calibration split come from the searcher's seed.

    Multi-fidelity (results carrying `self.resource_attr`): the model is trained on
    each trial's result at the highest resource it reached, so that every trial
    counts (the paper's multi-fidelity technique likewise pools the results of all
    resource levels instead of modelling one rung).

    No configuration is suggested twice (nor one registered as pending by the
    scheduler): the best unused candidate is returned, a random configuration if
    none is unused, and None once a finite space is used up.

    Reference: D. Salinas, J. Golebiowski, A. Klein, M. Seeger, C. Archambeau.
    Optimizing Hyperparameters with Conformal Quantile Regression. ICML 2023
    (conformalisation after Y. Romano, E. Patterson, E. Candès. Conformalized
    Quantile Regression. NeurIPS 2019).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        num_quantiles: Quantile levels modelled, >= 1 (a regressor each).
        acquisition: "thompson" or "lower", see above.
        num_init_random: Trials observed before the model is used, >= 2.
        **options: `num_candidates` (500), `random_fraction` (0.1),
            `points_to_evaluate`, `restrict_to` and `seed` (also the regressors'), see
            `SklearnSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        num_quantiles: int = 4,
        acquisition: CQRAcquisition = "thompson",
        num_init_random: int = 10,
        **options: Unpack[SklearnOptions],
    ) -> None:
        where = type(self).__name__
        check_count(num_quantiles, where=where, arg="num_quantiles", minimum=1)
        if acquisition not in get_args(CQRAcquisition):
            raise ValueError(
                f"{where}: acquisition must be one of {get_args(CQRAcquisition)}, "
                f"got {acquisition!r}"
            )
        super().__init__(config_space, num_init_random=num_init_random, **options)
        self.quantiles = tuple((i + 0.5) / num_quantiles for i in range(num_quantiles))
        self.acquisition = acquisition

    def _training_table(self) -> tuple[float | None, ObservationTable] | None:
        latest = self._data.latest
        return None if len(latest) < self.num_init_random else (None, latest)

    def _fit_model(self, x: np.ndarray, y: np.ndarray, seed: int) -> QuantileModel:
        from sklearn.ensemble import HistGradientBoostingRegressor

        n_calibration = int(_CALIBRATION_FRACTION * len(y))
        if n_calibration < _MIN_CALIBRATION:
            n_calibration = 0
        order = np.random.default_rng(seed).permutation(len(y))
        calibration, train = order[:n_calibration], order[n_calibration:]
        regressors = [
            HistGradientBoostingRegressor(
                loss="quantile", quantile=level, max_iter=20, learning_rate=0.2,
                max_leaf_nodes=8, min_samples_leaf=5, early_stopping=False, random_state=seed,
            ).fit(x[train], y[train])
            for level in self.quantiles
        ]  # fmt: skip
        corrections = np.zeros(len(regressors))
        if n_calibration:
            for index, regressor in enumerate(regressors):
                residuals = y[calibration] - regressor.predict(x[calibration])
                corrections[index] = conformal_correction(residuals, self.quantiles[index])
        return QuantileModel(regressors, corrections)

    def _scores(self, model: QuantileModel, x: np.ndarray) -> np.ndarray:
        predicted = model.predict(x)
        if self.acquisition == "lower":
            return -predicted[:, 0]
        drawn = self._rng.integers(predicted.shape[1], size=len(x))
        return -predicted[np.arange(len(x)), drawn]
