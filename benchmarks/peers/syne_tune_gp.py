"""Syne Tune's side of the per-epoch GP benchmark (run with a Syne Tune 0.14.2 python).

Usage: python syne_tune_gp.py --method mobster|hyper_tune [--windows 100 1000]
                              [--kind promotion|stopping]

Syne Tune's MOBSTER (searcher "bayesopt", joint "gp_multitask" model by default) or
Hyper-Tune (4 brackets, its default independent GPs), both with its default settings
otherwise, are driven by `workloads.drive_epochs` on the Hartmann-6 learning curves,
as tunelab's side is. Prints one JSON line: median and mean milliseconds of the
`suggest` calls of each window (made with W to W + 100 results observed).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import (
    GP_DIMENSIONS,
    GP_EPOCHS,
    GP_WINDOW_WIDTH,
    Action,
    Start,
    drive_epochs,
    window_figures,
)

# rung levels 1, 3, 9, 27: the defaults (grace period 1, reduction factor 3) for 27 epochs
RUNG_LEVELS_COUNT = 4


class SyneTuneScheduler:
    """`workloads.EpochScheduler` over a Syne Tune 0.14 (legacy) scheduler."""

    def __init__(self, method: str, kind: str) -> None:
        from syne_tune import config_space as cs
        from syne_tune.optimizer.legacy_baselines import MOBSTER, HyperTune

        space: dict[str, Any] = {f"x{i}": cs.uniform(0.0, 1.0) for i in range(GP_DIMENSIONS)}
        space["epochs"] = GP_EPOCHS
        common: dict[str, Any] = {
            "metric": "y",
            "mode": "min",
            "resource_attr": "epoch",
            "max_resource_attr": "epochs",
            "type": kind,
            "random_seed": 0,
        }
        if method == "mobster":
            self._scheduler = MOBSTER(space, **common)  # searcher "bayesopt"
        else:
            self._scheduler = HyperTune(space, brackets=RUNG_LEVELS_COUNT, **common)
        self._trials: dict[int, Any] = {}

    def suggest(self, trial_id: int) -> Start | None:
        suggestion = self._scheduler.suggest(trial_id)
        if suggestion is None:
            return None
        if not suggestion.spawn_new_trial_id:
            resumed = suggestion.checkpoint_trial_id
            if suggestion.config is not None:
                self._trials[resumed].config = suggestion.config
            return Start(resume=resumed)
        return Start(config=dict(suggestion.config))

    def add(self, trial_id: int, config: dict[str, Any]) -> None:
        from syne_tune.backend.trial_status import Trial

        trial = Trial(trial_id=trial_id, config=dict(config), creation_time=datetime.now())
        self._trials[trial_id] = trial
        self._scheduler.on_trial_add(trial)

    def result(self, trial_id: int, epoch: int, value: float) -> Action:
        decision = self._scheduler.on_trial_result(
            self._trials[trial_id], {"y": value, "epoch": epoch}
        )
        if decision == "STOP":
            return "stop"
        return "pause" if decision == "PAUSE" else "continue"

    def complete(self, trial_id: int, epoch: int, value: float) -> None:
        self._scheduler.on_trial_complete(self._trials[trial_id], {"y": value, "epoch": epoch})

    def remove(self, trial_id: int) -> None:
        self._scheduler.on_trial_remove(self._trials[trial_id])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=["mobster", "hyper_tune"], required=True)
    parser.add_argument("--windows", type=int, nargs="+", default=[100])
    parser.add_argument("--kind", choices=["promotion", "stopping"], default="promotion")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    import syne_tune

    drive_epochs(SyneTuneScheduler(args.method, args.kind), until_results=20)  # warm-up
    timings = drive_epochs(
        SyneTuneScheduler(args.method, args.kind),
        until_results=max(args.windows) + GP_WINDOW_WIDTH,
    )
    windows = {str(w): window_figures(timings, w) for w in args.windows}
    print(json.dumps({"version": syne_tune.__version__, "windows": windows}))


if __name__ == "__main__":
    main()
