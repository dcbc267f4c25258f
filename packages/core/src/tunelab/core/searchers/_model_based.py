"""`ModelBasedSearcher`: ranks candidates with a model of the observed results."""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.searchers._args import check_count, check_fraction
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._distinct import DistinctSearcher
from tunelab.core.searchers._encoded import EncodedLayout
from tunelab.core.searchers._observations import Observations
from tunelab.core.space import SpaceEncoder
from tunelab.core.trial import Config

if TYPE_CHECKING:
    from typing_extensions import Unpack


class ModelBasedSearcher(DistinctSearcher):
    """Base of searchers that fit a model to encoded observations and rank candidates.

    `observe` encodes the configuration and records the metric (negated in "max"
    mode, so that lower is always better inside) under the result's resource level
    (`self.resource_attr`, set by `configure`; `math.inf` without one). Results whose
    metric is NaN or infinite are ignored. With probability `random_fraction`, and
    while `_ranked_candidates` has no model, a suggestion is random.

    With a candidate set (`restrict_to`), subclasses rank unused members: they draw
    candidates with `_candidate_vectors` (random unused members instead of uniform
    vectors) or map their own draws with `_project`, and the best ranked vector is
    taken as the nearest unused member.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        num_candidates: Candidates the model ranks per suggestion.
        random_fraction: Share of suggestions drawn at random, in [0, 1].
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `BuiltinSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        num_candidates: int,
        random_fraction: float,
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        check_count(num_candidates, where=where, arg="num_candidates", minimum=1)
        check_fraction(random_fraction, where=where, arg="random_fraction", closed=True)
        super().__init__(config_space, **options)
        self.num_candidates = int(num_candidates)
        self.random_fraction = float(random_fraction)
        self._encoder = SpaceEncoder(self.config_space)
        self._layout = EncodedLayout(self.config_space, self._encoder)
        self._data = Observations(self._encoder.dim)

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        value = self._objective(result)
        if value is not None:
            self._data.add(trial_id, self._encoder.encode(config), value, self._level(result))

    def _level(self, result: dict[str, Any]) -> float:
        if self.resource_attr is None or self.resource_attr not in result:
            return math.inf
        return float(result[self.resource_attr])

    def _propose(self, trial_id: int) -> Iterable[Config]:
        if self.random_fraction > 0 and self._rng.uniform() < self.random_fraction:
            return ()
        ranked = self._ranked_candidates()
        if ranked is None:
            return ()
        if self._pool is not None:
            if not len(ranked) or self._pool.exhausted:
                return ()
            return (self._pool.candidates[int(self._pool.nearest_unused(ranked[:1])[0])],)
        return (self._encoder.decode(row) for row in ranked)

    def _candidate_vectors(self, n: int) -> np.ndarray:
        """`n` candidates to rank, shape `(n, dim)`: uniform random vectors, or with a
        candidate set up to `n` unused members drawn at random."""
        if self._pool is None:
            return self._layout.uniform(self._rng, n)
        members: np.ndarray = self._pool.candidates.vectors[self._pool.sample_unused(self._rng, n)]
        return members

    def _project(self, x: np.ndarray) -> np.ndarray:
        """Without a candidate set `x` (shape `(m, dim)`) itself; with one, the distinct
        nearest unused members of its rows, in the order of their first occurrence."""
        if self._pool is None or self._pool.exhausted:
            return x
        nearest = self._pool.nearest_unused(x)
        _, first = np.unique(nearest, return_index=True)
        projected: np.ndarray = self._pool.candidates.vectors[nearest[np.sort(first)]]
        return projected

    @abstractmethod
    def _ranked_candidates(self) -> np.ndarray | None:
        """Candidate vectors of shape `(n, dim)`, best first; None without a model."""

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "observations": self._data.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._data.load_state_dict(state["observations"])
