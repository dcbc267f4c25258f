"""`BuiltinSearcher`: what every built-in searcher takes and keeps, and `SearcherOptions`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

import numpy as np

from tunelab.core._signatures import spell_out_options
from tunelab.core.searcher import Searcher
from tunelab.core.searchers._initial import initial_configs
from tunelab.core.space import CandidatePool, CandidateSet, config_space_size, hyperparameter_names
from tunelab.core.trial import Config


class SearcherOptions(TypedDict, total=False):
    """The options of `BuiltinSearcher`, for typing a subclass's `**options`."""

    points_to_evaluate: Sequence[Config] | None
    restrict_to: Sequence[Config] | None
    seed: int | np.random.Generator | None


class BuiltinSearcher(Searcher):
    """Base of the built-in searchers: the space, the seed and its generator, the initial
    configurations still to suggest, and the configurations used so far.

    A subclass constructor names the options it adds or gives another default, and
    passes the base's options it leaves unchanged on as `**options: Unpack[X]`, `X` a
    TypedDict of their names (`SearcherOptions`, or one extending it); a base option
    in neither is one the subclass fixes. At class creation the options of `X` are
    spelled out in the constructor's signature, with the base's defaults, so that
    `inspect.signature` (read by the method presets, the Hydra configurations and
    `help`) lists every option.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        points_to_evaluate: Configurations to evaluate first; partial ones are completed
            with domain midpoints (`[{}]` = the midpoint configuration).
        restrict_to: Suggest only these configurations (e.g. the rows of a tabulated
            benchmark); kept as a `CandidatePool` in `self._pool`.
        seed: Seed or generator for all randomness of the searcher.
    """

    config_space: dict[str, Any]

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        points_to_evaluate: Sequence[Config] | None = None,
        restrict_to: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.config_space = dict(config_space)
        self.seed = seed if isinstance(seed, int) else None
        self._rng = np.random.default_rng(seed)
        self._names = hyperparameter_names(self.config_space)
        self._pending_initial = initial_configs(self.config_space, points_to_evaluate)
        self._size = config_space_size(self.config_space)
        self._seen: set[tuple[Any, ...]] = set()
        self._pool: CandidatePool | None = None
        if restrict_to is not None:
            self._pool = CandidatePool(CandidateSet(self.config_space, restrict_to))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spell_out_options(cls)

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
        if self._pool is not None:
            self._pool.clear()
            for key in self._seen:
                self._pool.mark_key(key)
