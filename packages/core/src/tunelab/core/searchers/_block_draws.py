"""`BlockDraws`: `RandomSearcher`'s repeated draws, a block at a time, with the same outcome."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from itertools import repeat
from typing import Any

import numpy as np

from tunelab.core.space import Domain, Ordinal, config_key
from tunelab.core.trial import Config


class BlockDraws:
    """Draws configurations of a space as a block until an unused one comes, and leaves
    the generator exactly as one `sample_config` after another would.

    In a nearly used-up finite space most draws are repeats, and drawing and keying
    them one at a time costs more than the rest of a suggestion. When every domain of
    the space draws its value from exactly one `rng.random()` double (an `Ordinal` of
    kind "nn" or "nn-log"; constants draw nothing), the rows are drawn in one call
    (row-major: the order of the single draws), decoded a column at a time by
    `Ordinal._decode_steps` (which gives the members `_decode_unit` gives), and keyed
    from the key parts of the members, worked out once. When an unused row comes
    before the last, the generator is rewound and advanced by the doubles up to that
    row, so that every later draw is the one the single draws would have made.

    Build it with `BlockDraws.of(space)`.
    """

    def __init__(
        self,
        entries: list[tuple[str, Any, int | None]],
        domains: list[Ordinal],
        parts: list[tuple[int | None, Any]],
    ) -> None:
        # (name, constant or None, column of the domain or None), in the space's order
        self._entries = entries
        self._domains = domains
        self._members = [d.categories for d in domains]
        # in the key's order: (column, key part of each member) for a domain, or
        # (None, key part of the constant)
        self._parts = parts
        self._decode_steps: list[np.ndarray] | None = None

    @classmethod
    def of(cls, space: Mapping[str, Any]) -> BlockDraws | None:
        """Block draws for `space` (name -> domain or constant), or None unless every
        entry is a constant or an `Ordinal` of kind "nn"/"nn-log", at least one is a
        domain, and the names' texts (by which a key is ordered) differ."""
        labels = [str(name) for name in space]
        if len(set(labels)) != len(labels):
            return None
        domains: list[Ordinal] = []
        entries: list[tuple[str, Any, int | None]] = []
        for name, entry in space.items():
            if not isinstance(entry, Domain):
                entries.append((name, entry, None))
            elif type(entry) is Ordinal and entry.kind != "equal":
                entries.append((name, None, len(domains)))
                domains.append(entry)
            else:
                return None
        if not domains:
            return None
        parts: list[tuple[int | None, Any]] = []
        for name, constant, column in sorted(entries, key=lambda e: str(e[0])):
            if column is None:
                parts.append((None, config_key({name: constant})[0]))
            else:
                members = domains[column].categories
                parts.append((column, [config_key({name: m})[0] for m in members]))
        return cls(entries, domains, parts)

    def first_unused(
        self, rng: np.random.Generator, seen: set[tuple[Any, ...]], draws: int
    ) -> tuple[Config, tuple[Any, ...]] | None:
        """The first of up to `draws` configurations drawn from `rng` whose key is not in
        `seen`, with that key; None if every key was in `seen`.

        All `draws` rows are drawn as one block: a block's cost hardly grows with its
        rows (only the rows up to the unused one are keyed), and a second block would
        cost as much as the first.

        Args:
            rng: The generator; left as after the draws up to the one returned (after
                all `draws` when None).
            seen: Keys (`config_key`) of the configurations used so far.
            draws: Most configurations to draw.
        """
        width = len(self._domains)
        saved = rng.bit_generator.state
        units = rng.random((draws, width))
        columns = [
            np.searchsorted(steps, units[:, j], side="right").tolist()
            for j, steps in enumerate(self._steps())
        ]
        found = _first_new(self._keys(columns), seen)
        if found is None:
            return None
        row, key = found
        if row < draws - 1:
            rng.bit_generator.state = saved
            rng.random((row + 1) * width)
        return self._config([column[row] for column in columns]), key

    def _steps(self) -> list[np.ndarray]:
        """`Ordinal._decode_steps` of each domain, worked out at the first block (they
        cost about a millisecond, which a space never nearly used up need not pay)."""
        if self._decode_steps is None:
            self._decode_steps = [d._decode_steps() for d in self._domains]
        return self._decode_steps

    def _keys(self, columns: list[list[int]]) -> Iterator[tuple[Any, ...]]:
        """The key of each row, from the member positions drawn in each column."""
        streams = [
            repeat(part) if column is None else map(part.__getitem__, columns[column])
            for column, part in self._parts
        ]
        return zip(*streams, strict=False)  # a constant's `repeat` never ends

    def _config(self, positions: list[int]) -> Config:
        """The configuration of a row, from its member position in each column."""
        return {
            name: copy.deepcopy(constant)
            if column is None
            else self._members[column][positions[column]]
            for name, constant, column in self._entries
        }


def _first_new(
    keys: Iterator[tuple[Any, ...]], seen: set[tuple[Any, ...]]
) -> tuple[int, tuple[Any, ...]] | None:
    """The position and the key of the first of `keys` not in `seen`."""
    for row, key in enumerate(keys):
        if key not in seen:
            return row, key
    return None
