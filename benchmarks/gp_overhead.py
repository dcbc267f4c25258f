"""Decision time of the GP methods: milliseconds per `suggest`, model fitting included.

Usage: python benchmarks/gp_overhead.py [--methods bayesian_optimization,mobster,hyper_tune]
                                        [--sizes 50,200,1000]
       python benchmarks/gp_overhead.py --workload epochs [--methods mobster,hyper_tune]
                                        [--window 100 1000] [--kind promotion] [--no-peer]

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

`--workload epochs` (issue 16, part 2) is the one measured side by side with Syne Tune
0.14.2: MOBSTER (joint model) and Hyper-Tune (four brackets, independent GPs), default
settings, promotion type as in Syne Tune's documentation (`--kind stopping` for the
other), on Hartmann-6 learning curves of 27 epochs (rungs 1/3/9/27) whose results
arrive one epoch at a time from 4 simulated workers (`benchmarks/peers/workloads.py`,
the same code drives both libraries). Every `suggest` is timed; a window W holds the
calls made with W to W + 100 results observed (`--window 100 1000`; the default is
100: with 1,000 the run takes ~10 minutes, most of it Syne Tune's MOBSTER). Per window:
median and mean of all calls, and the mean of those that started a new trial. With
promotion type most calls resume a paused trial (well under 1 ms), so the median is
often a resume's; the GP's cost shows in the mean and most in the new trials' mean,
and ratios of sub-millisecond medians are not printed. Syne Tune's side
(`benchmarks/peers/syne_tune_gp.py`) runs when its environment is installed
(`python benchmarks/_peers.py --install syne-tune-0.14.2-basic`), or not with `--no-peer`.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any, Literal

import numpy as np
from _peers import peer_python, run_peer
from peers.workloads import (
    GP_DIMENSIONS,
    GP_EPOCHS,
    GP_WINDOW_WIDTH,
    Action,
    Start,
    drive_epochs,
    window_figures,
)

from tunelab.blackbox import load
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import uniform
from tunelab.core.trial import Decision, Trial, TrialStatus
from tunelab.gp import methods

N_WORKERS = 4
MAX_EPOCHS = 27
PEER = "syne-tune-0.14.2-basic"
FIGURES = (("median", "median_ms"), ("mean", "mean_ms"), ("new trials' mean", "new_mean_ms"))


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


# -- the per-epoch workload (issue 16, part 2) -------------------------------------------


class TunelabEpochScheduler:
    """`workloads.EpochScheduler` over a tunelab scheduler, as the tuner would call it."""

    def __init__(self, name: str, kind: Literal["promotion", "stopping"]) -> None:
        space: dict[str, Any] = {f"x{i}": uniform(0.0, 1.0) for i in range(GP_DIMENSIONS)}
        space["epochs"] = GP_EPOCHS
        common: dict[str, Any] = {
            "metric": "y",
            "resource_attr": "epoch",
            "max_resource_attr": "epochs",
            "kind": kind,
            "seed": 0,
        }
        if name == "mobster":
            self.scheduler = methods.mobster(space, model="joint", **common)
        elif name == "hyper_tune":
            self.scheduler = methods.hyper_tune(space, **common)
        else:
            raise ValueError(f"--workload epochs runs mobster and hyper_tune, not {name!r}")
        self._trials: dict[int, Trial] = {}

    def suggest(self, trial_id: int) -> Start | None:
        suggestion = self.scheduler.suggest(trial_id)
        if suggestion is None:
            return None
        if suggestion.resume_trial_id is not None:
            trial = self._trials[suggestion.resume_trial_id]
            trial.status = TrialStatus.RUNNING
            if suggestion.config is not None:
                trial.config = dict(suggestion.config)
            return Start(resume=trial.trial_id)
        return Start(config=dict(suggestion.config or {}))

    def add(self, trial_id: int, config: dict[str, Any]) -> None:
        self._trials[trial_id] = trial = Trial(trial_id, dict(config))
        self.scheduler.on_trial_add(trial)

    def result(self, trial_id: int, epoch: int, value: float) -> Action:
        trial = self._trials[trial_id]
        decision = self.scheduler.on_trial_result(trial, {"y": value, "epoch": epoch})
        if decision is Decision.STOP:
            trial.status = TrialStatus.STOPPED
            return "stop"
        if decision is Decision.PAUSE:
            trial.status = TrialStatus.PAUSED
            return "pause"
        return "continue"

    def complete(self, trial_id: int, epoch: int, value: float) -> None:
        trial = self._trials[trial_id]
        trial.status = TrialStatus.COMPLETED
        self.scheduler.on_trial_complete(trial, {"y": value, "epoch": epoch})

    def remove(self, trial_id: int) -> None:
        self.scheduler.on_trial_remove(self._trials[trial_id])


def tunelab_epochs(name: str, windows: list[int], kind: Literal["promotion", "stopping"]) -> Any:
    """Window figures of tunelab's `name` on the per-epoch workload."""
    drive_epochs(TunelabEpochScheduler(name, kind), until_results=20)  # warm-up
    gc.collect()
    timings = drive_epochs(
        TunelabEpochScheduler(name, kind), until_results=max(windows) + GP_WINDOW_WIDTH
    )
    return {str(w): window_figures(timings, w) for w in windows}


def _cell(figures: dict[str, float]) -> str:
    return (
        f"{figures['median_ms']:8.1f} {figures['mean_ms']:8.1f} ms ({figures['count']:3.0f} calls;"
        f" {figures['new_mean_ms']:7.1f} ms x {figures['new_count']:3.0f} new)"
    )


def run_epochs(args: argparse.Namespace) -> None:
    names = (args.methods or "mobster,hyper_tune").split(",")
    windows = sorted(set(args.window))
    with_peer = args.peer is not False and peer_python(PEER) is not None
    if args.peer and not with_peer:
        raise SystemExit(
            f"peer {PEER} is not installed: python benchmarks/_peers.py --install {PEER}"
        )
    print(
        f"ms per suggest, median / mean, {N_WORKERS} workers, Hartmann-6 curves of "
        f"{GP_EPOCHS} epochs reported one by one, {args.kind} type; "
        f"window W: calls made with W to W+{GP_WINDOW_WIDTH} results observed"
    )
    if args.peer is None and not with_peer:
        print(f"(peer {PEER} not installed: python benchmarks/_peers.py --install {PEER})")
    for name in names:
        ours = tunelab_epochs(name, windows, args.kind)
        theirs = None
        if with_peer:
            command = ["--method", name, "--kind", args.kind, "--windows", *map(str, windows)]
            theirs = run_peer(PEER, "syne_tune_gp.py", command)
        for window in windows:
            mine = ours[str(window)]
            print(f"{name:<11} {window:>5}  tunelab      {_cell(mine)}", flush=True)
            if theirs is None:
                continue
            peer = theirs["windows"][str(window)]
            print(f"{'':<11} {'':>5}  Syne Tune {theirs['version']} {_cell(peer)}")
            ratios = ", ".join(f"{label} {_ratio(peer[key], mine[key])}" for label, key in FIGURES)
            print(f"{'':<11} {'':>5}  ratio Syne Tune / tunelab: {ratios}", flush=True)


def _ratio(theirs: float, ours: float) -> str:
    # a median under 1 ms is a resumed trial's suggest: its ratio says nothing of the GP
    if not (theirs >= 1 and ours >= 1):
        return "-"
    return f"{theirs / ours:.2f}x"


def run_observations(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"ms per suggest, mean / p95 [results reported], {N_WORKERS} concurrent trials, Hartmann-6"
    )
    print(f"{'method':<24}" + "".join(f"{f'{n} observations':>30}" for n in sizes))
    for name in (args.methods or "bayesian_optimization,mobster,hyper_tune").split(","):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["observations", "epochs"], default="observations")
    parser.add_argument("--methods", default=None, help="comma-separated preset names")
    parser.add_argument("--sizes", default="50,200,1000", help="observation counts (observations)")
    parser.add_argument(
        "--window", type=int, nargs="+", default=[100], help="result windows (epochs)"
    )
    parser.add_argument("--kind", choices=["promotion", "stopping"], default="promotion")
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument("--peer", action="store_true", default=None, help="require the peer")
    peer.add_argument("--no-peer", dest="peer", action="store_false", help="skip the peer")
    args = parser.parse_args()
    if args.workload == "epochs":
        run_epochs(args)
    else:
        run_observations(args)


if __name__ == "__main__":
    main()
