"""The choices a report offers, in a module that imports nothing heavy.

`tunelab-plot --help` lists them (x axes, the statistic, the critical-difference
minimum), so they live apart from the numpy, pandas and matplotlib code that uses them:
asking for help does not wait for those to load.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Statistic = Literal["iqm", "mean", "median"]

X_LABELS: dict[str, str] = {
    "time": "wallclock time (s)",
    "results": "number of results",
    "resource": "resource spent",
    "cost": "cost spent",
}
"""x axis of the curves (`frames.curves_frame`) -> its axis label."""

BUDGET_ATTR = "budget"
"""`attrs` key of a curves frame naming what its budget fractions are fractions of."""
BUDGET = "the budget"
"""The budget of a curves frame without `BUDGET_ATTR` (time, results, resource)."""
COST_BUDGET = "the cost budget (max_cost)"
"""The budget of curves against cost whose every benchmark recorded a `max_cost`."""
COST_BUDGET_OR_MOST = "the cost budget (max_cost; else the most cost any run spent)"
"""The budget of curves against cost where a benchmark recorded no `max_cost`."""


def budget_of(attrs: Mapping[Hashable | None, Any]) -> str:
    """What the budget fractions of a curves frame with these `attrs` are fractions of."""
    return str(attrs.get(BUDGET_ATTR, BUDGET))


MIN_CD_BENCHMARKS = 10
"""Default fewest benchmarks for a critical-difference diagram
(see `figures.cd_diagram_skip_reason`)."""


@dataclass(frozen=True)
class FigureOptions:
    """Statistics and output choices shared by every figure of a report.

    `cd_min_benchmarks` is the fewest benchmarks for a critical-difference diagram
    (`figures.cd_diagram_skip_reason`).

    Learning curves are diagnostics, not paper figures: of the experiments chosen by
    `learning_curves`, `learning_curve_figures="benchmark"` draws one figure per
    benchmark with a panel per experiment (`figures.learning_curve_grid`), and
    "experiment" one figure each (`figures.learning_curves`, the earlier default);
    they are written in `learning_curve_formats` (PNG), the other figures in `formats`.
    """

    statistic: Statistic = "iqm"
    n_resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0
    at: tuple[float, ...] = (0.25, 1.0)
    log_x: bool = False
    log_y: bool = False
    formats: tuple[str, ...] = ("pdf", "png")
    learning_curves: Literal["first", "all", "none"] = "first"
    learning_curve_figures: Literal["benchmark", "experiment"] = "benchmark"
    learning_curve_formats: tuple[str, ...] = ("png",)
    cd_min_benchmarks: int = MIN_CD_BENCHMARKS
