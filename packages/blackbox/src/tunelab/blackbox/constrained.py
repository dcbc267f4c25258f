"""`ConstrainedBlackbox`: a benchmark with constraint metrics derived from its objectives.

Constrained HPO (Gardner et al., 2014; Syne Tune's `constraint_attr`) needs a metric
that is feasible when <= 0. Published tables record latency, model size or training
time, not the distance to a deployment limit; `ConstrainedBlackbox` adds that
distance as an objective of its own (`latency - 0.014`, say), so that the simulator
reports it with every result as a training script would, and methods, results and
plots all see one and the same constraint metric.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunelab.blackbox.blackbox import Blackbox
from tunelab.core.space import Domain
from tunelab.core.trial import Config


@dataclass(frozen=True)
class Bound:
    """A limit on one objective, feasible where the derived value is <= 0.

    With `upper`, the derived value is `objective - upper`; with `lower`,
    `lower - objective`; with both, the larger of the two (so it is <= 0 exactly when
    the objective lies within [lower, upper]).

    Args:
        objective: Name of the objective the limit applies to.
        upper: Largest feasible value, or None.
        lower: Smallest feasible value, or None.
    """

    objective: str
    upper: float | None = None
    lower: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.objective, str) or not self.objective:
            raise ValueError(f"Bound.objective must be an objective's name, got {self.objective!r}")
        for name in ("upper", "lower"):
            value = getattr(self, name)
            if value is None:
                continue
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not math.isfinite(value):
                raise ValueError(
                    f"Bound({self.objective!r}).{name} must be a finite number, got {value!r}"
                )
        if self.upper is None and self.lower is None:
            raise ValueError(f"Bound({self.objective!r}) needs an upper or a lower limit")
        if self.upper is not None and self.lower is not None and self.lower > self.upper:
            raise ValueError(
                f"Bound({self.objective!r}): lower={self.lower} is above upper={self.upper}"
            )

    def excess(self, values: np.ndarray) -> np.ndarray:
        """How far `values` (any shape) lie outside the limit: <= 0 where feasible."""
        values = np.asarray(values, dtype=float)
        parts = []
        if self.upper is not None:
            parts.append(values - self.upper)
        if self.lower is not None:
            parts.append(self.lower - values)
        result: np.ndarray = parts[0] if len(parts) == 1 else np.maximum(parts[0], parts[1])
        return result

    def excess_range(
        self, low: float | None, high: float | None
    ) -> tuple[float | None, float | None]:
        """Extremes of `excess` for objective values within [low, high] (None: unknown)."""
        if self.lower is None:
            assert self.upper is not None
            return _shift(low, -self.upper), _shift(high, -self.upper)
        if self.upper is None:
            return _flip(high, self.lower), _flip(low, self.lower)
        if low is None or high is None:
            return None, None
        ends = self.excess(np.array([low, high]))
        # inside [lower, upper] the excess reaches its minimum at the middle of the two
        middle = self.excess(np.array([(self.lower + self.upper) / 2]))
        inside = low <= (self.lower + self.upper) / 2 <= high
        smallest = float(middle[0]) if inside else float(ends.min())
        return smallest, float(ends.max())

    def to_json(self) -> dict[str, Any]:
        """The bound as metadata records it."""
        entry: dict[str, Any] = {"objective": self.objective}
        if self.upper is not None:
            entry["upper"] = float(self.upper)
        if self.lower is not None:
            entry["lower"] = float(self.lower)
        return entry


def _shift(value: float | None, offset: float) -> float | None:
    return None if value is None else value + offset


def _flip(value: float | None, lower: float) -> float | None:
    return None if value is None else lower - value


class ConstrainedBlackbox(Blackbox):
    """`blackbox` with one new objective per entry of `constraints`.

    Every evaluation returns the blackbox's objectives and, for each
    `name: Bound(objective, upper=..., lower=...)`, the value `name` =
    `Bound.excess(objective)`: <= 0 where the limit holds. Everything else
    (space, fidelities, seeds, time objective) is the wrapped blackbox's.

    Args:
        blackbox: The benchmark to constrain.
        constraints: New objective name -> the limit it measures.

    Raises:
        ValueError: If a name is already an objective, or a bound's objective is not.
    """

    def __init__(self, blackbox: Blackbox, constraints: Mapping[str, Bound]) -> None:
        if not constraints:
            raise ValueError("ConstrainedBlackbox needs at least one constraint")
        names = blackbox.objectives_names
        for name, bound in constraints.items():
            if not isinstance(bound, Bound):
                raise TypeError(f"constraint {name!r} must be a Bound, got {bound!r}")
            if name in names:
                raise ValueError(
                    f"constraint name {name!r} is already an objective of {blackbox!r}; "
                    "choose another name for the derived metric"
                )
            if bound.objective not in names:
                raise ValueError(
                    f"constraint {name!r} bounds {bound.objective!r}, which is not an "
                    f"objective of {blackbox!r}; its objectives are {names}"
                )
        self.blackbox = blackbox
        self.constraints = dict(constraints)

    @property
    def configuration_space(self) -> dict[str, Any]:
        return self.blackbox.configuration_space

    @property
    def objectives_names(self) -> list[str]:
        return [*self.blackbox.objectives_names, *self.constraints]

    @property
    def fidelity_space(self) -> dict[str, Domain]:
        return self.blackbox.fidelity_space

    @property
    def fidelity_values(self) -> np.ndarray | None:
        return self.blackbox.fidelity_values

    @property
    def fidelity_name(self) -> str | None:
        return self.blackbox.fidelity_name

    @property
    def time_objective(self) -> str | None:
        return self.blackbox.time_objective

    @property
    def seeds(self) -> list[int]:
        return self.blackbox.seeds

    def objective_range(self, name: str) -> tuple[float | None, float | None]:
        """The wrapped blackbox's range, or the derived one of a constraint."""
        self._check_objective(name)
        bound = self.constraints.get(name)
        if bound is None:
            return self.blackbox.objective_range(name)
        return bound.excess_range(*self.blackbox.objective_range(bound.objective))

    def evaluate_curve(self, config: Config, *, seed: int | None = None) -> dict[str, np.ndarray]:
        return self._with_constraints(self.blackbox.evaluate_curve(config, seed=seed))

    def evaluate(
        self, config: Config, *, fidelity: float | None = None, seed: int | None = None
    ) -> dict[str, float]:
        values = dict(self.blackbox.evaluate(config, fidelity=fidelity, seed=seed))
        for name, bound in self.constraints.items():
            values[name] = float(bound.excess(np.array([values[bound.objective]]))[0])
        return values

    def evaluate_many(
        self,
        configs: Sequence[Config],
        *,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> dict[str, np.ndarray]:
        return self._with_constraints(
            self.blackbox.evaluate_many(configs, fidelity=fidelity, seed=seed)
        )

    def _with_constraints(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        values = dict(values)
        for name, bound in self.constraints.items():
            values[name] = bound.excess(values[bound.objective])
        return values

    def describe_constraints(self) -> dict[str, dict[str, Any]]:
        """`{name: {"objective": ..., "upper"/"lower": ...}}`, for metadata."""
        return {name: bound.to_json() for name, bound in self.constraints.items()}

    def __repr__(self) -> str:
        limits = ", ".join(f"{name}={bound.to_json()}" for name, bound in self.constraints.items())
        return f"ConstrainedBlackbox({self.blackbox!r}, {limits})"
