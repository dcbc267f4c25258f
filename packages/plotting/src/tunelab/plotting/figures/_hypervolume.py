"""Figures of multi-objective benchmarks: the dominated hypervolume over time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from tunelab.plotting.figures._curves import Limits, draw_benchmark_curves
from tunelab.plotting.figures._data import Statistic, Summary
from tunelab.plotting.figures._style import AxesOptions, LineStyle

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
