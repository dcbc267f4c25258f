"""fast_best_location puts a legend exactly where matplotlib's own "best" search does."""

from __future__ import annotations

import io
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from PIL import Image

from tunelab.plotting.figures import _legend as fast
from tunelab.plotting.figures import learning_curves, paper_style


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


def test_a_learning_curve_figure_is_pixel_for_pixel_the_same() -> None:
    rng = np.random.default_rng(0)
    rows = [
        {"trial_id": t, "tuner_time": 10.0 * t + e, "epoch": e, "loss": 1 / e + rng.random()}
        for t in range(300)
        for e in range(1, int(rng.choice([2, 4, 10])))
    ]
    results = pd.DataFrame(rows)
    images = []
    for keep_fast in (True, False):
        with paper_style():
            fig, ax = plt.subplots(figsize=(4.0, 3.0))
            learning_curves(results, metric="loss", mode="min", resource_attr="epoch", ax=ax)
            legend = ax.get_legend()
            assert legend is not None
            assert ("_find_best_position" in vars(legend)) is fast._SUPPORTED
            if not keep_fast:
                del legend._find_best_position  # type: ignore[attr-defined]
            images.append(png_pixels(fig))
            plt.close(fig)
    np.testing.assert_array_equal(images[0], images[1])


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
    lines = fast._Lines.of_lines(ax.lines)
    assert len(paths) == len(ax.lines)
    for i, path in enumerate(paths):
        np.testing.assert_array_equal(lines.path(i).vertices, path.vertices)
    ax.fill_between([1.0, 2.0], 0.1, 0.2)
    assert not fast._only_lines(ax)
    plt.close(fig)
