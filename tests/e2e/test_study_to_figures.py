"""A sweep with `tunelab-run`, then `tunelab-plot` on its results folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tunelab.plotting import curves_frame, load_study


@pytest.mark.slow
def test_sweep_results_become_figures_and_tables(tmp_path: Path) -> None:
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(tmp_path / "results")}
    env.pop("TUNELAB_CONF", None)
    sweep = subprocess.run(
        [
            sys.executable, "-m", "tunelab.experiments", "-m", "study=unit",
            "method=random_search,grid_search", "benchmark=branin,sklearn-digits-mlp",
            "seed=range(3)", "max_wallclock_time=300",
        ],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr[-2000:]
    root = tmp_path / "results" / "unit"
    out = tmp_path / "figures"
    plot = subprocess.run(
        [sys.executable, "-m", "tunelab.plotting.cli", str(root), "--out", str(out),
         "--resamples", "200", "--quiet", "--formats", "png"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert plot.returncode == 0, plot.stderr[-2000:]
    assert "12 experiments, 2 benchmarks, 2 methods" in plot.stdout
    for name in ("curves", "curves_branin", "aggregate", "ranks"):
        assert (out / f"{name}.png").stat().st_size > 0
    # two benchmarks are too few for the Friedman / Nemenyi test: no CD diagram, a note
    assert not (out / "critical_difference.png").exists()
    assert "critical-difference" in (out / "notes.md").read_text().lower()
    table = (out / "final.md").read_text()
    assert "| grid_search |" in table and "| random_search |" in table

    # regret on branin is measured from its known optimum, recorded by the sweep
    study = load_study(str(root))
    curves = curves_frame(study)
    branin = curves[curves["benchmark"] == "branin"].dropna()
    worst = max(  # no worst value is known: the worst any run reported
        frame["y"].max()
        for experiment, frame in study.results.items()
        if experiment.startswith("branin/")
    )
    expected = (branin["value"] - 0.397887) / (worst - 0.397887)
    assert np.allclose(branin["regret"], expected, rtol=1e-5)
    assert branin["regret"].min() > 0.0  # nothing reached the optimum exactly
