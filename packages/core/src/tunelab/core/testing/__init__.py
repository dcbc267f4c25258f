"""Contract test suites for `Scheduler` and `Searcher` implementations.

Subclass one in a pytest module and implement its factory method; pytest collects the
inherited `test_*` methods:

```python
from tunelab.core.testing import SearcherContract

class TestMySearcher(SearcherContract):
    def make_searcher(self, config_space, *, seed):
        return MySearcher(config_space, seed=seed)
```

The suites report one metric, "loss" (minimised), and each trial's cumulative cost
(`worker_cost`). A multi-objective scheduler or searcher runs them with several:
`MultiMetricSchedulerContract` (implement `make_scheduler_for(config_space, *,
metrics, modes, seed)`) and `MultiMetricSearcherContract`, or any suite with its
`metrics` set to a `ContractMetrics` (`TWO_METRICS`: "loss" min, "size" max):

```python
from tunelab.core.testing import MultiMetricSchedulerContract

class TestMyMOScheduler(MultiMetricSchedulerContract):
    def make_scheduler_for(self, config_space, *, metrics, modes, seed):
        return MyMOScheduler(MySearcher(config_space, seed=seed), metric=metrics, mode=modes)
```

`observe_all` feeds a searcher chosen results in tests of its own.

`RestrictionContract` and `RestrictedSearcherContract` check restriction to a finite
candidate set (`restrict_to`), which every method run on a tabulated benchmark needs.
`searcher_contracts` gives a new searcher all of them in one line, including runs
under the FIFO, ASHA, Hyperband and synchronous Hyperband presets:

```python
globals().update(searcher_contracts("MySearcher", MySearcher))
```

The suites need only pytest (or any runner that collects `Test*` classes).
"""

from tunelab.core.testing.inline_backend import InlineBackend
from tunelab.core.testing.metrics import TWO_METRICS, ContractMetrics, observe_all
from tunelab.core.testing.restriction_contract import (
    RestrictedSearcherContract,
    RestrictionContract,
    candidate_configs,
    restricted_searcher_contracts,
)
from tunelab.core.testing.scheduler_contract import (
    MultiMetricSchedulerContract,
    SchedulerContract,
    simulate,
)
from tunelab.core.testing.searcher_contract import (
    MultiMetricSearcherContract,
    SearcherContract,
    drive_searcher,
)
from tunelab.core.testing.searcher_suite import SCHEDULER_PRESETS, searcher_contracts
from tunelab.core.testing.spaces import contract_config_space, finite_config_space

__all__ = [
    "SCHEDULER_PRESETS",
    "TWO_METRICS",
    "ContractMetrics",
    "InlineBackend",
    "MultiMetricSchedulerContract",
    "MultiMetricSearcherContract",
    "RestrictedSearcherContract",
    "RestrictionContract",
    "SchedulerContract",
    "SearcherContract",
    "candidate_configs",
    "contract_config_space",
    "drive_searcher",
    "finite_config_space",
    "observe_all",
    "restricted_searcher_contracts",
    "searcher_contracts",
    "simulate",
]
