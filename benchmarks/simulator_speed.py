"""Real seconds per 1,000 simulated results, with 4 workers, at 1k, 10k and 100k results.

Usage: python benchmarks/simulator_speed.py [--sizes 1000 10000 100000]
       python benchmarks/simulator_speed.py --workload grid [--sizes ...] [--peer | --no-peer]
                                            [--peer-cap 100000]

Benchmarks: (a) the embedded default `sklearn-digits-mlp` (shipped table, answered
for any configuration by its 1-nearest-neighbour surrogate so that random search
never runs out of configurations), and (b) YAHPO Gym lcbench (instance 167190),
when a yahpo_data folder is found ($TUNELAB_YAHPO_DATA, else ../shared/data/yahpo).
The whole run is timed: scheduler, tuner, simulator, blackbox evaluations and the
periodic saves of the results; decision time is not charged to the virtual clock
(the simulator's default), so the simulated runs are the same on any machine.
Methods: random search and ASHA (stopping type, grace period 1, reduction factor 3).

`--workload grid` (issue 16, part 1) is the one measured side by side with Syne Tune
0.16: a table of every configuration of a 10 x 10 x 10 grid (`lr`, `wd` log-ordinal,
`width` ordinal; `benchmarks/peers/workloads.py` builds the same values for both
libraries), 100 epochs with a cumulative time column, 4 workers, 8 simulated hours.
A size is a cap on the results: a run stops there, after 8 simulated hours, or when
the method has no configuration left to try (tunelab's searchers never repeat one;
Syne Tune 0.16's random searcher does), and the figures say which. Syne Tune's side
(`benchmarks/peers/syne_tune_simulator.py`) runs when its environment is installed
(`python benchmarks/_peers.py --install syne-tune-0.16.0`), or not with `--no-peer`;
it runs sizes up to `--peer-cap` (default 10,000: at 100,000 results Syne Tune's
ASHA alone takes 4 to 8 minutes). The ratio is the peer's seconds per result over
tunelab's. A run that ended before its cap is not repeated for larger caps. tunelab's
figures also give its CPU seconds (`time.process_time`), steadier on a shared machine;
a short warm-up run of each method comes first, so that the one-time lazy imports are
not charged to the first size.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from _peers import peer_python, run_peer
from peers.workloads import (
    EPOCH,
    GRID_HOURS,
    GRID_WORKERS,
    LR,
    TIME_COLUMN,
    WD,
    WIDTH,
    grid_table,
)

from tunelab.blackbox import (
    Blackbox,
    SimulatorBackend,
    SurrogateBlackbox,
    TabularBlackbox,
    load,
)
from tunelab.core import Scheduler, StoppingCriterion, Tuner, TunerOptions, methods
from tunelab.core.space import logordinal, ordinal

ROOT = Path(__file__).resolve().parents[1]
PEER = "syne-tune-0.16.0"


def embedded_default() -> Blackbox:
    table = load("sklearn-digits-mlp")
    return SurrogateBlackbox(table)  # type: ignore[arg-type]


def yahpo_lcbench() -> Blackbox | None:
    source = os.environ.get("TUNELAB_YAHPO_DATA") or ROOT.parent / "shared" / "data" / "yahpo"
    if not Path(source).is_dir():
        return None
    return load("yahpo-lcbench/167190", source=source)


def random_search(blackbox: Blackbox) -> Scheduler:
    return methods.random_search(
        blackbox.configuration_space,
        metric=blackbox.objectives_names[0],
        resource_attr=blackbox.fidelity_name,
        seed=0,
    )


def asha(blackbox: Blackbox) -> Scheduler:
    fidelities = blackbox.fidelity_values
    assert fidelities is not None and blackbox.fidelity_name is not None
    return methods.asha(
        blackbox.configuration_space,
        metric=blackbox.objectives_names[0],
        resource_attr=blackbox.fidelity_name,
        max_resource=float(fidelities[-1]),
        seed=0,
    )


def run(blackbox: Blackbox, make_scheduler: Callable[[Blackbox], Scheduler], n: int) -> float:
    """Real seconds per 1,000 results of a run of `n` results."""
    with tempfile.TemporaryDirectory() as folder:
        tuner = Tuner(
            backend=SimulatorBackend(blackbox, seed=0),
            scheduler=make_scheduler(blackbox),
            stop_criterion=StoppingCriterion(max_num_results=n),
            n_workers=4,
            path=Path(folder) / "run",
            options=TunerOptions(progress_interval=None),
        )
        began = time.perf_counter()
        tuner.run()
        seconds = time.perf_counter() - began
        return 1000 * seconds / tuner.status.num_results


def run_repository(sizes: list[int]) -> None:
    benchmarks: list[tuple[str, Blackbox | None]] = [
        ("embedded default (sklearn-digits-mlp)", embedded_default()),
        ("YAHPO lcbench 167190", yahpo_lcbench()),
    ]
    method_list: list[tuple[str, Callable[[Blackbox], Scheduler]]] = [
        ("random search", random_search),
        ("ASHA", asha),
    ]
    print("real seconds per 1,000 simulated results, 4 workers")
    for bench_name, blackbox in benchmarks:
        for method_name, make in method_list:
            label = f"{method_name:<14} on {bench_name:<38}"
            if blackbox is None:
                print(f"{label} skipped: no yahpo_data folder found")
                continue
            figures = [f"{n:>7}: {run(blackbox, make, n):.4f} s" for n in sizes]
            print(f"{label} " + "  ".join(figures))


# -- the grid workload (issue 16, part 1) -----------------------------------------------


def grid_blackbox() -> TabularBlackbox:
    """The grid table of `workloads.grid_table` as a tunelab `TabularBlackbox`."""
    table = grid_table()
    return TabularBlackbox(
        hyperparameters=pd.DataFrame(table.columns()),
        objectives=table.objectives,
        objectives_names=table.objectives_names,
        configuration_space={
            "lr": logordinal(LR),
            "wd": logordinal(WD),
            "width": ordinal(WIDTH),
        },
        fidelity_name=EPOCH,
        fidelity_values=table.epochs,
        time_objective=TIME_COLUMN,
    )


def run_grid(blackbox: Blackbox, make: Callable[[Blackbox], Scheduler], n: int) -> dict[str, Any]:
    """One capped run of the grid workload: real seconds, results, and why it ended."""
    max_seconds = GRID_HOURS * 3600
    with tempfile.TemporaryDirectory() as folder:
        tuner = Tuner(
            backend=SimulatorBackend(blackbox, seed=0),
            scheduler=make(blackbox),
            stop_criterion=StoppingCriterion(max_num_results=n, max_wallclock_time=max_seconds),
            n_workers=GRID_WORKERS,
            path=Path(folder) / "run",
            options=TunerOptions(progress_interval=None),
        )
        began, began_cpu = time.perf_counter(), time.process_time()
        tuner.run()
        seconds = time.perf_counter() - began
        cpu_seconds = time.process_time() - began_cpu
    status = tuner.status
    if status.num_results >= n:
        stop = "results"
    elif status.tuner_time >= max_seconds:
        stop = "8 h"
    else:
        stop = "space used up"
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "results": status.num_results,
        "trials": status.num_trials_started,
        "simulated_hours": status.tuner_time / 3600,
        "stop": stop,
    }


def _per_1000(run: dict[str, Any], key: str = "seconds") -> float:
    return 1000 * float(run[key]) / max(int(run["results"]), 1)


def _figure(run: dict[str, Any]) -> str:
    cpu = f", CPU {_per_1000(run, 'cpu_seconds'):.4f} s" if "cpu_seconds" in run else ""
    return (
        f"{_per_1000(run):7.4f} s{cpu}  ({run['results']:>6} results, {run['trials']:>5} "
        f"trials, {run['simulated_hours']:4.1f} h, stop: {run['stop']})"
    )


def run_peer_grid(method: str, n: int) -> dict[str, Any]:
    """The peer's run of `method` on the grid workload, capped at `n` results."""
    args = ["--method", method, "--max-results", str(n)]
    figures: dict[str, Any] = run_peer(PEER, "syne_tune_simulator.py", args)
    return figures


class _CappedRuns:
    """Runs of one side at growing result caps; a run that ended before its cap (the
    space used up, or 8 hours) is the run of every larger cap, so it is not repeated."""

    def __init__(self, run: Callable[[int], dict[str, Any]]) -> None:
        self._run = run
        self._final: dict[str, Any] | None = None

    def at(self, n: int) -> tuple[dict[str, Any], bool]:
        """The run capped at `n`, and whether it is a repeat of a smaller cap's."""
        if self._final is not None:
            return self._final, True
        figures = self._run(n)
        if figures["stop"] != "results":
            self._final = figures
        return figures, False


def run_grid_workload(sizes: list[int], peer: bool | None, peer_cap: int) -> None:
    with_peer = peer is not False and peer_python(PEER) is not None
    if peer and not with_peer:
        raise SystemExit(
            f"peer {PEER} is not installed: python benchmarks/_peers.py --install {PEER}"
        )
    print(
        f"grid 10 x 10 x 10, 100 epochs, {GRID_WORKERS} workers, {GRID_HOURS:g} simulated "
        "hours: real seconds per 1,000 results (each size a cap on the results); "
        "ratio: the peer's seconds per result / tunelab's; beside them tunelab's CPU "
        "seconds per 1,000 results (less moved by the machine's load)"
    )
    if peer is None and not with_peer:
        print(f"(peer {PEER} not installed: python benchmarks/_peers.py --install {PEER})")
    blackbox = grid_blackbox()
    digest = grid_table().digest
    methods_run: list[tuple[str, str, Callable[[Blackbox], Scheduler]]] = [
        ("random search", "random_search", random_search),
        ("ASHA", "asha", asha),
    ]
    for _, _, make in methods_run:  # the first run pays for lazy imports: not a size's
        run_grid(blackbox, make, 100)
    for label, key, make in methods_run:
        ours_runs = _CappedRuns(functools.partial(run_grid, blackbox, make))
        peer_runs = _CappedRuns(functools.partial(run_peer_grid, key))
        for n in sizes:
            ours, repeat = ours_runs.at(n)
            again = "  (the run above)" if repeat else ""
            print(f"{label:<14} {n:>7}  tunelab          {_figure(ours)}{again}", flush=True)
            if not with_peer:
                continue
            if n > peer_cap:
                print(f"{'':<24}Syne Tune skipped above --peer-cap {peer_cap}", flush=True)
                continue
            theirs, repeat = peer_runs.at(n)
            if theirs["digest"] != digest:
                print(f"  (the peer built another table: digest {theirs['digest']} != {digest})")
            ratio = _per_1000(theirs) / _per_1000(ours)
            again = "  (the run above)" if repeat else ""
            print(
                f"{'':<14} {'':>7}  Syne Tune {theirs['version']:<6} {_figure(theirs)}"
                f"  ratio {ratio:.1f}x{again}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", choices=["repository", "grid"], default="repository")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument("--peer", action="store_true", default=None, help="require the peer")
    peer.add_argument("--no-peer", dest="peer", action="store_false", help="skip the peer")
    parser.add_argument(
        "--peer-cap",
        type=int,
        default=10_000,
        help="largest size the peer runs (Syne Tune's ASHA needs 4-8 min for 100,000)",
    )
    args = parser.parse_args()
    if args.workload == "grid":
        run_grid_workload(args.sizes, args.peer, args.peer_cap)
    else:
        run_repository(args.sizes)


if __name__ == "__main__":
    main()
