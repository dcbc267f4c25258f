"""`LinearScalarizedScheduler`: a single-objective scheduler on a weighted sum of metrics."""

from __future__ import annotations

import functools
import json
from typing import Any, ClassVar

import numpy as np
import pytest

from tunelab.core import methods
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers import FIFOScheduler, HyperbandScheduler, LinearScalarizedScheduler
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.trial import Decision, Mode, Trial, TrialSuggestion

from ..two_metrics import TwoMetricSchedulerContract


class TestScalarizedASHAContract(TwoMetricSchedulerContract):
    searcher_metrics: ClassVar[list[str] | None] = ["scalarized_loss_size"]

    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        base = functools.partial(
            methods.asha, config_space, resource_attr="epoch", max_resource=9, seed=seed,
            kind="promotion",
        )  # fmt: skip
        return LinearScalarizedScheduler(base, metric=metrics, mode=modes, weights=[1.0, 0.5])


class TestLinearScalarizedPresetContract(TwoMetricSchedulerContract):
    searcher_metrics: ClassVar[list[str] | None] = ["scalarized_loss_size"]

    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        return methods.linear_scalarized(config_space, metric=metrics, mode=modes, seed=seed)


SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


class Recorder(Scheduler):
    """Records the results it gets; suggests a fixed configuration."""

    def __init__(self, metric: str, mode: Mode = "min") -> None:
        self.metric, self.mode = metric, mode
        self.results: list[dict[str, Any]] = []

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        return TrialSuggestion.start({"x": 0.5})

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        self.results.append(result)
        return Decision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self.results.append(result)

    def metric_names(self) -> list[str]:
        return [self.metric]

    def metric_mode(self) -> list[Mode]:
        return [self.mode]


def test_the_base_gets_the_weighted_sum_with_maximised_metrics_negated() -> None:
    scheduler = LinearScalarizedScheduler(
        Recorder, metric=["loss", "acc", "time"], mode=["min", "max", "min"], weights=[2, 1, 0.5]
    )
    assert scheduler.scalarized_metric == "scalarized_loss_acc_time"
    base = scheduler.base
    assert isinstance(base, Recorder) and base.metric == "scalarized_loss_acc_time"
    trial = Trial(0, {"x": 0.5})
    result = {"loss": 0.5, "acc": 0.75, "time": 4.0, "epoch": 1}
    assert scheduler.on_trial_result(trial, result) is Decision.CONTINUE
    scheduler.on_trial_complete(trial, result)
    expected = {**result, "scalarized_loss_acc_time": 2 * 0.5 - 0.75 + 0.5 * 4.0}
    assert base.results == [expected, expected]
    assert result == {"loss": 0.5, "acc": 0.75, "time": 4.0, "epoch": 1}  # not changed
    assert scheduler.metric_names() == ["loss", "acc", "time"]
    assert scheduler.metric_mode() == ["min", "max", "min"]


def test_weights_default_to_one_and_a_nan_metric_makes_the_sum_nan() -> None:
    scheduler = LinearScalarizedScheduler(Recorder, metric=["a", "b"], mode="max")
    assert scheduler.weights == (1.0, 1.0)
    trial = Trial(0, {"x": 0.5})
    assert scheduler.scalarize(trial, {"a": 1.0, "b": 2.0})["scalarized_a_b"] == -3.0
    assert np.isnan(scheduler.scalarize(trial, {"a": float("nan"), "b": 2.0})["scalarized_a_b"])


def test_asha_on_the_sum_stops_what_the_sum_ranks_low() -> None:
    base = functools.partial(
        HyperbandScheduler, RandomSearcher(SPACE, seed=0), resource_attr="epoch", max_resource=9
    )
    scheduler = LinearScalarizedScheduler(base, metric=["loss", "acc"], mode=["min", "max"])
    decisions = []
    for trial_id, (loss, acc) in enumerate([(0.5, 0.9), (0.1, 0.1), (0.6, 0.3)]):
        suggestion = scheduler.suggest(trial_id)
        assert suggestion is not None and suggestion.config is not None
        trial = Trial(trial_id, suggestion.config)
        scheduler.on_trial_add(trial)
        decisions.append(scheduler.on_trial_result(trial, {"loss": loss, "acc": acc, "epoch": 1}))
    # sums -0.4, 0.0, 0.3: the third result ranks last of three (one slot) and stops
    assert decisions == [Decision.CONTINUE, Decision.CONTINUE, Decision.STOP]


def test_a_base_built_already_must_optimise_the_scalarized_metric() -> None:
    built = Recorder("scalarized_a_b")
    assert LinearScalarizedScheduler(built, metric=["a", "b"]).base is built
    with pytest.raises(ValueError, match=r"must optimise metric \['scalarized_a_b'\] in mode"):
        LinearScalarizedScheduler(Recorder("a"), metric=["a", "b"])
    with pytest.raises(ValueError, match=r"got \['scalarized_a_b'\] in mode \['max'\]"):
        LinearScalarizedScheduler(Recorder("scalarized_a_b", "max"), metric=["a", "b"])


def test_bad_bases_and_weights_are_named() -> None:
    with pytest.raises(TypeError, match="base must be a Scheduler or a factory of one, got int"):
        LinearScalarizedScheduler(3, metric=["a", "b"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="the base factory returned dict"):
        LinearScalarizedScheduler(lambda **_: {}, metric=["a", "b"])  # type: ignore[arg-type]
    for weights, message in [
        ([1.0], r"one number per metric \['a', 'b'\], got 1"),
        ([1.0, -1.0], r"finite and >= 0, got -1.0"),
        ([0, 0], "must not all be 0"),
        ([1.0, "x"], "must be numbers, got 'x'"),
        ("ab", "must be a list of numbers"),
    ]:
        with pytest.raises(ValueError, match=message):
            LinearScalarizedScheduler(Recorder, metric=["a", "b"], weights=weights)  # type: ignore[arg-type]
    scheduler = LinearScalarizedScheduler(Recorder, metric=["a", "b"])
    with pytest.raises(ValueError, match=r"without the metric 'b'"):
        scheduler.on_trial_result(Trial(0, {}), {"a": 1.0})
    with pytest.raises(ValueError, match=r"reported b='high'"):
        scheduler.on_trial_result(Trial(0, {}), {"a": 1.0, "b": "high"})


def test_the_preset_describes_the_real_metrics_and_the_base() -> None:
    scheduler = methods.linear_scalarized(
        SPACE, metric=["loss", "acc"], mode=["min", "max"], weights=[1, 2], base=methods.asha,
        resource_attr="epoch", max_resource_attr="epochs", seed=3,
    )  # fmt: skip
    assert isinstance(scheduler.base, HyperbandScheduler)
    assert scheduler.searcher is scheduler.base.searcher
    assert scheduler.config_space == SPACE and scheduler.resource_attr == "epoch"
    described = scheduler.describe()
    json.dumps(described)
    assert described["method"] == "linear_scalarized"
    assert (described["metric"], described["mode"]) == (["loss", "acc"], ["min", "max"])
    assert described["base_scheduler"] == "HyperbandScheduler"
    assert described["scalarized_metric"] == "scalarized_loss_acc"
    assert described["weights"] == [1.0, 2.0]
    assert described["rung_levels"] == [1.0, 3.0, 9.0]


def test_the_preset_hands_its_base_what_it_takes() -> None:
    # random search has no budget argument: max_resource_attr is left out
    fifo = methods.linear_scalarized(SPACE, metric=["a", "b"], max_resource_attr="epochs")
    assert isinstance(fifo.base, FIFOScheduler)
    # a value bound in a partial base is kept when the preset's is None
    base = functools.partial(methods.asha, resource_attr="epoch", max_resource=3)
    scheduler = methods.linear_scalarized(SPACE, metric=["a", "b"], base=base)
    assert scheduler.rung_levels == [1.0, 3.0]
    # configurations to try cannot be dropped

    def unrestricted(config_space: dict[str, Any], *, metric: str, mode: Mode) -> Scheduler:
        return Recorder(metric, mode)

    assert isinstance(
        methods.linear_scalarized(SPACE, metric="a", base=unrestricted).base, Recorder
    )
    with pytest.raises(ValueError, match=r"base unrestricted takes no \['restrict_to'\]"):
        methods.linear_scalarized(
            SPACE, metric=["a", "b"], base=unrestricted, restrict_to=[{"x": 0.5}]
        )


def test_state_is_the_bases() -> None:
    scheduler = methods.linear_scalarized(SPACE, metric=["a", "b"], seed=0)
    restored = methods.linear_scalarized(SPACE, metric=["a", "b"], seed=1)
    for trial_id in range(3):
        assert scheduler.suggest(trial_id) is not None
    restored.load_state_dict(scheduler.state_dict())
    assert restored.suggest(3) == scheduler.suggest(3)
