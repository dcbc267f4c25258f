"""`GPSearcher`: Bayesian optimization with a Gaussian process (FIFO scheduling)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunelab.core.trial import Config
from tunelab.gp._base import GPSearcherBase
from tunelab.gp.acquisition import Acquisition
from tunelab.gp.fantasize import fantasize
from tunelab.gp.model import ConditionedGP, GPModel
from tunelab.gp.settings import GPSettings


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
        acquisition: "ei" (expected improvement) or "lcb" (lower confidence bound).
        kappa: Exploration weight of LCB.
        num_init_random: Suggestions made at random before the model is used (the
            reference recommends the number of workers plus two).
        settings: Model, fitting and optimisation options (`GPSettings`).
        points_to_evaluate: Configurations to evaluate first.
        restrict_to: Suggest only unused members of these configurations (e.g. a
            table's rows); the acquisition function is maximised over them.
        seed: Seed or generator for all randomness of the searcher.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        acquisition: Acquisition = "ei",
        kappa: float = 1.0,
        num_init_random: int = 6,
        settings: GPSettings | None = None,
        points_to_evaluate: Sequence[Config] | None = None,
        restrict_to: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            config_space,
            acquisition=acquisition,
            kappa=kappa,
            num_init_random=num_init_random,
            settings=settings,
            points_to_evaluate=points_to_evaluate,
            seed=seed,
            restrict_to=restrict_to,
        )
        self._gp: ConditionedGP | None = None

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        super().observe(trial_id, config, result)
        # one result per trial: once observed, a trial needs no fantasy any more
        self._pending.pop(trial_id, None)

    def _build_model(self) -> GPModel:
        return GPModel(self._base_kernel(), likelihood=self._likelihood())

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
