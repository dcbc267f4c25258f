"""Method styles, the paper style and saving figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from PIL import Image

from tunelab.plotting.figures import (
    LineStyle,
    benchmark_curves,
    method_styles,
    paper_style,
    save_figure,
)
from tunelab.plotting.figures._style import LINESTYLES, MARKERS, PALETTE

from ..conftest import DEMO_METHODS
from .conftest import make_curves


def assert_distinguishable(styles: dict[str, LineStyle]) -> None:
    """No two methods share colour and marker; the first len(PALETTE) have own colours."""
    pairs = [(s.color, s.marker) for s in styles.values()]
    assert len(set(pairs)) == len(pairs)
    first = [s.color for s in list(styles.values())[: len(PALETTE)]]
    assert len(set(first)) == len(first)


def test_method_styles_are_stable_and_distinct() -> None:
    methods = ["asha", "bo", "random_search"]
    styles = method_styles(methods)
    assert styles == method_styles(list(methods))
    assert list(styles) == methods
    assert len({s.color for s in styles.values()}) == 3
    assert all(isinstance(s, LineStyle) for s in styles.values())
    assert all(s.linestyle == "-" for s in styles.values())


def test_more_methods_than_colours_cycle_line_styles() -> None:
    methods = [f"m{i:02d}" for i in range(len(PALETTE) + 2)]
    styles = method_styles(methods)
    first, wrapped = styles["m00"], styles[f"m{len(PALETTE):02d}"]
    assert first.color == wrapped.color
    assert first.linestyle != wrapped.linestyle
    assert len({(s.color, s.linestyle) for s in styles.values()}) == len(methods)


def test_groups_share_line_styles() -> None:
    groups = {"multi-fidelity": ["asha", "hyperband"], "full": ["bo", "random_search"]}
    styles = method_styles(["asha", "bo", "hyperband", "random_search", "other"], groups=groups)
    assert styles["asha"].linestyle == styles["hyperband"].linestyle == LINESTYLES[0]
    assert styles["bo"].linestyle == styles["random_search"].linestyle == LINESTYLES[1]
    assert styles["other"].linestyle == LINESTYLES[2]
    assert len({s.color for s in styles.values()}) == 5


@pytest.mark.parametrize("order", [sorted, list])
def test_the_demo_methods_are_all_distinguishable(
    order: Callable[[Iterable[str]], list[str]],
) -> None:
    methods = order(DEMO_METHODS)
    styles = method_styles(methods)
    assert_distinguishable(styles)
    # in sorted order asha and rea (0 and 8), bayesian_optimization and sync_hyperband
    # (1 and 9) share a colour: the marker and line style tell them apart
    for a, b in (("asha", "rea"), ("bayesian_optimization", "sync_hyperband")):
        assert (styles[a].marker, styles[a].linestyle) != (styles[b].marker, styles[b].linestyle)
        assert styles[a].marker != styles[b].marker


def test_thirty_methods_with_and_without_groups() -> None:
    methods = [f"method_{i:02d}" for i in range(30)]
    assert_distinguishable(method_styles(methods))
    triples = {(s.color, s.marker, s.linestyle) for s in method_styles(methods).values()}
    assert len(triples) == 30
    groups = {"a": methods[:12], "b": methods[12:13], "c": methods[13:25]}
    styles = method_styles(methods, groups=groups)
    assert_distinguishable(styles)
    for g, members in enumerate((methods[:12], methods[12:13], methods[13:25], methods[25:])):
        assert {styles[m].linestyle for m in members} == {LINESTYLES[g]}  # groups kept


def test_too_many_methods_to_tell_apart_are_refused() -> None:
    capacity = len(PALETTE) * len(MARKERS)
    assert_distinguishable(method_styles([f"m{i}" for i in range(capacity)]))
    with pytest.raises(ValueError, match=f"{capacity + 1} methods, but only {capacity}"):
        method_styles([f"m{i}" for i in range(capacity + 1)])


def test_a_method_keeps_its_style_in_figures_that_draw_subsets() -> None:
    curves = make_curves(benchmarks=("b1", "b2"), methods=("asha", "bo", "rs"), n_grid=3)
    curves = curves[~((curves["benchmark"] == "b2") & (curves["method"] == "asha"))]
    colours = {}
    for benchmark in ("b1", "b2"):
        ax = benchmark_curves(curves, benchmark=benchmark, n_resamples=0)
        colours[benchmark] = {line.get_label(): line.get_color() for line in ax.lines}
        figure = ax.figure
        assert isinstance(figure, Figure)
        plt.close(figure)
    assert set(colours["b2"]) == {"bo", "rs"}
    assert all(colours["b1"][m] == colours["b2"][m] for m in ("bo", "rs"))


def test_method_styles_errors() -> None:
    with pytest.raises(ValueError, match=r"repeated: \['a'\]"):
        method_styles(["a", "b", "a"])
    with pytest.raises(ValueError, match="'a' is in two groups"):
        method_styles(["a", "b"], groups={"g1": ["a"], "g2": ["a", "b"]})


def test_paper_style_is_temporary() -> None:
    before = dict(mpl.rcParams)
    with paper_style():
        assert mpl.rcParams["pdf.fonttype"] == 42
        assert mpl.rcParams["savefig.dpi"] == 300
        assert not mpl.rcParams["axes.spines.top"]
    assert mpl.rcParams["pdf.fonttype"] == before["pdf.fonttype"]
    assert mpl.rcParams["axes.spines.top"] == before["axes.spines.top"]


def test_save_figure_writes_pdf_and_png(tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    paths = save_figure(fig, tmp_path / "sub" / "figure.v1")
    assert paths == [tmp_path / "sub" / "figure.v1.pdf", tmp_path / "sub" / "figure.v1.png"]
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert paths[1].read_bytes().startswith(b"\x89PNG")
    assert all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(ValueError, match="formats is empty"):
        save_figure(fig, tmp_path / "x", formats=())


def test_save_figure_resolution_and_png_compression(tmp_path: Path) -> None:
    fig, ax = plt.subplots(figsize=(2.0, 1.0), layout="none")
    ax.plot([0, 1], [1, 0])
    default, low = (
        save_figure(fig, tmp_path / name, formats=("png",), **options)[0]
        for name, options in (("default", {}), ("low", {"dpi": 150, "png_compression": 0}))
    )
    with Image.open(default) as big, Image.open(low) as small:
        assert big.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert small.info["dpi"] == pytest.approx((150, 150), abs=0.1)
        stored = small.size[0] * small.size[1] * 4  # RGBA bytes: level 0 stores them
    assert low.stat().st_size > stored > 10 * default.stat().st_size / 4


def test_a_long_legend_goes_beside_the_axes() -> None:
    import matplotlib.pyplot as plt

    from tunelab.plotting.figures import place_legend

    fig, ax = plt.subplots()
    for i in range(3):
        ax.plot([0, 1], [i, i], label=f"m{i}")
    place_legend(ax)
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    assert legend.get_window_extent().x1 <= ax.get_window_extent().x1  # inside
    for i in range(3, 9):
        ax.plot([0, 1], [i, i], label=f"m{i}")
    place_legend(ax)
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    legend_box = legend.get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # right of the axes
    plt.close(fig)


def test_long_benchmark_names_break_into_two_lines_over_grid_subplots() -> None:
    from tunelab.plotting.figures._curves import _two_lines

    assert _two_lines("yahpo-lcbench-167190") == "yahpo-lcbench-167190"
    assert _two_lines("nasbench201-final-constrained-cifar10") == (
        "nasbench201-final-\nconstrained-cifar10"
    )
    assert _two_lines("a" * 40) == "a" * 40  # nowhere to break: as given
