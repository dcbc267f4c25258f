"""The contract of restriction to a finite candidate set (`restrict_to`).

On a tabulated benchmark only the table's configurations exist. A scheduler or
searcher given `restrict_to` must only ever run members of that set, so that every
method of a comparison solves the same problem.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.core.space import CandidateSet, sample_config, validate_config
from tunelab.core.testing.scheduler_contract import METRIC, simulate
from tunelab.core.testing.searcher_contract import drive_searcher
from tunelab.core.testing.spaces import contract_config_space
from tunelab.core.trial import Config, Mode


def candidate_configs(n: int, *, seed: int = 7) -> list[Config]:
    """`n` distinct configurations of `contract_config_space()` (a stand-in table)."""
    space = contract_config_space()
    rng = np.random.default_rng(seed)
    configs: list[Config] = []
    while len(configs) < n:
        config = sample_config(space, rng)
        if config not in configs:
            configs.append(config)
    return configs


class RestrictionContract:
    """Inherit in a pytest class and implement `make_scheduler`, which must pass
    `restrict_to` on to whatever makes configurations (searcher and scheduler).

    The scheduler runs on the learning curves of `SchedulerContract` over
    `contract_config_space()`, restricted to `candidate_configs(n_candidates)`; more
    trials are offered than there are candidates, so a scheduler also shows what it
    does when the set is used up.

    Attributes:
        n_candidates: Size of the candidate set.
        n_trials: Trials offered in the simulated runs.
        n_workers: Trials running at the same time.
    """

    n_candidates = 8
    n_trials = 20
    n_workers = 3

    def make_scheduler(
        self,
        config_space: dict[str, Any],
        *,
        metric: str,
        mode: Mode,
        seed: int,
        restrict_to: list[Config],
    ) -> Scheduler:
        raise AssertionError("subclasses of RestrictionContract implement make_scheduler")

    def _make(self, seed: int) -> Scheduler:
        scheduler = self.make_scheduler(
            contract_config_space(),
            metric=METRIC,
            mode="min",
            seed=seed,
            restrict_to=candidate_configs(self.n_candidates),
        )
        assert isinstance(scheduler, Scheduler), "make_scheduler must return a Scheduler"
        return scheduler

    def _run(
        self, scheduler: Scheduler, state: dict[str, Any] | None = None, n: int | None = None
    ) -> dict[str, Any]:
        n_trials = self.n_trials if n is None else n
        return simulate(scheduler, n_trials=n_trials, n_workers=self.n_workers, state=state)

    def test_runs_only_candidates(self) -> None:
        members = CandidateSet(contract_config_space(), candidate_configs(self.n_candidates))
        log = self._run(self._make(seed=0))["log"]
        started = [entry[2] for entry in log if entry[0] == "start"]
        assert started, "the scheduler never started a trial"
        outside = [config for config in started if members.index_of(config) is None]
        assert not outside, f"configurations outside restrict_to were run: {outside}"

    def test_same_seed_same_restricted_run(self) -> None:
        first = self._run(self._make(seed=4))["log"]
        second = self._run(self._make(seed=4))["log"]
        assert first == second

    def test_state_dict_round_trip_keeps_the_restriction(self) -> None:
        original = self._make(seed=3)
        sim = self._run(original, n=self.n_trials // 2)
        saved_sim = pickle.loads(pickle.dumps(sim))
        restored = self._make(seed=999)
        restored.load_state_dict(pickle.loads(pickle.dumps(original.state_dict())))
        expected = self._run(original, sim)["log"]
        assert self._run(restored, saved_sim)["log"] == expected


class RestrictedSearcherContract:
    """Inherit in a pytest class and implement `make_searcher`, which must pass
    `restrict_to` on to the searcher.

    A searcher restricted to a set suggests each member at most once (its own
    suggestions, and configurations registered as pending by the scheduler), only
    members, and None once all are used.
    """

    n_candidates = 10

    def make_searcher(
        self, config_space: dict[str, Any], *, seed: int, restrict_to: list[Config]
    ) -> Searcher:
        raise AssertionError("subclasses of RestrictedSearcherContract implement make_searcher")

    def _configured(self, seed: int) -> Searcher:
        searcher = self.make_searcher(
            contract_config_space(), seed=seed, restrict_to=candidate_configs(self.n_candidates)
        )
        assert isinstance(searcher, Searcher), "make_searcher must return a Searcher"
        searcher.configure(metric=METRIC, mode="min", resource_attr="epoch")
        return searcher

    def test_suggests_each_member_once_then_none(self) -> None:
        space = contract_config_space()
        members = CandidateSet(space, candidate_configs(self.n_candidates))
        configs = drive_searcher(self._configured(seed=0), 0, self.n_candidates)
        assert all(config is not None for config in configs), "a member was left unused"
        found = [members.index_of(config) for config in configs if config is not None]
        indices = [index for index in found if index is not None]
        assert len(indices) == len(found), "a suggestion is not a member of restrict_to"
        assert sorted(indices) == list(range(self.n_candidates)), "a member was repeated"
        for config in configs:
            assert config is not None and validate_config(space, config) == config

    def test_none_once_every_member_is_used(self) -> None:
        searcher = self._configured(seed=1)
        drive_searcher(searcher, 0, self.n_candidates)
        assert searcher.suggest(self.n_candidates) is None

    def test_pending_members_are_not_suggested(self) -> None:
        searcher = self._configured(seed=2)
        taken = candidate_configs(self.n_candidates)[:3]
        for trial_id, config in enumerate(taken):
            searcher.register_pending(100 + trial_id, config)
        members = CandidateSet(contract_config_space(), taken)
        suggested = drive_searcher(searcher, 0, self.n_candidates - len(taken))
        assert all(c is not None and members.index_of(c) is None for c in suggested)

    def test_state_dict_round_trip_keeps_the_restriction(self) -> None:
        searcher = self._configured(seed=3)
        half = self.n_candidates // 2
        drive_searcher(searcher, 0, half)
        restored = self._configured(seed=99)
        restored.load_state_dict(copy.deepcopy(pickle.loads(pickle.dumps(searcher.state_dict()))))
        expected = drive_searcher(searcher, half, self.n_candidates - half + 1)
        assert drive_searcher(restored, half, self.n_candidates - half + 1) == expected


SearcherFactory = Callable[[dict[str, Any], int, list[Config]], Searcher]
"""Builds a restricted searcher from (config_space, seed, restrict_to)."""


def restricted_searcher_contracts(factories: Mapping[str, SearcherFactory]) -> dict[str, type]:
    """One `RestrictedSearcherContract` test class per factory, named `TestRestricted_<name>`.

    Put them in a test module with `globals().update(restricted_searcher_contracts(...))`.
    """

    def contract(factory: SearcherFactory) -> type:
        class Contract(RestrictedSearcherContract):
            def make_searcher(
                self, config_space: dict[str, Any], *, seed: int, restrict_to: list[Config]
            ) -> Searcher:
                return factory(config_space, seed, restrict_to)

        return Contract

    classes = {}
    for name, factory in factories.items():
        cls = contract(factory)
        cls.__name__ = cls.__qualname__ = f"TestRestricted_{name}"
        classes[cls.__name__] = cls
    return classes
