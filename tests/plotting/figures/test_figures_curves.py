"""benchmark_curves, benchmark_grid, aggregate_curves, rank_curves, hypervolume_curves."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import Collection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from PIL import Image

from tunelab.plotting.figures import (
    aggregate_curves,
    benchmark_curves,
    benchmark_grid,
    curve_array,
    hypervolume_curves,
    method_styles,
    place_legend,
    rank_curves,
)
from tunelab.plotting.figures._curves import draw_benchmark_curves
from tunelab.plotting.figures._data import Summary
from tunelab.plotting.figures._style import AxesOptions
from tunelab.plotting.stats import average_ranks, iqm, median_quartiles

from .conftest import make_curves, xdata, ydata

N = 200
METHODS = ["asha", "bo", "random_search"]
Band = Callable[[Collection], tuple[np.ndarray, np.ndarray, np.ndarray]]


def bands(ax: Axes) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_benchmark_curves_draws_a_line_and_band_per_method(curves: pd.DataFrame) -> None:
    ax = benchmark_curves(curves, benchmark="bench_b", n_resamples=N)
    assert len(ax.lines) == 3
    assert len(bands(ax)) == 3
    assert legend_texts(ax) == METHODS
    assert ax.get_xlabel() == "wallclock time (s)"
    assert ax.get_ylabel() == "IQM of error"
    assert ax.get_title() == "bench_b"
    assert ax.get_xscale() == ax.get_yscale() == "linear"
    x = curves.loc[curves["benchmark"] == "bench_b"].groupby("step")["x"].first().to_numpy()
    np.testing.assert_allclose(xdata(ax.lines[0]), x)


def test_benchmark_curves_band_equals_stats_iqm(curves: pd.DataFrame, band: Band) -> None:
    ax = benchmark_curves(curves, benchmark="bench_a", n_resamples=N, seed=7, confidence=0.9)
    values, mask = curve_array(curves, column="value", methods=METHODS, benchmarks=["bench_a"])
    for i, collection in enumerate(bands(ax)):
        expected = iqm(
            values[i],
            run_mask=mask[i],
            n_resamples=N,
            confidence=0.9,
            rng=np.random.default_rng(7),
        )
        np.testing.assert_allclose(ydata(ax.lines[i]), expected.point)
        finite = np.isfinite(expected.low)
        assert not finite[0]  # seed 0 has no result at the first grid point
        _, low, high = band(collection)
        np.testing.assert_allclose(low, expected.low[finite])
        np.testing.assert_allclose(high, expected.high[finite])


def test_benchmark_curves_median_band_is_quartiles(curves: pd.DataFrame, band: Band) -> None:
    ax = benchmark_curves(curves, benchmark="bench_a", statistic="median", column="regret")
    assert ax.get_ylabel() == "median of normalised regret"
    values, mask = curve_array(curves, column="regret", methods=METHODS, benchmarks=["bench_a"])
    expected = median_quartiles(values[2], run_mask=mask[2])
    _, low, high = band(bands(ax)[2])
    finite = np.isfinite(expected.low)
    np.testing.assert_allclose(low, expected.low[finite])
    np.testing.assert_allclose(high, expected.high[finite])


def test_benchmark_curves_options(curves: pd.DataFrame) -> None:
    _, ax = plt.subplots()
    returned = benchmark_curves(
        curves,
        benchmark="bench_a",
        ax=ax,
        statistic="mean",
        n_resamples=0,
        log_x=True,
        log_y=True,
        xlim=(10.0, 100.0),
        ylim=(0.1, 2.0),
        title="A",
    )
    assert returned is ax
    assert len(ax.lines) == 3
    assert not bands(ax)  # no resamples, no band
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_xlim() == pytest.approx((10.0, 100.0))
    assert ax.get_ylim() == pytest.approx((0.1, 2.0))
    assert ax.get_title() == "A"


def test_benchmark_curves_keeps_colours_when_a_method_is_missing(
    curves: pd.DataFrame,
) -> None:
    partial = curves[~((curves["benchmark"] == "bench_a") & (curves["method"] == "asha"))]
    ax = benchmark_curves(partial, benchmark="bench_a", n_resamples=N)
    styles = method_styles(METHODS)
    assert legend_texts(ax) == ["bo", "random_search"]
    assert [line.get_color() for line in ax.lines] == [
        styles["bo"].color,
        styles["random_search"].color,
    ]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "-"]


def test_benchmark_curves_validates_input(curves: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['nope'\].*'bench_a'"):
        benchmark_curves(curves, benchmark="nope")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['x'\]"):
        benchmark_curves(curves.drop(columns="x"), benchmark="bench_a")
    with pytest.raises(ValueError, match=r"no entry for method\(s\) \['bo'"):
        benchmark_curves(curves, benchmark="bench_a", styles=method_styles(["asha"]))
    with pytest.raises(ValueError, match="statistic must be"):
        benchmark_curves(curves, benchmark="bench_a", statistic="max")  # type: ignore[arg-type]


def test_benchmark_grid_has_one_subplot_per_benchmark(curves: pd.DataFrame) -> None:
    fig = benchmark_grid(
        curves,
        ncols=2,
        n_resamples=N,
        titles={"bench_a": "First"},
        ylims={"bench_b": (0.0, 5.0)},
        log_x=True,
    )
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["First", "bench_b", "bench_c"]
    assert fig.axes[1].get_ylim() == pytest.approx((0.0, 5.0))
    for ax in fig.axes:
        assert len(ax.lines) == 3
        assert len(bands(ax)) == 3
        assert ax.get_legend() is None
        assert ax.get_xscale() == "log"
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == METHODS


def saved(fig: Figure) -> tuple[np.ndarray, bytes]:
    """PNG pixels and PDF bytes (no creation date) of `fig`, saved as the report does."""
    png, pdf = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    fig.savefig(pdf, format="pdf", metadata={"CreationDate": None})
    return np.asarray(Image.open(png)), pdf.getvalue()


def assert_same_files(fig: Figure, reference: Figure) -> None:
    (pixels, pdf), (expected_pixels, expected_pdf) = saved(fig), saved(reference)
    np.testing.assert_array_equal(pixels, expected_pixels)
    assert pdf == expected_pdf


@pytest.fixture
def legends_built(monkeypatch: pytest.MonkeyPatch) -> list[Legend]:
    """Every `Legend` built while the test runs."""
    built: list[Legend] = []
    init = Legend.__init__

    def spy(self: Legend, *args: object, **kwargs: object) -> None:
        built.append(self)
        init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Legend, "__init__", spy)
    return built


def test_benchmark_grid_builds_only_its_shared_legend(
    curves: pd.DataFrame, legends_built: list[Legend]
) -> None:
    fig = benchmark_grid(curves, n_resamples=N)
    assert legends_built == fig.legends


@pytest.mark.parametrize("n_methods", [3, 8])  # a legend inside the axes, and beside them
def test_benchmark_grid_files_are_as_with_a_legend_per_subplot_removed(n_methods: int) -> None:
    """The grid once built a legend per subplot and removed it: the files are the same."""
    frame = make_curves(methods=[f"method{i}" for i in range(n_methods)])
    reference = benchmark_grid(frame, n_resamples=N)
    for ax in reference.axes:
        place_legend(ax)
        legend = ax.get_legend()
        assert legend is not None
        legend.remove()
    assert_same_files(benchmark_grid(frame, n_resamples=N), reference)


@pytest.mark.parametrize("n_methods", [3, 8])
def test_benchmark_curves_legend_is_as_when_placed_again(n_methods: int) -> None:
    """`tunelab-plot` once placed a benchmark figure's legend a second time: the files
    are the same with the legend `benchmark_curves` places."""
    frame = make_curves(methods=[f"method{i}" for i in range(n_methods)])
    figures = []
    for again in (False, True):
        fig, ax = plt.subplots(figsize=(4.0, 3.0))
        benchmark_curves(frame, benchmark="bench_a", ax=ax, n_resamples=N)
        if again:
            place_legend(ax)
        figures.append(fig)
    assert_same_files(*figures)


def test_benchmark_curves_places_a_legend_unless_told_not_to(curves: pd.DataFrame) -> None:
    summary = Summary("iqm", N, 0.95, 0)
    for legend in (True, False):
        _, ax = plt.subplots()
        draw_benchmark_curves(
            curves, benchmark="bench_a", ax=ax, column="value", styles=None,
            summary=summary, options=AxesOptions(), legend=legend,
        )  # fmt: skip
        assert (ax.get_legend() is not None) is legend


def test_benchmark_grid_validates_input(curves: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="ncols must be >= 1"):
        benchmark_grid(curves, ncols=0)
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['x'\]"):
        benchmark_grid(curves, benchmarks=["bench_a", "x"])


def test_aggregate_curves_band_equals_stratified_iqm(curves: pd.DataFrame, band: Band) -> None:
    ax = aggregate_curves(curves, n_resamples=N, seed=3, log_y=True)
    assert len(ax.lines) == 3
    assert len(bands(ax)) == 3
    assert legend_texts(ax) == METHODS
    assert ax.get_xlabel() == "fraction of the budget"
    assert ax.get_ylabel() == "IQM of normalised regret"
    assert ax.get_yscale() == "log"
    benchmarks = ["bench_a", "bench_b", "bench_c"]
    values, mask = curve_array(curves, column="regret", methods=METHODS, benchmarks=benchmarks)
    n_grid = values.shape[-1]
    np.testing.assert_allclose(xdata(ax.lines[0]), np.arange(1, n_grid + 1) / n_grid)
    for i, collection in enumerate(bands(ax)):
        expected = iqm(values[i], run_mask=mask[i], n_resamples=N, rng=np.random.default_rng(3))
        np.testing.assert_allclose(ydata(ax.lines[i]), expected.point)
        _, low, high = band(collection)
        finite = np.isfinite(expected.low)
        np.testing.assert_allclose(low, expected.low[finite])
        np.testing.assert_allclose(high, expected.high[finite])


def test_aggregate_curves_needs_every_benchmark(curves: pd.DataFrame) -> None:
    partial = curves[~((curves["benchmark"] == "bench_c") & (curves["method"] == "bo"))]
    with pytest.raises(ValueError, match=r"without any run: \[\('bo', 'bench_c'\)\]"):
        aggregate_curves(partial, n_resamples=N)
    ax = aggregate_curves(partial, benchmarks=["bench_a", "bench_b"], n_resamples=N)
    assert len(ax.lines) == 3


def test_rank_curves_plots_average_ranks(curves: pd.DataFrame) -> None:
    ax = rank_curves(curves, log_x=True, title="ranks")
    assert len(ax.lines) == 3
    assert not bands(ax)
    assert legend_texts(ax) == METHODS
    assert ax.get_ylabel() == "average rank (normalised regret)"
    assert ax.get_title() == "ranks"
    assert ax.get_xscale() == "log"
    benchmarks = ["bench_a", "bench_b", "bench_c"]
    values, mask = curve_array(curves, column="regret", methods=METHODS, benchmarks=benchmarks)
    expected = average_ranks(values, mode="min", run_mask=mask)
    for i in range(3):
        np.testing.assert_allclose(ydata(ax.lines[i]), expected[i])
    # random_search is built best, asha worst (methods later in the list improve more)
    assert ydata(ax.lines[2])[-1] < ydata(ax.lines[0])[-1]


def test_rank_curves_ranks_maximised_values_in_their_direction(
    curves_factory: Callable[..., pd.DataFrame],
) -> None:
    mixed = curves_factory(max_benchmarks=("bench_b",))
    by_value = rank_curves(mixed, column="value").lines
    by_regret = rank_curves(mixed, column="regret").lines
    for a, b in zip(by_value, by_regret, strict=True):
        np.testing.assert_allclose(ydata(a), ydata(b))


def test_hypervolume_curves_label(curves_factory: Callable[..., pd.DataFrame]) -> None:
    frame = curves_factory(benchmarks=("zdt",), max_benchmarks=("zdt",))
    frame["metric"] = "hypervolume"
    ax = hypervolume_curves(frame, benchmark="zdt", n_resamples=N)
    assert ax.get_ylabel() == "IQM of hypervolume"
    assert len(ax.lines) == 3
    assert len(bands(ax)) == 3
    with pytest.raises(ValueError, match="unknown benchmark"):
        hypervolume_curves(frame, benchmark="dtlz")
