"""Multi-objective and cost-aware reports: attainment surfaces, hypervolume tables
normalised by the recorded reference point, and curves against the cost spent."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tunelab.plotting.cli import main
from tunelab.plotting.figures import attainment_surfaces
from tunelab.plotting.frames import curves_frame, hypervolume_frame
from tunelab.plotting.fronts import Fronts, pareto_fronts
from tunelab.plotting.loading import load_study

from .conftest import write_experiment


def mo_results(seed: int, *, quality: float) -> pd.DataFrame:
    """One result per trial: error in [0, 1], cost growing as the error shrinks."""
    rng = np.random.default_rng(seed)
    error = np.clip(rng.uniform(0.2, 1.0, 20) - quality, 0.01, None)
    results: pd.DataFrame = pd.DataFrame(
        {
            "trial_id": np.arange(20),
            "tuner_time": np.arange(1.0, 21.0),
            "error": error,
            "size": 1.0 - error + rng.uniform(0, 0.1, 20),
            "worker_cost": rng.uniform(1.0, 3.0, 20),
        }
    )
    return results


@pytest.fixture
def mo_study(tmp_path: Path) -> Path:
    for method, quality in (("good", 0.15), ("rs", 0.0)):
        for seed in range(4):
            write_experiment(
                tmp_path,
                benchmark="mo",
                method=method,
                seed=seed,
                results=mo_results(seed, quality=quality),
                metric=["error", "size"],
                mode=["min", "min"],
                reference={"error": {"min": 0.0}, "size": {"min": 0.0}},
                hypervolume_reference={"error": 1.0, "size": 2.0},
                budget={"max_wallclock_time": 20.0, "max_cost": 80.0},
            )
    return tmp_path


def test_hypervolume_is_normalised_by_the_recorded_reference_point(mo_study: Path) -> None:
    study = load_study(str(mo_study))
    frame = hypervolume_frame(study, n_points=20)
    results = study.results["mo/rs/0"]
    points = results[["error", "size"]].to_numpy() / np.array([1.0, 2.0])
    inside = points[(points < 1).all(axis=1)]
    # the dominated part of the unit box, by a brute-force grid count
    xs = np.linspace(0, 1, 401)[:-1] + 1 / 800
    grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    dominated = (inside[None, :, :] <= grid[:, None, :]).all(axis=2).any(axis=1).mean()
    last = frame[(frame["method"] == "rs") & (frame["seed"] == 0)]["value"].iloc[-1]
    assert last == pytest.approx(dominated, abs=5e-3)
    assert frame["value"].between(0.0, 1.0).all()


def test_mismatched_reference_points_are_an_error(mo_study: Path) -> None:
    study = load_study(str(mo_study))
    study.metadata["mo/rs/1"]["hypervolume_reference"] = {"error": 2.0, "size": 2.0}
    with pytest.raises(ValueError, match="different hypervolume_reference points"):
        hypervolume_frame(study)


def test_attainment_surfaces_draw_a_band_and_median_per_method(mo_study: Path) -> None:
    fronts = pareto_fronts(load_study(str(mo_study)))["mo"]
    assert fronts.reference_point == (1.0, 2.0) and sorted(fronts.runs) == ["good", "rs"]
    fig = attainment_surfaces(fronts)
    ax = fig.axes[0]
    gids = {a.get_gid() for a in [*ax.lines, *ax.collections]}
    assert {"median-good", "band-good", "points-good"} <= gids
    assert ax.get_xlim()[1] == pytest.approx(1.0 + 0.05 * (1.0 - ax.get_xlim()[0]) / 1.05, 0.1)
    median = next(line for line in ax.lines if line.get_gid() == "median-good")
    x, y = (np.asarray(v, dtype=float) for v in median.get_data())
    assert (np.diff(x) >= 0).all() and (np.diff(y) <= 0).all()  # a staircase down
    plt.close(fig)


def test_attainment_median_of_identical_runs_is_their_front() -> None:
    front = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # g is maximised
    fronts = Fronts("b", ("f", "g"), ("min", "max"), {"m": {0: front, 1: front, 2: front}})
    fig = attainment_surfaces(fronts)
    median = next(line for line in fig.axes[0].lines if line.get_gid() == "median-m")
    x, y = (np.asarray(v, dtype=float) for v in median.get_data())
    corners = set(zip(x.tolist(), y.tolist(), strict=True))
    assert {(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)} <= corners
    plt.close(fig)


def test_a_positive_objective_spanning_decades_gets_a_log_axis() -> None:
    # training times from 1 s to 1,000 s: on a linear axis the fronts' good end is flat
    times = np.array([[0.5, 1.0], [0.7, 30.0], [0.9, 1000.0]])  # accuracy (max), time (min)
    fronts = Fronts("b", ("acc", "time"), ("max", "min"), {"m": {0: times, 1: times}})
    fig = attainment_surfaces(fronts)
    ax = fig.axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "log")
    low, high = ax.get_ylim()
    assert 0 < low < 1.0 and high > 1000.0
    plt.close(fig)
    narrow = times.copy()
    narrow[:, 1] = [1.0, 30.0, 90.0]  # under two decades: linear
    fig = attainment_surfaces(Fronts("b", ("acc", "time"), ("max", "min"), {"m": {0: narrow}}))
    assert fig.axes[0].get_yscale() == "linear"
    plt.close(fig)


def test_many_methods_wrap_into_rows_of_four_panels() -> None:
    rng = np.random.default_rng(1)
    runs = {f"m{i}": {0: rng.uniform(size=(4, 2))} for i in range(9)}
    fig = attainment_surfaces(Fronts("b", ("f", "g"), ("min", "min"), runs))
    assert len(fig.axes) == 9  # the grid's three unused cells are removed
    columns = {round(ax.get_position().x0, 3) for ax in fig.axes}
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert (len(columns), len(rows)) == (4, 3)
    labelled = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(labelled) == 4  # the lowest panel of each column
    plt.close(fig)


def test_three_objectives_get_a_row_per_pair() -> None:
    rng = np.random.default_rng(0)
    runs = {"m": {s: rng.uniform(size=(5, 3)) for s in range(3)}}
    fig = attainment_surfaces(Fronts("b", ("f", "g", "h"), ("min",) * 3, runs))
    assert len(fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match=r"unknown methods \['x'\]"):
        attainment_surfaces(Fronts("b", ("f", "g"), ("min",) * 2, runs), methods=["x"])


def test_curves_against_cost_end_at_the_cost_budget(mo_study: Path) -> None:
    study = load_study(str(mo_study))
    curves = curves_frame(study, x="cost", n_points=16)
    assert curves["x"].max() == 80.0 and curves.attrs["x_label"] == "cost spent"
    results = study.results["mo/good/2"]
    spent = results["worker_cost"].cumsum().to_numpy()  # one result per trial
    run = curves[(curves["method"] == "good") & (curves["seed"] == 2)]
    for x, value in zip(run["x"], run["value"], strict=True):
        seen = results["error"][spent <= x]
        assert (np.isnan(value) and seen.empty) or value == seen.min()


def test_cost_axis_without_a_cost_is_a_clear_error(mo_study: Path) -> None:
    study = load_study(str(mo_study))
    for results in study.results.values():
        del results["worker_cost"]
    with pytest.raises(ValueError, match=r"x='cost': experiment .* recorded no cost"):
        curves_frame(study, x="cost")
    study.metadata["mo/rs/0"]["cost_attr"] = "size"  # a named cost metric serves too
    for experiment in study.metadata:
        study.metadata[experiment]["cost_attr"] = "size"
    assert not curves_frame(study, x="cost").empty


def test_report_writes_pareto_figures_and_hypervolume_tables(
    mo_study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "figures"
    args = [str(mo_study), "--out", str(out), "--quiet", "--processes", "1"]
    assert main([*args, "--formats", "png", "--learning-curves", "none", "--x", "cost"]) == 0
    assert (out / "pareto_mo.png").exists()
    for stem in ("hypervolume", "hypervolume_at_25"):
        assert all((out / f"{stem}.{suffix}").exists() for suffix in ("md", "csv", "tex"))
    table = (out / "hypervolume.md").read_text()
    assert "**" in table and "normalised regret" not in table
    assert "normalised hypervolume" in (out / "hypervolume.tex").read_text()
