"""The Pareto front, best configurations, hypervolume and constraint handling of a loaded
experiment, on experiments written by the real tuner and on hand-made results."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.core import FIFOScheduler, RandomSearcher, StoppingCriterion, Tuner, TunerOptions
from tunelab.core.multiobjective import hypervolume
from tunelab.core.results import Experiment, load_experiment
from tunelab.core.space import randint, uniform
from tunelab.core.testing import InlineBackend

SPACE = {"x": uniform(0.0, 1.0), "width": randint(1, 8), "epochs": randint(1, 4)}


def train(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Loss grows with the epochs (overfitting), so a trial's first result often
    dominates its final one; size is fixed by the config and trades off with the loss
    below x = 0.7; feasible when x <= 0.5."""
    for epoch in range(1, config["epochs"] + 1):
        yield {
            "epoch": epoch,
            "loss": (config["x"] - 0.7) ** 2 + 0.05 * epoch,
            "size": config["width"] * (1.0 + config["x"]),
            "c": config["x"] - 0.5,
        }


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Experiment:
    path = tmp_path_factory.mktemp("mo") / "exp"
    scheduler = FIFOScheduler(
        RandomSearcher(SPACE, seed=3),
        metric=["loss", "size"],
        mode=["min", "min"],
        resource_attr="epoch",
    )
    Tuner(
        backend=InlineBackend(train),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_completed=40),
        n_workers=3,
        path=path,
        options=TunerOptions(sleep_time=0.0, progress_interval=None),
    ).run()
    return load_experiment(path)


def with_metadata(experiment: Experiment, **entries: Any) -> Experiment:
    return dataclasses.replace(experiment, metadata={**experiment.metadata, **entries})


def final_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Each trial's row at its largest epoch (written independently of the library)."""
    positions = [
        int(group["epoch"].to_numpy().argmax()) for _, group in results.groupby("trial_id")
    ]
    rows = [
        group.iloc[i] for i, (_, group) in zip(positions, results.groupby("trial_id"), strict=True)
    ]
    frame: pd.DataFrame = pd.DataFrame(rows)
    return frame


def brute_front_ids(rows: pd.DataFrame, metrics: list[str]) -> set[int]:
    values = rows[metrics].to_numpy(dtype=float)
    ids = rows["trial_id"].to_numpy()
    return {
        int(ids[i])
        for i in range(len(values))
        if not any(
            (values[j] <= values[i]).all() and (values[j] < values[i]).any()
            for j in range(len(values))
        )
    }


def test_the_front_holds_each_trial_at_its_final_result(experiment: Experiment) -> None:
    results = experiment.results
    assert experiment.metric_names == ["loss", "size"]
    assert results["trial_id"].nunique() >= 40
    front = experiment.pareto_front()
    finals = final_rows(results)
    assert set(front["trial_id"]) == brute_front_ids(finals, ["loss", "size"])
    assert front["trial_id"].is_unique
    epochs = finals.set_index("trial_id")["epoch"]
    assert (front["epoch"].to_numpy() == epochs[front["trial_id"]].to_numpy()).all()
    # with every row as a candidate the front would differ: earlier epochs are better
    assert brute_front_ids(results, ["loss", "size"]) != set(front["trial_id"])
    assert front["loss"].is_monotonic_increasing
    assert list(front.columns) == list(results.columns)
    assert list(front.index) == list(range(len(front)))


def test_best_configs_are_the_configurations_of_the_front(experiment: Experiment) -> None:
    front = experiment.pareto_front()
    configs = experiment.best_configs()
    assert len(configs) == len(front) >= 2
    for config, (_, row) in zip(configs, front.iterrows(), strict=True):
        assert config == {
            "x": row["config_x"],
            "width": row["config_width"],
            "epochs": row["config_epochs"],
        }
        assert isinstance(config["width"], int)


def test_a_front_over_one_metric_is_the_best_final_result(experiment: Experiment) -> None:
    front = experiment.pareto_front(["size"])
    finals = final_rows(experiment.results)
    assert set(front["trial_id"]) == set(
        finals.loc[finals["size"] == finals["size"].min(), "trial_id"]
    )
    by_index = experiment.pareto_front([1, "loss"])
    assert set(by_index["trial_id"]) == set(experiment.pareto_front()["trial_id"])
    assert by_index["size"].is_monotonic_increasing  # ordered by the first metric given


@pytest.mark.parametrize(
    ("metrics", "error", "message"),
    [
        (
            "loss",
            ValueError,
            "metrics must be a non-empty list of metric names or indices, got 'loss'",
        ),
        ([], ValueError, "metrics must be a non-empty list"),
        (["loss", 0], ValueError, r"metrics must not repeat a metric, got \['loss', 0\]"),
        (["accuracy"], ValueError, "metric 'accuracy' is not one of the experiment's"),
        ([2], IndexError, "metric index 2 is out of range"),
    ],
)
def test_bad_metrics_are_named(
    experiment: Experiment, metrics: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        experiment.pareto_front(metrics)


def test_a_constraint_keeps_infeasible_results_out_of_every_answer(experiment: Experiment) -> None:
    results = experiment.results
    constrained = with_metadata(experiment, constraint="c")
    assert constrained.constraint == "c"
    feasible = results["c"] <= 0
    assert feasible.any() and not feasible.all()
    np.testing.assert_array_equal(constrained.feasible_mask(), feasible.to_numpy())

    best = constrained.best_result()
    assert best.value == pytest.approx(results.loc[feasible, "loss"].min())
    assert best.config["x"] <= 0.5
    assert constrained.best_config() == best.config
    unconstrained_best = experiment.best_result()
    assert unconstrained_best.config["x"] > 0.5  # the optimum (x = 0.7) is infeasible

    curve = constrained.best_so_far()
    ordered = results.sort_values("tuner_time", kind="stable")
    expected = ordered["loss"].where(ordered["c"] <= 0).cummin().ffill()
    np.testing.assert_allclose(curve["best"].to_numpy(), expected.to_numpy())
    assert curve["best"].iloc[-1] == pytest.approx(best.value)

    front = constrained.pareto_front()
    finals = final_rows(results)
    assert set(front["trial_id"]) == brute_front_ids(finals[finals["c"] <= 0], ["loss", "size"])
    assert (front["c"] <= 0).all()
    assert len(constrained.best_configs()) == len(front)


def test_with_no_feasible_result_best_raises_and_the_front_is_empty(experiment: Experiment) -> None:
    results = experiment.results.assign(c=1.0)
    infeasible = with_metadata(dataclasses.replace(experiment, results=results), constraint="c")
    with pytest.raises(ValueError, match=r"is feasible: the constraint 'c' <= 0 holds for none of"):
        infeasible.best_result()
    with pytest.raises(ValueError, match="no result of"):
        infeasible.best_config("size")
    front = infeasible.pareto_front()
    assert front.empty and list(front.columns) == list(results.columns)
    assert infeasible.best_configs() == []
    assert infeasible.best_so_far()["best"].isna().all()
    assert (infeasible.hypervolume([2.0, 10.0])["hypervolume"] == 0.0).all()
    assert (infeasible.hypervolume()["hypervolume"] == 0.0).all()


def test_a_constraint_metric_never_reported_makes_every_result_infeasible(
    experiment: Experiment,
) -> None:
    missing = with_metadata(experiment, constraint="memory")
    assert not missing.feasible_mask().any()
    assert missing.pareto_front().empty
    with pytest.raises(ValueError, match="no result of"):
        missing.best_result()


def test_a_malformed_constraint_entry_is_named(experiment: Experiment) -> None:
    with pytest.raises(
        ValueError, match=r"'constraint' must be the name of a reported metric or null, got 3"
    ):
        _ = with_metadata(experiment, constraint=3).constraint
    assert with_metadata(experiment, constraint=None).constraint is None


def test_hypervolume_after_each_result(experiment: Experiment) -> None:
    results = experiment.results
    reference = [0.6, 7.5]
    frame = experiment.hypervolume(reference)
    assert list(frame.columns) == ["trial_id", "tuner_time", "hypervolume"]
    assert len(frame) == len(results)
    assert frame["tuner_time"].is_monotonic_increasing
    assert frame.attrs["reference_point"] == {"loss": 0.6, "size": 7.5}
    ordered = results.sort_values("tuner_time", kind="stable")
    values = ordered[["loss", "size"]].to_numpy()
    for k in (0, 5, len(values) // 2, len(values) - 1):
        expected = hypervolume(values[: k + 1], reference, ["min", "min"])
        assert frame["hypervolume"].iloc[k] == pytest.approx(expected)
    assert frame["hypervolume"].iloc[-1] > 0
    assert (np.diff(frame["hypervolume"].to_numpy()) >= 0).all()
    by_name = experiment.hypervolume({"size": 7.5, "loss": 0.6})
    pd.testing.assert_frame_equal(by_name, frame)


def test_hypervolume_counts_feasible_results_only(experiment: Experiment) -> None:
    constrained = with_metadata(experiment, constraint="c")
    frame = constrained.hypervolume([0.6, 7.5])
    ordered = experiment.results.sort_values("tuner_time", kind="stable")
    feasible = ordered[ordered["c"] <= 0][["loss", "size"]].to_numpy()
    assert frame["hypervolume"].iloc[-1] == pytest.approx(
        hypervolume(feasible, [0.6, 7.5], ["min", "min"])
    )
    assert (
        frame["hypervolume"].iloc[-1] < experiment.hypervolume([0.6, 7.5])["hypervolume"].iloc[-1]
    )


def test_the_default_reference_point_is_the_recorded_or_observed_worst(
    experiment: Experiment,
) -> None:
    results = experiment.results
    observed = experiment.hypervolume()
    assert observed.attrs["reference_point"] == {
        "loss": pytest.approx(results["loss"].max()),
        "size": pytest.approx(results["size"].max()),
    }
    recorded = with_metadata(experiment, reference={"loss": {"min": 0.0, "max": 1.5}})
    frame = recorded.hypervolume()
    assert frame.attrs["reference_point"] == {
        "loss": 1.5,
        "size": pytest.approx(results["size"].max()),
    }
    maximised = with_metadata(
        experiment, mode=["max", "min"], reference={"loss": {"min": -1.0, "max": 5.0}}
    )
    assert maximised.hypervolume().attrs["reference_point"]["loss"] == -1.0


@pytest.mark.parametrize(
    "reference",
    [[1.0], [1.0, np.nan], {"loss": 1.0}, {"loss": 1.0, "size": 2.0, "c": 0.0}, ["a", "b"]],
)
def test_a_bad_reference_point_is_named(experiment: Experiment, reference: Any) -> None:
    with pytest.raises(ValueError, match=r"reference_point must .*\['loss', 'size'\]"):
        experiment.hypervolume(reference)


def hand_made(rows: list[dict[str, Any]], **metadata: Any) -> Experiment:
    meta = {"metric": ["loss", "size"], "mode": ["min", "min"], "resource_attr": "epoch"}
    return Experiment(path=Path("hand"), metadata=meta | metadata, results=pd.DataFrame(rows))


def test_a_trial_counts_at_its_highest_level_and_its_latest_result_there() -> None:
    experiment = hand_made(
        [
            # trial 0 was paused at epoch 2 and resumed: its epoch-2 result came twice
            {"trial_id": 0, "tuner_time": 1.0, "epoch": 1, "loss": 0.1, "size": 1.0, "config_x": 0},
            {"trial_id": 0, "tuner_time": 2.0, "epoch": 2, "loss": 0.9, "size": 1.0, "config_x": 0},
            {"trial_id": 0, "tuner_time": 4.0, "epoch": 2, "loss": 0.5, "size": 1.0, "config_x": 0},
            {"trial_id": 0, "tuner_time": 5.0, "epoch": 1, "loss": 0.0, "size": 1.0, "config_x": 0},
            # trial 1 stopped at epoch 1, with a NaN loss at its end
            {
                "trial_id": 1,
                "tuner_time": 3.0,
                "epoch": 1,
                "loss": np.nan,
                "size": 0.5,
                "config_x": 1,
            },
            # trial 2 reports no epoch: its last row counts
            {
                "trial_id": 2,
                "tuner_time": 3.5,
                "epoch": np.nan,
                "loss": 0.7,
                "size": 0.9,
                "config_x": 2,
            },
        ]
    )
    front = experiment.pareto_front()
    assert front[["trial_id", "loss"]].to_dict("records") == [
        {"trial_id": 0, "loss": 0.5},
        {"trial_id": 2, "loss": 0.7},
    ]
    configs = experiment.best_configs()
    assert configs == [{"x": 0}, {"x": 2}]
    assert all(type(config["x"]) is int for config in configs)
    assert experiment.best_result().value == 0.0  # any result counts for the best one


def test_an_experiment_without_results() -> None:
    experiment = hand_made([])
    experiment = dataclasses.replace(
        experiment, results=pd.DataFrame({"trial_id": pd.Series([], dtype="int64")})
    )
    assert experiment.pareto_front().empty
    assert experiment.best_configs() == []
    assert experiment.hypervolume().empty
    assert experiment.best_so_far().empty
