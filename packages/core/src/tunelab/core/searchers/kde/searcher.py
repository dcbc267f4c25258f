"""`KDESearcher`: the TPE-like model of BOHB (Falkner et al., 2018)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.searchers._args import check_count, check_fraction, check_positive
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._model_based import ModelBasedSearcher
from tunelab.core.searchers.kde._density import ProductKDE

if TYPE_CHECKING:
    from typing_extensions import Unpack


class KDESearcher(ModelBasedSearcher):
    """Density-ratio search of BOHB: sample where good results are dense, bad ones not.

    The observations of one resource level are sorted; the best
    `n_good = max(N_min, floor(top_fraction * N))` of the `N` form the "good" set and
    the others the "bad" set, and a `ProductKDE` is fitted to each: `l(x)` and
    `g(x)`. (The paper's bad set, the `max(N_min, N - n_good)` worst points, would
    overlap the good one while `N` is small; like the authors' HpBandSter code, the
    sets here are disjoint.) A suggestion draws `num_candidates` vectors from `l`
    with its numeric bandwidths widened by `bandwidth_factor` and returns the one
    maximising `l(x) / g(x)`. A share `random_fraction` of the suggestions, and all
    of them until some level has `N_min + 2` observations, are random.

    Multi-fidelity: `observe` files each result under its resource
    (`result[self.resource_attr]`, the attribute `configure` sets), and the model
    uses the highest level with at least `N_min + 2` observations, as in BOHB. Single
    fidelity (no resource attribute): all results form one level. The densities are
    refitted only when new results have arrived.

    No configuration is suggested twice (nor one registered as pending by the
    scheduler): the best unused candidate is returned, a random configuration if
    none is unused, and None once a finite space is used up.

    Reference: S. Falkner, A. Klein, F. Hutter. BOHB: Robust and Efficient
    Hyperparameter Optimization at Scale. ICML 2018 (after J. Bergstra, R. Bardenet,
    Y. Bengio, B. Kégl. Algorithms for Hyper-Parameter Optimization. NeurIPS 2011).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        top_fraction: Share of a level's observations in the good set, in (0, 1).
        min_bandwidth: Floor of every kernel bandwidth, > 0.
        num_candidates: Vectors drawn from `l` per suggestion.
        random_fraction: Share of random suggestions, in [0, 1].
        bandwidth_factor: Widening of the numeric bandwidths when sampling, > 0.
        num_min_data_points: `N_min` of the paper: the fewest points of the good
            density; a level is modelled once it has `N_min + 2` observations. None
            for the paper's default, the number of hyperparameters plus one.
        **options: `points_to_evaluate`, `restrict_to` (each vector drawn from `l` is
            then replaced by its nearest unused member, and the members are ranked) and
            `seed`, see `BuiltinSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        top_fraction: float = 0.15,
        min_bandwidth: float = 1e-3,
        num_candidates: int = 64,
        random_fraction: float = 1 / 3,
        bandwidth_factor: float = 3.0,
        num_min_data_points: int | None = None,
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        check_fraction(top_fraction, where=where, arg="top_fraction", closed=False)
        check_positive(min_bandwidth, where=where, arg="min_bandwidth")
        check_positive(bandwidth_factor, where=where, arg="bandwidth_factor")
        if num_min_data_points is not None:
            check_count(num_min_data_points, where=where, arg="num_min_data_points", minimum=1)
        super().__init__(
            config_space, num_candidates=num_candidates, random_fraction=random_fraction, **options
        )
        self.top_fraction = float(top_fraction)
        self.min_bandwidth = float(min_bandwidth)
        self.bandwidth_factor = float(bandwidth_factor)
        self.num_min_data_points = (
            self._layout.num_hyperparameters + 1
            if num_min_data_points is None
            else int(num_min_data_points)
        )
        self._fitted_at = -1  # number of observations the densities were fitted to
        self._densities: tuple[ProductKDE, ProductKDE] | None = None

    @property
    def model_level(self) -> float | None:
        """The resource level the densities are fitted to (None: not enough data)."""
        return self._data.highest_level(self.num_min_data_points + 2)

    def densities(self) -> tuple[ProductKDE, ProductKDE] | None:
        """The good and bad densities `(l, g)` of the current data, or None."""
        if self._fitted_at != len(self._data):
            self._fitted_at = len(self._data)
            self._densities = self._fit()
        return self._densities

    def _fit(self) -> tuple[ProductKDE, ProductKDE] | None:
        level = self.model_level
        if level is None:
            return None
        table = self._data.by_level[level]
        order = np.argsort(table.y, kind="stable")
        n_good = max(self.num_min_data_points, int(self.top_fraction * len(order)))
        n_good = min(n_good, len(order) - 1)
        x = table.x
        good = ProductKDE(x[order[:n_good]], self._layout, min_bandwidth=self.min_bandwidth)
        bad = ProductKDE(x[order[n_good:]], self._layout, min_bandwidth=self.min_bandwidth)
        return good, bad

    def _ranked_candidates(self) -> np.ndarray | None:
        densities = self.densities()
        if densities is None:
            return None
        good, bad = densities
        x = self._project(good.sample(self._rng, self.num_candidates, self.bandwidth_factor))
        ratio = good.log_density(x) - bad.log_density(x)
        return x[np.argsort(-ratio, kind="stable")]

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._fitted_at = -1
        self._densities = None
