"""Validation of the metric / mode arguments that every scheduler takes."""

from __future__ import annotations

from collections.abc import Sequence

from tunelab.core.trial import Mode

_MODES = ("min", "max")


def normalize_metrics(
    metric: str | Sequence[str], mode: Mode | Sequence[Mode]
) -> tuple[list[str], list[Mode]]:
    """Return `(metrics, modes)` as equal-length lists, or raise a clear error.

    A single mode applies to every metric.
    """
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if not metrics:
        raise ValueError("metric must be a non-empty string or list of strings, got []")
    for name in metrics:
        if not isinstance(name, str) or not name:
            raise ValueError(f"metric names must be non-empty strings, got {name!r}")
    if len(set(metrics)) != len(metrics):
        raise ValueError(f"metric names must be distinct, got {metrics}")
    modes = [mode] * len(metrics) if isinstance(mode, str) else list(mode)
    if len(modes) != len(metrics):
        raise ValueError(
            f"mode must be 'min', 'max' or one of them per metric; got {len(modes)} modes "
            f"{modes} for {len(metrics)} metrics {metrics}"
        )
    for value in modes:
        if value not in _MODES:
            raise ValueError(f"mode must be 'min' or 'max', got {value!r}")
    return metrics, modes
