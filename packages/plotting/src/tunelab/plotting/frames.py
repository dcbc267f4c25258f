"""Tidy frames the figures and tables take, built from a loaded `Study`.

`curves_frame` puts every experiment's best-so-far curve on a grid shared by the
benchmark's runs (one row per experiment and grid point); `hypervolume_frame` does
the same with the dominated hypervolume of multi-objective experiments. Both refuse
a study whose runs of one benchmark ran with different settings
(`run_settings.check_settings`): their curves would not mean the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from tunelab.plotting.constraints import constraint_metric, cost_column, cost_spent, feasible_mask
from tunelab.plotting.loading import Study
from tunelab.plotting.options import BUDGET_ATTR, COST_BUDGET, COST_BUDGET_OR_MOST, X_LABELS
from tunelab.plotting.run_settings import check_settings
from tunelab.plotting.stats import (
    hypervolume_curve,
    make_grid,
    normalized_regret,
    reference_range,
    step_values,
)

XAxis = Literal["time", "results", "resource", "cost"]
BUDGET_FIELDS = {"time": "budget.max_wallclock_time", "cost": "budget.max_cost"}
"""Run field of the budget where each x axis ends when the runs recorded one."""
Mode = Literal["min", "max"]
HV_REFERENCE = 1.1
"""Reference point of the hypervolume, per objective normalised to [0, 1] (1 = worst)."""
DECISION_TIME = "decision_time"
"""Results column: real seconds the scheduler spent deciding, attributed to each row."""


def curves_frame(
    study: Study,
    *,
    x: XAxis = "time",
    n_points: int = 100,
    log_x: bool = False,
    metric: str | None = None,
) -> pd.DataFrame:
    """Best-so-far curves of every run, on one grid per benchmark.

    Args:
        x: `time` (the tuner's time, virtual in simulations), `results` (number of
            reported results), `resource` (resource spent, summed over trials) or
            `cost` (cost spent, summed over trials; `constraints.cost_spent`). The grid
            of `time` and `cost` ends at the budget the runs recorded
            (`max_wallclock_time`, `max_cost`): results past it (the trials still
            running when a cost budget ran out add their cost) are left out, so every
            run is compared at the same spend and `fraction` is a fraction of that
            budget. Without a budget, and on the other axes, the grid ends at the
            largest x any run of the benchmark reached.
        n_points: Grid points per benchmark (the same for all, so that the grid step
            index means the same fraction of every budget).
        log_x: Geometric grid (for log-scaled time axes).
        metric: Plot this reported column instead of each run's first metric.

    Returns:
        The `curves` frame: benchmark, method, seed, step, x, fraction, value,
        regret, metric, mode, decision_seconds. `value` is NaN before a run's first
        result. `regret` is `(value - best) / (worst - best)` (for `min`), with
        best/worst from the `reference` the benchmark recorded in metadata.json, else
        the extremes of every value any run of the study reported on that benchmark.
        `decision_seconds` is the real time the run's scheduler spent deciding up to
        `x` (the sum of the results' `decision_time` column; NaN for results written
        without it).

    Raises:
        MixedSettingsError: The runs of a benchmark ran with different settings.
    """
    if x not in X_LABELS:
        raise ValueError(f"x must be one of {sorted(X_LABELS)}, got {x!r}")
    check_settings(study)
    frames = []
    for benchmark, runs in study.runs.groupby("benchmark", sort=True):
        name, mode = _objective(runs, metric)
        series = {
            experiment: _xy(study, experiment, name, x=x, benchmark=str(benchmark))
            for experiment in _experiments(runs)
        }
        grid = _grid(study, runs, series, x=x, n_points=n_points, log_x=log_x)
        best, worst = _reference(study, runs, series, name=name, mode=mode)
        on_grid = {}
        for experiment, (xs, values) in series.items():
            curve = step_values(xs, values, grid, mode=mode)
            regret = normalized_regret(curve, best=best, worst=worst, mode=mode)
            on_grid[experiment] = (xs, curve, regret)
        frames += _benchmark_rows(study, runs, grid, on_grid, metric=name, mode=mode)
    return _finish(frames, x, study.runs)


def hypervolume_frame(
    study: Study, *, x: XAxis = "time", n_points: int = 100, log_x: bool = False
) -> pd.DataFrame:
    """Dominated hypervolume over time of the multi-objective runs of `study`.

    Each objective is normalised so that values are comparable across the runs of a
    benchmark. Where its runs record a `hypervolume_reference` (tunelab-run writes the
    reference point of each objective into metadata.json), an objective maps to 0 at
    its best known value (the `reference` of `curves_frame`, else the best any run
    reported) and to 1 at the reference point, which is 1 in every objective: the
    hypervolume is the fraction of the box between the best known point and the
    reference point that the results dominate, in [0, 1]. Elsewhere an objective maps
    to [0, 1] between its best and worst known value and the reference point is
    `HV_REFERENCE` (1.1) in every objective. Infeasible results add nothing. The frame
    has the `curves` schema with `value` = hypervolume (mode `max`); `regret` is the
    fraction of the study's largest hypervolume on that benchmark still missing.

    Raises:
        MixedSettingsError: The runs of a benchmark ran with different settings.
        ValueError: The runs of a benchmark record different reference points, or a
            best known value not better than the reference point.
    """
    check_settings(study)
    multi = study.runs[study.runs["metrics"].map(len) > 1]
    frames = []
    for benchmark, runs in multi.groupby("benchmark", sort=True):
        names = [str(n) for n in runs["metrics"].iloc[0]]
        modes = [cast(Mode, m) for m in runs["modes"].iloc[0]]
        points = {
            experiment: _xy_many(study, experiment, names, x=x, benchmark=str(benchmark))
            for experiment in _experiments(runs)
        }
        recorded = hypervolume_reference(study, runs, names)
        normalised = _normalise_objectives(study, runs, points, names, modes, recorded)
        bound = np.full(len(names), HV_REFERENCE if recorded is None else 1.0)
        series = {k: (xs, np.zeros(len(xs))) for k, (xs, _) in normalised.items()}
        grid = _grid(study, runs, series, x=x, n_points=n_points, log_x=log_x)
        curves = {
            k: hypervolume_curve(xs, values, grid, bound, modes=["min"] * len(names))
            for k, (xs, values) in normalised.items()
        }
        top = max(float(np.nanmax(c)) for c in curves.values()) if curves else 0.0
        on_grid = {}
        for experiment, curve in curves.items():
            regret = (top - curve) / top if top > 0 else np.full(len(grid), np.nan)
            on_grid[experiment] = (normalised[experiment][0], curve, regret)
        frames += _benchmark_rows(study, runs, grid, on_grid, metric="hypervolume", mode="max")
    return _finish(frames, x, multi)


def _benchmark_rows(
    study: Study,
    runs: pd.DataFrame,
    grid: np.ndarray,
    on_grid: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    metric: str,
    mode: Mode,
) -> list[pd.DataFrame]:
    """The `curves` rows of every run of one benchmark, in one frame.

    Args:
        study: The study (for the runs' decision time).
        runs: The benchmark's runs.
        grid: The benchmark's grid, shape (n_grid,).
        on_grid: Experiment -> (x value of each of its results, shape (n,); its value
            and its regret on `grid`, shape (n_grid,) each).
        metric: What `value` is.
        mode: Direction of `value`.
    """
    identities = _identities(runs)
    n_grid, n_runs = len(grid), len(identities)
    columns: dict[str, list[np.ndarray]] = {"value": [], "regret": [], "decision": []}
    for experiment, _, _ in identities:
        xs, value, regret = on_grid[experiment]
        columns["value"].append(value)
        columns["regret"].append(regret)
        columns["decision"].append(_decision_seconds(study, experiment, xs, grid))
    rows: pd.DataFrame = pd.DataFrame(
        {
            "benchmark": str(runs["benchmark"].iloc[0]),
            "method": np.repeat(np.array([m for _, m, _ in identities], dtype=object), n_grid),
            "seed": np.repeat(np.array([s for _, _, s in identities], dtype=np.int64), n_grid),
            "step": np.tile(np.arange(n_grid), n_runs),
            "x": np.tile(grid, n_runs),
            "fraction": np.tile(grid / grid[-1], n_runs),
            "value": np.concatenate(columns["value"]),
            "regret": np.concatenate(columns["regret"]),
            "metric": metric,
            "mode": mode,
            "decision_seconds": np.concatenate(columns["decision"]),
        }
    )
    return [rows]


def _decision_seconds(
    study: Study, experiment: str, xs: np.ndarray, grid: np.ndarray
) -> np.ndarray:
    """Decision seconds spent up to each grid point, shape (n_grid,); NaN without them.

    `xs` are the x values of the experiment's results, in the order of its rows.
    """
    results = study.results.get(experiment)
    if results is None or results.empty or DECISION_TIME not in results:
        return np.full(len(grid), np.nan)
    order = np.argsort(xs, kind="stable")
    seconds = np.nan_to_num(results[DECISION_TIME].to_numpy(dtype=float)[order])
    spent = np.concatenate([[0.0], np.cumsum(seconds)])
    return spent[np.searchsorted(xs[order], grid, side="right")]


def _finish(frames: list[pd.DataFrame], x: str, runs: pd.DataFrame) -> pd.DataFrame:
    """The curves of `frames`, with their x label and, against cost, what their budget
    fractions are fractions of (`options.budget_of`) in `attrs`."""
    columns = ["benchmark", "method", "seed", "step", "x", "fraction", "value", "regret"]
    curves = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*columns, "metric", "mode", "decision_seconds"])
    )
    curves.attrs["x_label"] = X_LABELS[x]
    if x == "cost":
        recorded = BUDGET_FIELDS[x] in runs and runs[BUDGET_FIELDS[x]].notna().all()
        curves.attrs[BUDGET_ATTR] = COST_BUDGET if recorded else COST_BUDGET_OR_MOST
    return curves


def _experiments(runs: pd.DataFrame) -> list[str]:
    return [str(e) for e in runs["experiment"]]


def _identities(runs: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(experiment, method, seed) of each run."""
    return [
        (str(e), str(m), int(s))
        for e, m, s in zip(runs["experiment"], runs["method"], runs["seed"], strict=True)
    ]


def _objective(runs: pd.DataFrame, metric: str | None) -> tuple[str, Mode]:
    """The metric and mode of a benchmark's runs (they must agree)."""
    benchmark = runs["benchmark"].iloc[0]
    if metric is not None:
        modes = set()
        for metrics, run_modes in zip(runs["metrics"], runs["modes"], strict=True):
            if metric in metrics:
                modes.add(run_modes[list(metrics).index(metric)])
        return metric, cast(Mode, modes.pop() if len(modes) == 1 else "min")
    pairs = set(zip(runs["metric"], runs["mode"], strict=True))
    if len(pairs) != 1:
        raise ValueError(
            f"benchmark {benchmark!r}: the runs optimise different metrics {sorted(pairs)}; "
            "choose one with --metric or select runs with --where"
        )
    name, mode = pairs.pop()
    if mode not in ("min", "max"):
        raise ValueError(f"benchmark {benchmark!r}: mode {mode!r} is neither 'min' nor 'max'")
    return str(name), cast(Mode, mode)


def _xy(
    study: Study, experiment: str, metric: str, *, x: str, benchmark: str
) -> tuple[np.ndarray, np.ndarray]:
    xs, columns = _xy_many(study, experiment, [metric], x=x, benchmark=benchmark)
    return xs, columns[:, 0]


def _xy_many(
    study: Study, experiment: str, metrics: Sequence[str], *, x: str, benchmark: str
) -> tuple[np.ndarray, np.ndarray]:
    """The x value of each result and the metric columns, shapes (n,), (n, m)."""
    results = study.results.get(experiment)  # no default frame built per call: 3,000 add up
    if results is None or results.empty:
        return np.zeros(0), np.zeros((0, len(metrics)))
    absent = [m for m in metrics if m not in results]
    if absent:
        raise KeyError(
            f"experiment {experiment!r} ({benchmark}) reported no {absent}; its results "
            f"have the columns {sorted(results.columns)}"
        )
    values = np.column_stack([results[m].to_numpy(dtype=float) for m in metrics])
    constraint = constraint_metric(study.metadata[experiment], experiment=experiment)
    infeasible = ~feasible_mask(results, constraint)
    for j, name in enumerate(metrics):
        if name != constraint:  # an infeasible result is never a best
            values[infeasible, j] = np.nan
    if x == "time":
        xs = results["tuner_time"].to_numpy(dtype=float)
    elif x == "results":
        order = np.argsort(results["tuner_time"].to_numpy(), kind="stable")
        xs = np.empty(len(results))
        xs[order] = np.arange(1, len(results) + 1)
    elif x == "cost":
        xs = _cost_x(study, experiment, results, benchmark=benchmark)
    else:
        xs = _resource_spent(results, study.metadata[experiment].get("resource_attr"))
    return xs, values


def _cost_x(study: Study, experiment: str, results: pd.DataFrame, *, benchmark: str) -> np.ndarray:
    """Cost spent over all trials up to each result; ValueError for a run without cost."""
    column = cost_column(results, study.metadata[experiment])
    if column is None:
        raise ValueError(
            f"x='cost': experiment {experiment!r} ({benchmark}) recorded no cost: its results "
            "have no 'worker_cost' column and its metadata.json names no 'cost_attr' metric "
            "among them; plot it against time, results or resource instead"
        )
    return cost_spent(results, column)


def _resource_spent(results: pd.DataFrame, resource_attr: str | None) -> np.ndarray:
    """Cumulative resource over all trials at each result (1 per result without one)."""
    order = np.argsort(results["tuner_time"].to_numpy(), kind="stable")
    ordered = results.iloc[order]
    if resource_attr and resource_attr in ordered:
        level = ordered[resource_attr].to_numpy(dtype=float)
        previous = ordered.groupby("trial_id")[resource_attr].shift(1).to_numpy(dtype=float)
        # a resumed trial that restarted from scratch reports a lower level again
        step = np.where(np.isnan(previous) | (level < previous), level, level - previous)
    else:
        step = np.ones(len(ordered))
    spent = np.empty(len(ordered))
    spent[order] = np.cumsum(step)
    return spent


def _grid(
    study: Study,
    runs: pd.DataFrame,
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    x: str,
    n_points: int,
    log_x: bool,
) -> np.ndarray:
    """The benchmark's grid: up to the recorded budget of `x` (see `curves_frame`), else
    to the largest x of its runs' results."""
    budget = BUDGET_FIELDS.get(x)
    ends = [float(b) for b in runs[budget].dropna()] if budget and budget in runs else []
    if not ends:
        ends = [float(xs.max()) for xs, _ in series.values() if len(xs)]
    if not ends or max(ends) <= 0:
        benchmark = runs["benchmark"].iloc[0]
        raise ValueError(f"benchmark {benchmark!r}: no run reported a result; nothing to plot")
    x_min = None
    if log_x:
        starts = [float(xs[xs > 0].min()) for xs, _ in series.values() if (xs > 0).any()]
        x_min = min(starts) if starts and min(starts) < max(ends) else None
    return make_grid(max(ends), n_points, x_min=x_min, log=log_x)


def _reference(
    study: Study,
    runs: pd.DataFrame,
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    name: str,
    mode: Mode,
) -> tuple[float, float]:
    """(best, worst) of `name`: recorded reference values, else the data's extremes."""
    known: dict[str, float] = {}
    for experiment in runs["experiment"]:
        recorded = (study.metadata[experiment].get("reference") or {}).get(name) or {}
        for key in ("min", "max"):
            if recorded.get(key) is not None:
                known[key] = float(recorded[key])
    seen = [values for _, values in series.values() if np.isfinite(values).any()]
    if not seen:
        benchmark = runs["benchmark"].iloc[0]
        raise ValueError(f"benchmark {benchmark!r}: no run reported a value of {name!r}")
    data_best, data_worst = reference_range(np.concatenate(seen), mode=mode)
    best_key, worst_key = ("min", "max") if mode == "min" else ("max", "min")
    best = known.get(best_key, data_best)
    worst = known.get(worst_key, data_worst)
    if best == worst:  # a benchmark where every run saw a single value
        worst = best + 1.0 if mode == "min" else best - 1.0
    return best, worst


def _normalise_objectives(
    study: Study,
    runs: pd.DataFrame,
    points: dict[str, tuple[np.ndarray, np.ndarray]],
    names: Sequence[str],
    modes: Sequence[Mode],
    recorded: dict[str, float] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every objective as a `min` objective, 0 = best known, 1 = its `recorded`
    reference point (else its worst known value)."""
    out = {k: (xs, np.empty_like(values)) for k, (xs, values) in points.items()}
    for j, (name, mode) in enumerate(zip(names, modes, strict=True)):
        column = {k: (xs, values[:, j]) for k, (xs, values) in points.items()}
        best, worst = _reference(study, runs, column, name=name, mode=mode)
        if recorded is not None:
            worst = recorded[name]
            if (best >= worst) if mode == "min" else (best <= worst):
                raise ValueError(
                    f"benchmark {runs['benchmark'].iloc[0]!r}: the best known {name!r} "
                    f"({best!r}) is not better than the hypervolume_reference {worst!r} "
                    f"for mode {mode!r}; no result can add to the hypervolume"
                )
        for k, (_, values) in points.items():
            out[k][1][:, j] = normalized_regret(values[:, j], best=best, worst=worst, mode=mode)
    return out


def hypervolume_reference(
    study: Study, runs: pd.DataFrame, names: Sequence[str]
) -> dict[str, float] | None:
    """The `hypervolume_reference` a benchmark's runs record (objective -> value), or
    None when one of them records none or lacks an objective of `names`.

    Raises:
        ValueError: The runs record different reference points.
    """
    found: dict[str, dict[str, float]] = {}
    for experiment in _experiments(runs):
        point = study.metadata[experiment].get("hypervolume_reference")
        if not isinstance(point, dict) or any(point.get(n) is None for n in names):
            return None
        found[experiment] = {n: float(point[n]) for n in names}
    distinct = {tuple(p.values()) for p in found.values()}
    if len(distinct) > 1:
        examples = {tuple(p.values()): e for e, p in found.items()}
        raise ValueError(
            f"benchmark {runs['benchmark'].iloc[0]!r}: runs record different "
            f"hypervolume_reference points for {list(names)}: "
            + "; ".join(f"{list(v)} (e.g. {e})" for v, e in sorted(examples.items()))
        )
    return next(iter(found.values())) if found else None
