"""Anytime curves: evaluation grids, best-so-far values and normalised regret.

A tuning run yields results at irregular points of its budget axis (wallclock time,
number of evaluations, ...). To aggregate runs they are put on a common grid: the value
at a grid point is the best result seen up to that point.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Mode = Literal["min", "max"]

__all__ = [
    "Mode",
    "best_so_far",
    "make_grid",
    "normalized_regret",
    "reference_range",
    "step_values",
]


def check_mode(mode: object, *, name: str = "mode") -> Mode:
    """Returns ``mode`` if it is ``"min"`` or ``"max"``, raises ValueError otherwise."""
    if mode == "min":
        return "min"
    if mode == "max":
        return "max"
    raise ValueError(f"{name} must be 'min' or 'max', got {mode!r}")


def make_grid(
    x_max: float, n_points: int = 100, *, x_min: float | None = None, log: bool = False
) -> np.ndarray:
    """An increasing evaluation grid that ends exactly at ``x_max``.

    Args:
        x_max: Last grid point, > 0 (e.g. the wallclock budget of the benchmark).
        n_points: Number of grid points, >= 2.
        x_min: First grid point. Defaults to ``x_max / n_points`` for a linear grid and
            ``x_max * 1e-3`` for a geometric one; must be < ``x_max`` (and > 0 if ``log``).
        log: Geometric spacing (for a log-scaled x axis) instead of linear spacing.

    Returns:
        Grid points, shape (n_points,).

    Raises:
        ValueError: For a non-finite or non-positive ``x_max``, ``n_points < 2`` or an
            ``x_min`` that is not below ``x_max`` (or not positive on a log grid).
    """
    if not np.isfinite(x_max) or x_max <= 0:
        raise ValueError(f"x_max must be a finite number > 0, got {x_max!r}")
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2, got {n_points!r}")
    if x_min is None:
        x_min = x_max * 1e-3 if log else x_max / n_points
    if not np.isfinite(x_min) or x_min >= x_max:
        raise ValueError(f"x_min must be finite and < x_max={x_max!r}, got {x_min!r}")
    if log:
        if x_min <= 0:
            raise ValueError(f"x_min must be > 0 for a log grid, got {x_min!r}")
        grid = np.geomspace(x_min, x_max, n_points)
    else:
        grid = np.linspace(x_min, x_max, n_points)
    grid[-1] = x_max
    return grid


def best_so_far(values: np.ndarray, *, mode: Mode) -> np.ndarray:
    """Running best of a sequence of results; NaN results are ignored.

    Args:
        values: Results in the order they were obtained, shape (n,).
        mode: ``"min"`` or ``"max"``: whether lower or higher is better.

    Returns:
        ``out[i]`` is the best of ``values[: i + 1]``, shape (n,); NaN while every
        result so far is NaN.
    """
    check_mode(mode)
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {values.shape}")
    if values.size == 0:
        empty: np.ndarray = values.copy()
        return empty
    # fmin/fmax return the non-NaN operand, so NaNs never replace a finite best
    ufunc = np.fmin if mode == "min" else np.fmax
    return np.asarray(ufunc.accumulate(values))


def step_values(x: np.ndarray, values: np.ndarray, grid: np.ndarray, *, mode: Mode) -> np.ndarray:
    """Best result obtained up to each grid point (a step function of the budget).

    Args:
        x: Budget at which each result was obtained, shape (n,); need not be sorted.
        values: The results, shape (n,); NaN results are ignored.
        grid: Grid points, shape (g,).
        mode: ``"min"`` or ``"max"``: whether lower or higher is better.

    Returns:
        Best value among the results with ``x <= grid[j]``, shape (g,); NaN at grid
        points before the first (non-NaN) result.
    """
    check_mode(mode)
    x = np.asarray(x, dtype=float)
    values = np.asarray(values, dtype=float)
    grid = np.asarray(grid, dtype=float)
    if x.ndim != 1 or values.shape != x.shape:
        raise ValueError(
            f"x and values must be 1-D of the same length, got shapes {x.shape} and {values.shape}"
        )
    if grid.ndim != 1:
        raise ValueError(f"grid must be 1-D, got shape {grid.shape}")
    if np.isnan(x).any():
        raise ValueError(f"x must not contain NaN (found at index {int(np.argmax(np.isnan(x)))})")
    order = np.argsort(x, kind="stable")
    running = best_so_far(values[order], mode=mode)
    n_before = np.searchsorted(x[order], grid, side="right")
    out = np.full(grid.shape, np.nan)
    reached = n_before > 0
    out[reached] = running[n_before[reached] - 1]
    return out


def normalized_regret(values: np.ndarray, *, best: float, worst: float, mode: Mode) -> np.ndarray:
    """Maps results to [0, 1] relative to a reference range: 0 = best, 1 = worst.

    For ``"min"`` this is ``(v - best) / (worst - best)``, for ``"max"``
    ``(best - v) / (best - worst)``; lower is better either way. Values outside the
    reference range are not clipped (they map below 0 or above 1), and NaN stays NaN.

    Args:
        values: Results, any shape.
        best: Best known value (e.g. from :func:`reference_range`).
        worst: Worst value of the reference range.
        mode: ``"min"`` or ``"max"``; ``best`` must be better than ``worst`` for it.

    Returns:
        Normalised regret, the shape of ``values``.

    Raises:
        ValueError: If ``best`` or ``worst`` is not finite, if they are equal, or if
            ``best`` is worse than ``worst`` for ``mode``.
    """
    check_mode(mode)
    if not (np.isfinite(best) and np.isfinite(worst)):
        raise ValueError(f"best and worst must be finite, got best={best!r}, worst={worst!r}")
    if best == worst:
        raise ValueError(f"best and worst must differ, both are {best!r}")
    if (best > worst) if mode == "min" else (best < worst):
        expected = "<" if mode == "min" else ">"
        raise ValueError(
            f"for mode={mode!r} best must be {expected} worst, got best={best!r}, worst={worst!r}"
        )
    values = np.asarray(values, dtype=float)
    return (values - best) / (worst - best)


def reference_range(values: np.ndarray, *, mode: Mode) -> tuple[float, float]:
    """Best and worst finite value of all results, the range for :func:`normalized_regret`.

    Args:
        values: Results, any shape; NaN and infinite entries are ignored.
        mode: ``"min"`` or ``"max"``.

    Returns:
        ``(best, worst)``: ``(min, max)`` for ``"min"``, ``(max, min)`` for ``"max"``.

    Raises:
        ValueError: If ``values`` holds no finite value.
    """
    check_mode(mode)
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError(f"values hold no finite value (shape {values.shape})")
    low, high = float(finite.min()), float(finite.max())
    return (low, high) if mode == "min" else (high, low)
