"""Which experiments of a study get learning curves, and how they make up figures.

`write_figures` draws the learning curves of the experiments `learning_runs` chooses
(`FigureOptions.learning_curves`): by default one grid figure per benchmark
(`learning_grids`, panels placed by `grid_slots`), or one figure per experiment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from tunelab.plotting.loading import Study


class LearningRun(NamedTuple):
    """An experiment with learning curves, as `study.runs` describes it."""

    benchmark: str
    method: str
    seed: int
    metric: str
    mode: str


def learning_runs(study: Study, which: str) -> dict[str, LearningRun]:
    """The experiments to draw learning curves of: "first" (seed of each method and
    benchmark), "all" or "none", in benchmark, method and seed order; those without
    results are left out."""
    if which == "none":
        return {}
    runs = study.runs.sort_values(["benchmark", "method", "seed"])
    if which == "first":
        runs = runs.groupby(["benchmark", "method"], sort=False).head(1)
    chosen = {}
    for row in runs.itertuples():
        results = study.results.get(row.experiment)
        if results is None or results.empty:
            continue
        chosen[str(row.experiment)] = LearningRun(
            benchmark=str(row.benchmark),
            method=str(row.method),
            seed=int(row.seed),
            metric=str(row.metric),
            mode=str(row.mode),
        )
    return chosen


def learning_grids(learning: Mapping[str, LearningRun], methods: Sequence[str]) -> list[list[str]]:
    """The experiments of each learning-curve grid figure, in method order (`methods`,
    then the others sorted) and seed order: one figure per benchmark (sorted), or per
    benchmark and metric where its experiments differ in the metric or its mode
    (methods grouped by it)."""
    rank = {method: i for i, method in enumerate(methods)}
    ordered = sorted(
        learning, key=lambda e: (rank.get(learning[e].method, len(rank)), learning[e].method)
    )
    groups: dict[tuple[str, str, str], list[str]] = {}
    for e in ordered:
        run = learning[e]
        groups.setdefault((run.benchmark, run.metric, run.mode), []).append(e)
    return [experiments for _, experiments in sorted(groups.items(), key=lambda g: g[0][0])]


def grid_slots(
    experiments: Sequence[str], learning: Mapping[str, LearningRun], *, ncols: int = 4
) -> tuple[list[str | None], int]:
    """The panels of a grid figure of `experiments` and its number of columns.

    With one experiment per method, the methods fill rows of `ncols`; with several
    seeds, each method has a row and each seed a column (None where a method lacks it).
    """
    runs = [learning[e] for e in experiments]
    methods = list(dict.fromkeys(run.method for run in runs))
    if len(runs) == len(methods):
        return list(experiments), min(ncols, len(runs))
    seeds = sorted({run.seed for run in runs})
    slots: list[str | None] = []
    for method in methods:
        mine = {
            run.seed: e for e, run in zip(experiments, runs, strict=True) if run.method == method
        }
        slots += [mine.get(seed) for seed in seeds]
    return slots, len(seeds)
