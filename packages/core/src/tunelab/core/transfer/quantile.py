"""Quantile-based transfer: Copula Thompson sampling (CTS) from earlier tasks.

Salinas, Shen and Perrone, "A Quantile-based Approach for Hyperparameter Transfer
Learning" (ICML 2020). The objectives of each earlier task are mapped to standard
normal quantiles, `z = Phi^-1(F(y))` with `F` the task's empirical CDF (a Gaussian
copula), which puts tasks of different scales on one scale. A model of `z` given the
configuration, a mean `mu(x)` and a spread `sigma(x)` (how much the tasks disagree),
is fitted on the pooled configurations; a suggestion draws one `z` per random
candidate from `N(mu, sigma^2)` and takes the lowest (Thompson sampling). Once the
target task has results, a Gaussian process on their own quantiles, with the transfer
model as its prior (`TargetResiduals`), takes over where the target has data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri

from tunelab.core.searchers._args import check_count, check_fraction
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._model_based import ModelBasedSearcher
from tunelab.core.searchers._sklearn import require_sklearn, single_threaded
from tunelab.core.transfer._copula import TargetResiduals, fit_target_residuals
from tunelab.core.transfer._evaluations import TransferEvaluations, check_transfer_evaluations
from tunelab.core.transfer._leaf_tables import LeafTables, compile_leaf_tables
from tunelab.core.transfer._target import TargetConfigs
from tunelab.core.trial import Mode

if TYPE_CHECKING:
    from typing_extensions import Unpack

REFIT_GROWTH = 0.05
"""The target model is refitted once its level's table has had
`max(1, ceil(REFIT_GROWTH * n))` updates since it was fitted on `n` rows."""
MIN_SPREAD = 0.05
"""The smallest spread `sigma(x)` the transfer model predicts (in quantile units)."""
MIN_TARGET_RESULTS = 3
"""Results a resource level of the target needs before its model is used."""
_ABS_TO_SD = math.sqrt(math.pi / 2)  # E|e| = sd * sqrt(2 / pi) for Gaussian e


def gaussian_quantiles(values: np.ndarray) -> np.ndarray:
    """`Phi^-1` of the empirical CDF of `values` (shape `(n,)`, lower is better).

    The CDF at the value of rank `r` (1 to n, ties share their average rank) is
    `(r - 0.5) / n`, so that no value maps to an infinite quantile.
    """
    from scipy.stats import rankdata  # on use: scipy.stats takes ~1 s to import

    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not len(values):
        raise ValueError(f"gaussian_quantiles: expected a non-empty 1-d array, got {values.shape}")
    return np.asarray(ndtri((rankdata(values) - 0.5) / len(values)))


def pooled_quantiles(
    config_space: dict[str, Any], evaluations: TransferEvaluations, *, metric: str, mode: Mode
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The earlier tasks' configurations valid in `config_space` and the Gaussian
    quantile of each on its task (metric at the highest fidelity, seed mean; lower is
    better in either mode), shape `(n_rows,)`. Tasks with fewer than two values are
    left out: one value has no rank."""
    target = TargetConfigs(config_space)
    configs: list[dict[str, Any]] = []
    quantiles: list[np.ndarray] = []
    for task in evaluations.values():
        values = task.objective(metric, fidelity="last")
        rows = np.flatnonzero(~np.isnan(values))
        all_configs = task.config_list()
        converted = [(int(i), target.convert(all_configs[int(i)])) for i in rows]
        kept = [(i, c) for i, c in converted if c is not None]
        if len(kept) < 2:
            continue
        signed = values[[i for i, _ in kept]] * (1.0 if mode == "min" else -1.0)
        configs.extend(c for _, c in kept)
        quantiles.append(gaussian_quantiles(signed))
    return configs, np.concatenate(quantiles) if quantiles else np.zeros(0)


@dataclass(frozen=True)
class TransferModel:
    """`mu(x)` and `sigma(x)` of the quantiles of the earlier tasks.

    `mean` is a gradient-boosted regressor of `z`; `spread` one of `|z - mu(x)|` on
    residuals of models fitted on the other half of the rows (in-sample residuals
    would shrink the spread), scaled by `sqrt(pi / 2)` to a standard deviation.
    `tables` (from `fit_transfer_model`), the two models' trees as lookup tables,
    predict the same values bit for bit, several times faster; without them (or for
    rows with NaN) the models predict.
    """

    mean: Any
    spread: Any
    tables: LeafTables | None = field(default=None, repr=False, compare=False)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread of rows `x` (m, dim), each of shape `(m,)`."""
        if self.tables is not None and not np.isnan(x).any():
            mean, spread = self.tables.predict(x)
        else:
            mean, spread = self.mean.predict(x), self.spread.predict(x)
        mu = np.asarray(mean, dtype=float)
        sigma = np.maximum(np.asarray(spread, dtype=float) * _ABS_TO_SD, MIN_SPREAD)
        return mu, sigma


def fit_transfer_model(x: np.ndarray, z: np.ndarray, seed: int) -> TransferModel:
    """A `TransferModel` of quantiles `z` (n,) at encoded rows `x` (n, dim), n >= 2."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    def regressor() -> Any:
        return HistGradientBoostingRegressor(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
            min_samples_leaf=max(2, min(20, len(z) // 50)), early_stopping=False,
            random_state=seed,
        )  # fmt: skip

    halves = np.array_split(np.random.default_rng(seed).permutation(len(z)), 2)
    residuals = np.empty(len(z))
    for held, used in ((halves[0], halves[1]), (halves[1], halves[0])):
        residuals[held] = z[held] - regressor().fit(x[used], z[used]).predict(x[held])
    mean, spread = regressor().fit(x, z), regressor().fit(x, np.abs(residuals))
    return TransferModel(mean, spread, compile_leaf_tables([mean, spread], x))


@dataclass(frozen=True)
class TargetFit:
    """The target results the current `TargetResiduals` was fitted to."""

    level: float
    updates: int
    x: np.ndarray
    y: np.ndarray


class QuantileBasedSearcher(ModelBasedSearcher):
    """Copula Thompson sampling: quantiles of earlier tasks as a prior, sampled.

    At the first suggestion, the earlier tasks' configurations valid in `config_space`
    and their Gaussian quantiles (`pooled_quantiles`; the metric at each task's
    highest fidelity, averaged over seeds) train a `TransferModel` (at most
    `max_fit_samples` rows, a seeded subset). Each suggestion draws `num_candidates`
    random configurations (with `restrict_to`, unused members), one sample
    `mu + sigma * N(0, 1)` per candidate, and returns the lowest (Salinas et al.,
    2020, CTS).

    With `target_model`, the target's own results are used too, as in the paper's
    copula GP with simpler hyperparameters: once a resource level (the highest with
    at least 3 results, as BOHB models one rung; FIFO has one) has results, they are
    mapped to Gaussian quantiles of their own, and a Gaussian process on their
    residuals `z - mu(x)`, with kernel `sigma(x) sigma(x') exp(-|x - x'|^2 / 2 l^2)`
    (`fit_target_residuals`), corrects the transfer model where the target has data;
    candidates are then sampled from its posterior. Far from the target's results it
    is the transfer model itself. Refitted once 5 % more results have arrived.

    The target's results never join the transfer data: the earlier tasks train the
    prior, the target only the correction. No configuration is suggested twice.
    Deterministic under `seed`; `state_dict` keeps the model's seed and the target
    data of the current fit, so that a restored searcher refits identical models.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        transfer_evaluations: Task name -> evaluations of that earlier task (never
            the target task); each needs the metric optimised.
        num_candidates: Candidates sampled per suggestion.
        random_fraction: Share of suggestions drawn uniformly at random, in [0, 1].
        max_fit_samples: At most this many pooled rows train the transfer model.
        target_model: Correct the transfer model with the target's results (False:
            pure CTS, sampling the transfer model only).
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `BuiltinSearcher`.

    Raises:
        ImportError: scikit-learn is not installed (the `tunelab-core[sklearn]` extra).
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        transfer_evaluations: TransferEvaluations,
        num_candidates: int = 500,
        random_fraction: float = 0.0,
        max_fit_samples: int = 10_000,
        target_model: bool = True,
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        require_sklearn(where)
        if not isinstance(transfer_evaluations, Mapping):
            raise ValueError(
                f"{where}: transfer_evaluations must be a mapping task name -> "
                f"TaskEvaluations, got {transfer_evaluations!r}"
            )
        check_count(max_fit_samples, where=where, arg="max_fit_samples", minimum=2)
        check_fraction(random_fraction, where=where, arg="random_fraction", closed=True)
        if not isinstance(target_model, bool):
            raise TypeError(f"{where}: target_model must be a bool, got {target_model!r}")
        super().__init__(
            config_space, num_candidates=num_candidates, random_fraction=random_fraction, **options
        )
        self.transfer_evaluations = transfer_evaluations
        self.max_fit_samples = int(max_fit_samples)
        self.target_model = target_model
        self._model_seed = int(self._rng.integers(2**31 - 1))
        self._prior: TransferModel | None = None
        self._target_fit: TargetFit | None = None
        self._residuals: TargetResiduals | None = None

    def configure(
        self,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None = None,
    ) -> None:
        super().configure(metric=metric, mode=mode, resource_attr=resource_attr)
        assert self.metric is not None
        check_transfer_evaluations(
            self.transfer_evaluations, metric=self.metric, where=type(self).__name__
        )
        self._prior = None

    def transfer_model(self) -> TransferModel:
        """The model of the earlier tasks' quantiles, fitted on first use."""
        if self.metric is None:
            raise RuntimeError(f"{type(self).__name__}: configure(metric=..., mode=...) first")
        if self._prior is None:
            configs, z = pooled_quantiles(
                self.config_space, self.transfer_evaluations, metric=self.metric, mode=self.mode
            )
            if len(z) < 2:
                raise ValueError(
                    f"{type(self).__name__}: the earlier tasks "
                    f"{sorted(self.transfer_evaluations)} have fewer than two configurations "
                    f"valid in the target's space with a value of {self.metric!r}"
                )
            x = np.array([self._encoder.encode(c) for c in configs])
            rng = np.random.default_rng(self._model_seed)
            if len(z) > self.max_fit_samples:
                kept = np.sort(rng.choice(len(z), size=self.max_fit_samples, replace=False))
                x, z = x[kept], z[kept]
            with single_threaded():
                self._prior = fit_transfer_model(x, z, self._model_seed)
        return self._prior

    def _ranked_candidates(self) -> np.ndarray | None:
        prior = self.transfer_model()
        x = self._candidate_vectors(self.num_candidates)
        with single_threaded():
            mu, sigma = prior.predict(x)
        residuals = self._current_residuals()
        if residuals is not None:
            with single_threaded():
                mu, sigma = residuals.posterior(x, mu, sigma)
        samples = mu + sigma * self._rng.standard_normal(len(x))
        return x[np.argsort(samples, kind="stable")]

    def _current_residuals(self) -> TargetResiduals | None:
        """The target's Gaussian process (refitted per the policy above), or None."""
        if not self.target_model:
            return None
        level = self._data.highest_level(MIN_TARGET_RESULTS)
        if level is None:
            return None
        table = self._data.by_level[level]
        fit = self._target_fit
        if (
            fit is None
            or fit.level != level
            or table.updates - fit.updates >= max(1, math.ceil(REFIT_GROWTH * len(fit.y)))
        ):
            self._target_fit = TargetFit(level, table.updates, table.x.copy(), table.y.copy())
            self._residuals = None
        if self._residuals is None and self._target_fit is not None:
            fit = self._target_fit
            with single_threaded():
                self._residuals = fit_target_residuals(
                    fit.x, gaussian_quantiles(fit.y), self.transfer_model()
                )
        return self._residuals

    def state_dict(self) -> dict[str, Any]:
        fit = None if self._target_fit is None else dict(vars(self._target_fit))
        return {**super().state_dict(), "model_seed": self._model_seed, "target_fit": fit}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        seed = int(state["model_seed"])
        if seed != self._model_seed:
            self._model_seed, self._prior = seed, None
        fit = state["target_fit"]
        self._target_fit = None if fit is None else TargetFit(**fit)
        self._residuals = None
