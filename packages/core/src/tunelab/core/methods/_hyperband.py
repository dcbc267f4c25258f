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
from typing import Protocol, runtime_checkable

import numpy as np

from tunelab.core.methods._compose import compose, scheduler_preset
from tunelab.core.schedulers.hyperband import (
    BracketDistribution,
    HyperbandScheduler,
    PASHAScheduler,
)
from tunelab.core.schedulers.median_stopping import MedianStoppingRule
from tunelab.core.searcher import Searcher
from tunelab.core.searchers.bore import BORESearcher
from tunelab.core.searchers.cqr import CQRSearcher
from tunelab.core.searchers.kde import KDESearcher


@runtime_checkable
class AdaptsBrackets(Protocol):
    """A searcher that also chooses how likely each Hyperband bracket is (Hyper-Tune)."""

    def bracket_distribution(self, levels: Sequence[float], default: np.ndarray) -> np.ndarray:
        """Probabilities of the brackets whose first levels are `levels`."""
        ...


def _adapted_brackets(searcher: Searcher) -> BracketDistribution | None:
    return searcher.bracket_distribution if isinstance(searcher, AdaptsBrackets) else None


asha = scheduler_preset(
    HyperbandScheduler,
    name="asha",
    fixed={"brackets": 1, "bracket_distribution": None},
    seed_scheduler=False,
    doc="ASHA (Li et al., 2020): one bracket of asynchronous successive halving "
    '(`HyperbandScheduler`). With `kind="stopping"` a trial stops at a rung unless it '
    'is in the top 1/`reduction_factor` there; with "promotion" trials pause at each '
    "rung and the best resume. The scheduler draws nothing at random: the seed goes to "
    "`searcher`.",
)
hyperband = scheduler_preset(
    HyperbandScheduler,
    name="hyperband",
    from_searcher={"bracket_distribution": _adapted_brackets},
    brackets=None,
    doc="Asynchronous Hyperband: ASHA with `brackets` brackets of growing grace periods "
    "(None: one per rung level), each new trial's bracket drawn from the asynchronous "
    "Hyperband distribution, or from the searcher's when it adapts it "
    "(`AdaptsBrackets`, e.g. Hyper-Tune). `seed` is split between the searcher and the "
    "bracket draws.",
)
pasha = scheduler_preset(
    PASHAScheduler,
    name="pasha",
    doc="PASHA (Bohdal et al., 2022): promotion-type ASHA whose maximum resource grows "
    "only while the ranking of the best configurations keeps changing.",
)
median_stopping = scheduler_preset(
    MedianStoppingRule,
    name="median_stopping",
    doc="Median stopping rule (Golovin et al., 2017): a trial stops when its result is "
    "worse than the median of the others' at the same resource.",
)


asha_prom = compose(
    asha,
    name="asha_prom",
    kind="promotion",
    doc="ASHA, promotion type: trials pause at each rung and the best are resumed from "
    "their checkpoints (Li et al., 2020).",
)
asha_cost = compose(
    asha,
    name="asha_cost",
    kind="cost_promotion",
    doc="ASHA, cost-aware promotion: trials pause at each rung, and a paused trial may "
    "resume iff it ranks among the best `K` of its rung, `K` the most whose summed cost "
    "stays within the promotion quantile (1/`reduction_factor`) of the rung's summed "
    "cost, so cheap good trials let more through. Each result must carry the trial's "
    "cumulative cost under `cost_attr` (default `worker_cost`, reported by "
    "`SimulatorBackend(cost_attr=...)` and `SageMakerBackend`).",
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
