"""A text summary of a study: the best value each method reached, over seeds.

`python -m tunelab.experiments.summary results/demo` prints, per benchmark and
method, the number of complete seeds and the mean, median and interquartile range
of the best value of the benchmark's metric. The figures of tunelab-plotting go
further (IQM with bootstrap intervals, curves over time); this needs only pandas.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from tunelab.core.results.store import METADATA_FILE, RESULTS_FILE


def final_values(study_folder: Path) -> pd.DataFrame:
    """One row per complete experiment: benchmark, method, seed, metric, mode, best."""
    rows = []
    for metadata_file in sorted(study_folder.glob(f"*/*/*/{METADATA_FILE}")):
        metadata = json.loads(metadata_file.read_text())
        if metadata.get("status") != "complete":
            continue
        metric, mode = metadata["metric"][0], metadata["mode"][0]
        results = pd.read_parquet(metadata_file.parent / RESULTS_FILE, columns=[metric])
        values = pd.to_numeric(results[metric], errors="coerce").dropna()
        if values.empty:
            continue
        rows.append(
            {
                "benchmark": metadata["benchmark"],
                "method": metadata["method"],
                "seed": metadata["seed"],
                "metric": metric,
                "mode": mode,
                "best": float(values.min() if mode == "min" else values.max()),
            }
        )
    summary: pd.DataFrame = pd.DataFrame(rows)
    return summary


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
