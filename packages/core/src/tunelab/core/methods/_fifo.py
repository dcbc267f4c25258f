"""FIFO scheduling (every trial runs to its end) with any searcher, and the methods
that are FIFO with a particular one."""

from __future__ import annotations

from tunelab.core.methods._compose import compose, scheduler_preset
from tunelab.core.schedulers.fifo import FIFOScheduler
from tunelab.core.searchers.bore import BORESearcher
from tunelab.core.searchers.cqr import CQRSearcher
from tunelab.core.searchers.evolution import RegularizedEvolutionSearcher
from tunelab.core.searchers.grid import GridSearcher
from tunelab.core.searchers.kde import KDESearcher

fifo = scheduler_preset(
    FIFOScheduler,
    name="fifo",
    doc="`FIFOScheduler` with `searcher` (a class, a partial of one, or an object; the "
    "seed goes to the searcher).",
)
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
