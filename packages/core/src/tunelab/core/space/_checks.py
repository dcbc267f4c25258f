"""Argument checks and value matching shared by the domain classes (internal)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

MEMBER_REL_TOL = 1e-9
"""Relative tolerance under which a number is taken to equal a member of a finite set."""


def as_python(value: Any) -> Any:
    """Return `value` with a numpy scalar replaced by the equivalent Python scalar."""
    return value.item() if isinstance(value, np.generic) else value


def is_number(value: Any) -> bool:
    """True for int and float values, False for bool (which subclasses int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def real_arg(value: Any, *, where: str, arg: str) -> float:
    """Check that a constructor argument is a finite real number; return it as float."""
    v = as_python(value)
    if not is_number(v):
        raise TypeError(
            f"{where}: {arg} must be a real number, got {value!r} ({type(value).__name__})"
        )
    if not math.isfinite(v):
        raise ValueError(f"{where}: {arg} must be finite, got {v!r}")
    return float(v)


def int_arg(value: Any, *, where: str, arg: str) -> int:
    """Check that a constructor argument is an integer (or an integral float)."""
    v = as_python(value)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(
            f"{where}: {arg} must be an integer, got {value!r} ({type(value).__name__})"
        )
    return v


def check_interval(lower: float, upper: float, *, log: bool, where: str) -> None:
    """Check the real bounds of a domain: `lower < upper`, and `lower > 0` in log scale."""
    if log and lower <= 0:
        raise ValueError(f"{where}: lower must be > 0, got {lower!r}")
    if not lower < upper:
        raise ValueError(f"{where}: lower must be < upper, got lower={lower!r}, upper={upper!r}")


def count_arg(n: Any, *, where: str, minimum: int) -> int:
    """Check a count such as the `n` of `sample_many` or `grid`."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"{where}: n must be an integer, got {n!r} ({type(n).__name__})")
    if n < minimum:
        raise ValueError(f"{where}: n must be >= {minimum}, got {n}")
    return int(n)


def parse_number(value: Any) -> int | float | None:
    """Interpret `value` as a number, numeric strings included; None if it is none."""
    v = as_python(value)
    if is_number(v):
        number: int | float = v
        return number
    if isinstance(v, str):
        text = v.strip()
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                pass
    return None


def _same_kind(a: Any, b: Any) -> bool:
    # bool and str never match a number, even where Python's == says True == 1.
    return isinstance(a, bool) == isinstance(b, bool) and isinstance(a, str) == isinstance(b, str)


def find_member(value: Any, members: Sequence[Any]) -> int | None:
    """Index of the member `value` stands for, or None.

    Tried in turn: an exact match of the same kind (numbers match numbers, so 1 matches
    1.0); a string equal to a member's `str`; a number (or numeric string) within a
    relative `MEMBER_REL_TOL` of a numeric member, the closest winning.
    """
    v = as_python(value)
    for i, member in enumerate(members):
        if _same_kind(v, member) and v == member:
            return i
    if isinstance(v, str):
        for i, member in enumerate(members):
            if not isinstance(member, str) and str(member) == v.strip():
                return i
    number = None if isinstance(v, bool) else parse_number(v)
    if number is None or not math.isfinite(number):
        return None
    close = [
        (abs(member - number), i)
        for i, member in enumerate(members)
        if is_number(member) and math.isclose(member, number, rel_tol=MEMBER_REL_TOL)
    ]
    return min(close)[1] if close else None


def round_half_down(x: float) -> int:
    """Nearest integer to `x`; a tie goes to the smaller one (2.5 -> 2)."""
    return math.ceil(x - 0.5)


def to_scale(value: float, log: bool) -> float:
    """Map a value to the space in which its domain is uniform."""
    return math.log(value) if log else value


def from_scale(t: float, log: bool) -> float:
    """Inverse of `to_scale`."""
    return math.exp(t) if log else t
