"""Local search: mutate the best configurations found so far."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.searcher import Searcher
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import (
    Categorical,
    SpaceEncoder,
    config_key,
    hyperparameter_names,
    validate_config,
)
from tunelab.core.trial import Config

# Mutations tried before a random configuration is drawn instead: a child may repeat an
# earlier configuration (an integer perturbed too little to change, a small space).
_MAX_MUTATIONS = 20

# A member of the population: (score, trial_id, config); lower scores are better.
_Member = tuple[float, int, Config]


class LocalSearcher(Searcher):
    """Keeps the best `population_size` results and proposes mutations of them.

    The first `population_size` configurations, and later each one with probability
    `random_probability`, are drawn at random. Otherwise a member of the population
    (the best configurations observed so far) is picked uniformly and one of its
    hyperparameters is mutated: a categorical is resampled among its other values, any
    other domain is perturbed by Gaussian noise of standard deviation `mutation_scale`
    in its unit-cube encoding (so log-scaled domains move by factors). This is the
    mutation-only evolutionary search of Real et al., "Regularized evolution for image
    classifier architecture search" (AAAI 2019), with truncation selection instead of
    ageing.

    Suggestions never repeat: a mutation that gives a configuration suggested before is
    drawn again, and after a few such failures a random configuration is drawn. In a
    finite space (or a `restrict_to` list) the searcher returns None once every
    configuration has been suggested.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        population_size: How many of the best configurations are kept as parents; also
            the number of random configurations observed before the first mutation.
        random_probability: Probability of a random configuration once the population
            is full, in `[0, 1]`.
        mutation_scale: Standard deviation of a perturbation in the unit cube, > 0.
        restrict_to: Suggest only these configurations (e.g. the rows of a tabulated
            benchmark): a mutated child is replaced by the nearest listed configuration,
            in the unit-cube encoding, that was not suggested yet.
        seed: Seed or generator for all randomness of this searcher.
    """

    config_space: dict[str, Any]

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        population_size: int = 10,
        random_probability: float = 0.2,
        mutation_scale: float = 0.2,
        restrict_to: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        _check_arguments(population_size, random_probability, mutation_scale)
        self.config_space = dict(config_space)
        self.population_size = population_size
        self.random_probability = float(random_probability)
        self.mutation_scale = float(mutation_scale)
        self.seed = seed if isinstance(seed, int) else None
        self._rng = np.random.default_rng(seed)
        self._random = RandomSearcher(
            self.config_space, restrict_to=restrict_to, seed=int(self._rng.integers(2**63))
        )
        self._names = hyperparameter_names(self.config_space)
        self._encoder = SpaceEncoder(self.config_space)
        # With `restrict_to`: the listed configurations, their keys and their encodings.
        self._pool = (
            None
            if restrict_to is None
            else [validate_config(self.config_space, c) for c in restrict_to]
        )
        self._pool_keys = [config_key(c) for c in self._pool or []]
        self._pool_x = self._encoder.encode_many(self._pool or [])  # (n_pool, dim)
        self._population: list[_Member] = []
        self._seen: set[tuple[Any, ...]] = set()

    def suggest(self, trial_id: int) -> Config | None:
        if self._should_mutate():
            for _ in range(_MAX_MUTATIONS):
                parent = self._population[int(self._rng.integers(len(self._population)))][2]
                child = self._mutate(parent)
                if child is not None and self._mark_new(child):
                    return child
        # The random searcher never repeats itself, but it may propose a child suggested
        # by a mutation: skip those until it is exhausted.
        while (config := self._random.suggest(trial_id)) is not None:
            if self._mark_new(config):
                return config
        return None

    def register_pending(self, trial_id: int, config: Config) -> None:
        """A configuration running elsewhere (e.g. a trial its scheduler started from
        another suggestion) is never suggested again."""
        self._seen.add(config_key(config))

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        if self.metric is None:
            raise RuntimeError(
                "LocalSearcher.observe: the searcher has no metric; its scheduler calls "
                "configure(metric=..., mode=...) first"
            )
        value = result.get(self.metric)
        if value is None or not math.isfinite(float(value)):
            return
        score = float(value) if self.mode == "min" else -float(value)
        members = [m for m in self._population if m[1] != trial_id]
        members.append((score, trial_id, dict(config)))
        members.sort(key=lambda member: (member[0], member[1]))
        self._population = members[: self.population_size]

    def _should_mutate(self) -> bool:
        if not self._names or len(self._population) < self.population_size:
            return False
        return bool(self._rng.random() >= self.random_probability)

    def _mutate(self, parent: Config) -> Config | None:
        """`parent` with one hyperparameter changed (then snapped to `restrict_to`).
        Constants come from the space: a scheduler may have rewritten them in the
        results (e.g. the epochs a synchronous Hyperband trial runs for)."""
        child = {
            key: parent[key] if key in self._names else value
            for key, value in self.config_space.items()
        }
        name = self._names[int(self._rng.integers(len(self._names)))]
        domain = self.config_space[name]
        if isinstance(domain, Categorical):
            others = [value for value in domain.values() if value != parent[name]]
            if not others:
                return None
            child[name] = others[int(self._rng.integers(len(others)))]
        else:
            noise = self._rng.normal(0.0, self.mutation_scale, size=domain.encoded_dim)
            child[name] = domain.decode(np.clip(domain.encode(parent[name]) + noise, 0.0, 1.0))
        return child if self._pool is None else self._nearest_unseen(child)

    def _nearest_unseen(self, config: Config) -> Config | None:
        """The listed configuration closest to `config` that was not suggested yet."""
        assert self._pool is not None
        unseen = np.array([key not in self._seen for key in self._pool_keys], dtype=bool)
        if not unseen.any():
            return None
        distances = np.linalg.norm(self._pool_x - self._encoder.encode(config), axis=1)
        distances[~unseen] = np.inf
        return dict(self._pool[int(np.argmin(distances))])

    def _mark_new(self, config: Config) -> bool:
        key = config_key(config)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def state_dict(self) -> dict[str, Any]:
        return {
            "rng": self._rng.bit_generator.state,
            "random": self._random.state_dict(),
            "seen": sorted(self._seen, key=repr),
            "population": [(score, tid, dict(c)) for score, tid, c in self._population],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._rng.bit_generator.state = state["rng"]
        self._random.load_state_dict(state["random"])
        self._seen = {tuple(key) for key in state["seen"]}
        self._population = [
            (float(score), int(tid), dict(c)) for score, tid, c in state["population"]
        ]


def _check_arguments(
    population_size: int, random_probability: float, mutation_scale: float
) -> None:
    if isinstance(population_size, bool) or not isinstance(population_size, int):
        raise TypeError(
            f"LocalSearcher: population_size must be an integer >= 1, got {population_size!r}"
        )
    if population_size < 1:
        raise ValueError(
            f"LocalSearcher: population_size must be an integer >= 1, got {population_size}"
        )
    if not 0.0 <= float(random_probability) <= 1.0:
        raise ValueError(
            f"LocalSearcher: random_probability must be in [0, 1], got {random_probability!r}"
        )
    if not float(mutation_scale) > 0.0:
        raise ValueError(f"LocalSearcher: mutation_scale must be > 0, got {mutation_scale!r}")
