"""`RungSystem`: the resource levels at which asynchronous Hyperband takes decisions."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tunelab.core.schedulers._levels import geometric_levels
from tunelab.core.schedulers.hyperband.brackets import bracket_probabilities

# Relative tolerance when comparing computed levels with max_resource.
_TOLERANCE = 1e-9


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


@dataclass(frozen=True)
class RungSystem:
    """Rung levels, promotion quantiles and brackets of asynchronous Hyperband.

    Trials are compared at *rung levels* (values of the resource, e.g. epochs):
    geometric `grace_period * reduction_factor**k` below `max_resource`, or the
    explicit `rung_levels`. `max_resource` is the final level, where trials end.

    At rung `r_j` (next level `r_{j+1}`), the promotion quantile is
    `q_j = r_j / r_{j+1}` (Li et al., 2020; it is `1 / reduction_factor` for
    geometric levels, larger below a `max_resource` that is not a power of it): a
    trial continues (or may be promoted) iff it ranks among the best
    `floor(q_j * n)` of the `n` results recorded at `r_j`.

    Bracket `b` (0 <= b < brackets) starts its trials at level `levels[b]`, so that
    they only compete from that rung on; `brackets=1` is asynchronous successive
    halving (ASHA). See `bracket_probabilities` for how brackets are drawn.

    Attributes:
        max_resource: Final resource level (> 0).
        grace_period: First rung level, for geometric levels (0 < grace_period <=
            max_resource). Ignored when `rung_levels` is given.
        reduction_factor: Ratio eta >= 2 between successive geometric levels; also
            shapes the bracket distribution.
        rung_levels: Explicit rung levels, positive, strictly increasing, at most
            `max_resource` (a last level equal to it is dropped).
        brackets: Number of brackets, 1 up to `len(levels)`; None for all of them
            (resolved to `len(levels)` on construction).
        levels: Derived: the rung levels followed by `max_resource`.
    """

    max_resource: float
    grace_period: float = 1
    reduction_factor: float = 3
    rung_levels: tuple[float, ...] | None = None
    brackets: int | None = 1
    levels: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        self._check_number("max_resource", self.max_resource)
        self._check_number("grace_period", self.grace_period)
        if not _is_number(self.reduction_factor) or not self.reduction_factor >= 2:
            raise ValueError(
                f"RungSystem: reduction_factor must be a number >= 2, got {self.reduction_factor!r}"
            )
        if self.rung_levels is None:
            if self.grace_period > self.max_resource:
                raise ValueError(
                    f"RungSystem: grace_period={self.grace_period!r} exceeds "
                    f"max_resource={self.max_resource!r}; the first rung must lie at or "
                    "below the maximum resource"
                )
            # Without the last level, as_level(max_resource): `levels` ends with
            # max_resource exactly as given.
            rungs = geometric_levels(
                min_resource=self.grace_period,
                max_resource=self.max_resource,
                reduction_factor=self.reduction_factor,
            )[:-1]
        else:
            rungs = self._explicit_levels(self.rung_levels)
            object.__setattr__(self, "rung_levels", tuple(self.rung_levels))
        object.__setattr__(self, "levels", (*rungs, self.max_resource))
        brackets = len(self.levels) if self.brackets is None else self.brackets
        object.__setattr__(self, "brackets", brackets)
        if isinstance(brackets, bool) or not isinstance(brackets, (int, np.integer)):
            raise ValueError(f"RungSystem: brackets must be an integer, got {brackets!r}")
        if not 1 <= brackets <= len(self.levels):
            raise ValueError(
                f"RungSystem: brackets={brackets} must lie between 1 and the number of "
                f"levels {len(self.levels)} (rung levels {list(rungs)} and max_resource "
                f"{self.max_resource!r})"
            )

    @staticmethod
    def _check_number(name: str, value: object) -> None:
        if not _is_number(value) or not value > 0:  # type: ignore[operator]
            raise ValueError(f"RungSystem: {name} must be a number > 0, got {value!r}")

    def _explicit_levels(self, rung_levels: Sequence[float]) -> list[float]:
        if isinstance(rung_levels, (str, bytes)) or not isinstance(rung_levels, Sequence):
            raise ValueError(
                f"RungSystem: rung_levels must be a list of numbers, got {rung_levels!r}"
            )
        levels = list(rung_levels)
        if not levels or not all(_is_number(v) and v > 0 for v in levels):
            raise ValueError(
                f"RungSystem: rung_levels must be a non-empty list of numbers > 0, got {levels}"
            )
        if any(b <= a for a, b in itertools.pairwise(levels)):
            raise ValueError(
                f"RungSystem: rung_levels must be strictly increasing, got {levels}; "
                f"sorted and without repeats: {sorted(set(levels))}"
            )
        if levels[-1] > self.max_resource:
            raise ValueError(
                f"RungSystem: the largest rung level {levels[-1]!r} exceeds "
                f"max_resource={self.max_resource!r}"
            )
        return levels[:-1] if levels[-1] == self.max_resource else levels

    @property
    def num_brackets(self) -> int:
        """The number of brackets (`brackets`, resolved when it was None)."""
        return len(self.levels) if self.brackets is None else int(self.brackets)

    @property
    def num_rungs(self) -> int:
        """Number of rung levels below `max_resource` (decision points)."""
        return len(self.levels) - 1

    @property
    def quantiles(self) -> tuple[float, ...]:
        """Promotion quantile `q_j = r_j / r_{j+1}` of each rung below `max_resource`."""
        return tuple(a / b for a, b in itertools.pairwise(self.levels))

    def slots(self, rung: int, num_results: int) -> int:
        """How many of `num_results` recorded at rung index `rung` may continue.

        `floor(q_j * n)` computed as `floor(n * r_j / r_{j+1})`, with a tolerance
        so that e.g. 3 results at levels 1 -> 3 give exactly one slot.
        """
        numerator = num_results * self.levels[rung]
        return math.floor(numerator / self.levels[rung + 1] + _TOLERANCE)

    def slots_by_cost(self, rung: int, costs: np.ndarray) -> int:
        """How many of the results at rung index `rung` may be promoted, weighed by cost.

        `costs` (shape (n,), the rung's results best first) holds what each trial
        cost to reach the rung. The answer is the largest `k` such that the best `k`
        cost at most `q_j` times all `n`: `sum(costs[:k]) <= q_j * sum(costs)`. Good
        trials that were cheap leave room for more promotions, expensive ones for
        fewer; with equal costs it is `slots(rung, n)`, and the same tolerance
        applies. A rung whose costs sum to 0 (no cost known) falls back to `slots`.
        """
        spent = np.cumsum(np.asarray(costs, dtype=float))
        num_results = len(spent)
        if num_results == 0 or not spent[-1] > 0:
            return self.slots(rung, num_results)
        # In units of "results": equal costs give 1, 2, ..., n, compared as in `slots`.
        # Divide first: `n / total` overflows when the total is subnormal.
        scaled = (spent / spent[-1]) * num_results
        limit = num_results * self.levels[rung] / self.levels[rung + 1] + _TOLERANCE
        return int(np.searchsorted(scaled, limit, side="right"))

    def bracket_probabilities(self) -> np.ndarray:
        """Probability of each bracket for a new trial, shape (brackets,)."""
        return bracket_probabilities(self.num_rungs, self.reduction_factor, self.num_brackets)
