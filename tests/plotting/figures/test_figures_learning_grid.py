"""learning_curve_grid: many experiments' learning curves, a panel each, on one canvas."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from tunelab.plotting.figures import (
    LearningCurvePanel,
    learning_curve_grid,
    paper_style,
    save_figure,
)
from tunelab.plotting.figures._learning import BEST_COLOR, TRIAL_COLOR
from tunelab.plotting.figures._learning_grid import _PANEL, _Scale

from .conftest import make_results


def canvas(fig: Figure) -> Axes:
    (ax,) = fig.axes
    return ax


def collection(fig: Figure, gid: str) -> LineCollection:
    (found,) = [c for c in canvas(fig).collections if c.get_gid() == gid]
    assert isinstance(found, LineCollection)
    return found


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in canvas(fig).texts]


def shifted(results: pd.DataFrame, by: float) -> pd.DataFrame:
    """`results` with every loss `by` higher (another method's experiment)."""
    moved: pd.DataFrame = results.assign(loss=results["loss"] + by)
    return moved


def rgba(collection: LineCollection) -> np.ndarray:
    return np.asarray(collection.get_edgecolor(), dtype=float)


def grid_of(*panels: LearningCurvePanel | None, ncols: int = 2) -> Figure:
    return learning_curve_grid(
        panels, metric="loss", mode="min", resource_attr="epoch", ncols=ncols
    )


def test_one_collection_per_kind_of_line_over_all_panels() -> None:
    results = make_results()  # six trials, trial 0 the best
    panels = [LearningCurvePanel(f"m{i}, seed 0", shifted(results, i)) for i in range(3)]
    fig = grid_of(*panels)
    assert [c.get_gid() for c in canvas(fig).collections] == [
        "grid",
        "trials",
        "rungs",
        "frames",
        "best-trials",
    ]
    trials = collection(fig, "trials")
    assert len(trials.get_segments()) == 3 * 5  # every trial but the best, per panel
    np.testing.assert_allclose(rgba(trials), np.array([to_rgba(TRIAL_COLOR, 0.6)]))
    assert np.asarray(trials.get_linewidth(), dtype=float).tolist() == [0.7]
    best = collection(fig, "best-trials")
    assert len(best.get_segments()) == 3
    np.testing.assert_allclose(rgba(best), np.array([to_rgba(BEST_COLOR)]))
    assert best.get_zorder() > trials.get_zorder()
    assert len(collection(fig, "rungs").get_segments()) == 3 * 2  # rungs 1 and 3
    assert [t for t in texts(fig) if "seed" in t] == [
        f"m{i}, seed 0, best trial 0" for i in range(3)
    ]
    decisions = {str(line.get_gid()): line for line in canvas(fig).lines}
    assert len(np.asarray(decisions["decision-pause"].get_xdata())) == 3 * 3
    assert len(np.asarray(decisions["decision-stop"].get_xdata())) == 3 * 4


def test_each_panel_stays_in_its_box_on_shared_scales() -> None:
    results = make_results()
    fig = grid_of(
        LearningCurvePanel("low", results), LearningCurvePanel("high", shifted(results, 1.0))
    )
    best = [np.asarray(s) for s in collection(fig, "best-trials").get_segments()]
    width = _PANEL[0]
    (left_x0, left_x1), (right_x0, right_x1) = ((s[:, 0].min(), s[:, 0].max()) for s in best)
    assert left_x1 < right_x0 and left_x1 - left_x0 < width and right_x1 - right_x0 < width
    # same epochs, same place in each panel; one y scale: the higher losses lie higher
    np.testing.assert_allclose(best[1][:, 0] - best[0][:, 0], right_x0 - left_x0)
    assert (best[1][:, 1] > best[0][:, 1]).all()


@pytest.mark.parametrize("values", [(0.8, 1.9), (3.0, 95000.0), (-2e-6, 1e-6), (5.0, 5.0)])
def test_limits_and_ticks_are_those_matplotlib_gives_a_panel(values: tuple[float, float]) -> None:
    data = np.linspace(*values, 7)
    sizes: dict[Literal["x", "y"], float] = {"x": _PANEL[0], "y": _PANEL[1]}
    with paper_style():
        fig = plt.figure(figsize=(4.0, 3.0), layout="none")
        ax = fig.add_axes((0.2, 0.2, _PANEL[0] / 4.0, _PANEL[1] / 3.0))
        ax.plot(data, data)
        fig.canvas.draw()
        for axis, length in sizes.items():
            scale = _Scale.of(data, axis=axis, length=length)
            low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
            assert (scale.low, scale.high) == pytest.approx((low, high))
            matplotlib_axis = ax.xaxis if axis == "x" else ax.yaxis
            locations = matplotlib_axis.get_majorticklocs()
            shown = (locations >= low) & (locations <= high)
            np.testing.assert_allclose(scale.ticks, locations[shown])
            labels = [t.get_text() for t in matplotlib_axis.get_ticklabels()]
            assert scale.labels == [label for label, s in zip(labels, shown, strict=True) if s]
            assert scale.offset == matplotlib_axis.get_offset_text().get_text()


def test_empty_slots_and_tick_labels_under_each_column() -> None:
    results = make_results()
    panel = LearningCurvePanel("a, seed 0", results)
    fig = grid_of(panel, panel, panel, None, ncols=2)  # the second column ends in row 1
    frames = collection(fig, "frames")
    axis_lines = [s for s in frames.get_segments() if len(s) == 3]
    assert len(axis_lines) == 3  # no panel in the empty slot
    with paper_style():  # its font sizes set how many ticks fit
        x_ticks = len(_Scale.of(np.arange(1.0, 10.0), axis="x", length=_PANEL[0]).ticks)
        y_ticks = len(_Scale.of(results["loss"].to_numpy(), axis="y", length=_PANEL[1]).ticks)
    labels = [t for t in texts(fig) if "seed" not in t and t not in ("epoch", "loss")]
    # x tick labels under panel 2 (bottom left) and panel 1 (above the empty slot),
    # y tick labels left of panels 0 and 2
    assert len(labels) == 2 * x_ticks + 2 * y_ticks
    assert "epoch" in texts(fig) and "loss" in texts(fig)


def test_a_panel_without_the_resource_has_its_own_time_axis() -> None:
    results = make_results()
    fig = grid_of(
        LearningCurvePanel("a", results),
        LearningCurvePanel("b", results),
        LearningCurvePanel("no epochs", results.drop(columns="epoch")),
        ncols=3,
    )
    assert texts(fig).count("tuner time (s)") == 1
    assert texts(fig).count("epoch") == 1  # the grid's x label
    assert len(collection(fig, "rungs").get_segments()) == 2 * 2  # none on a time axis


def test_max_trials_and_mode_as_for_one_experiment() -> None:
    panel = LearningCurvePanel("a", make_results())
    fig = learning_curve_grid([panel, panel], metric="loss", mode="max", max_trials=1)
    assert len(collection(fig, "trials").get_segments()) == 2  # trial 0, per panel
    assert texts(fig).count("a, best trial 5") == 2  # the largest loss
    assert "tuner time (s)" in texts(fig)  # no resource given


def test_a_diverged_value_does_not_stretch_the_scale() -> None:
    results = make_results()
    diverged = results.assign(loss=results["loss"].where(results["trial_id"] != 3, np.inf))
    fig = grid_of(LearningCurvePanel("a", results), LearningCurvePanel("b", diverged))
    same = grid_of(LearningCurvePanel("a", results), LearningCurvePanel("b", results))
    assert texts(fig) == texts(same)  # the same ticks and labels
    assert len(collection(fig, "trials").get_segments()) == 2 * 5


def test_the_legend_names_what_is_drawn() -> None:
    results = make_results()
    legend = canvas(grid_of(LearningCurvePanel("a", results))).get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "other trials",
        "best trial",
        "paused (promotable)",
        "stopped",
        "rung level",
    ]
    plain = results.drop(columns="decision")
    legend = canvas(grid_of(LearningCurvePanel("a", plain))).get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["other trials", "best trial"]


def test_saving_in_two_formats_keeps_the_layout(tmp_path: Path) -> None:
    fig = grid_of(LearningCurvePanel("a", make_results()))
    paths = save_figure(fig, tmp_path / "grid", formats=("pdf", "png"), dpi=100)
    assert [p.suffix for p in paths] == [".pdf", ".png"]
    assert isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine)
    assert tuple(canvas(fig).get_position().bounds) == (0.0, 0.0, 1.0, 1.0)


def test_bad_input_is_named() -> None:
    results = make_results()
    with pytest.raises(ValueError, match="no panel to draw"):
        grid_of(None)
    with pytest.raises(ValueError, match="ncols must be >= 1"):
        grid_of(LearningCurvePanel("a", results), ncols=0)
    with pytest.raises(ValueError, match=r"panel 'b, seed 1': column 'loss' has no value"):
        grid_of(LearningCurvePanel("a", results), LearningCurvePanel("b, seed 1", results[:0]))
