"""`BoundedDomain`: the shared part of the numeric domains between two bounds (internal)."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from tunelab.core.space.domain import Domain

N = TypeVar("N", bound=float)
"""The type of the bounds: float, int, or either (`FiniteRange`)."""


class BoundedDomain(Domain, Generic[N]):
    """Numbers from `lower` to `upper`, both included, uniform in linear or log scale.

    The base of `Float`, `Integer` and `FiniteRange`: a subclass sets `_lower`,
    `_upper` and `_log` in its constructor and names its two factories in
    `_FACTORIES`, which serve as the `where` of its argument errors and its `repr`.
    """

    _FACTORIES: ClassVar[tuple[str, str]]
    """The factories that build the domain: (linear scale, log scale)."""

    _lower: N
    _upper: N
    _log: bool

    @classmethod
    def _factory(cls, log: bool) -> str:
        """The name of the factory that builds the domain in the given scale."""
        linear, logarithmic = cls._FACTORIES
        return logarithmic if log else linear

    @property
    def lower(self) -> N:
        """Smallest member."""
        return self._lower

    @property
    def upper(self) -> N:
        """Largest member."""
        return self._upper

    @property
    def log(self) -> bool:
        return self._log
