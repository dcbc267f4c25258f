"""A benchmark's objectives: several metrics and modes, a constraint, a cost, the
hypervolume reference point; checked without data, so a sweep refuses them first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from omegaconf import DictConfig, OmegaConf

from tunelab.experiments.objectives import (
    Objectives,
    Quantile,
    objectives_problems,
    read_objectives,
)


def benchmark(**entries: Any) -> DictConfig:
    node = OmegaConf.create({"name": "bench", "type": "simulated", **entries})
    assert isinstance(node, DictConfig)
    return node


def test_one_metric_reaches_methods_as_a_name() -> None:
    for given in ("loss", ["loss"]):
        objectives = read_objectives(benchmark(metric=given, mode="max"))
        assert objectives.metric == "loss" and objectives.mode == "max"
        assert not objectives.multi_objective


def test_several_metrics_reach_methods_as_lists() -> None:
    objectives = read_objectives(benchmark(metric=["acc", "latency"], mode=["max", "min"]))
    assert objectives.metric == ["acc", "latency"] and objectives.mode == ["max", "min"]
    assert objectives.multi_objective
    same = read_objectives(benchmark(metric=["a", "b"], mode="min"))
    assert same.modes == ("min", "min")


def test_no_metric_takes_the_blackboxs_first_one() -> None:
    objectives = read_objectives(benchmark(mode="max"))
    assert objectives.metrics == ()
    assert objectives.with_default_metric("y").metric == "y"
    kept = read_objectives(benchmark(metric="acc")).with_default_metric("y")
    assert kept.metric == "acc"


def test_roles_reference_point_and_bounds_are_read() -> None:
    objectives = read_objectives(
        benchmark(
            metric=["acc", "latency"],
            mode=["max", "min"],
            constraint="too_big",
            cost="seconds",
            reference_point={"acc": 0, "latency": {"quantile": 0.99}},
            bounds={"too_big": {"objective": "size", "upper": 5}},
        )
    )
    assert objectives == Objectives(
        ("acc", "latency"),
        ("max", "min"),
        constraint="too_big",
        cost="seconds",
        reference_point={"acc": 0.0, "latency": Quantile(0.99)},
        bounds={"too_big": {"objective": "size", "upper": 5}},
    )
    assert objectives.named() == ["acc", "latency", "too_big", "seconds"]
    assert read_objectives(benchmark(metric="t", cost="t")).named() == ["t"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"metric": 3}, "metric=3: expected a metric name or a non-empty list"),
        ({"metric": []}, r"metric=\[\]: expected a metric name or a non-empty list"),
        ({"metric": ["a", ""]}, "expected a metric name or a non-empty list"),
        ({"metric": ["a", "a"]}, r"metric=\['a', 'a'\]: the metric names must be distinct"),
        ({"metric": "a", "mode": "maximum"}, "mode='maximum': expected 'min' or 'max'"),
        (
            {"metric": ["a", "b"], "mode": ["max"]},
            r"mode=\['max'\] gives 1 modes for the 2 metric\(s\) \['a', 'b'\]",
        ),
        ({"metric": "a", "mode": ["min", "max"]}, "gives 2 modes for the 1 metric"),
        ({"metric": "a", "constraint": ["c"]}, r"constraint=\['c'\]: expected the name"),
        ({"metric": "a", "cost": 7}, "cost=7: expected the name of a reported metric"),
        ({"metric": "a", "constraint": "a"}, "constraint='a' is also a metric to optimise"),
        ({"metric": "a", "reference_point": 1.0}, "reference_point=1.0: expected {metric:"),
        (
            {"metric": "a", "reference_point": {"b": 1.0}},
            r"reference_point names \['b'\], which the benchmark does not optimise",
        ),
        ({"metric": "a", "reference_point": {"a": "x"}}, "reference_point.a='x': expected"),
        (
            {"metric": "a", "reference_point": {"a": {"quantile": 1.5}}},
            "reference_point.a={'quantile': 1.5}: expected a finite number or",
        ),
        ({"metric": "a", "bounds": [1]}, r"bounds=\[1\]: expected \{name:"),
        ({"metric": "a", "bounds": {"c": {"upper": 1}}}, "bounds.c={'upper': 1}: expected"),
        ({"metric": "a", "bounds": {"c": {"objective": "x"}}}, "sets neither upper nor lower"),
        (
            {"metric": "a", "bounds": {"c": {"objective": "x", "upper": 1, "max": 1}}},
            r"bounds.c has unknown keys \['max'\]",
        ),
        (
            {"metric": "a", "bounds": {"c": {"objective": "x", "upper": "high"}}},
            "bounds.c.upper='high': expected a finite number",
        ),
        (
            {"metric": "a", "type": "local", "bounds": {"c": {"objective": "x", "upper": 1}}},
            "only a simulated benchmark has them",
        ),
    ],
)
def test_bad_objectives_are_named_with_the_benchmark(entries: dict[str, Any], message: str) -> None:
    found = objectives_problems(benchmark(**entries))
    assert len(found) == 1, found
    assert found[0].startswith("benchmark 'bench': ")
    assert re.search(message, found[0]), found[0]
    with pytest.raises(ValueError, match=message):
        read_objectives(benchmark(**entries))
