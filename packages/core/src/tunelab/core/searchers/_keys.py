"""`ConfigKeys`: `config_key` of the configurations of one space, at a fraction of its cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunelab.core.space import Domain, config_key

# Values whose key part depends on their type and value only (checked by `_memoizable`):
# the types of the members of finite domains.
_SCALARS = (str, int, float, bool)
# Largest number of values remembered per entry; further ones are keyed each time.
_MEMO_LIMIT = 4096


class ConfigKeys:
    """`config_key(config)`, faster for configurations of `space` (its entries, no others).

    A searcher keys every configuration it draws, to tell used ones apart; in a nearly
    used-up finite space most draws are repeats, and working out a key (a formatted
    float per value) costs more than the draw. Here the key part of each value of a
    constant or of a finite domain is worked out once and remembered (at most
    `_MEMO_LIMIT` per entry), and the entries are put in the key's order once. Any
    configuration with other entries takes `config_key` itself: the key is always
    `config_key(config)`.

    Args:
        space: Hyperparameter name -> domain or constant.
    """

    def __init__(self, space: Mapping[str, Any]) -> None:
        labels = [str(name) for name in space]
        # `config_key` sorts (label, part) pairs: with distinct labels, by label alone
        self._fast = len(set(labels)) == len(labels)
        self._size = len(labels)
        items = list(space.items())
        self._entries: list[tuple[str, dict[tuple[type, Any], tuple[str, Any]] | None]] = [
            (items[i][0], {} if _remembers(items[i][1]) else None)
            for i in sorted(range(len(items)), key=labels.__getitem__)
        ]

    def __call__(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        """`config_key(config)`."""
        if not self._fast or len(config) != self._size:
            return config_key(config)
        pairs = []
        for name, memo in self._entries:
            if name not in config:  # another entry instead: not a configuration of the space
                return config_key(config)
            value = config[name]
            if memo is None or not _memoizable(value):
                pairs.append(config_key({name: value})[0])
                continue
            seen = (type(value), value)
            pair = memo.get(seen)
            if pair is None:
                pair = config_key({name: value})[0]
                if len(memo) < _MEMO_LIMIT:
                    memo[seen] = pair
            pairs.append(pair)
        return tuple(pairs)


def _remembers(entry: Any) -> bool:
    """Whether `entry` takes finitely many values (a constant, or a finite domain)."""
    return not isinstance(entry, Domain) or entry.size is not None


def _memoizable(value: Any) -> bool:
    """Whether `value`'s key part follows from its type and value: plain scalars, but
    not a float zero (`-0.0 == 0.0`, yet each keeps its sign in its key)."""
    kind = type(value)
    return kind in _SCALARS and not (kind is float and value == 0.0)
