"""The Pareto fronts of the multi-objective runs of a study, for attainment figures.

`pareto_fronts` gives, per benchmark with several objectives, each run's
non-dominated feasible results at the end of its budget, in the objectives' own units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from tunelab.plotting.constraints import constraint_metric, feasible_mask
from tunelab.plotting.frames import hypervolume_reference
from tunelab.plotting.loading import Study
from tunelab.plotting.run_settings import check_settings
from tunelab.plotting.stats import pareto_mask

Mode = Literal["min", "max"]


@dataclass(frozen=True)
class Fronts:
    """The final Pareto fronts of every run of one multi-objective benchmark.

    Attributes:
        benchmark: Its name.
        metrics: The objectives, (m,) names.
        modes: "min" or "max" per objective.
        runs: method -> seed -> the run's non-dominated feasible results, (k, m); k is
            0 for a run without a feasible result.
        reference_point: The `hypervolume_reference` the runs record, (m,), or None:
            the bound of the region the hypervolume measures.
    """

    benchmark: str
    metrics: tuple[str, ...]
    modes: tuple[Mode, ...]
    runs: dict[str, dict[int, np.ndarray]]
    reference_point: tuple[float, ...] | None = None

    def all_points(self) -> np.ndarray:
        """Every front point of every run, (n, m)."""
        arrays = [p for seeds in self.runs.values() for p in seeds.values()]
        return np.concatenate(arrays) if arrays else np.zeros((0, len(self.metrics)))


def pareto_fronts(study: Study) -> dict[str, Fronts]:
    """Per benchmark whose runs optimise several metrics, the `Fronts` of its runs.

    Only feasible results count (metadata.json's `constraint` <= 0); rows with a
    missing objective value are left out.

    Raises:
        MixedSettingsError: The runs of a benchmark ran with different settings.
        ValueError: The runs of a benchmark optimise different metrics or modes, or
            record different reference points.
        KeyError: A run's results lack an objective column.
    """
    check_settings(study)
    multi = study.runs[study.runs["metrics"].map(len) > 1]
    found = {}
    for benchmark, runs in multi.groupby("benchmark", sort=True):
        objectives = set(zip(runs["metrics"], runs["modes"], strict=True))
        if len(objectives) != 1:
            raise ValueError(
                f"benchmark {benchmark!r}: the runs optimise different objectives "
                f"{sorted(objectives)}; select runs with --where"
            )
        metrics, modes = objectives.pop()
        names = tuple(str(n) for n in metrics)
        directions = tuple(cast(Mode, m) for m in modes)
        fronts: dict[str, dict[int, np.ndarray]] = {}
        for row in runs.sort_values(["method", "seed"]).itertuples():
            points = _feasible_points(study, str(row.experiment), names, str(benchmark))
            front = points[pareto_mask(points, modes=directions)] if len(points) else points
            fronts.setdefault(str(row.method), {})[int(row.seed)] = front
        point = hypervolume_reference(study, runs, names)
        found[str(benchmark)] = Fronts(
            str(benchmark),
            names,
            directions,
            fronts,
            reference_point=None if point is None else tuple(point[n] for n in names),
        )
    return found


def _feasible_points(
    study: Study, experiment: str, names: tuple[str, ...], benchmark: str
) -> np.ndarray:
    """The feasible results' objective values without NaN, (n, m)."""
    results = study.results.get(experiment)
    if results is None or results.empty:
        return np.zeros((0, len(names)))
    absent = [n for n in names if n not in results]
    if absent:
        raise KeyError(
            f"experiment {experiment!r} ({benchmark}) reported no {absent}; its results "
            f"have the columns {sorted(results.columns)}"
        )
    constraint = constraint_metric(study.metadata[experiment], experiment=experiment)
    rows = results[feasible_mask(results, constraint)]
    points = np.column_stack([pd.to_numeric(rows[n]).to_numpy(dtype=float) for n in names])
    kept: np.ndarray = points[~np.isnan(points).any(axis=1)]
    return kept
