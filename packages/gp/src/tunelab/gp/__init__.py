"""tunelab-gp: Gaussian-process Bayesian optimization for tunelab (numpy, scipy, autograd).

Searchers that plug into tunelab-core's schedulers, and presets (`tunelab.gp.methods`,
`conf/method/*.yaml`). The parts, each a small module:

- `kernels` (Matern 5/2 ARD), `warping` (Kumaraswamy input warping), `mean`,
  `likelihood`, `targets` (normalisation, Box-Cox), `model` (exact GP: one Cholesky
  with jitter retries, `posterior(x) -> (mean, variance)`, the marginal likelihood
  with autograd gradients);
- `fit` (type-II maximum likelihood with priors, L-BFGS-B, restarts, warm start, the
  `opt_skip_*` refit schedule, the cap on the data), `surrogate` (all of it kept
  across updates);
- `acquisition` (EI, LCB), `optimize` (random candidates + L-BFGS-B refinement),
  `fantasize` (pending evaluations);
- `searchers` (`GPSearcher`), `learning_curves` (joint models with several resource
  kernels and independent per-level models; `MOBSTERSearcher`,
  `HyperTuneSearcher`, `DyHPOSearcher` with `DyHPOScheduler`), `multiobjective`
  (`ParEGOSearcher`, `LinearScalarizedGPSearcher`, `EHVISearcher`), `constrained`
  (`ConstrainedGPSearcher`), `cost_aware` (`CostAwareGPSearcher`), `methods` (presets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunelab.core._exports import distribution_version, lazy_exports

__version__ = distribution_version("tunelab-gp")

_EXPORTS = {
    "constrained": ["ConstrainedGPSearcher"],
    "cost_aware": ["CostAwareGPSearcher"],
    "kernels": ["Matern52"],
    "learning_curves": ["MOBSTERSearcher"],
    "methods": ["bayesian_optimization", "mobster"],
    "model": ["GPModel"],
    "multiobjective": ["EHVISearcher", "LinearScalarizedGPSearcher", "ParEGOSearcher"],
    "optimize": ["OptimizerSettings"],
    "searchers": ["GPSearcher"],
    "settings": ["GPSettings"],
}

if TYPE_CHECKING:
    from tunelab.gp.constrained import ConstrainedGPSearcher
    from tunelab.gp.cost_aware import CostAwareGPSearcher
    from tunelab.gp.kernels import Matern52
    from tunelab.gp.learning_curves import MOBSTERSearcher
    from tunelab.gp.methods import bayesian_optimization, mobster
    from tunelab.gp.model import GPModel
    from tunelab.gp.multiobjective import (
        EHVISearcher,
        LinearScalarizedGPSearcher,
        ParEGOSearcher,
    )
    from tunelab.gp.optimize import OptimizerSettings
    from tunelab.gp.searchers import GPSearcher
    from tunelab.gp.settings import GPSettings


# `import tunelab.gp` stays cheap: the names are imported on first use
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

__all__ = [
    "ConstrainedGPSearcher",
    "CostAwareGPSearcher",
    "EHVISearcher",
    "GPModel",
    "GPSearcher",
    "GPSettings",
    "LinearScalarizedGPSearcher",
    "MOBSTERSearcher",
    "Matern52",
    "OptimizerSettings",
    "ParEGOSearcher",
    "__version__",
    "bayesian_optimization",
    "mobster",
]
