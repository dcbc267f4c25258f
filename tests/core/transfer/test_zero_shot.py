from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.core.space import randint
from tunelab.core.testing import searcher_contracts
from tunelab.core.transfer import TaskEvaluations
from tunelab.core.transfer.zero_shot import ZeroShotSearcher, greedy_portfolio
from tunelab.core.trial import Config

from .tasks import synthetic_tasks


def zero_shot(
    config_space: dict[str, Any],
    *,
    seed: int | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> ZeroShotSearcher:
    """The searcher with earlier tasks drawn on the contract's own space."""
    return ZeroShotSearcher(
        config_space,
        transfer_evaluations=synthetic_tasks(config_space, n_configs=8),
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
    )


globals().update(searcher_contracts("ZeroShot", zero_shot))

SPACE = {"k": randint(0, 9)}


def task(losses: dict[int, float]) -> TaskEvaluations:
    """A task that evaluated `k` with loss `losses[k]`."""
    return TaskEvaluations(
        config_space=SPACE,
        configs=pd.DataFrame({"k": list(losses)}),
        objectives_names=["loss"],
        objectives=np.array(list(losses.values()))[:, None, None, None],
    )


# k=1 is second best on every task; the best differ (0, 2, 3)
TASKS = {
    "a": task({0: 0.0, 1: 1.0, 2: 5.0, 3: 6.0, 4: 9.0}),
    "b": task({0: 9.0, 1: 1.0, 2: 0.0, 3: 6.0, 4: 5.0}),
    "c": task({0: 9.0, 1: 1.0, 2: 6.0, 3: 0.0, 4: 5.0}),
}


def test_the_portfolio_starts_with_the_best_compromise_then_covers_each_task() -> None:
    searcher = ZeroShotSearcher(SPACE, transfer_evaluations=TASKS, seed=0)
    searcher.configure(metric="loss", mode="min")
    assert [c["k"] for c in searcher.portfolio] == [1, 0, 2, 3]
    suggested = [searcher.suggest(i) for i in range(6)]
    assert [c["k"] for c in suggested[:4] if c] == [1, 0, 2, 3]
    assert {c["k"] for c in suggested[4:] if c} <= set(range(5, 10)) | {4}  # random after


def test_max_mode_and_a_size_limit() -> None:
    searcher = ZeroShotSearcher(SPACE, transfer_evaluations=TASKS, portfolio_size=1, seed=0)
    searcher.configure(metric="loss", mode="max")
    assert searcher.portfolio == [{"k": 0}]  # the worst of a, the best of b and c


def test_points_to_evaluate_come_first_and_the_state_resumes() -> None:
    searcher = ZeroShotSearcher(
        SPACE, transfer_evaluations=TASKS, points_to_evaluate=[{"k": 7}], seed=0
    )
    searcher.configure(metric="loss", mode="min")
    assert [searcher.suggest(i) for i in range(2)] == [{"k": 7}, {"k": 1}]
    fresh = ZeroShotSearcher(SPACE, transfer_evaluations=TASKS, seed=0)
    fresh.configure(metric="loss", mode="min")
    fresh.load_state_dict(searcher.state_dict())
    assert [fresh.suggest(i) for i in range(3)] == [{"k": 0}, {"k": 2}, {"k": 3}]


def test_configurations_outside_the_target_space_are_left_out() -> None:
    searcher = ZeroShotSearcher({"k": randint(0, 1)}, transfer_evaluations=TASKS, seed=0)
    searcher.configure(metric="loss", mode="min")
    assert searcher.portfolio == [{"k": 1}, {"k": 0}]


def test_greedy_portfolio_stops_when_nothing_improves() -> None:
    scores = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    assert greedy_portfolio(scores, None) == [0]
    assert greedy_portfolio(np.zeros((0, 2)), None) == []


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(
        ValueError, match="portfolio_size must be a positive integer or None, got 0"
    ):
        ZeroShotSearcher(SPACE, transfer_evaluations=TASKS, portfolio_size=0)
    with pytest.raises(ValueError, match="score must be"):
        ZeroShotSearcher(SPACE, transfer_evaluations=TASKS, score="mean")  # type: ignore[arg-type]
    searcher = ZeroShotSearcher(SPACE, transfer_evaluations=TASKS)
    with pytest.raises(ValueError, match="has no objective 'acc'"):
        searcher.configure(metric="acc", mode="min")
