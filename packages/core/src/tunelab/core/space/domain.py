"""The `Domain` ABC: the set of values one hyperparameter may take, and its encoding."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from tunelab.core.space._checks import count_arg

Value: TypeAlias = bool | int | float | str
"""A hyperparameter value: always a plain Python scalar, never a numpy one."""


class Domain(ABC):
    """Base class of every hyperparameter domain.

    A domain knows its values (`cast`, `is_valid`, `values`, `size`), how to draw them
    (`sample`, `sample_many`, `grid`, `midpoint`) and how to map them to and from the
    unit cube `[0, 1]^encoded_dim` in which model-based searchers work (`encode`,
    `decode`). `decode` accepts any point of the cube, clipping what lies outside,
    and `decode(encode(v)) == v` holds for every member `v` (for `Float` up to
    floating-point rounding).

    Domains are immutable, hashable and compare equal when they describe the same
    set with the same encoding.
    """

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Value:
        """Draw one value from the domain's distribution using `rng`."""

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Value]:
        """Draw `n` independent values (a list of length `n`)."""
        count = count_arg(n, where=f"{self!r}.sample_many", minimum=0)
        return [self.sample(rng) for _ in range(count)]

    @abstractmethod
    def cast(self, value: Any) -> Value:
        """Convert `value` to the domain's member it stands for.

        Raises:
            ValueError: `value` is not (convertible to) a member; the message names
                the value and the domain.
        """

    def is_valid(self, value: Any) -> bool:
        """True if `cast(value)` succeeds."""
        try:
            self.cast(value)
        except ValueError:
            return False
        return True

    @abstractmethod
    def values(self) -> list[Value] | None:
        """All members in increasing (or declared) order; None if infinitely many."""

    @property
    @abstractmethod
    def size(self) -> int | None:
        """Number of members; None if infinitely many."""

    @abstractmethod
    def grid(self, n: int) -> list[Value]:
        """About `n` members spread evenly over the domain (see the subclasses)."""

    def midpoint(self) -> Value:
        """The member in the middle of the domain (a default for partial configs)."""
        return self.decode(np.full(self.encoded_dim, 0.5))

    @property
    def log(self) -> bool:
        """True if the domain is uniform on a log scale."""
        return False

    @property
    def encoded_dim(self) -> int:
        """Length of the vector `encode` returns."""
        return 1

    @abstractmethod
    def encode(self, value: Any) -> np.ndarray:
        """Map a member to a point of the unit cube.

        Returns:
            Array of shape `(encoded_dim,)` with entries in `[0, 1]`.

        Raises:
            ValueError: `value` is not a member (see `cast`).
        """

    @abstractmethod
    def decode(self, x: ArrayLike) -> Value:
        """Map any point `x` of shape `(encoded_dim,)` to a member (clipping to [0, 1])."""

    def _decode_unit(self, u: list[float]) -> Value:
        """`decode` of a point already checked and clipped to the unit cube, given as a
        list of `encoded_dim` floats: the fast path of `SpaceEncoder.decode`.

        The built-in domains implement `decode` through it, so both agree exactly.
        """
        return self.decode(np.asarray(u, dtype=float))

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict with a "type" tag; see `domain_from_json`."""

    @abstractmethod
    def _key(self) -> tuple[Any, ...]:
        """Everything that identifies the domain, for `__eq__` and `__hash__`."""

    @abstractmethod
    def __repr__(self) -> str:
        """The factory call that builds the domain, e.g. `loguniform(0.0001, 0.1)`."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Domain):
            return NotImplemented
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def _unit_point(self, x: ArrayLike) -> np.ndarray:
        """Check the shape of a point to decode and clip it to the unit cube."""
        point = np.asarray(x, dtype=float)
        if point.ndim == 0 and self.encoded_dim == 1:
            point = point.reshape(1)
        if point.shape != (self.encoded_dim,):
            raise ValueError(
                f"{self!r}.decode: expected an array of shape ({self.encoded_dim},), "
                f"got shape {point.shape}"
            )
        if np.isnan(point).any():
            raise ValueError(f"{self!r}.decode: x must not contain NaN, got {point}")
        clipped: np.ndarray = np.clip(point, 0.0, 1.0)
        return clipped

    def _invalid(self, value: Any, expected: str) -> ValueError:
        """The error `cast` raises, naming the value, the domain and what was expected."""
        return ValueError(f"{value!r} is not a valid value of {self!r}: expected {expected}")
