"""Real seconds per 1,000 simulated results, with 4 workers, at 1k, 10k and 100k results.

Usage: python benchmarks/simulator_speed.py [--sizes 1000 10000 100000]

Benchmarks: (a) the embedded default `sklearn-digits-mlp` (shipped table, answered
for any configuration by its 1-nearest-neighbour surrogate so that random search
never runs out of configurations), and (b) YAHPO Gym lcbench (instance 167190),
when a yahpo_data folder is found ($TUNELAB_YAHPO_DATA, else ../shared/data/yahpo).
The whole run is timed: scheduler, tuner, simulator, blackbox evaluations and the
periodic saves of the results, with decision time charged to the virtual clock.
Methods: random search and ASHA (stopping type, grace period 1, reduction factor 3).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tunelab.blackbox import Blackbox, SimulatorBackend, SurrogateBlackbox, load
from tunelab.core import Scheduler, StoppingCriterion, Tuner, TunerOptions, methods

ROOT = Path(__file__).resolve().parents[1]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
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
            figures = [f"{n:>7}: {run(blackbox, make, n):.4f} s" for n in args.sizes]
            print(f"{label} " + "  ".join(figures))


if __name__ == "__main__":
    main()
