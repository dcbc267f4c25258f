"""Writing every figure and table of a study into one folder (what `tunelab-plot` does)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tunelab.plotting import figures, tables
from tunelab.plotting.loading import Study
from tunelab.plotting.settings import PlotSettings

Statistic = Literal["iqm", "mean", "median"]


@dataclass(frozen=True)
class FigureOptions:
    """Statistics and output choices shared by every figure of a report."""

    statistic: Statistic = "iqm"
    n_resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0
    at: tuple[float, ...] = (0.25, 1.0)
    log_x: bool = False
    log_y: bool = False
    formats: tuple[str, ...] = ("pdf", "png")
    learning_curves: Literal["first", "all", "none"] = "first"


def write_figures(
    study: Study,
    curves: pd.DataFrame,
    *,
    out: Path,
    settings: PlotSettings | None = None,
    options: FigureOptions | None = None,
    hypervolume: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the figures and tables of `curves` (and of `study` for learning curves).

    Returns:
        The files written, in `out`: `curves` (a grid of every benchmark) and
        `curves_<benchmark>`, then over benchmarks `aggregate`, `final_intervals`,
        `ranks`, `performance_profiles`, `critical_difference`; tables
        `final.{md,csv,tex}` (end of the budget) and `final_at_<percent>.*`;
        `learning_curves/<benchmark>/<method>-seed<seed>`; `hypervolume_<benchmark>`.
    """
    settings = settings or PlotSettings()
    options = options or FigureOptions()
    _check_formats(options.formats)
    out.mkdir(parents=True, exist_ok=True)
    methods = _method_order(curves, settings)
    styles = figures.method_styles(methods, groups=_groups(settings))
    benchmarks = sorted(curves["benchmark"].unique())
    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        written.extend(figures.save_figure(fig, out / name, formats=options.formats))
        plt.close(fig)

    with figures.paper_style():
        fig = figures.benchmark_grid(
            curves,
            benchmarks=benchmarks,
            ncols=settings.ncols,
            titles={b: s.title for b, s in settings.benchmarks.items() if s.title},
            xlims={b: s.xlim for b, s in settings.benchmarks.items() if s.xlim},
            ylims={b: s.ylim for b, s in settings.benchmarks.items() if s.ylim},
            statistic=options.statistic,
            styles=styles,
            log_x=options.log_x,
            log_y=options.log_y,
            n_resamples=options.n_resamples,
            confidence=options.confidence,
            seed=options.seed,
        )
        if settings.title:
            fig.suptitle(settings.title)
        save(fig, "curves")
        for benchmark in benchmarks:
            local = settings.benchmarks.get(benchmark)
            fig, ax = plt.subplots(figsize=(4.0, 3.0))
            figures.benchmark_curves(
                curves,
                benchmark=benchmark,
                ax=ax,
                statistic=options.statistic,
                styles=styles,
                log_x=options.log_x,
                log_y=options.log_y,
                title=local.title if local and local.title else None,
                xlim=local.xlim if local else None,
                ylim=local.ylim if local else None,
                n_resamples=options.n_resamples,
                confidence=options.confidence,
                seed=options.seed,
            )
            figures.place_legend(ax)
            save(fig, f"curves_{_safe(benchmark)}")
        shared = _shared_benchmarks(curves)
        if shared:
            for name, draw in _across_benchmarks(curves, shared, styles, options).items():
                fig, ax = plt.subplots(figsize=(4.0, 3.0))
                draw(ax)
                save(fig, name)
        written += _tables(curves, options, out)
        if options.learning_curves != "none":
            for fig, name in _learning_curves(study, options.learning_curves):
                save(fig, name)
        if hypervolume is not None and not hypervolume.empty:
            for benchmark in sorted(hypervolume["benchmark"].unique()):
                fig, ax = plt.subplots(figsize=(4.0, 3.0))
                figures.hypervolume_curves(
                    hypervolume,
                    benchmark=benchmark,
                    ax=ax,
                    styles=styles,
                    n_resamples=options.n_resamples,
                    confidence=options.confidence,
                    seed=options.seed,
                )
                figures.place_legend(ax)
                save(fig, f"hypervolume_{_safe(benchmark)}")
    return written


def _shared_benchmarks(curves: pd.DataFrame) -> list[str]:
    """Benchmarks on which every method ran: the only ones an aggregate may use."""
    methods = set(curves["method"])
    per_benchmark = curves.groupby("benchmark")["method"].agg(set)
    return sorted(str(b) for b, present in per_benchmark.items() if present == methods)


def _across_benchmarks(
    curves: pd.DataFrame,
    benchmarks: list[str],
    styles: Mapping[str, figures.LineStyle],
    options: FigureOptions,
) -> dict[str, Callable[[Axes], object]]:
    """Aggregate, intervals, ranks, profiles and the CD diagram (from `regret`)."""
    seed = options.seed
    drawers: dict[str, Callable[[Axes], object]] = {
        "aggregate": lambda ax: figures.aggregate_curves(
            curves, ax=ax, styles=styles, benchmarks=benchmarks, statistic=options.statistic,
            n_resamples=options.n_resamples, confidence=options.confidence, seed=seed,
        ),
    }  # fmt: skip
    if curves["method"].nunique() < 2:
        return drawers
    drawers["final_intervals"] = lambda ax: figures.final_intervals(
        curves, ax=ax, styles=styles, benchmarks=benchmarks,
        n_resamples=options.n_resamples, confidence=options.confidence, seed=seed,
    )  # fmt: skip
    drawers["ranks"] = lambda ax: figures.rank_curves(
        curves, ax=ax, styles=styles, benchmarks=benchmarks
    )
    drawers["performance_profiles"] = lambda ax: figures.performance_profiles(
        curves, ax=ax, styles=styles, benchmarks=benchmarks,
        n_resamples=options.n_resamples, confidence=options.confidence, seed=seed,
    )  # fmt: skip
    if len(benchmarks) >= 2:
        drawers["critical_difference"] = lambda ax: figures.critical_difference_diagram(
            curves, ax=ax, styles=styles, benchmarks=benchmarks
        )
    return drawers


def _tables(curves: pd.DataFrame, options: FigureOptions, out: Path) -> list[Path]:
    written = []
    for at in options.at:
        table = tables.final_table(
            curves,
            at=at,
            statistic=options.statistic,
            n_resamples=options.n_resamples,
            confidence=options.confidence,
            seed=options.seed,
        )
        stem = "final" if at == 1.0 else f"final_at_{round(at * 100):d}"
        for suffix, text in (
            ("md", tables.to_markdown(table)),
            ("csv", tables.to_csv(table)),
            ("tex", tables.to_latex(table, caption=_caption(options, at))),
        ):
            path = out / f"{stem}.{suffix}"
            path.write_text(text)
            written.append(path)
    return written


def _caption(options: FigureOptions, at: float) -> str:
    level = round(options.confidence * 100)
    name = {"iqm": "Interquartile mean", "mean": "Mean", "median": "Median"}[options.statistic]
    return (
        f"{name} of the best value at {round(at * 100)}\\% of the budget, with {level}\\% "
        "stratified bootstrap confidence intervals; best in bold (ties: overlapping intervals)."
    )


def _learning_curves(study: Study, which: str) -> Iterator[tuple[Figure, str]]:
    runs = study.runs.sort_values(["benchmark", "method", "seed"])
    if which == "first":
        runs = runs.groupby(["benchmark", "method"], sort=False).head(1)
    for row in runs.itertuples():
        results = study.results.get(row.experiment)
        if results is None or results.empty:
            continue
        meta = study.metadata[row.experiment]
        fig, ax = plt.subplots(figsize=(4.0, 3.0))
        figures.learning_curves(
            results,
            metric=str(row.metric),
            mode="max" if row.mode == "max" else "min",
            resource_attr=meta.get("resource_attr"),
            rung_levels=meta.get("rung_levels"),
            ax=ax,
        )
        ax.set_title(f"{row.method}, seed {row.seed}")
        name = (
            f"learning_curves/{_safe(str(row.benchmark))}/{_safe(str(row.method))}-seed{row.seed}"
        )
        yield fig, name


def _method_order(curves: pd.DataFrame, settings: PlotSettings) -> list[str]:
    present = list(dict.fromkeys(sorted(curves["method"].unique())))
    wanted = [settings.label(m) for m in settings.order]
    return [m for m in wanted if m in present] + [m for m in present if m not in wanted]


def _groups(settings: PlotSettings) -> dict[str, Sequence[str]] | None:
    if not settings.groups:
        return None
    return {g: [settings.label(m) for m in ms] for g, ms in settings.groups.items()}


def _check_formats(formats: Sequence[str]) -> None:
    allowed = {"pdf", "png", "svg"}
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise ValueError(f"figure formats {list(formats)}: expected some of {sorted(allowed)}")


def _safe(name: str) -> str:
    """A file name for a benchmark or method (slashes of `name/task` become `_`)."""
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)
