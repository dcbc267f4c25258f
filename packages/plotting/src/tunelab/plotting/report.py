"""Writing every figure and table of a study into one folder (what `tunelab-plot` does).

Besides figures and tables, `notes.md` says what a reader of them must know: a figure
left out because it would mislead (the critical-difference diagram with too few
benchmarks), and methods whose decision time was charged to the simulated clock.
"""

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
from tunelab.plotting.run_settings import CHARGED_LABEL, charged_methods
from tunelab.plotting.settings import PlotSettings

Statistic = Literal["iqm", "mean", "median"]


@dataclass(frozen=True)
class FigureOptions:
    """Statistics and output choices shared by every figure of a report.

    `cd_min_benchmarks` is the fewest benchmarks for a critical-difference diagram
    (`figures.cd_diagram_skip_reason`).
    """

    statistic: Statistic = "iqm"
    n_resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0
    at: tuple[float, ...] = (0.25, 1.0)
    log_x: bool = False
    log_y: bool = False
    formats: tuple[str, ...] = ("pdf", "png")
    learning_curves: Literal["first", "all", "none"] = "first"
    cd_min_benchmarks: int = figures.MIN_CD_BENCHMARKS


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
        `ranks`, `performance_profiles`, `critical_difference` (only where meaningful,
        see `report_notes`); tables `final.{md,csv,tex}` (end of the budget) and
        `final_at_<percent>.*`; `learning_curves/<benchmark>/<method>-seed<seed>`;
        `hypervolume_<benchmark>`; `notes.md` (`report_notes`).
    """
    settings = settings or PlotSettings()
    options = options or FigureOptions()
    _check_formats(options.formats)
    out.mkdir(parents=True, exist_ok=True)
    methods = _method_order(curves, settings)
    styles = figures.method_styles(methods, groups=_groups(settings, methods))
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
    notes = out / "notes.md"
    lines = report_notes(study, curves, options=options) or ["Nothing to note."]
    notes.write_text("# Notes\n\n" + "".join(f"- {line}\n" for line in lines))
    written.append(notes)
    return written


def report_notes(
    study: Study, curves: pd.DataFrame, *, options: FigureOptions | None = None
) -> list[str]:
    """What a reader of the figures and tables must know, one sentence each.

    A critical-difference diagram left out (naming N, k and the rule), and the
    methods whose decision time was charged to the simulated clock.
    """
    options = options or FigureOptions()
    notes = []
    reason = _cd_skip_reason(curves, options)
    if reason is not None:
        notes.append(f"No critical-difference diagram: {reason}.")
    charged = charged_methods(study)
    if charged:
        names = ", ".join(m.removesuffix(CHARGED_LABEL) for m in charged)
        notes.append(
            f"Decision time was charged to the simulated clock for {names} "
            "(charge_decision_time = true in their metadata): their results depend on the "
            f"machine and its load; their labels end with '{CHARGED_LABEL.strip()}'."
        )
    return notes


def _cd_skip_reason(curves: pd.DataFrame, options: FigureOptions) -> str | None:
    """Why `critical_difference` is not drawn for `curves`, or None when it is."""
    k = int(curves["method"].nunique())
    if k < 2:
        return None  # no comparison at all: nothing is missing
    shared = _shared_benchmarks(curves)
    if not shared:
        return "no benchmark on which every method ran"
    reason = figures.cd_diagram_skip_reason(
        len(shared), k, min_benchmarks=options.cd_min_benchmarks
    )
    if reason is None or len(shared) >= options.cd_min_benchmarks:
        return reason
    return f"{reason}; --cd-min-benchmarks sets the minimum"


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
    if _cd_skip_reason(curves, options) is None:
        drawers["critical_difference"] = lambda ax: figures.critical_difference_diagram(
            curves, ax=ax, styles=styles, benchmarks=benchmarks,
            min_benchmarks=options.cd_min_benchmarks,
        )  # fmt: skip
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
    """The methods of `curves` in the settings' order (variants after their method), then
    the others sorted."""
    present = sorted(str(m) for m in curves["method"].unique())
    wanted = [settings.label(m) for m in settings.order]
    ordered = list(dict.fromkeys(p for w in wanted for p in present if _is_variant(p, w)))
    return ordered + [m for m in present if m not in ordered]


def _groups(settings: PlotSettings, methods: Sequence[str]) -> dict[str, Sequence[str]] | None:
    """Group -> the labels in `methods` of its members (each label in its first group)."""
    if not settings.groups:
        return None
    taken: set[str] = set()
    groups: dict[str, Sequence[str]] = {}
    for group, members in settings.groups.items():
        labels = [settings.label(m) for m in members]
        found = [  # a method named in two groups stays in both: method_styles refuses it
            p for w in labels for p in methods if p == w or (_is_variant(p, w) and p not in taken)
        ]
        groups[group] = list(dict.fromkeys(found))
        taken.update(found)
    return groups


def _is_variant(label: str, method: str) -> bool:
    """Whether `label` is `method` itself or `method` with a suffix (`asha [n_workers=4]`,
    `bo (decision time charged)`)."""
    return label == method or label.startswith(f"{method} ")


def _check_formats(formats: Sequence[str]) -> None:
    allowed = {"pdf", "png", "svg"}
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise ValueError(f"figure formats {list(formats)}: expected some of {sorted(allowed)}")


def _safe(name: str) -> str:
    """A file name for a benchmark or method (slashes of `name/task` become `_`)."""
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)
