"""`FiniteDomain`: the shared part of the domains listed by their members (internal)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.core.space._checks import count_arg, find_member
from tunelab.core.space.domain import Domain, Value


class FiniteDomain(Domain):
    """Finitely many members, kept in order in the tuple `_members`.

    The base of `Categorical`, `Ordinal` and `FiniteRange`: a subclass sets
    `_members` in its constructor. Values are matched to members by `find_member`
    (1.0 for 1, "1" for 1, numbers within a relative 1e-9), and every member is
    equally likely unless a subclass samples otherwise.
    """

    _members: tuple[Value, ...]

    @property
    def size(self) -> int:
        return len(self._members)

    def values(self) -> list[Value]:
        return list(self._members)

    def sample(self, rng: np.random.Generator) -> Value:
        return self._members[int(rng.integers(len(self._members)))]

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Value]:
        count = count_arg(n, where=f"{self!r}.sample_many", minimum=0)
        return [self._members[i] for i in rng.integers(len(self._members), size=count)]

    def cast(self, value: Any) -> Value:
        """The member `value` stands for (1.0 for 1, "1" for 1, ...)."""
        index = find_member(value, self._members)
        if index is None:
            raise self._invalid(value, f"one of {list(self._members)!r}")
        return self._members[index]

    def grid(self, n: int) -> list[Value]:
        """All members, whatever `n`."""
        count_arg(n, where=f"{self!r}.grid", minimum=1)
        return list(self._members)

    def midpoint(self) -> Value:
        """The member in the middle position (the lower one of two middles)."""
        return self._members[(len(self._members) - 1) // 2]
