"""How long researchers wait for `tunelab-plot`: its help, a large study, a real small one.

Usage: python benchmarks/plot_study_speed.py [--experiments 3000] [--results 500] [--jobs 8]
           [--real] [--budget 3600] [--root DIR] [--processes N] [--variants]

Targets (issue 16): `tunelab-plot --help` <= 0.5 s; the default run on a 13-experiment
study <= 10 s; on the 3,000-experiment synthetic study <= 30 s, end to end.

1. `tunelab-plot --help`, the median of five runs.
2. By default, a synthetic study in the results format (metadata.json and
   results.parquet per experiment: 20 methods x 30 benchmarks x 5 seeds, each with
   `--results` rows). Timed in this process: `load_study` (finding, reading and
   parsing every file with parallel threads), `curves_frame` (best-so-far curves on
   100 grid points) and `final_table` (IQM with 1,000 bootstrap resamples per method
   and benchmark); then the whole default `tunelab-plot` run on it, end to end, in
   its own process.
3. With `--real`, instead a real study made by `tunelab-run` (simulated, a few
   seconds per experiment): the 13 methods of `REAL_METHODS` on the demo study's
   lcbench task 167161, seed 0, `--budget` simulated seconds (3,600, the benchmark's
   own budget: twice the trials of the demo study's 1,800); then the default
   `tunelab-plot` run on it, end to end.
4. With `--variants`, also the run without learning curves (`--learning-curves none`)
   and the run with them as they were written before they became one PNG grid per
   benchmark (`--learning-curve-figures experiment --learning-curve-formats pdf,png`:
   a PDF and a PNG per experiment), to show what the learning curves cost.

Commands run as `python -m ...` with this interpreter, so PYTHONPATH can point them
at another source tree to compare. They write bytecode to a temporary cache, as an
installed package has it (some sandboxes set PYTHONDONTWRITEBYTECODE, and compiling
every module would be timed too), filled by an untimed run on a tiny study first. CPU
time is that of the command and its worker processes. Timings on a machine shared with
other work vary: the load average at the start is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import timed_run

from tunelab.plotting import curves_frame, load_study
from tunelab.plotting.tables import final_table

REAL_METHODS = (
    "random_search",
    "grid_search",
    "asha",
    "asha_prom",
    "hyperband",
    "pasha",
    "median_stopping",
    "sync_sh",
    "sync_hyperband",
    "bohb",
    "sync_bohb",
    "dehb",
    "rea",
)
"""Thirteen methods of `tunelab-run` that need no GP (each simulates in seconds)."""
REAL_TASK = "167161"
HELP_TARGET, REAL_TARGET, SYNTHETIC_TARGET = 0.5, 10.0, 30.0


def write_study(
    root: Path, *, n_experiments: int, n_results: int, n_benchmarks: int = 30, n_seeds: int = 5
) -> None:
    rng = np.random.default_rng(0)
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


def child_environment(cache: Path) -> dict[str, str]:
    """The environment of the timed commands: bytecode cached in `cache`."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `command`; (wall seconds, CPU seconds of it and its children, stdout)."""
    wall, cpu, done = timed_run(command, env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return wall, cpu, done.stdout


def warm_up(root: Path, env: dict[str, str]) -> None:
    """One untimed run on a study of four experiments: it compiles every module a run
    imports into the bytecode cache of `env`."""
    write_study(root, n_experiments=4, n_results=20, n_benchmarks=2, n_seeds=1)
    command = [sys.executable, "-m", "tunelab.plotting.cli", str(root), "--quiet"]
    timed([*command, "--out", str(root / "figures")], env)


def time_help(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "tunelab.plotting.cli", "--help"]
    walls = [timed(command, env)[0] for _ in range(5)]
    print(
        f"tunelab-plot --help: {statistics.median(walls):.2f} s "
        f"(median of 5, {min(walls):.2f}-{max(walls):.2f}; target <= {HELP_TARGET} s)"
    )


VARIANTS = {
    "--learning-curves none": ["--learning-curves", "none"],
    "learning curves a PDF and PNG per experiment (before)": [
        "--learning-curve-figures", "experiment", "--learning-curve-formats", "pdf,png",
    ],
}  # fmt: skip
"""Other `tunelab-plot` runs timed with `--variants`: label -> their options."""


def time_plot(
    root: Path,
    env: dict[str, str],
    *,
    processes: int | None,
    target: float | None,
    options: list[str] | None = None,
    label: str = "default",
) -> None:
    """The `tunelab-plot` run on `root` (default, or with `options`), end to end."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "tunelab.plotting.cli", str(root), "--out", out]
        command += ["--quiet"] + (["--processes", str(processes)] if processes else [])
        wall, cpu, stdout = timed([*command, *(options or [])], env)
        written = stdout.splitlines()[0] if stdout else ""
    goal = f"; target <= {target:.0f} s" if target is not None else ""
    print(f"tunelab-plot, {label}, end to end: {wall:.1f} s ({cpu:.1f} s CPU{goal}): {written}")


def time_variants(root: Path, env: dict[str, str], *, processes: int | None) -> None:
    for label, options in VARIANTS.items():
        time_plot(root, env, processes=processes, target=None, options=options, label=label)


def time_stages(root: Path, *, n_results: int, jobs: int) -> None:
    """load_study, curves_frame and final_table, in this process."""
    start = time.perf_counter()
    study = load_study(str(root), jobs=jobs, progress=False)
    loaded = time.perf_counter() - start
    n = len(study.runs)
    print(
        f"load_study:   {n} experiments x {n_results} results in {loaded:.2f} s "
        f"({1000 * loaded / n:.2f} ms per experiment, {jobs} threads)"
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


def make_real_study(results_root: Path, *, budget: float, env: dict[str, str]) -> Path:
    """The 13-experiment study, made with `tunelab-run` unless it is there already."""
    study = results_root / "demo"
    if list(study.glob("*/*/*/metadata.json")):
        print(f"using the study in {study}")
        return study
    command = [
        sys.executable,
        "-m",
        "tunelab.experiments",
        "-m",
        "study=demo",
        f"method={','.join(REAL_METHODS)}",
        "benchmark=lcbench-table",
        f"benchmark.instance={REAL_TASK}",
        "seed=0",
        f"max_wallclock_time={budget:g}",
    ]
    wall, _, _ = timed(command, dict(env, TUNELAB_RESULTS_ROOT=str(results_root)))
    print(
        f"made the study with tunelab-run in {wall:.1f} s: {len(REAL_METHODS)} methods on "
        f"lcbench-table-{REAL_TASK}, seed 0, {budget:g} simulated seconds"
    )
    return study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=3000)
    parser.add_argument("--results", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=8, help="threads of load_study")
    parser.add_argument("--real", action="store_true", help="the real 13-experiment study")
    parser.add_argument("--budget", type=float, default=3600.0, help="of the real study (s)")
    parser.add_argument("--root", type=Path, help="keep (and reuse) the study here")
    parser.add_argument("--processes", type=int, help="tunelab-plot --processes (default: its)")
    parser.add_argument(
        "--variants", action="store_true", help="also without and with the earlier learning curves"
    )
    args = parser.parse_args()
    print(f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        env = child_environment(Path(tmp) / "bytecode")
        warm_up(Path(tmp) / "warm-up", env)
        time_help(env)
        root = args.root or Path(tmp) / "study"
        if args.real:
            study = make_real_study(root, budget=args.budget, env=env)
            time_plot(study, env, processes=args.processes, target=REAL_TARGET)
            if args.variants:
                time_variants(study, env, processes=args.processes)
            return
        if not list(root.glob("*/*/*/metadata.json")):
            start = time.perf_counter()
            write_study(root, n_experiments=args.experiments, n_results=args.results)
            print(f"wrote the study in {time.perf_counter() - start:.1f} s")
        time_stages(root, n_results=args.results, jobs=args.jobs)
        time_plot(root, env, processes=args.processes, target=SYNTHETIC_TARGET)
        if args.variants:
            time_variants(root, env, processes=args.processes)


if __name__ == "__main__":
    main()
