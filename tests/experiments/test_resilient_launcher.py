"""`hydra/launcher=tunelab_joblib`: a job whose process dies does not stop the sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# A scheduler factory whose job's process dies hard (as when killed) for seed 1, while
# the job of seed 0 runs beside it: joblib stops that one with the broken pool.
DYING_MODULE = """
import os
import time

from tunelab.core.methods import random_search


def scheduler(*, config_space, metric, mode, seed, repetition, die_on):
    if repetition == die_on:
        os._exit(137)
    time.sleep(2)
    return random_search(config_space, metric=metric, mode=mode, seed=seed)
"""

DYING_PRESET = """
name: dying
scheduler:
  _target_: tl_dying_scheduler.scheduler
  repetition: ${seed}
  die_on: 1
"""


def test_a_dying_job_is_lost_and_every_other_job_completes(tmp_path: Path) -> None:
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "tl_dying_scheduler.py").write_text(DYING_MODULE)
    (tmp_path / "conf" / "method").mkdir(parents=True)
    (tmp_path / "conf" / "method" / "dying.yaml").write_text(DYING_PRESET)
    environment = {
        **os.environ,
        "TUNELAB_RESULTS_ROOT": str(tmp_path / "results"),
        "PYTHONPATH": str(tmp_path / "py"),
    }
    environment.pop("TUNELAB_CONF", None)  # ./conf, in the working directory, is used
    args = "method=dying benchmark=branin max_wallclock_time=60"
    sweep = ["hydra/launcher=tunelab_joblib", "hydra.launcher.n_jobs=2", *args.split()]
    run = subprocess.run(
        [sys.executable, "-m", "tunelab.experiments", "-m", *sweep, "seed=range(4)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=240,
    )

    assert run.returncode == 1, run.stderr[-3000:]  # an experiment did not complete
    assert "tunelab-run: 1 of 4 experiments did not complete (1 lost); exit code 1" in run.stderr
    lines = run.stdout.splitlines()
    broken = [line for line in lines if "a worker process died (TerminatedWorkerError)" in line]
    # seed 1 dies twice: beside seed 0 (which the pool's end takes along), then alone
    assert len(broken) == 2
    assert "4 of 4 jobs have ended; 0 not started yet" in broken[1]
    assert (
        "sweep finished: 4 experiments: 3 complete, 0 skipped (already complete), 0 failed, 1 lost"
    ) in lines
    assert any(line.startswith(f"  lost: job 1 ({args} seed=1) left no outcome") for line in lines)
    assert f"  tunelab-run {args} seed=1" in lines
    statuses = {
        path.parent.name: json.loads(path.read_text())["status"]
        for path in (tmp_path / "results" / "default" / "branin" / "dying").glob("*/metadata.json")
    }
    assert statuses == {"0": "complete", "2": "complete", "3": "complete"}
