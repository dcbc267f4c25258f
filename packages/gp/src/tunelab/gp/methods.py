"""Presets of the GP-based methods: a tunelab-core scheduler with a GP searcher.

Each function returns a ready `Scheduler` and adds no behaviour of its own;
`tunelab-run method=<name>` runs the preset of the same name (`conf/method/*.yaml`).

- `bayesian_optimization`: `FIFOScheduler` + `GPSearcher`;
- `mobster`: `HyperbandScheduler` + `MOBSTERSearcher` (joint or independent model);
- `sync_mobster`: `SynchronousHyperbandScheduler` + `MOBSTERSearcher`;
- `hyper_tune`: `HyperbandScheduler` (brackets drawn from the searcher's adapted
  distribution) + `HyperTuneSearcher`;
- `dyhpo`: `DyHPOScheduler` (linear rung levels, model-based promotions) +
  `DyHPOSearcher`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from tunelab.core.methods._preset import preset
from tunelab.core.methods._seeds import spawn_seeds
from tunelab.core.schedulers.fifo import FIFOScheduler
from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.schedulers.synchronous import SynchronousHyperbandScheduler
from tunelab.core.trial import Config, Mode
from tunelab.gp.learning_curves.dyhpo import DyHPOSearcher
from tunelab.gp.learning_curves.dyhpo_scheduler import DyHPOScheduler
from tunelab.gp.learning_curves.hyper_tune import HyperTuneSearcher
from tunelab.gp.learning_curves.joint import ResourceKernel
from tunelab.gp.learning_curves.searcher import LearningCurveModel, MOBSTERSearcher
from tunelab.gp.searchers import GPSearcher

Seed = int | np.random.Generator | None

__all__ = ["bayesian_optimization", "dyhpo", "hyper_tune", "mobster", "sync_mobster"]


@preset
def bayesian_optimization(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """GP-based Bayesian optimization (Snoek et al., 2012): `FIFOScheduler` +
    `GPSearcher` with its defaults (EI, Matern 5/2 ARD)."""
    searcher = GPSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


@preset
def mobster(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    reduction_factor: float = 3,
    kind: Literal["stopping", "promotion"] = "stopping",
    model: LearningCurveModel = "joint",
    resource_kernel: ResourceKernel = "exp-decay-sum",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """MOBSTER (Tiao et al., 2020): asynchronous successive halving (one bracket) whose
    new configurations come from `MOBSTERSearcher` (`model="joint"`: MOBSTER-JOINT with
    the exponential-decay resource kernel, or another `resource_kernel`;
    `"independent"`: MOBSTER-INDEP)."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = MOBSTERSearcher(
        config_space,
        model=model,
        resource_kernel=resource_kernel,
        max_resource=_top_resource(config_space, max_resource, max_resource_attr),
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
    return HyperbandScheduler(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        brackets=1,
        kind=kind,
        seed=scheduler_seed,
    )


@preset
def sync_mobster(
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
    model: LearningCurveModel = "joint",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> SynchronousHyperbandScheduler:
    """SyncMOBSTER: synchronous Hyperband (all geometric brackets by default) whose new
    configurations come from `MOBSTERSearcher`, the GP model over every rung result."""
    searcher = MOBSTERSearcher(
        config_space,
        model=model,
        max_resource=_top_resource(config_space, max_resource, max_resource_attr),
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=seed,
    )
    return SynchronousHyperbandScheduler(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        brackets=brackets,
    )


def _top_resource(
    config_space: dict[str, Any], max_resource: float | None, max_resource_attr: str | None
) -> float | None:
    """The maximum resource, given or read from the script's budget constant."""
    if max_resource is not None or max_resource_attr is None:
        return max_resource
    value = config_space.get(max_resource_attr)
    return float(value) if isinstance(value, int | float) else None


@preset
def hyper_tune(
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
    kind: Literal["stopping", "promotion"] = "stopping",
    model: LearningCurveModel = "independent",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """Hyper-Tune (Li et al., 2022): asynchronous Hyperband (`brackets=None`: one per
    rung level; 1 is ASHA) with `HyperTuneSearcher`, whose per-level GPs are weighted
    by ranking agreement with the highest supported level, both for the acquisition
    and for the bracket distribution (`HyperbandScheduler(bracket_distribution=)`).
    `model="joint"` is HYPERTUNE-JOINT: the same weighting on MOBSTER's joint GP."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = HyperTuneSearcher(
        config_space,
        model=model,
        max_resource=_top_resource(config_space, max_resource, max_resource_attr),
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
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
        kind=kind,
        seed=scheduler_seed,
        bracket_distribution=searcher.bracket_distribution,
    )


@preset
def dyhpo(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode = "min",
    resource_attr: str,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
    grace_period: float = 1,
    rung_increment: float | None = None,
    probability_sh: float = 0.5,
    resource_kernel: ResourceKernel = "exp-decay-sum",
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> DyHPOScheduler:
    """DyHPO (Wistuba et al., 2022) with the joint GP of MOBSTER: paused trials and new
    configurations compete for each slice of `rung_increment` resource; with
    probability `probability_sh`, ASHA's promotion rule is tried first."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    searcher = DyHPOSearcher(
        config_space,
        max_resource=_top_resource(config_space, max_resource, max_resource_attr),
        resource_kernel=resource_kernel,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        seed=searcher_seed,
    )
    return DyHPOScheduler(
        searcher,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        rung_increment=rung_increment,
        probability_sh=probability_sh,
        seed=scheduler_seed,
    )
