"""Argument checks shared by the searchers; errors name the searcher and the value."""

from __future__ import annotations

import numbers
from typing import Any


def check_fraction(value: Any, *, where: str, arg: str, closed: bool) -> float:
    """Check that `value` is a number in [0, 1] (`closed`) or in (0, 1); return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {arg} must be a number, got {value!r}")
    number = float(value)
    inside = 0 <= number <= 1 if closed else 0 < number < 1
    if not inside:
        expected = "[0, 1]" if closed else "the open interval (0, 1)"
        raise ValueError(f"{where}: {arg} must lie in {expected}, got {value!r}")
    return number


def check_positive(value: Any, *, where: str, arg: str) -> float:
    """Check that `value` is a finite number > 0; return it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {arg} must be a number, got {value!r}")
    number = float(value)
    if not 0 < number < float("inf"):
        raise ValueError(f"{where}: {arg} must be a finite number > 0, got {value!r}")
    return number


def check_count(value: Any, *, where: str, arg: str, minimum: int) -> int:
    """Check that `value` is an int >= `minimum`; return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {arg} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{where}: {arg} must be >= {minimum}, got {value}")
    return int(value)
