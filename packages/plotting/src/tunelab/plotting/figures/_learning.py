"""Learning curves: every trial's metric against its resource, with the scheduler's
decisions, of one experiment (`learning_curves`; `learning_curve_grid` draws many).

An experiment has hundreds or thousands of trials. Their curves are one
`LineCollection` instead of a line each, which was most of the cost of drawing and
saving these figures; it looks the same (same colour, width, transparency, caps,
joins and drawing order): the PNG is the same pixel for pixel, but where a trial has
128 results or more, whose line matplotlib simplifies and a collection's not, a shade
apart in a few pixels. The best trial stays a line of its own, drawn on top. The
collection is not rasterised in vector formats: at up to 200,000 points that made
saving a PDF slower, and the file larger below 20,000.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from tunelab.plotting.constraints import feasible_mask
from tunelab.plotting.figures._data import check_columns
from tunelab.plotting.figures._legend import fast_best_location
from tunelab.plotting.figures._style import PALETTE, new_axes, style_for

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TRIAL_COLOR = "#9a9a9a"
RUNG_COLOR = "#7f7f7f"
BEST_COLOR = PALETTE[2]
# decision value -> (legend label, marker, colour, hollow marker)
DECISION_MARKERS: dict[str, tuple[str, str, str, bool]] = {
    "pause": ("paused (promotable)", "o", PALETTE[0], True),
    "stop": ("stopped", "x", PALETTE[1], False),
}


@dataclass(frozen=True)
class Experiment:
    """What a learning-curve panel draws of one experiment's results.

    Attributes:
        rows: The results drawn (finite metric and x, shown trials only).
        x_column: Column of the x axis (the resource, or `tuner_time`).
        best: Id of the best trial (best feasible result), None when no result is
            feasible.
        decisions: Decision of each of `rows` ("" for none).
        rung_levels: Resource levels to mark.
    """

    rows: pd.DataFrame
    x_column: str
    best: Any
    decisions: pd.Series
    rung_levels: list[float]


def learning_curves(
    results: pd.DataFrame,
    *,
    metric: str,
    mode: Literal["min", "max"],
    resource_attr: str | None = None,
    rung_levels: Sequence[float] | None = None,
    ax: Axes | None = None,
    max_trials: int | None = None,
    constraint: str | None = None,
) -> Axes:
    """Every trial's metric against its resource (or tuner time), with scheduler decisions.

    The trials are grey lines (one `LineCollection`); the best trial (best `metric` of
    any of its feasible results) is drawn thick and coloured. Markers show where the scheduler
    paused (promotable) or stopped a trial, and dotted vertical lines the rung levels,
    which reveals how a multi-fidelity scheduler spent its budget.

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
        constraint: Constraint column (metadata.json's `constraint`): only results
            whose value is <= 0 can make a trial the best; without a feasible result no
            trial is marked best.

    Returns:
        The axes drawn on. Artists carry gids: "trials" (the collection of every trial
        but the best, in trial id order), "trial-<id>" (the best trial),
        "decision-pause", "decision-stop" and "rung".

    Raises:
        ValueError: A column is missing, `mode` is not "min"/"max", `max_trials` < 1, or
            `metric` has no finite value.
    """
    experiment = prepare(
        results,
        metric=metric,
        mode=mode,
        resource_attr=resource_attr,
        rung_levels=rung_levels,
        max_trials=max_trials,
        where="learning_curves",
        constraint=constraint,
    )
    with style_for(ax):
        ax = new_axes(ax)
        _draw_experiment(ax, experiment, metric=metric)
        ax.set_xlabel(x_label(experiment.x_column))
        ax.set_ylabel(metric)
        if ax.get_legend_handles_labels()[0]:  # nothing to explain without a best trial
            fast_best_location(ax.legend())
    return ax


def prepare(
    results: pd.DataFrame,
    *,
    metric: str,
    mode: str,
    resource_attr: str | None,
    rung_levels: Sequence[float] | None,
    max_trials: int | None,
    where: str,
    constraint: str | None = None,
) -> Experiment:
    """Check `results` and choose what to draw of them (see `learning_curves`)."""
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
    best = _best_trial(rows, metric=metric, mode=mode, constraint=constraint)
    if max_trials is not None or rows["trial_id"].isna().any():  # else every row is shown
        trials = sorted(rows["trial_id"].dropna().unique())
        shown = set(trials[:max_trials] if max_trials is not None else trials)
        shown |= set() if best is None else {best}
        rows = rows[rows["trial_id"].isin(shown)]
    if resource_attr is None:
        levels: list[float] = []
    elif rung_levels is None:
        stops = results[_decisions(results).isin(list(DECISION_MARKERS))]
        levels = sorted(stops[resource_attr].dropna().unique())
    else:
        levels = list(rung_levels)
    return Experiment(
        rows=rows,
        x_column=x_column,
        best=best,
        decisions=_decisions(rows),
        rung_levels=levels,
    )


def _draw_experiment(ax: Axes, experiment: Experiment, *, metric: str) -> None:
    """Trials, best trial, decision markers and rung levels of `experiment` on `ax`."""
    rows, x_column = experiment.rows, experiment.x_column
    others, best = [], None
    for trial_id, xs, ys in trial_curves(rows, x_column=x_column, metric=metric):
        if trial_id == experiment.best:
            best = (xs, ys)
        else:
            others.append(np.column_stack([xs, ys]))
    # Clipped to the axes, the curves cannot widen the layout: saying so spares
    # matplotlib measuring them. Caps and joins are those of a line (Line2D).
    trials = LineCollection(
        others,
        colors=TRIAL_COLOR,
        linewidths=0.7,
        alpha=0.6,
        zorder=2,
        capstyle="projecting",
        joinstyle="round",
        gid="trials",
    )
    trials.set_in_layout(False)
    ax.add_collection(trials)
    if best is not None:  # None: no feasible result, so no best trial
        (line,) = ax.plot(
            *best,
            color=BEST_COLOR,
            linewidth=1.8,
            zorder=3,
            label=f"best trial ({experiment.best})",
            gid=f"trial-{experiment.best}",
        )
        line.set_in_layout(False)
    for decision, (label, marker, color, hollow) in DECISION_MARKERS.items():
        hits = rows[experiment.decisions == decision]
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
    for j, level in enumerate(experiment.rung_levels):
        ax.axvline(
            float(level),
            color=RUNG_COLOR,
            linestyle=":",
            linewidth=0.8,
            label="rung level" if j == 0 else None,
            gid="rung",
        )


def _best_trial(rows: pd.DataFrame, *, metric: str, mode: str, constraint: str | None) -> Any:
    """Id of the trial with the best feasible `metric` value; None when none is feasible."""
    if constraint is not None and constraint != metric:
        rows = rows[feasible_mask(rows, constraint)]
    rows = rows.dropna(subset=["trial_id"])
    if rows.empty:
        return None
    by_trial = rows.groupby("trial_id")[metric]
    extremes = by_trial.min() if mode == "min" else by_trial.max()
    return extremes.idxmin() if mode == "min" else extremes.idxmax()


def _decisions(results: pd.DataFrame) -> pd.Series:
    """The `decision` column as strings ("" where missing or absent)."""
    if "decision" not in results.columns:
        return pd.Series("", index=results.index)
    return results["decision"].fillna("").astype(str)


def trial_curves(
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


def x_label(x_column: str) -> str:
    """The x axis label of learning curves against `x_column`."""
    return "tuner time (s)" if x_column == "tuner_time" else x_column
