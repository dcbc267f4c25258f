"""Grid search over the Cartesian product of per-hyperparameter grids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from tunelab.core.searcher import Searcher
from tunelab.core.searchers._initial import initial_configs
from tunelab.core.space import config_key, grid_configs
from tunelab.core.trial import Config


class GridSearcher(Searcher):
    """Evaluates every point of a grid, then returns None.

    Categorical and ordinal domains contribute all their values; every other domain
    (continuous, integer, finite range) contributes all its values when it has at
    most `points_per_dim` of them, else `points_per_dim` evenly spaced ones
    (log-spaced for log domains).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        points_per_dim: Grid points for each domain with more values than this.
        shuffle: Visit the grid in a random order (from `seed`) instead of
            lexicographic order; useful when the budget may not cover the grid.
        points_to_evaluate: Configurations to evaluate first; they are not repeated
            when the grid reaches them.
        seed: Seed or generator for the shuffled order.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        points_per_dim: int = 5,
        shuffle: bool = False,
        points_to_evaluate: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if not isinstance(points_per_dim, int) or points_per_dim < 1:
            raise ValueError(f"points_per_dim must be an integer >= 1, got {points_per_dim!r}")
        self.config_space = dict(config_space)
        self.seed = seed if isinstance(seed, int) else None
        self.points_per_dim = points_per_dim
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._pending_initial = initial_configs(self.config_space, points_to_evaluate)
        self._order: list[int] | None = None
        if shuffle:
            n_points = sum(1 for _ in grid_configs(self.config_space, points_per_dim))
            self._order = [int(i) for i in self._rng.permutation(n_points)]
        self._position = 0
        self._seen: set[tuple[Any, ...]] = set()
        self._iterator: Iterator[Config] | None = None

    def _grid_from(self, position: int) -> Iterator[Config]:
        if self._order is None:
            return itertools.islice(
                grid_configs(self.config_space, self.points_per_dim), position, None
            )
        grid = list(grid_configs(self.config_space, self.points_per_dim))
        return (grid[index] for index in self._order[position:])

    def suggest(self, trial_id: int) -> Config | None:
        while self._pending_initial:
            config = self._pending_initial.pop(0)
            key = config_key(config)
            if key not in self._seen:
                self._seen.add(key)
                return config
        if self._iterator is None:
            self._iterator = self._grid_from(self._position)
        for config in self._iterator:
            self._position += 1
            key = config_key(config)
            if key not in self._seen:
                self._seen.add(key)
                return config
        return None

    def state_dict(self) -> dict[str, Any]:
        return {
            "position": self._position,
            "order": self._order,
            "seen": sorted(self._seen, key=repr),
            "pending_initial": [dict(c) for c in self._pending_initial],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._position = int(state["position"])
        self._order = state["order"]
        self._seen = {tuple(key) for key in state["seen"]}
        self._pending_initial = [dict(c) for c in state["pending_initial"]]
        self._iterator = None
