"""Brackets of synchronous successive halving and Hyperband: rung sizes and levels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from tunelab.core.schedulers._levels import as_level, geometric_levels

# Geometric sizes such as 4/3 * 9 are computed in floating point; this slack keeps
# `ceil` from rounding 12.000000000000002 up to 13.
_SLACK = 1e-9


@dataclass(frozen=True)
class BracketRung:
    """One rung of a `Bracket`: `size` trials are evaluated up to resource `level`.

    A synchronisation point planned in advance; the results recorded at a rung of
    asynchronous Hyperband are `hyperband.rung.RungResults`.
    """

    size: int
    level: float


@dataclass(frozen=True)
class Bracket:
    """One round of successive halving: rungs of decreasing size at increasing levels.

    Rung 0 is filled with `rungs[0].size` new trials run up to `rungs[0].level`; once
    all of them reported there, the best `rungs[1].size` continue to `rungs[1].level`,
    and so on. Build one from `(size, level)` pairs:

        >>> Bracket.of((27, 1), (9, 3), (3, 9), (1, 27)).sizes
        (27, 9, 3, 1)

    Raises:
        ValueError: no rungs, a size that is not an integer >= 1 or that grows from
            one rung to the next, or levels that are not positive and increasing.
    """

    rungs: tuple[BracketRung, ...]

    def __post_init__(self) -> None:
        if not self.rungs:
            raise ValueError("a Bracket needs at least one rung, got none")
        for index, rung in enumerate(self.rungs):
            size, level = rung.size, rung.level
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(
                    f"rung {index} of {self!r}: size must be an int >= 1, got {size!r}"
                )
            if isinstance(level, bool) or not isinstance(level, (int, float)) or not level > 0:
                raise ValueError(f"rung {index} of {self!r}: level must be > 0, got {level!r}")
        for index in range(1, len(self.rungs)):
            before, after = self.rungs[index - 1], self.rungs[index]
            if after.size > before.size:
                raise ValueError(
                    f"rung sizes of {self!r} must not grow, got {before.size} then {after.size}"
                )
            if not after.level > before.level:
                raise ValueError(
                    f"rung levels of {self!r} must increase, got {before.level} then {after.level}"
                )

    @classmethod
    def of(cls, *pairs: tuple[int, float]) -> Bracket:
        """The bracket with rungs `(size, level)`, from the lowest level up."""
        rungs = []
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"a rung is a (size, level) pair, got {pair!r}")
            rungs.append(BracketRung(size=pair[0], level=as_level(pair[1])))
        return cls(tuple(rungs))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(rung.size for rung in self.rungs)

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(rung.level for rung in self.rungs)

    def __repr__(self) -> str:
        pairs = ", ".join(f"({rung.size}, {rung.level})" for rung in self.rungs)
        return f"Bracket.of({pairs})"


BracketLike: TypeAlias = Bracket | Sequence[tuple[int, float]]
"""A `Bracket`, or its `(size, level)` pairs."""


def to_bracket(value: BracketLike) -> Bracket:
    """Accept a `Bracket` or a sequence of `(size, level)` pairs."""
    if isinstance(value, Bracket):
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"a bracket is a Bracket or a list of (size, level) pairs, got {value!r}")
    return Bracket.of(*value)


def geometric_brackets(
    *,
    min_resource: float,
    max_resource: float,
    reduction_factor: float,
    num_brackets: int | None = None,
) -> list[Bracket]:
    """The brackets of Hyperband (Li et al., JMLR 2018) on a geometric level grid.

    With levels `r_0 < ... < r_S` from `geometric_levels`, bracket `s` (0-based) has
    `m = S + 1 - s` rungs at levels `r_s, ..., r_S`, and its rung `k` holds
    `ceil((S + 1) / m * eta**(m - 1 - k))` trials. Every bracket thus spends about the
    same total resource; bracket 0 is successive halving from `min_resource`. For
    r_min=1, r_max=27, eta=3: sizes 27/9/3/1, 12/4/2, 6/2 and 4.

    Args:
        min_resource: Lowest rung level (grace period), > 0.
        max_resource: Highest rung level, >= `min_resource`.
        reduction_factor: Ratio eta between successive levels, >= 2.
        num_brackets: The first this many brackets (default: all `S + 1`); 1 gives
            successive halving.
    """
    levels = geometric_levels(
        min_resource=min_resource, max_resource=max_resource, reduction_factor=reduction_factor
    )
    most = len(levels)
    if num_brackets is None:
        num_brackets = most
    if isinstance(num_brackets, bool) or not isinstance(num_brackets, int):
        raise ValueError(
            f"brackets must be an int, a list of brackets or None, got {num_brackets!r}"
        )
    if not 1 <= num_brackets <= most:
        raise ValueError(
            f"brackets={num_brackets} is out of range: the levels {levels} allow 1 to {most} "
            "geometric brackets"
        )
    brackets = []
    for offset in range(num_brackets):
        count = most - offset
        factor = most / count
        sizes = [
            math.ceil(factor * reduction_factor ** (count - 1 - k) - _SLACK) for k in range(count)
        ]
        brackets.append(Bracket(tuple(map(BracketRung, sizes, levels[offset:]))))
    return brackets
