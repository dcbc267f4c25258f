"""fast_best_location puts a legend exactly where matplotlib's own "best" search does
(counting a collection of lines as its lines)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from PIL import Image

from tunelab.plotting.figures import _legend as fast
from tunelab.plotting.figures import learning_curves, paper_style
from tunelab.plotting.figures._learning import BEST_COLOR, TRIAL_COLOR, trial_curves


def busy_axes(rng: np.random.Generator) -> tuple[Figure, Axes]:
    """Axes with what the search scores: many polylines (single points, NaN gaps, lines
    grazing the corners), bands, scatter offsets, a vertical line and text."""
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    for i in range(int(rng.integers(5, 120))):
        n = int(rng.integers(1, 12))
        x = np.sort(rng.uniform(0, 10, n))
        y = rng.uniform(0, 1, n) ** rng.uniform(0.3, 3.0)
        if n > 3 and rng.random() < 0.1:
            y[n // 2] = np.nan
        ax.plot(x, y, color="grey", linewidth=0.7, label=f"line {i}" if i < 3 else None)
    corner = np.linspace(0, 10, 50)
    ax.plot(corner, np.clip(1.0 - corner / 9.5, 0, 1), label="diagonal")
    if rng.random() < 0.5:
        ax.fill_between(corner, 0.4, 0.4 + 0.2 * np.sin(corner), alpha=0.2, label="band")
    if rng.random() < 0.5:
        ax.scatter(rng.uniform(0, 10, 20), rng.uniform(0, 1, 20), s=4, label="points")
    if rng.random() < 0.5:
        ax.axvline(float(rng.uniform(0, 10)), linestyle=":", label="rung")
    if rng.random() < 0.3:
        ax.text(float(rng.uniform(0, 10)), float(rng.uniform(0, 1)), "note")
    if rng.random() < 0.3:
        ax.set_yscale("log")
    return fig, ax


def test_the_matplotlib_internals_it_stands_in_for_are_present() -> None:
    # without them every legend silently falls back to matplotlib's slow search
    assert fast._SUPPORTED


@pytest.mark.parametrize("seed", range(24))
def test_scores_every_candidate_box_as_matplotlib_does(seed: int) -> None:
    rng = np.random.default_rng(seed)
    fig, ax = busy_axes(rng)
    legend = ax.legend()
    fig.canvas.draw()
    canvas: Any = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    sizes = [(box.width, box.height), *rng.uniform(5.0, 200.0, size=(4, 2)).tolist()]
    for width, height in sizes:
        expected = Legend._find_best_position(legend, width, height, renderer)  # type: ignore[attr-defined]
        assert fast._find_best_position(legend, width, height, renderer) == expected
    plt.close(fig)


def png_pixels(fig: Figure) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return np.asarray(Image.open(buffer))


def draw_one_line_per_trial(ax: Axes, results: pd.DataFrame) -> None:
    """A learning-curve figure as it was drawn before trials became one collection:
    a line per trial, the legend placed by matplotlib's own search."""
    curves = list(trial_curves(results, x_column="epoch", metric="loss"))
    best = min(curves, key=lambda c: float(np.min(c[2])))[0]
    for trial_id, xs, ys in curves:
        is_best = trial_id == best
        (line,) = ax.plot(
            xs, ys, color=BEST_COLOR if is_best else TRIAL_COLOR,
            linewidth=1.8 if is_best else 0.7, alpha=1.0 if is_best else 0.6,
            zorder=3 if is_best else 2, label=f"best trial ({trial_id})" if is_best else None,
        )  # fmt: skip
        line.set_in_layout(False)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()


def learning_curve_images(results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """RGBA pixels of the learning curves of `results`, drawn by `learning_curves` and
    with a line per trial."""
    images = []
    for draw in ("collection", "lines"):
        with paper_style():
            fig, ax = plt.subplots(figsize=(4.0, 3.0))
            if draw == "collection":
                learning_curves(results, metric="loss", mode="min", resource_attr="epoch", ax=ax)
                legend = ax.get_legend()
                assert legend is not None
                assert ("_find_best_position" in vars(legend)) is fast._SUPPORTED
            else:
                draw_one_line_per_trial(ax, results)
            images.append(png_pixels(fig).astype(int))
            plt.close(fig)
    return images[0], images[1]


def random_results(rng: np.random.Generator, *, trials: int, lengths: list[int]) -> pd.DataFrame:
    rows = [
        {"trial_id": t, "tuner_time": 10.0 * t + e, "epoch": e, "loss": 1 / e + rng.random()}
        for t in range(trials)
        for e in range(1, 1 + int(rng.choice(lengths)))
    ]
    results: pd.DataFrame = pd.DataFrame(rows)
    return results


@pytest.mark.parametrize("seed", range(2))
def test_a_learning_curve_figure_is_pixel_for_pixel_as_with_a_line_per_trial(seed: int) -> None:
    """The collection draws as the lines did, and the legend lands where matplotlib put
    it among those lines (matplotlib itself would ignore the lines of a collection)."""
    results = random_results(np.random.default_rng(seed), trials=300, lengths=[1, 2, 4, 10])
    collection, lines = learning_curve_images(results)
    np.testing.assert_array_equal(collection, lines)


def test_long_curves_differ_at_most_by_a_shade_in_a_few_pixels() -> None:
    """A line of 128 points or more is simplified when drawn (points closer than a ninth
    of a pixel to the line merged), a collection's lines are not: a pixel can be a
    shade apart."""
    results = random_results(np.random.default_rng(2), trials=40, lengths=[1, 150, 300])
    collection, lines = learning_curve_images(results)
    difference = np.abs(collection - lines).max(axis=-1)
    assert difference.max() <= 2
    assert np.count_nonzero(difference) <= 1e-3 * difference.size


@pytest.mark.parametrize("seed", range(8))
def test_a_line_collection_scores_as_its_lines_would(seed: int) -> None:
    rng = np.random.default_rng(seed + 100)
    segments = [
        np.column_stack([np.sort(rng.uniform(0, 10, n)), rng.uniform(0, 1, n)])
        for n in rng.integers(1, 8, 40)
    ]
    figures = []
    for as_collection in (True, False):
        fig, ax = busy_axes(np.random.default_rng(seed))
        if as_collection:
            ax.add_collection(LineCollection(segments))
        else:
            for segment in segments:
                ax.plot(segment[:, 0], segment[:, 1])
        figures.append((fig, ax, ax.legend()))
    (fig, _, legend), (lines_fig, _, lines_legend) = figures
    for figure in (fig, lines_fig):
        figure.canvas.draw()
    canvas: Any = FigureCanvasAgg(fig)
    lines_canvas: Any = FigureCanvasAgg(lines_fig)
    box = lines_legend.get_window_extent(lines_canvas.get_renderer())
    expected = Legend._find_best_position(  # type: ignore[attr-defined]
        lines_legend, box.width, box.height, lines_canvas.get_renderer()
    )
    got = fast._find_best_position(legend, box.width, box.height, canvas.get_renderer())
    assert got == expected
    plt.close(fig)
    plt.close(lines_fig)


def awkward_paths(rng: np.random.Generator) -> list[Path]:
    """Paths of every kind the search meets, many of them touching the unit box's edges."""
    edge = np.array([0.0, 1.0])
    paths = [Path(np.empty((0, 2)))]
    for _ in range(60):
        n = int(rng.integers(1, 6))
        vertices = rng.choice([-0.5, 0.0, 0.3, 1.0, 1.5], size=(n, 2)) + rng.normal(
            0, 1e-12, (n, 2)
        )
        if rng.random() < 0.3:
            vertices[:, rng.integers(0, 2)] = rng.choice(edge)
        if rng.random() < 0.1:
            vertices[rng.integers(0, n)] = rng.choice([np.nan, np.inf])
        paths.append(Path(vertices))
    paths.append(Path([[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]], closed=True))
    # a closed polygon around the box: its edges never enter it
    paths.append(Path([[-1.0, -1.0], [2.0, -1.0], [2.0, 2.0], [-1.0, -1.0]], closed=True))
    curve = [Path.MOVETO, Path.CURVE3, Path.CURVE3]
    paths.append(Path([[-0.5, 0.5], [0.5, 3.0], [1.5, 0.5]], curve))  # control point far out
    paths.append(Path([[-0.5, -0.5], [0.5, 0.5], [1.5, -0.5]], curve))  # control point inside
    return paths


@pytest.mark.parametrize("seed", range(20))
def test_counts_crossing_paths_as_path_intersects_bbox(seed: int) -> None:
    rng = np.random.default_rng(seed)
    paths = awkward_paths(rng)
    lines = fast._Lines(
        [np.asarray(p.vertices) for p in paths],
        [None if p.codes is None else np.asarray(p.codes) for p in paths],
    )
    for box in (Bbox([[0.0, 0.0], [1.0, 1.0]]), Bbox(np.sort(rng.uniform(-1, 2, (2, 2)), axis=0))):
        expected = sum(bool(p.intersects_bbox(box, filled=False)) for p in paths)
        assert lines.crossing(box) == expected
        inside = sum(int(box.count_contains(p.vertices)) for p in paths)
        assert lines.vertices_inside(box) == inside


@pytest.mark.parametrize("scale", ["linear", "log", "symlog"])
def test_lines_reach_display_coordinates_as_matplotlib_puts_them(scale: str) -> None:
    rng = np.random.default_rng(1)
    fig, ax = plt.subplots()
    for _ in range(30):
        n = int(rng.integers(1, 8))
        ax.plot(rng.uniform(0.1, 10, n), rng.uniform(-1, 1, n) if scale != "log" else rng.random(n))
    ax.plot([], [])
    ax.axvline(3.0)
    ax.axhline(0.5)
    ax.axline((1.0, 0.2), (2.0, 0.4))
    ax.set_yscale(scale)
    legend = ax.legend(["a"])
    fig.canvas.draw()
    assert fast._only_lines(ax)
    canvas: Any = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    _, paths, _ = legend._auto_legend_data(renderer)  # type: ignore[attr-defined]
    lines = fast._Lines.of_paths([(line.get_path(), line.get_transform()) for line in ax.lines])
    assert len(paths) == len(ax.lines)
    for i, path in enumerate(paths):
        np.testing.assert_array_equal(lines.path(i).vertices, path.vertices)
    ax.add_collection(LineCollection([[(1.0, 0.1), (2.0, 0.2)]]))
    assert fast._only_lines(ax)  # a collection of lines counts as lines
    ax.fill_between([1.0, 2.0], 0.1, 0.2)
    assert not fast._only_lines(ax)
    plt.close(fig)
