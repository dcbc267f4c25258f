"""The `Blackbox` ABC: a benchmark that answers "what if this config were trained?"."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.space import Domain
from tunelab.core.trial import Config

Objectives = dict[str, float]


class Blackbox(ABC):
    """A benchmark: configuration space, fidelities, seeds, and evaluations.

    A blackbox has at most one fidelity (e.g. `epoch`), whose allowed values are
    `fidelity_values` (ascending). Each evaluation returns every objective, e.g.
    validation error, and, when `time_objective` is set, the *cumulative* training
    time in seconds up to that fidelity, which the simulator uses as elapsed time.
    Evaluations are deterministic given (config, fidelity, seed): the seed selects
    one of the benchmark's repetitions (`seeds`), it does not draw random numbers.

    Subclasses implement `evaluate_curve`; `evaluate` and `evaluate_many` have
    generic implementations on top of it that subclasses may speed up.
    """

    @property
    @abstractmethod
    def configuration_space(self) -> dict[str, Any]:
        """Hyperparameter name -> domain or constant."""

    @property
    @abstractmethod
    def objectives_names(self) -> list[str]:
        """Names of the values every evaluation returns."""

    @property
    def fidelity_space(self) -> dict[str, Domain]:
        """`{fidelity_name: domain}`, or `{}` for a single-fidelity blackbox."""
        return {}

    @property
    def fidelity_values(self) -> np.ndarray | None:
        """Allowed fidelity values, ascending, shape (n_fidelities,); None if none."""
        return None

    @property
    def fidelity_name(self) -> str | None:
        """The fidelity's name (e.g. "epoch"), or None."""
        names = list(self.fidelity_space)
        return names[0] if names else None

    @property
    def time_objective(self) -> str | None:
        """Objective holding the cumulative training time (s) at each fidelity."""
        return None

    @property
    def seeds(self) -> list[int]:
        """Indices of the benchmark's repetitions (a single one by default)."""
        return [0]

    def objective_range(self, name: str) -> tuple[float | None, float | None]:
        """Lowest and highest known value of objective `name`, None where unknown.

        Plots normalise regret with these reference values (the best and worst a
        method could reach); a blackbox that cannot know them keeps this default.
        """
        self._check_objective(name)
        return None, None

    def _check_objective(self, name: str) -> None:
        if name not in self.objectives_names:
            raise KeyError(
                f"{type(self).__name__} has no objective {name!r}; its objectives are "
                f"{self.objectives_names}"
            )

    @abstractmethod
    def evaluate_curve(self, config: Config, *, seed: int | None = None) -> dict[str, np.ndarray]:
        """All objectives of `config` at every fidelity.

        Returns:
            Objective name -> array of shape (n_fidelities,) (shape (1,) for a
            single-fidelity blackbox), in the order of `fidelity_values`.
        """

    def evaluate(
        self, config: Config, *, fidelity: float | None = None, seed: int | None = None
    ) -> dict[str, float]:
        """Objectives of `config` at `fidelity` (default: the largest) and `seed`."""
        curve = self.evaluate_curve(config, seed=seed)
        index = self.fidelity_index(fidelity)
        return {name: float(values[index]) for name, values in curve.items()}

    def evaluate_many(
        self,
        configs: Sequence[Config],
        *,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Vectorised `evaluate`: objective name -> array of shape (len(configs),)."""
        rows = [self.evaluate(config, fidelity=fidelity, seed=seed) for config in configs]
        return {
            name: np.array([row[name] for row in rows], dtype=float)
            for name in self.objectives_names
        }

    def fidelity_index(self, fidelity: float | None) -> int:
        """Position of `fidelity` in `fidelity_values` (None: the last one)."""
        values = self.fidelity_values
        if values is None:
            if fidelity is not None:
                raise ValueError(
                    f"{type(self).__name__} has no fidelity; got fidelity={fidelity!r}"
                )
            return 0
        if fidelity is None:
            return len(values) - 1
        matches = np.flatnonzero(np.isclose(values, float(fidelity)))
        if len(matches) == 0:
            raise ValueError(
                f"fidelity {fidelity!r} is not one of {self.fidelity_name!r}'s values "
                f"{_short(values)}"
            )
        return int(matches[0])

    def seed_index(self, seed: int | None) -> int:
        """Position of `seed` in `seeds` (None: the first seed)."""
        seeds = self.seeds
        if seed is None:
            return 0
        if seed not in seeds:
            raise ValueError(f"seed {seed!r} is not one of the blackbox's seeds {seeds}")
        return seeds.index(seed)

    def __repr__(self) -> str:
        fidelity = self.fidelity_name
        details = f", fidelity={fidelity!r}" if fidelity else ""
        return (
            f"{type(self).__name__}({len(self.configuration_space)} hyperparameters, "
            f"objectives={self.objectives_names}{details}, seeds={len(self.seeds)})"
        )


def _short(values: np.ndarray) -> str:
    items = [f"{v:g}" for v in values[:6]]
    return "[" + ", ".join(items) + (", ...]" if len(values) > 6 else "]")
