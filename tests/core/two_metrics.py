"""The contract suites of `tunelab.core.testing`, run with two metrics: "loss" (min)
and "size" (max), `TWO_METRICS`. The public `MultiMetric...Contract` classes under
the names the multi-objective tests use, and `drive`, the searcher suite's driver
reporting both metrics."""

from __future__ import annotations

from tunelab.core.searcher import Searcher
from tunelab.core.testing import (
    TWO_METRICS,
    MultiMetricSchedulerContract,
    MultiMetricSearcherContract,
    drive_searcher,
    observe_all,
)
from tunelab.core.trial import Config

TwoMetricSchedulerContract = MultiMetricSchedulerContract
TwoMetricSearcherContract = MultiMetricSearcherContract

__all__ = ["TwoMetricSchedulerContract", "TwoMetricSearcherContract", "drive", "observe_all"]


def drive(searcher: Searcher, start: int, n: int, *, fail_every: int = 5) -> list[Config | None]:
    """`drive_searcher` reporting both metrics, every `fail_every`-th trial failing."""
    return drive_searcher(searcher, start, n, fail_every=fail_every, metrics=TWO_METRICS)
