"""Curves against cost end at the cost budget, and the report says what `--at` is of."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunelab.plotting.cli import main
from tunelab.plotting.frames import curves_frame
from tunelab.plotting.loading import load_study
from tunelab.plotting.options import COST_BUDGET, COST_BUDGET_OR_MOST
from tunelab.plotting.report import report_notes

from .conftest import write_experiment

MAX_COST = 10.0


def cost_results(seed: int) -> pd.DataFrame:
    """Six one-result trials costing 2.5 each: the fifth crosses the budget of 10 (the
    trial running when it ran out), the sixth is past it; it is the best of all."""
    results: pd.DataFrame = pd.DataFrame(
        {
            "trial_id": np.arange(6),
            "tuner_time": np.arange(1.0, 7.0),
            "epoch": np.ones(6),
            "val_error": [0.9, 0.8, 0.7, 0.6 - 0.01 * seed, 0.2, 0.1],
            "worker_cost": np.full(6, 2.5),
        }
    )
    return results


@pytest.fixture
def cost_study(tmp_path: Path) -> Path:
    for method in ("a", "b"):
        for seed in range(3):
            write_experiment(
                tmp_path,
                benchmark="bench",
                method=method,
                seed=seed,
                results=cost_results(seed),
                budget={"max_wallclock_time": 100.0, "max_cost": MAX_COST},
            )
    return tmp_path


def test_the_cost_grid_ends_at_max_cost_and_leaves_out_results_past_it(
    cost_study: Path,
) -> None:
    curves = curves_frame(load_study(cost_study), x="cost", n_points=20)
    assert curves["x"].max() == MAX_COST  # not the 15 the last result reached
    last = curves[curves["step"] == curves["step"].max()]
    assert (last["fraction"] == 1.0).all()
    # 10 is spent at the fourth result; the fifth and sixth come after the budget
    assert last["value"].to_numpy() == pytest.approx([0.6, 0.59, 0.58] * 2)
    assert curves.attrs["budget"] == COST_BUDGET


def test_the_time_grid_ends_at_max_wallclock_time(cost_study: Path) -> None:
    study = load_study(cost_study)
    curves = curves_frame(study, x="time", n_points=20)
    assert curves["x"].max() == 100.0  # after the last result, at the budget
    for results in study.results.values():
        results["tuner_time"] *= 30.0  # results past the time budget are left out too
    late = curves_frame(study, x="time", n_points=20)
    assert late["x"].max() == 100.0
    assert late[late["x"] == 100.0]["value"].max() == 0.7  # 30, 60 and 90 s: three results
    assert "budget" not in late.attrs


def test_without_max_cost_the_grid_ends_at_the_most_cost_spent(tmp_path: Path) -> None:
    for seed in range(2):
        write_experiment(
            tmp_path,
            benchmark="bench",
            method="a",
            seed=seed,
            results=cost_results(seed),
            budget={"max_wallclock_time": 100.0},
        )
    curves = curves_frame(load_study(tmp_path), x="cost", n_points=20)
    assert curves["x"].max() == 15.0
    assert curves.attrs["budget"] == COST_BUDGET_OR_MOST


def test_the_report_says_the_fractions_are_of_max_cost(cost_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "figures"
    args = [str(cost_study), "--out", str(out), "--quiet", "--processes", "1", "--x", "cost"]
    assert main([*args, "--formats", "png", "--learning-curves", "none", "--at", "0.5"]) == 0
    caption = (out / "final_at_50.tex").read_text()
    assert r"at 50\% of the cost budget (max\_cost), with 95\%" in caption
    notes = (out / "notes.md").read_text()
    assert "end at the cost budget (max_cost)" in notes and "--at" in notes
    at_half = (out / "final_at_50.csv").read_text()
    assert "0.800" in at_half  # 5 of 10 spent: the second result is the best yet


def test_the_time_axis_keeps_its_wording(cost_study: Path, tmp_path: Path) -> None:
    study = load_study(cost_study)
    curves = curves_frame(study, x="time", n_points=20)
    assert not any("cost" in note for note in report_notes(study, curves))
    out = tmp_path / "figures"
    args = [str(cost_study), "--out", str(out), "--quiet", "--processes", "1"]
    assert main([*args, "--formats", "png", "--learning-curves", "none"]) == 0
    assert r"at 100\% of the budget, with" in (out / "final.tex").read_text()
