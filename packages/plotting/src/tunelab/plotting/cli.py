"""`tunelab-plot`: every figure and table of a study, from its results folder.

tunelab-plot results/demo --out figures/
tunelab-plot s3://bucket/studies/my_paper --methods asha,bohb --where n_workers=4

Runs aggregated together on a benchmark must share the settings that change what a
result means (budget, workers, benchmark and simulation settings; see
`tunelab.plotting.run_settings`): otherwise the command exits with an error naming
them, unless `--split-by-settings` plots each combination on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# Only light modules here: `--help` must not wait for numpy, pandas or matplotlib, which
# `_run` imports when there is work to do.
from tunelab.plotting.options import X_LABELS, FigureOptions

if TYPE_CHECKING:
    from tunelab.plotting.loading import Study
    from tunelab.plotting.settings import PlotSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunelab-plot",
        description="Write the figures and tables of a study: per-benchmark IQM curves with "
        "bootstrap bands, the aggregate over benchmarks, ranks, performance profiles, "
        "critical differences, final-performance tables and per-trial learning curves.",
    )
    parser.add_argument("root", help="results folder of a study, or an s3:// prefix")
    parser.add_argument("--out", default="figures", help="output folder (default: figures/)")
    parser.add_argument(
        "--benchmark",
        "--benchmarks",
        dest="benchmarks",
        action="append",
        help="only these benchmarks (repeat or comma-separate)",
    )
    parser.add_argument(
        "--methods",
        "--method",
        dest="methods",
        action="append",
        help="only these methods (repeat or comma-separate)",
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FIELD=VALUES",
        help="keep experiments whose metadata FIELD (dotted for nested ones) "
        "is one of the comma-separated VALUES; repeatable",
    )
    parser.add_argument(
        "--group-by",
        action="append",
        default=[],
        metavar="FIELD",
        help="split methods by this metadata field (e.g. n_workers, study); methods may "
        "then differ in it",
    )
    parser.add_argument(
        "--split-by-settings",
        action="store_true",
        help="when the runs of a benchmark differ in a setting that changes what a result "
        "means (budget, n_workers, benchmark or simulation settings), plot each combination "
        "as a benchmark of its own, e.g. 'bench [max_wallclock_time=60]', instead of "
        "refusing",
    )
    parser.add_argument("--since", help="only experiments started at or after this ISO time")
    parser.add_argument("--until", help="only experiments started at or before this ISO time")
    parser.add_argument(
        "--include-incomplete",
        action="store_true",
        help="also use running, interrupted and failed experiments",
    )
    parser.add_argument(
        "--seeds",
        choices=["common", "all"],
        default="common",
        help="common: per benchmark, only seeds every method has (default); "
        "all: every seed (coverage problems are reported either way)",
    )
    parser.add_argument(
        "--x", choices=sorted(X_LABELS), default="time", help="x axis of the curves (default: time)"
    )
    parser.add_argument("--metric", help="plot this reported metric instead of the first one")
    parser.add_argument("--points", type=int, default=100, help="grid points per curve")
    parser.add_argument("--statistic", choices=["iqm", "mean", "median"], default="iqm")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    parser.add_argument(
        "--at",
        type=float,
        action="append",
        metavar="FRACTION",
        help="budget fractions of the final tables (default: 0.25 and 1); with --x cost, "
        "fractions of the cost budget (max_cost)",
    )
    parser.add_argument("--log-x", action="store_true", help="log-scaled x axes")
    parser.add_argument("--log-y", action="store_true", help="log-scaled y axes")
    parser.add_argument(
        "--cd-min-benchmarks",
        type=int,
        default=FigureOptions.cd_min_benchmarks,
        metavar="N",
        help="draw the critical-difference diagram only over at least N benchmarks "
        f"(default: {FigureOptions.cd_min_benchmarks}, after Demšar 2006)",
    )
    parser.add_argument("--settings", help="YAML file of figure settings (see docs)")
    parser.add_argument("--formats", default="pdf,png", help="figure formats (default: pdf,png)")
    parser.add_argument(
        "--learning-curves",
        choices=["first", "all", "none"],
        default="first",
        help="per-trial learning curves: of the first seed of each method and "
        "benchmark (default), of every experiment, or none",
    )
    parser.add_argument(
        "--learning-curve-figures",
        choices=["benchmark", "experiment"],
        default="benchmark",
        help="benchmark: one figure per benchmark, a panel per experiment (default); "
        "experiment: one figure per experiment",
    )
    parser.add_argument(
        "--learning-curve-formats",
        default="png",
        metavar="FORMATS",
        help="formats of the learning-curve figures (default: png; pdf,png gives them "
        "the formats of the paper figures)",
    )
    parser.add_argument("--jobs", type=int, default=8, help="threads reading results")
    parser.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="worker processes drawing figures side by side (default: one per CPU this "
        "process may use; 1 draws them one after the other)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (OSError, KeyError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"tunelab-plot: error: {message}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from tunelab.plotting._parallel import usable_cpus
    from tunelab.plotting.frames import curves_frame, hypervolume_frame
    from tunelab.plotting.loading import load_study
    from tunelab.plotting.report import report_notes, write_figures
    from tunelab.plotting.run_settings import check_settings, mark_decision_time_charged
    from tunelab.plotting.selection import (
        check_duplicates,
        common_seeds,
        group_methods,
        seed_report,
    )
    from tunelab.plotting.settings import PlotSettings

    settings = PlotSettings.from_yaml(args.settings) if args.settings else PlotSettings()
    where = _where(args.where)
    if args.benchmarks:
        where["benchmark"] = _split(args.benchmarks)
    methods = _split(args.methods) if args.methods else list(settings.order)
    if methods:
        where["method"] = methods
    study = load_study(
        args.root,
        where=where,
        since=args.since,
        until=args.until,
        include_incomplete=args.include_incomplete,
        jobs=args.jobs,
        progress=False if args.quiet else None,
    )
    if study.runs.empty:
        raise ValueError(f"no complete experiment under {args.root!r} matches the selection")
    study = group_methods(study, args.group_by)
    if args.split_by_settings:
        study = _split_by_settings(study)
    check_duplicates(study.runs)
    check_settings(study)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = seed_report(study)
    (out / "seeds.md").write_text(report.to_markdown())
    for problem in report.problems:
        print(f"seed coverage: {problem}", file=sys.stderr)
    if args.seeds == "common":
        study = common_seeds(study)
    study = mark_decision_time_charged(_relabel(study, settings))
    curves = curves_frame(
        study, x=args.x, n_points=args.points, log_x=args.log_x, metric=args.metric
    )
    multi = study.runs["metrics"].map(len) > 1
    hypervolume = (
        hypervolume_frame(study.select(multi), x=args.x, n_points=args.points, log_x=args.log_x)
        if multi.any()
        else None
    )
    options = FigureOptions(
        statistic=args.statistic,
        n_resamples=args.resamples,
        confidence=args.confidence,
        seed=args.seed,
        at=tuple(args.at or (0.25, 1.0)),
        log_x=args.log_x or settings.log_x,
        log_y=args.log_y or settings.log_y,
        formats=_formats(args.formats),
        learning_curves=args.learning_curves,
        learning_curve_figures=args.learning_curve_figures,
        learning_curve_formats=_formats(args.learning_curve_formats),
        cd_min_benchmarks=args.cd_min_benchmarks,
    )
    written = write_figures(
        study,
        curves,
        out=out,
        settings=settings,
        options=options,
        hypervolume=hypervolume,
        processes=usable_cpus() if args.processes is None else args.processes,
    )
    print(
        f"{len(written)} files written to {out}/ ({len(study.runs)} experiments, "
        f"{study.runs['benchmark'].nunique()} benchmarks, {study.runs['method'].nunique()} "
        "methods)"
    )
    for note in report_notes(study, curves, options=options):
        print(f"note: {note}")
    table = out / "final.md"
    if table.exists():
        print(table.read_text())
    return 0


def _split_by_settings(study: Study) -> Study:
    """`split_by_settings`, saying on stderr which benchmarks it split and how."""
    from tunelab.plotting.run_settings import split_by_settings

    before = set(study.runs["benchmark"])
    split = split_by_settings(study)
    for benchmark in sorted(before - set(split.runs["benchmark"])):
        parts = sorted(
            b for b in set(split.runs["benchmark"]) if str(b).startswith(f"{benchmark} [")
        )
        print(f"settings: {benchmark} split into {'; '.join(parts)}", file=sys.stderr)
    return split


def _relabel(study: Study, settings: PlotSettings) -> Study:
    if not settings.labels:
        return study
    runs = study.runs.copy()
    runs["method"] = runs["method"].map(settings.label)
    return study.with_runs(runs)


def _where(items: Sequence[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--where {item!r}: expected FIELD=VALUE[,VALUE...]")
        where.setdefault(key.strip(), []).extend(_split([values]))
    return where


def _formats(value: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in value.split(",") if f.strip())


def _split(values: Sequence[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


if __name__ == "__main__":
    sys.exit(main())
