"""Transfer learning across tasks: evaluations of earlier tasks and the methods using them.

`TaskEvaluations` holds what one earlier task taught (configurations and their
objectives per seed and fidelity); `TransferEvaluations` maps task names to them.
The methods built on it (presets in `tunelab.core.methods`): `ZeroShotSearcher` (a
portfolio of configurations good across tasks), `bounding_box_space` (the box of the
best configurations of every task), `RUSHScheduler` (ASHA whose rung thresholds
earlier tasks' best configurations set) and `QuantileBasedSearcher` (Copula Thompson
sampling from the earlier tasks' quantiles; needs the `[sklearn]` extra).
"""

from __future__ import annotations

from tunelab.core.transfer._evaluations import (
    TaskEvaluations,
    TransferEvaluations,
    check_transfer_evaluations,
)
from tunelab.core.transfer.bounding_box import bounding_box_space
from tunelab.core.transfer.quantile import QuantileBasedSearcher, gaussian_quantiles
from tunelab.core.transfer.rush import RUSHScheduler, seeded_configs
from tunelab.core.transfer.zero_shot import ZeroShotSearcher

__all__ = [
    "QuantileBasedSearcher",
    "RUSHScheduler",
    "TaskEvaluations",
    "TransferEvaluations",
    "ZeroShotSearcher",
    "bounding_box_space",
    "check_transfer_evaluations",
    "gaussian_quantiles",
    "seeded_configs",
]
