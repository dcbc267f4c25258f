"""Statistics for comparing tuning methods: pure functions, numpy arrays in and out.

- anytime curves on a common grid: :func:`make_grid`, :func:`best_so_far`,
  :func:`step_values`, :func:`normalized_regret`, :func:`reference_range`;
- aggregates with stratified-bootstrap intervals (Agarwal et al., 2021):
  :func:`iqm`, :func:`mean`, :func:`median_quartiles`, :func:`interquartile_mean`,
  :func:`stratified_bootstrap_indices`, :class:`Estimate`;
- comparisons: :func:`average_ranks`, :func:`performance_profile`,
  :func:`probability_of_improvement`, :func:`critical_difference` and
  :func:`nemenyi_critical_difference` (Demšar, 2006) and its scipy-free upper bound
  :func:`nemenyi_critical_difference_bound`;
- multi-objective: :func:`pareto_mask`, :func:`hypervolume`, :func:`hypervolume_curve`.

Array conventions: final scores are (n_runs, n_tasks), curves (n_runs, n_tasks, n_grid);
a bool ``run_mask`` (n_runs, n_tasks) marks the runs that exist.
"""

from __future__ import annotations

from tunelab.plotting.stats._bootstrap import (
    Estimate,
    interquartile_mean,
    iqm,
    mean,
    median_quartiles,
    stratified_bootstrap_indices,
)
from tunelab.plotting.stats._comparison import (
    CriticalDifference,
    average_ranks,
    critical_difference,
    nemenyi_critical_difference,
    nemenyi_critical_difference_bound,
    performance_profile,
    probability_of_improvement,
)
from tunelab.plotting.stats._curves import (
    Mode,
    best_so_far,
    make_grid,
    normalized_regret,
    reference_range,
    step_values,
)
from tunelab.plotting.stats._hypervolume import hypervolume, hypervolume_curve, pareto_mask

__all__ = [
    "CriticalDifference",
    "Estimate",
    "Mode",
    "average_ranks",
    "best_so_far",
    "critical_difference",
    "hypervolume",
    "hypervolume_curve",
    "interquartile_mean",
    "iqm",
    "make_grid",
    "mean",
    "median_quartiles",
    "nemenyi_critical_difference",
    "nemenyi_critical_difference_bound",
    "normalized_regret",
    "pareto_mask",
    "performance_profile",
    "probability_of_improvement",
    "reference_range",
    "step_values",
    "stratified_bootstrap_indices",
]
