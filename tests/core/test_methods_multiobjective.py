"""The multi-objective presets with the real tuner, on an analytic two-objective problem:
they run, record both metrics, and give the same run for the same seed."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment, methods
from tunelab.core.multiobjective import hypervolume
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import uniform
from tunelab.core.testing import InlineBackend
from tunelab.core.trial import Mode

SPACE = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0), "epochs": 9}
METRICS = ["error", "score"]
MODES: list[Mode] = ["min", "max"]
REFERENCE = [1.6, -11.1]  # beyond the worst error and score of any result
QUIET = TunerOptions(sleep_time=0.0, progress_interval=None)


def zdt1(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """ZDT1 (Zitzler, Deb, Thiele, 2000) in two variables, as learning curves: both
    objectives approach their values from above with the epochs; the first is
    reported as an error to minimise, the second negated as a score to maximise."""
    x, y = config["x"], config["y"]
    g = 1.0 + 9.0 * y
    first, second = x, g * (1.0 - math.sqrt(x / g))
    for epoch in range(1, config["epochs"] + 1):
        slack = 0.5 / epoch
        yield {"epoch": epoch, "error": first + slack, "score": -(second + slack)}


PRESETS: dict[str, dict[str, Any]] = {
    "random_search": {},
    "moasha": {},
    "moasha_promotion": {"kind": "promotion", "tie_break": "hypervolume"},
    "nsga2": {"population_size": 8},
    "morea": {"population_size": 8, "sample_size": 4},
    "linear_scalarized": {"weights": [1.0, 0.1]},
    "linear_scalarized_asha": {"base": methods.asha},
}


def build(name: str, seed: int) -> Scheduler:
    preset = getattr(methods, name.replace("_promotion", "").replace("_asha", ""))
    accepted = inspect.signature(preset).parameters
    standard = {"resource_attr": "epoch", "max_resource_attr": "epochs"}
    arguments = {k: v for k, v in standard.items() if k in accepted}
    scheduler: Scheduler = preset(
        SPACE, metric=METRICS, mode=MODES, seed=seed, **arguments, **PRESETS[name]
    )
    return scheduler


def run(name: str, path: Path, seed: int = 0, trials: int = 30) -> Tuner:
    tuner = Tuner(
        backend=InlineBackend(zdt1),
        scheduler=build(name, seed),
        stop_criterion=StoppingCriterion(max_num_trials_started=trials),
        n_workers=4,
        path=path,
        options=QUIET,
    )
    tuner.run()
    return tuner


@pytest.mark.parametrize("name", PRESETS)
def test_a_preset_runs_on_two_metrics_and_records_both(name: str, tmp_path: Path) -> None:
    tuner = run(name, tmp_path / name)
    experiment = load_experiment(tuner.path)
    assert (experiment.metadata["metric"], experiment.metadata["mode"]) == (METRICS, MODES)
    results = experiment.results
    assert len(tuner.trials) == 30 and results[METRICS].notna().all().all()
    final = results[results["epoch"] == 9]
    assert len(final) > 0
    assert hypervolume(final[METRICS].to_numpy(), REFERENCE, MODES) > 0
    best = results["config_x"].to_numpy()[results["score"].to_numpy().argmax()]
    assert tuner.best_config(metric="score")["x"] == best


@pytest.mark.parametrize("name", ["moasha", "moasha_promotion", "nsga2", "morea"])
def test_the_same_seed_gives_the_same_run(name: str, tmp_path: Path) -> None:
    def table(path: Path) -> pd.DataFrame:
        results = load_experiment(run(name, path, seed=3).path).results
        decided = ["trial_id", "epoch", *METRICS, "config_x", "config_y", "decision"]
        table: pd.DataFrame = results[decided]  # the backend runs in real time: times differ
        return table

    pd.testing.assert_frame_equal(table(tmp_path / "first"), table(tmp_path / "second"))


def test_moasha_trains_fewer_epochs_than_random_search_on_the_same_draws(tmp_path: Path) -> None:
    # both start the same random configurations (the seed goes to the searcher);
    # MOASHA stops those it ranks low at a rung
    epochs = {
        name: len(load_experiment(run(name, tmp_path / name, trials=30).path).results)
        for name in ("random_search", "moasha")
    }
    assert epochs["random_search"] == 30 * 9
    assert epochs["moasha"] < epochs["random_search"] / 2
