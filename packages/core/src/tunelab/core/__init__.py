"""tunelab-core: configuration spaces, schedulers, searchers, backends and the tuner.

The names most users need are re-exported here:

```python
from tunelab.core import Tuner, LocalBackend, StoppingCriterion, loguniform, randint
```

They are imported on first use, so that a training script importing only
`tunelab.core.reporter` or `tunelab.core.checkpoint` starts fast (no pandas).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunelab.core.asktell import AskedTrial, AskTell
    from tunelab.core.backends import Backend, LocalBackend, PythonBackend
    from tunelab.core.callbacks import ProgressPrinter, TunerCallback
    from tunelab.core.clock import Clock, RealClock
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
    "tunelab.core.asktell": ["AskTell", "AskedTrial"],
    "tunelab.core.backends": ["Backend", "LocalBackend", "PythonBackend"],
    "tunelab.core.callbacks": ["ProgressPrinter", "TunerCallback"],
    "tunelab.core.clock": ["Clock", "RealClock"],
    "tunelab.core.reporter": ["Reporter", "report"],
    "tunelab.core.results": ["Experiment", "load_experiment"],
    "tunelab.core.scheduler": ["Scheduler"],
    "tunelab.core.schedulers": ["FIFOScheduler"],
    "tunelab.core.searcher": ["Searcher"],
    "tunelab.core.searchers": ["GridSearcher", "RandomSearcher"],
    "tunelab.core.space": [
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
    "tunelab.core.status": ["TuningStatus"],
    "tunelab.core.stopping": ["StoppingCriterion"],
    "tunelab.core.trial": ["Decision", "Trial", "TrialResult", "TrialStatus", "TrialSuggestion"],
    "tunelab.core.tuner": ["TooManyFailuresError", "Tuner", "TunerOptions"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

try:
    __version__ = version("tunelab-core")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

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
    "finrange",
    "load_experiment",
    "logfinrange",
    "logordinal",
    "lograndint",
    "loguniform",
    "ordinal",
    "randint",
    "report",
    "uniform",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'tunelab.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))
