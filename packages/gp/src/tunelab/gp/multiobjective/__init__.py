"""Multi-objective Bayesian optimisation on the GP stack.

- `ParEGOSearcher`: a random augmented Chebyshev scalarisation per suggestion
  (Knowles, 2006), one GP on it, EI;
- `LinearScalarizedGPSearcher`: one GP on a fixed weighted sum of the normalised
  metrics, EI;
- `EHVISearcher`: one GP per metric, exact expected hypervolume improvement for up to
  three metrics (`ImprovementCells`, a box decomposition).

Each observes every metric the scheduler is configured with (`one_metric = False`);
the presets are `tunelab.gp.methods.parego`, `linear_scalarized_bo` and `ehvi`.
"""

from __future__ import annotations

from tunelab.gp.multiobjective.ehvi import ImprovementCells
from tunelab.gp.multiobjective.ehvi_searcher import EHVISearcher
from tunelab.gp.multiobjective.scalarized import LinearScalarizedGPSearcher, ParEGOSearcher

__all__ = ["EHVISearcher", "ImprovementCells", "LinearScalarizedGPSearcher", "ParEGOSearcher"]
