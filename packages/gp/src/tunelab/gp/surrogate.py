"""`Surrogate`: a GP model plus its fitted parameters, refit schedule and data cap."""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.gp.fit import RefitSchedule, fit_hyperparameters, subsample
from tunelab.gp.model import ConditionedGP, GPModel
from tunelab.gp.settings import GPSettings
from tunelab.gp.targets import TargetTransform


class Surrogate:
    """Keeps the fitted parameters of `model` across updates of the data.

    `update` is called when the data changed: the targets are transformed, the
    schedule decides whether to refit (always at the first update), the data is capped
    (`subsample`, with a generator seeded by `subsample_seed` and the data size, so
    that `condition` repeats the same subset), and the conditioned GP is returned.
    Refits start from the previous optimum and `opt_num_starts - 1` random points
    while there are fewer than `opt_skip_init_length` observations; beyond, where the
    parameters have settled and refits are maintenance, from the previous optimum only
    (the reference restarts from random points at every refit).

    Args:
        model: The GP model.
        settings: Fitting options.
        subsample_seed: Seed of the subsampling.
    """

    def __init__(self, model: GPModel, settings: GPSettings, *, subsample_seed: int) -> None:
        self.model = model
        self.settings = settings
        self.subsample_seed = subsample_seed
        self.schedule = RefitSchedule(settings.opt_skip_init_length, settings.opt_skip_period)
        self.theta: np.ndarray | None = None

    def set_model(self, model: GPModel) -> None:
        """Switch to `model`; its parameters are fitted afresh if their number changed."""
        if self.theta is not None and len(self.theta) != model.n_params:
            self.theta = None
        self.model = model

    def update(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        rng: np.random.Generator,
        priority: np.ndarray | None = None,
    ) -> tuple[ConditionedGP, TargetTransform]:
        """Refit if the schedule says so, then condition on `x` (shape `(n, d)`) and
        targets `y` (shape `(n,)`, lower is better)."""
        refit = self.schedule.should_refit(len(y)) or self.theta is None
        x_fit, z_fit, transform = self._prepare(x, y, priority)
        if refit:
            settled = self.theta is not None and len(y) >= self.settings.opt_skip_init_length
            self.theta = fit_hyperparameters(
                self.model,
                x_fit,
                z_fit,
                rng=rng,
                warm_start=self.theta,
                num_starts=1 if settled else self.settings.opt_num_starts,
                max_iterations=self.settings.opt_max_iterations,
            )
        assert self.theta is not None
        return self.model.condition(self.theta, x_fit, z_fit), transform

    def condition(
        self, x: np.ndarray, y: np.ndarray, priority: np.ndarray | None = None
    ) -> tuple[ConditionedGP, TargetTransform]:
        """Condition on the data with the current parameters (no refit)."""
        if self.theta is None:
            raise RuntimeError("Surrogate.condition: no fitted parameters yet; call update")
        x_fit, z_fit, transform = self._prepare(x, y, priority)
        return self.model.condition(self.theta, x_fit, z_fit), transform

    def _prepare(
        self, x: np.ndarray, y: np.ndarray, priority: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, TargetTransform]:
        transform = TargetTransform.fit(
            y, normalize=self.settings.normalize_targets, boxcox=self.settings.boxcox
        )
        z = transform(y)
        rng = np.random.default_rng([self.subsample_seed, len(y)])
        keep = subsample(
            z,
            self.settings.max_size_data_for_model,
            rng=rng,
            top_fraction=self.settings.max_size_top_fraction,
            priority=priority,
        )
        return x[keep], z[keep], transform

    def state_dict(self) -> dict[str, Any]:
        return {
            "theta": None if self.theta is None else self.theta.tolist(),
            "schedule": self.schedule.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        theta = state["theta"]
        self.theta = None if theta is None else np.asarray(theta, dtype=float)
        self.schedule.load_state_dict(state["schedule"])
