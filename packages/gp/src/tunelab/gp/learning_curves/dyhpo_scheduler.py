"""`DyHPOScheduler`: promotion-type Hyperband on linearly spaced rung levels whose
promotions are decided by `DyHPOSearcher`."""

from __future__ import annotations

import math

import numpy as np

from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.trial import Mode
from tunelab.gp.learning_curves.dyhpo import DyHPOSearcher, PausedTrial


def linear_rung_levels(grace_period: float, increment: float, max_resource: float) -> list[float]:
    """`grace_period, grace_period + increment, ...` below `max_resource`."""
    count = math.ceil((max_resource - grace_period) / increment)
    levels = [grace_period + i * increment for i in range(max(count, 0))]
    return [int(v) if float(v).is_integer() else v for v in levels]


class DyHPOScheduler(HyperbandScheduler):
    """DyHPO (Wistuba et al., 2022) as a hybrid with ASHA, as in Syne Tune.

    Rung levels are equally spaced, `r_min, r_min + nu, r_min + 2 nu, ...` (`nu =
    rung_increment`), and trials pause at every one. When a worker is free, a coin
    with probability `probability_sh` first tries the promotion rule of ASHA (the
    best paused trial of a rung among the top `r_j / r_{j+1}` share); otherwise, or
    if nobody qualifies, every paused trial competes with new configurations for
    the next `nu` of resource, scored by `DyHPOSearcher.choose` (expected
    improvement at the level each would reach). `probability_sh = 0` is DyHPO as
    published; a positive value keeps it from starting too many trials early, when
    all paused ones score poorly.

    Args:
        searcher: The `DyHPOSearcher` making the model-based decisions.
        metric: Reported metric to optimise.
        mode: "min" or "max".
        resource_attr: Resource key of results (e.g. "epoch", counted from 1).
        max_resource: Final resource level; default `config_space[max_resource_attr]`.
        max_resource_attr: Configuration key of the training script's own budget.
        grace_period: First rung level `r_min`.
        rung_increment: Spacing `nu` of the rung levels (None: `grace_period`).
        probability_sh: Probability of trying ASHA's promotion rule first, in [0, 1].
        seed: Seed or generator for the coin.
    """

    def __init__(
        self,
        searcher: DyHPOSearcher,
        *,
        metric: str,
        mode: Mode = "min",
        resource_attr: str,
        max_resource: float | None = None,
        max_resource_attr: str | None = None,
        grace_period: float = 1,
        rung_increment: float | None = None,
        probability_sh: float = 0.5,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if not isinstance(searcher, DyHPOSearcher):
            raise TypeError(f"DyHPOScheduler needs a DyHPOSearcher, got {type(searcher).__name__}")
        increment = grace_period if rung_increment is None else rung_increment
        if not increment > 0:
            raise ValueError(f"DyHPOScheduler: rung_increment must be > 0, got {increment!r}")
        if not 0.0 <= probability_sh <= 1.0:
            raise ValueError(
                f"DyHPOScheduler: probability_sh must be in [0, 1], got {probability_sh!r}"
            )
        self.searcher = searcher  # read by `_resolve_max_resource`
        top = self._resolve_max_resource(max_resource, max_resource_attr)
        if isinstance(top, bool) or not isinstance(top, int | float):
            raise ValueError(
                f"DyHPOScheduler: the maximum resource must be a number, got {top!r} "
                f"(max_resource={max_resource!r}, max_resource_attr={max_resource_attr!r})"
            )
        super().__init__(
            searcher,
            metric=metric,
            mode=mode,
            resource_attr=resource_attr,
            max_resource=top,
            max_resource_attr=max_resource_attr,
            rung_levels=linear_rung_levels(grace_period, increment, top),
            brackets=1,
            kind="promotion",
            seed=seed,
        )
        self.searcher: DyHPOSearcher = searcher
        self.rung_increment = increment
        self.probability_sh = float(probability_sh)

    def _find_promotable(self) -> tuple[int, int] | None:
        if self._rng.random() < self.probability_sh:
            found = super()._find_promotable()
            if found is not None:
                return found
        levels = self.rung_system.levels
        paused, rung_of = [], {}
        for index in range(self._top - 1, -1, -1):
            for trial_id in self._rungs[index].waiting_ids():
                config = self._trials[trial_id].config
                paused.append(PausedTrial(trial_id, config, levels[index + 1]))
                rung_of[trial_id] = index
        chosen = self.searcher.choose(paused, first_level=levels[0], allow_new=not self._exhausted)
        return None if chosen is None else (chosen, rung_of[chosen])
