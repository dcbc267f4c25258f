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
  `HyperTuneSearcher`, `DyHPOSearcher` with `DyHPOScheduler`), `methods` (presets).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("tunelab-gp")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

_EXPORTS = {
    "GPSearcher": "searchers",
    "GPSettings": "settings",
    "OptimizerSettings": "optimize",
    "MOBSTERSearcher": "learning_curves",
    "GPModel": "model",
    "Matern52": "kernels",
    "bayesian_optimization": "methods",
    "mobster": "methods",
}

if TYPE_CHECKING:
    from tunelab.gp.kernels import Matern52
    from tunelab.gp.learning_curves import MOBSTERSearcher
    from tunelab.gp.methods import bayesian_optimization, mobster
    from tunelab.gp.model import GPModel
    from tunelab.gp.optimize import OptimizerSettings
    from tunelab.gp.searchers import GPSearcher
    from tunelab.gp.settings import GPSettings


def __getattr__(name: str) -> Any:
    """Import the public names lazily: `import tunelab.gp` stays cheap."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tunelab.gp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tunelab.gp.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "GPModel",
    "GPSearcher",
    "GPSettings",
    "MOBSTERSearcher",
    "Matern52",
    "OptimizerSettings",
    "__version__",
    "bayesian_optimization",
    "mobster",
]
