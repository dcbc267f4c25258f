"""Bounding-box search spaces: search only where earlier tasks found their best.

Perrone, Shen, Seeger, Archambeau and Jenatton, "Learning search spaces for Bayesian
optimization: another view of hyperparameter transfer learning" (NeurIPS 2019): the
smallest box holding the best configurations of every earlier task. Any method then
runs in that box (`tunelab.core.methods.bounding_box`).
"""

from __future__ import annotations

from typing import Any

from tunelab.core.space import Categorical, Domain, Float, Integer, Ordinal
from tunelab.core.space.domain import Value
from tunelab.core.transfer._evaluations import TransferEvaluations, check_transfer_evaluations
from tunelab.core.trial import Mode


def bounding_box_space(
    config_space: dict[str, Any],
    transfer_evaluations: TransferEvaluations,
    *,
    metric: str,
    mode: Mode,
    top_k: int = 1,
) -> dict[str, Any]:
    """`config_space` shrunk to the box of the `top_k` best configurations of every task.

    `Float` and `Integer` domains are clipped to the [min, max] of those
    configurations' values (keeping their scale); ordered finite domains (`Ordinal`,
    `finrange`) keep their members in that range; `Categorical` ones the values seen.
    A domain left with one value becomes that constant; values outside
    `config_space`, and hyperparameters no task evaluated, leave the domain as it is.

    Raises:
        ValueError: for bad `transfer_evaluations` or `top_k`.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"bounding_box_space: top_k must be a positive integer, got {top_k!r}")
    tasks = check_transfer_evaluations(
        transfer_evaluations, metric=metric, where="bounding_box_space"
    )
    best = [c for task in tasks.values() for c in task.best_configs(metric, mode, top_k)]
    box: dict[str, Any] = {}
    for name, entry in config_space.items():
        if not isinstance(entry, Domain):
            box[name] = entry
            continue
        values = [_cast(entry, c[name]) for c in best if name in c]
        box[name] = _shrink(entry, [v for v in values if v is not None])
    return box


def _cast(domain: Domain, value: Any) -> Value | None:
    try:
        return domain.cast(value)
    except ValueError:
        return None


def _shrink(domain: Domain, values: list[Value]) -> Any:
    """`domain` reduced to the range (or the set) of `values`; itself if there are none."""
    if not values:
        return domain
    members = domain.values()
    if isinstance(domain, Categorical) or (members is not None and not isinstance(domain, Integer)):
        assert members is not None
        if isinstance(domain, Categorical):
            kept = [m for m in members if m in values]
        else:  # ordered: every member between the smallest and largest seen
            positions = [members.index(v) for v in values]
            kept = members[min(positions) : max(positions) + 1]
        if len(kept) == 1:
            return kept[0]
        if isinstance(domain, Categorical):
            return Categorical(categories=kept)
        kind = domain.kind if isinstance(domain, Ordinal) else "auto"
        return Ordinal(categories=kept, kind=kind)
    low, high = min(values), max(values)
    if low == high:
        return low
    if isinstance(domain, Integer):
        return Integer(lower=int(low), upper=int(high), log=domain.log)
    if isinstance(domain, Float):
        return Float(lower=float(low), upper=float(high), log=domain.log)
    return domain
