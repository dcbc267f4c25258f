"""Which runs a comparison may use: method grouping, duplicates and seed coverage.

Statistics over seeds are only meaningful when every method of a benchmark ran the
same seeds (the comparisons are paired). Missing, extra and incomplete seeds are
therefore reported, never averaged in silently: `seed_report` says what is missing
and `common_seeds` keeps the seeds every method has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from tunelab.plotting.loading import Study

_KEY = ["benchmark", "method", "seed"]
_IGNORED_FIELDS = {"experiment", "start_time", "end_time", "resumed_at", "git_revision"}


def group_methods(study: Study, fields: Sequence[str]) -> Study:
    """Split each method by metadata `fields`: `asha` becomes `asha [n_workers=4]`.

    Use it to compare variants that share a method name, e.g. the same method run
    with 1 and 4 workers, or in two studies. The fields are recorded in
    `Study.grouped_by`: methods may then differ in them without `check_settings`
    refusing, since every label names its value.
    """
    if not fields:
        return study
    runs = study.runs.copy()
    missing = [f for f in fields if f not in runs]
    if missing:
        known = ", ".join(sorted(c for c in runs.columns if "." not in c))
        raise KeyError(f"cannot group by {missing}: no such metadata field; fields: {known}")
    suffix = runs[list(fields)].apply(
        lambda row: ", ".join(f"{f}={row[f]}" for f in fields), axis=1
    )
    runs["method"] = runs["method"] + " [" + suffix + "]"
    grouped_by = tuple(dict.fromkeys([*study.grouped_by, *fields]))
    return replace(study.with_runs(runs), grouped_by=grouped_by)


def check_duplicates(runs: pd.DataFrame) -> None:
    """Refuse two experiments of the same benchmark, method and seed.

    Averaging them would weigh that seed twice; the error names the metadata fields
    in which they differ, to filter (`--where`) or group (`--group-by`) by.
    """
    duplicated = runs[runs.duplicated(_KEY, keep=False)]
    if duplicated.empty:
        return
    first_key, group = next(iter(duplicated.groupby(_KEY, sort=True)))
    differing = [
        column
        for column in group.columns
        if column not in _IGNORED_FIELDS
        and group[column].astype(str).nunique(dropna=False) > 1
        and not column.startswith("hydra_config.")
    ]
    where = ", ".join(differing[:6]) or "no metadata field"
    count = duplicated.groupby(_KEY).ngroups
    raise ValueError(
        f"{count} benchmark/method/seed combination(s) have several experiments, e.g. "
        f"{dict(zip(_KEY, first_key, strict=True))} in {sorted(group['experiment'])}; they "
        f"differ in: {where}. Select one with --where FIELD=VALUE or compare them with "
        "--group-by FIELD"
    )


@dataclass(frozen=True)
class SeedReport:
    """Seed coverage of a study.

    Attributes:
        table: One row per benchmark and method: `seeds` (those present), `missing`
            (seeds another method of the benchmark has but this one lacks),
            `incomplete` (seeds whose experiment is not complete).
        problems: One sentence per coverage problem; empty when all is paired.
    """

    table: pd.DataFrame
    problems: list[str]

    def to_markdown(self) -> str:
        """The report as Markdown, problems first."""
        lines = ["# Seed coverage", ""]
        if self.problems:
            lines += [f"- {p}" for p in self.problems]
        else:
            lines.append("Every method has the same seeds on each benchmark.")
        lines += [
            "",
            "| benchmark | method | seeds | missing | incomplete |",
            "|---|---|---|---|---|",
        ]
        for row in self.table.to_dict("records"):
            lines.append(
                f"| {row['benchmark']} | {row['method']} | {seed_span(row['seeds'])} | "
                f"{seed_span(row['missing']) or '-'} | {seed_span(row['incomplete']) or '-'} |"
            )
        return "\n".join(lines) + "\n"


def seed_report(study: Study) -> SeedReport:
    """Which seeds each method has on each benchmark, and what is missing."""
    runs, incomplete = study.runs, study.incomplete
    rows, problems = [], []
    benchmarks = sorted(set(runs["benchmark"]) | _column(incomplete, "benchmark"))
    # one pass over the runs, not a mask per benchmark and method (600 on a large study)
    have: dict[str, dict[str, set[int]]] = {}
    if not runs.empty:
        for (benchmark, method), found in runs.groupby(["benchmark", "method"])["seed"]:
            have.setdefault(str(benchmark), {})[str(method)] = {int(s) for s in found}
    for benchmark in benchmarks:
        here = have.get(benchmark, {})
        unfinished = _subset(incomplete, benchmark)
        methods = sorted(set(here) | set(unfinished.get("method", [])))
        seeds = {m: here.get(m, set()) for m in methods}
        union = set().union(*seeds.values())
        for method in methods:
            missing = sorted(union - seeds[method])
            bad = (
                sorted(int(s) for s in unfinished.loc[unfinished["method"] == method, "seed"])
                if not unfinished.empty
                else []
            )
            rows.append(
                {
                    "benchmark": benchmark,
                    "method": method,
                    "n_seeds": len(seeds[method]),
                    "seeds": sorted(seeds[method]),
                    "missing": missing,
                    "incomplete": bad,
                }
            )
            if missing:
                problems.append(
                    f"{benchmark}: {method} lacks seeds {seed_span(missing)} that other "
                    "methods have"
                )
            if bad:
                problems.append(
                    f"{benchmark}: {method} has incomplete experiments for seeds {seed_span(bad)} "
                    "(left out; --include-incomplete uses them)"
                )
    return SeedReport(table=pd.DataFrame(rows), problems=problems)


def common_seeds(study: Study) -> Study:
    """Keep, per benchmark, only the seeds that every method of it has."""
    keep = pd.Series(False, index=study.runs.index)
    for _, here in study.runs.groupby("benchmark"):
        per_method = [set(g["seed"]) for _, g in here.groupby("method")]
        shared = set.intersection(*per_method)
        keep[here.index] = here["seed"].isin(shared)
    return study.select(keep)


def _subset(frame: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    if frame.empty or "benchmark" not in frame:
        empty: pd.DataFrame = frame.iloc[:0]
        return empty
    subset: pd.DataFrame = frame[frame["benchmark"] == benchmark]
    return subset


def _column(frame: pd.DataFrame, name: str) -> set[str]:
    return set(frame[name]) if name in frame else set()


def seed_span(seeds: Sequence[int]) -> str:
    """Seeds as short text: `[0, 1, 2, 5]` -> `0-2, 5`."""
    parts: list[str] = []
    values = sorted(int(s) for s in seeds)
    start = prev = None
    for value in [*values, None]:
        if start is None:
            start = prev = value
        elif value is not None and prev is not None and value == prev + 1:
            prev = value
        else:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = value
    return ", ".join(parts)
