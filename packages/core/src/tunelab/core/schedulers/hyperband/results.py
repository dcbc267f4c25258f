"""Reading the metric and the resource of a multi-fidelity result."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tunelab.core.trial import Mode, Trial


def read_result(
    trial: Trial,
    result: dict[str, Any],
    *,
    metric: str,
    mode: Mode,
    resource_attr: str,
    reader: str,
) -> tuple[float, float]:
    """(value, resource) of `result`, the value oriented so that smaller is better.

    A maximised metric is negated, and NaN (a diverged trial) becomes +inf, so that
    it ranks last.

    Raises:
        ValueError: the metric or the resource is missing, or the resource is not a
            number; the message names the trial and `reader` (the scheduler).
    """
    if metric not in result or resource_attr not in result:
        key, role = (metric, "metric") if metric not in result else (resource_attr, "resource")
        raise ValueError(
            f"trial {trial.trial_id} reported {sorted(result)} without the {role} "
            f"{key!r} that {reader} needs in every result"
        )
    resource = result[resource_attr]
    kind = type(resource)
    if (
        kind is not int
        and kind is not float
        and (isinstance(resource, bool) or not isinstance(resource, (int, float, np.number)))
    ):
        raise ValueError(
            f"trial {trial.trial_id} reported {resource_attr}={resource!r}; "
            "the resource must be a number"
        )
    value = float(result[metric])
    if math.isnan(value):
        return math.inf, float(resource)
    return (value if mode == "min" else -value), float(resource)
