"""Results on disk: the experiment folder format and `load_experiment`."""

from tunelab.core.results.experiment import BestResult, Experiment, best_result, load_experiment
from tunelab.core.results.store import (
    CONFIG_PREFIX,
    METADATA_FILE,
    RESULTS_FILE,
    STATE_DIR,
    ExperimentStore,
)

__all__ = [
    "CONFIG_PREFIX",
    "METADATA_FILE",
    "RESULTS_FILE",
    "STATE_DIR",
    "BestResult",
    "Experiment",
    "ExperimentStore",
    "best_result",
    "load_experiment",
]
