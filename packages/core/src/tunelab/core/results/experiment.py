"""Reading a finished (or running) experiment back: `load_experiment(path)`; and the
format of `trials.parquet`, the final status of every trial.

`trials.parquet` has one row per trial: `trial_id`, `status` (running, paused,
completed, stopped or failed), `start_tuner_time` and `end_tuner_time` (tuner time
at which the trial was created and at which it completed, was stopped or failed;
NaN while it may still run), `num_results` (its rows in results.parquet), `error`
(why it failed, else None) and one `config_<name>` column per configuration entry.
The tuner writes it beside results.parquet whenever it saves the results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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


def trials_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The trials table of `rows`, one dict per trial with the `TRIAL_COLUMNS` keys and
    `config_<name>` keys; typed columns also when there are no rows."""
    frame = pd.DataFrame(list(rows), columns=None if rows else list(TRIAL_COLUMNS))
    table: pd.DataFrame = frame.astype(
        {
            "trial_id": "int64",
            "start_tuner_time": "float64",
            "end_tuner_time": "float64",
            "num_results": "int64",
        }
    )
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
    config = {
        key[len(CONFIG_PREFIX) :]: _plain(value)
        for key, value in row.items()
        if key.startswith(CONFIG_PREFIX)
    }
    return BestResult(
        trial_id=int(row["trial_id"]), value=float(values[position]), config=config, row=row
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

    def best_result(self, metric: str | int = 0) -> BestResult:
        """Best result for `metric` (name or index into the experiment's metrics)."""
        name, mode = self._metric(metric)
        return best_result(self.results, metric=name, mode=mode)

    def best_config(self, metric: str | int = 0) -> Config:
        """Configuration of the best result for `metric`."""
        return self.best_result(metric).config

    def best_so_far(self, metric: str | int = 0) -> pd.DataFrame:
        """Columns `tuner_time` and `best`: the incumbent value over time."""
        name, mode = self._metric(metric)
        ordered = self.results.sort_values("tuner_time", kind="stable")
        values = pd.to_numeric(ordered[name], errors="coerce")
        best = values.cummin() if mode == "min" else values.cummax()
        incumbent: pd.DataFrame = pd.DataFrame(
            {"tuner_time": ordered["tuner_time"].to_numpy(), "best": best}
        )
        return incumbent

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


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, so a config is JSON-friendly."""
    return value.item() if hasattr(value, "item") else value
