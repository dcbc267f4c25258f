"""FIFO scheduling (every trial runs to its end) with any searcher, and the methods
that are FIFO with a particular one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.methods._compose import SearcherSpec, build_searcher, compose
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
def fifo(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    searcher: SearcherSpec = RandomSearcher,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """`FIFOScheduler` with `searcher` (a class, a partial of one, or an object; the
    seed goes to the searcher)."""
    built = build_searcher(
        searcher,
        config_space,
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
    )
    return FIFOScheduler(built, metric=metric, mode=mode, resource_attr=resource_attr)


random_search = compose(
    fifo,
    name="random_search",
    doc="Random search (Bergstra & Bengio, 2012): `fifo` with `RandomSearcher`.",
)
grid_search = compose(
    fifo,
    name="grid_search",
    searcher=GridSearcher,
    doc="Grid search: `fifo` with `GridSearcher` (see it for `points_per_dim`).",
)
rea = compose(
    fifo,
    name="rea",
    searcher=RegularizedEvolutionSearcher,
    doc="Regularized evolution (Real et al., 2019): `fifo` with `RegularizedEvolutionSearcher`.",
)
kde = compose(
    fifo,
    name="kde",
    searcher=KDESearcher,
    doc="TPE-like kernel density search of BOHB (Falkner et al., 2018) on full "
    "evaluations: `fifo` with `KDESearcher`.",
)
bore = compose(
    fifo,
    name="bore",
    searcher=BORESearcher,
    doc="BORE (Tiao et al., 2021): `fifo` with `BORESearcher` (needs `[sklearn]`).",
)
cqr = compose(
    fifo,
    name="cqr",
    searcher=CQRSearcher,
    doc="Conformal quantile regression (Salinas et al., 2023): `fifo` with `CQRSearcher`.",
)
