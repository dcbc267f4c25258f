"""`TaskEvaluations`: what earlier tasks teach a transfer-learning method.

One frozen object per earlier task holds its configuration space, the configurations
evaluated on it and their objectives per seed and fidelity; a `TransferEvaluations`
maps task names to them. Multi-task blackboxes fill it, transfer methods read it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from tunelab.core.space import hyperparameter_names
from tunelab.core.trial import Mode

_MODES = ("min", "max")


@dataclass(frozen=True)
class TaskEvaluations:
    """Evaluations of one earlier task.

    Args:
        config_space: The task's space (hyperparameter name -> tunelab domain or
            constant).
        configs: One row per evaluated configuration, one column per hyperparameter
            (domain) of `config_space`.
        objectives_names: The name of each objective, in the order of the last axis
            of `objectives`.
        objectives: Shape `(n_configs, n_seeds, n_fidelities, n_objectives)`, float;
            NaN marks a missing value (a seed not run, a curve stopped early).
        fidelities: Shape `(n_fidelities,)`, the increasing resource values of the
            third axis; None when there is one fidelity.

    Raises:
        ValueError: for shapes, names or fidelities that do not fit together.
    """

    config_space: dict[str, Any]
    configs: pd.DataFrame
    objectives_names: list[str]
    objectives: np.ndarray
    fidelities: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.config_space, dict):
            raise TypeError(
                "TaskEvaluations: config_space must be a dict, got "
                f"{type(self.config_space).__name__}"
            )
        if not isinstance(self.configs, pd.DataFrame):
            raise TypeError(
                "TaskEvaluations: configs must be a pandas DataFrame, got "
                f"{type(self.configs).__name__}"
            )
        objectives = np.asarray(self.objectives, dtype=float)
        object.__setattr__(self, "objectives", objectives)
        if objectives.ndim != 4:
            raise ValueError(
                "TaskEvaluations: objectives must have shape (n_configs, n_seeds, "
                f"n_fidelities, n_objectives), got shape {objectives.shape}"
            )
        n_configs, n_seeds, n_fidelities, n_objectives = objectives.shape
        if len(self.configs) != n_configs:
            raise ValueError(
                f"TaskEvaluations: configs has {len(self.configs)} rows but objectives "
                f"{n_configs} configurations (shape {objectives.shape})"
            )
        if n_seeds < 1 or n_fidelities < 1:
            raise ValueError(
                "TaskEvaluations: objectives needs at least one seed and one fidelity, "
                f"got shape {objectives.shape}"
            )
        self._check_names(n_objectives)
        self._check_columns()
        self._check_fidelities(n_fidelities)

    def _check_names(self, n_objectives: int) -> None:
        names = list(self.objectives_names)
        object.__setattr__(self, "objectives_names", names)
        if len(names) != n_objectives:
            raise ValueError(
                f"TaskEvaluations: {len(names)} objectives_names {names} for "
                f"{n_objectives} objectives (last axis of objectives)"
            )
        if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
            raise ValueError(
                f"TaskEvaluations: objectives_names must be distinct non-empty strings, got {names}"
            )

    def _check_columns(self) -> None:
        expected = set(hyperparameter_names(self.config_space))
        columns = {str(c) for c in self.configs.columns}
        if columns != expected:
            raise ValueError(
                "TaskEvaluations: configs must have one column per hyperparameter of "
                f"config_space; missing {sorted(expected - columns)}, unknown "
                f"{sorted(columns - expected)}"
            )

    def _check_fidelities(self, n_fidelities: int) -> None:
        if self.fidelities is None:
            if n_fidelities != 1:
                raise ValueError(
                    f"TaskEvaluations: objectives has {n_fidelities} fidelities, so "
                    "fidelities (their resource values) must be given"
                )
            return
        fidelities = np.asarray(self.fidelities, dtype=float)
        object.__setattr__(self, "fidelities", fidelities)
        if fidelities.shape != (n_fidelities,):
            raise ValueError(
                f"TaskEvaluations: fidelities must have shape ({n_fidelities},) to match "
                f"objectives, got shape {fidelities.shape}"
            )
        if not np.all(np.isfinite(fidelities)) or np.any(np.diff(fidelities) <= 0):
            raise ValueError(
                f"TaskEvaluations: fidelities must be finite and increasing, got {fidelities}"
            )

    @property
    def n_configs(self) -> int:
        """The number of configurations evaluated."""
        return int(self.objectives.shape[0])

    def objective(
        self,
        name: str,
        *,
        fidelity: Literal["last"] | float = "last",
        seed_mean: bool = True,
    ) -> np.ndarray:
        """The values of objective `name` at one fidelity.

        Args:
            name: One of `objectives_names`.
            fidelity: "last" (the highest fidelity) or a resource value of
                `fidelities`.
            seed_mean: Average over seeds, ignoring missing ones.

        Returns:
            Shape `(n_configs,)` with `seed_mean` (NaN where every seed is missing),
            else `(n_configs, n_seeds)`.
        """
        if name not in self.objectives_names:
            raise ValueError(
                f"TaskEvaluations.objective: unknown objective {name!r}; expected one "
                f"of {self.objectives_names}"
            )
        values = self.objectives[
            :, :, self._fidelity_index(fidelity), self.objectives_names.index(name)
        ]
        if not seed_mean:
            return np.array(values, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all seeds missing -> NaN
            return np.asarray(np.nanmean(values, axis=1))

    def _fidelity_index(self, fidelity: Literal["last"] | float) -> int:
        if isinstance(fidelity, str):
            if fidelity != "last":
                raise ValueError(
                    'TaskEvaluations: fidelity must be "last" or a resource value, '
                    f"got {fidelity!r}"
                )
            return int(self.objectives.shape[2]) - 1
        levels = self.fidelities if self.fidelities is not None else np.array([])
        matches = np.flatnonzero(np.isclose(levels, float(fidelity)))
        if not len(matches):
            raise ValueError(
                f"TaskEvaluations: fidelity {fidelity!r} is not one of the fidelities {levels}"
            )
        return int(matches[0])

    def config(self, index: int) -> dict[str, Any]:
        """Configuration `index` (a row of `configs`) as a dict of Python values."""
        row = self.configs.iloc[index]
        return {str(k): self.config_space[str(k)].cast(_python(v)) for k, v in row.items()}

    def config_list(self) -> list[dict[str, Any]]:
        """Every configuration, `[config(i) for i in range(n_configs)]`, converted in one
        pass (the rows take the frame's common dtype, as a row taken by `config` does)."""
        names = [str(k) for k in self.configs.columns]
        domains = [self.config_space[name] for name in names]
        return [
            {
                name: domain.cast(_python(v))
                for name, domain, v in zip(names, domains, row, strict=True)
            }
            for row in self.configs.to_numpy()
        ]

    def best_configs(self, metric: str, mode: Mode, k: int) -> list[dict[str, Any]]:
        """The `k` best configurations by the seed mean of `metric` at the last fidelity,
        best first (ties by row order); fewer if fewer have a value."""
        if mode not in _MODES:
            raise ValueError(
                f'TaskEvaluations.best_configs: mode must be "min" or "max", got {mode!r}'
            )
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(
                f"TaskEvaluations.best_configs: k must be a positive integer, got {k!r}"
            )
        values = self.objective(metric)
        signed = values if mode == "min" else -values
        observed = np.flatnonzero(~np.isnan(signed))
        order = observed[np.argsort(signed[observed], kind="stable")]
        return [self.config(int(i)) for i in order[:k]]


TransferEvaluations = Mapping[str, TaskEvaluations]
"""Task name -> evaluations of that earlier task."""


def check_transfer_evaluations(
    evaluations: TransferEvaluations, *, metric: str, where: str
) -> dict[str, TaskEvaluations]:
    """`evaluations` as a dict, checked: at least one task, each a `TaskEvaluations`
    with objective `metric` (the metric the method optimises on the target task).

    Raises:
        ValueError: naming `where` and the offending task.
    """
    if not isinstance(evaluations, Mapping) or not evaluations:
        raise ValueError(
            f"{where}: transfer_evaluations must be a non-empty mapping task name -> "
            f"TaskEvaluations, got {evaluations!r}"
        )
    for task, task_evaluations in evaluations.items():
        if not isinstance(task_evaluations, TaskEvaluations):
            raise ValueError(
                f"{where}: transfer_evaluations[{task!r}] must be a TaskEvaluations, "
                f"got {type(task_evaluations).__name__}"
            )
        if metric not in task_evaluations.objectives_names:
            raise ValueError(
                f"{where}: task {task!r} has no objective {metric!r} (the metric "
                f"optimised); it has {task_evaluations.objectives_names}"
            )
    return dict(evaluations)


def _python(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (configs must pickle and compare)."""
    if isinstance(value, np.generic):
        value = value.item()
    return value
