"""Asynchronous successive halving / Hyperband and the median stopping rule with any
searcher, and the methods that are one of them with a particular searcher.

All take the resource the training reports (`resource_attr`, e.g. "epoch") and its
maximum: `max_resource`, or `max_resource_attr`, the name of the script's own budget
argument in `config_space` (a constant there), which promotion-type methods rewrite
so that a resumed trial ends at its next rung by itself. A searcher that models
learning curves gets that maximum as its `max_resource`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from tunelab.core.methods._compose import SearcherSpec, build_searcher, compose, top_resource
from tunelab.core.methods._preset import preset
from tunelab.core.methods._seeds import spawn_seeds
from tunelab.core.schedulers.hyperband import HyperbandScheduler, PASHAScheduler
from tunelab.core.schedulers.median_stopping import MedianStoppingRule
from tunelab.core.searchers.bore import BORESearcher
from tunelab.core.searchers.cqr import CQRSearcher
from tunelab.core.searchers.kde import KDESearcher
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.trial import Config, Mode

Seed = int | np.random.Generator | None
Kind = Literal["stopping", "promotion"]


@runtime_checkable
class AdaptsBrackets(Protocol):
    """A searcher that also chooses how likely each Hyperband bracket is (Hyper-Tune)."""

    def bracket_distribution(self, levels: Sequence[float], default: np.ndarray) -> np.ndarray:
        """Probabilities of the brackets whose first levels are `levels`."""
        ...


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
    kind: Kind = "stopping",
    searcher: SearcherSpec = RandomSearcher,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """ASHA (Li et al., 2020): one bracket of asynchronous successive halving. With
    `kind="stopping"` a trial stops at a rung unless it is in the top
    1/`reduction_factor` there; with "promotion" trials pause at each rung and the
    best resume. The scheduler draws nothing at random: the seed goes to `searcher`."""
    built = build_searcher(
        searcher,
        config_space,
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        max_resource=top_resource(config_space, max_resource, max_resource_attr),
    )
    return HyperbandScheduler(
        built,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
        grace_period=grace_period,
        reduction_factor=reduction_factor,
        brackets=1,
        kind=kind,
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
    kind: Kind = "stopping",
    searcher: SearcherSpec = RandomSearcher,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> HyperbandScheduler:
    """Asynchronous Hyperband: ASHA with `brackets` brackets of growing grace periods
    (None: one per rung level), each new trial's bracket drawn from the asynchronous
    Hyperband distribution, or from the searcher's when it adapts it
    (`AdaptsBrackets`, e.g. Hyper-Tune). `seed` is split between the searcher and
    the bracket draws."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    built = build_searcher(
        searcher,
        config_space,
        seed=searcher_seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        max_resource=top_resource(config_space, max_resource, max_resource_attr),
    )
    return HyperbandScheduler(
        built,
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
        bracket_distribution=(
            built.bracket_distribution if isinstance(built, AdaptsBrackets) else None
        ),
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
    searcher: SearcherSpec = RandomSearcher,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> PASHAScheduler:
    """PASHA (Bohdal et al., 2022): promotion-type ASHA whose maximum resource grows
    only while the ranking of the best configurations keeps changing."""
    searcher_seed, scheduler_seed = spawn_seeds(seed, 2)
    built = build_searcher(
        searcher,
        config_space,
        seed=searcher_seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        max_resource=top_resource(config_space, max_resource, max_resource_attr),
    )
    return PASHAScheduler(
        built,
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
    searcher: SearcherSpec = RandomSearcher,
    seed: Seed = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> MedianStoppingRule:
    """Median stopping rule (Golovin et al., 2017): a trial stops when its result is
    worse than the median of the others' at the same resource."""
    built = build_searcher(
        searcher,
        config_space,
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
    )
    return MedianStoppingRule(
        built,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        grace_resource=grace_resource,
        min_samples_required=min_samples_required,
    )


asha_prom = compose(
    asha,
    name="asha_prom",
    kind="promotion",
    doc="ASHA, promotion type: trials pause at each rung and the best are resumed from "
    "their checkpoints (Li et al., 2020).",
)
bohb = compose(
    hyperband,
    name="bohb",
    searcher=KDESearcher,
    brackets=1,
    doc="Asynchronous BOHB (Falkner et al., 2018): asynchronous successive halving "
    "(`brackets=1`; more brackets make it Hyperband) whose configurations come from "
    "the KDE model of the highest rung with enough data (`KDESearcher`).",
)
asha_bore = compose(
    asha,
    name="asha_bore",
    searcher=BORESearcher,
    doc="ASHA with configurations from BORE's density-ratio classifier (needs `[sklearn]`).",
)
asha_cqr = compose(
    asha,
    name="asha_cqr",
    searcher=CQRSearcher,
    doc="ASHA with configurations from conformal quantile regression (Salinas et al., 2023).",
)
