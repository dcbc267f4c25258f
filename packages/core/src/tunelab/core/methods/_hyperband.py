"""Presets on asynchronous successive halving / Hyperband and the median stopping rule.

All take the resource the training reports (`resource_attr`, e.g. "epoch") and its
maximum: `max_resource`, or `max_resource_attr`, the name of the script's own budget
argument in `config_space` (a constant there), which promotion-type methods rewrite
so that a resumed trial ends at its next rung by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.methods._preset import preset
from tunelab.core.methods._seeds import spawn_seeds
from tunelab.core.schedulers.hyperband import HyperbandScheduler, PASHAScheduler
from tunelab.core.schedulers.median_stopping import MedianStoppingRule
from tunelab.core.searcher import Searcher
from tunelab.core.searchers.bore import BORESearcher
from tunelab.core.searchers.cqr import CQRSearcher
from tunelab.core.searchers.kde import KDESearcher
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.trial import Config, Mode

Seed = int | np.random.Generator | None


@preset
def asha(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """ASHA (Li et al., 2020), stopping type: random configurations, a trial stops at a
    rung unless it is in the top 1/`reduction_factor` of the results there."""
    searcher = RandomSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return _hyperband(
        searcher,
        metric,
        mode,
        resource_attr,
        max_resource,
        max_resource_attr,
        grace_period,
        reduction_factor,
        brackets=1,
        kind="stopping",
        seed=None,
    )


@preset
def asha_prom(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """ASHA, promotion type: trials pause at each rung and the best are resumed from
    their checkpoints (Li et al., 2020)."""
    searcher = RandomSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return _hyperband(
        searcher,
        metric,
        mode,
        resource_attr,
        max_resource,
        max_resource_attr,
        grace_period,
        reduction_factor,
        brackets=1,
        kind="promotion",
        seed=None,
    )


@preset
def hyperband(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    brackets: int | None = None,
    kind: str = "stopping",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """Asynchronous Hyperband: ASHA with `brackets` brackets of growing grace periods
    (None: one per rung level), each new trial's bracket drawn from the asynchronous
    Hyperband distribution."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = RandomSearcher(
        config_space,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
    return _hyperband(
        searcher,
        metric,
        mode,
        resource_attr,
        max_resource,
        max_resource_attr,
        grace_period,
        reduction_factor,
        brackets=brackets,
        kind=kind,
        seed=scheduler_seed,
    )


@preset
def pasha(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> PASHAScheduler:
    """PASHA (Bohdal et al., 2022): promotion-type ASHA whose maximum resource grows
    only while the ranking of the best configurations keeps changing."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = RandomSearcher(
        config_space,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
    return PASHAScheduler(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        seed=scheduler_seed,
    )


@preset
def median_stopping(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    grace_resource: float = 1,
    min_samples_required: int = 3,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> MedianStoppingRule:
    """Median stopping rule (Golovin et al., 2017) over random configurations."""
    searcher = RandomSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return MedianStoppingRule(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        grace_resource=grace_resource,
        min_samples_required=min_samples_required,
    )


@preset
def bohb(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    brackets: int = 1,
    kind: str = "stopping",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """Asynchronous BOHB (Falkner et al., 2018): asynchronous successive halving whose
    configurations come from the KDE model of the highest rung with enough data."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = KDESearcher(
        config_space,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
    return _hyperband(
        searcher,
        metric,
        mode,
        resource_attr,
        max_resource,
        max_resource_attr,
        grace_period,
        reduction_factor,
        brackets=brackets,
        kind=kind,
        seed=scheduler_seed,
    )


@preset
def asha_bore(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """ASHA with configurations from BORE's density-ratio classifier (needs `[sklearn]`)."""
    searcher = BORESearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return _hyperband(
        searcher,
        metric,
        mode,
        resource_attr,
        max_resource,
        max_resource_attr,
        grace_period,
        reduction_factor,
        brackets=1,
        kind="stopping",
        seed=None,
    )


@preset
def asha_cqr(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """ASHA with configurations from conformal quantile regression (Salinas et al., 2023)."""
    searcher = CQRSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return _hyperband(
        searcher,
        metric,
        mode,
        resource_attr,
        max_resource,
        max_resource_attr,
        grace_period,
        reduction_factor,
        brackets=1,
        kind="stopping",
        seed=None,
    )


def _hyperband(
    searcher: Searcher,
    metric: str,
    mode: Mode,
    resource_attr: str,
    max_resource: float | None,
    max_resource_attr: str | None,
    grace_period: float,
    reduction_factor: float,
    *,
    brackets: int | None,
    kind: str,
    seed: Seed,
) -> HyperbandScheduler:
    return HyperbandScheduler(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        brackets=brackets,
        kind=kind,  # type: ignore[arg-type]  # checked by the scheduler, with its message
        seed=seed,
    )
