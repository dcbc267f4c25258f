from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.core import methods
from tunelab.core.space import (
    Categorical,
    Float,
    Integer,
    Ordinal,
    choice,
    config_space_to_json,
    finrange,
    loguniform,
    randint,
)
from tunelab.core.testing import SchedulerContract
from tunelab.core.transfer import TaskEvaluations
from tunelab.core.transfer.bounding_box import bounding_box_space
from tunelab.core.trial import Mode

from .tasks import synthetic_tasks

SPACE = {
    "lr": loguniform(1e-4, 1.0),
    "n": randint(1, 9),
    "act": choice(["relu", "tanh", "gelu"]),
    "drop": finrange(0.0, 0.5, 6),
    "epochs": 5,
}


def task(rows: list[tuple[float, int, str, float]], losses: list[float]) -> TaskEvaluations:
    return TaskEvaluations(
        config_space=SPACE,
        configs=pd.DataFrame(rows, columns=["lr", "n", "act", "drop"]),
        objectives_names=["loss"],
        objectives=np.array(losses)[:, None, None, None],
    )


TASKS = {
    "a": task(
        [(0.01, 2, "relu", 0.1), (0.5, 9, "gelu", 0.5), (0.02, 3, "tanh", 0.2)], [0.1, 0.9, 0.2]
    ),
    "b": task([(0.1, 5, "tanh", 0.3), (1e-4, 1, "gelu", 0.0)], [0.3, 0.8]),
}


def test_the_box_spans_the_best_configuration_of_each_task() -> None:
    box = bounding_box_space(SPACE, TASKS, metric="loss", mode="min")
    assert box["lr"] == Float(lower=0.01, upper=0.1, log=True)
    assert box["n"] == Integer(lower=2, upper=5)
    assert box["act"] == Categorical(categories=["relu", "tanh"])
    assert box["drop"] == Ordinal(categories=[0.1, 0.2, 0.3])
    assert box["epochs"] == 5


def test_top_k_widens_the_box_and_a_single_value_becomes_a_constant() -> None:
    box = bounding_box_space(SPACE, TASKS, metric="loss", mode="min", top_k=2)
    assert box["lr"] == Float(lower=1e-4, upper=0.1, log=True)
    assert box["n"] == Integer(lower=1, upper=5)
    only = bounding_box_space(SPACE, {"a": TASKS["a"]}, metric="loss", mode="max")
    assert only["act"] == "gelu" and only["n"] == 9


def test_the_method_suggests_only_inside_the_box() -> None:
    scheduler = methods.bounding_box(SPACE, metric="loss", transfer_evaluations=TASKS, seed=0)
    assert scheduler.method_name == "bounding_box"
    for trial_id in range(20):
        suggestion = scheduler.suggest(trial_id)
        assert suggestion is not None and suggestion.config is not None
        config = suggestion.config
        assert 0.01 <= config["lr"] <= 0.1 and 2 <= config["n"] <= 5
        assert config["act"] in ("relu", "tanh") and config["epochs"] == 5


def test_metadata_records_the_problems_space_and_the_box_searched() -> None:
    # runs of bounding_box compare with other methods' on the same problem (tunelab-plot
    # refuses to aggregate runs whose config_space differs), and the box stays on record
    scheduler = methods.bounding_box(SPACE, metric="loss", transfer_evaluations=TASKS, seed=0)
    described = scheduler.describe()
    plain = methods.random_search(SPACE, metric="loss", seed=0).describe()
    assert described["config_space"] == plain["config_space"] == config_space_to_json(SPACE)
    box = bounding_box_space(SPACE, TASKS, metric="loss", mode="min")
    assert described["search_space"] == config_space_to_json(box)
    assert "search_space" not in plain


def test_restrict_to_keeps_the_members_inside_the_box() -> None:
    inside = {"lr": 0.05, "n": 3, "act": "relu", "drop": 0.2, "epochs": 5}
    outside = {"lr": 0.5, "n": 3, "act": "relu", "drop": 0.2, "epochs": 5}
    scheduler = methods.bounding_box(
        SPACE, metric="loss", transfer_evaluations=TASKS, restrict_to=[outside, inside], seed=0
    )
    first = scheduler.suggest(0)
    assert first is not None and first.config == inside
    assert scheduler.suggest(1) is None
    with pytest.raises(ValueError, match="none of the 1 configurations of restrict_to"):
        methods.bounding_box(
            SPACE, metric="loss", transfer_evaluations=TASKS, restrict_to=[outside]
        )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="top_k must be a positive integer, got 0"):
        bounding_box_space(SPACE, TASKS, metric="loss", mode="min", top_k=0)
    with pytest.raises(ValueError, match="takes no \\['points_to_evaluate'\\]"):
        methods.bounding_box(
            SPACE,
            metric="loss",
            transfer_evaluations=TASKS,
            base=methods.pbt,
            points_to_evaluate=[{}],
        )


class TestBoundingBoxRandomContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> Any:
        tasks = synthetic_tasks(config_space, metric=metric, n_configs=10)
        return methods.bounding_box(
            config_space, metric=metric, mode=mode, transfer_evaluations=tasks, top_k=3, seed=seed
        )


class TestBoundingBoxASHAContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> Any:
        tasks = synthetic_tasks(config_space, metric=metric, n_configs=10)
        return methods.bounding_box(
            config_space,
            metric=metric,
            mode=mode,
            transfer_evaluations=tasks,
            top_k=3,
            base=functools.partial(methods.asha, grace_period=1),
            seed=seed,
            resource_attr="epoch",
            max_resource=9,
        )
