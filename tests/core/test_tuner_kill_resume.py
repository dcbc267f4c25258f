"""SIGKILL a real tuning process, run it again, and check that every result a trial
reported is recorded exactly once (issue 14, items 1 and 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pandas as pd
import pytest

from tunelab.core import load_experiment

RUNNER = Path(__file__).with_name("tuner_kill_runner.py")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="uses Linux signals and PDEATHSIG"),
]


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def saved(path: Path) -> pd.DataFrame:
    """results.parquet as the killed process left it (empty before the first save)."""
    try:
        return pd.read_parquet(path / "results.parquet")
    except (OSError, ValueError):
        return cast(pd.DataFrame, pd.DataFrame({"trial_id": [], "epoch": []}))


def wait_for(condition: Callable[[], bool], job: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if job.poll() is not None:
            stderr = job.stderr.read().decode() if job.stderr else ""
            raise AssertionError(f"the tuner ended before {what}: {stderr}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def kill(job: subprocess.Popen[bytes]) -> None:
    os.kill(job.pid, signal.SIGKILL)
    job.wait()


def run_to_the_end(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), *args], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


def kill_after_epoch_2_was_saved(
    path: Path, control: Path, args: tuple[str, ...], printed: str
) -> None:
    """Run until results.parquet holds epochs 1-2, freeze the tuner, let the trial print
    up to `printed` (a marker file), then SIGKILL the tuner: what the trial printed
    after epoch 2 is in its log only."""
    (control / "hold").touch()
    job = start(*args)
    wait_for(lambda: len(saved(path)) == 2, job, "epoch 2 was saved")
    os.kill(job.pid, signal.SIGSTOP)
    try:
        (control / "go").touch()
        deadline = time.monotonic() + 60
        while not (control / printed).exists():
            assert time.monotonic() < deadline, f"the trial never got to {printed}"
            time.sleep(0.02)
    finally:
        kill(job)
    assert list(saved(path)["epoch"]) == [1, 2], "the fault was not reproduced"
    (control / "hold").unlink()


@pytest.mark.parametrize("resource_attr", ["epoch", "none"])
def test_results_printed_after_the_last_save_are_replayed_from_the_trials_log(
    tmp_path: Path, resource_attr: str
) -> None:
    """The trial checkpoints every epoch and prints 1-9; the tuner is killed with only
    epochs 1-2 saved. Restarted from its epoch-9 checkpoint, the trial reports
    nothing new: epochs 3-9 exist only in its log, and must be recorded from there."""
    path, control = tmp_path / "exp", tmp_path / "control"
    control.mkdir()
    args = ("local", str(path), str(control), "9", "1", resource_attr)
    kill_after_epoch_2_was_saved(path, control, args, printed="finished")

    run_to_the_end(*args)
    experiment = load_experiment(path)
    assert experiment.metadata["status"] == "complete"
    results = experiment.results
    assert list(results["epoch"]) == list(range(1, 10))
    assert (results["trial_id"] == 0).all()
    x = results["config_x"].iloc[0]
    assert list(results["loss"]) == pytest.approx([x / epoch for epoch in range(1, 10)])
    trial = experiment.trials.set_index("trial_id").loc[0]
    assert trial["status"] == "completed"
    assert trial["num_results"] == 9


@pytest.mark.parametrize("resource_attr", ["epoch", "none"])
def test_a_trial_restarted_without_checkpoint_records_each_epoch_once(
    tmp_path: Path, resource_attr: str
) -> None:
    """No checkpoint: epochs 1-2 saved, 3 only in the log; the restarted trial prints
    1-5 again. Epoch 3 comes from the log, 1-3 are not recorded twice."""
    path, control = tmp_path / "exp", tmp_path / "control"
    control.mkdir()
    args = ("local", str(path), str(control), "5", "0", resource_attr)
    kill_after_epoch_2_was_saved(path, control, args, printed="printed-3")

    run_to_the_end(*args)
    results = load_experiment(path).results
    assert list(results["epoch"]) == [1, 2, 3, 4, 5]


def test_repeated_kills_without_resource_attr_never_duplicate_a_row(tmp_path: Path) -> None:
    """Random search without a resource attribute on a backend that restarts trials
    from scratch (no log, no checkpoint), killed four times mid-run."""
    path = tmp_path / "inline"
    kills = 0
    for _ in range(4):
        job = start("inline", str(path))
        target = len(saved(path)) + 4
        try:
            wait_for(lambda: len(saved(path)) >= target, job, "new results")  # noqa: B023
        except AssertionError:
            if job.poll() is None:
                raise
            break  # finished before the kill
        kill(job)
        kills += 1
        partial = saved(path)
        assert not partial.duplicated(["trial_id", "epoch"]).any()
    assert kills >= 2
    run_to_the_end("inline", str(path))

    experiment = load_experiment(path)
    results = experiment.results
    assert not results.duplicated(["trial_id", "epoch"]).any()
    completed = experiment.trials[experiment.trials["status"] == "completed"]
    assert len(completed) >= 6
    for trial_id in completed["trial_id"]:
        epochs = results.loc[results["trial_id"] == trial_id, "epoch"]
        assert list(epochs) == [1, 2, 3, 4, 5, 6]
    recorded = experiment.trials.set_index("trial_id")["num_results"]
    counts = results.groupby("trial_id").size().reindex(recorded.index, fill_value=0)
    assert (recorded == counts).all()
