"""Learning-curve models over (configuration, resource) and the MOBSTER searcher.

Inputs are encoded configurations with one extra last column: the resource level
(normalised to (0, 1] by the maximum resource).

- `ExpDecayResourceKernel`: a joint GP with the exponential-decay ("exp-decay-sum")
  resource kernel (Tiao et al., 2020, after Swersky et al., 2014);
- `PerLevelKernel` and `PerLevelMean`: independent GPs per rung level sharing the
  lengthscales of one Matern 5/2 ARD kernel;
- `MOBSTERSearcher`: the searcher of MOBSTER for `HyperbandScheduler`;
- `HyperTuneSearcher`: the searcher of Hyper-Tune (ensemble of the per-level GPs,
  adaptive bracket distribution; `rung_weights` holds its pure parts);
- `DyHPOSearcher` and `DyHPOScheduler`: DyHPO's model-based promotions on linearly
  spaced rung levels.

Other resource kernels of the joint model (`ResourceKernel`): the product form,
`delta` fixed at 0 (Freeze-Thaw) or 1, and a Matern 5/2 kernel over (x, r).
"""

from tunelab.gp.learning_curves.dyhpo import DyHPOSearcher, PausedTrial
from tunelab.gp.learning_curves.dyhpo_scheduler import DyHPOScheduler
from tunelab.gp.learning_curves.hyper_tune import HyperTuneSearcher
from tunelab.gp.learning_curves.independent import PerLevelKernel, PerLevelMean
from tunelab.gp.learning_curves.joint import ExpDecayResourceKernel, ResourceKernel
from tunelab.gp.learning_curves.searcher import MOBSTERSearcher

__all__ = [
    "DyHPOScheduler",
    "DyHPOSearcher",
    "ExpDecayResourceKernel",
    "HyperTuneSearcher",
    "MOBSTERSearcher",
    "PausedTrial",
    "PerLevelKernel",
    "PerLevelMean",
    "ResourceKernel",
]
