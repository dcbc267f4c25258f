"""Syne Tune's side of the grid simulator benchmark (run with a Syne Tune 0.16 python).

Usage: python syne_tune_simulator.py --method random_search|asha --max-results N

Builds the grid table of `workloads.grid_table` as Syne Tune's tabular blackbox, runs
it with Syne Tune's simulator backend for that blackbox and its `Tuner` with the
`SimulatorCallback`, 4 workers, stopping after `N` results or 8 simulated hours, and
prints one JSON line: the real seconds of `Tuner.run`, the results, the simulated
time, why it stopped, and the table's digest (to check against tunelab's).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import (
    EPOCH,
    GRID_EPOCHS,
    GRID_HOURS,
    GRID_WORKERS,
    LR,
    METRIC,
    TIME_COLUMN,
    WD,
    WIDTH,
    GridTable,
    grid_table,
)


def build_blackbox(table: GridTable) -> Any:
    import pandas as pd
    from syne_tune import config_space as cs
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular

    space = {"lr": cs.logordinal(LR), "wd": cs.logordinal(WD), "width": cs.ordinal(WIDTH)}
    return BlackboxTabular(
        hyperparameters=pd.DataFrame(table.columns()),
        configuration_space=space,
        fidelity_space={EPOCH: cs.randint(1, GRID_EPOCHS)},
        objectives_evaluations=table.objectives,
        fidelity_values=table.epochs,
        objectives_names=table.objectives_names,
    )


def build_scheduler(method: str, space: dict[str, Any]) -> Any:
    from syne_tune.optimizer.baselines import ASHA, RandomSearch

    if method == "random_search":
        return RandomSearch(space, metrics=[METRIC], random_seed=0)
    return ASHA(space, metric=METRIC, time_attr=EPOCH, max_t=GRID_EPOCHS, random_seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=["random_search", "asha"], required=True)
    parser.add_argument("--max-results", type=int, required=True)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    import syne_tune
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend

    table = grid_table()
    blackbox = build_blackbox(table)
    max_seconds = GRID_HOURS * 3600
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SYNETUNE_FOLDER"] = folder
        backend = UserBlackboxBackend(blackbox=blackbox, elapsed_time_attr=TIME_COLUMN)
        tuner = Tuner(
            trial_backend=backend,
            scheduler=build_scheduler(args.method, blackbox.configuration_space),
            # Syne Tune stops once MORE than `max_num_evaluations` results arrived
            stop_criterion=StoppingCriterion(
                max_wallclock_time=max_seconds, max_num_evaluations=args.max_results - 1
            ),
            n_workers=GRID_WORKERS,
            sleep_time=0,
            callbacks=[SimulatorCallback()],
            tuner_name="grid",
            save_tuner=False,
        )
        # Syne Tune reports progress on stdout; this script's stdout is its JSON line
        with contextlib.redirect_stdout(sys.stderr):
            began = time.perf_counter()
            tuner.run()
            seconds = time.perf_counter() - began
    results = tuner.tuning_status.overall_metric_statistics.count
    simulated = backend.time_keeper.time()
    if results >= args.max_results:
        stop = "results"
    elif simulated >= max_seconds:
        stop = "8 h"
    else:
        stop = "other"
    print(
        json.dumps(
            {
                "version": syne_tune.__version__,
                "seconds": seconds,
                "results": results,
                "trials": tuner.tuning_status.num_trials_started,
                "simulated_hours": simulated / 3600,
                "stop": stop,
                "digest": table.digest,
            }
        )
    )


if __name__ == "__main__":
    main()
