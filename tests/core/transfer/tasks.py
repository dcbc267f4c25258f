"""Synthetic earlier tasks for the transfer-learning tests: shifted quadratics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tunelab.core.space import hyperparameter_names, sample_config
from tunelab.core.transfer import TaskEvaluations, TransferEvaluations


def synthetic_tasks(
    config_space: dict[str, Any],
    *,
    n_tasks: int = 3,
    n_configs: int = 40,
    metric: str = "loss",
    fidelities: int = 1,
    seed: int = 0,
    configs: list[dict[str, Any]] | None = None,
) -> TransferEvaluations:
    """`n_tasks` tasks on `config_space`: random configurations (or the `configs`
    given, e.g. the members of a candidate set), each scored by a random function of
    their encoding (different per task), decreasing with the fidelity."""
    rng = np.random.default_rng(seed)
    names = hyperparameter_names(config_space)
    tasks: dict[str, TaskEvaluations] = {}
    given = configs
    for task in range(n_tasks):
        if given is None:
            configs = [sample_config(config_space, rng) for _ in range(n_configs)]
        else:
            configs, n_configs = given, len(given)
        frame = pd.DataFrame([{n: c[n] for n in names} for c in configs], columns=names)
        base = rng.normal(size=n_configs)
        levels = np.arange(1, fidelities + 1, dtype=float)
        values = base[:, None] + 1.0 / levels[None, :]
        objectives = values[:, None, :, None]
        tasks[f"task{task}"] = TaskEvaluations(
            config_space=config_space,
            configs=frame,
            objectives_names=[metric],
            objectives=objectives,
            fidelities=levels if fidelities > 1 else None,
        )
    return tasks


def quadratic_tasks(
    shifts: list[float], *, n_configs: int = 60, seed: int = 0
) -> TransferEvaluations:
    """Tasks on `{"x": uniform(0, 1)}` (QUADRATIC_SPACE) with loss `(x - shift)^2`."""
    rng = np.random.default_rng(seed)
    tasks: dict[str, TaskEvaluations] = {}
    for index, shift in enumerate(shifts):
        x = rng.uniform(0.0, 1.0, size=n_configs)
        tasks[f"shift{index}"] = TaskEvaluations(
            config_space=QUADRATIC_SPACE,
            configs=pd.DataFrame({"x": x}),
            objectives_names=["loss"],
            objectives=((x - shift) ** 2)[:, None, None, None],
        )
    return tasks


def _quadratic_space() -> dict[str, Any]:
    from tunelab.core.space import uniform

    return {"x": uniform(0.0, 1.0)}


QUADRATIC_SPACE = _quadratic_space()
