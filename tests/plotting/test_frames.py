from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunelab.plotting.frames import HV_REFERENCE, curves_frame, hypervolume_frame
from tunelab.plotting.loading import load_study
from tunelab.plotting.run_settings import MixedSettingsError
from tunelab.plotting.selection import group_methods

from .conftest import write_experiment

COLUMNS = ["benchmark", "method", "seed", "step", "x", "fraction", "value", "regret"]


def test_schema_and_grid(study_dir: Path) -> None:
    curves = curves_frame(load_study(str(study_dir)), n_points=50)
    assert set(COLUMNS) <= set(curves.columns)
    assert len(curves) == 24 * 50
    assert curves.attrs["x_label"] == "wallclock time (s)"
    one = curves[(curves["benchmark"] == "bench-a") & (curves["method"] == "asha")]
    assert one.groupby("seed")["x"].max().eq(100.0).all()  # the budget ends the grid
    assert np.allclose(one["fraction"], one["x"] / 100.0)
    assert set(curves["metric"]) == {"val_error"} and set(curves["mode"]) == {"min"}


def test_values_are_the_best_so_far_at_each_grid_point(study_dir: Path) -> None:
    study = load_study(str(study_dir))
    curves = curves_frame(study, n_points=40)
    results = study.results["bench-b/bohb/2"]
    curve = curves[(curves["benchmark"] == "bench-b") & (curves["method"] == "bohb")]
    curve = curve[curve["seed"] == 2]
    for x, value in zip(curve["x"], curve["value"], strict=True):
        seen = results.loc[results["tuner_time"] <= x, "val_error"]
        assert (np.isnan(value) and seen.empty) or value == seen.min()


def test_regret_uses_recorded_references_else_the_study_extremes(tmp_path: Path) -> None:
    results = pd.DataFrame({"trial_id": [0, 1], "tuner_time": [1.0, 2.0], "val_error": [0.5, 0.3]})
    write_experiment(
        tmp_path,
        benchmark="b",
        method="m",
        seed=0,
        results=results,
        reference={"val_error": {"min": 0.1, "max": 0.9}},
    )
    curves = curves_frame(load_study(str(tmp_path)), n_points=10)
    last = curves.iloc[-1]
    assert last["value"] == 0.3 and last["regret"] == pytest.approx((0.3 - 0.1) / 0.8)
    meta = tmp_path / "b" / "m" / "0" / "metadata.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "reference": {}}))
    curves = curves_frame(load_study(str(tmp_path)), n_points=10)
    assert curves.iloc[-1]["regret"] == pytest.approx(0.0)  # best seen = 0.3, worst = 0.5


def test_maximised_metrics(tmp_path: Path) -> None:
    results = pd.DataFrame(
        {"trial_id": [0, 1, 2], "tuner_time": [1.0, 2.0, 3.0], "accuracy": [0.5, 0.9, 0.7]}
    )
    write_experiment(
        tmp_path,
        benchmark="b",
        method="m",
        seed=0,
        results=results,
        metric=["accuracy"],
        mode=["max"],
        budget={},
    )
    curves = curves_frame(load_study(str(tmp_path)), n_points=3)
    assert list(curves["value"]) == [0.5, 0.9, 0.9]
    assert list(curves["regret"]) == pytest.approx([1.0, 0.0, 0.0])


def test_x_as_results_and_resource(tmp_path: Path) -> None:
    results = pd.DataFrame(
        {
            "trial_id": [0, 1, 0, 1, 0],
            "tuner_time": [1.0, 2.0, 3.0, 4.0, 5.0],
            "epoch": [1, 1, 2, 2, 3],
            "val_error": [0.9, 0.8, 0.7, 0.6, 0.1],
        }
    )
    write_experiment(tmp_path, benchmark="b", method="m", seed=0, results=results)
    study = load_study(str(tmp_path))
    by_results = curves_frame(study, x="results", n_points=5)
    assert list(by_results["x"]) == [1, 2, 3, 4, 5]
    assert list(by_results["value"]) == [0.9, 0.8, 0.7, 0.6, 0.1]
    by_resource = curves_frame(study, x="resource", n_points=5)  # one epoch per result
    assert list(by_resource["value"]) == [0.9, 0.8, 0.7, 0.6, 0.1]
    assert by_resource.attrs["x_label"] == "resource spent"
    with pytest.raises(ValueError, match="x must be one of"):
        curves_frame(study, x="epochs")  # type: ignore[arg-type]


def test_log_grid_starts_at_the_first_result(study_dir: Path) -> None:
    study = load_study(str(study_dir))
    curves = curves_frame(study, n_points=20, log_x=True)
    grid = curves[curves["benchmark"] == "bench-a"].groupby("step")["x"].first().to_numpy()
    first = min(r["tuner_time"].min() for r in study.results.values())
    assert grid[0] >= first * (1 - 1e-9) and np.allclose(
        np.diff(np.log(grid)), np.log(grid[1] / grid[0])
    )


def test_mixed_metrics_on_a_benchmark_are_refused(tmp_path: Path) -> None:
    results = pd.DataFrame({"trial_id": [0], "tuner_time": [1.0], "a": [1.0], "b": [2.0]})
    write_experiment(tmp_path, benchmark="x", method="m1", seed=0, results=results, metric=["a"])
    write_experiment(tmp_path, benchmark="x", method="m2", seed=0, results=results, metric=["b"])
    study = load_study(str(tmp_path))
    with pytest.raises(
        MixedSettingsError, match=r'x: metric: \["a"\] in m1 seed 0 .*; \["b"\] in m2'
    ):
        curves_frame(study, metric="b")  # they optimised different objectives
    grouped = group_methods(study, ["metric"])  # the labels say which
    with pytest.raises(ValueError, match="different metrics"):
        curves_frame(grouped)
    assert set(curves_frame(grouped, metric="b", n_points=2)["value"]) == {2.0}


def test_hypervolume_frame(tmp_path: Path) -> None:
    results = pd.DataFrame(
        {
            "trial_id": [0, 1, 2],
            "tuner_time": [1.0, 2.0, 3.0],
            "error": [0.0, 1.0, 0.5],
            "cost": [1.0, 0.0, 0.5],
        }
    )
    write_experiment(
        tmp_path,
        benchmark="mo",
        method="m",
        seed=0,
        results=results,
        metric=["error", "cost"],
        mode=["min", "min"],
        budget={},
    )
    frame = hypervolume_frame(load_study(str(tmp_path)), n_points=3)
    r = HV_REFERENCE
    # objectives normalised to [0, 1]; reference point r in both
    expected = [
        (r - 0.0) * (r - 1.0),
        (r - 0.0) * (r - 1.0) + (r - 1.0) * (r - 0.0) - (r - 1.0) ** 2,
    ]
    expected.append(expected[1] + 0.5 * 0.5)
    assert list(frame["value"]) == pytest.approx(expected)
    assert set(frame["metric"]) == {"hypervolume"} and set(frame["mode"]) == {"max"}


def test_decision_seconds_accumulate_the_results_decision_time(tmp_path: Path) -> None:
    results = pd.DataFrame(
        {
            "trial_id": [0, 1, 0, 1],
            "tuner_time": [40.0, 10.0, 70.0, 30.0],  # rows are not in time order
            "val_error": [0.4, 0.5, 0.3, 0.2],
            "decision_time": [0.4, 0.1, 0.7, 0.3],
        }
    )
    write_experiment(tmp_path, benchmark="b", method="new", seed=0, results=results)
    old = results.drop(columns="decision_time")
    write_experiment(tmp_path, benchmark="b", method="old", seed=0, results=old)
    curves = curves_frame(load_study(str(tmp_path)), n_points=4)  # grid 25, 50, 75, 100
    new = curves[curves["method"] == "new"]
    assert np.allclose(new["decision_seconds"], [0.1, 0.8, 1.5, 1.5])
    assert curves.loc[curves["method"] == "old", "decision_seconds"].isna().all()
