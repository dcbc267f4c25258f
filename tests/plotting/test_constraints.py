"""Infeasible results never count as a best: frames, tables, hypervolume, learning curves.

The fake study's infeasible results (constraint `c` > 0) are the best ones by far, so
any path that let one through would show it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tunelab.plotting import stats
from tunelab.plotting.constraints import constraint_metric, cost_spent, feasible_mask
from tunelab.plotting.figures import LearningCurvePanel, learning_curve_grid, learning_curves
from tunelab.plotting.frames import curves_frame, hypervolume_frame
from tunelab.plotting.fronts import pareto_fronts
from tunelab.plotting.loading import load_study
from tunelab.plotting.tables import final_table

from .conftest import write_experiment

INFEASIBLE_ERROR = 0.01
"""val_error of every infeasible result: better than any feasible one."""


def constrained_results(seed: int) -> pd.DataFrame:
    """Trials 0-5, two epochs each; odd trials are infeasible and the best."""
    rng = np.random.default_rng(seed)
    rows = []
    time = 0.0
    for trial in range(6):
        infeasible = trial % 2 == 1
        for epoch in (1, 2):
            time += 1.0
            rows.append(
                {
                    "trial_id": trial,
                    "tuner_time": time,
                    "epoch": epoch,
                    "val_error": INFEASIBLE_ERROR if infeasible else 0.5 + rng.uniform(0, 0.3),
                    "latency": 1.0 + rng.uniform(0, 1) if not infeasible else 0.1,
                    "c": 1.0 if infeasible else -1.0,
                }
            )
    results: pd.DataFrame = pd.DataFrame(rows)
    return results


@pytest.fixture
def constrained_study(tmp_path: Path) -> Path:
    for method in ("a", "b"):
        for seed in (0, 1, 2):
            write_experiment(
                tmp_path,
                benchmark="bench",
                method=method,
                seed=seed,
                results=constrained_results(seed),
                constraint="c",
                budget={"max_wallclock_time": 12.0},
            )
            write_experiment(
                tmp_path,
                benchmark="mo",
                method=method,
                seed=seed,
                results=constrained_results(seed),
                constraint="c",
                metric=["val_error", "latency"],
                mode=["min", "min"],
                budget={"max_wallclock_time": 12.0},
            )
    return tmp_path


def test_feasible_mask_and_constraint_metric() -> None:
    results = pd.DataFrame({"c": [-1.0, 0.0, 0.5, np.nan, None]})
    assert feasible_mask(results, "c").tolist() == [True, True, False, False, False]
    assert feasible_mask(results, None).all()
    assert not feasible_mask(results, "absent").any()
    assert constraint_metric({"constraint": "c"}) == "c"
    assert constraint_metric({}) is None
    with pytest.raises(ValueError, match=r"'constraint' must be .* got 3"):
        constraint_metric({"constraint": 3}, experiment="x")


def test_curves_and_final_table_count_feasible_results_only(constrained_study: Path) -> None:
    study = load_study(str(constrained_study))
    curves = curves_frame(study.select(study.runs["benchmark"] == "bench"), n_points=12)
    assert curves["value"].min() > 0.5  # never the infeasible 0.01
    assert curves["regret"].min() >= 0.0  # the study's best is a feasible value
    results = study.results["bench/a/0"]
    feasible = results[results["c"] <= 0]
    last = curves[(curves["method"] == "a") & (curves["seed"] == 0)].iloc[-1]
    assert last["value"] == feasible["val_error"].min()
    table = final_table(curves, n_resamples=50)
    assert (table.loc[table["benchmark"] == "bench", "estimate"] > 0.5).all()


def test_plotting_the_constraint_itself_keeps_every_value(constrained_study: Path) -> None:
    study = load_study(str(constrained_study))
    curves = curves_frame(study.select(study.runs["benchmark"] == "bench"), metric="c")
    assert curves["value"].min() == -1.0


def test_hypervolume_and_fronts_ignore_infeasible_results(constrained_study: Path) -> None:
    study = load_study(str(constrained_study))
    for experiment, meta in study.metadata.items():
        if experiment.startswith("mo/"):  # known ideal and reference point: 0 and 2
            meta["reference"] = {"val_error": {"min": 0.0}, "latency": {"min": 0.0}}
            meta["hypervolume_reference"] = {"val_error": 2.0, "latency": 2.0}
    fronts = pareto_fronts(study)["mo"]
    assert (fronts.all_points()[:, 0] > 0.5).all()
    hypervolume = hypervolume_frame(study, n_points=12)
    for (method, seed), curve in hypervolume.groupby(["method", "seed"]):
        assert isinstance(seed, (int, np.integer))
        results = study.results[f"mo/{method}/{seed}"]
        feasible = results.loc[results["c"] <= 0, ["val_error", "latency"]].to_numpy()
        expected = stats.hypervolume(feasible / 2.0, np.ones(2), modes=["min", "min"])
        assert curve["value"].iloc[-1] == pytest.approx(expected)
        assert np.array_equal(
            fronts.runs[str(method)][int(seed)],
            feasible[stats.pareto_mask(feasible, modes=["min", "min"])],
        )


def test_learning_curves_best_trial_is_feasible() -> None:
    results = constrained_results(0)
    ax = learning_curves(
        results, metric="val_error", mode="min", resource_attr="epoch", constraint="c"
    )
    best = [line.get_gid() for line in ax.lines if str(line.get_gid()).startswith("trial-")]
    feasible = results[results["c"] <= 0]
    expected = feasible.loc[feasible["val_error"].idxmin(), "trial_id"]
    assert best == [f"trial-{expected}"]
    plt.close("all")


def test_learning_curves_without_a_feasible_result_mark_no_best() -> None:
    results = constrained_results(0).assign(c=1.0)
    ax = learning_curves(
        results, metric="val_error", mode="min", resource_attr="epoch", constraint="c"
    )
    assert not [line for line in ax.lines if str(line.get_gid()).startswith("trial-")]
    fig = learning_curve_grid(
        [LearningCurvePanel("a, seed 0", results, constraint="c")],
        metric="val_error",
        mode="min",
        resource_attr="epoch",
    )
    titles = [t.get_text() for t in fig.axes[0].texts]
    assert "a, seed 0, no feasible result" in titles
    plt.close("all")


def test_learning_curve_grid_titles_name_the_best_feasible_trial() -> None:
    results = constrained_results(1)
    fig = learning_curve_grid(
        [LearningCurvePanel("a, seed 1", results, constraint="c")],
        metric="val_error",
        mode="min",
        resource_attr="epoch",
    )
    feasible = results[results["c"] <= 0]
    expected = feasible.loc[feasible["val_error"].idxmin(), "trial_id"]
    assert f"a, seed 1, best trial {expected}" in [t.get_text() for t in fig.axes[0].texts]
    plt.close("all")


def test_cost_spent_adds_each_trials_increase() -> None:
    results = pd.DataFrame(
        {
            "trial_id": [0, 1, 0, 1, 0],
            "tuner_time": [1.0, 2.0, 3.0, 4.0, 5.0],
            "worker_cost": [2.0, 1.0, 5.0, 4.0, 1.0],  # trial 0 restarts at the end
        }
    )
    assert cost_spent(results, "worker_cost").tolist() == [2.0, 3.0, 6.0, 9.0, 10.0]
    shuffled = results.iloc[[4, 2, 0, 3, 1]].reset_index(drop=True)
    assert cost_spent(shuffled, "worker_cost").tolist() == [10.0, 6.0, 2.0, 9.0, 3.0]


def test_a_seed_without_a_feasible_result_is_named_in_the_notes(tmp_path: Path) -> None:
    from tunelab.plotting.report import report_notes

    for seed in (0, 1, 2):
        results = constrained_results(seed)
        if seed == 1:
            results["c"] = 1.0  # nothing feasible: its best is undefined, not missing
        write_experiment(
            tmp_path,
            benchmark="bench",
            method="a",
            seed=seed,
            results=results,
            constraint="c",
            budget={"max_wallclock_time": 12.0},
        )
    study = load_study(tmp_path)
    notes = report_notes(study, curves_frame(study))
    assert any(n.startswith("a on bench: 1 of 3 seeds ended without a result") for n in notes)
