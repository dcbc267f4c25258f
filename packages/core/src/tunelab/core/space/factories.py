"""Factory functions, the usual way to write a configuration space.

Example:
    >>> space = {
    ...     "lr": loguniform(1e-5, 1e-1),
    ...     "layers": randint(1, 4),
    ...     "units": lograndint(16, 1024),
    ...     "activation": choice(["relu", "tanh"]),
    ...     "batch_size": logfinrange(8, 256, 6, cast_int=True),
    ...     "epochs": 20,  # a constant, passed through unchanged
    ... }
"""

from __future__ import annotations

from collections.abc import Sequence

from tunelab.core.space.categorical import Categorical, Ordinal, OrdinalKind
from tunelab.core.space.domain import Value
from tunelab.core.space.finrange import FiniteRange
from tunelab.core.space.numeric import Float, Integer


def uniform(lower: float, upper: float) -> Float:
    """Real number uniform in `[lower, upper]`, both included (`lower < upper`)."""
    return Float(lower=lower, upper=upper)


def loguniform(lower: float, upper: float) -> Float:
    """Real number in `[lower, upper]` whose log is uniform (`0 < lower < upper`).

    Suits parameters spanning orders of magnitude, such as learning rates.
    """
    return Float(lower=lower, upper=upper, log=True)


def randint(lower: int, upper: int) -> Integer:
    """Integer uniform in `lower, ..., upper`; unlike `range`, `upper` is included."""
    return Integer(lower=lower, upper=upper)


def lograndint(lower: int, upper: int) -> Integer:
    """Integer in `lower, ..., upper` (both included, `lower >= 1`), log-uniform.

    Drawn as the rounded exp of a uniform value in `[log(lower - 0.5), log(upper + 0.5)]`.
    """
    return Integer(lower=lower, upper=upper, log=True)


def choice(categories: Sequence[Value]) -> Categorical:
    """One of `categories` (distinct str/int/float/bool values), each equally likely.

    The categories are one-hot encoded, which hides any order: for numbers prefer
    `finrange`, `logfinrange`, `ordinal` or `logordinal`.
    """
    return Categorical(categories=categories)


def ordinal(categories: Sequence[Value], kind: OrdinalKind = "auto") -> Ordinal:
    """One of `categories`, whose order matters: nearby members get nearby encodings.

    Args:
        categories: Distinct values, in their order.
        kind: "equal" (each member equally likely, encoded by position), "nn"
            (strictly increasing numbers, encoded by value, nearest-neighbour decoding),
            "nn-log" (as "nn" in log scale) or "auto" ("nn" for strictly increasing
            numbers, else "equal"). See `Ordinal`.
    """
    return Ordinal(categories=categories, kind=kind)


def logordinal(categories: Sequence[Value]) -> Ordinal:
    """`ordinal(categories, kind="nn-log")`: positive, strictly increasing numbers."""
    return Ordinal(categories=categories, kind="nn-log")


def finrange(lower: float, upper: float, size: int, cast_int: bool = False) -> FiniteRange:
    """`size` (>= 2) equally spaced values from `lower` to `upper`, both included.

    `finrange(0.5, 1.5, 3)` is `0.5, 1.0, 1.5`; with `cast_int=True` the values are
    ints (and must then be distinct after rounding).
    """
    return FiniteRange(lower=lower, upper=upper, size=size, cast_int=cast_int)


def logfinrange(lower: float, upper: float, size: int, cast_int: bool = False) -> FiniteRange:
    """`size` (>= 2) values from `lower` to `upper` (`lower > 0`), equally spaced in log
    scale: `logfinrange(8, 256, 6, cast_int=True)` is `8, 16, 32, 64, 128, 256`."""
    return FiniteRange(lower=lower, upper=upper, size=size, log=True, cast_int=cast_int)
