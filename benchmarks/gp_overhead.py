"""Decision time of the GP methods: milliseconds per `suggest`, model fitting included.

Usage: python benchmarks/gp_overhead.py [--methods bayesian_optimization,mobster,hyper_tune]
                                        [--sizes 50,200,1000]

Each preset of `tunelab.gp.methods`, with its default settings, drives the Hartmann-6
function (6 continuous hyperparameters; `tunelab.blackbox.load("hartmann6")` evaluated
directly, no simulator) with 4 trials running at the same time. Trials advance one
epoch each in turn. Bayesian optimization (FIFO) sees one result per trial, at epoch
27; MOBSTER sees every epoch up to 27 and decides at rungs 1, 3, 9, 27; Hyper-Tune
likewise, with its default four brackets (its `suggest` includes drawing the bracket
from the adapted distribution). For each size N, the figures are the mean and 95th
percentile of the `suggest` calls made while the number of observations the searcher
holds (BO: completed trials; MOBSTER, Hyper-Tune: rung results, one per trial and
rung level) was in (0.8 N, N]; `suggest` is where the GP is
refitted (as the refit schedule dictates) and the acquisition optimised. The bracket
gives the number of results reported to the scheduler when the searcher held N.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any, Literal

import numpy as np

from tunelab.blackbox import load
from tunelab.core.scheduler import Scheduler
from tunelab.core.trial import Decision, Trial, TrialStatus
from tunelab.gp import methods

N_WORKERS = 4
MAX_EPOCHS = 27


def build(name: str) -> tuple[Scheduler, int]:
    space = {**load("hartmann6").configuration_space, "epochs": MAX_EPOCHS}
    if name == "bayesian_optimization":
        return methods.bayesian_optimization(space, metric="y", seed=0), 1
    if name == "hyper_tune":
        scheduler = methods.hyper_tune(
            space, metric="y", resource_attr="epoch", max_resource_attr="epochs", seed=0
        )
        return scheduler, MAX_EPOCHS
    model: Literal["joint", "independent"] = "independent" if name == "mobster_indep" else "joint"
    scheduler = methods.mobster(
        space, metric="y", resource_attr="epoch", max_resource_attr="epochs", model=model, seed=0
    )
    return scheduler, MAX_EPOCHS


def drive(name: str, max_observations: int) -> tuple[list[tuple[int, float]], dict[int, int]]:
    """Run until the searcher holds `max_observations` observations; per `suggest`:
    (observations so far, seconds), and the results reported at each observation count."""
    blackbox = load("hartmann6")
    scheduler, epochs = build(name)
    searcher: Any = getattr(scheduler, "searcher")  # noqa: B009
    timings: list[tuple[int, float]] = []
    reported: dict[int, int] = {}
    trials: dict[int, Trial] = {}
    progress: dict[int, int] = {}
    curves: dict[int, np.ndarray] = {}
    results, next_id = 0, 0
    while searcher.num_observations < max_observations:
        running = [t for t in trials.values() if t.status is TrialStatus.RUNNING]
        while len(running) < N_WORKERS:
            start = time.perf_counter()
            suggestion = scheduler.suggest(next_id)
            timings.append((searcher.num_observations, time.perf_counter() - start))
            if suggestion is None:
                break
            if suggestion.resume_trial_id is not None:
                trial = trials[suggestion.resume_trial_id]
                trial.status = TrialStatus.RUNNING
            else:
                trial = Trial(next_id, dict(suggestion.config or {}))
                trials[next_id], progress[next_id] = trial, 0
                curves[next_id] = blackbox.evaluate_curve(trial.config)["y"]
                next_id += 1
                scheduler.on_trial_add(trial)
            running.append(trial)
        for trial in running:
            progress[trial.trial_id] += 1
            epoch = progress[trial.trial_id] if epochs > 1 else MAX_EPOCHS
            result = {"y": float(curves[trial.trial_id][epoch - 1]), "epoch": epoch}
            results += 1
            decision = scheduler.on_trial_result(trial, result)
            reported[searcher.num_observations] = results
            if decision is Decision.STOP:
                trial.status = TrialStatus.STOPPED
                scheduler.on_trial_remove(trial)
            elif decision is Decision.PAUSE:
                trial.status = TrialStatus.PAUSED
            elif epoch >= MAX_EPOCHS or epochs == 1:
                trial.status = TrialStatus.COMPLETED
                scheduler.on_trial_complete(trial, result)
    return timings, reported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="bayesian_optimization,mobster,hyper_tune")
    parser.add_argument("--sizes", default="50,200,1000", help="observation counts")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"ms per suggest, mean / p95 [results reported], {N_WORKERS} concurrent trials, Hartmann-6"
    )
    print(f"{'method':<24}" + "".join(f"{f'{n} observations':>30}" for n in sizes))
    for name in args.methods.split(","):
        drive(name, 20)  # warm-up: imports, caches
        gc.collect()
        timings, reported = drive(name, max(sizes))
        cells = []
        for n in sizes:
            window = [s for count, s in timings if 0.8 * n < count <= n]
            if not window:
                cells.append("(no calls)")
                continue
            ms = 1000 * np.asarray(window)
            results = max((v for k, v in reported.items() if k <= n), default=0)
            cells.append(f"{ms.mean():9.1f} / {np.percentile(ms, 95):7.1f} [{results:5d}]")
        print(f"{name:<24}" + "".join(f"{c:>30}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
