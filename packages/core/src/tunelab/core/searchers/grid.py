"""Grid search over the Cartesian product of per-hyperparameter grids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from tunelab.core.searcher import Searcher
from tunelab.core.searchers._initial import initial_configs
from tunelab.core.space import CandidatePool, CandidateSet, config_key, grid_configs
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
        restrict_to: Suggest only unused members of these configurations (e.g. a
            table's rows): each grid point is replaced by its nearest unused member,
            and the search ends when the grid or the members are used up.
        seed: Seed or generator for the shuffled order.
    """

    config_space: dict[str, Any]

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        points_per_dim: int = 5,
        shuffle: bool = False,
        points_to_evaluate: Sequence[Config] | None = None,
        restrict_to: Sequence[Config] | None = None,
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
        self._pool: CandidatePool | None = None
        if restrict_to is not None:
            self._pool = CandidatePool(CandidateSet(self.config_space, restrict_to))

    def _grid_from(self, position: int) -> Iterator[Config]:
        if self._order is None:
            return itertools.islice(
                grid_configs(self.config_space, self.points_per_dim), position, None
            )
        grid = list(grid_configs(self.config_space, self.points_per_dim))
        return (grid[index] for index in self._order[position:])

    def suggest(self, trial_id: int) -> Config | None:
        while self._pending_initial:
            config = self._take(self._pending_initial.pop(0))
            if config is not None:
                return config
        if self._iterator is None:
            self._iterator = self._grid_from(self._position)
        for point in self._iterator:
            self._position += 1
            config = self._take(point)
            if config is not None:
                return config
        return None

    def register_pending(self, trial_id: int, config: Config) -> None:
        """With a candidate set, a member being evaluated counts as used."""
        if self._pool is None:
            return
        index = self._pool.candidates.index_of(config)
        if index is not None:
            member = self._pool.candidates[index]
            self._seen.add(config_key(member))
            self._pool.mark_key(self._pool.candidates.key(member))

    def _take(self, config: Config) -> Config | None:
        """`config` (with a candidate set: its nearest unused member) if it is new."""
        if self._pool is not None:
            nearest = self._pool.nearest_unused_config(config)
            if nearest is None:
                return None
            config = nearest
        key = config_key(config)
        if key in self._seen:
            return None
        self._seen.add(key)
        if self._pool is not None:
            self._pool.mark_key(self._pool.candidates.key(config))
        return config

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
        if self._pool is not None:
            self._pool.clear()
            names = set(self._pool.candidates.names)
            for key in self._seen:  # a key is sorted (name, value) pairs: keep the tuned
                self._pool.mark_key(tuple(pair for pair in key if pair[0] in names))
