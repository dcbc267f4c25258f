"""`GPSearcher`: Bayesian optimization with a Gaussian process (FIFO scheduling)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.trial import Config
from tunelab.gp._base import GPOptions, GPSearcherBase
from tunelab.gp.fantasize import fantasize
from tunelab.gp.model import ConditionedGP

if TYPE_CHECKING:
    from typing_extensions import Unpack


class GPSearcher(GPSearcherBase):
    """GP-based Bayesian optimization: one observation per completed trial.

    The surrogate is a GP with a learned constant mean, a Matern 5/2 ARD kernel over
    the encoded configuration (unit cube, one-hot categoricals; optionally with
    Kumaraswamy input warping) and Gaussian noise, fitted by type-II maximum
    likelihood with priors to the standardised targets (lower is better: "max" mode
    negates). The first `num_init_random` suggestions (points to evaluate included)
    are random; then each suggestion maximises EI (or minimises LCB
    `mean - kappa * std`) over random candidates refined by L-BFGS-B. Pending trials
    are fantasized at their posterior mean (see `tunelab.gp.fantasize`). No
    configuration is suggested twice.

    Reference: J. Snoek, H. Larochelle, R. P. Adams. Practical Bayesian Optimization of
    Machine Learning Algorithms. NeurIPS 2012.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        **options: `acquisition` ("ei" or "lcb"), `kappa`, `num_init_random` (the
            reference recommends the number of workers plus two), `settings`,
            `points_to_evaluate`, `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    def __init__(self, config_space: dict[str, Any], **options: Unpack[GPOptions]) -> None:
        super().__init__(config_space, **options)
        self._gp: ConditionedGP | None = None

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        super().observe(trial_id, config, result)
        # one result per trial: once observed, a trial needs no fantasy any more
        self._pending.pop(trial_id, None)

    def model(self) -> ConditionedGP | None:
        """The GP conditioned on the observations (not on pending trials), or None."""
        table = self._data.latest
        if len(table) < 2:
            return None
        x, y = table.x.copy(), table.y.copy()
        if self._needs_update():
            self._gp, _ = self._surrogate.update(x, y, rng=self._rng)
        elif self._gp is None:
            self._gp, _ = self._surrogate.condition(x, y)
        return self._gp

    def _ranked_candidates(self) -> np.ndarray | None:
        gp = self.model()
        if gp is None:
            return None
        best = float(np.min(gp.y))
        pending = list(self._pending.values())
        conditioned = fantasize(gp, np.array(pending).reshape(len(pending), gp.x.shape[1]))
        score = self._score(best)
        return self._rank(lambda x: score(*conditioned.posterior(x)), self._anchors(gp.x, gp.y))

    def _reset_cache(self) -> None:
        self._gp = None
