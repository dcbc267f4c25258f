"""`learning_curve_grid`: the learning curves of many experiments, a panel each, drawn
on one canvas.

A study of 3,000 experiments has 600 learning-curve panels by default. As matplotlib
Axes, each panel costs tens of milliseconds to create and draw (its ticks, labels and
their layout), most of the time of a `tunelab-plot` run. The panels of a grid share
their limits, hence their ticks: the grid draws them itself, on one Axes spanning the
figure whose data coordinates are inches. Each kind of line (grid lines, axes lines
and ticks, trials, best trials, rung levels) is one collection over all panels, and
only the outer panels have tick labels. It looks like a grid of paper-style Axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from tunelab.plotting.figures._learning import (
    BEST_COLOR,
    DECISION_MARKERS,
    RUNG_COLOR,
    TRIAL_COLOR,
    Experiment,
    prepare,
    trial_curves,
    x_label,
)
from tunelab.plotting.figures._style import paper_style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text


@dataclass(frozen=True)
class LearningCurvePanel:
    """One experiment of `learning_curve_grid`.

    Attributes:
        title: Panel title, e.g. "asha, seed 0"; the best trial's id is added to it.
        results: The experiment's results, as for `learning_curves`.
        rung_levels: Resource levels to mark; None: those of its pause/stop decisions.
        constraint: Its constraint column (metadata.json's `constraint`), as for
            `learning_curves`: only feasible results make a trial the best.
    """

    title: str
    results: pd.DataFrame
    rung_levels: Sequence[float] | None = None
    constraint: str | None = None


GRID_DPI = 150
"""Resolution of a grid's PNG: a diagnostic read on screen (a grid of 4 columns is
about 1,600 pixels wide), at a quarter of the pixels of 300 dpi."""
GRID_PNG_COMPRESSION = 1
"""zlib level of a grid's PNG: for such busy images hardly larger than with the default
(6; 5 % larger on the lcbench study, smaller on the synthetic one) and 2-3 times faster."""

# Sizes in inches: a panel, the gaps between columns and rows, the margins.
_PANEL = (2.3, 1.55)
_GAP = (0.2, 0.35)
_LEFT, _RIGHT, _TOP, _BOTTOM = 0.7, 0.1, 0.3, 0.75
_POINT = 1 / 72


def learning_curve_grid(
    panels: Sequence[LearningCurvePanel | None],
    *,
    metric: str,
    mode: Literal["min", "max"],
    resource_attr: str | None = None,
    ncols: int = 4,
    max_trials: int | None = None,
) -> Figure:
    """The learning curves of several experiments of one benchmark, a panel each.

    Each panel shows what `learning_curves` shows of its experiment, its title followed
    by the id of its best trial. Panels share their y limits, and their x limits where
    they share the x axis, so that experiments (e.g. methods) compare at a glance; y
    tick labels are on the left, x tick labels under the last panel of each column, and
    one legend below says what lines and markers stand for. The panels are drawn on one
    Axes spanning the figure (data coordinates in inches), not as Axes of their own.

    Args:
        panels: The experiments in panel order, filling rows of `ncols`; None leaves its
            slot empty (e.g. a method with fewer seeds than the others).
        metric: Metric column to plot (the same in every experiment).
        mode: "min" or "max", the direction of `metric`.
        resource_attr: Resource column for the x axes (`tuner_time` for a panel whose
            results lack it).
        ncols: Panels per row.
        max_trials: As for `learning_curves`.

    Returns:
        The new figure. Its collections carry gids: "trials" (every trial but the best
        of each panel), "best-trials" (one segment per panel), "rungs", "grid", "frames"
        (axes lines and ticks); its marker lines "decision-pause" and "decision-stop".

    Raises:
        ValueError: No panel, `ncols` < 1, or bad input as for `learning_curves` (the
            message names the panel).
    """
    where = "learning_curve_grid"
    if ncols < 1:
        raise ValueError(f"{where}: ncols must be >= 1, got {ncols}")
    if not any(panel is not None for panel in panels):
        raise ValueError(f"{where}: no panel to draw")
    experiments = {
        i: prepare(
            panel.results,
            metric=metric,
            mode=mode,
            resource_attr=resource_attr,
            rung_levels=panel.rung_levels,
            max_trials=max_trials,
            where=f"{where}, panel {panel.title!r}",
            constraint=panel.constraint,
        )
        for i, panel in enumerate(panels)
        if panel is not None
    }
    ncols = min(ncols, len(panels))
    grid = _Grid(nrows=math.ceil(len(panels) / ncols), ncols=ncols)
    with paper_style():
        # A layout engine that does nothing: without one, saving would install the
        # paper style's constrained layout for the next format (savefig restores the
        # engine from rcParams), which would move the one Axes.
        fig = plt.figure(figsize=grid.size, layout=PlaceHolderLayoutEngine(True, True))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()
        ax.set_xlim(0.0, grid.size[0])
        ax.set_ylim(0.0, grid.size[1])
        y, xs = _scales(experiments, metric=metric)
        common = _common_x(experiments)
        canvas = _Canvas(ax)
        for i, experiment in experiments.items():
            panel = panels[i]
            assert panel is not None  # experiments holds the panels that are not None
            last_in_column = i + ncols >= len(panels) or panels[i + ncols] is None
            own_x = experiment.x_column != common
            canvas.panel(
                grid.box(i),
                experiment,
                metric=metric,
                x=xs[experiment.x_column],
                y=y,
                title=f"{panel.title}, best trial {experiment.best}"
                if experiment.best is not None
                else f"{panel.title}, no feasible result",
                x_labels=last_in_column or own_x,
                y_labels=i % ncols == 0,
                x_title=_axis_title(x_label(experiment.x_column), xs[experiment.x_column])
                if own_x
                else None,
            )
        canvas.draw()
        canvas.finish(
            grid,
            x_title=_axis_title(x_label(common), xs[common]),
            y_title=_axis_title(metric, y),
        )
    return fig


@dataclass(frozen=True)
class _Grid:
    """Where the panels are, in inches from the figure's lower left corner."""

    nrows: int
    ncols: int

    @property
    def size(self) -> tuple[float, float]:
        width = _LEFT + self.ncols * _PANEL[0] + (self.ncols - 1) * _GAP[0] + _RIGHT
        height = _TOP + self.nrows * _PANEL[1] + (self.nrows - 1) * _GAP[1] + _BOTTOM
        return width, height

    def box(self, i: int) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of panel `i`."""
        row, col = divmod(i, self.ncols)
        left = _LEFT + col * (_PANEL[0] + _GAP[0])
        top = self.size[1] - _TOP - row * (_PANEL[1] + _GAP[1])
        return left, top - _PANEL[1], left + _PANEL[0], top


@dataclass(frozen=True)
class _Scale:
    """A shared axis: its view limits, ticks and their labels (as matplotlib's
    AutoLocator and ScalarFormatter would choose them for a panel)."""

    low: float
    high: float
    ticks: np.ndarray
    labels: list[str]
    offset: str

    @classmethod
    def of(cls, values: np.ndarray, *, axis: Literal["x", "y"], length: float) -> _Scale:
        """The scale of data `values` (their finite ones) on an `axis` `length` inches
        long: matplotlib's limits (non-singular, with margins) and ticks (as many as fit
        the labels)."""
        locator = MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10])  # AutoLocator's
        finite = values[np.isfinite(values)]  # as matplotlib, not scaled by a diverged value
        if not len(finite):
            finite = np.array([0.0, 1.0])
        low, high = locator.nonsingular(float(finite.min()), float(finite.max()))
        rc: Any = mpl.rcParams
        margin = rc[f"axes.{axis}margin"] * (high - low)
        low, high = low - margin, high + margin
        # matplotlib's tick space: the axis length over 3 (x) or 2 (y) label heights
        space = math.floor(
            length * 72 / (_points(f"{axis}tick.labelsize") * {"x": 3, "y": 2}[axis])
        )
        locator.set_params(nbins=int(np.clip(space, 1, 9)))
        ticks = np.asarray(locator.tick_values(low, high), dtype=float)
        tolerance = 1e-10 * (high - low)
        ticks = ticks[(ticks >= low - tolerance) & (ticks <= high + tolerance)]
        formatter = ScalarFormatter()
        formatter.create_dummy_axis()
        assert formatter.axis is not None, "create_dummy_axis gives it one"
        formatter.axis.set_view_interval(low, high)
        labels = formatter.format_ticks(list(ticks))
        return cls(low, high, ticks, labels, formatter.get_offset())

    def place(self, values: np.ndarray, start: float, end: float) -> np.ndarray:
        """`values` in inches, the axis running from `start` to `end`."""
        return start + (np.asarray(values, dtype=float) - self.low) / (self.high - self.low) * (
            end - start
        )


def _scales(experiments: dict[int, Experiment], *, metric: str) -> tuple[_Scale, dict[str, _Scale]]:
    """The y scale of `metric` and the x scale of each x column, over all panels (the x
    scales also span the rung levels)."""
    ys = np.concatenate([e.rows[metric].to_numpy(dtype=float) for e in experiments.values()])
    xs: dict[str, list[np.ndarray]] = {}
    for e in experiments.values():
        xs.setdefault(e.x_column, []).append(e.rows[e.x_column].to_numpy(dtype=float))
        xs[e.x_column].append(np.asarray(e.rung_levels, dtype=float))
    y = _Scale.of(ys, axis="y", length=_PANEL[1])
    x = {c: _Scale.of(np.concatenate(p), axis="x", length=_PANEL[0]) for c, p in xs.items()}
    return y, x


def _common_x(experiments: dict[int, Experiment]) -> str:
    """The x column of most panels (the first of them on a tie)."""
    columns = [e.x_column for e in experiments.values()]
    return max(dict.fromkeys(columns), key=columns.count)


def _points(name: str) -> float:
    """The font size of rcParams[`name`] in points (it may be a name, e.g. "small")."""
    rc: Any = mpl.rcParams
    return float(FontProperties(size=rc[name]).get_size_in_points())


def _axis_title(label: str, scale: _Scale) -> str:
    """An axis label with its scale's offset (e.g. "1e6") where the tick labels have one."""
    return f"{label} ({scale.offset})" if scale.offset else label


class _Canvas:
    """Collects the lines, markers and texts of every panel, then draws each kind of
    line once, as one collection."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.lines: dict[str, list[np.ndarray]] = {gid: [] for gid in _LINE_STYLES}
        self.markers: dict[str, list[np.ndarray]] = {d: [] for d in DECISION_MARKERS}
        self.y_labels: list[Text] = []
        self.tick = mpl.rcParams["xtick.major.size"] * _POINT
        self.gap = self.tick + mpl.rcParams["xtick.major.pad"] * _POINT  # tick label to axis

    def panel(
        self,
        box: tuple[float, float, float, float],
        experiment: Experiment,
        *,
        metric: str,
        x: _Scale,
        y: _Scale,
        title: str,
        x_labels: bool,
        y_labels: bool,
        x_title: str | None,
    ) -> None:
        """Lines, markers and texts of one panel in `box` (left, bottom, right, top).

        `x_labels`/`y_labels`: whether it has tick labels; `x_title`: its own x label,
        where its x axis is not the grid's.
        """
        left, bottom, right, top = box
        x_ticks, y_ticks = x.place(x.ticks, left, right), y.place(y.ticks, bottom, top)
        self._frame(box, x_ticks, y_ticks)
        for trial_id, xs, ys in trial_curves(
            experiment.rows, x_column=experiment.x_column, metric=metric
        ):
            curve = np.column_stack([x.place(xs, left, right), y.place(ys, bottom, top)])
            self.lines["best-trials" if trial_id == experiment.best else "trials"].append(curve)
        rows, decisions = experiment.rows, experiment.decisions.to_numpy()
        x_rows = x.place(rows[experiment.x_column].to_numpy(dtype=float), left, right)
        y_rows = y.place(rows[metric].to_numpy(dtype=float), bottom, top)
        for decision, points in self.markers.items():
            hits = decisions == decision
            points.append(np.column_stack([x_rows[hits], y_rows[hits]]))
        for level in x.place(np.asarray(experiment.rung_levels, dtype=float), left, right):
            self.lines["rungs"].append(np.array([[level, bottom], [level, top]]))
        text, size = self.ax.text, _points("xtick.labelsize")
        pad = mpl.rcParams["axes.titlepad"] * _POINT
        text((left + right) / 2, top + pad, title, ha="center", va="baseline", fontsize="medium")
        if x_labels:
            for t, label in zip(x_ticks, x.labels, strict=True):
                text(t, bottom - self.gap, label, ha="center", va="top", fontsize=size)
        if x_title is not None:
            below = bottom - self.gap - 1.3 * size * _POINT
            text((left + right) / 2, below, x_title, ha="center", va="top", fontsize=size)
        if y_labels:
            self.y_labels += [
                text(left - self.gap, t, label, ha="right", va="center_baseline", fontsize=size)
                for t, label in zip(y_ticks, y.labels, strict=True)
            ]

    def _frame(
        self, box: tuple[float, float, float, float], x_ticks: np.ndarray, y_ticks: np.ndarray
    ) -> None:
        """Grid lines, the left and bottom axis lines and their outward ticks."""
        left, bottom, right, top = box
        grid, frames = self.lines["grid"], self.lines["frames"]
        grid += [np.array([[t, bottom], [t, top]]) for t in x_ticks]
        grid += [np.array([[left, t], [right, t]]) for t in y_ticks]
        frames.append(np.array([[left, top], [left, bottom], [right, bottom]]))
        frames += [np.array([[t, bottom], [t, bottom - self.tick]]) for t in x_ticks]
        frames += [np.array([[left, t], [left - self.tick, t]]) for t in y_ticks]

    def draw(self) -> None:
        """Add one collection per kind of line, one marker line per decision."""
        for gid, segments in self.lines.items():
            collection = LineCollection(segments, gid=gid, **_LINE_STYLES[gid])
            self.ax.add_collection(collection, autolim=False)
        for decision, (_, marker, color, hollow) in DECISION_MARKERS.items():
            points = np.concatenate(self.markers[decision])
            if len(points):
                self.ax.plot(
                    points[:, 0], points[:, 1], gid=f"decision-{decision}", zorder=2.1,
                    **_marker_style(marker, color, hollow=hollow),
                )  # fmt: skip

    def finish(self, grid: _Grid, *, x_title: str, y_title: str) -> None:
        """The x label under the panels, the y label left of the y tick labels (measured,
        as matplotlib places an axis label) and the legend below everything."""
        ax = self.ax
        width, height = grid.size
        middle = (_LEFT + width - _RIGHT) / 2
        size = _points("axes.labelsize")
        pad = mpl.rcParams["axes.labelpad"] * _POINT
        tick_labels = 1.3 * _points("xtick.labelsize") * _POINT  # their line height
        x_top = _BOTTOM - self.gap - tick_labels - pad
        ax.text(middle, x_top, x_title, ha="center", va="top", fontsize=size)
        renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        dpi = ax.figure.dpi
        lefts = [t.get_window_extent(renderer).x0 / dpi for t in self.y_labels]
        y_right = min(lefts, default=_LEFT - self.gap) - pad
        middle_y = (height - _TOP + _BOTTOM) / 2
        ax.text(y_right, middle_y, y_title, ha="right", va="center", rotation=90, fontsize=size)
        handles, labels = self._legend_entries()
        ax.legend(
            handles,
            labels,
            ncol=len(labels),
            loc="upper center",
            bbox_to_anchor=(middle, x_top - 1.3 * size * _POINT - pad),
            bbox_transform=ax.transData,
        )

    def _legend_entries(self) -> tuple[list[Any], list[str]]:
        """Handles and labels of every kind of line and marker drawn."""
        entries: dict[str, Any] = {
            "other trials": LineCollection([], **_LINE_STYLES["trials"]),
            "best trial": LineCollection([], **_LINE_STYLES["best-trials"]),
        }
        for decision, (label, marker, color, hollow) in DECISION_MARKERS.items():
            if any(len(points) for points in self.markers[decision]):
                entries[label] = Line2D([], [], **_marker_style(marker, color, hollow=hollow))
        if self.lines["rungs"]:
            entries["rung level"] = LineCollection([], **_LINE_STYLES["rungs"])
        return list(entries.values()), list(entries)


def _marker_style(marker: str, color: str, *, hollow: bool) -> dict[str, Any]:
    face = "none" if hollow else color
    return {"linestyle": "none", "marker": marker, "color": color, "markerfacecolor": face}


_LINE = {"capstyle": "projecting", "joinstyle": "round"}  # those of a matplotlib line
# gid -> style of the collection of every panel's lines of that kind, in drawing order
# (matplotlib's: grid lines under the data, axis lines over it, the best trial on top)
_LINE_STYLES: dict[str, dict[str, Any]] = {
    "grid": {"colors": "#d9d9d9", "linewidths": 0.5, "zorder": 1},
    "trials": {"colors": TRIAL_COLOR, "linewidths": 0.7, "alpha": 0.6, **_LINE, "zorder": 2},
    "rungs": {"colors": RUNG_COLOR, "linewidths": 0.8, "linestyles": ":", "zorder": 2.2},
    "frames": {"colors": "black", "linewidths": 0.8, "capstyle": "projecting", "zorder": 2.5},
    "best-trials": {"colors": BEST_COLOR, "linewidths": 1.8, **_LINE, "zorder": 3},
}  # fmt: skip
