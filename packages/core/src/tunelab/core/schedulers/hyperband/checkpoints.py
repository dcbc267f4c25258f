"""In which order the checkpoints of paused trials of promotion-type Hyperband can go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tunelab.core.schedulers.hyperband.costs import RungCosts, promotion_scores
from tunelab.core.schedulers.hyperband.levels import RungSystem
from tunelab.core.schedulers.hyperband.rung import RungResults
from tunelab.core.schedulers.hyperband.trials import TrialState


def alive_below(system: RungSystem, trials: Mapping[int, TrialState]) -> np.ndarray:
    """For each level index j, how many live trials may still add a result at rung j.

    Running trials whose next decision is at rung j or below, and trials paused at a
    rung below j; shape (len(levels) + 1,).
    """
    entering = np.zeros(len(system.levels) + 1, dtype=int)
    for state in trials.values():
        if state.phase == "running":
            entering[min(state.next_index, len(system.levels))] += 1
        elif state.phase == "paused" and state.paused_at is not None:
            entering[state.paused_at + 1] += 1
    return np.cumsum(entering)


def removal_order(
    rungs: Sequence[RungResults],
    system: RungSystem,
    trials: Mapping[int, TrialState],
    *,
    exhausted: bool,
    costs: Sequence[RungCosts] | None = None,
) -> list[int]:
    """Paused trials, those whose checkpoints matter least first.

    1. Trials that can never be promoted (lower rung first, then by id). Decidable
       only once no new trial will start (`exhausted`): a trial paused at rung `j`
       with rank `k` is promoted only while `k < floor(q_j * n_j)`; its rank can
       only grow, and the rung can only gain one result from each live trial below
       it (`alive_below`, `A_j`), so `k >= floor(q_j * (n_j + A_j))` means never.
       While new trials may start, no paused trial can be ruled out: enough worse
       results arriving later always widen the top `q_j` fraction until it
       reaches it.
    2. The others, least promising first: by decreasing `(k + 1) / (q_j * n_j)`,
       which is > 1 while the trial is outside the promotable top and grows with the
       number of results it still needs; ties go lower rung (less training lost)
       first, then by id.

    With `costs` (cost-aware promotion, one `RungCosts` per rung), the score is the
    cost of the best `k + 1` over `q_j` times the rung's (`promotion_scores`), and a
    trial is ruled out only at a rung no live trial can still reach: a newcomer that
    cost enough widens the promotable top without bound.

    Cost O(P log P) for P paused trials, vectorized.
    """
    bounds = alive_below(system, trials) if exhausted else None
    ids, scores, levels, never = [], [], [], []
    for index, rung in enumerate(rungs[: system.num_rungs]):
        waiting, ranks = rung.waiting_ranks()
        if not len(waiting):
            continue
        size, quantile = len(rung), system.quantiles[index]
        ids.append(waiting)
        levels.append(np.full(len(waiting), index))
        if costs is None:
            scores.append((ranks + 1) / (size * quantile))
        else:
            scores.append(promotion_scores(costs[index], ranks, quantile))
        if bounds is None or (costs is not None and bounds[index] > 0):
            never.append(np.zeros(len(waiting), dtype=bool))
        elif costs is None:
            never.append(ranks >= system.slots(index, size + int(bounds[index])))
        else:
            never.append(ranks >= system.slots_by_cost(index, costs[index].ordered()))
    if not ids:
        return []
    all_ids, all_never = np.concatenate(ids), np.concatenate(never)
    all_scores = np.where(all_never, 0.0, np.concatenate(scores))
    # lexsort: the last key sorts first
    order = np.lexsort((all_ids, np.concatenate(levels), -all_scores, ~all_never))
    return [int(t) for t in all_ids[order]]
