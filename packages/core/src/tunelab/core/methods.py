"""One-line presets of published methods: a scheduler composed with a searcher.

Each function returns a ready `Scheduler`; it adds no behaviour of its own, so a
preset is always equivalent to composing the parts by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.schedulers.fifo import FIFOScheduler
from tunelab.core.searchers.grid import GridSearcher
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.trial import Config, Mode


def random_search(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """Random search (Bergstra & Bengio, 2012): `FIFOScheduler` + `RandomSearcher`."""
    searcher = RandomSearcher(
        config_space, points_to_evaluate=points_to_evaluate, restrict_to=restrict_to, seed=seed
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


def grid_search(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    points_per_dim: int = 5,
    shuffle: bool = False,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    resource_attr: str | None = None,
) -> FIFOScheduler:
    """Grid search: `FIFOScheduler` + `GridSearcher` (see it for `points_per_dim`)."""
    searcher = GridSearcher(
        config_space,
        points_per_dim=points_per_dim,
        shuffle=shuffle,
        points_to_evaluate=points_to_evaluate,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)


__all__ = ["grid_search", "random_search"]
