"""Transfer-learning methods: they learn from evaluations of earlier tasks.

Each takes `transfer_evaluations` (task name -> `TaskEvaluations`, never the target
task's own): `tunelab-run` fills it from a multi-task benchmark, Python users pass it.
`zero_shot` and `quantile_based` (FIFO), `asha_cts` (ASHA), `bounding_box` (any
method), `rush` and `rush_promotion` (ASHA).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tunelab.core.methods._compose import bind_base, compose, scheduler_preset
from tunelab.core.methods._fifo import fifo, random_search
from tunelab.core.methods._hyperband import asha
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import validate_config
from tunelab.core.transfer import TransferEvaluations
from tunelab.core.transfer.bounding_box import bounding_box_space
from tunelab.core.transfer.quantile import QuantileBasedSearcher
from tunelab.core.transfer.rush import RUSHScheduler
from tunelab.core.transfer.zero_shot import ZeroShotSearcher
from tunelab.core.trial import Config, Mode

zero_shot = compose(
    fifo,
    name="zero_shot",
    searcher=ZeroShotSearcher,
    doc="Zero-shot transfer (Wistuba et al., 2015): `fifo` with `ZeroShotSearcher`, a "
    "portfolio of configurations good across the earlier tasks, then random search.",
)
quantile_based = compose(
    fifo,
    name="quantile_based",
    searcher=QuantileBasedSearcher,
    doc="Quantile-based transfer, CTS (Salinas et al., 2020): `fifo` with "
    "`QuantileBasedSearcher`, Thompson sampling from a model of the earlier tasks' "
    "Gaussian quantiles, corrected by the target's results (needs `[sklearn]`).",
)
asha_cts = compose(
    asha,
    name="asha_cts",
    searcher=QuantileBasedSearcher,
    doc="ASHA-CTS (Salinas et al., 2020): stopping-type ASHA whose new configurations "
    "come from `QuantileBasedSearcher` (needs `[sklearn]`).",
)

rush = scheduler_preset(
    RUSHScheduler,
    name="rush",
    fixed={"brackets": 1},
    seed_scheduler=False,
    doc="RUSH (Zappella et al., 2021), stopping type: ASHA that first runs the `top_k` "
    "best configurations of each earlier task (best across the tasks first); at a rung a "
    "trial continues only if ASHA "
    "lets it and it is at least as good as the best result a seeded configuration "
    "recorded there. The scheduler draws nothing at random: the seed goes to `searcher`.",
)
rush_promotion = compose(
    rush,
    name="rush_promotion",
    kind="promotion",
    doc="RUSH, promotion type: trials pause at each rung; a paused trial resumes only if "
    "ASHA would promote it and it is at least as good as the best seeded configuration "
    "there (Zappella et al., 2021).",
)


def bounding_box(
    config_space: dict[str, Any],
    *,
    metric: str,
    transfer_evaluations: TransferEvaluations,
    mode: Mode = "min",
    top_k: int = 1,
    base: Callable[..., Scheduler] = random_search,
    seed: int | np.random.Generator | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
    resource_attr: str | None = None,
    max_resource: float | None = None,
    max_resource_attr: str | None = None,
) -> Scheduler:
    """Any method run in the box of the earlier tasks' best configurations (Perrone et
    al., 2019; `bounding_box_space` with `top_k` per task).

    `base` is the method: a preset of `tunelab.core.methods` (default
    `random_search`; e.g. `asha`, or a `functools.partial` of one with options set).
    It gets the box, `metric`, `mode`, and those of `seed`, `resource_attr`,
    `max_resource`, `max_resource_attr` it takes; `points_to_evaluate` and
    `restrict_to` must be taken if given. Of `restrict_to` (a tabulated benchmark's
    configurations) only those inside the box are kept.

    Raises:
        ValueError: if `base` cannot honour `points_to_evaluate`/`restrict_to`, or no
            configuration of `restrict_to` lies in the box.
    """
    box = bounding_box_space(
        config_space, transfer_evaluations, metric=metric, mode=mode, top_k=top_k
    )
    if restrict_to is not None:
        restrict_to = _inside(box, restrict_to)
    factory = bind_base(
        base,
        box,
        where="bounding_box",
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
        resource_attr=resource_attr,
        max_resource=max_resource,
        max_resource_attr=max_resource_attr,
    )
    scheduler = factory(metric=metric, mode=mode)
    scheduler.method_name = "bounding_box"
    # the problem is still `config_space`: runs compare with other methods' on it
    scheduler.problem_space = config_space
    return scheduler


def _inside(box: dict[str, Any], configs: Sequence[Config]) -> list[Config]:
    """The members of `configs` valid in `box`, each as given."""
    kept = []
    for config in configs:
        try:
            validate_config(box, config)
        except ValueError:
            continue
        kept.append(config)
    if not kept:
        raise ValueError(
            f"bounding_box: none of the {len(configs)} configurations of restrict_to lies "
            f"in the box of the earlier tasks' best configurations, {box}"
        )
    return kept
