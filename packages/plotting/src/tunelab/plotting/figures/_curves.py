"""Anytime-performance figures: per-benchmark curves, their grid, aggregates and ranks."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from tunelab.plotting.figures._data import (
    Statistic,
    Summary,
    by_benchmark,
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
    AxesOptions,
    LineStyle,
    draw_estimate,
    draw_line,
    finish_axes,
    new_axes,
    paper_style,
    resolve_styles,
    shared_legend,
    style_for,
)
from tunelab.plotting.options import BUDGET, budget_of
from tunelab.plotting.stats import average_ranks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Limits = tuple[float, float]
FRACTION_LABEL = "fraction of the budget"
"""x label of figures against budget fractions (of the cost budget against cost)."""


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
    summary = Summary(statistic, n_resamples, confidence, seed)
    options = AxesOptions(title=title, log_x=log_x, log_y=log_y, xlim=xlim, ylim=ylim)
    return draw_benchmark_curves(
        curves,
        benchmark=benchmark,
        ax=ax,
        column=column,
        styles=styles,
        summary=summary,
        options=options,
    )


def draw_benchmark_curves(
    curves: pd.DataFrame,
    *,
    benchmark: str,
    ax: Axes | None,
    column: str,
    styles: Mapping[str, LineStyle] | None,
    summary: Summary,
    options: AxesOptions,
    legend: bool = True,
) -> Axes:
    """`benchmark_curves` with its statistic and its axes options each in one value.

    The figures built on it (`benchmark_grid`, `hypervolume_curves`) pass them on whole;
    a title of None stands for the benchmark name. `legend=False` places no legend (a
    grid has one for all its subplots: a legend per subplot would be built for nothing).
    """
    where = "benchmark_curves"
    check_curves(curves, column=column, where=where)
    check_known([benchmark], curves["benchmark"], kind="benchmark", where=where)
    styles = resolve_styles(list(curves["method"].unique()), styles, where=where)
    rows = curves[curves["benchmark"] == benchmark]
    methods = sorted(rows["method"].unique())
    values, mask = curve_array(rows, column=column, methods=methods, benchmarks=[benchmark])
    x = grid_of(rows, benchmark=benchmark)
    if options.title is None:
        options = replace(options, title=benchmark)
    return _draw_summaries(
        ax,
        x,
        values,
        mask,
        methods=methods,
        styles=styles,
        summary=summary,
        xlabel=str(curves.attrs.get("x_label", "x")),
        quantity=quantity_label(rows, column=column, benchmarks=[benchmark]),
        options=options,
        legend=legend,
    )


def _draw_summaries(
    ax: Axes | None,
    x: np.ndarray,
    values: np.ndarray,
    mask: np.ndarray,
    *,
    methods: Sequence[str],
    styles: Mapping[str, LineStyle],
    summary: Summary,
    xlabel: str,
    quantity: str,
    options: AxesOptions,
    legend: bool = True,
) -> Axes:
    """Every method's `summary` of `values` against `x`, with its band, on finished axes.

    `values` (n_methods, n_runs, n_benchmarks, n_grid) and `mask` (n_methods, n_runs,
    n_benchmarks) are as from `curve_array`, in the order of `methods`; `x` has shape
    (n_grid,). The y label is the statistic of `quantity`; `legend` as for
    `finish_axes`.
    """
    with style_for(ax):
        ax = new_axes(ax)
        for i, method in enumerate(methods):
            estimate = summary.estimate(values[i], mask[i])
            draw_estimate(ax, x, estimate, style=styles[method], label=method)
        finish_axes(
            ax,
            xlabel=xlabel,
            ylabel=f"{summary.label} of {quantity}",
            options=options,
            legend=legend,
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

    The other arguments are those of `benchmark_curves`, the same for every subplot.

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
    summary = Summary(statistic, n_resamples, confidence, seed)  # fail before creating a figure
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    parts = by_benchmark(curves)
    with paper_style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(2.4 * ncols, 1.9 * nrows + 0.4), squeeze=False
        )
        for ax, name in zip(axes.flat, names, strict=False):
            options = AxesOptions(
                title=(titles or {}).get(name, _two_lines(name)),
                log_x=log_x,
                log_y=log_y,
                xlim=(xlims or {}).get(name),
                ylim=(ylims or {}).get(name),
            )
            draw_benchmark_curves(
                parts[name],
                benchmark=name,
                ax=ax,
                column=column,
                styles=styles,
                summary=summary,
                options=options,
                legend=False,
            )
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
    return _draw_summaries(
        ax,
        fraction_grid(curves, benchmarks=names),
        values,
        mask,
        methods=methods,
        styles=styles,
        summary=summary,
        xlabel=_fraction_label(curves),
        quantity=quantity_label(curves, column=column, benchmarks=names),
        options=AxesOptions(title=title, log_x=log_x, log_y=log_y, xlim=xlim, ylim=ylim),
    )


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
            draw_line(ax, x, ranks[i], style=styles[method], label=method)
        finish_axes(
            ax,
            xlabel=_fraction_label(curves),
            ylabel=f"average rank ({quantity_label(curves, column=column, benchmarks=names)})",
            options=AxesOptions(title=title, log_x=log_x, xlim=xlim, ylim=ylim),
        )
    return ax


_TITLE_WIDTH = 28
"""Characters of a benchmark name that fit over a grid subplot in one line."""


def _fraction_label(curves: pd.DataFrame) -> str:
    budget = budget_of(curves.attrs)
    return FRACTION_LABEL if budget == BUDGET else f"fraction of {budget}"


def _two_lines(name: str) -> str:
    """`name`, broken after the hyphen closest to its middle when it is too long for one
    line over a grid subplot (neighbouring titles would run into each other)."""
    if len(name) <= _TITLE_WIDTH or "-" not in name:
        return name
    cuts = [i + 1 for i, char in enumerate(name) if char == "-"]
    cut = min(cuts, key=lambda i: abs(i - len(name) / 2))
    return f"{name[:cut]}\n{name[cut:]}"
