"""Synchronous successive halving / Hyperband and DEHB under the scheduler contract."""

from __future__ import annotations

from typing import Any

from tunelab.core.schedulers.synchronous import (
    DEHBScheduler,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)
from tunelab.core.searchers import RandomSearcher
from tunelab.core.testing import SchedulerContract
from tunelab.core.testing.scheduler_contract import MAX_RESOURCE, RESOURCE
from tunelab.core.trial import Mode


class TestSynchronousSuccessiveHalvingContract(SchedulerContract):
    n_trials = 24

    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> SynchronousSuccessiveHalving:
        return SynchronousSuccessiveHalving(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr=RESOURCE,
            max_resource=MAX_RESOURCE,
        )


class TestSynchronousHyperbandContract(SchedulerContract):
    n_trials = 30

    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> SynchronousHyperbandScheduler:
        return SynchronousHyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr=RESOURCE,
            max_resource=MAX_RESOURCE,
            reduction_factor=2,
        )


class TestExplicitBracketsContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> SynchronousHyperbandScheduler:
        return SynchronousHyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr=RESOURCE,
            brackets=[[(6, 2), (2, 5), (1, 9)], [(3, 4), (1, 9)]],
        )


class TestDEHBContract(SchedulerContract):
    n_trials = 40

    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> DEHBScheduler:
        return DEHBScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr=RESOURCE,
            max_resource=MAX_RESOURCE,
            seed=seed,
        )
