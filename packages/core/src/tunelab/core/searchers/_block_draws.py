"""`BlockDraws`: `RandomSearcher`'s repeated draws, a block at a time, with the same outcome."""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import product, repeat
from typing import Any

import numpy as np

from tunelab.core.space import Domain, Ordinal, config_key
from tunelab.core.trial import Config

# While about this many draws or fewer are expected per unused configuration, they are
# drawn a row at a time: a row costs a fraction of what the block's fixed costs do
# (saving and rewinding the generator, one array call per column).
_ROWS_ONE_AT_A_TIME = 8.0
# Weight of the latest call in the running mean of the draws per call.
_RECENT = 0.25


class BlockDraws:
    """Draws configurations of a space until an unused one comes, for a fraction of the
    cost of `sample_config` and `config_key` per draw, and leaves the generator exactly
    as one `sample_config` after another would.

    It applies when every domain of the space draws its value from exactly one
    `rng.random()` double (an `Ordinal` of kind "nn" or "nn-log"; constants draw
    nothing): a row of doubles (the order of the single draws) is decoded through
    `Ordinal._decode_steps` (the members `_decode_unit` gives) and keyed from the key
    parts of the members, worked out once. While few draws are expected per unused
    configuration the rows come one at a time; in a nearly used-up space, where most
    draws are repeats, they come as one block (a single `rng.random` call, decoded a
    column at a time), and when an unused row comes before the last the generator is
    rewound and advanced by the doubles up to that row, so that every later draw is the
    one the single draws would have made.

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
        self._size = math.prod(len(m) for m in self._members)
        # running mean of the draws per `first_unused` call (None before the first)
        self._rows_per_call: float | None = None
        self._decode_steps: list[np.ndarray] | None = None
        self._step_lists: list[list[float]] = []

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

        Args:
            rng: The generator; left as after the draws up to the one returned (after
                all `draws` when None).
            seen: Keys (`config_key`) of the configurations used so far.
            draws: Most configurations to draw.
        """
        # Only the cost depends on the way, never the decisions: rows while few draws
        # are expected, else a block. Members are not equally likely, so the used
        # share of the configurations understates the draws: recent calls tell.
        expected = self._rows_per_call
        if expected is None:
            expected = self._size / max(self._size - len(seen), 1)
        if expected <= _ROWS_ONE_AT_A_TIME:
            found, rows = self._by_rows(rng, seen, draws)
        else:
            found, rows = self._by_block(rng, seen, draws)
        self._rows_per_call = (1 - _RECENT) * expected + _RECENT * rows
        return found

    def unused(self, seen: set[tuple[Any, ...]]) -> list[Config]:
        """The configurations of the space whose keys are not in `seen`, in the order of
        `grid_configs` (the first domain varies slowest), each a new dict."""
        rows = product(*(range(len(m)) for m in self._members))
        return [self._config(row) for row in rows if self._key(row) not in seen]

    def _by_rows(
        self, rng: np.random.Generator, seen: set[tuple[Any, ...]], draws: int
    ) -> tuple[tuple[Config, tuple[Any, ...]] | None, int]:
        """`first_unused` a row at a time (each row's doubles in one call, decoded by
        bisection on the steps), and the rows drawn."""
        steps = self._lists()
        width = len(steps)
        for drawn in range(1, draws + 1):
            row = list(map(bisect_right, steps, rng.random(width).tolist()))
            key = self._key(row)
            if key not in seen:
                return (self._config(row), key), drawn
        return None, draws

    def _by_block(
        self, rng: np.random.Generator, seen: set[tuple[Any, ...]], draws: int
    ) -> tuple[tuple[Config, tuple[Any, ...]] | None, int]:
        """`first_unused` as one block of `draws` rows, and the rows up to the unused
        one: a block's cost hardly grows with its rows (only the rows up to the unused
        one are keyed), and a second block would cost as much as the first."""
        width = len(self._domains)
        saved = rng.bit_generator.state
        units = rng.random((draws, width))
        columns = [
            steps.searchsorted(units[:, j], "right").tolist()
            for j, steps in enumerate(self._steps())
        ]
        found = _first_new(self._keys(columns), seen)
        if found is None:
            return None, draws
        row, key = found
        if row < draws - 1:
            rng.bit_generator.state = saved
            rng.random((row + 1) * width)
        return (self._config([column[row] for column in columns]), key), row + 1

    def _steps(self) -> list[np.ndarray]:
        """`Ordinal._decode_steps` of each domain, worked out at the first draw."""
        if self._decode_steps is None:
            self._decode_steps = [d._decode_steps() for d in self._domains]
            self._step_lists = [steps.tolist() for steps in self._decode_steps]
        return self._decode_steps

    def _lists(self) -> list[list[float]]:
        """The steps as lists, for `bisect_right`."""
        self._steps()
        return self._step_lists

    def _key(self, positions: list[int] | tuple[int, ...]) -> tuple[Any, ...]:
        """The key of one row, from its member position in each column."""
        return tuple(
            [part if column is None else part[positions[column]] for column, part in self._parts]
        )

    def _keys(self, columns: list[list[int]]) -> Iterator[tuple[Any, ...]]:
        """The key of each row, from the member positions drawn in each column."""
        streams = [
            repeat(part) if column is None else map(part.__getitem__, columns[column])
            for column, part in self._parts
        ]
        return zip(*streams, strict=False)  # a constant's `repeat` never ends

    def _config(self, positions: list[int] | tuple[int, ...]) -> Config:
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
