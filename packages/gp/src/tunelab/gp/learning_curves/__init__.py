"""Learning-curve models over (configuration, resource) and the MOBSTER searcher.

Inputs are encoded configurations with one extra last column: the resource level
(normalised to (0, 1] by the maximum resource).

- `ExpDecayResourceKernel`: a joint GP with the exponential-decay ("exp-decay-sum")
  resource kernel (Tiao et al., 2020, after Swersky et al., 2014);
- `PerLevelKernel` and `PerLevelMean`: independent GPs per rung level sharing the
  lengthscales of one Matern 5/2 ARD kernel;
- `MOBSTERSearcher`: the searcher of MOBSTER for `HyperbandScheduler`;
- `HyperTuneSearcher`: the searcher of Hyper-Tune (ensemble of the per-level GPs,
  adaptive bracket distribution; `rung_weights` holds its pure parts).
"""

from tunelab.gp.learning_curves.hyper_tune import HyperTuneSearcher
from tunelab.gp.learning_curves.independent import PerLevelKernel, PerLevelMean
from tunelab.gp.learning_curves.joint import ExpDecayResourceKernel
from tunelab.gp.learning_curves.searcher import MOBSTERSearcher

__all__ = [
    "ExpDecayResourceKernel",
    "HyperTuneSearcher",
    "MOBSTERSearcher",
    "PerLevelKernel",
    "PerLevelMean",
]
