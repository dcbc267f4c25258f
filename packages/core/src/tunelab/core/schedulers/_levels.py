"""Geometric rung levels, shared by asynchronous and synchronous Hyperband.

One definition, so that both scheduler families take their decisions at exactly the
same resource levels for the same `min_resource`, `max_resource` and
`reduction_factor`.
"""

from __future__ import annotations

# A product `min_resource * eta**j` computed in floating point may land a hair below
# `max_resource`; within this relative slack it counts as reaching it.
_SLACK = 1e-9


def as_level(value: float) -> float:
    """A resource level as the training code expects it: an int when integral."""
    number = float(value)
    return int(number) if number.is_integer() else number


def geometric_levels(
    *, min_resource: float, max_resource: float, reduction_factor: float
) -> list[float]:
    """Rung levels `min_resource * eta**j` below `max_resource`, then `max_resource`.

    Levels are rounded to integers when both ends are integers (epochs, steps);
    levels that rounding makes equal are merged. The list always ends with
    `as_level(max_resource)`; asynchronous Hyperband takes its rungs from all
    levels but the last one.

    Args:
        min_resource: Lowest rung level (grace period), > 0.
        max_resource: Highest level, >= `min_resource`.
        reduction_factor: Ratio eta between successive levels, >= 2.

    Raises:
        ValueError: a bound that is not a number > 0, `min_resource > max_resource`,
            or a reduction factor that is not a number >= 2.
    """
    _check_geometric(min_resource, max_resource, reduction_factor)
    integral = float(min_resource).is_integer() and float(max_resource).is_integer()
    levels: list[float] = []
    power = 0
    while True:
        value = min_resource * reduction_factor**power
        if value >= max_resource * (1 - _SLACK):
            break
        level = as_level(round(value)) if integral else as_level(value)
        if not levels or level > levels[-1]:
            levels.append(level)
        power += 1
    top = as_level(max_resource)
    if not levels or top > levels[-1]:
        levels.append(top)
    return levels


def _check_geometric(min_resource: float, max_resource: float, reduction_factor: float) -> None:
    for name, value in (("grace_period", min_resource), ("max_resource", max_resource)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a number > 0, got {value!r}")
    if min_resource > max_resource:
        raise ValueError(f"grace_period={min_resource} must not exceed max_resource={max_resource}")
    if (
        isinstance(reduction_factor, bool)
        or not isinstance(reduction_factor, (int, float))
        or not reduction_factor >= 2
    ):
        raise ValueError(f"reduction_factor must be a number >= 2, got {reduction_factor!r}")
