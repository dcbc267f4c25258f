"""Empirical attainment surfaces of multi-objective benchmarks (`attainment_surfaces`).

The k % attainment surface of a method is the boundary of the region of objective
space that the final Pareto fronts of at least k % of its runs dominate (Fonseca &
Fleming, 1996; Grunert da Fonseca et al., 2001): the 50 % surface is the median
front, and the band between the 25 % and 75 % surfaces shows how much the seeds vary.
Unlike the fronts of a few hand-picked seeds, it uses every run and hides none. The
surfaces come from `moocore.eaf` (exact, in two objectives); with m > 2 objectives
each pair of objectives gets a row of panels, the surfaces of the fronts projected on
that pair.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tunelab.plotting.figures._style import PALETTE, LineStyle, method_styles
from tunelab.plotting.fronts import Fronts

LEVELS = (25.0, 50.0, 75.0)
"""Attainment levels drawn (percent of runs): the band's edges and the median."""
_PANEL = (2.6, 2.2)  # inches per panel
_MAX_COLUMNS = 4  # panels per row with two objectives (more would not fit a page)
_MARGIN = 0.05  # of each axis' data range, around the points
_LOG_DECADES = 2  # an objective spanning more decades (all positive) gets a log axis
_LOG_MARGIN = 1.2  # factor around the extremes of a log axis


def attainment_surfaces(
    fronts: Fronts,
    *,
    methods: Sequence[str] | None = None,
    styles: Mapping[str, LineStyle] | None = None,
    levels: tuple[float, float, float] = LEVELS,
) -> Figure:
    """The attainment surfaces of each method on one benchmark, a panel per method.

    Each panel shows, in the method's colour, the median surface (`levels[1]` % of
    the runs attain it) as a line and the band between the `levels[0]` % and
    `levels[2]` % surfaces, over the final front points of its runs (small dots); the
    other methods' median surfaces are thin grey lines for comparison. Panels of a row
    share their axes, which end at the hypervolume reference point where the runs record
    one (the region the hypervolume measures). With m objectives there is a row per
    pair of objectives.

    Args:
        fronts: The runs' final fronts (`fronts.pareto_fronts`).
        methods: Methods in panel order (default: those of `fronts`, sorted).
        styles: Method -> colour (default: `method_styles` of `methods`).
        levels: Increasing percentages in (0, 100]: lower edge, line, upper edge.

    Returns:
        The new figure; each method's artists carry the gids "median-<method>",
        "band-<method>" and "points-<method>".

    Raises:
        ValueError: Fewer than two objectives, an unknown method, levels out of order,
            or no method with a feasible result.
    """
    where = f"attainment_surfaces({fronts.benchmark!r})"
    if len(fronts.metrics) < 2:
        raise ValueError(f"{where}: needs at least 2 objectives, got {list(fronts.metrics)}")
    low, mid, high = levels
    if not 0 < low < mid < high <= 100:
        raise ValueError(f"{where}: levels must increase within (0, 100], got {levels!r}")
    chosen = sorted(fronts.runs) if methods is None else list(methods)
    unknown = [m for m in chosen if m not in fronts.runs]
    if unknown:
        raise ValueError(f"{where}: unknown methods {unknown}; known: {sorted(fronts.runs)}")
    if not len(fronts.all_points()):
        raise ValueError(f"{where}: no run has a feasible result with every objective")
    styles = styles or method_styles(chosen)
    pairs = list(combinations(range(len(fronts.metrics)), 2))
    # two objectives: the methods' panels wrap into rows of at most _MAX_COLUMNS
    ncols = min(len(chosen), _MAX_COLUMNS) if len(pairs) == 1 else len(chosen)
    wraps = math.ceil(len(chosen) / ncols)
    fig, grid = plt.subplots(
        len(pairs) * wraps,
        ncols,
        figsize=(_PANEL[0] * ncols, _PANEL[1] * len(pairs) * wraps),
        squeeze=False,
        sharex="row" if len(pairs) > 1 else "all",
        sharey="row" if len(pairs) > 1 else "all",
    )
    for extra in grid.flat[len(chosen) :] if len(pairs) == 1 else ():
        extra.remove()
    axes = [[grid.flat[col] for col in range(len(chosen))]] if len(pairs) == 1 else grid
    for row, pair in enumerate(pairs):
        signs = np.array([1.0 if fronts.modes[j] == "min" else -1.0 for j in pair])
        bound = None if fronts.reference_point is None else np.array(fronts.reference_point)
        limits = _limits(
            fronts.all_points()[:, pair] * signs,
            None if bound is None else bound[list(pair)] * signs,
        )
        surfaces = {m: _surfaces(fronts, m, pair, signs, levels) for m in chosen}
        for col, method in enumerate(chosen):
            ax = axes[row][col]
            color = styles[method].color if method in styles else PALETTE[0]
            for other, found in surfaces.items():
                if other != method and found is not None:
                    _line(ax, found[1], limits, signs, color="#b0b0b0", lw=0.8)
            _draw_method(ax, fronts, method, pair, signs, limits, surfaces[method], color)
            ax.set_title(method)
            for axis, (j, set_scale, set_lim) in enumerate(
                ((pair[0], ax.set_xscale, ax.set_xlim), (pair[1], ax.set_yscale, ax.set_ylim))
            ):
                log_limits = _log_limits(fronts, j, None if bound is None else float(bound[j]))
                if log_limits is None:
                    set_lim(*sorted(limits[axis] * signs[axis]))
                else:
                    set_scale("log")
                    set_lim(*log_limits)
            below = col + ncols < len(chosen) if len(pairs) == 1 else False
            if not below:  # the lowest panel of its column
                ax.set_xlabel(_axis_label(fronts, pair[0]))
            if col % ncols == 0:
                ax.set_ylabel(_axis_label(fronts, pair[1]))
    fig.suptitle(
        f"{fronts.benchmark}: attainment surfaces ({mid:g} % line, "
        f"{low:g}-{high:g} % band) of the final Pareto fronts"
    )
    return fig


Surfaces = tuple[np.ndarray, np.ndarray, np.ndarray]
"""The (low, median, high) surfaces, each (k, 2) corner points in minimised units."""


def _surfaces(
    fronts: Fronts,
    method: str,
    pair: tuple[int, int],
    signs: np.ndarray,
    levels: tuple[float, float, float],
) -> Surfaces | None:
    """The method's attainment surfaces on `pair` (both objectives minimised), or None
    without a feasible result."""
    runs = [p[:, pair] * signs for p in fronts.runs[method].values() if len(p)]
    if not runs:
        return None
    import moocore  # compiled; imported on first use, so the CLI starts without it

    points = np.concatenate(runs)
    sets = np.concatenate([np.full(len(p), i + 1) for i, p in enumerate(runs)])
    found = []
    for level in levels:
        # attained by at least this many runs; those without a feasible result attain
        # nothing but count, so levels are fractions of all the method's runs
        needed = max(1, int(np.ceil(level * len(fronts.runs[method]) / 100 - 1e-9)))
        if needed > len(runs):
            found.append(np.zeros((0, 2)))
            continue
        eaf = moocore.eaf(points, sets, percentiles=[100 * needed / len(runs)])
        found.append(np.asarray(eaf[:, :2], dtype=float))
    return found[0], found[1], found[2]


def _draw_method(
    ax: Axes,
    fronts: Fronts,
    method: str,
    pair: tuple[int, int],
    signs: np.ndarray,
    limits: np.ndarray,
    surfaces: Surfaces | None,
    color: str,
) -> None:
    points = [p[:, pair] for p in fronts.runs[method].values() if len(p)]
    if points:
        dots = np.concatenate(points)
        ax.plot(*dots.T, ".", color=color, ms=2.0, alpha=0.35, gid=f"points-{method}")
    if surfaces is None:
        ax.text(0.5, 0.5, "no feasible result", ha="center", transform=ax.transAxes)
        return
    low, median, high = surfaces
    x = np.unique(np.concatenate([s[:, 0] for s in surfaces] + [limits[0]]))
    lower, upper = _step(low, x, limits), _step(high, x, limits)
    ax.fill_between(
        x * signs[0],
        lower * signs[1],
        upper * signs[1],
        step="post",
        color=color,
        alpha=0.25,
        linewidth=0,
        gid=f"band-{method}",
    )
    _line(ax, median, limits, signs, color=color, lw=1.6, gid=f"median-{method}")


def _step(surface: np.ndarray, x: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """The surface's second objective at each `x` (minimised units): the lowest of its
    corners at or left of x; the upper limit where it attains nothing."""
    out = np.full(len(x), limits[1][1])
    if len(surface):
        order = np.argsort(surface[:, 0], kind="stable")
        xs, ys = surface[order, 0], np.minimum.accumulate(surface[order, 1])
        n = np.searchsorted(xs, x, side="right")
        out[n > 0] = ys[n[n > 0] - 1]
    return out


def _line(
    ax: Axes,
    surface: np.ndarray,
    limits: np.ndarray,
    signs: np.ndarray,
    *,
    color: str,
    lw: float,
    gid: str | None = None,
) -> None:
    """A surface as a staircase from the top of the axes to their right edge."""
    if not len(surface):
        return
    order = np.argsort(surface[:, 0], kind="stable")
    xs, ys = surface[order, 0], np.minimum.accumulate(surface[order, 1])
    stairs_x = np.concatenate([[xs[0]], np.repeat(xs, 2)[1:], [limits[0][1]]])
    stairs_y = np.concatenate([[limits[1][1]], np.repeat(ys, 2)])
    ax.plot(stairs_x * signs[0], stairs_y * signs[1], color=color, lw=lw, gid=gid)


def _limits(points: np.ndarray, bound: np.ndarray | None) -> np.ndarray:
    """(lower, upper) of each of the two minimised objectives, with a margin, (2, 2):
    up to the reference point `bound` (2,) where known, the points' extremes else."""
    low, high = points.min(axis=0), points.max(axis=0)
    if bound is not None:
        high = np.where(bound > low, bound, high)
    span = np.where(high > low, high - low, 1.0)
    return np.column_stack([low - _MARGIN * span, high + _MARGIN * span])


def _log_limits(fronts: Fronts, j: int, bound: float | None) -> tuple[float, float] | None:
    """Limits of a log-scaled axis for objective `j`, or None for a linear one.

    An objective whose values (and reference value) are all positive and span more
    than `_LOG_DECADES` decades, like training times or model sizes, is drawn on a log
    scale: on a linear one its good end, where fronts differ, is squeezed flat.
    """
    values = fronts.all_points()[:, j]
    values = values[np.isfinite(values)]
    if bound is not None and np.isfinite(bound):
        values = np.append(values, bound)
    if len(values) < 2 or values.min() <= 0 or values.max() < values.min() * 10**_LOG_DECADES:
        return None
    low, high = float(values.min()), float(values.max())
    return low / _LOG_MARGIN, high * _LOG_MARGIN


def _axis_label(fronts: Fronts, j: int) -> str:
    better = "lower" if fronts.modes[j] == "min" else "higher"
    return f"{fronts.metrics[j]} ({better} is better)"
