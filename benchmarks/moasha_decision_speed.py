"""Decision time of MOASHA on a simulated study, and of the Pareto ranking behind it.

Usage: python benchmarks/moasha_decision_speed.py [--seeds 0,1,2] [--sizes 250,1000,4000]

First the time of one `pareto_order` call (what a MOASHA rung, NSGA-II and MOREA rank
by) for random cost vectors of n points, 2 and 3 metrics, both tie-breaks. Then
the workload of issue 17 that made it matter: `tunelab-run method=moasha
benchmark=lcbench-table-mo max_wallclock_time=3600` for each seed and tie-break, in a
temporary results root, printing `decision_seconds` of its metadata.json (the
scheduler's and searcher's own computing time); ASHA on the benchmark's first metric
alone is the reference. Before the O(n log n) two-metric sort and the front-at-once
tie-break scores, MOASHA took 18-22 s per experiment there, ASHA 0.1 s.
BLAS is limited to one thread.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from tunelab.core._pareto import TIE_BREAKS, TieBreak, pareto_order  # noqa: E402

STUDY = ["benchmark=lcbench-table-mo", "max_wallclock_time=3600"]
# ASHA ranks one metric: the benchmark's accuracy, without the two-metric reference point
ASHA = [
    "method=asha",
    "benchmark.metric=val_accuracy",
    "benchmark.mode=max",
    "~benchmark.reference_point",
]


def ranking_milliseconds(n: int, m: int, tie_break: TieBreak, repeats: int = 5) -> float:
    """Mean milliseconds of `pareto_order` on n points with m metrics, rounded to a grid
    so that fronts hold ties and copies as real results do."""
    costs = np.random.default_rng(0).random((n, m)).round(2)
    pareto_order(costs, tie_break)
    start = time.perf_counter()
    for _ in range(repeats):
        pareto_order(costs, tie_break)
    return (time.perf_counter() - start) / repeats * 1e3


def decision_seconds(overrides: list[str], root: Path) -> float:
    """Run one experiment with `tunelab-run` under `root`; its `decision_seconds`."""
    command = [str(Path(sys.executable).parent / "tunelab-run"), *overrides]
    environment = {**os.environ, "TUNELAB_RESULTS_ROOT": str(root)}
    subprocess.run(command, env=environment, check=True, capture_output=True)
    (metadata,) = root.rglob("metadata.json")
    seconds: float = json.loads(metadata.read_text())["decision_seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--sizes", default="250,1000,4000", help="points per ranking")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]

    print("pareto_order, ms per call")
    print(f"{'n':>6} {'m':>2} " + " ".join(f"{t:>12}" for t in TIE_BREAKS))
    for n in (int(s) for s in args.sizes.split(",")):
        for m in (2, 3):
            times = [ranking_milliseconds(n, m, t) for t in TIE_BREAKS]
            print(f"{n:>6} {m:>2} " + " ".join(f"{t:>12.2f}" for t in times))

    print("\ndecision_seconds per experiment (lcbench-table-mo, 3600 s simulated, 4 workers)")
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            runs = {"asha, 1 metric": ASHA}
            for tie_break in TIE_BREAKS:
                runs[f"moasha {tie_break}"] = [
                    "method=moasha",
                    f"+method.scheduler.tie_break={tie_break}",
                ]
            for label, overrides in runs.items():
                root = Path(scratch) / f"{label.replace(' ', '_').replace(',', '')}_{seed}"
                seconds = decision_seconds([*STUDY, *overrides, f"seed={seed}"], root)
                print(f"  seed {seed}  {label:<22} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
