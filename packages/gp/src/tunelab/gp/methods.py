"""Presets of the GP-based methods: a tunelab-core scheduler with a GP searcher.

Each function returns a ready `Scheduler` and adds no behaviour of its own;
`tunelab-run method=<name>` runs the preset of the same name (`conf/method/*.yaml`).

- `bayesian_optimization`: `fifo` with `GPSearcher`;
- `mobster`: one-bracket `hyperband` with `MOBSTERSearcher` (joint or independent);
- `sync_mobster`: `sync_hyperband` with `MOBSTERSearcher`;
- `hyper_tune`: `hyperband` with `HyperTuneSearcher` (which also adapts the bracket
  distribution);
- `parego`, `linear_scalarized_bo`, `ehvi`: `fifo` with a multi-objective GP searcher
  (`tunelab.gp.multiobjective`);
- `constrained_bo`, `cost_aware_bo`: `fifo` with `ConstrainedGPSearcher` (EI x
  probability of feasibility) or `CostAwareGPSearcher` (EI per unit cost);
- `dyhpo`: `DyHPOScheduler` (linear rung levels, model-based promotions) +
  `DyHPOSearcher`.
"""

from __future__ import annotations

from tunelab.core.methods import compose, fifo, hyperband, scheduler_preset, sync_hyperband
from tunelab.gp.constrained import ConstrainedGPSearcher
from tunelab.gp.cost_aware import CostAwareGPSearcher
from tunelab.gp.learning_curves.dyhpo import DyHPOSearcher
from tunelab.gp.learning_curves.dyhpo_scheduler import DyHPOScheduler
from tunelab.gp.learning_curves.hyper_tune import HyperTuneSearcher
from tunelab.gp.learning_curves.searcher import MOBSTERSearcher
from tunelab.gp.multiobjective import EHVISearcher, LinearScalarizedGPSearcher, ParEGOSearcher
from tunelab.gp.searchers import GPSearcher

__all__ = [
    "bayesian_optimization",
    "constrained_bo",
    "cost_aware_bo",
    "dyhpo",
    "ehvi",
    "hyper_tune",
    "linear_scalarized_bo",
    "mobster",
    "parego",
    "sync_mobster",
]


bayesian_optimization = compose(
    fifo,
    name="bayesian_optimization",
    searcher=GPSearcher,
    doc="GP-based Bayesian optimization (Snoek et al., 2012): `fifo` with `GPSearcher` "
    "(EI, Matern 5/2 ARD by default).",
)
mobster = compose(
    hyperband,
    name="mobster",
    searcher=MOBSTERSearcher,
    brackets=1,
    doc="MOBSTER (Tiao et al., 2020): asynchronous successive halving (`brackets=1`) "
    'whose new configurations come from `MOBSTERSearcher` (`model="joint"`: '
    "MOBSTER-JOINT with the exponential-decay resource kernel, or another "
    '`resource_kernel`; `"independent"`: MOBSTER-INDEP).',
)
sync_mobster = compose(
    sync_hyperband,
    name="sync_mobster",
    searcher=MOBSTERSearcher,
    doc="SyncMOBSTER: synchronous Hyperband (all geometric brackets by default) whose "
    "new configurations come from `MOBSTERSearcher`, the GP model over every rung "
    "result.",
)
hyper_tune = compose(
    hyperband,
    name="hyper_tune",
    searcher=HyperTuneSearcher,
    doc="Hyper-Tune (Li et al., 2022): asynchronous Hyperband (`brackets=None`: one per "
    "rung level; 1 is ASHA) with `HyperTuneSearcher`, whose per-level GPs are weighted "
    "by ranking agreement with the highest supported level, both for the acquisition "
    'and for the bracket distribution. `model="joint"` is HYPERTUNE-JOINT: the same '
    "weighting on MOBSTER's joint GP.",
)


dyhpo = scheduler_preset(
    DyHPOScheduler,
    name="dyhpo",
    searcher=DyHPOSearcher,
    doc="DyHPO (Wistuba et al., 2022) with the joint GP of MOBSTER: paused trials and new "
    "configurations compete for each slice of `rung_increment` resource; with "
    "probability `probability_sh`, ASHA's promotion rule is tried first.",
)
parego = compose(
    fifo,
    name="parego",
    searcher=ParEGOSearcher,
    doc="ParEGO (Knowles, 2006): `fifo` with `ParEGOSearcher`, GP-based BO on a random "
    "augmented Chebyshev scalarisation of the normalised metrics per suggestion.",
)
linear_scalarized_bo = compose(
    fifo,
    name="linear_scalarized_bo",
    searcher=LinearScalarizedGPSearcher,
    doc="GP-based BO on a fixed weighted sum of the metrics normalised over the data: "
    "`fifo` with `LinearScalarizedGPSearcher` (`weights`, default equal).",
)
ehvi = compose(
    fifo,
    name="ehvi",
    searcher=EHVISearcher,
    doc="Expected hypervolume improvement (Emmerich et al., 2006) for up to three "
    "metrics: `fifo` with `EHVISearcher` (one GP per metric, exact EHVI; the reference "
    "point is `hypervolume_reference` or beyond the worst observed values).",
)
constrained_bo = compose(
    fifo,
    name="constrained_bo",
    searcher=ConstrainedGPSearcher,
    doc="Constrained BO (Gardner et al., 2014): `fifo` with `ConstrainedGPSearcher`, "
    "EI over the best feasible result times the probability that the constraint "
    "metric `constraint_attr` is <= 0, each from its own GP.",
)
cost_aware_bo = compose(
    fifo,
    name="cost_aware_bo",
    searcher=CostAwareGPSearcher,
    doc="Cost-aware BO: `fifo` with `CostAwareGPSearcher`, EI divided by the predicted "
    "cost (a GP on log `cost_attr`) to the power `cost_exponent`; pair it with "
    "`StoppingCriterion(max_cost=...)` to tune within a cost budget.",
)
