"""tunelab-blackbox: benchmarks as blackboxes, their repository, and the simulator.

```python
from tunelab.blackbox import SimulatorBackend, load

blackbox = load("sklearn-digits-mlp")          # shipped with the package
backend = SimulatorBackend(blackbox)            # virtual time: hours in seconds
```
"""

from __future__ import annotations

from tunelab.blackbox.analytic import (
    AnalyticBlackbox,
    ackley,
    branin,
    hartmann3,
    hartmann6,
    rosenbrock,
)
from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.constrained import Bound, ConstrainedBlackbox
from tunelab.blackbox.multitask import MultiTaskBlackbox
from tunelab.blackbox.repository import (
    Recipe,
    list_blackboxes,
    load,
    load_tasks,
    register_recipe,
)
from tunelab.blackbox.simulator import SimulatedClock, SimulatorBackend
from tunelab.blackbox.surrogate import SurrogateBlackbox
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core._exports import distribution_version

__version__ = distribution_version("tunelab-blackbox")

__all__ = [
    "AnalyticBlackbox",
    "Blackbox",
    "Bound",
    "ConstrainedBlackbox",
    "MultiTaskBlackbox",
    "Recipe",
    "SimulatedClock",
    "SimulatorBackend",
    "SurrogateBlackbox",
    "TabularBlackbox",
    "__version__",
    "ackley",
    "branin",
    "hartmann3",
    "hartmann6",
    "list_blackboxes",
    "load",
    "load_tasks",
    "register_recipe",
    "rosenbrock",
]
