"""The contract every `Scheduler` must honour, checked on a simulated tuning loop."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any, ClassVar

from tunelab.core.scheduler import Scheduler
from tunelab.core.space import validate_config
from tunelab.core.testing.metrics import TWO_METRICS, ContractMetrics
from tunelab.core.testing.spaces import contract_config_space
from tunelab.core.trial import Decision, Mode, Trial, TrialStatus

METRIC = "loss"
RESOURCE = "epoch"
MAX_RESOURCE = 9


class SchedulerContract:
    """Inherit in a pytest class and implement `make_scheduler`.

    The scheduler is built over `contract_config_space()` (constant `epochs` = 9),
    with metric "loss" to minimise and resource "epoch" reported from 1 to 9; every
    result also carries the trial's cumulative cost, `worker_cost` (see
    `ContractMetrics`). A multi-objective scheduler sets `metrics` to several (e.g.
    `TWO_METRICS`, or inherit `MultiMetricSchedulerContract`) and implements
    `make_scheduler_for` instead: every result then reports all of them.

    Attributes:
        n_trials: Trials started in the simulated runs.
        n_workers: Trials running at the same time in the simulated runs.
        metrics: What the trials report: metrics with their modes, and a cost key.
        searcher_metrics: With several metrics, those the scheduler's searcher must be
            configured with; None: all of `metrics` (a scalarizing scheduler gives its
            searcher one metric of its own).
    """

    n_trials = 16
    n_workers = 3
    metrics: ClassVar[ContractMetrics] = ContractMetrics()
    searcher_metrics: ClassVar[Sequence[str] | None] = None

    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> Scheduler:
        """The scheduler under test, for one metric."""
        raise AssertionError("subclasses of SchedulerContract implement make_scheduler")

    def make_scheduler_for(
        self, config_space: dict[str, Any], *, metrics: list[str], modes: list[Mode], seed: int
    ) -> Scheduler:
        """The scheduler under test, for several metrics (`metrics` has more than one)."""
        raise AssertionError(
            f"{type(self).__name__} sets several metrics {list(self.metrics.names)}: "
            "implement make_scheduler_for"
        )

    def _make(self, seed: int) -> Scheduler:
        space, metrics = contract_config_space(), self.metrics
        if metrics.several:
            scheduler = self.make_scheduler_for(
                space, metrics=list(metrics.names), modes=list(metrics.modes), seed=seed
            )
        else:
            scheduler = self.make_scheduler(
                space, metric=metrics.names[0], mode=metrics.modes[0], seed=seed
            )
        assert isinstance(scheduler, Scheduler), "the factory must return a Scheduler"
        return scheduler

    def _simulate(
        self, scheduler: Scheduler, n_trials: int, state: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return simulate(
            scheduler,
            n_trials=n_trials,
            n_workers=self.n_workers,
            state=state,
            metrics=self.metrics,
        )

    def test_metric_names_and_modes(self) -> None:
        scheduler = self._make(seed=0)
        assert scheduler.metric_names() == list(self.metrics.names)
        assert scheduler.metric_mode() == list(self.metrics.modes)
        searcher = scheduler.searcher
        if not self.metrics.several or searcher is None:
            return
        if self.searcher_metrics is None:
            assert list(searcher.metrics) == list(self.metrics.names), "configure every metric"
            assert list(searcher.modes) == list(self.metrics.modes)
        else:
            assert list(searcher.metrics) == list(self.searcher_metrics)

    def test_simulated_run_makes_progress(self) -> None:
        sim = self._simulate(self._make(seed=0), self.n_trials)
        assert sim["next_id"] > 0, "the scheduler never suggested a configuration"
        results = [entry for entry in sim["log"] if entry[0] == "result"]
        assert results, "no result was ever reported"

    def test_same_seed_same_run(self) -> None:
        first = self._simulate(self._make(seed=5), self.n_trials)["log"]
        second = self._simulate(self._make(seed=5), self.n_trials)["log"]
        assert first == second

    def test_state_dict_round_trip_continues_identically(self) -> None:
        half = self.n_trials // 2
        original = self._make(seed=2)
        sim = self._simulate(original, half)
        saved_sim = pickle.loads(pickle.dumps(sim))
        restored = self._make(seed=12345)
        restored.load_state_dict(pickle.loads(pickle.dumps(original.state_dict())))
        expected = self._simulate(original, self.n_trials, sim)["log"]
        assert self._simulate(restored, self.n_trials, saved_sim)["log"] == expected


class MultiMetricSchedulerContract(SchedulerContract):
    """`SchedulerContract` with two metrics, "loss" (min) and "size" (max)
    (`TWO_METRICS`); implement `make_scheduler_for`."""

    metrics: ClassVar[ContractMetrics] = TWO_METRICS


def simulate(
    scheduler: Scheduler,
    *,
    n_trials: int,
    n_workers: int,
    state: dict[str, Any] | None = None,
    metrics: ContractMetrics | None = None,
) -> dict[str, Any]:
    """Run `scheduler` over the contract's learning curves: round-robin over running
    trials, one epoch each, until `n_trials` were started and none runs (or the
    scheduler has nothing to do). Results report `metrics` (default: "loss" and the
    cost, `ContractMetrics()`) and the epoch. A paused trial resumes where it paused,
    as from a checkpoint. Returns the full history (continue it by passing it back as
    `state`); its "log" lists ("start", trial id, config), ("result", trial id, epoch,
    decision) and ("error", trial id) entries."""
    reported = ContractMetrics() if metrics is None else metrics
    sim = state or {"trials": {}, "epoch": {}, "log": [], "next_id": 0}
    trials: dict[int, Trial] = sim["trials"]
    space = contract_config_space()
    while True:
        running = [t for t in trials.values() if t.status is TrialStatus.RUNNING]
        while len(running) < n_workers and sim["next_id"] < n_trials:
            suggestion = scheduler.suggest(sim["next_id"])
            if suggestion is None:
                break
            if suggestion.resume_trial_id is not None:
                trial = trials[suggestion.resume_trial_id]
                assert trial.status is TrialStatus.PAUSED, "only paused trials resume"
                if suggestion.config is not None:
                    trial.config = suggestion.config
                trial.status = TrialStatus.RUNNING
            else:
                assert suggestion.config is not None
                assert validate_config(space, suggestion.config) == suggestion.config
                trial = Trial(sim["next_id"], suggestion.config)
                trials[trial.trial_id] = trial
                sim["epoch"][trial.trial_id] = 0
                sim["next_id"] += 1
                scheduler.on_trial_add(trial)
            sim["log"].append(("start", trial.trial_id, dict(trial.config)))
            running.append(trial)
        if not running:
            return sim
        for trial in running:
            _step(scheduler, trial, sim, reported)


def _step(
    scheduler: Scheduler, trial: Trial, sim: dict[str, Any], metrics: ContractMetrics
) -> None:
    sim["epoch"][trial.trial_id] += 1
    epoch = sim["epoch"][trial.trial_id]
    if trial.trial_id % 7 == 6 and epoch == 2:
        trial.status = TrialStatus.FAILED
        scheduler.on_trial_error(trial)
        sim["log"].append(("error", trial.trial_id))
        return
    result: dict[str, Any] = {**metrics.result(trial.config, epoch), RESOURCE: epoch}
    decision = scheduler.on_trial_result(trial, result)
    assert isinstance(decision, Decision), "on_trial_result must return a Decision"
    sim["log"].append(("result", trial.trial_id, epoch, decision))
    if decision is Decision.STOP:
        trial.status = TrialStatus.STOPPED
        scheduler.on_trial_remove(trial)
    elif decision is Decision.PAUSE:
        trial.status = TrialStatus.PAUSED
    elif epoch >= MAX_RESOURCE:
        trial.status = TrialStatus.COMPLETED
        scheduler.on_trial_complete(trial, result)
