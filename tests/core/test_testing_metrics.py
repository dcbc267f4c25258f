"""`tunelab.core.testing.ContractMetrics`: what the contract suites' trials report, with
one metric or several, and each trial's cost."""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from tunelab.core.methods import moasha, random_search
from tunelab.core.scheduler import Scheduler
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import config_key
from tunelab.core.status import COST_KEY
from tunelab.core.testing import (
    TWO_METRICS,
    ContractMetrics,
    MultiMetricSchedulerContract,
    SchedulerContract,
    contract_config_space,
    drive_searcher,
    observe_all,
    simulate,
)
from tunelab.core.trial import Config, Decision, Mode, Trial, TrialSuggestion

CONFIG = {"x": 0.25, "epochs": 9}


def floor(config: Config) -> float:
    return float(zlib.crc32(repr(config_key(config)).encode()) % 1000) / 1000.0


def test_one_metric_follows_the_contracts_learning_curve_and_reports_the_cost() -> None:
    metrics = ContractMetrics()
    assert (metrics.names, metrics.modes, metrics.cost_attr) == (("loss",), ("min",), COST_KEY)
    per_epoch = metrics.cost_per_epoch(CONFIG)
    assert 0.5 <= per_epoch < 1.5
    assert metrics.result(CONFIG, 4) == pytest.approx(
        {"loss": floor(CONFIG) + 0.25, COST_KEY: 4 * per_epoch}
    )
    assert metrics.observation(CONFIG) == pytest.approx(
        {"loss": floor(CONFIG), COST_KEY: per_epoch}
    )
    assert "worker_cost" not in ContractMetrics(cost_attr=None).result(CONFIG, 1)


def test_further_metrics_are_other_values_of_the_configuration() -> None:
    configs = [{"x": x / 10, "epochs": 9} for x in range(10)]
    losses = [TWO_METRICS.value("loss", c) for c in configs]
    sizes = [TWO_METRICS.value("size", c) for c in configs]
    assert all(0 <= v < 1 for v in losses + sizes)
    assert losses != sizes and len(set(sizes)) > 5
    assert set(TWO_METRICS.result(CONFIG, 2)) == {"loss", "size", COST_KEY}
    assert TWO_METRICS.result(CONFIG, 2)["size"] == TWO_METRICS.value("size", CONFIG)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"names": ()}, "metric must be a non-empty string"),
        ({"names": ("a", "a"), "modes": ("min", "max")}, "distinct"),
        ({"names": ("a", "b"), "modes": ("min",)}, "got 1 modes"),
        ({"modes": ("low",)}, "mode must be 'min' or 'max', got 'low'"),
        ({"cost_attr": "loss"}, "cost_attr must be None or a key other than the metrics"),
        ({"cost_attr": ""}, "got ''"),
    ],
)
def test_bad_settings_are_named(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ContractMetrics(**arguments)


def test_a_single_name_and_a_shared_mode_are_accepted() -> None:
    metrics = ContractMetrics(names="loss", modes="max")  # type: ignore[arg-type]
    assert (metrics.names, metrics.modes) == (("loss",), ("max",))
    both = ContractMetrics(names=("a", "b"), modes="min")  # type: ignore[arg-type]
    assert both.modes == ("min", "min")
    with pytest.raises(ValueError, match="'size' is not one of the metrics"):
        ContractMetrics().value("size", CONFIG)


def test_simulate_reports_every_metric_and_the_cumulative_cost() -> None:
    seen: list[dict[str, Any]] = []

    class Watcher(Scheduler):
        def __init__(self) -> None:
            self.inner = random_search(contract_config_space(), metric="loss", seed=0)

        def suggest(self, trial_id: int) -> TrialSuggestion | None:
            return self.inner.suggest(trial_id)

        def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
            seen.append(result)
            return Decision.CONTINUE

        def metric_names(self) -> list[str]:
            return list(TWO_METRICS.names)

        def metric_mode(self) -> list[Mode]:
            return list(TWO_METRICS.modes)

    simulate(Watcher(), n_trials=2, n_workers=1, metrics=TWO_METRICS)
    assert [r["epoch"] for r in seen] == list(range(1, 10)) * 2
    assert all(set(r) == {"loss", "size", COST_KEY, "epoch"} for r in seen)
    first = seen[:9]
    assert [r[COST_KEY] for r in first] == pytest.approx(
        [e * first[0][COST_KEY] for e in range(1, 10)]
    )


class Recording(RandomSearcher):
    """A random searcher that keeps every result it observes."""

    def __init__(self) -> None:
        super().__init__(contract_config_space(), seed=0)
        self.observed: list[dict[str, Any]] = []

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        self.observed.append(result)
        super().observe(trial_id, config, result)


def test_drive_searcher_and_observe_all_report_every_metric() -> None:
    searcher = Recording()
    TWO_METRICS.configure(searcher, resource_attr="epoch")
    assert searcher.metrics == ("loss", "size") and searcher.modes == ("min", "max")
    assert searcher.resource_attr == "epoch"
    observed = searcher.observed
    configs = drive_searcher(searcher, 0, 3, metrics=TWO_METRICS)
    assert [set(r) for r in observed] == [{"loss", "size", COST_KEY, "epoch"}] * 3
    observed.clear()
    observe_all(searcher, [c for c in configs if c is not None], [(0.1, 2.0)] * 3)
    assert observed == [{"loss": 0.1, "size": 2.0}] * 3


class TestMOASHAThroughThePublicSuite(MultiMetricSchedulerContract):
    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        return moasha(
            config_space, metric=metrics, mode=modes, resource_attr="epoch", max_resource=9,
            kind="promotion", seed=seed,
        )  # fmt: skip


def test_several_metrics_need_the_multi_metric_factory() -> None:
    class OnlyOne(SchedulerContract):
        metrics = TWO_METRICS

        def make_scheduler(
            self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
        ) -> Scheduler:
            return random_search(config_space, metric=metric, mode=mode, seed=seed)

    with pytest.raises(AssertionError, match=r"sets several metrics \['loss', 'size'\]"):
        OnlyOne().test_simulated_run_makes_progress()


def test_a_scheduler_that_forgets_a_metric_fails_the_suite() -> None:
    class ForgetsSize(MultiMetricSchedulerContract):
        def make_scheduler_for(
            self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
        ) -> Scheduler:
            return random_search(config_space, metric=metrics[0], mode=modes[0], seed=seed)

    with pytest.raises(AssertionError):
        ForgetsSize().test_metric_names_and_modes()
