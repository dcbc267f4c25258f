"""The plugin's own tests: tunelab's contract suites, run on the searcher and the method.

Run them with `pytest examples/scheduler_plugin/tests` (from the repository root) or
`pytest` (from this folder).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from tunelab_example_plugin import LocalSearcher, local_search

from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.testing import RestrictionContract, searcher_contracts

# One line: the searcher's contract, its restriction contract, and runs under the FIFO,
# ASHA, Hyperband and synchronous Hyperband presets. A small population, so that the
# suites also exercise the mutations.
globals().update(searcher_contracts("LocalSearcher", partial(LocalSearcher, population_size=2)))


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
            mode=mode,
            seed=seed,
            population_size=2,
            restrict_to=restrict_to,
        )
