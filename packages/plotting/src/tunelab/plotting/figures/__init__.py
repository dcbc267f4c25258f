"""Paper-ready comparative figures from the tidy `curves` frame (and experiments' results).

Every figure function takes the tidy frame and an optional matplotlib `Axes`, checks its
input (missing columns, unknown benchmarks or methods raise ValueError naming them) and
returns the Axes (or Figure) it drew. Methods keep their colour, line style and marker in
every figure (`method_styles`), and statistics come from `tunelab.plotting.stats`.

Example:
    >>> from tunelab.plotting.figures import aggregate_curves, paper_style, save_figure
    >>> with paper_style():  # doctest: +SKIP
    ...     ax = aggregate_curves(curves)
    ...     save_figure(ax.figure, Path("out/aggregate"))
"""

from __future__ import annotations

from tunelab.plotting.figures._curves import (
    aggregate_curves,
    benchmark_curves,
    benchmark_grid,
    rank_curves,
)
from tunelab.plotting.figures._data import curve_array, final_array
from tunelab.plotting.figures._final import (
    cd_diagram_skip_reason,
    critical_difference_diagram,
    final_intervals,
    performance_profiles,
)
from tunelab.plotting.figures._hypervolume import hypervolume_curves
from tunelab.plotting.figures._learning import learning_curves
from tunelab.plotting.figures._learning_grid import LearningCurvePanel, learning_curve_grid
from tunelab.plotting.figures._pareto import attainment_surfaces
from tunelab.plotting.figures._style import (
    LineStyle,
    method_styles,
    paper_style,
    place_legend,
    save_figure,
)
from tunelab.plotting.options import MIN_CD_BENCHMARKS

__all__ = [
    "MIN_CD_BENCHMARKS",
    "LearningCurvePanel",
    "LineStyle",
    "aggregate_curves",
    "attainment_surfaces",
    "benchmark_curves",
    "benchmark_grid",
    "cd_diagram_skip_reason",
    "critical_difference_diagram",
    "curve_array",
    "final_array",
    "final_intervals",
    "hypervolume_curves",
    "learning_curve_grid",
    "learning_curves",
    "method_styles",
    "paper_style",
    "performance_profiles",
    "place_legend",
    "rank_curves",
    "save_figure",
]
