"""Sweep progress and summary: job plans, counts, lost jobs, the callback's files."""

from __future__ import annotations

import atexit
import json
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from tunelab.experiments import sweep
from tunelab.experiments.progress import (
    ProgressMonitor,
    SweepCounts,
    planned_jobs,
    read_outcomes,
    started_jobs,
)
from tunelab.experiments.sweep import SweepSummary, summarize

BASIC = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
TUNELAB = "hydra_plugins.tunelab_experiments.sweeper.TunelabSweeper"


def sweep_config(
    task: list[str], *, params: dict[str, str] | None = None, target: str = TUNELAB
) -> DictConfig:
    return OmegaConf.create(
        {
            "hydra": {
                "sweeper": {"_target_": target, "params": params},
                "overrides": {
                    "task": task,
                    "hydra": ["hydra/launcher=joblib", "hydra.mode=MULTIRUN"],
                },
            }
        }
    )


def outcome(status: str, seed: int, error: str | None = None) -> dict[str, Any]:
    overrides = ["method=random_search", f"seed={seed}"]
    return {
        "status": status,
        "path": f"/r/default/branin/random_search/{seed}",
        "method": "random_search",
        "benchmark": "branin",
        "seed": seed,
        "error": error,
        "overrides": overrides,
    }


def record(
    folder: Path, number: int, result: dict[str, Any] | None, *, started: bool = True
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if started:
        marker = {
            "pid": 42,
            "host": "h",
            "output_dir": f"/s/{number}",
            "overrides": [f"seed={number}"],
        }
        (folder / f"{number}.started").write_text(json.dumps(marker))
    if result is not None:
        (folder / f"{number}.json").write_text(json.dumps(result))


def test_counts_line() -> None:
    counts = SweepCounts(complete=3, skipped=1, failed=1, running=2, total=10)
    assert counts.done == 5
    assert counts.line() == (
        "sweep: 5 done (3 complete, 1 skipped, 1 failed), 2 running, 3 remaining of 10"
    )
    unknown = SweepCounts(complete=0, skipped=0, failed=0, running=1, total=None)
    assert unknown.line() == "sweep: 0 done (0 complete, 0 skipped, 0 failed), 1 running"


def test_remote_hand_offs_count_as_done_and_are_named(tmp_path: Path) -> None:
    counts = SweepCounts(complete=1, skipped=0, failed=0, running=0, total=4, handed_off=3)
    assert counts.line() == (
        "sweep: 4 done (1 complete, 0 skipped, 0 failed, 3 handed off), 0 running, 0 remaining of 4"
    )
    folder = tmp_path / "outcomes"
    record(folder, 0, outcome("submitted", 0), started=False)
    record(folder, 1, outcome("dry_run", 1), started=False)
    text = summarize(folder, jobs=[["seed=0"], ["seed=1"]])
    assert text == (
        "sweep finished: 2 experiments: 0 complete, 0 skipped (already complete), 0 failed, "
        "1 submitted as remote jobs, 1 planned"
    )


def test_planned_jobs_are_the_product_of_the_sweeps_in_launch_order() -> None:
    jobs = planned_jobs(sweep_config(["method=a,b", "benchmark=x", "seed=range(2)"]))
    assert jobs == [
        ["method=a", "benchmark=x", "seed=0"],
        ["method=a", "benchmark=x", "seed=1"],
        ["method=b", "benchmark=x", "seed=0"],
        ["method=b", "benchmark=x", "seed=1"],
    ]
    assert planned_jobs(sweep_config([], target=BASIC)) == [[]]


def test_planned_jobs_of_a_study_let_the_command_line_replace_a_parameter() -> None:
    params = {"method": "a,b", "benchmark": "x,y", "seed": "range(5)"}
    jobs = planned_jobs(sweep_config(["study=demo", "seed=7"], params=params))
    assert jobs is not None
    assert len(jobs) == 4
    assert jobs[0] == ["method=a", "benchmark=x", "seed=7", "study=demo"]


def test_planned_jobs_unknown_for_other_sweepers_and_bad_overrides() -> None:
    assert planned_jobs(sweep_config(["seed=0,1"], target="some.other.Sweeper")) is None
    assert planned_jobs(sweep_config(["seed=range("])) is None


def test_summary_reports_failed_lost_and_unrun_jobs_with_their_commands(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    record(folder, 0, outcome("complete", 0))
    record(folder, 1, outcome("failed", 1, error="RuntimeError: boom"))
    record(folder, 2, None)
    record(folder, 3, outcome("skipped", 3))
    jobs = [[f"seed={n}"] for n in range(7)]
    command = ["tunelab-run", "-m", "seed=range(7)"]
    text = summarize(folder, jobs=jobs, sweep_command=command, aborted=True)
    lines = text.splitlines()
    assert lines[0] == (
        "sweep aborted: 7 experiments: 1 complete, 1 skipped (already complete), "
        "1 failed, 1 lost, 3 not run"
    )
    assert "  failed: /r/default/branin/random_search/1: RuntimeError: boom" in lines
    assert any(line.startswith("  lost: job 2 (seed=2) left no outcome") for line in lines)
    assert "  not run: jobs 4-6 (the sweep stopped before them)" in lines
    rerun = lines.index("re-run the failed and lost experiments with:")
    assert lines[rerun + 1 : rerun + 3] == [
        "  tunelab-run method=random_search seed=1",
        "  tunelab-run seed=2",
    ]
    assert lines[-1] == "  tunelab-run -m 'seed=range(7)'"


def test_summary_of_a_clean_sweep_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    record(folder, 0, outcome("complete", 0))
    record(folder, 1, outcome("skipped", 1))
    text = summarize(folder, jobs=[["seed=0"], ["seed=1"]], sweep_command=["tunelab-run"])
    assert text == (
        "sweep finished: 2 experiments: 1 complete, 1 skipped (already complete), 0 failed"
    )


def test_records_being_written_are_ignored_until_complete(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    record(folder, 0, None)
    (folder / "0.json").write_text('{"status": "compl')
    assert read_outcomes(folder) == {}
    assert set(started_jobs(folder)) == {0}
    monitor = ProgressMonitor(folder, total=3, interval=60)
    assert monitor.counts() == SweepCounts(0, 0, 0, running=1, total=3)
    (folder / "0.json").write_text(json.dumps(outcome("complete", 0)))
    assert monitor.counts() == SweepCounts(1, 0, 0, running=0, total=3)


def wait_for_line(monitor: ProgressMonitor, line: str) -> None:
    deadline = time.monotonic() + 10
    while monitor._last_line != line:
        assert time.monotonic() < deadline, f"no progress line {line!r}"
        time.sleep(0.01)


def test_monitor_prints_a_line_when_the_counts_change_and_at_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "outcomes"
    expected = [
        "sweep: 0 done (0 complete, 0 skipped, 0 failed), 0 running, 2 remaining of 2",
        "sweep: 0 done (0 complete, 0 skipped, 0 failed), 1 running, 1 remaining of 2",
        "sweep: 1 done (0 complete, 0 skipped, 1 failed), 0 running, 1 remaining of 2",
    ]
    monitor = ProgressMonitor(folder, total=2, interval=0.01)
    monitor.start()
    wait_for_line(monitor, expected[0])
    record(folder, 0, None)
    wait_for_line(monitor, expected[1])
    record(folder, 0, outcome("failed", 0, error="x"))
    wait_for_line(monitor, expected[2])
    time.sleep(0.05)  # unchanged counts print nothing
    monitor.stop()
    assert capsys.readouterr().err.splitlines() == [*expected, expected[-1]]


def job_config(tmp_path: Path, mode: RunMode, number: int = 3) -> DictConfig:
    return OmegaConf.create(
        {
            "hydra": {
                "mode": mode,
                "sweep": {"dir": str(tmp_path)},
                "runtime": {"output_dir": str(tmp_path / str(number))},
                "job": {"num": number},
                "overrides": {"task": ["seed=3"]},
            }
        }
    )


def test_a_job_marks_its_start_in_multirun_mode_only(tmp_path: Path) -> None:
    callback = SweepSummary()
    callback.on_job_start(job_config(tmp_path / "run", RunMode.RUN), task_function=print)
    assert not (tmp_path / "run").exists()
    callback.on_job_start(job_config(tmp_path, RunMode.MULTIRUN), task_function=print)
    marker = started_jobs(tmp_path / "outcomes")[3]
    assert marker["overrides"] == ["seed=3"]
    assert marker["output_dir"] == str(tmp_path / "3")


def test_callback_travels_to_jobs_without_its_thread_and_reports_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(atexit, "unregister", registered.remove)
    config = sweep_config(["seed=0,1"])
    config.hydra.sweep = {"dir": str(tmp_path)}
    callback = SweepSummary(progress_interval=0.01)
    callback.on_multirun_start(config)
    assert len(registered) == 1  # prints the summary at exit if the launcher gives up
    copy = pickle.loads(pickle.dumps(callback))
    assert copy._monitor is None
    record(tmp_path / "outcomes", 0, outcome("complete", 0))
    record(tmp_path / "outcomes", 1, outcome("complete", 1))
    callback.on_multirun_end(config)
    assert registered == []
    captured = capsys.readouterr()
    assert captured.err.splitlines()[-1].endswith("0 running, 0 remaining of 2")
    assert captured.out.startswith("sweep finished: 2 experiments: 2 complete")


def test_a_sweep_stopped_before_any_job_prints_no_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(atexit, "register", lambda f: None)
    config = sweep_config(["seed=0,1"])
    config.hydra.sweep = {"dir": str(tmp_path)}
    callback = SweepSummary(progress_interval=60)
    callback.on_multirun_start(config)
    callback._report_abort()
    assert capsys.readouterr().out == ""


def test_busy_experiments_are_counted_listed_and_not_offered_for_a_rerun(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    record(folder, 0, outcome("complete", 0))
    record(folder, 1, outcome("busy", 1, error="another process is running this experiment"))
    text = summarize(folder, jobs=[["seed=0"], ["seed=1"]], sweep_command=["tunelab-run"])
    assert text.splitlines() == [
        "sweep finished: 2 experiments: 1 complete, 0 skipped (already complete), 0 failed, "
        "1 busy (run by another process)",
        "  busy: /r/default/branin/random_search/1: another process is running this experiment",
    ]
    monitor = ProgressMonitor(folder, total=2, interval=60)
    assert monitor.counts().line() == (
        "sweep: 2 done (1 complete, 0 skipped, 0 failed, 1 busy), 0 running, 0 remaining of 2"
    )


def test_unfinished_counts_what_did_not_complete(tmp_path: Path) -> None:
    folder = tmp_path / "outcomes"
    record(folder, 0, outcome("complete", 0))
    record(folder, 1, outcome("skipped", 1))
    assert sweep.unfinished(folder, jobs=[["seed=0"], ["seed=1"]]) == {}
    record(folder, 2, outcome("failed", 2, error="x"))
    record(folder, 3, outcome("busy", 3, error="y"))
    record(folder, 4, None)
    jobs = [[f"seed={n}"] for n in range(6)]
    assert sweep.unfinished(folder, jobs=jobs) == {"failed": 1, "busy": 1, "lost": 1, "not run": 1}


def test_a_sweep_that_did_not_complete_ends_with_exit_code_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(atexit, "register", lambda f: None)
    monkeypatch.setattr(atexit, "unregister", lambda f: None)
    config = sweep_config(["seed=0,1,2"])
    config.hydra.sweep = {"dir": str(tmp_path)}
    callback = SweepSummary(progress_interval=None)
    callback.on_multirun_start(config)
    record(tmp_path / "outcomes", 0, outcome("complete", 0))
    record(tmp_path / "outcomes", 1, outcome("failed", 1, error="RuntimeError: boom"))
    record(tmp_path / "outcomes", 2, outcome("failed", 2, error="RuntimeError: boom"))
    with pytest.raises(SystemExit) as exit_:
        callback.on_multirun_end(config)
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("sweep finished: 3 experiments: 1 complete")
    assert captured.err.splitlines()[-1] == (
        "tunelab-run: 2 of 3 experiments did not complete (2 failed); exit code 1"
    )
