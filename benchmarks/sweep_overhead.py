"""Overhead of `tunelab-run` per experiment, on a sweep of 100 near-empty experiments.

Usage: python benchmarks/sweep_overhead.py [--experiments 100]

Runs, in this process and with Hydra's basic launcher, the equivalent of

    tunelab-run -m method=random_search benchmark=branin n_workers=1 \\
        max_wallclock_time=2 'seed=range(100)'

where each experiment simulates two virtual seconds of branin, one trial and one
result, so nearly all the time is the application's: composing the sweep and checking
every job (the tunelab sweeper), composing each job's config, building the benchmark
and scheduler, the tuner writing metadata, results and state, the outcome records and
the progress line. The figures printed are the sweep's wall time, split into before
the first job started (from the start marker the sweep callback writes), inside
`run_experiment` and, within that, inside `Tuner.run` (and its tuning loop), the rest
being Hydra's work per job. Results go to a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tunelab.core.tuner import Tuner
from tunelab.experiments import app
from tunelab.experiments.progress import OUTCOMES_DIR, read_outcomes, started_jobs


def timed(owner: Any, name: str, totals: dict[str, float], key: str) -> None:
    """Replace `owner.name` by a wrapper that adds its run time to `totals[key]`."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def run_sweep(n_experiments: int, folder: Path) -> dict[str, float]:
    """Seconds: total, before the first job, in run_experiment, Tuner.run, its loop."""
    totals = {"run_experiment": 0.0, "Tuner.run": 0.0, "loop": 0.0}
    timed(app, "run_experiment", totals, "run_experiment")
    timed(Tuner, "run", totals, "Tuner.run")
    timed(Tuner, "_loop", totals, "loop")  # private: the tuning without opening/closing
    os.environ["TUNELAB_RESULTS_ROOT"] = str(folder / "results")
    sys.argv = [
        "tunelab-run",
        "-m",
        "method=random_search",
        "benchmark=branin",
        "n_workers=1",
        "max_wallclock_time=2",
        f"seed=range({n_experiments})",
        f"hydra.sweep.dir={folder / 'sweep'}",
    ]
    os.chdir(folder)
    start_wall, start = time.time(), time.perf_counter()
    try:
        app.main()
    except SystemExit as stop:  # Hydra exits after reporting an error
        raise RuntimeError(f"the sweep stopped with exit code {stop.code}") from None
    totals["total"] = time.perf_counter() - start
    records = folder / "sweep" / OUTCOMES_DIR
    outcomes = read_outcomes(records)
    statuses = {o["status"] for o in outcomes.values()}
    if len(outcomes) != n_experiments or statuses != {"complete"}:
        raise RuntimeError(f"expected {n_experiments} complete experiments, got {statuses}")
    first_start = min(m["time"] for m in started_jobs(records).values())
    totals["before first job"] = first_start - start_wall
    assert len(list(folder.glob("results/*/*/*/*/metadata.json"))) == n_experiments
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiments", type=int, default=100)
    n = parser.parse_args().experiments
    with tempfile.TemporaryDirectory() as tmp:
        totals = run_sweep(n, Path(tmp))
    total, before = totals["total"], totals["before first job"]
    inside, tuner, loop = totals["run_experiment"], totals["Tuner.run"], totals["loop"]
    hydra_per_job = total - before - inside
    print(f"\n{n} experiments (branin, 1 trial, 1 result each), basic launcher, one process")
    rows = [
        ("total: the whole sweep", total),
        ("before the first job (composition, checking every job)", before),
        ("Hydra per job (composition, .hydra/, logging, callbacks)", hydra_per_job),
        ("run_experiment outside Tuner.run (benchmark, scheduler)", inside - tuner),
        ("Tuner.run outside its loop (setup, writing results)", tuner - loop),
        ("Tuner.run: the tuning loop", loop),
    ]
    print(f"{'':58s} {'seconds':>9s} {'per exp. (ms)':>14s}")
    for label, seconds in rows:
        print(f"{label:58s} {seconds:9.2f} {1000 * seconds / n:14.1f}")
    print(f"inside Tuner.run: {tuner:.2f} s; outside: {total - tuner:.2f} s")


if __name__ == "__main__":
    main()
