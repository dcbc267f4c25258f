"""Random search: the baseline every method must beat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.searcher import Searcher
from tunelab.core.searchers._initial import initial_configs
from tunelab.core.space import config_key, config_space_size, grid_configs, sample_config
from tunelab.core.trial import Config

# Below this many configurations, a finite space is enumerated once so that the last
# unused configurations are found directly instead of by rejection sampling.
_ENUMERATE_LIMIT = 100_000
_MAX_REJECTIONS = 100


class RandomSearcher(Searcher):
    """Samples each hyperparameter independently from its domain.

    Initial configurations (`points_to_evaluate`) come first. Suggestions never repeat
    a configuration already suggested: in a finite space this is guaranteed, and the
    searcher returns None once every configuration has been suggested; in an infinite
    space repeats are retried away.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        points_to_evaluate: Configurations to evaluate first; partial ones are completed
            with domain midpoints (`[{}]` = the midpoint configuration).
        seed: Seed or generator for all randomness of this searcher.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        points_to_evaluate: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.config_space = dict(config_space)
        self.seed = seed if isinstance(seed, int) else None
        self._pending_initial = initial_configs(self.config_space, points_to_evaluate)
        self._rng = np.random.default_rng(seed)
        self._size = config_space_size(self.config_space)
        self._seen: set[tuple[Any, ...]] = set()
        self._unused: list[Config] | None = None

    def suggest(self, trial_id: int) -> Config | None:
        while self._pending_initial:
            config = self._pending_initial.pop(0)
            if self._mark_new(config):
                return config
        if self._size is not None and len(self._seen) >= self._size:
            return None
        for _ in range(_MAX_REJECTIONS):
            config = sample_config(self.config_space, self._rng)
            if self._mark_new(config):
                return config
        if self._size is not None and self._size <= _ENUMERATE_LIMIT:
            return self._suggest_unused()
        # An infinite (or huge) space that keeps repeating is essentially exhausted.
        return None

    def _mark_new(self, config: Config) -> bool:
        key = config_key(config)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _suggest_unused(self) -> Config | None:
        if self._unused is None:
            self._unused = [
                config
                for config in grid_configs(self.config_space, _ENUMERATE_LIMIT)
                if config_key(config) not in self._seen
            ]
        while self._unused:
            index = int(self._rng.integers(len(self._unused)))
            config = self._unused.pop(index)
            if self._mark_new(config):
                return config
        return None

    def state_dict(self) -> dict[str, Any]:
        return {
            "rng": self._rng.bit_generator.state,
            "seen": sorted(self._seen, key=repr),
            "pending_initial": [dict(c) for c in self._pending_initial],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._rng.bit_generator.state = state["rng"]
        self._seen = {tuple(key) for key in state["seen"]}
        self._pending_initial = [dict(c) for c in state["pending_initial"]]
        self._unused = None
