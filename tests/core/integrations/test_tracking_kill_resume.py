"""A tracked experiment SIGKILLed after its callback logged results that the
experiment had not saved yet: resumed, the tools hold each saved result exactly once
(the restarted trials report the lost ones again, and they are not logged twice)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .test_mlflow import client, histories, trial_runs
from .test_tensorboard import assert_same_series, logged_series
from .tracked import expected_series, results

RUNNER = Path(__file__).with_name("tracking_kill_runner.py")
KILL_AT = 7
"""The 7th result comes second in its poll, after the experiment saved the first 4."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="uses SIGKILL"),
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy"),
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    return subprocess.run(
        [sys.executable, str(RUNNER), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def killed_then_resumed(tool: str, path: Path, *uri: str) -> pd.DataFrame:
    killed = run(tool, str(path), str(KILL_AT), *uri)
    assert killed.returncode == -9, killed.stderr[-3000:]
    saved = results(path)
    assert len(saved) < KILL_AT, "the fault was not reproduced: everything was saved"
    resumed = run(tool, str(path), "0", *uri)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    return saved


def test_tensorboard_after_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    killed_then_resumed("tensorboard", path)
    log_dir = path / "tensorboard"
    for key in ("loss", "accuracy"):
        assert_same_series(logged_series(log_dir, key), expected_series(path, key, "epoch"))


def test_mlflow_after_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    killed_then_resumed("mlflow", path, uri)
    experiment = client(uri).get_experiment_by_name("exp")
    (parent,) = client(uri).search_runs(
        [experiment.experiment_id], filter_string="tags.`tunelab.results` != ''"
    )
    assert parent.info.status == "FINISHED"
    runs = trial_runs(uri, parent)
    assert runs.keys() == set(results(path)["trial_id"])
    assert histories(uri, runs, "loss") == expected_series(path, "loss", "epoch")
