"""Numeric interval domains: `Float` (uniform, loguniform) and `Integer` (randint, lograndint)."""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from tunelab.core.space._bounded import BoundedDomain, N
from tunelab.core.space._checks import (
    check_interval,
    count_arg,
    from_scale,
    int_arg,
    parse_number,
    real_arg,
    round_half_down,
    to_scale,
)

_BOUND_REL_TOL = 1e-9
"""`Float.cast` accepts values this far outside the bounds (relative to the width)
and clips them, so that round-off from arithmetic or printing is no error."""

_MAX_INT_BOUND = 2**53
"""Integers up to this magnitude are exactly representable as floats."""


class _Interval(BoundedDomain[N]):
    """The shared part of `Float` and `Integer`: draws and encoding go through the
    interval `[_t_lower, _t_upper]` of the domain's scale, which the encoding maps
    onto `[0, 1]` and `_from_scale` maps back to members.

    A subclass sets `_t_lower` and `_t_upper` in its constructor and names its
    `to_json` type tag in `_TAG`.
    """

    _TAG: ClassVar[str]
    """The "type" tag of `to_json`."""

    _t_lower: float
    _t_upper: float

    @abstractmethod
    def cast(self, value: Any) -> N:
        """Convert `value` to the member it stands for (see `Domain.cast`)."""

    @abstractmethod
    def _from_scale(self, t: float) -> N:
        """The member at `t`, a point of the domain's scale (clipped to the bounds)."""

    def sample(self, rng: np.random.Generator) -> N:
        return self._from_scale(rng.uniform(self._t_lower, self._t_upper))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Any]:
        count = count_arg(n, where=f"{self!r}.sample_many", minimum=0)
        return [self._from_scale(t) for t in rng.uniform(self._t_lower, self._t_upper, count)]

    def _spread(self, count: int) -> list[N]:
        """`count` (>= 2) members evenly spaced in the domain's scale, bounds included."""
        ts = np.linspace(to_scale(self._lower, self._log), to_scale(self._upper, self._log), count)
        return [self._lower, *(self._from_scale(t) for t in ts[1:-1]), self._upper]

    def encode(self, value: Any) -> np.ndarray:
        t = to_scale(self.cast(value), self._log)
        x = (t - self._t_lower) / (self._t_upper - self._t_lower)
        return np.array([min(max(x, 0.0), 1.0)])

    def decode(self, x: ArrayLike) -> N:
        return self._decode_unit(self._unit_point(x).tolist())

    def _decode_unit(self, u: list[float]) -> N:
        return self._from_scale(self._t_lower + u[0] * (self._t_upper - self._t_lower))

    def to_json(self) -> dict[str, Any]:
        return {"type": self._TAG, "lower": self._lower, "upper": self._upper, "log": self._log}

    def _key(self) -> tuple[Any, ...]:
        return (self._lower, self._upper, self._log)

    def __repr__(self) -> str:
        return f"{self._factory(self._log)}({self._lower!r}, {self._upper!r})"


class Float(_Interval[float]):
    """Real numbers in `[lower, upper]` (both included), uniform in linear or log scale.

    The encoding maps `lower` to 0 and `upper` to 1, linearly in the scale of the
    domain. Build it with `uniform` or `loguniform`.
    """

    _FACTORIES = ("uniform", "loguniform")
    _TAG = "float"

    def __init__(self, *, lower: float, upper: float, log: bool = False) -> None:
        where = self._factory(log)
        lo = real_arg(lower, where=where, arg="lower")
        hi = real_arg(upper, where=where, arg="upper")
        check_interval(lo, hi, log=log, where=where)
        self._lower, self._upper, self._log = lo, hi, bool(log)
        self._t_lower, self._t_upper = to_scale(lo, self._log), to_scale(hi, self._log)

    @property
    def size(self) -> int | None:
        return None

    def values(self) -> list[Any] | None:
        return None

    def cast(self, value: Any) -> float:
        """Convert `value` (a number or numeric string) to float within the bounds.

        Values outside by at most a relative 1e-9 of the width are clipped, not refused.
        """
        number = parse_number(value)
        if number is None or not math.isfinite(number):
            raise self._invalid(value, "a finite real number")
        slack = _BOUND_REL_TOL * (self._upper - self._lower)
        if not self._lower - slack <= number <= self._upper + slack:
            raise self._invalid(value, f"a number in [{self._lower!r}, {self._upper!r}]")
        return min(max(float(number), self._lower), self._upper)

    def grid(self, n: int) -> list[Any]:
        """`n` values evenly spaced in the domain's scale, both bounds included."""
        count = count_arg(n, where=f"{self!r}.grid", minimum=1)
        if count == 1:
            return [self.midpoint()]
        return self._spread(count)

    def _from_scale(self, t: float) -> float:
        return min(max(from_scale(float(t), self._log), self._lower), self._upper)


class Integer(_Interval[int]):
    """Integers `lower, ..., upper` (both included), uniform in linear or log scale.

    The encoding relaxes the domain to `[lower - 0.5, upper + 0.5]` (in log scale for
    `log=True`) mapped onto `[0, 1]`, so that every integer owns a cell of equal width
    in that scale; `decode` rounds to the integer whose cell contains the point (a
    tie goes to the smaller one). Log-scale sampling draws from the same relaxed
    interval. Build it with `randint` or `lograndint`.
    """

    _FACTORIES = ("randint", "lograndint")
    _TAG = "int"

    def __init__(self, *, lower: int, upper: int, log: bool = False) -> None:
        where = self._factory(log)
        lo = int_arg(lower, where=where, arg="lower")
        hi = int_arg(upper, where=where, arg="upper")
        for arg, bound in (("lower", lo), ("upper", hi)):
            if abs(bound) > _MAX_INT_BOUND:
                raise ValueError(f"{where}: |{arg}| must be <= 2**53, got {bound}")
        if log and lo < 1:
            raise ValueError(f"{where}: lower must be >= 1, got {lo}")
        if lo > hi:
            raise ValueError(f"{where}: lower must be <= upper, got lower={lo}, upper={hi}")
        self._lower, self._upper, self._log = lo, hi, bool(log)
        self._t_lower = to_scale(lo - 0.5, self._log)
        self._t_upper = to_scale(hi + 0.5, self._log)

    @property
    def size(self) -> int:
        return self._upper - self._lower + 1

    def values(self) -> list[Any]:
        """All integers from `lower` to `upper` (beware of very wide ranges)."""
        return list(range(self._lower, self._upper + 1))

    def sample(self, rng: np.random.Generator) -> int:
        if not self._log:
            return int(rng.integers(self._lower, self._upper + 1))
        return super().sample(rng)

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Any]:
        if not self._log:
            count = count_arg(n, where=f"{self!r}.sample_many", minimum=0)
            return [int(k) for k in rng.integers(self._lower, self._upper + 1, size=count)]
        return super().sample_many(rng, n)

    def cast(self, value: Any) -> int:
        """Convert an integral number or numeric string ("3", 3.0) to int in bounds."""
        number = parse_number(value)
        if number is None or not math.isfinite(number) or number != round(number):
            raise self._invalid(value, "an integer")
        k = round(number)
        if not self._lower <= k <= self._upper:
            raise self._invalid(value, f"an integer in [{self._lower}, {self._upper}]")
        return k

    def grid(self, n: int) -> list[Any]:
        """All members if there are at most `n`, else `n` points evenly spaced in the
        domain's scale (bounds included), rounded and deduplicated."""
        count = count_arg(n, where=f"{self!r}.grid", minimum=1)
        if self.size <= count:
            return self.values()
        if count == 1:
            return [self.midpoint()]
        return list(dict.fromkeys(self._spread(count)))

    def midpoint(self) -> int:
        """The integer nearest the middle of `[lower, upper]` (geometric middle if log)."""
        t_lo, t_hi = to_scale(self._lower, self._log), to_scale(self._upper, self._log)
        return self._from_scale((t_lo + t_hi) / 2)

    def _from_scale(self, t: float) -> int:
        k = round_half_down(from_scale(float(t), self._log))
        return min(max(k, self._lower), self._upper)
