"""Multi-objective methods: several metrics (`metric=[...]`, `mode=[...]`) at once.

`random_search` (any FIFO preset) already takes lists of metrics and modes; these add
methods that rank trials on all of them (`moasha`, `nsga2`, `morea`) and one that
runs any single-objective method on their weighted sum (`linear_scalarized`). Each
also runs with a single metric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tunelab.core.methods._compose import bind_base, compose, scheduler_preset
from tunelab.core.methods._fifo import fifo, random_search
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers.moasha import MOASHAScheduler
from tunelab.core.schedulers.scalarized import LinearScalarizedScheduler
from tunelab.core.searchers.morea import MOREASearcher
from tunelab.core.searchers.nsga2 import NSGA2Searcher
from tunelab.core.trial import Config, Mode

moasha = scheduler_preset(
    MOASHAScheduler,
    name="moasha",
    fixed={"brackets": 1},
    seed_scheduler=False,
    doc="MOASHA (Salinas et al., 2021; Schmucker et al., 2021): asynchronous successive "
    "halving (`MOASHAScheduler`, one bracket) whose rungs rank trials by non-dominated "
    "sorting over all metrics, ties inside a front by crowding distance (or "
    '`tie_break="hypervolume"`). The scheduler draws nothing at random: the seed goes '
    "to `searcher`.",
)
nsga2 = compose(
    fifo,
    name="nsga2",
    searcher=NSGA2Searcher,
    doc="NSGA-II (Deb et al., 2002), steady-state: `fifo` with `NSGA2Searcher`.",
)
morea = compose(
    fifo,
    name="morea",
    searcher=MOREASearcher,
    doc="Multi-objective regularized evolution: `fifo` with `MOREASearcher` (the "
    "tournament ranks by non-dominated sorting).",
)


def linear_scalarized(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    weights: Sequence[float] | None = None,
    base: Callable[..., Scheduler] = random_search,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
) -> LinearScalarizedScheduler:
    """A single-objective method on the weighted sum of the metrics
    (`LinearScalarizedScheduler`; maximised metrics negated, `weights` default 1 each).

    `base` is the method: a preset of `tunelab.core.methods` (default
    `random_search`; e.g. `asha`, or a `functools.partial` of one with its options
    set). It gets `config_space`, the scalarized metric in mode "min", and those of
    `seed`, `resource_attr`, `max_resource`, `max_resource_attr` it takes;
    `points_to_evaluate` and `restrict_to` must be taken if given.
    """
    factory = bind_base(
        base,
        config_space,
        where="linear_scalarized",
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
    )
    scheduler = LinearScalarizedScheduler(factory, metric=metric, mode=mode, weights=weights)
    scheduler.method_name = "linear_scalarized"
    return scheduler
