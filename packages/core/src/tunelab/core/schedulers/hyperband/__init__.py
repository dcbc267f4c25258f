"""Asynchronous successive halving, asynchronous Hyperband and PASHA.

- `HyperbandScheduler`: ASHA (Li et al., 2020), stopping, promotion or cost-aware
  promotion kind (`Kind`), with one or several brackets (asynchronous Hyperband);
  `BracketDistribution` is the type of its optional hook that adapts the bracket
  distribution (as Hyper-Tune does).
- `PASHAScheduler`: progressive ASHA (Bohdal et al., 2023).
- `RungSystem`: rung levels, promotion quantiles and brackets, validated once.
"""

from tunelab.core.schedulers.hyperband.brackets import bracket_probabilities, bracket_sizes
from tunelab.core.schedulers.hyperband.levels import RungSystem
from tunelab.core.schedulers.hyperband.pasha import PASHAScheduler
from tunelab.core.schedulers.hyperband.scheduler import (
    BracketDistribution,
    HyperbandScheduler,
    Kind,
)

__all__ = [
    "BracketDistribution",
    "HyperbandScheduler",
    "Kind",
    "PASHAScheduler",
    "RungSystem",
    "bracket_probabilities",
    "bracket_sizes",
]
