"""learning_curves of one experiment's results: trials as one collection, the best on top."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from tunelab.plotting.figures import learning_curves
from tunelab.plotting.figures._learning import BEST_COLOR, TRIAL_COLOR, trial_curves

from .conftest import xdata


def by_gid(ax: Axes, prefix: str) -> list[Line2D]:
    return [line for line in ax.lines if (line.get_gid() or "").startswith(prefix)]


def gid(line: Line2D) -> str:
    """The gid of a line that has one (`by_gid` selects only such lines)."""
    value = line.get_gid()
    assert value is not None
    return value


def points(line: Line2D) -> set[tuple[float, float]]:
    return set(
        zip(np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float), strict=True)
    )


def trials(ax: Axes) -> LineCollection:
    """The collection of every trial's curve but the best one's."""
    (collection,) = ax.collections
    assert isinstance(collection, LineCollection) and collection.get_gid() == "trials"
    return collection


def rgba(collection: LineCollection) -> np.ndarray:
    return np.asarray(collection.get_edgecolor(), dtype=float)


def segments(collection: LineCollection) -> list[np.ndarray]:
    return [np.asarray(s) for s in collection.get_segments()]


def test_trials_are_one_collection_the_best_a_line_on_top(results: pd.DataFrame) -> None:
    ax = learning_curves(results, metric="loss", mode="min", resource_attr="epoch")
    collection = trials(ax)
    loss = {(t, e): 1.0 + 0.1 * t + 1.0 / e for t in range(6) for e in range(1, 10)}
    last_epoch = {1: 3, 2: 1, 3: 1, 4: 3, 5: 1}
    expected = [  # trials 1-5 in id order, each over its epochs (trial 0 is the best)
        np.array([[e, loss[t, e]] for e in range(1, last + 1)]) for t, last in last_epoch.items()
    ]
    got = segments(collection)
    assert len(got) == len(expected)
    for segment, want in zip(got, expected, strict=True):
        np.testing.assert_allclose(segment, want)
    np.testing.assert_allclose(rgba(collection), np.array([to_rgba(TRIAL_COLOR, 0.6)]))
    assert np.asarray(collection.get_linewidth(), dtype=float).tolist() == [0.7]
    assert collection.get_zorder() == 2 and not collection.get_in_layout()
    (best,) = by_gid(ax, "trial-")
    assert gid(best) == "trial-0" and best.get_zorder() == 3
    assert best.get_color() == BEST_COLOR and best.get_linewidth() == 1.8
    np.testing.assert_array_equal(best.get_xdata(), np.arange(1, 10))


def test_decisions_and_rungs(results: pd.DataFrame) -> None:
    ax = learning_curves(results, metric="loss", mode="min", resource_attr="epoch")
    (pause,) = by_gid(ax, "decision-pause")
    (stop,) = by_gid(ax, "decision-stop")
    loss = {(t, e): 1.0 + 0.1 * t + 1.0 / e for t in range(6) for e in range(1, 10)}
    assert points(pause) == {(1.0, loss[0, 1]), (3.0, loss[0, 3]), (1.0, loss[4, 1])}
    assert len(xdata(pause)) == 3
    assert points(stop) == {
        (3.0, loss[1, 3]),
        (1.0, loss[2, 1]),
        (1.0, loss[3, 1]),
        (3.0, loss[4, 3]),
    }
    assert pause.get_linestyle() == stop.get_linestyle() == "None"
    rungs = by_gid(ax, "rung")
    assert sorted(xdata(line)[0] for line in rungs) == [1.0, 3.0]
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"
    legend = ax.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["best trial (0)", "paused (promotable)", "stopped", "rung level"]


def test_the_best_trial_follows_the_mode(results: pd.DataFrame) -> None:
    worst = learning_curves(results, metric="loss", mode="max", resource_attr="epoch")
    worst_legend = worst.get_legend()
    assert worst_legend is not None
    labels = [t.get_text() for t in worst_legend.get_texts()]
    assert labels[0] == "best trial (5)"  # trial 5 has the largest loss (2.5 at epoch 1)
    assert [gid(line) for line in by_gid(worst, "trial-")] == ["trial-5"]
    assert len(segments(trials(worst))) == 5


@pytest.mark.parametrize("resource_attr", [None, "epoch"])
def test_against_tuner_time_without_resource(
    results: pd.DataFrame, resource_attr: str | None
) -> None:
    ax = learning_curves(
        results.drop(columns="epoch"),
        metric="loss",
        mode="min",
        resource_attr=resource_attr,
        rung_levels=[1, 3],  # resource levels mean nothing on a time axis
    )
    assert len(segments(trials(ax))) == 5 and len(by_gid(ax, "trial-")) == 1
    assert len(by_gid(ax, "decision-")) == 2
    assert not by_gid(ax, "rung")
    assert ax.get_xlabel() == "tuner time (s)"
    trial_0 = next(line for line in ax.lines if line.get_gid() == "trial-0")
    np.testing.assert_array_equal(trial_0.get_xdata(), np.arange(1, 10))


def test_given_rungs_and_max_trials(results: pd.DataFrame) -> None:
    ax = learning_curves(
        results.drop(columns="decision"),
        metric="loss",
        mode="min",
        resource_attr="epoch",
        rung_levels=[1, 2, 4],
        max_trials=2,
    )
    assert [gid(line) for line in by_gid(ax, "trial-")] == ["trial-0"]  # the best
    assert len(segments(trials(ax))) == 1  # trial 1
    assert not by_gid(ax, "decision-")
    assert sorted(xdata(line)[0] for line in by_gid(ax, "rung")) == [1.0, 2.0, 4.0]
    # the best trial is always drawn, even beyond max_trials
    best_last = learning_curves(
        results, metric="loss", mode="max", resource_attr="epoch", max_trials=1
    )
    assert [gid(line) for line in by_gid(best_last, "trial-")] == ["trial-5"]
    np.testing.assert_allclose(segments(trials(best_last))[0][:, 0], np.arange(1, 10))  # trial 0


def test_learning_curves_validate_input(results: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['accuracy'\]"):
        learning_curves(results, metric="accuracy", mode="min")
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        learning_curves(results, metric="loss", mode="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_trials must be >= 1"):
        learning_curves(results, metric="loss", mode="min", max_trials=0)
    empty = results.assign(loss=np.nan)
    with pytest.raises(ValueError, match="'loss' has no value"):
        learning_curves(empty, metric="loss", mode="min")


Curve = tuple[object, list[float], list[float]]


def reference_curves(rows: pd.DataFrame, *, x: str, y: str) -> list[Curve]:
    """Each trial's curve as one groupby and one sort per trial would build it."""
    curves: list[Curve] = []
    for trial_id, trial in rows.groupby("trial_id", sort=True):
        if "tuner_time" in trial.columns:
            trial = trial.sort_values("tuner_time", kind="stable")
        curves.append((trial_id, trial[x].tolist(), trial[y].tolist()))
    return curves


@pytest.mark.parametrize("ids", ["int", "str", "float with missing"])
def test_every_trial_is_drawn_in_report_order(ids: str) -> None:
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "trial_id": rng.integers(0, 30, n),
            "tuner_time": rng.choice([1.0, 2.0, 3.0, np.nan], n),  # ties and gaps
            "epoch": rng.integers(1, 10, n).astype(float),
            "loss": rng.random(n),
        }
    )
    if ids == "str":
        frame["trial_id"] = "t" + frame["trial_id"].astype(str)
    elif ids == "float with missing":
        frame["trial_id"] = frame["trial_id"].astype(float).where(rng.random(n) > 0.1)
    expected = reference_curves(frame, x="epoch", y="loss")
    got = [
        (trial_id, xs.tolist(), ys.tolist())
        for trial_id, xs, ys in trial_curves(frame, x_column="epoch", metric="loss")
    ]
    assert got == expected
    unordered = frame.drop(columns="tuner_time")
    got = [
        (trial_id, xs.tolist(), ys.tolist())
        for trial_id, xs, ys in trial_curves(unordered, x_column="epoch", metric="loss")
    ]
    assert got == reference_curves(unordered, x="epoch", y="loss")
