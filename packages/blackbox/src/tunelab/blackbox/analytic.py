"""Analytic test functions as blackboxes, with synthetic learning curves.

Fast and exactly known, for tests and for debugging methods. Each function gets a
fidelity `epoch` 1..`max_fidelity`: the value at epoch r is

    f(x) + scale(x) * (r ** -0.5 - max_fidelity ** -0.5)

so every curve decreases to the function's value at the last epoch, at a speed that
depends on x (curves cross, as real ones do). Training time grows linearly with the
epochs at a per-epoch cost that depends on x, between `time_per_step` and twice it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab.blackbox.blackbox import Blackbox
from tunelab.core.space import Domain, Float, hyperparameter_names, randint, uniform
from tunelab.core.trial import Config

Function = Callable[[np.ndarray], float]


class AnalyticBlackbox(Blackbox):
    """A closed-form function of a continuous space, as a multi-fidelity blackbox.

    Args:
        function: Maps the vector of hyperparameter values (in the space's order) to
            the objective at full fidelity.
        configuration_space: Continuous domains (`uniform`) only.
        name: Used in messages and as a default experiment name.
        optimum: The known minimum of `function`, if any (for regret plots).
        max_fidelity: Number of epochs.
        time_per_step: Smallest time in seconds of one epoch.
    """

    def __init__(
        self,
        function: Function,
        configuration_space: dict[str, Any],
        *,
        name: str,
        optimum: float | None = None,
        max_fidelity: int = 27,
        time_per_step: float = 1.0,
    ) -> None:
        if max_fidelity < 1:
            raise ValueError(f"max_fidelity must be >= 1, got {max_fidelity}")
        if time_per_step <= 0:
            raise ValueError(f"time_per_step must be > 0, got {time_per_step}")
        self.function = function
        self.name = name
        self.optimum = optimum
        self.max_fidelity = max_fidelity
        self.time_per_step = time_per_step
        self._space = dict(configuration_space)
        self._names = hyperparameter_names(self._space)
        for name in self._names:
            domain = self._space[name]
            if not isinstance(domain, Float) or domain.log:
                raise ValueError(
                    f"AnalyticBlackbox: hyperparameter {name!r} is {domain!r}; analytic functions "
                    "take linear continuous domains (uniform) only"
                )
        self._epochs = np.arange(1, max_fidelity + 1, dtype=float)

    @property
    def configuration_space(self) -> dict[str, Any]:
        return self._space

    @property
    def objectives_names(self) -> list[str]:
        return ["y", "elapsed_time"]

    @property
    def fidelity_space(self) -> dict[str, Domain]:
        return {"epoch": randint(1, self.max_fidelity)}

    @property
    def fidelity_values(self) -> np.ndarray:
        return self._epochs

    @property
    def time_objective(self) -> str:
        return "elapsed_time"

    def objective_range(self, name: str) -> tuple[float | None, float | None]:
        """`y` never falls below the function's optimum (the curve term is >= 0)."""
        self._check_objective(name)
        return (self.optimum, None) if name == "y" else (None, None)

    def evaluate_curve(self, config: Config, *, seed: int | None = None) -> dict[str, np.ndarray]:
        self.seed_index(seed)
        x = np.array([float(config[name]) for name in self._names])
        unit = self._unit(x)
        scale = 1.0 + 0.5 * np.sin(7.0 * unit.sum())
        shape = self._epochs**-0.5 - self.max_fidelity**-0.5
        step_time = self.time_per_step * (1.0 + unit[0])
        return {
            "y": self.function(x) + scale * shape,
            "elapsed_time": step_time * self._epochs,
        }

    def _unit(self, x: np.ndarray) -> np.ndarray:
        lows = np.array([self._space[n].lower for n in self._names], dtype=float)
        highs = np.array([self._space[n].upper for n in self._names], dtype=float)
        unit: np.ndarray = (x - lows) / (highs - lows)
        return unit

    def __repr__(self) -> str:
        return f"AnalyticBlackbox({self.name!r}, {len(self._names)} dimensions)"


def _branin(x: np.ndarray) -> float:
    x1, x2 = x
    b, c = 5.1 / (4 * np.pi**2), 5 / np.pi
    return float((x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x1) + 10)


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _hartmann(a: np.ndarray, p: np.ndarray) -> Function:
    def function(x: np.ndarray) -> float:
        return float(-np.sum(_H_ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))

    return function


def _rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def _ackley(x: np.ndarray) -> float:
    d = len(x)
    first = -20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
    return float(first - np.exp(np.sum(np.cos(2 * np.pi * x)) / d) + 20 + np.e)


def branin(**options: Any) -> AnalyticBlackbox:
    """Branin on [-5, 10] x [0, 15]; minimum 0.397887 (three global minima)."""
    space = {"x1": uniform(-5.0, 10.0), "x2": uniform(0.0, 15.0)}
    return AnalyticBlackbox(_branin, space, name="branin", optimum=0.397887, **options)


def hartmann3(**options: Any) -> AnalyticBlackbox:
    """Hartmann 3-D on [0, 1]^3; minimum -3.86278."""
    space = {f"x{i}": uniform(0.0, 1.0) for i in range(3)}
    return AnalyticBlackbox(
        _hartmann(_H3_A, _H3_P), space, name="hartmann3", optimum=-3.86278, **options
    )


def hartmann6(**options: Any) -> AnalyticBlackbox:
    """Hartmann 6-D on [0, 1]^6; minimum -3.32237."""
    space = {f"x{i}": uniform(0.0, 1.0) for i in range(6)}
    return AnalyticBlackbox(
        _hartmann(_H6_A, _H6_P), space, name="hartmann6", optimum=-3.32237, **options
    )


def rosenbrock(dimension: int = 4, **options: Any) -> AnalyticBlackbox:
    """Rosenbrock on [-2, 2]^d; minimum 0 at (1, ..., 1)."""
    space = {f"x{i}": uniform(-2.0, 2.0) for i in range(dimension)}
    return AnalyticBlackbox(
        _rosenbrock, space, name=f"rosenbrock{dimension}", optimum=0.0, **options
    )


def ackley(dimension: int = 2, **options: Any) -> AnalyticBlackbox:
    """Ackley on [-5, 5]^d; minimum 0 at the origin."""
    space = {f"x{i}": uniform(-5.0, 5.0) for i in range(dimension)}
    return AnalyticBlackbox(_ackley, space, name=f"ackley{dimension}", optimum=0.0, **options)


ANALYTIC: dict[str, Callable[..., AnalyticBlackbox]] = {
    "branin": branin,
    "hartmann3": hartmann3,
    "hartmann6": hartmann6,
    "rosenbrock": rosenbrock,
    "ackley": ackley,
}
"""Factories by name (these names are also loadable from the repository)."""
