"""Presets on synchronous successive halving / Hyperband, DEHB and PBT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.methods._compose import SearcherSpec, build_searcher, compose, top_resource
from tunelab.core.methods._preset import preset
from tunelab.core.methods._seeds import spawn_seeds
from tunelab.core.schedulers.pbt import PopulationBasedTraining
from tunelab.core.schedulers.synchronous import (
    DEHBScheduler,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)
from tunelab.core.searchers.kde import KDESearcher
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.trial import Config, Mode

Seed = int | np.random.Generator | None


@preset
def sync_sh(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    searcher: SearcherSpec = RandomSearcher,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> SynchronousSuccessiveHalving:
    """Synchronous successive halving (Jamieson & Talwalkar, 2016; Karnin et al., 2013)
    with `searcher` (the seed goes to it)."""
    built = build_searcher(
        searcher,
        config_space,
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        max_resource=top_resource(config_space, max_resource, max_resource_attr),
    )
    return SynchronousSuccessiveHalving(
        built,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
    )


@preset
def sync_hyperband(
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
    searcher: SearcherSpec = RandomSearcher,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> SynchronousHyperbandScheduler:
    """Synchronous Hyperband (Li et al., 2018): geometric brackets, all by default,
    with `searcher` (the seed goes to it)."""
    built = build_searcher(
        searcher,
        config_space,
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        max_resource=top_resource(config_space, max_resource, max_resource_attr),
    )
    return SynchronousHyperbandScheduler(
        built,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        brackets=brackets,
    )


sync_bohb = compose(
    sync_hyperband,
    name="sync_bohb",
    searcher=KDESearcher,
    doc="BOHB (Falkner et al., 2018): synchronous Hyperband with the KDE searcher.",
)


@preset
def dehb(
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
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> DEHBScheduler:
    """DEHB (Awad et al., 2021): differential evolution over synchronous Hyperband brackets."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = RandomSearcher(
        config_space,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
    return DEHBScheduler(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        brackets=brackets,
        restrict_to=restrict_to,
        seed=scheduler_seed,
    )


@preset
def pbt(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    population_size: int = 8,
    perturbation_interval: float = 2,
    quantile_fraction: float = 0.25,
    resample_probability: float = 0.25,
    seed: Seed = None,
    restrict_to: Sequence[Config] | None = None,
) -> PopulationBasedTraining:
    """Population based training (Jaderberg et al., 2017); the training script must
    save and load checkpoints, from which exploited trials continue."""
    return PopulationBasedTraining(
        config_space,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        population_size=population_size,
        perturbation_interval=perturbation_interval,
        quantile_fraction=quantile_fraction,
        resample_probability=resample_probability,
        restrict_to=restrict_to,
        seed=seed,
    )
