"""The contract suites of `tunelab.core.testing`, run with two metrics.

The suites report one metric, "loss" (minimised). Multi-objective schedulers and
searchers must pass them with several: these subclasses configure "loss" (min) and
"size" (max, a second deterministic function of the configuration) and report both,
and check that every metric reaches the scheduler and the searcher.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, ClassVar

from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.core.space import config_key
from tunelab.core.testing import SchedulerContract, SearcherContract
from tunelab.core.testing.scheduler_contract import simulate
from tunelab.core.trial import Config, Decision, Mode, Trial, TrialSuggestion

METRICS = ["loss", "size"]
MODES: list[Mode] = ["min", "max"]


def _hash(config: Config, salt: bytes) -> float:
    return float(zlib.crc32(salt + repr(config_key(config)).encode()) % 1000) / 1000.0


def loss(config: Config) -> float:
    """The first metric of a configuration (to minimise)."""
    return _hash(config, b"loss")


def size(config: Config) -> float:
    """The second metric of a configuration (to maximise), unrelated to `loss`."""
    return _hash(config, b"size")


class ReportsSize(Scheduler):
    """Forwards the simulated loop's calls to `inner`, adding "size" to each result."""

    def __init__(self, inner: Scheduler) -> None:
        self.inner = inner

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        return self.inner.suggest(trial_id)

    def on_trial_add(self, trial: Trial) -> None:
        self.inner.on_trial_add(trial)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        return self.inner.on_trial_result(trial, {**result, "size": size(trial.config)})

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self.inner.on_trial_complete(trial, {**result, "size": size(trial.config)})

    def on_trial_error(self, trial: Trial) -> None:
        self.inner.on_trial_error(trial)

    def on_trial_remove(self, trial: Trial) -> None:
        self.inner.on_trial_remove(trial)

    def metric_names(self) -> list[str]:
        return self.inner.metric_names()

    def metric_mode(self) -> list[Mode]:
        return self.inner.metric_mode()


class TwoMetricSchedulerContract(SchedulerContract):
    """`SchedulerContract` with metrics "loss" (min) and "size" (max); implement
    `make_scheduler_for`.

    Attributes:
        searcher_metrics: The metrics the scheduler's searcher is configured with
            (None: both metrics).
    """

    searcher_metrics: ClassVar[list[str] | None] = None

    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        raise AssertionError("subclasses implement make_scheduler_for")

    def _make(self, seed: int) -> Scheduler:
        from tunelab.core.testing import contract_config_space

        space = contract_config_space()
        return self.make_scheduler_for(space, metrics=METRICS, modes=MODES, seed=seed)

    def _simulate(
        self, scheduler: Scheduler, n_trials: int, state: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return simulate(
            ReportsSize(scheduler), n_trials=n_trials, n_workers=self.n_workers, state=state
        )

    def test_metric_names_and_modes(self) -> None:
        scheduler = self._make(seed=0)
        assert scheduler.metric_names() == METRICS
        assert scheduler.metric_mode() == MODES
        if scheduler.searcher is not None and self.searcher_metrics is None:
            assert list(scheduler.searcher.metrics) == METRICS
            assert list(scheduler.searcher.modes) == MODES
        elif scheduler.searcher is not None:
            assert list(scheduler.searcher.metrics) == self.searcher_metrics


def drive(searcher: Searcher, start: int, n: int, *, fail_every: int = 5) -> list[Config | None]:
    """`drive_searcher` of the searcher contract, reporting both metrics."""
    configs: list[Config | None] = []
    for trial_id in range(start, start + n):
        config = searcher.suggest(trial_id)
        configs.append(config)
        if config is None:
            continue
        searcher.register_pending(trial_id, config)
        if trial_id % fail_every == fail_every - 1:
            searcher.on_error(trial_id)
            continue
        result = {"loss": loss(config), "size": size(config), "epoch": 1}
        searcher.observe(trial_id, config, result)
        searcher.remove_pending(trial_id)
    return configs


class TwoMetricSearcherContract(SearcherContract):
    """`SearcherContract` with the searcher configured for "loss" (min) and "size"
    (max), and both reported; implement `make_searcher`."""

    def _configured(self, config_space: dict[str, Any], seed: int) -> Searcher:
        searcher = self.make_searcher(config_space, seed=seed)
        searcher.configure(metric=METRICS, mode=MODES)
        return searcher

    def _drive(self, searcher: Searcher, start: int, n: int) -> list[Config | None]:
        return drive(searcher, start, n)


def observe_all(
    searcher: Searcher, configs: Sequence[Config], values: Sequence[Sequence[float]]
) -> None:
    """Register and observe `configs` as trials 0, 1, ... with the metric `values`."""
    for trial_id, (config, row) in enumerate(zip(configs, values, strict=True)):
        searcher.register_pending(trial_id, config)
        searcher.observe(trial_id, config, dict(zip(searcher.metrics, row, strict=True)))
        searcher.remove_pending(trial_id)
