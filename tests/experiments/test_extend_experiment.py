"""`tunelab-run` extends a complete experiment when only its budget grows (issue 14,
item 15); the same or a smaller budget, or other changed settings, skip it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

from tunelab.experiments.experiment import experiment_path, run_experiment


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def config(tmp_path: Path, *overrides: str) -> DictConfig:
    return compose(
        "config",
        overrides=[f"results_root={tmp_path / 'results'}", "benchmark=branin", *overrides],
    )


def snapshot(path: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in path.rglob("*") if p.is_file() and p.name != ".lock"}


def test_a_larger_budget_extends_and_the_same_or_smaller_one_skips(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = config(tmp_path, "method=asha", "max_wallclock_time=300")
    assert run_experiment(first).status == "complete"
    path = experiment_path(first)
    before = pd.read_parquet(path / "results.parquet")
    metadata_before = json.loads((path / "metadata.json").read_text())

    larger = config(tmp_path, "method=asha", "max_wallclock_time=900")
    with caplog.at_level("INFO"):
        assert run_experiment(larger).status == "complete"
    assert "its budget grows from 300 s to 900 s" in caplog.text
    after = pd.read_parquet(path / "results.parquet")
    pd.testing.assert_frame_equal(after.iloc[: len(before)], before)
    assert 600 < after["tuner_time"].max() <= 900
    assert not after.duplicated(["trial_id", "epoch"]).any()
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["status"] == "complete"
    assert metadata["hydra_config"]["max_wallclock_time"] == 900
    assert metadata["start_time"] == metadata_before["start_time"]
    assert metadata["extended"] == [
        {
            "at": metadata["resumed_at"][0],
            "budget_before": {"max_wallclock_time": 300.0},
            "budget": {"max_wallclock_time": 900.0},
            "end_time_before": metadata_before["end_time"],
            "stop_reason_before": "stopping criterion met",
        }
    ]

    files = snapshot(path)
    caplog.clear()
    for budget in ("900", "600"):  # nothing to extend: skipped, untouched, no warning
        again = config(tmp_path, "method=asha", f"max_wallclock_time={budget}")
        with caplog.at_level("INFO"):
            assert run_experiment(again).status == "skipped"
    assert "nothing to extend" in caplog.text
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert snapshot(path) == files


def test_the_benchmarks_own_budget_can_grow_too(tmp_path: Path) -> None:
    assert run_experiment(config(tmp_path, "benchmark.max_wallclock_time=200")).status == (
        "complete"
    )
    grown = config(tmp_path, "benchmark.max_wallclock_time=400")
    assert run_experiment(grown).status == "complete"
    metadata = json.loads((experiment_path(grown) / "metadata.json").read_text())
    assert [e["budget"] for e in metadata["extended"]] == [{"max_wallclock_time": 400.0}]


def test_other_changed_settings_are_never_extended(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert run_experiment(config(tmp_path, "max_wallclock_time=200")).status == "complete"
    path = experiment_path(config(tmp_path))
    files = snapshot(path)
    changed = config(tmp_path, "max_wallclock_time=400", "master_seed=5")
    with caplog.at_level("WARNING"):
        assert run_experiment(changed).status == "skipped"
    assert "other settings (master_seed, max_wallclock_time)" in caplog.text
    assert "Only a larger budget" in caplog.text
    assert snapshot(path) == files


def test_tunelab_run_extends_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(tmp_path / "results")}

    def tunelab_run(*overrides: str) -> subprocess.CompletedProcess[str]:
        run = subprocess.run(
            [sys.executable, "-m", "tunelab.experiments", "-m", "benchmark=branin", *overrides],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        return run

    tunelab_run("method=asha,hyperband", "max_wallclock_time=300")
    grown = tunelab_run("method=asha,hyperband", "max_wallclock_time=600")
    assert "sweep finished: 2 experiments: 2 complete, 0 skipped" in grown.stdout + grown.stderr
    for method in ("asha", "hyperband"):
        folder = tmp_path / "results" / "default" / "branin" / method / "0"
        metadata = json.loads((folder / "metadata.json").read_text())
        assert metadata["budget"] == {"max_wallclock_time": 600.0}
        assert len(metadata["extended"]) == 1
