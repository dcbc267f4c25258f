"""Reported values that a results column or the scheduler cannot take (issue 14,
item 7): one bad value never sinks an experiment, nor turns a column into text."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tunelab.core import (
    PythonBackend,
    StoppingCriterion,
    Tuner,
    TunerOptions,
    load_experiment,
)
from tunelab.core.methods import asha, random_search
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import uniform
from tunelab.core.testing import InlineBackend
from tunelab.core.trial import as_number, screen_result

SPACE = {"x": uniform(0.0, 1.0), "epochs": 3}
QUIET = TunerOptions(sleep_time=0.0, progress_interval=None)

Curve = Callable[[dict[str, Any]], Iterator[dict[str, Any]]]


def run(path: Path, fn: Curve, scheduler: Scheduler | None = None, trials: int = 8) -> Tuner:
    tuner = Tuner(
        backend=InlineBackend(fn),
        scheduler=scheduler or random_search(SPACE, metric="loss", seed=0),
        stop_criterion=StoppingCriterion(max_num_trials_started=trials),
        n_workers=2,
        path=path,
        options=QUIET,
    )
    tuner.run()
    return tuner


def bad_when(config: dict[str, Any]) -> bool:
    return bool(config["x"] > 0.5)


def warnings_about(caplog: pytest.LogCaptureFixture, key: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f" reported {key}=" in r.getMessage()]


def test_an_integer_beyond_64_bits_is_recorded_as_a_float(tmp_path: Path) -> None:
    def huge(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"epoch": 1, "loss": 2**64 if bad_when(config) else config["x"], "n": 2**70}

    tuner = run(tmp_path / "huge", huge)
    results = load_experiment(tuner.path).results
    assert results["loss"].dtype == "float64" and results["n"].dtype == "float64"
    assert (results["n"] == float(2**70)).all()
    big = results["config_x"] > 0.5
    assert big.any() and (results.loc[big, "loss"] == float(2**64)).all()
    assert tuner.status.num_trials_completed == 8


def test_a_string_metric_is_nan_with_one_warning_per_trial_naming_trial_and_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def oops(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for epoch in range(1, 4):
            yield {"epoch": epoch, "loss": "oops" if bad_when(config) else config["x"]}

    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        tuner = run(tmp_path / "oops", oops)
    experiment = load_experiment(tuner.path)
    results = experiment.results
    assert results["loss"].dtype == "float64"
    bad = results["config_x"] > 0.5
    assert bad.any() and results.loc[bad, "loss"].isna().all()
    assert results.loc[~bad, "loss"].notna().all()
    bad_trials = sorted(results.loc[bad, "trial_id"].unique())
    messages = warnings_about(caplog, "loss")
    assert len(messages) == len(bad_trials), "one warning per trial and key"
    for trial_id, message in zip(bad_trials, messages, strict=True):
        assert message.startswith(f"trial {trial_id} reported loss='oops' (str)")
        assert "NaN" in message
    assert experiment.best_result().value == pytest.approx(results.loc[~bad, "loss"].min())


def test_asha_takes_an_unusable_metric_as_a_diverged_result(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def oops(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for epoch in range(1, config["epochs"] + 1):
            yield {"epoch": epoch, "loss": [1, 2] if bad_when(config) else config["x"] / epoch}

    space = {"x": uniform(0.0, 1.0), "epochs": 9}
    scheduler = asha(
        space, metric="loss", resource_attr="epoch", max_resource_attr="epochs", seed=0
    )
    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        tuner = run(tmp_path / "asha", oops, scheduler, trials=12)
    results = load_experiment(tuner.path).results
    assert results["loss"].dtype == "float64"
    bad = results["config_x"] > 0.5
    assert bad.any() and results.loc[bad, "loss"].isna().all()
    assert warnings_about(caplog, "loss")
    # ranked last: no bad trial goes past the first rung while good ones are waiting
    assert results.loc[bad, "epoch"].max() < results.loc[~bad, "epoch"].max()


def test_a_string_in_a_numeric_column_is_left_out_and_text_columns_stay_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def mixed(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        accuracy = "n/a" if bad_when(config) else 1.0 - config["x"]
        yield {"epoch": 1, "loss": config["x"], "accuracy": accuracy, "note": "fine"}
        yield {"epoch": 2, "loss": config["x"], "accuracy": 0.5, "note": "fine", "hist": [1]}

    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        tuner = run(tmp_path / "mixed", mixed)
    results = load_experiment(tuner.path).results
    assert results["accuracy"].dtype == "float64"
    assert results["note"].tolist() == ["fine"] * len(results)
    assert "hist" not in results.columns
    assert warnings_about(caplog, "hist")
    first_epoch_bad = (results["config_x"] > 0.5) & (results["epoch"] == 1)
    assert results.loc[first_epoch_bad, "accuracy"].isna().all()


def test_an_unusable_resource_is_recorded_but_not_shown_to_the_scheduler(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def bad_epoch(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for epoch in range(1, config["epochs"] + 1):
            yield {"epoch": "?" if epoch == 1 else epoch, "loss": config["x"] / epoch}

    space = {"x": uniform(0.0, 1.0), "epochs": 3}
    scheduler = asha(
        space, metric="loss", resource_attr="epoch", max_resource_attr="epochs", seed=0
    )
    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        tuner = run(tmp_path / "resource", bad_epoch, scheduler)
    results = load_experiment(tuner.path).results
    assert results["epoch"].dtype == "float64"
    assert results["epoch"].isna().sum() == len(tuner.trials)
    assert all("not shown to the scheduler" in m for m in warnings_about(caplog, "epoch"))


def report_bad_values(x: float) -> None:
    from tunelab.core.reporter import report

    report(step=1, loss=2**64)
    report(step=2, loss="diverged")
    report(step=3, loss=x)


def test_bad_values_reported_by_a_real_process_are_handled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tuner = Tuner(
        backend=PythonBackend(report_bad_values),
        scheduler=random_search({"x": uniform(0.0, 1.0)}, metric="loss", seed=0),
        stop_criterion=StoppingCriterion(max_num_trials_completed=2),
        n_workers=2,
        path=tmp_path / "process",
        options=TunerOptions(progress_interval=None),
    )
    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        tuner.run()
    results = load_experiment(tuner.path).results.sort_values(["trial_id", "step"])
    assert results["loss"].dtype == "float64"
    assert results["loss"].iloc[0] == float(2**64)
    assert results["loss"].isna().tolist() == [False, True, False] * 2
    assert len(warnings_about(caplog, "loss")) == 2


def test_as_number_and_screen_result() -> None:
    np = pytest.importorskip("numpy")
    assert as_number(2**64) == float(2**64) and isinstance(as_number(2**64), float)
    assert as_number(10**400) is None
    assert as_number(3) == 3 and isinstance(as_number(3), int)
    assert as_number(np.int64(3)) == 3 and as_number(True) is True
    assert as_number(float("nan")) != as_number(float("nan"))  # NaN is a number
    assert as_number("1.5") is None and as_number(None) is None and as_number([1]) is None
    kept, rejected = screen_result(
        {"a": 1, "b": "x", "c": "y", "d": None, "e": {"k": 1}}, numeric={"c", "d"}
    )
    assert kept == {"a": 1, "b": "x", "d": None}
    assert rejected == {"c": "y", "e": {"k": 1}}
