"""Reading a finished (or running) experiment back: `load_experiment(path)`; and the
format of `trials.parquet`, the final status of every trial.

When metadata.json names a constraint metric (`"constraint": "<metric>"`), a result is
feasible when that metric is <= 0 (as in Syne Tune); the best result, the incumbent
over time, the Pareto front and the hypervolume then count feasible results only.

`trials.parquet` has one row per trial: `trial_id`, `status` (running, paused,
completed, stopped or failed), `start_tuner_time` and `end_tuner_time` (tuner time
at which the trial was created and at which it completed, was stopped or failed;
NaN while it may still run), `num_results` (its rows in results.parquet), `error`
(why it failed, else None) and one `config_<name>` column per configuration entry.
The tuner writes it beside results.parquet whenever it saves the results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tunelab.core.multiobjective import hypervolume_trace, pareto_mask
from tunelab.core.results.store import CONFIG_PREFIX, METADATA_FILE, RESULTS_FILE
from tunelab.core.trial import Config, Mode

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TRIALS_FILE = "trials.parquet"
TRIAL_COLUMNS = (
    "trial_id",
    "status",
    "start_tuner_time",
    "end_tuner_time",
    "num_results",
    "error",
)
"""The columns of `trials.parquet` before its `config_<name>` columns."""
_TRIAL_TYPES = {
    "trial_id": "int64",
    "start_tuner_time": "float64",
    "end_tuner_time": "float64",
    "num_results": "int64",
}


def trials_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The trials table of `rows`, one dict per trial with the `TRIAL_COLUMNS` keys and
    `config_<name>` keys; typed columns also when there are no rows."""
    frame = pd.DataFrame(list(rows), columns=None if rows else list(TRIAL_COLUMNS))
    # only the columns not typed yet: `astype` copies every column it is given
    casts = {name: kind for name, kind in _TRIAL_TYPES.items() if frame[name].dtype != kind}
    table: pd.DataFrame = frame.astype(casts) if casts else frame
    return table


def metric_position(names: list[str], metric: str | int) -> int:
    """Index of `metric` (a name, or already an index) among `names`, checked."""
    if isinstance(metric, int):
        if not 0 <= metric < len(names):
            raise IndexError(f"metric index {metric} is out of range for metrics {names}")
        return metric
    if metric not in names:
        raise ValueError(f"metric {metric!r} is not one of the experiment's {names}")
    return names.index(metric)


@dataclass(frozen=True)
class BestResult:
    """The best reported value of a metric and where it came from."""

    trial_id: int
    value: float
    config: Config
    row: dict[str, Any]


def best_result(results: pd.DataFrame, *, metric: str, mode: Mode) -> BestResult:
    """Best row of `results` for `metric` (NaN values ignored).

    Raises:
        ValueError: If `metric` is not a column or has no finite value.
    """
    if metric not in results.columns:
        raise ValueError(
            f"metric {metric!r} is not among the reported columns {sorted(results.columns)}"
        )
    values = pd.to_numeric(results[metric], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).all():
        raise ValueError(f"no result reports a numeric value for metric {metric!r} yet")
    position = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
    row = {str(key): value for key, value in results.iloc[position].items()}
    return BestResult(
        trial_id=int(row["trial_id"]), value=float(values[position]), config=_config(row), row=row
    )


@dataclass(frozen=True)
class Experiment:
    """One experiment folder: its metadata and its results table.

    Attributes:
        path: The folder.
        metadata: The content of metadata.json.
        results: One row per reported result (columns: see `tunelab.core.results`).
        trials: One row per trial with its final status, error and number of results
            (trials.parquet, see this module); empty for experiments written before
            tunelab-core recorded it.
    """

    path: Path
    metadata: dict[str, Any]
    results: pd.DataFrame
    trials: pd.DataFrame = field(default_factory=lambda: trials_table([]))

    @property
    def metric_names(self) -> list[str]:
        return list(self.metadata["metric"])

    @property
    def modes(self) -> list[Mode]:
        return list(self.metadata["mode"])

    def _metric(self, metric: str | int) -> tuple[str, Mode]:
        position = metric_position(self.metric_names, metric)
        return self.metric_names[position], self.modes[position]

    @property
    def constraint(self) -> str | None:
        """The constraint metric named in metadata.json (feasible when <= 0), or None."""
        name = self.metadata.get("constraint")
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(
                f"{self.path / METADATA_FILE}: 'constraint' must be the name of a reported "
                f"metric or null, got {name!r}"
            )
        return name

    def feasible_mask(self) -> np.ndarray:
        """Which rows of `results` satisfy the constraint, as a bool array (n_results,).

        A row is feasible when its constraint metric is <= 0; a row without a numeric
        value for it (or results without its column) is infeasible. Every row is
        feasible when the experiment has no constraint.
        """
        name = self.constraint
        if name is None:
            return np.ones(len(self.results), dtype=bool)
        if name not in self.results.columns:
            return np.zeros(len(self.results), dtype=bool)
        values = pd.to_numeric(self.results[name], errors="coerce").to_numpy(dtype=float)
        feasible: np.ndarray = values <= 0.0  # NaN compares False
        return feasible

    def best_result(self, metric: str | int = 0) -> BestResult:
        """Best result for `metric` (name or index into the experiment's metrics).

        Every reported result counts, at any resource level; with a constraint only
        the feasible ones.

        Raises:
            ValueError: No result reports a value for `metric`, or none is feasible.
        """
        name, mode = self._metric(metric)
        return best_result(self._feasible_results(), metric=name, mode=mode)

    def best_config(self, metric: str | int = 0) -> Config:
        """Configuration of the best (feasible) result for `metric`."""
        return self.best_result(metric).config

    def best_so_far(self, metric: str | int = 0) -> pd.DataFrame:
        """Columns `tuner_time` and `best`: the incumbent value over time.

        One row per result in tuner-time order; `best` is the best value among the
        (feasible) results up to that row, NaN until the first one.
        """
        name, mode = self._metric(metric)
        if self.results.empty:
            empty: pd.DataFrame = pd.DataFrame({"tuner_time": [], "best": []}, dtype=float)
            return empty
        order = np.argsort(self.results["tuner_time"].to_numpy(), kind="stable")
        ordered = self.results.iloc[order]
        values = pd.to_numeric(ordered[name], errors="coerce")
        values = values.where(self.feasible_mask()[order])
        running = values.cummin() if mode == "min" else values.cummax()
        incumbent: pd.DataFrame = pd.DataFrame(
            {"tuner_time": ordered["tuner_time"].to_numpy(), "best": running.ffill().to_numpy()}
        )
        return incumbent

    def pareto_front(self, metrics: Sequence[str | int] | None = None) -> pd.DataFrame:
        """The results of the trials on the Pareto front of `metrics`, one row per trial.

        Each trial counts with its final result: the last one it reported at the
        highest resource level it reached (without a resource attribute, its last
        result). A trial stopped early by a multi-fidelity method is compared at the
        level it reached; intermediate results are not separate candidates, as they are
        for `best_result` and `hypervolume`. A trial whose final result lacks a value
        of one of the metrics, or is infeasible under the experiment's constraint, is
        left out.

        Args:
            metrics: Names (or indices) of the experiment's metrics to compare on, with
                their recorded modes; by default all of `metric_names`.

        Returns:
            The front's rows of `results` (all columns), ordered by the first metric
            from best to worst, then by trial id; empty (with the columns) when no
            trial has a usable final result, e.g. when none is feasible.
        """
        names, modes = self._metrics(metrics)
        final = self._final_results()
        feasible = self.feasible_mask()[final]
        counted = self.results.iloc[final[feasible]]
        values = _metric_values(counted, names)
        complete = ~np.isnan(values).any(axis=1)
        front = counted[complete][pareto_mask(values[complete], modes)]
        if not front.empty:
            front = front.sort_values(
                [names[0], "trial_id"], ascending=[modes[0] == "min", True], kind="stable"
            )
        sorted_front: pd.DataFrame = front.reset_index(drop=True)
        return sorted_front

    def best_configs(self, metrics: Sequence[str | int] | None = None) -> list[Config]:
        """Configurations of the trials on the Pareto front, in `pareto_front`'s order."""
        front = self.pareto_front(metrics)
        # records keep each column's type (iterrows would turn ints into floats)
        return [_config({str(k): v for k, v in row.items()}) for row in front.to_dict("records")]

    def hypervolume(
        self,
        reference_point: Sequence[float] | Mapping[str, float] | None = None,
        *,
        metrics: Sequence[str | int] | None = None,
    ) -> pd.DataFrame:
        """Dominated hypervolume of the results so far, after each result.

        Every reported (feasible) result counts as it arrives, at any resource level,
        as for `best_so_far` and tunelab-plot's hypervolume curves. The reference
        point used is in `frame.attrs["reference_point"]` ({metric: value}).

        Args:
            reference_point: The bound of the measured region, one value per metric
                (a sequence in the order of `metrics`, or a mapping by name). By
                default each metric's worst value recorded in metadata.json's
                `reference` (`max` of a minimised metric, `min` of a maximised one),
                else the worst value among the counted results (results with that
                worst value then add no volume).
            metrics: Names (or indices) of the experiment's metrics; all by default.

        Returns:
            Columns `trial_id`, `tuner_time` and `hypervolume`, one row per result in
            tuner-time order.

        Raises:
            ValueError: `reference_point` does not give one finite value per metric.
        """
        names, modes = self._metrics(metrics)
        if self.results.empty:
            order = np.zeros(0, dtype=int)
            ordered = pd.DataFrame({"trial_id": [], "tuner_time": []})
        else:
            order = np.argsort(self.results["tuner_time"].to_numpy(), kind="stable")
            ordered = self.results.iloc[order]
        values = _metric_values(ordered, names)
        values[~self.feasible_mask()[order]] = np.nan
        reference = self._reference_point(reference_point, names, modes, values)
        if np.isnan(reference).any():  # nothing counted and nothing recorded: nothing dominated
            volumes = np.zeros(len(ordered))
        else:
            volumes = hypervolume_trace(values, reference, modes)
        frame: pd.DataFrame = pd.DataFrame(
            {
                "trial_id": ordered["trial_id"].to_numpy(),
                "tuner_time": ordered["tuner_time"].to_numpy(),
                "hypervolume": volumes,
            }
        )
        frame.attrs["reference_point"] = dict(zip(names, reference.tolist(), strict=True))
        return frame

    def _metrics(self, metrics: Sequence[str | int] | None) -> tuple[list[str], list[Mode]]:
        """Names and modes of `metrics` (all of the experiment's by default), checked."""
        if metrics is None:
            return self.metric_names, self.modes
        if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
            raise ValueError(
                f"metrics must be a non-empty list of metric names or indices, got {metrics!r}"
            )
        pairs = [self._metric(metric) for metric in metrics]
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            raise ValueError(f"metrics must not repeat a metric, got {list(metrics)!r}")
        return names, [mode for _, mode in pairs]

    def _feasible_results(self) -> pd.DataFrame:
        """The feasible rows of `results`; raises when a constraint leaves none."""
        feasible = self.feasible_mask()
        if len(feasible) and not feasible.any():
            raise ValueError(
                f"no result of {self.path} is feasible: the constraint {self.constraint!r} "
                f"<= 0 holds for none of its {len(feasible)} results (a result without a "
                "value for it counts as infeasible)"
            )
        feasible_results: pd.DataFrame = self.results[feasible]
        return feasible_results

    def _final_results(self) -> np.ndarray:
        """Positions in `results` of each trial's final result: its last row (in tuner
        time) at the highest resource level it reported, (n_trials,)."""
        results = self.results
        if results.empty:
            return np.zeros(0, dtype=int)
        times = pd.to_numeric(results["tuner_time"], errors="coerce").to_numpy(dtype=float)
        order = np.argsort(times, kind="stable")
        attr = self.metadata.get("resource_attr")
        if isinstance(attr, str) and attr in results.columns:
            levels = pd.to_numeric(results[attr], errors="coerce").to_numpy(dtype=float)
            levels = np.where(np.isnan(levels), -np.inf, levels)  # no level: lowest
            order = order[np.argsort(levels[order], kind="stable")]
        trial_ids = results["trial_id"].to_numpy()[order]
        last = ~pd.Series(trial_ids).duplicated(keep="last").to_numpy()
        positions: np.ndarray = order[last]
        return positions

    def _reference_point(
        self,
        given: Sequence[float] | Mapping[str, float] | None,
        names: list[str],
        modes: list[Mode],
        values: np.ndarray,
    ) -> np.ndarray:
        """The reference point (len(names),): given, recorded or observed (see
        `hypervolume`); NaN for a metric with neither a recorded nor a counted value."""
        if given is not None:
            if isinstance(given, Mapping):
                if set(given) != set(names):
                    raise ValueError(
                        f"reference_point must give a value for each of {names}, got "
                        f"{dict(given)!r}"
                    )
                given = [given[name] for name in names]
            problem = ValueError(
                f"reference_point must be {len(names)} finite numbers, one for each of "
                f"{names}, got {given!r}"
            )
            try:
                point = np.array(given, dtype=float)
            except (TypeError, ValueError) as error:
                raise problem from error
            if point.shape != (len(names),) or not np.isfinite(point).all():
                raise problem
            return point
        recorded = self.metadata.get("reference") or {}
        point = np.full(len(names), np.nan)
        for j, (name, mode) in enumerate(zip(names, modes, strict=True)):
            worst = (recorded.get(name) or {}).get("max" if mode == "min" else "min")
            column = values[:, j][~np.isnan(values).any(axis=1)]
            if worst is not None:
                point[j] = float(worst)
            elif len(column):
                point[j] = column.max() if mode == "min" else column.min()
        return point

    def plot(self, metric: str | int = 0, *, ax: Axes | None = None) -> Axes:
        """Plot the best-so-far curve of `metric` against tuner time (needs matplotlib)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Experiment.plot needs matplotlib: pip install 'tunelab-core[plot]'"
            ) from error
        name, _ = self._metric(metric)
        curve = self.best_so_far(metric)
        if ax is None:
            _, ax = plt.subplots()
        ax.step(curve["tuner_time"], curve["best"], where="post")
        ax.set_xlabel("tuner time (s)")
        ax.set_ylabel(f"best {name} so far")
        ax.set_title(str(self.metadata.get("name", self.path.name)))
        return ax


def load_experiment(path: str | Path) -> Experiment:
    """Load the experiment stored in folder `path` (a tuner's experiment folder)."""
    folder = Path(path).expanduser()
    metadata_file = folder / METADATA_FILE
    if not metadata_file.exists():
        raise FileNotFoundError(
            f"{folder} is not a tunelab experiment folder: {METADATA_FILE} is missing"
        )
    metadata = json.loads(metadata_file.read_text())
    results_file = folder / RESULTS_FILE
    if results_file.exists():
        results = pd.read_parquet(results_file)
    else:
        results = pd.DataFrame({"trial_id": pd.Series([], dtype="int64")})
    trials_file = folder / TRIALS_FILE
    trials = pd.read_parquet(trials_file) if trials_file.exists() else trials_table([])
    return Experiment(path=folder, metadata=metadata, results=results, trials=trials)


def _metric_values(results: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The columns `names` of `results` as floats (non-numeric values NaN), (n, m)."""
    absent = [name for name in names if name not in results.columns]
    if absent and not results.empty:
        raise ValueError(
            f"metrics {absent} are not among the reported columns {sorted(results.columns)}"
        )
    if results.empty:
        return np.zeros((0, len(names)))
    return np.column_stack(
        [pd.to_numeric(results[name], errors="coerce").to_numpy(dtype=float) for name in names]
    )


def _config(row: dict[str, Any]) -> Config:
    """The configuration in a result row's `config_<name>` entries."""
    return {
        key[len(CONFIG_PREFIX) :]: _plain(value)
        for key, value in row.items()
        if key.startswith(CONFIG_PREFIX)
    }


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, so a config is JSON-friendly."""
    return value.item() if hasattr(value, "item") else value
