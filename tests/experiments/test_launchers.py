"""`tunelab-run -m` end to end with Hydra's joblib and submitit (local) launchers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# A scheduler factory whose job fails (an exception) or dies hard (SIGKILL) on purpose.
TROUBLE_MODULE = """
import os
import signal
import time

from tunelab.core.methods import random_search


def scheduler(*, config_space, metric, mode, seed, repetition, fail_on, die_on):
    if repetition == fail_on:
        raise RuntimeError("planned failure")
    if repetition == die_on:
        time.sleep(2)  # the other jobs write their outcomes first
        os.kill(os.getpid(), signal.SIGKILL)
    return random_search(config_space, metric=metric, mode=mode, seed=seed)
"""

TROUBLE_PRESET = """
name: trouble
scheduler:
  _target_: tl_trouble_scheduler.scheduler
  repetition: ${seed}
  fail_on: 0
  die_on: 2
"""


def tunelab_run(
    tmp_path: Path, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TUNELAB_RESULTS_ROOT": str(tmp_path / "results"), **(env or {})}
    if "TUNELAB_CONF" not in (env or {}):
        environment.pop("TUNELAB_CONF", None)
    return subprocess.run(
        [sys.executable, "-m", "tunelab.experiments", "-m", *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=240,
    )


def statuses(tmp_path: Path) -> dict[str, str]:
    return {
        str(path.parent.relative_to(tmp_path / "results")): json.loads(path.read_text())["status"]
        for path in (tmp_path / "results").glob("*/*/*/*/metadata.json")
    }


def test_joblib_runs_the_sweep_in_parallel_with_progress_and_skips_on_rerun(
    tmp_path: Path,
) -> None:
    sweep = [
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "method=random_search,grid_search",
        "benchmark=branin",
        "max_wallclock_time=60",
        "seed=0,1",
    ]
    run = tunelab_run(tmp_path, *sweep)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Joblib.Parallel(n_jobs=2" in run.stdout + run.stderr
    progress = [line for line in run.stderr.splitlines() if line.startswith("sweep: ")]
    assert progress[-1] == (
        "sweep: 4 done (4 complete, 0 skipped, 0 failed), 0 running, 0 remaining of 4"
    )
    assert "sweep finished: 4 experiments: 4 complete, 0 skipped" in run.stdout
    assert statuses(tmp_path) == {
        f"default/branin/{method}/{seed}": "complete"
        for method in ("random_search", "grid_search")
        for seed in (0, 1)
    }

    again = tunelab_run(tmp_path, *sweep)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "sweep finished: 4 experiments: 0 complete, 4 skipped" in again.stdout


def test_a_failing_and_a_dying_job_are_reported_with_their_rerun_commands(
    tmp_path: Path,
) -> None:
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "tl_trouble_scheduler.py").write_text(TROUBLE_MODULE)
    (tmp_path / "conf" / "method").mkdir(parents=True)
    (tmp_path / "conf" / "method" / "trouble.yaml").write_text(TROUBLE_PRESET)
    run = tunelab_run(
        tmp_path,
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "method=trouble",
        "benchmark=branin",
        "max_wallclock_time=60",
        "seed=range(5)",
        env={"PYTHONPATH": str(tmp_path / "py"), "TUNELAB_CONF": str(tmp_path / "conf")},
    )
    # joblib gives up on the whole sweep once a worker process dies
    assert run.returncode == 1
    assert "TerminatedWorkerError" in run.stderr
    lines = run.stdout.splitlines()
    summary = lines[next(i for i, line in enumerate(lines) if line.startswith("sweep aborted"))]
    assert summary.startswith("sweep aborted: 5 experiments: ")
    assert "1 failed" in summary
    assert "lost" in summary
    assert any("failed: " in line and "planned failure" in line for line in lines)
    assert any(line.startswith("  lost: job 2 (method=trouble") for line in lines)
    args = "method=trouble benchmark=branin max_wallclock_time=60"
    assert f"  tunelab-run {args} seed=0" in lines
    assert f"  tunelab-run {args} seed=2" in lines
    assert lines[-1] == (
        f"  tunelab-run -m hydra/launcher=joblib hydra.launcher.n_jobs=2 {args} 'seed=range(5)'"
    )
    assert statuses(tmp_path)["default/branin/trouble/0"] == "failed"


def test_submitit_local_runs_a_two_job_sweep(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    run = tunelab_run(
        tmp_path,
        "hydra/launcher=submitit_local",
        "benchmark=branin",
        "max_wallclock_time=60",
        "seed=0,1",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "sweep finished: 2 experiments: 2 complete" in run.stdout
    assert statuses(tmp_path) == {
        "default/branin/random_search/0": "complete",
        "default/branin/random_search/1": "complete",
    }
