"""Decision time of every preset: milliseconds per `suggest` and per `on_trial_result`.

Usage: python benchmarks/scheduler_overhead.py [--methods asha,bohb] [--sizes 50,200,1000]

Each preset of `tunelab.core.methods` drives a synthetic problem in a 6-dimensional
space (two log-scaled floats, a float, an integer, a log-scaled integer, a categorical)
with 4 trials running at the same time, without a backend: trials advance one epoch
each in turn and report a deterministic learning curve. Multi-fidelity methods see up to
27 epochs per trial; single-fidelity methods (FIFO scheduling) see one result per trial,
so that their searcher holds as many observations as there are results. For each size
N, the figures are the mean and 95th percentile of the calls made while the number of
observations was in (0.8 N, N]. Only the scheduler's own computing time is measured.
"""

from __future__ import annotations

import argparse
import functools
import gc
import inspect
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab.core import methods
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import choice, lograndint, loguniform, randint, uniform
from tunelab.core.trial import Decision, Trial, TrialStatus

MULTI_FIDELITY = (
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
    "asha_bore",
    "asha_cqr",
    "pbt",
)
SINGLE_FIDELITY = ("random_search", "rea", "kde", "bore", "cqr")
N_WORKERS = 4
MAX_EPOCHS = 27


def config_space(epochs: int) -> dict[str, Any]:
    return {
        "lr": loguniform(1e-5, 1e-1),
        "wd": loguniform(1e-6, 1e-2),
        "dropout": uniform(0.0, 0.8),
        "layers": randint(1, 6),
        "batch": lograndint(16, 512),
        "activation": choice(["relu", "tanh", "gelu"]),
        "epochs": epochs,
    }


def curve(config: dict[str, Any], epoch: int) -> float:
    """A smooth objective of the hyperparameters, decreasing with the epoch."""
    floor = (
        (math.log10(config["lr"]) + 2.5) ** 2 / 10
        + config["dropout"] * 0.3
        + abs(config["layers"] - 3) * 0.05
        + {"relu": 0.0, "tanh": 0.05, "gelu": 0.02}[config["activation"]]
    )
    return floor + 1.0 / math.sqrt(epoch)


def drive(scheduler: Scheduler, *, epochs: int, max_observations: int) -> dict[str, list]:
    """Run until `max_observations` results; per call: (observations so far, seconds)."""
    timings: dict[str, list] = {"suggest": [], "on_trial_result": []}
    trials: dict[int, Trial] = {}
    progress: dict[int, int] = {}
    observations, next_id = 0, 0

    def timed(kind: str, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = call()
        timings[kind].append((observations, time.perf_counter() - start))
        return value

    while observations < max_observations:
        running = [t for t in trials.values() if t.status is TrialStatus.RUNNING]
        while len(running) < N_WORKERS:
            suggestion = timed("suggest", functools.partial(scheduler.suggest, next_id))
            if suggestion is None:
                break
            if suggestion.resume_trial_id is not None:
                trial = trials[suggestion.resume_trial_id]
                if suggestion.config is not None:
                    trial.config = dict(suggestion.config)
                trial.status = TrialStatus.RUNNING
            else:
                trial = Trial(next_id, dict(suggestion.config))
                trials[next_id], progress[next_id] = trial, 0
                next_id += 1
                scheduler.on_trial_add(trial)
            running.append(trial)
        if not running:
            break
        for trial in running:
            progress[trial.trial_id] += 1
            epoch = progress[trial.trial_id]
            result = {"loss": curve(trial.config, epoch), "epoch": epoch}
            observations += 1
            decision = timed(
                "on_trial_result", functools.partial(scheduler.on_trial_result, trial, result)
            )
            if decision is Decision.STOP:
                trial.status = TrialStatus.STOPPED
                scheduler.on_trial_remove(trial)
            elif decision is Decision.PAUSE:
                trial.status = TrialStatus.PAUSED
            elif epoch >= min(epochs, int(trial.config.get("epochs", epochs))):
                trial.status = TrialStatus.COMPLETED
                scheduler.on_trial_complete(trial, result)
    return timings


def build(name: str, epochs: int) -> Scheduler:
    """The preset with the standard arguments it takes (as `tunelab-run` passes them)."""
    factory = getattr(methods, name)
    offered = {"metric": "loss", "mode": "min", "resource_attr": "epoch", "seed": 0}
    offered["max_resource_attr"] = "epochs"
    accepted = inspect.signature(factory).parameters
    return factory(config_space(epochs), **{k: v for k, v in offered.items() if k in accepted})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", help="comma-separated presets (default: all)")
    parser.add_argument("--sizes", default="50,200,1000", help="observation counts")
    args = parser.parse_args()
    names = args.methods.split(",") if args.methods else [*SINGLE_FIDELITY, *MULTI_FIDELITY]
    sizes = [int(s) for s in args.sizes.split(",")]
    header = "".join(f"{f'{n} obs':>22}" for n in sizes)
    print(f"ms per call, mean / p95, {N_WORKERS} concurrent trials, 6-dimensional space")
    print(f"{'method':<16}{'call':<17}{header}")
    for name in names:
        epochs = MAX_EPOCHS if name in MULTI_FIDELITY else 1
        drive(build(name, epochs), epochs=epochs, max_observations=20)  # warm-up: imports, caches
        gc.collect()
        timings = drive(build(name, epochs), epochs=epochs, max_observations=max(sizes))
        for kind, calls in timings.items():
            cells = []
            for n in sizes:
                window = [s for count, s in calls if 0.8 * n < count <= n]
                if window:
                    ms = 1000 * np.asarray(window)
                    cells.append(f"{ms.mean():9.3f} / {np.percentile(ms, 95):8.3f}")
                else:
                    cells.append(f"{'(no calls)':>20}")
            print(f"{name:<16}{kind:<17}" + "".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
