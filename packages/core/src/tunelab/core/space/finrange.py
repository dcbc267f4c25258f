"""`FiniteRange`: `size` equally spaced numbers (finrange, logfinrange)."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tunelab.core.space._bounded import BoundedDomain
from tunelab.core.space._checks import (
    check_interval,
    count_arg,
    int_arg,
    real_arg,
    round_half_down,
)
from tunelab.core.space._finite import FiniteDomain


def _spaced_values(
    lower: float, upper: float, size: int, *, log: bool, cast_int: bool
) -> list[Any]:
    """`size` values from `lower` to `upper`, equally spaced in linear or log scale."""
    ts = (
        np.linspace(math.log(lower), math.log(upper), size)
        if log
        else np.linspace(lower, upper, size)
    )
    raw = np.exp(ts) if log else ts
    inner = [float(v) for v in raw[1:-1]]
    if cast_int:
        return [int(lower), *(round_half_down(v) for v in inner), int(upper)]
    # 12 significant digits turn 0.30000000000000004 into 0.3; the bounds stay exact.
    rounded = [float(f"{v:.12g}") for v in inner]
    candidate = [lower, *rounded, upper]
    if all(a < b for a, b in pairwise(candidate)):
        return candidate
    return [lower, *inner, upper]


class FiniteRange(FiniteDomain, BoundedDomain[float | int]):
    """`size` numbers from `lower` to `upper` (both included), equally spaced in linear
    or log scale; with `cast_int` the values are rounded to int.

    Every value is equally likely. Value `i` of `size` is encoded as `i / (size - 1)`
    (its place in `[lower, upper]` in the domain's scale, as for `Float`), and `decode`
    returns the value with the nearest place. Build it with `finrange` or `logfinrange`.
    """

    _FACTORIES = ("finrange", "logfinrange")
    _members: tuple[float | int, ...]

    def __init__(
        self,
        *,
        lower: float,
        upper: float,
        size: int,
        log: bool = False,
        cast_int: bool = False,
    ) -> None:
        where = self._factory(log)
        lo = real_arg(lower, where=where, arg="lower")
        hi = real_arg(upper, where=where, arg="upper")
        count = int_arg(size, where=where, arg="size")
        if count < 2:
            raise ValueError(f"{where}: size must be >= 2, got {count} (use a constant instead)")
        check_interval(lo, hi, log=log, where=where)
        if cast_int and not (lo.is_integer() and hi.is_integer()):
            raise ValueError(
                f"{where}: with cast_int=True, lower and upper must be integers, "
                f"got lower={lo!r}, upper={hi!r}"
            )
        self._lower: float | int = int(lo) if cast_int else lo
        self._upper: float | int = int(hi) if cast_int else hi
        self._size, self._log, self._cast_int = count, bool(log), bool(cast_int)
        self._members = tuple(_spaced_values(lo, hi, count, log=self._log, cast_int=cast_int))
        if not all(a < b for a, b in pairwise(self._members)):
            raise ValueError(
                f"{where}: the {count} values from {lo!r} to {hi!r} are not distinct "
                f"(got {list(self._members)!r}); use a smaller size"
            )

    @property
    def cast_int(self) -> bool:
        """True if the values are ints."""
        return self._cast_int

    def grid(self, n: int) -> list[Any]:
        """All values if there are at most `n`, else `n` of them evenly spread (ends included)."""
        count = count_arg(n, where=f"{self!r}.grid", minimum=1)
        if self._size <= count:
            return list(self._members)
        if count == 1:
            return [self.midpoint()]
        places = np.linspace(0, self._size - 1, count)
        return [self._members[round_half_down(p)] for p in places]

    def encode(self, value: Any) -> np.ndarray:
        return np.array([self._members.index(self.cast(value)) / (self._size - 1)])

    def decode(self, x: ArrayLike) -> Any:
        return self._decode_unit(self._unit_point(x).tolist())

    def _decode_unit(self, unit: list[float]) -> Any:
        index = round_half_down(unit[0] * (self._size - 1))
        return self._members[min(max(index, 0), self._size - 1)]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "finrange",
            "lower": self._lower,
            "upper": self._upper,
            "size": self._size,
            "log": self._log,
            "cast_int": self._cast_int,
        }

    def _key(self) -> tuple[Any, ...]:
        return (self._lower, self._upper, self._size, self._log, self._cast_int)

    def __repr__(self) -> str:
        suffix = ", cast_int=True" if self._cast_int else ""
        return f"{self._factory(self._log)}({self._lower!r}, {self._upper!r}, {self._size}{suffix})"
