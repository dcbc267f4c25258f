"""A text summary of a study: the best value each method reached, over seeds.

`python -m tunelab.experiments.summary results/demo` prints, per benchmark and
method, the number of complete seeds and the mean, median and interquartile range
of the best value of the benchmark's metric. Only feasible results count when the
benchmark names a constraint (its metric <= 0); on a multi-objective benchmark the
value is the hypervolume of all results, bounded by the `hypervolume_reference`
metadata.json records. The figures of tunelab-plotting go further (IQM with
bootstrap intervals, curves over time); this needs only pandas.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunelab.core.multiobjective import hypervolume
from tunelab.core.results.store import METADATA_FILE, RESULTS_FILE

HYPERVOLUME = "hypervolume"


def final_values(study_folder: Path) -> pd.DataFrame:
    """One row per complete experiment: benchmark, method, seed, metric, mode, best.

    `best` is the best feasible value of the metric, or, for several metrics, the
    hypervolume of the feasible results (metric "hypervolume", mode "max"; an
    experiment without a recorded `hypervolume_reference` is left out).
    """
    rows = []
    for metadata_file in sorted(study_folder.glob(f"*/*/*/{METADATA_FILE}")):
        metadata = json.loads(metadata_file.read_text())
        if metadata.get("status") != "complete":
            continue
        found = _best(metadata, metadata_file.parent / RESULTS_FILE)
        if found is None:
            continue
        metric, mode, best = found
        rows.append(
            {
                "benchmark": metadata["benchmark"],
                "method": metadata["method"],
                "seed": metadata["seed"],
                "metric": metric,
                "mode": mode,
                "best": best,
            }
        )
    summary: pd.DataFrame = pd.DataFrame(rows)
    return summary


def _best(metadata: dict[str, Any], results_file: Path) -> tuple[str, str, float] | None:
    """(metric, mode, best value) of one experiment; None without a usable result."""
    metrics, modes = list(metadata["metric"]), list(metadata["mode"])
    constraint = metadata.get("constraint")
    reference = metadata.get("hypervolume_reference") or {}
    several = len(metrics) > 1
    if several and not reference:
        return None
    columns = [*metrics, *([constraint] if constraint else [])]
    results = pd.read_parquet(results_file, columns=columns).apply(pd.to_numeric, errors="coerce")
    if constraint:  # infeasible or unknown: never the best
        results = results[results[constraint] <= 0]
    values = results[metrics].dropna()
    if values.empty:
        return None
    if several:
        point = [reference[name] for name in metrics]
        return HYPERVOLUME, "max", hypervolume(values.to_numpy(float), point, modes)
    column = values[metrics[0]]
    return metrics[0], modes[0], float(column.min() if modes[0] == "min" else column.max())


def summary_table(study_folder: Path) -> pd.DataFrame:
    """Per benchmark and method: seeds, mean, median, 25th and 75th percentile of best."""
    finals = final_values(study_folder)
    if finals.empty:
        return finals
    grouped = finals.groupby(["benchmark", "metric", "mode", "method"])["best"]
    table = grouped.agg(
        seeds="count",
        mean="mean",
        median="median",
        q25=lambda v: float(np.percentile(v, 25)),
        q75=lambda v: float(np.percentile(v, 75)),
    )
    return table.reset_index()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study_folder", type=Path, help="e.g. results/demo")
    args = parser.parse_args(argv)
    if not args.study_folder.is_dir():
        parser.error(f"{args.study_folder} is not a folder of experiments")
    table = summary_table(args.study_folder)
    if table.empty:
        print(f"no complete experiment under {args.study_folder}")
        return
    for (benchmark, metric, mode), part in table.groupby(["benchmark", "metric", "mode"]):
        print(f"\n{benchmark}: best {metric} ({mode}) over seeds")
        shown = part.drop(columns=["benchmark", "metric", "mode"]).set_index("method")
        print(shown.to_string(float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
