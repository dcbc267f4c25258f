"""tunelab-core: configuration spaces, schedulers, searchers, backends and the tuner.

The names most users need are re-exported here:

```python
from tunelab.core import Tuner, LocalBackend, StoppingCriterion, loguniform, randint
```

They are imported on first use, so that a training script importing only
`tunelab.core.reporter` or `tunelab.core.checkpoint` starts fast (no pandas).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunelab.core._exports import distribution_version, lazy_exports

if TYPE_CHECKING:
    from tunelab.core.asktell import AskedTrial, AskTell
    from tunelab.core.backends import Backend, LocalBackend, PythonBackend
    from tunelab.core.callbacks import ProgressPrinter, TunerCallback
    from tunelab.core.clock import Clock, RealClock
    from tunelab.core.multiobjective import (
        crowding_distance,
        hypervolume,
        hypervolume_contributions,
        hypervolume_trace,
        nondominated_ranks,
        pareto_mask,
        to_costs,
    )
    from tunelab.core.reporter import Reporter, report
    from tunelab.core.results import Experiment, load_experiment
    from tunelab.core.scheduler import Scheduler
    from tunelab.core.schedulers import FIFOScheduler
    from tunelab.core.searcher import Searcher
    from tunelab.core.searchers import GridSearcher, RandomSearcher
    from tunelab.core.space import (
        Domain,
        choice,
        finrange,
        logfinrange,
        logordinal,
        lograndint,
        loguniform,
        ordinal,
        randint,
        uniform,
    )
    from tunelab.core.status import TuningStatus
    from tunelab.core.stopping import StoppingCriterion
    from tunelab.core.trial import Decision, Trial, TrialResult, TrialStatus, TrialSuggestion
    from tunelab.core.tuner import TooManyFailuresError, Tuner, TunerOptions

_EXPORTS = {
    "asktell": ["AskTell", "AskedTrial"],
    "backends": ["Backend", "LocalBackend", "PythonBackend"],
    "callbacks": ["ProgressPrinter", "TunerCallback"],
    "clock": ["Clock", "RealClock"],
    "multiobjective": [
        "crowding_distance",
        "hypervolume",
        "hypervolume_contributions",
        "hypervolume_trace",
        "nondominated_ranks",
        "pareto_mask",
        "to_costs",
    ],
    "reporter": ["Reporter", "report"],
    "results": ["Experiment", "load_experiment"],
    "scheduler": ["Scheduler"],
    "schedulers": ["FIFOScheduler"],
    "searcher": ["Searcher"],
    "searchers": ["GridSearcher", "RandomSearcher"],
    "space": [
        "Domain",
        "choice",
        "finrange",
        "logfinrange",
        "loguniform",
        "logordinal",
        "lograndint",
        "ordinal",
        "randint",
        "uniform",
    ],
    "status": ["TuningStatus"],
    "stopping": ["StoppingCriterion"],
    "trial": ["Decision", "Trial", "TrialResult", "TrialStatus", "TrialSuggestion"],
    "tuner": ["TooManyFailuresError", "Tuner", "TunerOptions"],
}

__version__ = distribution_version("tunelab-core")
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

__all__ = [
    "AskTell",
    "AskedTrial",
    "Backend",
    "Clock",
    "Decision",
    "Domain",
    "Experiment",
    "FIFOScheduler",
    "GridSearcher",
    "LocalBackend",
    "ProgressPrinter",
    "PythonBackend",
    "RandomSearcher",
    "RealClock",
    "Reporter",
    "Scheduler",
    "Searcher",
    "StoppingCriterion",
    "TooManyFailuresError",
    "Trial",
    "TrialResult",
    "TrialStatus",
    "TrialSuggestion",
    "Tuner",
    "TunerCallback",
    "TunerOptions",
    "TuningStatus",
    "__version__",
    "choice",
    "crowding_distance",
    "finrange",
    "hypervolume",
    "hypervolume_contributions",
    "hypervolume_trace",
    "load_experiment",
    "logfinrange",
    "logordinal",
    "lograndint",
    "loguniform",
    "nondominated_ranks",
    "ordinal",
    "pareto_mask",
    "randint",
    "report",
    "to_costs",
    "uniform",
]
