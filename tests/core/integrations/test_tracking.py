"""What both tracking callbacks share: which values are logged, the feasible best so
far, and that importing them needs neither library."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.core import load_experiment
from tunelab.core.integrations import TensorBoardCallback
from tunelab.core.integrations._tracking import logged_values, reported_values
from tunelab.core.testing import InlineBackend

from .test_tensorboard import scalars
from .tracked import curve, make_tuner


def test_importing_the_integrations_needs_neither_library() -> None:
    code = (
        "import sys, tunelab.core, tunelab.core.integrations\n"
        "loaded = {'tensorboardX', 'tensorboard', 'mlflow'} & set(sys.modules)\n"
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_numbers_are_logged_as_floats_and_the_rest_is_left_out() -> None:
    result: dict[str, Any] = {
        "loss": np.float32(0.5),
        "epoch": np.int64(3),
        "big": 2**70,
        "inf": math.inf,
        "nan": math.nan,
        "flag": True,
        "name": "relu",
        "missing": None,
        "worker_timestamp": 1.7e9,
        "worker_time": 12.5,
    }
    values = logged_values(result)
    assert values == {
        "loss": 0.5,
        "epoch": 3.0,
        "big": 2.0**70,
        "inf": math.inf,
        "worker_time": 12.5,
    }
    assert all(type(value) is float for value in values.values())
    row = {"trial_id": 3, "tuner_time": 1.0, "decision": "continue", "config_x": 0.2, "loss": 1.0}
    assert reported_values(row) == {"loss": 1.0}


def constrained(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`curve` with a constraint: feasible (<= 0) only for x >= 0.5."""
    for result in curve(config):
        yield {**result, "violation": 0.5 - config["x"]}


def test_the_best_so_far_counts_feasible_results_only(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    make_tuner(
        path,
        [TensorBoardCallback()],
        multi_fidelity=False,
        backend=InlineBackend(constrained),
        metadata={"constraint": "violation"},
    ).run()
    experiment = load_experiment(path)
    feasible = experiment.results[experiment.feasible_mask()]
    assert 0 < len(feasible) < len(experiment.results)
    points = scalars(path / "tensorboard" / "tuner", "best/accuracy")
    assert set(np.round([value for _, value in points], 5)) <= set(
        np.round(feasible["accuracy"].to_numpy(), 5)
    )
    assert points[-1][1] == pytest.approx(experiment.best_result("accuracy").value, rel=1e-6)
    assert points[-1][1] < experiment.results["accuracy"].max()  # the infeasible best
