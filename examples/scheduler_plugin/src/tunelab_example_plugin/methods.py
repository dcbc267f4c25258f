"""The plugin's method preset: one function that composes a scheduler and a searcher."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.trial import Config, Mode
from tunelab_example_plugin.local_search import LocalSearcher


def local_search(
    config_space: dict[str, Any],
    *,
    metric: str | Sequence[str],
    mode: Mode | Sequence[Mode] = "min",
    seed: int | np.random.Generator | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
    population_size: int = 10,
    random_probability: float = 0.2,
    mutation_scale: float = 0.2,
) -> FIFOScheduler:
    """Local search: `FIFOScheduler` + `LocalSearcher` (see it for the arguments).

    The signature is the one `tunelab-run` expects of a method: the application passes
    `config_space`, `metric`, `mode`, `seed`, `restrict_to` and `resource_attr` (the
    standard arguments this function accepts); the others come from the preset
    `method/local_search.yaml` and from command-line overrides.
    """
    searcher = LocalSearcher(
        config_space,
        population_size=population_size,
        random_probability=random_probability,
        mutation_scale=mutation_scale,
        restrict_to=restrict_to,
        seed=seed,
    )
    return FIFOScheduler(searcher, metric=metric, mode=mode, resource_attr=resource_attr)
