"""`RungArguments`: the rung options a scheduler subclass passes on to its base.

A subclass that only adds options to its base (PASHA to ASHA, synchronous successive
halving and DEHB to synchronous Hyperband) takes them as `**rungs:
Unpack[RungArguments]`; `SearcherScheduler.__init_subclass__` spells them out in the
subclass's signature (`tunelab.core._signatures`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from typing_extensions import Required

    from tunelab.core.trial import Mode


class RungArguments(TypedDict, total=False):
    """The arguments of `HyperbandScheduler` and `SynchronousHyperbandScheduler` that
    define the metric, the resource and the geometric rung levels."""

    metric: Required[str]
    mode: Mode
    resource_attr: Required[str]
    max_resource: float | None
    max_resource_attr: str | None
    grace_period: float
    reduction_factor: float
