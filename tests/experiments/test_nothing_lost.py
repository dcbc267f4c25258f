"""Nothing lost, nothing silent, with real processes: a second run of a running
experiment, re-runs that fail before tuning, failed folders kept, a killed sweep's
workers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="uses /proc and Linux signals"),
]

# A training script of real (short) epochs, so that an experiment takes real time.
TRAIN = """
import argparse
import time

from tunelab.core.reporter import report

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_known_args()[0]
for epoch in range(1, args.epochs + 1):
    time.sleep(0.1)
    report(epoch=epoch, loss=(args.x - 0.3) ** 2 + 1 / epoch)
"""

PRESET = """
name: slow
type: local
entry_point: train_slow.py
metric: loss
mode: min
resource_attr: epoch
max_resource_attr: epochs
n_workers: 2
max_wallclock_time: 30
config_space:
  x: {type: float, lower: 0.0, upper: 1.0}
  epochs: 3
"""

EXPERIMENT = Path("results") / "default" / "slow" / "random_search"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with a training script and its benchmark preset in `conf/`."""
    (tmp_path / "train_slow.py").write_text(TRAIN)
    (tmp_path / "conf" / "benchmark").mkdir(parents=True)
    (tmp_path / "conf" / "benchmark" / "slow.yaml").write_text(PRESET)
    return tmp_path


def environment(project: Path) -> dict[str, str]:
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(project / "results")}
    env.pop("TUNELAB_CONF", None)  # ./conf, in the working directory, is used
    return env


def command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "tunelab.experiments", *arguments]


def tunelab_run(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*arguments),
        capture_output=True,
        text=True,
        cwd=project,
        env=environment(project),
        timeout=240,
    )


def start(project: Path, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*arguments),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
        env=environment(project),
        start_new_session=True,  # its own process group, ended by the test alone
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; whatever is left of them is killed at its end."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        # the whole group, even after its leader ended: what it started may remain
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def metadata(path: Path) -> dict[str, object]:
    return dict(json.loads((path / "metadata.json").read_text()))


def status(path: Path) -> object:
    try:
        return metadata(path).get("status")
    except (OSError, ValueError):
        return None


def rows(path: Path) -> int:
    try:
        return len(pd.read_parquet(path / "results.parquet"))
    except (OSError, ValueError):
        return 0


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p != path)


# -- item 2: a second run of a running experiment ------------------------------------------


def test_a_second_run_of_a_running_experiment_is_busy_and_touches_nothing(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    path = project / EXPERIMENT / "0"
    first = start(project, "benchmark=slow")
    processes.append(first)
    wait_for(lambda: rows(path) > 0, "the first run's first saved results")

    second = tunelab_run(project, "benchmark=slow")
    assert second.returncode == 1, second.stderr[-3000:]
    assert second.stdout.splitlines()[-1] == f"busy: {path}"
    assert "another process is running this experiment" in second.stderr
    assert status(path) == "running", "the second run changed the first's metadata"

    # even a folder marked failed is not moved or deleted while its run holds the lock
    before = metadata(path)
    (path / "metadata.json").write_text(json.dumps({**before, "status": "failed"}))
    third = tunelab_run(project, "benchmark=slow")
    assert third.returncode == 1, third.stderr[-3000:]
    assert third.stdout.splitlines()[-1] == f"busy: {path}"
    assert siblings(path) == []
    (path / "metadata.json").write_text(json.dumps(before))

    seen = rows(path)
    assert first.wait(timeout=120) == 0, first.communicate()[1][-3000:]
    assert status(path) == "complete"
    assert rows(path) >= seen > 0
    assert siblings(path) == []


def test_a_second_sweep_over_a_running_experiment_reports_it_busy(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    path = project / EXPERIMENT / "0"
    first = start(project, "benchmark=slow")
    processes.append(first)
    wait_for(lambda: rows(path) > 0, "the first run's first saved results")
    sweep = tunelab_run(project, "-m", "benchmark=slow", "seed=0", "max_wallclock_time=3")
    assert sweep.returncode == 1, sweep.stderr[-3000:]
    assert (
        "sweep finished: 1 experiments: 0 complete, 0 skipped (already complete), 0 failed, "
        "1 busy (run by another process)"
    ) in sweep.stdout
    assert f"  busy: {path}: another process is running this experiment" in sweep.stdout
    assert "tunelab-run: 1 of 1 experiments did not complete (1 busy); exit code 1" in (
        sweep.stderr
    )
    assert status(path) == "running"
    assert first.wait(timeout=120) == 0
    assert status(path) == "complete"


# -- item 3: errors of a re-run leave the experiment as it was -----------------------------


def test_errors_before_tuning_leave_a_resumable_experiment_as_it_was(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    path = project / EXPERIMENT / "0"
    args = ("benchmark=slow", "max_wallclock_time=12")
    first = start(project, *args)
    processes.append(first)
    wait_for(lambda: rows(path) >= 5, "five saved results")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert status(path) == "running"
    saved = pd.read_parquet(path / "results.parquet")
    files = {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}

    for override, code, message in (
        ("n_workers=-1", 2, "n_workers=-1: expected an integer >= 1"),
        ("+method.scheduler.bogus=1", 1, "takes no argument ['bogus']"),
        ("benchmark.mode=max", 1, "cannot resume the experiment"),
    ):
        run = tunelab_run(project, *args, override)
        assert run.returncode == code, (override, run.stderr[-3000:])
        assert message in run.stderr, override
        assert {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()} == files, override
        assert siblings(path) == []

    again = tunelab_run(project, *args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert status(path) == "complete"
    assert len(metadata(path)["resumed_at"]) == 1  # type: ignore[arg-type]
    resumed = pd.read_parquet(path / "results.parquet")
    key = ["trial_id", "epoch", "loss"]
    kept = saved[key].merge(resumed[key], how="left", indicator=True)
    assert (kept["_merge"] == "both").all(), "results saved before the kill were lost"


def test_a_truncated_metadata_file_leaves_a_complete_experiment_as_it_was(
    project: Path,
) -> None:
    path = project / "results" / "default" / "branin" / "random_search" / "0"
    args = ("benchmark=branin", "max_wallclock_time=60")
    assert tunelab_run(project, *args).returncode == 0
    results = (path / "results.parquet").read_bytes()
    truncated = (path / "metadata.json").read_bytes()[:100]
    (path / "metadata.json").write_bytes(truncated)
    for _ in range(2):  # the second time sees what the first left
        run = tunelab_run(project, *args)
        assert run.returncode == 1, run.stderr[-3000:]
        assert "cannot read the metadata.json of the earlier run" in run.stderr
        assert (path / "metadata.json").read_bytes() == truncated
        assert (path / "results.parquet").read_bytes() == results
        assert siblings(path) == []


def test_a_failed_experiment_is_moved_aside_and_kept_when_it_runs_again(
    project: Path,
) -> None:
    path = project / "results" / "default" / "branin" / "random_search" / "0"
    args = ("benchmark=branin", "max_wallclock_time=60")
    failed = tunelab_run(project, *args, "benchmark.time_scale=-1")
    assert failed.returncode == 1
    assert status(path) == "failed"

    again = tunelab_run(project, *args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert status(path) == "complete"
    (aside,) = siblings(path)
    assert aside.startswith("0.failed-")
    assert status(path.parent / aside) == "failed"
    assert "time_scale" in str(metadata(path.parent / aside)["stop_reason"])
    assert f"was moved to {path.parent / aside} (kept)" in again.stdout  # the log


# -- item 5: a killed sweep's workers ------------------------------------------------------


def test_the_workers_of_a_killed_tunelab_joblib_sweep_die_with_it(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    sweep = start(
        project,
        "-m",
        "hydra/launcher=tunelab_joblib",
        "hydra.launcher.n_jobs=2",
        "benchmark=slow",
        "max_wallclock_time=120",
        "seed=0,1",
    )
    processes.append(sweep)
    folders = [project / EXPERIMENT / str(seed) for seed in (0, 1)]
    wait_for(lambda: all(rows(f) > 0 for f in folders), "both experiments' saved results")
    markers = list((project / "results" / ".hydra" / "sweeps").glob("*/outcomes/*.started"))
    workers = {json.loads(m.read_text())["pid"] for m in markers}
    assert len(workers) == 2 and sweep.pid not in workers

    os.kill(sweep.pid, signal.SIGKILL)  # the sweep's process only, as the OOM killer would
    sweep.wait()
    wait_for(lambda: not any(alive(pid) for pid in workers), "the workers' end", timeout=15)
    wait_for(lambda: not trial_processes(project), "the trials' end", timeout=15)
    written = [(f / "results.parquet").stat().st_mtime for f in folders]
    time.sleep(6)  # longer than the tuner's save interval
    assert [(f / "results.parquet").stat().st_mtime for f in folders] == written
    assert [status(f) for f in folders] == ["running", "running"]  # they resume next time


def trial_processes(project: Path) -> list[int]:
    script = str(project / "train_slow.py")
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if script in cmdline:
                found.append(int(entry.name))
    return found
