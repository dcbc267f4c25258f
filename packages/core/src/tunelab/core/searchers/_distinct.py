"""`DistinctSearcher`: the base of searchers that never suggest a configuration twice."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from tunelab.core.searchers._base import BuiltinSearcher
from tunelab.core.space import (
    CandidateSet,
    config_key,
    grid_configs,
    sample_config,
    validate_config,
)
from tunelab.core.trial import Config

# A finite space of at most this many configurations is enumerated when random draws
# keep hitting used configurations; a larger one is then treated as exhausted.
_ENUMERATE_LIMIT = 100_000
_MAX_REJECTIONS = 100


class DistinctSearcher(BuiltinSearcher):
    """Initial configurations first, then the subclass's proposals, never one twice.

    Subclasses implement `_propose`, an iterable of configurations best first; the
    first one not suggested (or registered as pending) before is returned, and when
    none is new, a random configuration. Configurations are compared on their
    hyperparameters only, so a scheduler that rewrites a constant (such as the
    script's budget argument) does not make a configuration new. In a finite space
    `suggest` returns None once every configuration has been used. `_objective`
    reads the configured metric from a result, negated in "max" mode so that lower
    is always better inside a searcher.

    Restricted to a finite candidate set (`restrict_to`, e.g. the configurations of a
    tabulated benchmark), every suggestion is an unused member of the set: initial
    configurations and proposals are mapped to the nearest unused member (a member
    maps to itself), random configurations are unused members drawn uniformly, and
    `suggest` returns None once every member has been used.

    Takes the arguments of `BuiltinSearcher`.
    """

    # the configurations of a finite space in grid order, listed once they are needed
    _grid: list[tuple[tuple[Any, ...], Config]] | None = None

    @property
    def candidates(self) -> CandidateSet | None:
        """The candidate set suggestions are restricted to, or None."""
        return None if self._pool is None else self._pool.candidates

    def suggest(self, trial_id: int) -> Config | None:
        while self._pending_initial:
            config = self._restricted(self._pending_initial.pop(0))
            if config is not None and self._mark_new(config):
                return config
        if self.exhausted:
            return None
        for proposal in self._propose(trial_id):
            config = self._restricted(proposal)
            if config is not None and self._mark_new(config):
                return config
        return self._random_config()

    @property
    def exhausted(self) -> bool:
        """True when every configuration of a finite space (or every member of the
        candidate set) has been used."""
        if self._pool is not None:
            return self._pool.exhausted
        return self._size is not None and len(self._seen) >= self._size

    def _restricted(self, config: Config) -> Config | None:
        """`config`, or with a candidate set the nearest unused member (None: none left)."""
        if self._pool is None:
            return config
        return self._pool.nearest_unused_config(config)

    def register_pending(self, trial_id: int, config: Config) -> None:
        key = self._key(config)
        if key in self._seen:
            return
        try:
            validate_config(self.config_space, self._hyperparameters(config))
        except ValueError:
            return  # not a member of the space: it cannot take a configuration's place
        self._seen.add(key)
        if self._pool is not None:
            self._pool.mark_key(key)

    def _objective(self, result: dict[str, Any]) -> float | None:
        """The metric of `result`, lower is better; None if it is NaN or infinite."""
        where = f"{type(self).__name__}.observe"
        if self.metric is None:
            raise RuntimeError(f"{where}: call configure(metric=..., mode=...) first")
        if self.metric not in result:
            raise ValueError(f"{where}: result {sorted(result)} lacks the metric {self.metric!r}")
        try:
            value = float(result[self.metric])
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: metric {self.metric!r} must be a number, got {result[self.metric]!r}"
            ) from None
        if not math.isfinite(value):
            return None
        return value if self.mode == "min" else -value

    def _propose(self, trial_id: int) -> Iterable[Config]:
        """Configurations for trial `trial_id`, best first; empty means random."""
        return ()

    def _hyperparameters(self, config: Config) -> Config:
        return {name: config[name] for name in self._names if name in config}

    def _key(self, config: Config) -> tuple[Any, ...]:
        return config_key(self._hyperparameters(config))

    def _mark_new(self, config: Config) -> bool:
        key = self._key(config)
        if key in self._seen:
            return False
        self._seen.add(key)
        if self._pool is not None:
            self._pool.mark_key(key)
        return True

    def _random_config(self) -> Config | None:
        if self._pool is not None:
            return self._random_member()
        for _ in range(_MAX_REJECTIONS):
            config = sample_config(self.config_space, self._rng)
            if self._mark_new(config):
                return config
        if self._size is None or self._size > _ENUMERATE_LIMIT:
            return None  # an infinite (or huge) space that keeps repeating is used up
        # The unused configurations are listed in grid order each time, so the choice
        # depends only on the RNG and the used set, both part of the state.
        if self._grid is None:
            self._grid = [
                (self._key(c), c) for c in grid_configs(self.config_space, _ENUMERATE_LIMIT)
            ]
        unused = [config for key, config in self._grid if key not in self._seen]
        if not unused:
            return None
        config = dict(unused[int(self._rng.integers(len(unused)))])
        self._mark_new(config)
        return config

    def _random_member(self) -> Config | None:
        assert self._pool is not None
        if self._pool.exhausted:
            return None
        config = self._pool.candidates[int(self._pool.sample_unused(self._rng, 1)[0])]
        self._mark_new(config)
        return config
