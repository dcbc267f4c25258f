"""The tuner with real worker processes (PythonBackend): crashes, logs, injection."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tunelab.core import PythonBackend, StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.methods import grid_search
from tunelab.core.space import choice, randint


def divide(numerator: int, denominator: int) -> dict[str, float]:
    return {"ratio": numerator / denominator}


def test_crashing_trial_is_logged_with_its_traceback_and_tuning_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    space = {"numerator": randint(1, 2), "denominator": randint(0, 2)}
    tuner = Tuner(
        backend=PythonBackend(divide),
        scheduler=grid_search(space, metric="ratio", mode="max"),
        stop_criterion=StoppingCriterion(max_wallclock_time=60),
        n_workers=2,
        path=tmp_path / "divide",
        options=TunerOptions(progress_interval=None),
    )
    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        tuner.run()
    assert tuner.status.num_trials_failed == 2
    assert tuner.status.num_trials_completed == 4
    failures = [record.getMessage() for record in caplog.records]
    assert len(failures) == 2
    assert all("ZeroDivisionError: division by zero" in message for message in failures)
    assert tuner.best_config() == {"numerator": 2, "denominator": 1}
    assert load_experiment(tuner.path).metadata["status"] == "complete"


def echo(text: str) -> dict[str, float]:
    from tunelab.core.reporter import report

    report(length=len(text), text=text)
    return {"length": float(len(text))}


def test_config_values_arrive_literally(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"'; touch {marker}; echo '"
    tuner = Tuner(
        backend=PythonBackend(echo),
        scheduler=grid_search({"text": choice([payload, "$(touch x)"])}, metric="length"),
        stop_criterion=StoppingCriterion(max_num_trials_completed=2),
        path=tmp_path / "echo",
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    texts = set(load_experiment(tuner.path).results["text"].dropna())
    assert texts == {payload, "$(touch x)"}
    assert not marker.exists()


def test_worker_stderr_is_clean(tmp_path: Path) -> None:
    tuner = Tuner(
        backend=PythonBackend(divide),
        scheduler=grid_search({"numerator": 1, "denominator": randint(1, 2)}, metric="ratio"),
        stop_criterion=StoppingCriterion(max_num_trials_completed=2),
        path=tmp_path / "clean",
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    assert tuner.status.num_trials_completed == 2
    for trial_id in (0, 1):
        assert (tmp_path / "clean" / "trials" / str(trial_id) / "stderr.log").read_text() == ""
