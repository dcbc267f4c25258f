from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.core.space import choice, randint, uniform
from tunelab.core.transfer import TaskEvaluations, check_transfer_evaluations

SPACE = {"x": uniform(0.0, 1.0), "n": randint(1, 5), "c": choice(["a", "b"]), "epochs": 3}


def make(objectives: Any, **changes: Any) -> TaskEvaluations:
    arguments: dict[str, Any] = {
        "config_space": SPACE,
        "configs": pd.DataFrame({"x": [0.1, 0.5, 0.9], "n": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]}),
        "objectives_names": ["loss"],
        "objectives": objectives,
    }
    return TaskEvaluations(**(arguments | changes))


def test_objective_averages_seeds_at_the_last_fidelity_ignoring_missing() -> None:
    values = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2, 1)
    values[0, 1, 1, 0] = np.nan
    values[2, :, 1, 0] = np.nan
    task = make(values, fidelities=np.array([1.0, 3.0]))
    assert task.objective("loss").tolist()[:2] == [1.0, 6.0]
    assert np.isnan(task.objective("loss")[2])
    assert task.objective("loss", fidelity=1.0).tolist() == [1.0, 5.0, 9.0]
    assert task.objective("loss", seed_mean=False).shape == (3, 2)


def test_best_configs_are_ordered_cast_to_the_domains_and_skip_missing() -> None:
    task = make(np.array([3.0, np.nan, 1.0])[:, None, None, None])
    assert task.best_configs("loss", "min", 5) == [
        {"x": 0.9, "n": 3, "c": "a"},
        {"x": 0.1, "n": 1, "c": "a"},
    ]
    assert isinstance(task.best_configs("loss", "min", 1)[0]["n"], int)
    assert task.best_configs("loss", "max", 1) == [{"x": 0.1, "n": 1, "c": "a"}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"objectives": np.zeros((3, 1, 1))}, "shape"),
        ({"objectives": np.zeros((2, 1, 1, 1))}, "3 rows"),
        ({"objectives_names": ["a", "b"]}, "2 objectives_names"),
        ({"objectives_names": [""]}, "distinct"),
        ({"configs": pd.DataFrame({"x": [0.1] * 3, "n": [1] * 3})}, "missing \\['c'\\]"),
        (
            {"configs": pd.DataFrame({"x": [0.1] * 3, "n": [1] * 3, "c": ["a"] * 3, "z": [0] * 3})},
            "unknown \\['z'\\]",
        ),
        ({"objectives": np.zeros((3, 1, 2, 1))}, "fidelities"),
        ({"objectives": np.zeros((3, 1, 2, 1)), "fidelities": np.array([2.0, 1.0])}, "increasing"),
        ({"fidelities": np.array([1.0, 2.0])}, "shape \\(1,\\)"),
    ],
)
def test_inconsistent_input_is_refused_with_a_clear_error(
    changes: dict[str, Any], message: str
) -> None:
    arguments = {"objectives": np.zeros((3, 1, 1, 1))} | changes
    with pytest.raises(ValueError, match=message):
        make(**arguments)


def test_bad_queries_are_refused() -> None:
    task = make(np.zeros((3, 1, 1, 1)))
    with pytest.raises(ValueError, match="unknown objective 'acc'"):
        task.objective("acc")
    with pytest.raises(ValueError, match="fidelity 5"):
        task.objective("loss", fidelity=5.0)
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        task.best_configs("loss", "min", 0)
    with pytest.raises(ValueError, match="mode"):
        task.best_configs("loss", "minimum", 1)  # type: ignore[arg-type]


def test_transfer_evaluations_are_checked_for_the_metric() -> None:
    task = make(np.zeros((3, 1, 1, 1)))
    assert check_transfer_evaluations({"t": task}, metric="loss", where="here") == {"t": task}
    with pytest.raises(ValueError, match="here: task 't' has no objective 'acc'"):
        check_transfer_evaluations({"t": task}, metric="acc", where="here")
    with pytest.raises(ValueError, match="non-empty"):
        check_transfer_evaluations({}, metric="loss", where="here")
    with pytest.raises(ValueError, match="must be a TaskEvaluations"):
        check_transfer_evaluations({"t": 3}, metric="loss", where="here")  # type: ignore[dict-item]


@pytest.mark.parametrize(
    "configs",
    [
        pd.DataFrame({"x": [0.1, 0.5, 0.9], "n": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]}),
        pd.DataFrame({"x": [0.1, 0.5, 0.9], "n": [1, 2, 3], "c": ["a", "b", "a"]}),
        pd.DataFrame({"x": [0.25, 1.0, 0.0], "n": np.array([4, 5, 1], dtype=np.int32)}),
        pd.DataFrame({"n": [2, 3, 4]}),
        pd.DataFrame({"c": pd.Categorical(["b", "a", "b"]), "n": [1, 2, 3]}),
    ],
)
def test_config_list_is_every_config_with_the_same_values_and_types(
    configs: pd.DataFrame,
) -> None:
    space = {name: SPACE[name] for name in configs.columns}
    task = make(np.zeros((3, 1, 1, 1)), config_space=space, configs=configs)
    listed = task.config_list()
    single = [task.config(i) for i in range(task.n_configs)]
    assert listed == single
    for got, want in zip(listed, single, strict=True):
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}
