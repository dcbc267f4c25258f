"""Figures of a single experiment (learning curves) and of multi-objective benchmarks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from tunelab.plotting.figures._curves import Limits, draw_benchmark_curves
from tunelab.plotting.figures._data import Statistic, Summary, check_columns
from tunelab.plotting.figures._legend import fast_best_location
from tunelab.plotting.figures._style import PALETTE, AxesOptions, LineStyle, new_axes, style_for

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TRIAL_COLOR = "#9a9a9a"
RUNG_COLOR = "#7f7f7f"
# decision value -> (legend label, marker, colour, hollow marker)
_DECISION_MARKERS: dict[str, tuple[str, str, str, bool]] = {
    "pause": ("paused (promotable)", "o", PALETTE[0], True),
    "stop": ("stopped", "x", PALETTE[1], False),
}


def learning_curves(
    results: pd.DataFrame,
    *,
    metric: str,
    mode: Literal["min", "max"],
    resource_attr: str | None = None,
    rung_levels: Sequence[float] | None = None,
    ax: Axes | None = None,
    max_trials: int | None = None,
) -> Axes:
    """Every trial's metric against its resource (or tuner time), with scheduler decisions.

    One grey line per trial; the best trial (best `metric` of any of its results) is drawn
    thick and coloured. Markers show where the scheduler paused (promotable) or stopped a
    trial, and dotted vertical lines the rung levels, which reveals how a multi-fidelity
    scheduler spent its budget.

    Args:
        results: Results of one experiment: `trial_id`, `metric`, `resource_attr` (or
            `tuner_time`), optionally `decision` ("continue", "pause", "stop" or empty).
        metric: Metric column to plot.
        mode: "min" or "max", the direction of `metric`.
        resource_attr: Resource column for the x axis; when None or absent from `results`
            (a method that never reported it), the x axis is `tuner_time`.
        rung_levels: Resource levels to mark; default the distinct resource levels of all
            pause/stop decisions. Not drawn when the x axis is `tuner_time`.
        ax: Axes to draw on; a new paper-style figure when None.
        max_trials: Draw only the first `max_trials` trials by id (plus the best trial).

    Returns:
        The axes drawn on. Artists carry gids: "trial-<id>", "decision-pause",
        "decision-stop" and "rung".

    Raises:
        ValueError: A column is missing, `mode` is not "min"/"max", `max_trials` < 1, or
            `metric` has no finite value.
    """
    where = "learning_curves"
    if resource_attr is not None and resource_attr not in results.columns:
        resource_attr = None
    x_column = resource_attr if resource_attr is not None else "tuner_time"
    check_columns(results, ("trial_id", metric, x_column), where=where)
    if mode not in ("min", "max"):
        raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")
    if max_trials is not None and max_trials < 1:
        raise ValueError(f"{where}: max_trials must be >= 1, got {max_trials}")
    rows = results.dropna(subset=[metric, x_column])
    if rows.empty:
        raise ValueError(f"{where}: column {metric!r} has no value to plot")
    by_trial = rows.groupby("trial_id")[metric]
    extremes = by_trial.min() if mode == "min" else by_trial.max()
    best = extremes.idxmin() if mode == "min" else extremes.idxmax()
    trials = sorted(extremes.index)
    shown = set(trials[:max_trials] if max_trials is not None else trials) | {best}
    rows = rows[rows["trial_id"].isin(shown)]
    decisions = _decisions(results.loc[rows.index])
    with style_for(ax):
        ax = new_axes(ax)
        for trial_id, xs, ys in _trial_curves(rows, x_column=x_column, metric=metric):
            _draw_trial(ax, xs, ys, trial_id=trial_id, best=trial_id == best)
        for decision, (label, marker, color, hollow) in _DECISION_MARKERS.items():
            hits = rows[decisions == decision]
            if not hits.empty:
                ax.plot(
                    hits[x_column],
                    hits[metric],
                    linestyle="none",
                    marker=marker,
                    color=color,
                    markerfacecolor="none" if hollow else color,
                    label=label,
                    gid=f"decision-{decision}",
                )
        if resource_attr is None:
            rung_levels = []
        elif rung_levels is None:
            stops = results[_decisions(results).isin(list(_DECISION_MARKERS))]
            rung_levels = sorted(stops[resource_attr].dropna().unique())
        for j, level in enumerate(rung_levels):
            ax.axvline(
                float(level),
                color=RUNG_COLOR,
                linestyle=":",
                linewidth=0.8,
                label="rung level" if j == 0 else None,
                gid="rung",
            )
        ax.set_xlabel(resource_attr if resource_attr is not None else "tuner time (s)")
        ax.set_ylabel(metric)
        fast_best_location(ax.legend())
    return ax


def _decisions(results: pd.DataFrame) -> pd.Series:
    """The `decision` column as strings ("" where missing or absent)."""
    if "decision" not in results.columns:
        return pd.Series("", index=results.index)
    return results["decision"].fillna("").astype(str)


def _trial_curves(
    rows: pd.DataFrame, *, x_column: str, metric: str
) -> Iterator[tuple[Any, np.ndarray, np.ndarray]]:
    """(trial id, x, y) of every trial in id order, each in report order (tuner time when
    known, ties in row order): one sort of all rows instead of one per trial."""
    codes, ids = pd.factorize(rows["trial_id"], sort=True)
    keys: list[np.ndarray] = [codes]
    if "tuner_time" in rows.columns:
        keys.insert(0, rows["tuner_time"].to_numpy(dtype=float))
    order = np.lexsort(keys)
    order = order[codes[order] >= 0]  # rows without a trial id belong to no curve
    xs = rows[x_column].to_numpy(dtype=float)[order]
    ys = rows[metric].to_numpy(dtype=float)[order]
    starts = np.flatnonzero(np.diff(codes[order], prepend=-1))
    ends = [*starts[1:], len(order)]
    for start, end in zip(starts, ends, strict=True):
        yield ids[codes[order[start]]], xs[start:end], ys[start:end]


def _draw_trial(ax: Axes, xs: np.ndarray, ys: np.ndarray, *, trial_id: Any, best: bool) -> None:
    """One trial's curve, thick if it is the best.

    The curve is clipped to the axes, so the layout leaves it out whatever it is told;
    saying so up front spares matplotlib checking a thousand curves at every layout.
    """
    (line,) = ax.plot(
        xs,
        ys,
        color=PALETTE[2] if best else TRIAL_COLOR,
        linewidth=1.8 if best else 0.7,
        alpha=1.0 if best else 0.6,
        zorder=3 if best else 2,
        label=f"best trial ({trial_id})" if best else None,
        gid=f"trial-{trial_id}",
    )
    line.set_in_layout(not line.get_clip_on())


def hypervolume_curves(
    curves: pd.DataFrame,
    *,
    benchmark: str,
    ax: Axes | None = None,
    statistic: Statistic = "iqm",
    styles: Mapping[str, LineStyle] | None = None,
    log_x: bool = False,
    log_y: bool = False,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    xlim: Limits | None = None,
    ylim: Limits | None = None,
    title: str | None = None,
) -> Axes:
    """Dominated hypervolume over time of every method on a multi-objective benchmark.

    `benchmark_curves` on the frame whose `value` is the hypervolume of the results so far
    (higher is better), labelled accordingly.

    Args:
        curves: Tidy curves frame with `value` = hypervolume.
        benchmark: Benchmark to draw.
        ax: Axes to draw on; a new paper-style figure when None.

    The other arguments are those of `benchmark_curves`.

    Returns:
        The axes drawn on.
    """
    summary = Summary(statistic, n_resamples, confidence, seed)
    ax = draw_benchmark_curves(
        curves,
        benchmark=benchmark,
        ax=ax,
        column="value",
        styles=styles,
        summary=summary,
        options=AxesOptions(title=title, log_x=log_x, log_y=log_y, xlim=xlim, ylim=ylim),
    )
    ax.set_ylabel(f"{summary.label} of hypervolume")
    return ax
