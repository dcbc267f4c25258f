"""Anytime-performance figures: per-benchmark curves, their grid, aggregates and ranks."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pandas as pd

from tunelab.plotting.figures._data import (
    Statistic,
    Summary,
    check_curves,
    check_known,
    choose,
    column_modes,
    curve_array,
    fraction_grid,
    grid_of,
    orient,
    quantity_label,
    require_complete,
)
from tunelab.plotting.figures._style import (
    LineStyle,
    draw_estimate,
    finish_axes,
    new_axes,
    paper_style,
    resolve_styles,
    shared_legend,
    style_for,
)
from tunelab.plotting.stats import average_ranks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Limits = tuple[float, float]
FRACTION_LABEL = "fraction of the budget"


def benchmark_curves(
    curves: pd.DataFrame,
    *,
    benchmark: str,
    ax: Axes | None = None,
    column: str = "value",
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
    """Best-so-far curves of every method on one benchmark, with confidence bands.

    Per method: the statistic over seeds at each grid point (line) and its bootstrap
    confidence interval, or quartiles for "median" (band), against the benchmark's `x`.

    Args:
        curves: Tidy curves frame.
        benchmark: Benchmark to draw.
        ax: Axes to draw on; a new paper-style figure when None.
        column: "value" (raw metric) or "regret".
        statistic: "iqm", "mean" or "median" over seeds.
        styles: Method -> style; default `method_styles` of all methods of the frame, sorted.
        log_x: Logarithmic x axis.
        log_y: Logarithmic y axis.
        n_resamples: Bootstrap resamples for the band (0: no band).
        confidence: Coverage of the band.
        seed: Seed of the bootstrap generator (a fresh one per method).
        xlim: Optional x limits.
        ylim: Optional y limits.
        title: Axes title; default the benchmark name.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: A column is missing or `benchmark` is not in the frame.
    """
    where = "benchmark_curves"
    summary = Summary(statistic, n_resamples, confidence, seed)
    check_curves(curves, column=column, where=where)
    check_known([benchmark], curves["benchmark"], kind="benchmark", where=where)
    styles = resolve_styles(list(curves["method"].unique()), styles, where=where)
    rows = curves[curves["benchmark"] == benchmark]
    methods = sorted(rows["method"].unique())
    values, mask = curve_array(rows, column=column, methods=methods, benchmarks=[benchmark])
    x = grid_of(rows, benchmark=benchmark)
    with style_for(ax):
        ax = new_axes(ax)
        for i, method in enumerate(methods):
            estimate = summary.estimate(values[i], mask[i])
            draw_estimate(ax, x, estimate, style=styles[method], label=method)
        quantity = quantity_label(rows, column=column, benchmarks=[benchmark])
        finish_axes(
            ax,
            xlabel=str(curves.attrs.get("x_label", "x")),
            ylabel=f"{summary.label} of {quantity}",
            title=benchmark if title is None else title,
            log_x=log_x,
            log_y=log_y,
            xlim=xlim,
            ylim=ylim,
        )
    return ax


def benchmark_grid(
    curves: pd.DataFrame,
    *,
    benchmarks: Sequence[str] | None = None,
    ncols: int = 3,
    titles: Mapping[str, str] | None = None,
    xlims: Mapping[str, Limits] | None = None,
    ylims: Mapping[str, Limits] | None = None,
    column: str = "value",
    statistic: Statistic = "iqm",
    styles: Mapping[str, LineStyle] | None = None,
    log_x: bool = False,
    log_y: bool = False,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Figure:
    """One `benchmark_curves` subplot per benchmark and a single legend below them.

    Args:
        curves: Tidy curves frame.
        benchmarks: Benchmarks in subplot order; default all, sorted.
        ncols: Subplots per row.
        titles: Optional benchmark -> subplot title (others keep the benchmark name).
        xlims: Optional benchmark -> x limits.
        ylims: Optional benchmark -> y limits.
        column: As in `benchmark_curves`.
        statistic: As in `benchmark_curves`.
        styles: As in `benchmark_curves`.
        log_x: As in `benchmark_curves`.
        log_y: As in `benchmark_curves`.
        n_resamples: As in `benchmark_curves`.
        confidence: As in `benchmark_curves`.
        seed: As in `benchmark_curves`.

    Returns:
        The new figure.

    Raises:
        ValueError: Bad input as for `benchmark_curves`, or `ncols` < 1.
    """
    where = "benchmark_grid"
    if ncols < 1:
        raise ValueError(f"{where}: ncols must be >= 1, got {ncols}")
    check_curves(curves, column=column, where=where)
    names = choose(curves, "benchmark", benchmarks, where=where)
    styles = resolve_styles(list(curves["method"].unique()), styles, where=where)
    Summary(statistic, n_resamples, confidence, seed)  # fail before creating a figure
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    with paper_style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(2.4 * ncols, 1.9 * nrows + 0.4), squeeze=False
        )
        for ax, name in zip(axes.flat, names, strict=False):
            benchmark_curves(
                curves,
                benchmark=name,
                ax=ax,
                column=column,
                statistic=statistic,
                styles=styles,
                log_x=log_x,
                log_y=log_y,
                n_resamples=n_resamples,
                confidence=confidence,
                seed=seed,
                xlim=(xlims or {}).get(name),
                ylim=(ylims or {}).get(name),
                title=(titles or {}).get(name, name),
            )
            legend = ax.get_legend()
            if legend is not None:
                legend.remove()
        for ax in axes.flat[len(names) :]:
            ax.remove()
        shared_legend(fig, list(axes.flat[: len(names)]), order=list(styles))
    return fig


def aggregate_curves(
    curves: pd.DataFrame,
    *,
    ax: Axes | None = None,
    column: str = "regret",
    statistic: Statistic = "iqm",
    styles: Mapping[str, LineStyle] | None = None,
    benchmarks: Sequence[str] | None = None,
    log_x: bool = False,
    log_y: bool = False,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    xlim: Limits | None = None,
    ylim: Limits | None = None,
    title: str | None = None,
) -> Axes:
    """The statistic of `column` pooled over all runs of all benchmarks, vs budget fraction.

    Agarwal et al. (2021), "Deep RL at the edge of the statistical precipice": IQM with
    confidence bands from a bootstrap stratified by benchmark. Every method needs runs on
    every benchmark.

    Args:
        curves: Tidy curves frame.
        ax: Axes to draw on; a new paper-style figure when None.
        column: Column pooled over benchmarks; "regret" makes benchmarks comparable.
        statistic: "iqm", "mean" or "median".
        styles: Method -> style; default `method_styles` of all methods, sorted.
        benchmarks: Benchmarks to pool; default all.
        log_x: Logarithmic x axis.
        log_y: Logarithmic y axis.
        n_resamples: Bootstrap resamples (0: no band).
        confidence: Coverage of the band.
        seed: Seed of the bootstrap generator (a fresh one per method).
        xlim: Optional x limits.
        ylim: Optional y limits.
        title: Optional axes title.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: A column or benchmark is missing, or a method lacks a benchmark.
    """
    where = "aggregate_curves"
    summary = Summary(statistic, n_resamples, confidence, seed)
    check_curves(curves, column=column, where=where)
    names = choose(curves, "benchmark", benchmarks, where=where)
    methods = sorted(curves["method"].unique())
    styles = resolve_styles(methods, styles, where=where)
    values, mask = curve_array(curves, column=column, methods=methods, benchmarks=names)
    require_complete(mask, methods=methods, benchmarks=names, where=where)
    x = fraction_grid(curves, benchmarks=names)
    with style_for(ax):
        ax = new_axes(ax)
        for i, method in enumerate(methods):
            estimate = summary.estimate(values[i], mask[i])
            draw_estimate(ax, x, estimate, style=styles[method], label=method)
        quantity = quantity_label(curves, column=column, benchmarks=names)
        finish_axes(
            ax,
            xlabel=FRACTION_LABEL,
            ylabel=f"{summary.label} of {quantity}",
            title=title,
            log_x=log_x,
            log_y=log_y,
            xlim=xlim,
            ylim=ylim,
        )
    return ax


def rank_curves(
    curves: pd.DataFrame,
    *,
    ax: Axes | None = None,
    column: str = "regret",
    styles: Mapping[str, LineStyle] | None = None,
    benchmarks: Sequence[str] | None = None,
    log_x: bool = False,
    xlim: Limits | None = None,
    ylim: Limits | None = None,
    title: str | None = None,
) -> Axes:
    """Average rank of every method vs budget fraction (1 = best).

    At every grid point, methods are ranked within each (seed, benchmark) that all of them
    ran; the ranks are averaged over those pairs. Raw values are ranked in each benchmark's
    own direction, regret with lower = better.

    Args:
        curves: Tidy curves frame.
        ax: Axes to draw on; a new paper-style figure when None.
        column: Column to rank by.
        styles: Method -> style; default `method_styles` of all methods, sorted.
        benchmarks: Benchmarks to average over; default all.
        log_x: Logarithmic x axis.
        xlim: Optional x limits.
        ylim: Optional y limits.
        title: Optional axes title.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: A column or benchmark is missing.
    """
    where = "rank_curves"
    check_curves(curves, column=column, where=where)
    names = choose(curves, "benchmark", benchmarks, where=where)
    methods = sorted(curves["method"].unique())
    styles = resolve_styles(methods, styles, where=where)
    values, mask = curve_array(curves, column=column, methods=methods, benchmarks=names)
    modes = column_modes(curves, column=column, benchmarks=names)
    ranks = average_ranks(orient(values, modes, axis=2), mode="min", run_mask=mask)
    x = fraction_grid(curves, benchmarks=names)
    with style_for(ax):
        ax = new_axes(ax)
        for i, method in enumerate(methods):
            style = styles[method]
            ax.plot(
                x,
                ranks[i],
                label=method,
                marker=style.marker,
                markevery=max(1, len(x) // 6),
                color=style.color,
                linestyle=style.linestyle,
            )
        finish_axes(
            ax,
            xlabel=FRACTION_LABEL,
            ylabel=f"average rank ({quantity_label(curves, column=column, benchmarks=names)})",
            title=title,
            log_x=log_x,
            xlim=xlim,
            ylim=ylim,
        )
    return ax
