"""Figures of the scores at one point of the budget: intervals, profiles, CD diagram."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from tunelab.plotting.figures._data import (
    Statistic,
    Summary,
    check_curves,
    choose,
    column_modes,
    common_mode,
    final_array,
    orient,
    quantity_label,
    require_complete,
)
from tunelab.plotting.figures._style import (
    AxesOptions,
    LineStyle,
    draw_estimate,
    finish_axes,
    new_axes,
    resolve_styles,
    style_for,
)
from tunelab.plotting.options import MIN_CD_BENCHMARKS, budget_of
from tunelab.plotting.stats import (
    CriticalDifference,
    critical_difference,
    interquartile_mean,
    nemenyi_critical_difference,
    nemenyi_critical_difference_bound,
    performance_profile,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Limits = tuple[float, float]


def _final_scores(
    curves: pd.DataFrame, *, at: float, column: str, benchmarks: Sequence[str] | None, where: str
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Checked (methods, benchmarks, values (m, r, b), mask (m, r, b)) at budget fraction `at`."""
    check_curves(curves, column=column, where=where)
    names = choose(curves, "benchmark", benchmarks, where=where)
    methods = sorted(curves["method"].unique())
    values, mask = final_array(
        curves, column=column, methods=methods, benchmarks=names, fraction=at
    )
    require_complete(mask, methods=methods, benchmarks=names, where=where)
    return methods, names, values, mask


def _budget_text(at: float, curves: pd.DataFrame) -> str:
    return f"at {at:.0%} of {budget_of(curves.attrs)}"


def final_intervals(
    curves: pd.DataFrame,
    *,
    at: float = 1.0,
    ax: Axes | None = None,
    column: str = "regret",
    statistic: Statistic = "iqm",
    styles: Mapping[str, LineStyle] | None = None,
    benchmarks: Sequence[str] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    xlim: Limits | None = None,
    title: str | None = None,
) -> Axes:
    """One row per method: the pooled statistic at budget fraction `at` and its interval.

    Args:
        curves: Tidy curves frame.
        at: Budget fraction in (0, 1]; each benchmark's last grid step at or below it.
        ax: Axes to draw on; a new paper-style figure when None.
        column: Column pooled over runs and benchmarks.
        statistic: "iqm" or "mean" (bootstrap interval) or "median" (quartiles).
        styles: Method -> style; default `method_styles` of all methods, sorted.
        benchmarks: Benchmarks to pool; default all.
        n_resamples: Bootstrap resamples (0: point only).
        confidence: Coverage of the interval.
        seed: Seed of the bootstrap generator (a fresh one per method).
        xlim: Optional x limits.
        title: Optional axes title.

    Returns:
        The axes drawn on; rows top to bottom in sorted method order.

    Raises:
        ValueError: A column or benchmark is missing, `at` precedes the grid, or a method
            lacks a benchmark.
    """
    where = "final_intervals"
    summary = Summary(statistic, n_resamples, confidence, seed)
    methods, names, values, mask = _final_scores(
        curves, at=at, column=column, benchmarks=benchmarks, where=where
    )
    styles = resolve_styles(methods, styles, where=where)
    with style_for(ax):
        ax = new_axes(ax, figsize=(3.4, 0.6 + 0.28 * len(methods)))
        rows = np.arange(len(methods))[::-1]
        for row, i in zip(rows, range(len(methods)), strict=True):
            style = styles[methods[i]]
            estimate = summary.estimate(values[i], mask[i])
            low, high = float(estimate.low), float(estimate.high)
            if np.isfinite([low, high]).all():
                ax.plot([low, high], [row, row], color=style.color, linewidth=6, alpha=0.35)
            ax.plot([float(estimate.point)], [row], color=style.color, marker=style.marker)
        ax.set_yticks(rows, methods)
        ax.set_ylim(-0.6, len(methods) - 0.4)
        ax.grid(False, axis="y")
        quantity = quantity_label(curves, column=column, benchmarks=names)
        finish_axes(
            ax,
            xlabel=f"{summary.label} of {quantity} {_budget_text(at, curves)}",
            ylabel="",
            options=AxesOptions(title=title, xlim=xlim),
            legend=False,
        )
    return ax


def performance_profiles(
    curves: pd.DataFrame,
    *,
    at: float = 1.0,
    ax: Axes | None = None,
    column: str = "regret",
    styles: Mapping[str, LineStyle] | None = None,
    benchmarks: Sequence[str] | None = None,
    taus: Sequence[float] | np.ndarray | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    log_x: bool = False,
    xlim: Limits | None = None,
    title: str | None = None,
) -> Axes:
    """Score distributions at budget fraction `at`: fraction of runs at least as good as tau.

    Dolan & Moré (2002) style profiles over runs (each benchmark weighted equally), one
    step line per method, with stratified-bootstrap bands when `n_resamples` > 0.

    Args:
        curves: Tidy curves frame.
        at: Budget fraction in (0, 1].
        ax: Axes to draw on; a new paper-style figure when None.
        column: Column to profile; its direction must agree over the benchmarks.
        styles: Method -> style; default `method_styles` of all methods, sorted.
        benchmarks: Benchmarks to pool; default all.
        taus: Thresholds, shape (k,); default 200 points spanning all finite scores.
        n_resamples: Bootstrap resamples (0: no band).
        confidence: Coverage of the band.
        seed: Seed of the bootstrap generator (a fresh one per method).
        log_x: Logarithmic tau axis (default taus then spaced geometrically).
        xlim: Optional x limits.
        title: Optional axes title.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: Bad input as for `final_intervals`, mixed directions, or no finite score.
    """
    where = "performance_profiles"
    methods, names, values, mask = _final_scores(
        curves, at=at, column=column, benchmarks=benchmarks, where=where
    )
    mode = common_mode(curves, column=column, benchmarks=names, where=where)
    styles = resolve_styles(methods, styles, where=where)
    if taus is None:
        grid = _default_taus(values[mask], log=log_x, where=where)
    else:
        grid = np.asarray(taus, dtype=float)
    with style_for(ax):
        ax = new_axes(ax)
        for i, method in enumerate(methods):
            profile = performance_profile(
                values[i],
                grid,
                run_mask=mask[i],
                mode=mode,
                n_resamples=n_resamples,
                confidence=confidence,
                rng=np.random.default_rng(seed) if n_resamples > 0 else None,
            )
            draw_estimate(ax, grid, profile, style=styles[method], label=method, steps=True)
        quantity = quantity_label(curves, column=column, benchmarks=names)
        relation = "≤" if mode == "min" else "≥"
        finish_axes(
            ax,
            xlabel=f"{quantity} threshold τ ({_budget_text(at, curves)})",
            ylabel=f"fraction of runs with score {relation} τ",
            options=AxesOptions(title=title, log_x=log_x, xlim=xlim),
        )
    return ax


def _default_taus(scores: np.ndarray, *, log: bool, where: str) -> np.ndarray:
    """200 thresholds from the smallest to the largest finite score, shape (200,)."""
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        raise ValueError(f"{where}: no finite score at this budget fraction")
    low, high = float(finite.min()), float(finite.max())
    if log and low > 0:
        return np.geomspace(low, high if high > low else low * 10, 200)
    return np.linspace(low, high if high > low else low + 1.0, 200)


def cd_diagram_skip_reason(
    n_benchmarks: int,
    n_methods: int,
    *,
    alpha: float = 0.05,
    min_benchmarks: int = MIN_CD_BENCHMARKS,
) -> str | None:
    """Why a critical-difference diagram of these numbers would mislead; None if it would not.

    The Friedman test and the Nemenyi critical difference treat the benchmarks as the
    sample (N data sets, k methods). Two conditions must hold:

    - N >= `min_benchmarks`. Demšar (2006, "Statistical Comparisons of Classifiers over
      Multiple Data Sets", JMLR 7, §3.2.2) gives N > 10 (and k > 5) as the rule of thumb
      for the chi-square approximation of the Friedman statistic; with fewer data sets
      the test has little power and the ranks are coarse. The default asks for about
      ten benchmarks.
    - CD < k - 1, the span of the rank axis (1 to k): a critical difference at least as
      wide cannot separate any two methods, so the diagram would only show that the data
      cannot tell anything apart (e.g. N = 2, k = 10: CD = 9.58).

    Args:
        n_benchmarks: N.
        n_methods: k.
        alpha: Significance level of the Nemenyi test.
        min_benchmarks: The fewest benchmarks to draw a diagram for.

    Returns:
        A sentence naming N, k and the rule that fails, or None.
    """
    if n_methods < 2:
        return f"it needs at least two methods, got k = {n_methods}"
    if n_benchmarks < min_benchmarks:
        return (
            f"N = {n_benchmarks} benchmark(s) for k = {n_methods} methods; the Friedman and "
            f"Nemenyi tests need N >= {min_benchmarks} benchmarks (Demšar 2006)"
        )
    if nemenyi_critical_difference_bound(n_benchmarks, n_methods, alpha=alpha) < n_methods - 1:
        return None  # decided without the exact value (and without loading scipy.stats)
    cd = nemenyi_critical_difference(n_benchmarks, n_methods, alpha=alpha)
    if cd >= n_methods - 1:
        return (
            f"N = {n_benchmarks} benchmarks for k = {n_methods} methods give a critical "
            f"difference of {cd:.2f}, at least the span of the rank axis (1 to {n_methods}): "
            "no two methods could differ significantly"
        )
    return None


def critical_difference_diagram(
    curves: pd.DataFrame,
    *,
    at: float = 1.0,
    ax: Axes | None = None,
    column: str = "regret",
    alpha: float = 0.05,
    statistic: Literal["iqm", "mean"] = "iqm",
    styles: Mapping[str, LineStyle] | None = None,
    benchmarks: Sequence[str] | None = None,
    title: str | None = None,
    min_benchmarks: int = MIN_CD_BENCHMARKS,
) -> Axes:
    """Demšar (2006) critical-difference diagram of the average ranks over benchmarks.

    Each method's score on a benchmark is the IQM (or mean) over its seeds at budget
    fraction `at`; methods are ranked per benchmark (Friedman test), and methods joined by
    a bar do not differ significantly (Nemenyi test at level `alpha`). It is drawn only
    where it can mean something: see `cd_diagram_skip_reason`.

    Args:
        curves: Tidy curves frame.
        at: Budget fraction in (0, 1].
        ax: Axes to draw on; a new paper-style figure when None.
        column: Column to rank by (raw values in each benchmark's own direction).
        alpha: Significance level of the Nemenyi critical difference.
        statistic: "iqm" or "mean" over seeds.
        styles: Method -> style (colours of the connector lines).
        benchmarks: Benchmarks to rank on; default all.
        title: Optional axes title.
        min_benchmarks: The fewest benchmarks to draw a diagram for.

    Returns:
        The axes drawn on (axis lines hidden; the rank axis is drawn by hand).

    Raises:
        ValueError: Bad input as for `final_intervals`, an unknown statistic, fewer than
            two methods, too few benchmarks or a critical difference spanning the whole
            rank axis (`cd_diagram_skip_reason`), or a method without a finite score on a
            benchmark.
    """
    where = "critical_difference_diagram"
    if statistic not in ("iqm", "mean"):
        raise ValueError(f"{where}: statistic must be 'iqm' or 'mean', got {statistic!r}")
    methods, names, values, mask = _final_scores(
        curves, at=at, column=column, benchmarks=benchmarks, where=where
    )
    if len(methods) < 2:
        raise ValueError(f"{where}: needs at least two methods, got {methods}")
    reason = cd_diagram_skip_reason(
        len(names), len(methods), alpha=alpha, min_benchmarks=min_benchmarks
    )
    if reason is not None:
        raise ValueError(f"{where}: not meaningful here: {reason}")
    styles = resolve_styles(methods, styles, where=where)
    summary = interquartile_mean if statistic == "iqm" else np.mean
    scores = np.array(
        [
            [float(summary(values[i, mask[i, :, b], b])) for i in range(len(methods))]
            for b in range(len(names))
        ]
    )
    if not np.isfinite(scores).all():
        raise ValueError(f"{where}: some method has no finite score {_budget_text(at, curves)}")
    modes = column_modes(curves, column=column, benchmarks=names)
    result = critical_difference(orient(scores, modes, axis=0), mode="min", alpha=alpha)
    with style_for(ax):
        ax = new_axes(ax, figsize=(3.4, 0.9 + 0.16 * len(methods)))
        _draw_cd(ax, result, methods=methods, styles=styles)
        if title:
            ax.set_title(title)
    return ax


def _draw_cd(
    ax: Axes, result: CriticalDifference, *, methods: Sequence[str], styles: Mapping[str, LineStyle]
) -> None:
    """Rank axis (1 = best, left), CD bar above it, clique bars and labelled elbows below."""
    k = len(methods)
    ranks = np.asarray(result.average_ranks, dtype=float)
    order = np.argsort(ranks, kind="stable")
    ax.set_axis_off()
    ax.hlines(0.0, 1, k, color="black", linewidth=0.8)
    for tick in range(1, k + 1):
        ax.vlines(tick, 0.0, 0.08, color="black", linewidth=0.8)
        ax.text(tick, 0.12, str(tick), ha="center", va="bottom", fontsize=7)
    cd = float(result.critical_difference)
    ax.hlines(0.55, 1, 1 + cd, color="black", linewidth=1.2)
    ax.vlines([1, 1 + cd], 0.5, 0.6, color="black", linewidth=1.2)
    ax.text(1 + cd / 2, 0.62, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=7)
    for c, clique in enumerate(result.cliques):
        members = ranks[list(clique)]
        y = -0.18 - 0.14 * c
        ax.hlines(y, members.min() - 0.03, members.max() + 0.03, color="black", linewidth=2.5)
    top = -0.18 - 0.14 * len(result.cliques) - 0.1
    half = (k + 1) // 2
    for position, i in enumerate(order):
        left = position < half
        row = position if left else k - 1 - position
        y = top - 0.22 * row
        end = 1 - 0.25 if left else k + 0.25
        ax.plot([ranks[i], ranks[i], end], [0.0, y, y], color=styles[methods[i]].color, lw=0.8)
        ax.text(
            end - 0.05 if left else end + 0.05,
            y,
            methods[i],
            ha="right" if left else "left",
            va="center",
        )
    ax.set_xlim(0.0, k + 1.0)
    ax.set_ylim(top - 0.22 * max(half - 1, 0) - 0.15, 0.85)
