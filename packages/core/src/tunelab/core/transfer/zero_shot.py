"""Zero-shot transfer: a portfolio of configurations that did well on earlier tasks.

Wistuba, Schilling and Schmidt-Thieme, "Sequential model-free hyperparameter tuning"
(ICDM 2015): configurations are scored per earlier task by their normalised rank (or
regret), and picked greedily so that each addition most lowers the average over tasks
of the best score in the portfolio so far. The portfolio is suggested in that order;
random search follows once it is used up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.transfer._evaluations import (
    TaskEvaluations,
    TransferEvaluations,
    check_transfer_evaluations,
)
from tunelab.core.transfer._target import TargetConfigs
from tunelab.core.trial import Config, Mode

if TYPE_CHECKING:
    from typing_extensions import Unpack

Score = Literal["rank", "regret"]
_SCORES = ("rank", "regret")


def task_scores(task: TaskEvaluations, metric: str, mode: Mode, score: Score) -> np.ndarray:
    """Shape `(n_configs,)`: 0 for the task's best configuration, 1 for its worst and
    for those without a value; by normalised rank or normalised regret."""
    values = task.objective(metric)
    if mode == "max":
        values = -values
    scores = np.ones(len(values))
    observed = ~np.isnan(values)
    if observed.sum() < 2:
        scores[observed] = 0.0
        return scores
    kept = values[observed]
    if score == "rank":
        # average rank of ties, so that equal values score equally
        order = np.argsort(kept, kind="stable")
        ranks = np.empty(len(kept))
        ranks[order] = np.arange(len(kept))
        for value in np.unique(kept):
            tied = kept == value
            ranks[tied] = ranks[tied].mean()
        scores[observed] = ranks / (len(kept) - 1)
    else:
        spread = kept.max() - kept.min()
        scores[observed] = (kept - kept.min()) / spread if spread > 0 else 0.0
    return scores


def candidate_scores(
    tasks: Sequence[TaskEvaluations],
    target: TargetConfigs,
    *,
    metric: str,
    mode: Mode,
    score: Score,
) -> tuple[list[Config], np.ndarray]:
    """The configurations evaluated on any of `tasks` that `target` takes (as its
    configurations, in order of first appearance) and their `task_scores`, shape
    `(n_candidates, n_tasks)`: 1 where a task did not evaluate one, its best where a
    task evaluated it twice."""
    index: dict[tuple[Any, ...], int] = {}
    candidates: list[Config] = []
    columns: list[dict[int, float]] = []
    for task in tasks:
        column: dict[int, float] = {}
        values = task_scores(task, metric, mode, score)
        for evaluated, value in zip(task.config_list(), values, strict=True):
            config = target.convert(evaluated)
            if config is None:
                continue
            key = target.key(config)
            if key not in index:
                index[key] = len(candidates)
                candidates.append(config)
            slot = index[key]
            column[slot] = min(column.get(slot, 1.0), float(value))
        columns.append(column)
    scores = np.ones((len(candidates), len(tasks)))
    for t, column in enumerate(columns):
        for slot, value in column.items():
            scores[slot, t] = value
    return candidates, scores


def greedy_portfolio(scores: np.ndarray, size: int | None) -> list[int]:
    """Indices of candidates (rows of `scores`, shape `(n_candidates, n_tasks)`) in the
    order the greedy selection picks them; it stops after `size` or when no candidate
    lowers the average best score any further. Ties go to the lower index."""
    if scores.size == 0:
        return []
    best = np.full(scores.shape[1], np.inf)
    chosen: list[int] = []
    limit = scores.shape[0] if size is None else min(size, scores.shape[0])
    while len(chosen) < limit:
        totals = np.minimum(best[None, :], scores).mean(axis=1)
        totals[chosen] = np.inf
        pick = int(np.argmin(totals))
        if chosen and totals[pick] >= best.mean():
            break
        chosen.append(pick)
        best = np.minimum(best, scores[pick])
    return chosen


class ZeroShotSearcher(RandomSearcher):
    """Suggests a portfolio of configurations good across earlier tasks, then random ones.

    Candidates are the configurations evaluated on any earlier task that are valid in
    `config_space` (with `restrict_to`, that are among its members). On each task a
    candidate scores its normalised rank or regret there (0 best, 1 worst; 1 where the
    task did not evaluate it, since nothing vouches for it); the portfolio is chosen
    greedily to minimise the average over tasks of the best score it holds
    (`greedy_portfolio`). It is computed when the scheduler tells the metric, and
    suggested after `points_to_evaluate`; random search follows (Wistuba et al., 2015).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        transfer_evaluations: Task name -> evaluations of that earlier task; each
            needs the metric optimised.
        portfolio_size: At most this many portfolio configurations; None: until the
            portfolio holds the best candidate of every task.
        score: "rank" (normalised rank, robust to the scale of each task) or "regret"
            (normalised distance to the task's best value).
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `RandomSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        transfer_evaluations: TransferEvaluations,
        portfolio_size: int | None = None,
        score: Score = "rank",
        **options: Unpack[SearcherOptions],
    ) -> None:
        super().__init__(config_space, **options)
        if not isinstance(transfer_evaluations, Mapping):
            raise ValueError(
                "ZeroShotSearcher: transfer_evaluations must be a mapping task name -> "
                f"TaskEvaluations, got {transfer_evaluations!r}"
            )
        if portfolio_size is not None and (
            isinstance(portfolio_size, bool)
            or not isinstance(portfolio_size, int)
            or portfolio_size < 1
        ):
            raise ValueError(
                "ZeroShotSearcher: portfolio_size must be a positive integer or None, "
                f"got {portfolio_size!r}"
            )
        if score not in _SCORES:
            raise ValueError(f'ZeroShotSearcher: score must be "rank" or "regret", got {score!r}')
        self.transfer_evaluations = transfer_evaluations
        self.portfolio_size = portfolio_size
        self.score: Score = score
        self._portfolio: list[Config] | None = None

    def configure(
        self,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None = None,
    ) -> None:
        super().configure(metric=metric, mode=mode, resource_attr=resource_attr)
        assert self.metric is not None
        tasks = check_transfer_evaluations(
            self.transfer_evaluations, metric=self.metric, where="ZeroShotSearcher"
        )
        candidates, scores = self._candidate_scores(list(tasks.values()))
        order = greedy_portfolio(scores, self.portfolio_size)
        self._portfolio = [candidates[i] for i in order]

    @property
    def portfolio(self) -> list[Config]:
        """The portfolio configurations not suggested yet, in order."""
        if self._portfolio is None:
            raise RuntimeError("ZeroShotSearcher: configure(metric=..., mode=...) first")
        return [dict(c) for c in self._portfolio]

    def suggest(self, trial_id: int) -> Config | None:
        if self._portfolio is None:
            raise RuntimeError("ZeroShotSearcher: configure(metric=..., mode=...) before suggest")
        while self._pending_initial:
            config = self._pending_initial.pop(0)
            if self._mark_new(config):
                return config
        while self._portfolio:
            config = self._portfolio.pop(0)
            if self._mark_new(config):
                return config
        return super().suggest(trial_id)

    def _candidate_scores(self, tasks: list[TaskEvaluations]) -> tuple[list[Config], np.ndarray]:
        assert self.metric is not None
        target = TargetConfigs(self.config_space, self._members if self._restricted else None)
        return candidate_scores(tasks, target, metric=self.metric, mode=self.mode, score=self.score)

    def state_dict(self) -> dict[str, Any]:
        portfolio = None if self._portfolio is None else [dict(c) for c in self._portfolio]
        return {**super().state_dict(), "portfolio": portfolio}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        portfolio = state["portfolio"]
        self._portfolio = None if portfolio is None else [dict(c) for c in portfolio]
