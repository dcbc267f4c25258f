"""Time to read a large study and build its curves, as `tunelab-plot` does.

Usage: python benchmarks/plot_study_speed.py [--experiments 3000] [--results 500] [--jobs 8]

Writes a synthetic study in the results format (metadata.json and results.parquet per
experiment: 20 methods x 30 benchmarks x 5 seeds by default, each with `--results`
rows) into a temporary folder, then times `load_study` (finding, reading and parsing
every file with parallel threads), `curves_frame` (best-so-far curves on 100 grid
points) and `final_table` (IQM with 1,000 bootstrap resamples per method and
benchmark). The folder is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tunelab.plotting import curves_frame, load_study
from tunelab.plotting.tables import final_table


def write_study(root: Path, *, n_experiments: int, n_results: int) -> None:
    rng = np.random.default_rng(0)
    n_benchmarks, n_seeds = 30, 5
    n_methods = max(1, n_experiments // (n_benchmarks * n_seeds))
    for b in range(n_benchmarks):
        for m in range(n_methods):
            for seed in range(n_seeds):
                folder = root / f"bench{b}" / f"method{m}" / str(seed)
                folder.mkdir(parents=True)
                meta = {
                    "method": f"method{m}",
                    "benchmark": f"bench{b}",
                    "seed": seed,
                    "metric": ["val_error"],
                    "mode": ["min"],
                    "resource_attr": "epoch",
                    "budget": {"max_wallclock_time": 3600.0},
                    "status": "complete",
                }
                (folder / "metadata.json").write_text(json.dumps(meta))
                pd.DataFrame(
                    {
                        "trial_id": np.arange(n_results) // 10,
                        "tuner_time": np.sort(rng.uniform(0, 3600, n_results)),
                        "epoch": np.arange(n_results) % 10 + 1,
                        "val_error": rng.uniform(0.05, 1.0, n_results),
                        "decision": "continue",
                    }
                ).to_parquet(folder / "results.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=3000)
    parser.add_argument("--results", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        start = time.perf_counter()
        write_study(root, n_experiments=args.experiments, n_results=args.results)
        print(f"wrote the study in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        study = load_study(str(root), jobs=args.jobs, progress=False)
        loaded = time.perf_counter() - start
        n = len(study.runs)
        print(
            f"load_study:   {n} experiments x {args.results} results in {loaded:.2f} s "
            f"({1000 * loaded / n:.2f} ms per experiment, {args.jobs} threads)"
        )
        start = time.perf_counter()
        curves = curves_frame(study, n_points=100)
        built = time.perf_counter() - start
        print(
            f"curves_frame: {len(curves):,} rows in {built:.2f} s "
            f"({1000 * built / n:.2f} ms per experiment)"
        )
        start = time.perf_counter()
        final_table(curves, n_resamples=1000)
        tabled = time.perf_counter() - start
        print(f"final_table:  IQM with 1,000 resamples per cell in {tabled:.2f} s")


if __name__ == "__main__":
    main()
