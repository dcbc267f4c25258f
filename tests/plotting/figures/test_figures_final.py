"""final_intervals, performance_profiles and the critical-difference diagram."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import Collection, PolyCollection

from tunelab.plotting.figures import (
    cd_diagram_skip_reason,
    critical_difference_diagram,
    final_array,
    final_intervals,
    performance_profiles,
)
from tunelab.plotting.stats import iqm, performance_profile

from .conftest import xdata, ydata

N = 200
METHODS = ["asha", "bo", "random_search"]
BENCHMARKS = ["bench_a", "bench_b", "bench_c"]
Band = Callable[[Collection], tuple[np.ndarray, np.ndarray, np.ndarray]]


def test_final_intervals_one_row_per_method(curves: pd.DataFrame) -> None:
    ax = final_intervals(curves, n_resamples=N, seed=5, title="final")
    assert len(ax.lines) == 2 * len(METHODS)  # CI bar + point per method
    rows = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    assert rows == {"asha": 2, "bo": 1, "random_search": 0}
    assert ax.get_xlabel() == "IQM of normalised regret at 100% of the budget"
    assert ax.get_title() == "final"
    values, mask = final_array(curves, column="regret", methods=METHODS, benchmarks=BENCHMARKS)
    for i in range(len(METHODS)):
        bar, point = ax.lines[2 * i], ax.lines[2 * i + 1]
        expected = iqm(values[i], run_mask=mask[i], n_resamples=N, rng=np.random.default_rng(5))
        np.testing.assert_allclose(xdata(bar), [expected.low, expected.high])
        np.testing.assert_allclose(xdata(point), [expected.point])
        row = len(METHODS) - 1 - i  # first method on top
        assert list(ydata(bar)) == list(ydata(point))[:1] * 2 == [row, row]


def test_final_intervals_at_half_budget_and_errors(curves: pd.DataFrame) -> None:
    ax = final_intervals(curves, at=0.5, n_resamples=0, statistic="mean", column="value")
    assert len(ax.lines) == len(METHODS)  # no interval without resamples
    assert ax.get_xlabel() == "mean of error at 50% of the budget"
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['x'\]"):
        final_intervals(curves, benchmarks=["x"])
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['fraction'\]"):
        final_intervals(curves.drop(columns="fraction"))
    with pytest.raises(ValueError, match="before the first grid point"):
        final_intervals(curves, at=0.01)


def test_performance_profiles_step_lines_and_bands(curves: pd.DataFrame, band: Band) -> None:
    taus = np.linspace(0.0, 1.0, 21)
    ax = performance_profiles(curves, taus=taus, n_resamples=N, seed=2)
    assert len(ax.lines) == len(METHODS)
    assert all(line.get_drawstyle() == "steps-post" for line in ax.lines)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(METHODS)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == METHODS
    assert ax.get_ylabel() == "fraction of runs with score ≤ τ"
    values, mask = final_array(curves, column="regret", methods=METHODS, benchmarks=BENCHMARKS)
    for i, line in enumerate(ax.lines):
        expected = performance_profile(
            values[i],
            taus,
            run_mask=mask[i],
            mode="min",
            n_resamples=N,
            rng=np.random.default_rng(2),
        )
        np.testing.assert_allclose(xdata(line), taus)
        np.testing.assert_allclose(ydata(line), expected.point)
    assert ydata(ax.lines[2])[10] >= ydata(ax.lines[0])[10]


def test_performance_profiles_defaults_and_log_axis(
    curves_factory: Callable[..., pd.DataFrame],
) -> None:
    maximised = curves_factory(max_benchmarks=("bench_a", "bench_b", "bench_c"))
    ax = performance_profiles(maximised, column="value", n_resamples=0, log_x=False)
    assert len(ax.lines) == len(METHODS)
    assert not ax.collections
    assert ax.get_ylabel() == "fraction of runs with score ≥ τ"
    assert len(xdata(ax.lines[0])) == 200
    log_ax = performance_profiles(
        curves_factory(), column="value", n_resamples=0, log_x=True, benchmarks=["bench_b"]
    )
    assert log_ax.get_xscale() == "log"


def test_performance_profiles_refuse_mixed_directions(
    curves_factory: Callable[..., pd.DataFrame],
) -> None:
    mixed = curves_factory(max_benchmarks=("bench_b",))
    with pytest.raises(ValueError, match=r"mix 'min' and 'max'.*use column='regret'"):
        performance_profiles(mixed, column="value", n_resamples=0)
    assert len(performance_profiles(mixed, n_resamples=0).lines) == len(METHODS)


def test_critical_difference_diagram_labels_each_method_once(
    curves_factory: Callable[..., pd.DataFrame],
) -> None:
    methods = ["asha", "bo", "hyperband", "random_search", "tpe"]
    frame = curves_factory(methods=methods, benchmarks=[f"b{i}" for i in range(10)], n_grid=3)
    ax = critical_difference_diagram(frame, title="CD")
    texts = [t.get_text() for t in ax.texts]
    assert sorted(t for t in texts if t in methods) == methods
    assert sum(t.startswith("CD = ") for t in texts) == 1
    assert [t for t in texts if t.isdigit()] == ["1", "2", "3", "4", "5"]
    assert ax.get_title() == "CD"
    # the best-built method (last) is labelled on the left of the axis, the worst on the right
    label = {t.get_text(): t for t in ax.texts}
    assert label["tpe"].get_position()[0] < 1 < label["asha"].get_position()[0]


def test_critical_difference_diagram_errors(curves: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="statistic must be 'iqm' or 'mean'"):
        critical_difference_diagram(curves, statistic="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least two methods"):
        critical_difference_diagram(curves[curves["method"] == "bo"])
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['x'\]"):
        critical_difference_diagram(curves, benchmarks=["x"])


def test_cd_diagram_rule_needs_enough_benchmarks_and_a_narrow_cd() -> None:
    # Demšar's rule of thumb: about ten data sets at least
    reason = cd_diagram_skip_reason(2, 10)
    assert reason is not None and "N = 2" in reason and "k = 10" in reason
    assert "N >= 10" in reason
    assert cd_diagram_skip_reason(9, 3) is not None
    assert cd_diagram_skip_reason(10, 3) is None
    assert cd_diagram_skip_reason(10, 10) is None  # CD = 4.28 on ranks 1-10
    # the minimum is a parameter; a CD as wide as the rank axis still says nothing
    wide = cd_diagram_skip_reason(2, 10, min_benchmarks=2)
    assert wide is not None and "9.58" in wide and "span of the rank axis" in wide
    assert cd_diagram_skip_reason(2, 3, min_benchmarks=2) is not None  # CD = 2.34 >= 2
    assert cd_diagram_skip_reason(3, 3, min_benchmarks=3) is None  # CD = 1.91 < 2
    assert cd_diagram_skip_reason(10, 1) is not None


def test_critical_difference_diagram_refuses_too_few_benchmarks(curves: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"not meaningful here: N = 3 benchmark\(s\) for k = 3"):
        critical_difference_diagram(curves)
    with pytest.raises(ValueError, match="span of the rank axis"):
        critical_difference_diagram(curves, benchmarks=["bench_a", "bench_b"], min_benchmarks=2)
    assert critical_difference_diagram(curves, min_benchmarks=3).texts  # CD = 1.91 < 2


def test_a_diagram_that_can_separate_methods_is_decided_without_scipy() -> None:
    code = (
        "import sys\n"
        "from tunelab.plotting.figures import cd_diagram_skip_reason\n"
        "assert cd_diagram_skip_reason(30, 20) is None\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats was loaded'\n"
        "assert cd_diagram_skip_reason(2, 10, min_benchmarks=1) is not None\n"
        "assert 'scipy.stats' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
