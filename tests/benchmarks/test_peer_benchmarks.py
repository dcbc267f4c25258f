"""The issue-16 benchmark scripts, tunelab's side at tiny sizes and without peers.

Nothing here is timed: the tests keep the scripts, their shared workloads and the
peer machinery runnable, so that the figures can be measured again at any time.
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


workloads = load_module(BENCHMARKS / "peers" / "workloads.py")
peers = load_module(BENCHMARKS / "_peers.py")


def run_script(*args: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=BENCHMARKS.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TUNELAB_PEERS": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- the shared workloads ---------------------------------------------------------------


def test_the_grid_table_is_the_full_grid_with_cumulative_times() -> None:
    table = workloads.grid_table()
    assert table.objectives.shape == (1000, 1, 100, 2)
    assert len(set(table.rows)) == 1000
    assert table.objectives_names == ["error", "elapsed_time"]
    elapsed = table.objectives[:, 0, :, 1]
    assert (np.diff(elapsed, axis=1) > 0).all()
    # random search must be able to use up the grid within the 8 simulated hours
    assert elapsed[:, -1].sum() / workloads.GRID_WORKERS < workloads.GRID_HOURS * 3600
    assert table.digest == workloads.grid_table().digest


def test_hartmann6_curves_end_at_hartmann6() -> None:
    minimiser = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
    optimum = {f"x{i}": x for i, x in enumerate(minimiser)}
    curve = workloads.hartmann6_curve(optimum)
    assert len(curve) == 27
    assert curve[-1] == pytest.approx(-3.32237, abs=1e-4)
    assert all(a > b for a, b in itertools.pairwise(curve))


class PauseAtThree:
    """Starts 6 trials, pauses each at epoch 3, then resumes them in order."""

    def __init__(self) -> None:
        self.paused: list[int] = []
        self.calls: list[tuple[Any, ...]] = []
        self.started = 0

    def suggest(self, trial_id: int) -> Any:
        if self.started < 6:
            self.started += 1
            return workloads.Start(config={f"x{i}": 0.5 for i in range(6)})
        if self.paused:
            return workloads.Start(resume=self.paused.pop(0))
        return None

    def add(self, trial_id: int, config: dict[str, Any]) -> None:
        self.calls.append(("add", trial_id))

    def result(self, trial_id: int, epoch: int, value: float) -> str:
        self.calls.append(("result", trial_id, epoch))
        if epoch == 3:
            self.paused.append(trial_id)
            return "pause"
        return "continue"

    def complete(self, trial_id: int, epoch: int, value: float) -> None:
        self.calls.append(("complete", trial_id, epoch))

    def remove(self, trial_id: int) -> None:
        self.calls.append(("remove", trial_id))


def test_the_driver_feeds_epochs_in_order_and_resumes_paused_trials() -> None:
    scheduler = PauseAtThree()
    timings = workloads.drive_epochs(scheduler, until_results=10_000)
    epochs: dict[int, list[int]] = {}
    for call in scheduler.calls:
        if call[0] == "result":
            epochs.setdefault(call[1], []).append(call[2])
    assert sorted(epochs) == list(range(6))
    assert all(seen == list(range(1, 28)) for seen in epochs.values())
    assert sorted(c[1] for c in scheduler.calls if c[0] == "complete") == list(range(6))
    assert sum(t.new for t in timings) == 6
    assert timings[0].results == 0
    # 4 workers: the first results come from trials 0..3, one epoch each in turn
    assert [c[1] for c in scheduler.calls if c[0] == "result"][:4] == [0, 1, 2, 3]


def test_the_driver_stops_at_the_result_cap() -> None:
    scheduler = PauseAtThree()
    workloads.drive_epochs(scheduler, until_results=7)
    assert sum(c[0] == "result" for c in scheduler.calls) == 7


def test_window_figures_count_calls_by_results_observed() -> None:
    timing = workloads.SuggestTiming
    timings = [
        timing(99, 1.0, True),
        timing(100, 0.002, True),
        timing(150, 0.004, False),
        timing(200, 1.0, True),
    ]
    figures = workloads.window_figures(timings, 100)
    assert figures["count"] == 2
    assert figures["median_ms"] == pytest.approx(3.0)
    assert figures["new_count"] == 1
    assert figures["new_mean_ms"] == pytest.approx(2.0)
    assert np.isnan(workloads.window_figures(timings, 1000)["mean_ms"])


# -- the peer machinery, no peer installed ---------------------------------------------


def test_a_peer_not_installed_is_none_and_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_PEERS", str(tmp_path))
    assert peers.peer_python("syne-tune-0.16.0") is None
    # a half-made environment (no marker of a finished install) does not count
    (tmp_path / "syne-tune-0.16.0" / "bin").mkdir(parents=True)
    (tmp_path / "syne-tune-0.16.0" / "bin" / "python").touch()
    assert peers.peer_python("syne-tune-0.16.0") is None
    with pytest.raises(RuntimeError, match="not installed"):
        peers.run_peer("syne-tune-0.16.0", "syne_tune_simulator.py", [])
    with pytest.raises(ValueError, match="unknown peer"):
        peers.peer_python("optuna")


def test_run_peer_returns_the_last_json_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "syne-tune-0.16.0"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    (folder / peers.MARKER).write_text("{}")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "echo.py").write_text(
        "import json, sys\nprint('chatter')\nprint(json.dumps({'args': sys.argv[1:]}))\n"
    )
    monkeypatch.setenv("TUNELAB_PEERS", str(tmp_path))
    monkeypatch.setattr(peers, "SCRIPTS", scripts)
    assert peers.run_peer("syne-tune-0.16.0", "echo.py", ["--x", "1"]) == {"args": ["--x", "1"]}


# -- tunelab's side of the two benchmarks -----------------------------------------------


def test_simulator_speed_grid_runs_without_peer(tmp_path: Path) -> None:
    args = ["--workload", "grid", "--sizes", "200", "--no-peer"]
    out = run_script("benchmarks/simulator_speed.py", *args, tmp_path=tmp_path)
    lines = [line for line in out.splitlines() if " tunelab " in line]
    assert [line.split()[0] for line in lines] == ["random", "ASHA"]
    assert all("200 results" in line and "stop: results" in line for line in lines)


def test_gp_overhead_per_epoch_runs_without_peer(tmp_path: Path) -> None:
    args = ["--workload", "epochs", "--window", "0", "--no-peer"]
    out = run_script("benchmarks/gp_overhead.py", *args, tmp_path=tmp_path)
    lines = [line for line in out.splitlines() if " tunelab " in line]
    assert [line.split()[0] for line in lines] == ["mobster", "hyper_tune"]
    assert all("calls" in line and "nan" not in line for line in lines)


def test_peers_list_says_what_is_missing(tmp_path: Path) -> None:
    out = run_script("benchmarks/_peers.py", "--list", tmp_path=tmp_path)
    assert "syne-tune-0.16.0" in out and "not installed" in out
