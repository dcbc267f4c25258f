"""Method styles, the paper style and saving figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

from tunelab.plotting.figures import LineStyle, method_styles, paper_style, save_figure
from tunelab.plotting.figures._style import LINESTYLES, PALETTE


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


def test_a_long_legend_goes_beside_the_axes() -> None:
    import matplotlib.pyplot as plt

    from tunelab.plotting.figures import place_legend

    fig, ax = plt.subplots()
    for i in range(3):
        ax.plot([0, 1], [i, i], label=f"m{i}")
    place_legend(ax)
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x1 <= ax.get_window_extent().x1  # inside
    for i in range(3, 9):
        ax.plot([0, 1], [i, i], label=f"m{i}")
    place_legend(ax)
    fig.canvas.draw()
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # right of the axes
    plt.close(fig)
