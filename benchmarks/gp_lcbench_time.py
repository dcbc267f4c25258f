"""Real time of a 2-hour simulated lcbench experiment with the GP learning-curve methods.

Usage: python benchmarks/gp_lcbench_time.py [--methods dyhpo,mobster] [--seeds 0 1]
                                            [--budget 7200] [--benchmark auto] [--keep DIR]

Issue 16, part 2: DyHPO should run a 2-hour (7,200 simulated seconds) lcbench
experiment with 4 workers in at most 2 minutes of real time, MOBSTER in at most 3.
Each experiment is one `tunelab-run method=<method> benchmark=<benchmark> seed=<seed>
max_wallclock_time=<budget>` process, as a user runs it (the presets' settings, the
benchmark's 4 workers, decision time not charged to the simulated clock), into a
temporary results folder. Printed per experiment: the real seconds from launch to
exit (start-up included), the CPU seconds of the process (steadier on a shared
machine: real time stretches when other processes take the cores), the number of
results and trials, and the best value of the metric, which tells two versions of
a method apart when they do not decide alike.

The benchmark is YAHPO Gym's lcbench surrogate (OpenML task 167190, the shipped
`yahpo-lcbench` preset; it needs onnxruntime) when a yahpo_data folder is found
(`$TUNELAB_YAHPO_DATA`, else `../shared/data/yahpo` next to the repository), else the
lcbench table shipped with tunelab-blackbox (`lcbench-table`); `--benchmark` picks
one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
from _timing import timed_run

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = {"dyhpo": 120.0, "mobster": 180.0}


def yahpo_data() -> Path | None:
    """The yahpo_data folder, if there is one."""
    source = os.environ.get("TUNELAB_YAHPO_DATA") or ROOT.parent / "shared" / "data" / "yahpo"
    return Path(source) if (Path(source) / "lcbench").is_dir() else None


def run(
    method: str,
    benchmark: str,
    seed: int,
    budget: float,
    data: Path | None,
    keep: Path | None = None,
) -> dict[str, float]:
    """One experiment in its own process: real and CPU seconds, results, trials, best.

    With `keep`, the results are written to `keep/<method>-seed<seed>` and kept there
    (to compare the results of two versions), else to a temporary folder.
    """
    with contextlib.ExitStack() as stack:
        if keep is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
        else:
            target = keep / f"{method}-seed{seed}"
            if target.exists():
                raise SystemExit(f"--keep: {target} exists; pick an empty folder")
            target.mkdir(parents=True)
            folder = str(target)
        command = [
            sys.executable,
            "-m",
            "tunelab.experiments",
            f"method={method}",
            f"benchmark={benchmark}",
            f"seed={seed}",
            f"max_wallclock_time={budget:g}",
            f"results_root={folder}",
        ]
        environment = dict(os.environ)
        if data is not None:
            environment["TUNELAB_YAHPO_DATA"] = str(data)
        seconds, cpu, done = timed_run(command, environment, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        results = pd.read_parquet(next(Path(folder).rglob("results.parquet")))
        metadata = next(Path(folder).rglob("metadata.json")).read_text()
    metric, mode = _metric(metadata)
    values = results[metric]
    return {
        "real": seconds,
        "cpu": cpu,
        "results": float(len(results)),
        "trials": float(results["trial_id"].nunique()),
        "best": float(values.max() if mode == "max" else values.min()),
    }


def _metric(metadata: str) -> tuple[str, str]:
    benchmark = json.loads(metadata)["hydra_config"]["benchmark"]
    return str(benchmark["metric"]), str(benchmark["mode"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="dyhpo,mobster", help="comma-separated presets")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--budget", type=float, default=7200.0, help="simulated seconds")
    parser.add_argument(
        "--benchmark",
        choices=["auto", "yahpo-lcbench", "lcbench-table"],
        default="auto",
        help="auto: yahpo-lcbench when its data is found, else lcbench-table",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep each experiment's results in KEEP/<method>-seed<seed> (default: discard)",
    )
    args = parser.parse_args()
    data = yahpo_data()
    benchmark = args.benchmark
    if benchmark == "auto":
        benchmark = "yahpo-lcbench" if data is not None else "lcbench-table"
    if benchmark == "yahpo-lcbench" and data is None:
        raise SystemExit("no yahpo_data folder: set TUNELAB_YAHPO_DATA (see the docstring)")
    print(
        f"{benchmark}, {args.budget:g} simulated seconds, 4 workers: real and CPU seconds "
        "per experiment (one tunelab-run process each)"
    )
    for method in args.methods.split(","):
        target = TARGET_SECONDS.get(method)
        for seed in args.seeds:
            figures = run(method, benchmark, seed, args.budget, data, args.keep)
            goal = "" if target is None or args.budget != 7200 else f"  (target <= {target:.0f} s)"
            print(
                f"{method:<10} seed {seed}: {figures['real']:7.1f} s real, "
                f"{figures['cpu']:7.1f} s CPU, {figures['results']:6.0f} results, "
                f"{figures['trials']:5.0f} trials, best {figures['best']:.4g}{goal}",
                flush=True,
            )


if __name__ == "__main__":
    main()
