"""One-line presets of published methods: a scheduler composed with a searcher.

Each function returns a ready `Scheduler`; it adds no behaviour of its own, so a
preset is always equivalent to composing the parts by hand (the docstring of each
says which), and `tunelab-run method=<name>` runs the preset of the same name.

- FIFO scheduling: `random_search`, `grid_search`, `rea` (regularized evolution),
  `kde` (BOHB's density model), `bore`, `cqr`;
- asynchronous successive halving / Hyperband (`HyperbandScheduler`): `asha`
  (stopping), `asha_prom` (promotion), `hyperband` (brackets), `bohb`, `asha_bore`,
  `asha_cqr`; `pasha` (`PASHAScheduler`); `median_stopping` (`MedianStoppingRule`);
- synchronous: `sync_sh`, `sync_hyperband`, `sync_bohb`, `dehb`;
- `pbt` (population based training).
"""

from __future__ import annotations

from tunelab.core.methods._fifo import bore, cqr, grid_search, kde, random_search, rea
from tunelab.core.methods._hyperband import (
    asha,
    asha_bore,
    asha_cqr,
    asha_prom,
    bohb,
    hyperband,
    median_stopping,
    pasha,
)
from tunelab.core.methods._synchronous import dehb, pbt, sync_bohb, sync_hyperband, sync_sh

__all__ = [
    "asha",
    "asha_bore",
    "asha_cqr",
    "asha_prom",
    "bohb",
    "bore",
    "cqr",
    "dehb",
    "grid_search",
    "hyperband",
    "kde",
    "median_stopping",
    "pasha",
    "pbt",
    "random_search",
    "rea",
    "sync_bohb",
    "sync_hyperband",
    "sync_sh",
]
