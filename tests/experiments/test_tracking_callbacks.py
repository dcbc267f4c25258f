"""The `callbacks` config group of tunelab-run: `+callbacks=[tensorboard,mlflow]`."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tunelab.core.integrations import TensorBoardCallback
from tunelab.experiments.callbacks import build_callbacks
from tunelab.experiments.experiment import run_experiment

BRANIN = ("benchmark=branin", "study=unit", "max_wallclock_time=60")


@pytest.fixture
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def config(tmp_path: Path, *overrides: str) -> DictConfig:
    return compose("config", overrides=[f"results_root={tmp_path / 'results'}", *overrides])


def trial_series(log_dir: Path, tag: str) -> dict[int, list[tuple[int, float]]]:
    series = {}
    for folder in sorted(log_dir.glob("trial_*")):
        run = EventAccumulator(str(folder), size_guidance={"scalars": 0})
        run.Reload()
        points = [(event.step, event.value) for event in run.Scalars(tag)]
        series[int(folder.name.removeprefix("trial_"))] = points
    return series


def result_series(path: Path, tag: str) -> dict[int, list[tuple[int, Any]]]:
    """Per trial, (epoch, value) of `tag`; the values approximate (TensorBoard keeps
    32-bit floats)."""
    frame = pd.read_parquet(path / "results.parquet")
    series: dict[int, list[tuple[int, Any]]] = {}
    for trial_id in sorted(frame["trial_id"].unique()):
        rows = frame[frame["trial_id"] == trial_id]
        series[int(trial_id)] = [
            (int(step), pytest.approx(float(value), rel=1e-6))
            for step, value in zip(rows["epoch"], rows[tag], strict=True)
        ]
    return series


def test_the_options_of_the_group_become_the_callbacks_settings(
    tmp_path: Path, hydra_context: None
) -> None:
    cfg = config(tmp_path, *BRANIN, "+callbacks=[tensorboard]", "callbacks.tensorboard.log_dir=/x")
    (callback,) = build_callbacks(cfg)
    assert isinstance(callback, TensorBoardCallback)
    assert callback.log_dir == Path("/x") and callback.flush_interval == 5.0
    assert build_callbacks(config(tmp_path, *BRANIN)) == []


def test_the_mlflow_option_names_the_study_and_the_experiment(
    tmp_path: Path, hydra_context: None
) -> None:
    cfg = config(tmp_path, *BRANIN, "seed=2", "+callbacks=[mlflow]")
    settings = OmegaConf.to_container(cfg.callbacks.mlflow, resolve=True)
    assert settings == {
        "tracking_uri": None,
        "experiment_name": "unit",
        "run_name": "branin/random_search/2",
        "flush_interval": 5.0,
    }


def test_unknown_callbacks_and_refused_settings_name_the_option(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"callbacks\.wandb: unknown callback; expected one of"):
        build_callbacks(OmegaConf.create({"callbacks": {"wandb": {}}}))
    bad = OmegaConf.create({"callbacks": {"tensorboard": {"flush_interval": -1}}})
    with pytest.raises(ValueError, match=r"callbacks\.tensorboard: flush_interval=-1"):
        build_callbacks(bad)
    typo = OmegaConf.create({"callbacks": {"tensorboard": {"logdir": "x"}}})
    with pytest.raises(ValueError, match=r"callbacks\.tensorboard: .*'logdir'"):
        build_callbacks(typo)


def test_switching_tracking_on_or_off_is_not_a_change_of_settings(
    tmp_path: Path, hydra_context: None, caplog: pytest.LogCaptureFixture
) -> None:
    tracked = config(tmp_path, *BRANIN, "+callbacks=[tensorboard]")
    outcome = run_experiment(tracked)
    assert outcome.status == "complete"
    path = Path(outcome.path)
    assert trial_series(path / "tensorboard", "y") == result_series(path, "y")
    with caplog.at_level(logging.WARNING):
        assert run_experiment(config(tmp_path, *BRANIN)).status == "skipped"
    assert "other settings" not in caplog.text


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy")
def test_tunelab_run_tracks_and_extends_without_duplicates(tmp_path: Path) -> None:
    """A real `tunelab-run` with both callbacks, then again with a larger budget: the
    experiment is extended, and TensorBoard and MLflow continue where they were."""
    env = {
        **os.environ,
        "TUNELAB_RESULTS_ROOT": str(tmp_path / "results"),
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }

    def tunelab_run(budget: int) -> None:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "tunelab.experiments", *BRANIN[:2], "seed=1"),
                *(f"max_wallclock_time={budget}", "+callbacks=[tensorboard,mlflow]"),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "TrackingWarning" not in done.stderr

    tunelab_run(60)
    path = tmp_path / "results" / "unit" / "branin" / "random_search" / "1"
    first = pd.read_parquet(path / "results.parquet")
    tunelab_run(120)
    metadata = json.loads((path / "metadata.json").read_text())
    assert len(metadata["extended"]) == 1
    assert len(pd.read_parquet(path / "results.parquet")) > len(first)
    assert trial_series(path / "tensorboard", "y") == result_series(path, "y")

    from mlflow.tracking import MlflowClient

    mlflow = MlflowClient(tracking_uri=f"sqlite:///{path / 'mlflow' / 'mlflow.db'}")
    experiment = mlflow.get_experiment_by_name("unit")
    assert experiment is not None
    runs = mlflow.search_runs([experiment.experiment_id], max_results=1000)
    (parent,) = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    assert parent.info.run_name == "branin/random_search/1"
    assert parent.data.tags["benchmark"] == "branin" and parent.data.tags["seed"] == "1"
    logged = {
        int(run.data.tags["tunelab.trial_id"]): [
            (m.step, m.value) for m in mlflow.get_metric_history(run.info.run_id, "y")
        ]
        for run in runs
        if run is not parent and "tunelab.trial_id" in run.data.tags
    }
    assert logged == result_series(path, "y")


def test_a_sweep_with_bad_callback_settings_is_refused_before_any_job(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tunelab.experiments",
            "-m",
            "benchmark=branin",
            "max_wallclock_time=5",
            "seed=0,1",
            "+callbacks=[tensorboard]",
            "callbacks.tensorboard.flush_interval=-1",
            f"results_root={tmp_path / 'results'}",
            f"hydra.sweep.dir={tmp_path / 'multirun'}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "no job was started" in run.stderr
    assert "callbacks.tensorboard: flush_interval=-1" in run.stderr
    assert not (tmp_path / "results").exists()
