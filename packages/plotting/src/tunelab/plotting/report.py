"""Writing every figure and table of a study into one folder (what `tunelab-plot` does).

Besides figures and tables, `notes.md` says what a reader of them must know: a figure
left out because it would mislead (the critical-difference diagram with too few
benchmarks), and methods whose decision time was charged to the simulated clock.

Every figure (and the tables) is an independent job: with `processes` > 1, worker
processes draw them side by side, and each file comes out as it would one at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tunelab.plotting import figures, tables
from tunelab.plotting._learning_runs import LearningRun, grid_slots, learning_grids, learning_runs
from tunelab.plotting._parallel import run_jobs
from tunelab.plotting.constraints import constraint_metric
from tunelab.plotting.figures._data import by_benchmark
from tunelab.plotting.figures._learning_grid import GRID_DPI, GRID_PNG_COMPRESSION
from tunelab.plotting.figures._pareto import attainment_surfaces
from tunelab.plotting.fronts import Fronts, pareto_fronts
from tunelab.plotting.loading import Study
from tunelab.plotting.options import BUDGET, FigureOptions, budget_of
from tunelab.plotting.run_settings import CHARGED_LABEL, charged_methods
from tunelab.plotting.settings import PlotSettings

_JobKind = Literal[
    "grid",
    "benchmark",
    "across",
    "tables",
    "learning_curves",
    "learning_grid",
    "hypervolume",
    "pareto",
]


class _Job(NamedTuple):
    """One figure (or the tables) of a report: what to draw and of which benchmark, figure
    or experiment."""

    kind: _JobKind
    key: str = ""


@dataclass(frozen=True)
class _Report:
    """What the jobs of a report read; each worker process gets it once.

    Of the study only the experiments with learning curves are kept, so that little is
    copied to worker processes that are not forked. `learning_grids` maps the name of
    each learning-curve grid figure to its experiments.
    """

    curves: pd.DataFrame
    parts: dict[str, pd.DataFrame]
    hypervolume: pd.DataFrame | None
    fronts: dict[str, Fronts]
    settings: PlotSettings
    options: FigureOptions
    styles: dict[str, figures.LineStyle]
    shared: list[str]
    learning: dict[str, LearningRun]
    learning_grids: dict[str, list[str]]
    results: dict[str, pd.DataFrame]
    metadata: dict[str, dict[str, Any]]
    out: Path


def write_figures(
    study: Study,
    curves: pd.DataFrame,
    *,
    out: Path,
    settings: PlotSettings | None = None,
    options: FigureOptions | None = None,
    hypervolume: pd.DataFrame | None = None,
    processes: int = 1,
) -> list[Path]:
    """Write the figures and tables of `curves` (and of `study` for learning curves).

    Args:
        processes: Worker processes drawing figures side by side (1: all here, one
            after the other); the files are the same either way.

    Returns:
        The files written, in `out`: `curves` (a grid of every benchmark) and
        `curves_<benchmark>`, then over benchmarks `aggregate`, `final_intervals`,
        `ranks`, `performance_profiles`, `critical_difference` (only where meaningful,
        see `report_notes`); tables `final.{md,csv,tex}` (end of the budget) and
        `final_at_<percent>.*`; learning curves, `learning_curves/<benchmark>` (one
        grid per benchmark) or `learning_curves/<benchmark>/<method>-seed<seed>` (one
        figure per experiment, `FigureOptions.learning_curve_figures`);
        `hypervolume_<benchmark>`, `pareto_<benchmark>` (attainment surfaces) and the
        tables `hypervolume.{md,csv,tex}` and `hypervolume_at_<percent>.*` for
        multi-objective benchmarks; `notes.md` (`report_notes`).
    """
    settings = settings or PlotSettings()
    options = options or FigureOptions()
    _check_formats(options.formats, what="figure formats")
    _check_formats(options.learning_curve_formats, what="learning-curve formats")
    out.mkdir(parents=True, exist_ok=True)
    methods = _method_order(curves, settings)
    learning = learning_runs(study, options.learning_curves)
    report = _Report(
        curves=curves,
        parts=by_benchmark(curves),
        hypervolume=hypervolume if hypervolume is not None and not hypervolume.empty else None,
        fronts={b: f for b, f in pareto_fronts(study).items() if len(f.all_points())},
        settings=settings,
        options=options,
        styles=figures.method_styles(methods, groups=_groups(settings, methods)),
        shared=_shared_benchmarks(curves),
        learning=learning,
        learning_grids=_grid_names(learning, methods)
        if options.learning_curve_figures == "benchmark"
        else {},
        results={e: study.results[e] for e in learning},
        metadata={e: study.metadata[e] for e in learning},
        out=out,
    )
    jobs = _jobs(report)
    done = run_jobs(_draw, report, jobs, processes=processes, costs=_costs(report, jobs))
    written = [path for paths in done for path in paths]
    notes = out / "notes.md"
    lines = report_notes(study, curves, options=options) or ["Nothing to note."]
    notes.write_text("# Notes\n\n" + "".join(f"- {line}\n" for line in lines))
    written.append(notes)
    return written


def _jobs(report: _Report) -> list[_Job]:
    """The jobs of a report, in the order of `write_figures`' files."""
    jobs = [_Job("grid")]
    jobs += [_Job("benchmark", b) for b in report.parts]
    if report.shared:
        across = _across_benchmarks(report.curves, report.shared, report.styles, report.options)
        jobs += [_Job("across", name) for name in across]
    jobs.append(_Job("tables"))
    if report.options.learning_curve_figures == "benchmark":
        jobs += [_Job("learning_grid", name) for name in report.learning_grids]
    else:
        jobs += [_Job("learning_curves", experiment) for experiment in report.learning]
    if report.hypervolume is not None:
        jobs += [
            _Job("hypervolume", str(b)) for b in sorted(report.hypervolume["benchmark"].unique())
        ]
    jobs += [_Job("pareto", b) for b in report.fronts]
    return jobs


def _costs(report: _Report, jobs: Sequence[_Job]) -> list[float]:
    """Rough seconds of each job, so that the longest start first.

    A figure costs a fixed part (layout, fonts, two files) and a part per curve row it
    summarises, a learning-curve figure a part per trial; fitted by eye to studies of
    13 and 3,000 experiments.
    """
    rows = len(report.curves)
    fixed = {"grid": 0.4 + 3.5e-5 * rows, "across": 0.4 + 5e-6 * rows, "tables": 6e-6 * rows}
    costs = []
    for job in jobs:
        if job.kind == "benchmark":
            costs.append(0.4 + 3.5e-5 * len(report.parts[job.key]))
        elif job.kind == "learning_curves":
            costs.append(0.3 + 6e-4 * _trials(report.results[job.key]))
        elif job.kind == "learning_grid":
            experiments = report.learning_grids[job.key]
            trials = sum(_trials(report.results[e]) for e in experiments)
            costs.append(0.2 + 0.02 * len(experiments) + 1e-4 * trials)
        else:
            costs.append(fixed.get(job.kind, 0.4))
    return costs


def _trials(results: pd.DataFrame) -> int:
    return int(results["trial_id"].nunique()) if "trial_id" in results else len(results)


def _draw(report: _Report, job: _Job) -> list[Path]:
    """Draw and save the figure (or write the tables) of `job`; the files written."""
    options = report.options
    if job.kind == "tables":
        return _tables(report.curves, options, report.out, hypervolume=report.hypervolume)
    learning = job.kind in ("learning_curves", "learning_grid")
    formats = options.learning_curve_formats if learning else options.formats
    grid = job.kind == "learning_grid"
    with figures.paper_style():
        fig, name = _DRAWERS[job.kind](report, job.key)
        (report.out / name).parent.mkdir(parents=True, exist_ok=True)
        paths = figures.save_figure(
            fig,
            report.out / name,
            formats=formats,
            dpi=GRID_DPI if grid else 300,
            png_compression=GRID_PNG_COMPRESSION if grid else None,
        )
        plt.close(fig)
    return paths


def _grid(report: _Report, _: str) -> tuple[Figure, str]:
    settings, options = report.settings, report.options
    fig = figures.benchmark_grid(
        report.curves,
        benchmarks=list(report.parts),
        ncols=settings.ncols,
        titles={b: s.title for b, s in settings.benchmarks.items() if s.title},
        xlims={b: s.xlim for b, s in settings.benchmarks.items() if s.xlim},
        ylims={b: s.ylim for b, s in settings.benchmarks.items() if s.ylim},
        statistic=options.statistic,
        styles=report.styles,
        log_x=options.log_x,
        log_y=options.log_y,
        n_resamples=options.n_resamples,
        confidence=options.confidence,
        seed=options.seed,
    )
    if settings.title:
        fig.suptitle(settings.title)
    return fig, "curves"


def _benchmark(report: _Report, benchmark: str) -> tuple[Figure, str]:
    options = report.options
    local = report.settings.benchmarks.get(benchmark)
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    figures.benchmark_curves(
        report.parts[benchmark],
        benchmark=benchmark,
        ax=ax,
        statistic=options.statistic,
        styles=report.styles,
        log_x=options.log_x,
        log_y=options.log_y,
        title=local.title if local and local.title else None,
        xlim=local.xlim if local else None,
        ylim=local.ylim if local else None,
        n_resamples=options.n_resamples,
        confidence=options.confidence,
        seed=options.seed,
    )  # it places the legend itself (`finish_axes`)
    return fig, f"curves_{_safe(benchmark)}"


def _across(report: _Report, name: str) -> tuple[Figure, str]:
    draw = _across_benchmarks(report.curves, report.shared, report.styles, report.options)[name]
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    draw(ax)
    return fig, name


def _learning_curve(report: _Report, experiment: str) -> tuple[Figure, str]:
    run = report.learning[experiment]
    meta = report.metadata[experiment]
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    figures.learning_curves(
        report.results[experiment],
        metric=run.metric,
        mode="max" if run.mode == "max" else "min",
        resource_attr=meta.get("resource_attr"),
        rung_levels=meta.get("rung_levels"),
        ax=ax,
        constraint=constraint_metric(meta, experiment=experiment),
    )
    ax.set_title(f"{run.method}, seed {run.seed}")
    return fig, f"learning_curves/{_safe(run.benchmark)}/{_safe(run.method)}-seed{run.seed}"


def _learning_grid(report: _Report, name: str) -> tuple[Figure, str]:
    experiments = report.learning_grids[name]
    slots, ncols = grid_slots(experiments, report.learning)
    panels = [None if e is None else _panel(report, e) for e in slots]
    first = report.learning[experiments[0]]
    fig = figures.learning_curve_grid(
        panels,
        metric=first.metric,
        mode="max" if first.mode == "max" else "min",
        resource_attr=report.metadata[experiments[0]].get("resource_attr"),
        ncols=ncols,
    )
    return fig, f"learning_curves/{name}"


def _panel(report: _Report, experiment: str) -> figures.LearningCurvePanel:
    run = report.learning[experiment]
    return figures.LearningCurvePanel(
        title=f"{run.method}, seed {run.seed}",
        results=report.results[experiment],
        rung_levels=report.metadata[experiment].get("rung_levels"),
        constraint=constraint_metric(report.metadata[experiment], experiment=experiment),
    )


def _grid_names(
    learning: Mapping[str, LearningRun], methods: Sequence[str]
) -> dict[str, list[str]]:
    """File name (in `learning_curves/`) of each learning-curve grid -> its experiments:
    the benchmark's, with the metric and mode where it has several grids."""
    grids = learning_grids(learning, methods)
    count = Counter(learning[experiments[0]].benchmark for experiments in grids)
    names = {}
    for experiments in grids:
        run = learning[experiments[0]]
        several = count[run.benchmark] > 1
        suffix = f"-{_safe(run.metric)}-{run.mode}" if several else ""
        names[_safe(run.benchmark) + suffix] = experiments
    return names


def _hypervolume(report: _Report, benchmark: str) -> tuple[Figure, str]:
    assert report.hypervolume is not None, "hypervolume jobs exist only with the frame"
    options = report.options
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    figures.hypervolume_curves(
        report.hypervolume,
        benchmark=benchmark,
        ax=ax,
        styles=report.styles,
        n_resamples=options.n_resamples,
        confidence=options.confidence,
        seed=options.seed,
    )  # it places the legend itself (`finish_axes`)
    return fig, f"hypervolume_{_safe(benchmark)}"


def _pareto(report: _Report, benchmark: str) -> tuple[Figure, str]:
    fronts = report.fronts[benchmark]
    methods = [m for m in report.styles if m in fronts.runs]
    methods += sorted(m for m in fronts.runs if m not in methods)
    fig = attainment_surfaces(fronts, methods=methods, styles=report.styles)
    return fig, f"pareto_{_safe(benchmark)}"


_DRAWERS: dict[str, Callable[[_Report, str], tuple[Figure, str]]] = {
    "grid": _grid,
    "benchmark": _benchmark,
    "across": _across,
    "learning_curves": _learning_curve,
    "learning_grid": _learning_grid,
    "hypervolume": _hypervolume,
    "pareto": _pareto,
}


def report_notes(
    study: Study, curves: pd.DataFrame, *, options: FigureOptions | None = None
) -> list[str]:
    """What a reader of the figures and tables must know, one sentence each.

    A critical-difference diagram left out (naming N, k and the rule), methods with
    seeds that ended without a (feasible) result, the methods whose decision time
    was charged to the simulated clock, and for curves against cost what their budget
    fractions are fractions of.
    """
    options = options or FigureOptions()
    notes = []
    budget = budget_of(curves.attrs)
    if budget != BUDGET:
        notes.append(
            f"Curves against the cost spent end at {budget}: the budget fractions of the "
            "tables (final_at_<percent>, --at) and figures are fractions of it, and results "
            "past it (trials still running when the budget ran out add their cost) are "
            "left out."
        )
    reason = _cd_skip_reason(curves, options)
    if reason is not None:
        notes.append(f"No critical-difference diagram: {reason}.")
    notes += _empty_seed_notes(curves)
    charged = charged_methods(study)
    if charged:
        names = ", ".join(m.removesuffix(CHARGED_LABEL) for m in charged)
        notes.append(
            f"Decision time was charged to the simulated clock for {names} "
            "(charge_decision_time = true in their metadata): their results depend on the "
            f"machine and its load; their labels end with '{CHARGED_LABEL.strip()}'."
        )
    return notes


def _empty_seed_notes(curves: pd.DataFrame) -> list[str]:
    """A note per method and benchmark with seeds whose curve ends without a value: no
    result at all, or (with a constraint) no feasible one. Their statistic is then
    undefined ("n/a" in the tables, no curve), which a reader must not take for a
    missing run."""
    if curves.empty:
        return []
    last = (
        curves.sort_values("step", kind="stable")
        .groupby(["benchmark", "method", "seed"], sort=True)["value"]
        .last()
    )
    empty = last.isna().groupby(level=["benchmark", "method"]).agg(["sum", "size"])
    return [
        f"{method} on {benchmark}: {int(row['sum'])} of {int(row['size'])} seeds ended "
        "without a result (with a constraint: without a feasible one), so its interquartile "
        "mean is undefined where they have none: 'n/a' in the tables, no curve there."
        for (benchmark, method), row in empty.iterrows()
        if row["sum"] > 0
    ]


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
    methods = set(curves["method"].unique())
    per_benchmark = curves.groupby("benchmark")["method"].unique()
    return sorted(str(b) for b, present in per_benchmark.items() if set(present) == methods)


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


def _tables(
    curves: pd.DataFrame,
    options: FigureOptions,
    out: Path,
    *,
    hypervolume: pd.DataFrame | None = None,
) -> list[Path]:
    written = _table_files(curves, options, out, name="final", what="the best value")
    if hypervolume is not None:
        # no aggregate row: the hypervolume is already normalised per benchmark
        written += _table_files(
            hypervolume.drop(columns="regret"),
            options,
            out,
            name="hypervolume",
            what="the normalised hypervolume of the feasible results",
        )
    return written


def _table_files(
    curves: pd.DataFrame, options: FigureOptions, out: Path, *, name: str, what: str
) -> list[Path]:
    """`<name>.{md,csv,tex}` (end of the budget) and `<name>_at_<percent>.*` of `curves`."""
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
        stem = name if at == 1.0 else f"{name}_at_{round(at * 100):d}"
        for suffix, text in (
            ("md", tables.to_markdown(table)),
            ("csv", tables.to_csv(table)),
            (
                "tex",
                tables.to_latex(
                    table,
                    caption=_caption(options, at, what=what, budget=budget_of(curves.attrs)),
                ),
            ),
        ):
            path = out / f"{stem}.{suffix}"
            path.write_text(text)
            written.append(path)
    return written


def _caption(
    options: FigureOptions, at: float, *, what: str = "the best value", budget: str = BUDGET
) -> str:
    """The LaTeX caption of a table at budget fraction `at` of `budget`."""
    level = round(options.confidence * 100)
    name = {"iqm": "Interquartile mean", "mean": "Mean", "median": "Median"}[options.statistic]
    return (
        f"{name} of {what} at {round(at * 100)}\\% of {tables.latex_escape(budget)}, "
        f"with {level}\\% "
        "stratified bootstrap confidence intervals; best in bold (ties: overlapping intervals)."
    )


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


def _check_formats(formats: Sequence[str], *, what: str) -> None:
    allowed = {"pdf", "png", "svg"}
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise ValueError(f"{what} {list(formats)}: expected some of {sorted(allowed)}")


def _safe(name: str) -> str:
    """A file name for a benchmark or method (slashes of `name/task` become `_`)."""
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)
