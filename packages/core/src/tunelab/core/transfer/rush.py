"""RUSH: ASHA whose rungs hold every trial to the earlier tasks' best configurations.

Zappella, Salinas and Archambeau, "A resource-efficient method for repeated HPO and
NAS problems" (AutoML workshop at ICML 2021). The best configurations of each
earlier task are run first on the target task; at every rung, the best result any
of them recorded there is a hurdle that other trials must clear, on top of ASHA's
own rule. Configurations worse than what earlier tasks already found stop early.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tunelab.core.schedulers._forwarding import RungArguments
from tunelab.core.schedulers.hyperband.scheduler import HyperbandScheduler
from tunelab.core.searcher import Searcher
from tunelab.core.transfer._evaluations import TransferEvaluations, check_transfer_evaluations
from tunelab.core.transfer._target import TargetConfigs
from tunelab.core.transfer.zero_shot import candidate_scores
from tunelab.core.trial import Config, Decision, Mode

if TYPE_CHECKING:
    from typing_extensions import Unpack

RUSHKind = Literal["stopping", "promotion"]
_KINDS = ("stopping", "promotion")
SeedOrder = Literal["transfer", "task"]
_ORDERS = ("transfer", "task")


def seeded_configs(
    config_space: dict[str, Any],
    transfer_evaluations: TransferEvaluations,
    *,
    metric: str,
    mode: Mode,
    top_k: int = 1,
    restrict_to: Sequence[Config] | None = None,
    order: SeedOrder = "transfer",
) -> list[Config]:
    """The `top_k` best configurations of each earlier task (by the seed mean of
    `metric` at its last fidelity), as configurations of `config_space` (members of
    `restrict_to`, if given), without repeats. Those that are not configurations of
    the target are left out.

    With `order="transfer"` (default) they come best across the earlier tasks first:
    by their normalised rank on each earlier task (0 best, 1 worst; 1 where a task did
    not evaluate them), averaged over the tasks, ties in task order. With "task" they
    come task after task, each task's best first.

    Raises:
        ValueError: for bad `transfer_evaluations`, `top_k` or `order`.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"RUSH: top_k must be a positive integer, got {top_k!r}")
    if order not in _ORDERS:
        raise ValueError(f'RUSH: order must be "transfer" or "task", got {order!r}')
    tasks = check_transfer_evaluations(transfer_evaluations, metric=metric, where="RUSH")
    target = TargetConfigs(config_space, restrict_to)
    seen: set[tuple[Any, ...]] = set()
    configs: list[Config] = []
    for task in tasks.values():
        for config in task.best_configs(metric, mode, top_k):
            converted = target.convert(config)
            if converted is None or target.key(converted) in seen:
                continue
            seen.add(target.key(converted))
            configs.append(converted)
    if order == "task" or len(configs) < 2:
        return configs
    # each seeded configuration's normalised rank on each task (1 where a task did not
    # evaluate it), averaged over the tasks
    candidates, scores = candidate_scores(
        list(tasks.values()), target, metric=metric, mode=mode, score="rank"
    )
    rows = {target.key(config): i for i, config in enumerate(candidates)}
    by_task = np.ascontiguousarray(scores[[rows[target.key(c)] for c in configs]].T)
    means = np.mean(by_task, axis=0)
    return [configs[int(i)] for i in np.argsort(means, kind="stable")]


class RUSHScheduler(HyperbandScheduler):
    """ASHA (stopping or promotion) seeded with earlier tasks' best configurations.

    The first trials run `seeded_configs` (the `top_k` best configurations of every
    earlier task, valid in the searcher's space; by default those best across the
    earlier tasks first); the searcher's own configurations (its `points_to_evaluate`
    first) follow. At each rung the *hurdle* is the best
    result a seeded trial recorded there so far. With kind "stopping" a trial
    continues past a rung iff ASHA lets it and its result there is at least as good
    as the hurdle; with "promotion" a paused trial is promoted iff it ranks among
    ASHA's promotable best and clears the hurdle. Before any seeded trial reached a
    rung, ASHA decides alone. The seeded trials set the hurdles and face ASHA's rule
    only: which of the earlier tasks' best configurations is best on the target is
    what they are run to find out, so a seeded trial is not stopped because another
    one did better at an early rung. Their order matters: the first trials to reach
    a rung find it empty and continue, so by default the seeded configurations that
    did best across the earlier tasks run first (`order`; the paper leaves the order
    open).

    The hurdle of a rung only ever gets stricter, so a paused trial that fails it is
    never promoted later.

    Args:
        searcher: Proposes the configurations after the seeded ones.
        transfer_evaluations: Task name -> evaluations of that earlier task (never
            the target's); each needs `metric`.
        top_k: Best configurations taken from each earlier task.
        order: "transfer" (default): the seeded configurations best across the
            earlier tasks run first; "task": task after task. See `seeded_configs`.
        restrict_to: The target's configurations when it has only these (a
            tabulated benchmark): earlier tasks' configurations not among them are
            left out.
        kind: "stopping" or "promotion", as for `HyperbandScheduler`.
        rung_levels: Explicit rung levels instead of geometric ones.
        brackets: Number of brackets (1 = ASHA), as for `HyperbandScheduler`.
        seed: Seed or generator for the bracket draws.
        **rungs: `metric`, `mode`, `resource_attr`, `max_resource`,
            `max_resource_attr`, `grace_period`, `reduction_factor`, see
            `HyperbandScheduler`.

    Raises:
        ValueError: if no earlier task's best configuration is a configuration of
            the target (there would be no hurdle: use ASHA).
    """

    def __init__(
        self,
        searcher: Searcher,
        *,
        transfer_evaluations: TransferEvaluations,
        top_k: int = 1,
        order: SeedOrder = "transfer",
        restrict_to: Sequence[Config] | None = None,
        kind: RUSHKind = "stopping",
        rung_levels: Sequence[float] | None = None,
        brackets: int | None = 1,
        seed: int | np.random.Generator | None = None,
        **rungs: Unpack[RungArguments],
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f'RUSHScheduler: kind must be "stopping" or "promotion", got {kind!r}')
        super().__init__(
            searcher, kind=kind, rung_levels=rung_levels, brackets=brackets, seed=seed, **rungs
        )
        if searcher.config_space is None:
            raise ValueError(
                f"RUSHScheduler: the searcher {type(searcher).__name__} declares no "
                "config_space, which the earlier tasks' configurations must fit"
            )
        self.top_k = top_k
        self.order = order
        self._unsuggested = seeded_configs(
            searcher.config_space,
            transfer_evaluations,
            metric=self.metric,
            mode=self.mode,
            top_k=top_k,
            restrict_to=restrict_to,
            order=order,
        )
        if not self._unsuggested:
            raise ValueError(
                f"RUSHScheduler: none of the best configurations (top_k={top_k}) of the "
                f"earlier tasks {sorted(transfer_evaluations)} is a configuration of the "
                "target's space" + ("" if restrict_to is None else " among restrict_to")
            )
        self._seeded: set[int] = set()
        self._hurdles = [math.inf] * len(self._rungs)

    @property
    def hurdles(self) -> list[float | None]:
        """Per rung level (`rung_levels`), the best result of a seeded trial recorded
        there, in the metric's own sign; None where none is recorded yet."""
        sign = 1.0 if self.mode == "min" else -1.0
        return [None if math.isinf(h) else sign * h for h in self._hurdles]

    @property
    def seeded_trials(self) -> list[int]:
        """The trials that ran a seeded configuration."""
        return sorted(self._seeded)

    def _new_config(self, trial_id: int) -> Config | None:
        if self._unsuggested:
            self._seeded.add(trial_id)
            return dict(self._unsuggested.pop(0))
        return super()._new_config(trial_id)

    def _after_record(self, index: int, trial_id: int) -> None:
        super()._after_record(index, trial_id)
        if trial_id in self._seeded:
            value = self._rungs[index].value(trial_id)
            self._hurdles[index] = min(self._hurdles[index], value)

    def _clears(self, index: int, trial_id: int) -> bool:
        """Whether the trial's result at rung `index` is at least as good as the hurdle."""
        return self._rungs[index].value(trial_id) <= self._hurdles[index]

    def _stop_or_continue(self, index: int, trial_id: int) -> Decision:
        decision = super()._stop_or_continue(index, trial_id)
        if (
            decision is Decision.CONTINUE
            and trial_id not in self._seeded
            and not self._clears(index, trial_id)
        ):
            return Decision.STOP
        return decision

    def _best_waiting(self, index: int) -> int | None:
        """The best paused trial the hurdle lets through: the best paused one if it is
        seeded or clears the hurdle, else the best paused seeded one (every other
        paused trial is worse than one that failed the hurdle, so it fails too)."""
        rung = self._rungs[index]
        best = rung.best_waiting()
        if best is None or best in self._seeded or self._clears(index, best):
            return best
        seeded = [(rung.value(t), t) for t in self._seeded if rung.is_waiting(t)]
        return min(seeded)[1] if seeded else None

    def _may_promote(self, index: int, trial_id: int) -> bool:
        if not super()._may_promote(index, trial_id):
            return False
        return trial_id in self._seeded or self._clears(index, trial_id)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "seeded": sorted(self._seeded),
            "unsuggested": [dict(c) for c in self._unsuggested],
            "hurdles": list(self._hurdles),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._seeded = {int(t) for t in state["seeded"]}
        self._unsuggested = [dict(c) for c in state["unsuggested"]]
        self._hurdles = [float(h) for h in state["hurdles"]]
