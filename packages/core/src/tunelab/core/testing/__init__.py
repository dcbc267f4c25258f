"""Contract test suites for `Scheduler` and `Searcher` implementations.

Subclass one in a pytest module and implement its factory method; pytest collects the
inherited `test_*` methods:

```python
from tunelab.core.testing import SearcherContract

class TestMySearcher(SearcherContract):
    def make_searcher(self, config_space, *, seed):
        return MySearcher(config_space, seed=seed)
```

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
from tunelab.core.testing.restriction_contract import (
    RestrictedSearcherContract,
    RestrictionContract,
    candidate_configs,
    restricted_searcher_contracts,
)
from tunelab.core.testing.scheduler_contract import SchedulerContract
from tunelab.core.testing.searcher_contract import SearcherContract
from tunelab.core.testing.searcher_suite import SCHEDULER_PRESETS, searcher_contracts
from tunelab.core.testing.spaces import contract_config_space, finite_config_space

__all__ = [
    "SCHEDULER_PRESETS",
    "InlineBackend",
    "RestrictedSearcherContract",
    "RestrictionContract",
    "SchedulerContract",
    "SearcherContract",
    "candidate_configs",
    "contract_config_space",
    "finite_config_space",
    "restricted_searcher_contracts",
    "searcher_contracts",
]
