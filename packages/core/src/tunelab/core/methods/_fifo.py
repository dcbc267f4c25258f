"""Presets that run every trial to its end (FIFO scheduling) with a searcher."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.methods._preset import preset
from tunelab.core.schedulers.fifo import FIFOScheduler
from tunelab.core.searchers.bore import BORESearcher
from tunelab.core.searchers.cqr import CQRSearcher
from tunelab.core.searchers.evolution import RegularizedEvolutionSearcher
from tunelab.core.searchers.grid import GridSearcher
from tunelab.core.searchers.kde import KDESearcher
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.trial import Config, Mode


@preset
def random_search(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """Random search (Bergstra & Bengio, 2012): `FIFOScheduler` + `RandomSearcher`."""
    searcher = RandomSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


@preset
def grid_search(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    points_per_dim: int = 5,
    shuffle: bool = False,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """Grid search: `FIFOScheduler` + `GridSearcher` (see it for `points_per_dim`)."""
    searcher = GridSearcher(
        config_space,
        points_per_dim=points_per_dim,
        shuffle=shuffle,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


@preset
def rea(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    population_size: int = 100,
    sample_size: int = 10,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """Regularized evolution (Real et al., 2019): FIFO + `RegularizedEvolutionSearcher`."""
    searcher = RegularizedEvolutionSearcher(
        config_space,
        population_size=population_size,
        sample_size=sample_size,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


@preset
def kde(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    top_fraction: float = 0.15,
    num_candidates: int = 64,
    random_fraction: float = 1 / 3,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """TPE-like kernel density search of BOHB (Falkner et al., 2018) on full evaluations."""
    searcher = KDESearcher(
        config_space,
        top_fraction=top_fraction,
        num_candidates=num_candidates,
        random_fraction=random_fraction,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


@preset
def bore(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    gamma: float = 0.25,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """BORE (Tiao et al., 2021): `FIFOScheduler` + `BORESearcher` (needs `[sklearn]`)."""
    searcher = BORESearcher(
        config_space,
        gamma=gamma,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


@preset
def cqr(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    num_quantiles: int = 4,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """Conformal quantile regression (Salinas et al., 2023): `FIFOScheduler` + `CQRSearcher`."""
    searcher = CQRSearcher(
        config_space,
        num_quantiles=num_quantiles,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)
