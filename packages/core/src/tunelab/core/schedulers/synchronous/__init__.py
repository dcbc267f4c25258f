"""Synchronous successive halving, Hyperband and DEHB: promotions wait for full rungs."""

from tunelab.core.schedulers.synchronous.brackets import (
    Bracket,
    BracketLike,
    Rung,
    geometric_brackets,
    geometric_levels,
)
from tunelab.core.schedulers.synchronous.dehb import DEHBScheduler, DifferentialEvolution
from tunelab.core.schedulers.synchronous.hyperband import (
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)

__all__ = [
    "Bracket",
    "BracketLike",
    "DEHBScheduler",
    "DifferentialEvolution",
    "Rung",
    "SynchronousHyperbandScheduler",
    "SynchronousSuccessiveHalving",
    "geometric_brackets",
    "geometric_levels",
]
