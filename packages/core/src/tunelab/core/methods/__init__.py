"""Methods: a scheduler composed with a searcher.

A scheduler preset takes `searcher=`, a `Searcher` class (or a `functools.partial`
of one with options set, or a searcher object), and builds it with the shared
arguments (`seed`, `points_to_evaluate`, `restrict_to`, and `max_resource` for
learning-curve models); any searcher runs under any of them:

- FIFO scheduling (every trial to its end): `fifo`;
- asynchronous successive halving / Hyperband: `asha` (stopping, promotion or
  cost-aware promotion), `hyperband` (brackets), `pasha`; `median_stopping`;
- synchronous: `sync_sh`, `sync_hyperband`.

Each scheduler preset is made from its scheduler class (`scheduler_preset`): it takes
the class's arguments. Published methods are compositions of those (`compose`), with
the same arguments plus the searcher's own options:

- `random_search`, `grid_search`, `rea`, `kde`, `bore`, `cqr` (FIFO);
- `asha_prom`, `asha_cost` (cost-aware promotion), `asha_bore`, `asha_cqr` (ASHA),
  `bohb` (one-bracket Hyperband + KDE);
- `sync_bohb` (synchronous Hyperband + KDE);

and `dehb` and `pbt` have schedulers of their own. Multi-objective (`metric` and
`mode` lists; FIFO presets such as `random_search` take them too): `moasha`,
`nsga2`, `morea`, and `linear_scalarized` (any method on a weighted sum).
Transfer learning (`transfer_evaluations` of earlier tasks, see
`tunelab.core.transfer`): `zero_shot` (FIFO), `bounding_box` (any method in the
box of the earlier tasks' best configurations), `rush` and `rush_promotion` (ASHA
held to the earlier tasks' best configurations), `quantile_based` (FIFO) and
`asha_cts` (ASHA) sampling a model of the earlier tasks' quantiles.

Every preset records its name as the scheduler's `method_name`; `tunelab-run
method=<name>` runs the method of the same name (`conf/method/<name>.yaml`, composed
with `conf/searcher/<name>.yaml`).
"""

from __future__ import annotations

from tunelab.core.methods._compose import (
    SearcherFactory,
    SearcherSpec,
    build_searcher,
    compose,
    scheduler_preset,
    top_resource,
)
from tunelab.core.methods._fifo import bore, cqr, fifo, grid_search, kde, random_search, rea
from tunelab.core.methods._hyperband import (
    AdaptsBrackets,
    asha,
    asha_bore,
    asha_cost,
    asha_cqr,
    asha_prom,
    bohb,
    hyperband,
    median_stopping,
    pasha,
)
from tunelab.core.methods._multiobjective import linear_scalarized, moasha, morea, nsga2
from tunelab.core.methods._synchronous import dehb, pbt, sync_bohb, sync_hyperband, sync_sh
from tunelab.core.methods._transfer import (
    asha_cts,
    bounding_box,
    quantile_based,
    rush,
    rush_promotion,
    zero_shot,
)

__all__ = [
    "PRESETS",
    "AdaptsBrackets",
    "SearcherFactory",
    "SearcherSpec",
    "asha",
    "asha_bore",
    "asha_cost",
    "asha_cqr",
    "asha_cts",
    "asha_prom",
    "bohb",
    "bore",
    "bounding_box",
    "build_searcher",
    "compose",
    "cqr",
    "dehb",
    "fifo",
    "grid_search",
    "hyperband",
    "kde",
    "linear_scalarized",
    "median_stopping",
    "moasha",
    "morea",
    "nsga2",
    "pasha",
    "pbt",
    "quantile_based",
    "random_search",
    "rea",
    "rush",
    "rush_promotion",
    "scheduler_preset",
    "sync_bohb",
    "sync_hyperband",
    "sync_sh",
    "top_resource",
    "zero_shot",
]

_PARTS = (
    "AdaptsBrackets",
    "SearcherFactory",
    "SearcherSpec",
    "build_searcher",
    "compose",
    "scheduler_preset",
)
PRESETS = tuple(name for name in __all__ if name not in (*_PARTS, "PRESETS", "top_resource"))
"""The names of the method presets above (each returns a `Scheduler`)."""
