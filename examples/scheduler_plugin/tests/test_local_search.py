"""The plugin's own tests: tunelab's contract suites, run on the searcher and the method.

Run them with `pytest examples/scheduler_plugin/tests` (from the repository root) or
`pytest` (from this folder).
"""

from __future__ import annotations

from typing import Any

from tunelab_example_plugin import LocalSearcher, local_search

from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.testing import RestrictionContract, SchedulerContract, SearcherContract


class TestLocalSearcher(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> LocalSearcher:
        # A small population, so that the suites also exercise the mutations.
        return LocalSearcher(config_space, population_size=2, seed=seed)


class TestLocalSearchScheduler(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: str, seed: int
    ) -> FIFOScheduler:
        return local_search(
            config_space,
            metric=metric,
            mode=mode,  # type: ignore[arg-type]
            seed=seed,
            population_size=2,
        )


class TestLocalSearchRestriction(RestrictionContract):
    def make_scheduler(
        self,
        config_space: dict[str, Any],
        *,
        metric: str,
        mode: str,
        seed: int,
        restrict_to: list[dict[str, Any]],
    ) -> FIFOScheduler:
        return local_search(
            config_space,
            metric=metric,
            mode=mode,  # type: ignore[arg-type]
            seed=seed,
            population_size=2,
            restrict_to=restrict_to,
        )
