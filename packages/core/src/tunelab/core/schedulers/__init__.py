"""Schedulers: decide when trials start, pause, resume and stop."""

from tunelab.core.schedulers.fifo import FIFOScheduler
from tunelab.core.schedulers.hyperband import HyperbandScheduler, PASHAScheduler, RungSystem
from tunelab.core.schedulers.median_stopping import MedianStoppingRule
from tunelab.core.schedulers.moasha import MOASHAScheduler
from tunelab.core.schedulers.pbt import PopulationBasedTraining
from tunelab.core.schedulers.scalarized import LinearScalarizedScheduler
from tunelab.core.schedulers.synchronous import (
    Bracket,
    DEHBScheduler,
    DifferentialEvolution,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
    geometric_brackets,
)

__all__ = [
    "Bracket",
    "DEHBScheduler",
    "DifferentialEvolution",
    "FIFOScheduler",
    "HyperbandScheduler",
    "LinearScalarizedScheduler",
    "MOASHAScheduler",
    "MedianStoppingRule",
    "PASHAScheduler",
    "PopulationBasedTraining",
    "RungSystem",
    "SynchronousHyperbandScheduler",
    "SynchronousSuccessiveHalving",
    "geometric_brackets",
]
