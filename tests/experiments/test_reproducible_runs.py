"""`tunelab-run` with default settings: the same experiment gives the same results on
any machine and under any load (decision time is recorded, not charged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pandas as pd
import pytest
from omegaconf import DictConfig, OmegaConf

import tunelab.experiments.conf as shipped_conf
from tunelab.core.results.store import REAL_TIME_COLUMNS
from tunelab.experiments.benchmarks import build_benchmark

SHIPPED = Path(shipped_conf.__file__).parent / "benchmark"
REPOSITORY = Path(__file__).resolve().parents[2] / "conf" / "benchmark"
METHODS = ("bohb", "bayesian_optimization", "mobster")


def _preset(path: Path) -> DictConfig:
    node = OmegaConf.load(path)
    assert isinstance(node, DictConfig), path
    return node


def test_shipped_simulated_benchmarks_do_not_charge_decision_time() -> None:
    presets = sorted(SHIPPED.glob("*.yaml"))
    assert presets
    for preset in presets:
        node = _preset(preset)
        if node.get("type") == "simulated":
            assert node.get("charge_decision_time") is False, preset.name
    for preset in sorted(REPOSITORY.glob("*.yaml")):
        node = _preset(preset)
        assert node.get("charge_decision_time", False) is False, preset.name


def test_a_benchmark_that_does_not_say_is_not_charged() -> None:
    benchmark = OmegaConf.create(
        {"name": "b", "type": "simulated", "blackbox": "branin", "max_resource_attr": "epochs"}
    )
    backend = build_benchmark(benchmark, seed=0).backend
    assert backend.describe()["charge_decision_time"] is False


def _sweep(root: Path, *extra: str) -> dict[str, Path]:
    """Run the three methods with `tunelab-run -m`; return each method's folder."""
    command = [
        sys.executable,
        "-m",
        "tunelab.experiments",
        "-m",
        f"method={','.join(METHODS)}",
        "benchmark=sklearn-digits-mlp",
        "seed=0",
        f"results_root={root}",
        # virtual seconds: enough for BO to reach its GP, MOBSTER to run ~60 trials
        "max_wallclock_time=0.5",
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("TUNELAB_CONF", "TUNELAB_RESULTS_ROOT")}
    process = subprocess.run(
        command, cwd=root.parent, env=env, capture_output=True, text=True, timeout=400, check=False
    )
    assert process.returncode == 0, process.stdout + process.stderr
    folders = {f.parent.parent.name: f.parent for f in root.glob("*/*/*/0/metadata.json")}
    assert set(folders) == set(METHODS), process.stdout + process.stderr
    return folders


def _table(folder: Path) -> pd.DataFrame:
    frame = pd.read_parquet(folder / "results.parquet")
    return cast(
        pd.DataFrame, frame.drop(columns=[c for c in REAL_TIME_COLUMNS if c in frame.columns])
    )


def _busy_loops(n: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_default_runs_are_identical_whatever_the_load(tmp_path: Path) -> None:
    quiet = _sweep(tmp_path / "quiet")
    loops = _busy_loops(2)
    try:
        loaded = _sweep(tmp_path / "loaded")
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    for method in METHODS:
        a, b = _table(quiet[method]), _table(loaded[method])
        assert len(a) > 100, method
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=method)
        for folder in (quiet[method], loaded[method]):
            metadata = json.loads((folder / "metadata.json").read_text())
            assert metadata["backend_settings"]["charge_decision_time"] is False
            decisions = pd.read_parquet(folder / "results.parquet")["decision_time"]
            assert (decisions >= 0).all()
            assert decisions.sum() <= metadata["decision_seconds"]
