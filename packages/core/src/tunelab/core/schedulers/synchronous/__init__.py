"""Synchronous successive halving, Hyperband and DEHB: promotions wait for full rungs."""

from tunelab.core.schedulers._levels import geometric_levels
from tunelab.core.schedulers.synchronous.brackets import (
    Bracket,
    BracketLike,
    BracketRung,
    geometric_brackets,
)
from tunelab.core.schedulers.synchronous.dehb import DEHBScheduler, DifferentialEvolution
from tunelab.core.schedulers.synchronous.hyperband import (
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)

__all__ = [
    "Bracket",
    "BracketLike",
    "BracketRung",
    "DEHBScheduler",
    "DifferentialEvolution",
    "SynchronousHyperbandScheduler",
    "SynchronousSuccessiveHalving",
    "geometric_brackets",
    "geometric_levels",
]
