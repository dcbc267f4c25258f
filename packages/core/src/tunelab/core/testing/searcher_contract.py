"""The contract every `Searcher` must honour."""

from __future__ import annotations

import copy
import pickle
from typing import Any, ClassVar

from tunelab.core.searcher import Searcher
from tunelab.core.space import config_key, validate_config
from tunelab.core.testing.metrics import TWO_METRICS, ContractMetrics
from tunelab.core.testing.spaces import contract_config_space, finite_config_space

METRIC = "loss"


def drive_searcher(
    searcher: Searcher,
    start: int,
    n: int,
    *,
    fail_every: int | None = None,
    metrics: ContractMetrics | None = None,
) -> list[dict[str, Any] | None]:
    """Suggest, register and observe trials `start, ..., start + n - 1`; return the
    suggested configs (None where the searcher gave up).

    Each trial reports `metrics.observation(config)` (default `ContractMetrics()`:
    "loss" and the cost) at epoch 1. With `fail_every=k`, trials whose id is `k - 1`
    modulo `k` fail (`on_error`) instead.
    """
    reported = ContractMetrics() if metrics is None else metrics
    configs: list[dict[str, Any] | None] = []
    for trial_id in range(start, start + n):
        config = searcher.suggest(trial_id)
        configs.append(config)
        if config is None:
            continue
        searcher.register_pending(trial_id, config)
        if fail_every is not None and trial_id % fail_every == fail_every - 1:
            searcher.on_error(trial_id)
        else:
            searcher.observe(trial_id, config, {**reported.observation(config), "epoch": 1})
            searcher.remove_pending(trial_id)
    return configs


class SearcherContract:
    """Inherit in a pytest class and implement `make_searcher`.

    The searcher is configured with metric "loss" (min) and observes it, and the
    trial's cost `worker_cost`, at epoch 1 (`ContractMetrics`). A multi-objective
    searcher sets `metrics` to several (e.g. `TWO_METRICS`, or inherit
    `MultiMetricSearcherContract`): it is configured with all of them, and each
    observation reports them all.

    Attributes:
        exhausts_finite_spaces: Set False for searchers that may legitimately repeat
            configurations of a finite space (the exhaustion test is then skipped).
        n_suggestions: Suggestions drawn per test; lower it for expensive searchers.
        metrics: What the searcher is configured with and observes.
    """

    exhausts_finite_spaces = True
    n_suggestions = 12
    metrics: ClassVar[ContractMetrics] = ContractMetrics()

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> Searcher:
        raise AssertionError("subclasses of SearcherContract implement make_searcher")

    def _configured(self, config_space: dict[str, Any], seed: int) -> Searcher:
        searcher = self.make_searcher(config_space, seed=seed)
        assert isinstance(searcher, Searcher), "make_searcher must return a Searcher"
        self.metrics.configure(searcher)
        return searcher

    def _drive(self, searcher: Searcher, start: int, n: int) -> list[dict[str, Any] | None]:
        """`drive_searcher` with every fifth trial failing."""
        return drive_searcher(searcher, start, n, fail_every=5, metrics=self.metrics)

    def test_it_is_configured_with_every_metric(self) -> None:
        searcher = self._configured(contract_config_space(), seed=0)
        assert list(searcher.metrics) == list(self.metrics.names)
        assert list(searcher.modes) == list(self.metrics.modes)

    def test_it_declares_its_config_space(self) -> None:
        space = contract_config_space()
        searcher = self._configured(space, seed=0)
        assert isinstance(searcher.config_space, dict), (
            "set `self.config_space` in __init__: schedulers read the maximum resource "
            "from it and the tuner records it"
        )
        assert set(searcher.config_space) == set(space)

    def test_suggestions_are_valid_configs(self) -> None:
        space = contract_config_space()
        searcher = self._configured(space, seed=0)
        for config in self._drive(searcher, 0, self.n_suggestions):
            assert config is not None, "a searcher over an infinite space must not give up"
            assert validate_config(space, config) == config

    def test_same_seed_same_suggestions(self) -> None:
        space = contract_config_space()
        first = self._drive(self._configured(space, seed=3), 0, self.n_suggestions)
        second = self._drive(self._configured(space, seed=3), 0, self.n_suggestions)
        assert first == second

    def test_state_dict_round_trip_continues_identically(self) -> None:
        space = contract_config_space()
        searcher = self._configured(space, seed=1)
        self._drive(searcher, 0, self.n_suggestions // 2)
        state = pickle.loads(pickle.dumps(searcher.state_dict()))
        restored = self._configured(space, seed=999)
        restored.load_state_dict(copy.deepcopy(state))
        half = self.n_suggestions // 2
        expected = self._drive(searcher, half, half)
        assert self._drive(restored, half, half) == expected

    def test_finite_space_is_exhausted_without_duplicates(self) -> None:
        if not self.exhausts_finite_spaces:
            return
        space = finite_config_space()
        searcher = self._configured(space, seed=0)
        configs = self._drive(searcher, 0, 12)
        assert all(config is not None for config in configs)
        keys = {config_key(config) for config in configs if config is not None}
        assert len(keys) == 12, "a finite space's configurations must not repeat"
        assert searcher.suggest(12) is None, "an exhausted finite space must give None"


class MultiMetricSearcherContract(SearcherContract):
    """`SearcherContract` with two metrics, "loss" (min) and "size" (max)
    (`TWO_METRICS`); implement `make_searcher`."""

    metrics: ClassVar[ContractMetrics] = TWO_METRICS
