"""`TabularBlackbox`: a benchmark given as a table of evaluated configurations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from tunelab.blackbox.blackbox import Blackbox
from tunelab.core.space import Domain, config_key, finrange, hyperparameter_names, ordinal
from tunelab.core.trial import Config


class TabularBlackbox(Blackbox):
    """Objectives looked up in a table; only configurations of the table can be asked.

    Args:
        hyperparameters: One row per configuration, one column per hyperparameter of
            `configuration_space` (constants may be omitted).
        objectives: Array of shape (n_configs, n_seeds, n_fidelities, n_objectives).
        objectives_names: Names of the last axis of `objectives`.
        configuration_space: The space the configurations were drawn from.
        fidelity_name: Name of the fidelity (e.g. "epoch"), None for a single one.
        fidelity_values: The fidelities of axis 2, ascending, shape (n_fidelities,).
        time_objective: Objective holding the cumulative training time in seconds.
        seeds: Labels of axis 1 (default 0, 1, ...).
    """

    def __init__(
        self,
        *,
        hyperparameters: pd.DataFrame,
        objectives: np.ndarray,
        objectives_names: Sequence[str],
        configuration_space: dict[str, Any],
        fidelity_name: str | None = None,
        fidelity_values: Sequence[float] | np.ndarray | None = None,
        time_objective: str | None = None,
        seeds: Sequence[int] | None = None,
    ) -> None:
        objectives = np.asarray(objectives, dtype=float)
        if objectives.ndim != 4:
            raise ValueError(
                "objectives must have shape (n_configs, n_seeds, n_fidelities, "
                f"n_objectives), got shape {objectives.shape}"
            )
        n_configs, n_seeds, n_fidelities, n_objectives = objectives.shape
        if len(hyperparameters) != n_configs:
            raise ValueError(
                f"hyperparameters has {len(hyperparameters)} rows but objectives has "
                f"{n_configs} configurations"
            )
        if len(objectives_names) != n_objectives:
            raise ValueError(
                f"objectives_names {list(objectives_names)} has {len(objectives_names)} "
                f"names for {n_objectives} objectives"
            )
        missing = [n for n in hyperparameter_names(configuration_space) if n not in hyperparameters]
        if missing:
            raise ValueError(f"hyperparameters table lacks the columns {missing}")
        if time_objective is not None and time_objective not in objectives_names:
            raise ValueError(
                f"time_objective {time_objective!r} is not among {list(objectives_names)}"
            )
        fidelities = _fidelities(fidelity_name, fidelity_values, n_fidelities)
        self._space = dict(configuration_space)
        self._hyperparameters = hyperparameters.reset_index(drop=True)
        self._objectives = objectives
        self._names = list(objectives_names)
        self._fidelity_name = fidelity_name
        self._fidelity_values = fidelities
        self._time_objective = time_objective
        self._seeds = list(range(n_seeds)) if seeds is None else [int(s) for s in seeds]
        if len(self._seeds) != n_seeds:
            raise ValueError(f"seeds {self._seeds} do not match the {n_seeds} seeds of the table")
        self._index: dict[tuple[Any, ...], int] | None = None
        self._coded: list[_Coded | Any] | None = None

    # -- Blackbox API -----------------------------------------------------------------

    @property
    def configuration_space(self) -> dict[str, Any]:
        return self._space

    @property
    def objectives_names(self) -> list[str]:
        return list(self._names)

    @property
    def fidelity_space(self) -> dict[str, Domain]:
        if self._fidelity_name is None or self._fidelity_values is None:
            return {}
        values = self._fidelity_values
        lower, upper = float(values[0]), float(values[-1])
        if len(values) == 1 or lower == upper:
            return {}
        steps = np.diff(values)
        if np.allclose(steps, steps[0]):
            return {
                self._fidelity_name: finrange(lower, upper, len(values), cast_int=_ints(values))
            }
        members = [int(v) if _ints(values) else float(v) for v in values]
        return {self._fidelity_name: ordinal(members)}

    @property
    def fidelity_values(self) -> np.ndarray | None:
        return self._fidelity_values

    @property
    def fidelity_name(self) -> str | None:
        return self._fidelity_name

    @property
    def time_objective(self) -> str | None:
        return self._time_objective

    @property
    def seeds(self) -> list[int]:
        return list(self._seeds)

    def evaluate_curve(self, config: Config, *, seed: int | None = None) -> dict[str, np.ndarray]:
        row = self._objectives[self.index_of(config), self.seed_index(seed)]
        return {name: row[:, k].copy() for k, name in enumerate(self._names)}

    def evaluate(
        self, config: Config, *, fidelity: float | None = None, seed: int | None = None
    ) -> dict[str, float]:
        values = self._objectives[
            self.index_of(config), self.seed_index(seed), self.fidelity_index(fidelity)
        ]
        return {name: float(values[k]) for k, name in enumerate(self._names)}

    def evaluate_many(
        self,
        configs: Sequence[Config],
        *,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> dict[str, np.ndarray]:
        rows = np.array([self.index_of(config) for config in configs], dtype=int)
        values = self._objectives[rows, self.seed_index(seed), self.fidelity_index(fidelity)]
        return {name: values[:, k].copy() for k, name in enumerate(self._names)}

    # -- table access -----------------------------------------------------------------

    def objective_range(self, name: str) -> tuple[float | None, float | None]:
        """Extremes of objective `name` over every configuration, seed and fidelity."""
        self._check_objective(name)
        values = self._objectives[..., self.objectives_names.index(name)]
        if not np.isfinite(values).any():
            return None, None
        return float(np.nanmin(values)), float(np.nanmax(values))

    @property
    def hyperparameters(self) -> pd.DataFrame:
        """The table of configurations, one row each (read-only by convention)."""
        table: pd.DataFrame = self._hyperparameters
        return table

    @property
    def objectives(self) -> np.ndarray:
        """The objectives, shape (n_configs, n_seeds, n_fidelities, n_objectives)."""
        return self._objectives

    def __len__(self) -> int:
        return len(self._hyperparameters)

    def all_configurations(self) -> list[Config]:
        """Every configuration of the table, constants of the space included."""
        names = list(self._space)
        columns = [
            _expand(coded) if isinstance(coded, _Coded) else [coded] * len(self)
            for coded in self._coded_columns()
        ]
        if not columns:
            return [{} for _ in range(len(self))]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    def index_of(self, config: Config) -> int:
        """Row of `config` in the table.

        Raises:
            KeyError: If the configuration is not in the table.
        """
        if self._index is None:
            self._index = self._build_index()
        try:
            return self._index[config_key(self._tuned(config))]
        except KeyError:
            raise KeyError(
                f"configuration {self._tuned(config)} is not in the table of "
                f"{len(self)} configurations; restrict the searcher to the table's "
                "configurations (all_configurations()) or wrap it in a SurrogateBlackbox"
            ) from None

    def _tuned(self, config: Config) -> Config:
        return {name: config[name] for name in hyperparameter_names(self._space) if name in config}

    def _coded_columns(self) -> list[_Coded | Any]:
        """Per entry of the space, in its order: a domain's column, cast once per
        distinct value (`_Coded`), or the constant itself."""
        if self._coded is None:
            self._coded = [
                _code_column(entry, self._hyperparameters[name])
                if isinstance(entry, Domain)
                else entry
                for name, entry in self._space.items()
            ]
        return self._coded

    def _build_index(self) -> dict[tuple[Any, ...], int]:
        """`config_key` of each row's hyperparameters -> the row (the last one of equal
        rows), made from the keys of each column's distinct values."""
        parts = []
        for name, coded in zip(self._space, self._coded_columns(), strict=True):
            if isinstance(coded, _Coded):  # config_key orders the (name, value) pairs by name
                pairs = [config_key({name: value})[0] for value in coded.values]
                parts.append((name, _expand(_Coded(pairs, coded.codes))))
        columns = [column for _, column in sorted(parts, key=lambda part: part[0])]
        keys = zip(*columns, strict=True) if columns else iter([()] * len(self))
        return {key: row for row, key in enumerate(keys)}


class _Coded(NamedTuple):
    """A column as its distinct values and, per row, the position of its value."""

    values: list[Any]
    codes: np.ndarray


def _expand(coded: _Coded) -> list[Any]:
    values = coded.values
    return [values[code] for code in coded.codes.tolist()]


def _code_column(domain: Domain, column: pd.Series) -> _Coded:
    """`column`'s values cast by `domain`, each distinct value cast once.

    Numbers are told apart by their bits (so -0.0 stays apart from 0.0), strings by
    value; any other value is cast on its own, as the row-by-row cast would.
    """
    array = column.to_numpy()
    if array.dtype.kind in "biuf":
        bits = array.view(f"i{array.itemsize}") if array.dtype.kind == "f" else array
        _, first, codes = np.unique(bits, return_index=True, return_inverse=True)
        return _Coded([domain.cast(v) for v in array[first].tolist()], codes.reshape(-1))
    values: list[Any] = []
    seen: dict[Any, int] = {}
    codes = np.empty(len(array), dtype=np.intp)
    for row, raw in enumerate(array.tolist()):
        key = raw if type(raw) is str else (row,)  # a non-string is cast on its own
        codes[row] = code = seen.setdefault(key, len(values))
        if code == len(values):
            values.append(domain.cast(_plain(raw)))
    return _Coded(values, codes)


def _fidelities(
    name: str | None, values: Sequence[float] | np.ndarray | None, n_fidelities: int
) -> np.ndarray | None:
    if name is None:
        if n_fidelities != 1:
            raise ValueError(
                f"objectives have {n_fidelities} fidelities but no fidelity_name was given"
            )
        return None
    array = np.arange(1, n_fidelities + 1, dtype=float) if values is None else np.asarray(values)
    array = array.astype(float)
    if array.shape != (n_fidelities,):
        raise ValueError(f"fidelity_values must have shape ({n_fidelities},), got {array.shape}")
    if np.any(np.diff(array) <= 0):
        raise ValueError(f"fidelity_values must be strictly increasing, got {array.tolist()}")
    return array


def _ints(values: np.ndarray) -> bool:
    return bool(np.all(values == np.round(values)))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
