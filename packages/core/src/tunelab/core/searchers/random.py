"""Random search: the baseline every method must beat."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.searchers._base import BuiltinSearcher, SearcherOptions
from tunelab.core.searchers._block_draws import BlockDraws
from tunelab.core.searchers._keys import ConfigKeys
from tunelab.core.space import (
    Domain,
    config_key,
    config_keys,
    grid_configs,
    validate_configs,
)
from tunelab.core.trial import Config

if TYPE_CHECKING:
    from typing_extensions import Unpack

# Below this many configurations, a finite space is enumerated once so that the last
# unused configurations are found directly instead of by rejection sampling.
_ENUMERATE_LIMIT = 100_000
_MAX_REJECTIONS = 100


class RandomSearcher(BuiltinSearcher):
    """Samples each hyperparameter independently from its domain.

    Initial configurations (`points_to_evaluate`) come first. Suggestions never repeat
    a configuration already suggested: in a finite space this is guaranteed, and the
    searcher returns None once every configuration has been suggested; in an infinite
    space repeats are retried away.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `BuiltinSearcher`. Restricted, the searcher draws the members without
            repetition (members registered as pending count as drawn) and is
            exhausted after them.
    """

    def __init__(self, config_space: dict[str, Any], **options: Unpack[SearcherOptions]) -> None:
        # A restricted searcher walks a random permutation of the members as given
        # (duplicates included) instead of the base's candidate pool; its state is the
        # permutation's seed and the position, never the list itself.
        restrict_to = options.pop("restrict_to", None)
        super().__init__(config_space, **options)
        self._keys = ConfigKeys(self.config_space)
        # (name, entry, whether it is a domain), for drawing as `sample_config` draws
        self._entries = [
            (name, entry, isinstance(entry, Domain)) for name, entry in self.config_space.items()
        ]
        # the repeated draws a block at a time, when the space allows
        self._blocks = BlockDraws.of(self.config_space)
        self._restricted = restrict_to is not None
        self._unused: list[Config] | None = None
        self._members: list[Config] = []
        self._order: np.ndarray | None = None
        self._order_seed = int(self._rng.integers(2**63))
        self._position = 0
        # hyperparameter key -> key of the member, for `register_pending`
        self._member_keys: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        if restrict_to is not None:
            self._members = validate_configs(self.config_space, restrict_to)
            keys = config_keys(self._members)
            self._size = len(set(keys))
            tuned = config_keys(self._members, self._names)
            for tuned_key, key in zip(tuned, keys, strict=True):
                self._member_keys.setdefault(tuned_key, key)

    def suggest(self, trial_id: int) -> Config | None:
        while self._pending_initial:
            config = self._pending_initial.pop(0)
            if self._mark_new(config):
                return config
        if self._size is not None and len(self._seen) >= self._size:
            return None
        if self._restricted:
            return self._suggest_from_pool()
        drawn = self._draw_unused()
        if drawn is not None:
            return drawn
        if self._size is not None and self._size <= _ENUMERATE_LIMIT:
            return self._suggest_unused()
        # An infinite (or huge) space that keeps repeating is essentially exhausted.
        return None

    def register_pending(self, trial_id: int, config: Config) -> None:
        """With `restrict_to`, a member being evaluated counts as used."""
        if not self._restricted:
            return
        key = self._member_keys.get(config_key({n: config[n] for n in self._names if n in config}))
        if key is not None:
            self._seen.add(key)

    def _draw_unused(self) -> Config | None:
        """The first unused one of up to `_MAX_REJECTIONS` draws, or None.

        Where the space allows, `BlockDraws` draws: the same draws, and the same
        generator state after them, for less (from the first draw on: its decoding
        steps cost about what 20 draws save).
        """
        if self._blocks is not None:
            found = self._blocks.first_unused(self._rng, self._seen, _MAX_REJECTIONS)
            if found is None:
                return None
            config, key = found
            self._seen.add(key)
            return config
        for _ in range(_MAX_REJECTIONS):
            config = self._sample()
            if self._mark_new(config):
                return config
        return None

    def _sample(self) -> Config:
        """`sample_config(self.config_space, self._rng)`: the same draws in the same order,
        without asking each entry whether it is a domain."""
        rng = self._rng
        return {
            name: entry.sample(rng) if is_domain else copy.deepcopy(entry)
            for name, entry, is_domain in self._entries
        }

    def _mark_new(self, config: Config) -> bool:
        key = self._keys(config)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _suggest_from_pool(self) -> Config | None:
        if self._order is None:
            self._order = np.random.default_rng(self._order_seed).permutation(len(self._members))
        while self._position < len(self._members):
            config = self._members[int(self._order[self._position])]
            self._position += 1
            if self._mark_new(config):
                return dict(config)
        return None

    def _suggest_unused(self) -> Config | None:
        if self._unused is None:
            # the same list either way; `BlockDraws` keys from the members' key parts
            self._unused = (
                self._blocks.unused(self._seen)
                if self._blocks is not None
                else [
                    config
                    for config in grid_configs(self.config_space, _ENUMERATE_LIMIT)
                    if self._keys(config) not in self._seen
                ]
            )
        while self._unused:
            index = int(self._rng.integers(len(self._unused)))
            self._unused[index], self._unused[-1] = self._unused[-1], self._unused[index]
            config = self._unused.pop()
            if self._mark_new(config):
                return config
        return None

    def state_dict(self) -> dict[str, Any]:
        state = {
            **super().state_dict(),
            "order_seed": self._order_seed,
            "position": self._position,
        }
        if self._unused is not None:
            # the enumeration of a nearly exhausted finite space, in its current order:
            # rebuilt from `seen` it would be ordered differently and draw other configs
            state["unused"] = [dict(c) for c in self._unused]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        unused = state.get("unused")
        self._unused = None if unused is None else [dict(c) for c in unused]
        self._order_seed = int(state["order_seed"])
        self._position = int(state["position"])
        self._order = None
