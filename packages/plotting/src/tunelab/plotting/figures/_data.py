"""From the tidy `curves` frame to the arrays the statistics take, with input checks.

The `curves` frame has one row per experiment and grid point (columns `benchmark`,
`method`, `seed`, `step`, `x`, `fraction`, `value`, `regret`, `metric`, `mode`). The
statistics want dense arrays with a runs axis, so seeds become run indices: within one
benchmark, run ``r`` is the ``r``-th smallest seed of any requested method there. A method
that lacks that seed has its mask entry False and NaN values.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tunelab.plotting.stats import Estimate, iqm, mean, median_quartiles

Mode = Literal["min", "max"]
Statistic = Literal["iqm", "mean", "median"]
STATISTIC_LABELS: dict[str, str] = {"iqm": "IQM", "mean": "mean", "median": "median"}

KEY_COLUMNS = ("benchmark", "method", "seed", "step")
CURVE_COLUMNS = (*KEY_COLUMNS, "x", "fraction", "metric", "mode")
# Fractions are x / x_max computed in floating point; `at=0.5` must find a step at 0.5.
_FRACTION_TOLERANCE = 1e-9


def check_columns(frame: pd.DataFrame, required: Iterable[str], *, where: str) -> None:
    """Raise ValueError naming the columns of `required` that `frame` lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{where}: the frame lacks column(s) {missing}; "
            f"it has {sorted(map(str, frame.columns))}"
        )


def check_known(
    requested: Iterable[str], available: Iterable[str], *, kind: str, where: str
) -> None:
    """Raise ValueError naming each requested `kind` (e.g. benchmark) absent from `available`."""
    if isinstance(available, (pd.Series, pd.Index)):
        available = available.unique()  # a column holds each name many times
    known = sorted(set(available))
    unknown = [r for r in requested if r not in known]
    if unknown:
        raise ValueError(f"{where}: unknown {kind}(s) {unknown}; the frame has {known}")


def check_curves(curves: pd.DataFrame, *, column: str, where: str) -> None:
    """Check that `curves` has the tidy columns and the plotted `column` and is non-empty."""
    check_columns(curves, (*CURVE_COLUMNS, column), where=where)
    if curves.empty:
        raise ValueError(f"{where}: the curves frame is empty")


def choose(
    curves: pd.DataFrame, key: str, requested: Sequence[str] | None, *, where: str
) -> list[str]:
    """The requested benchmarks/methods (checked), or all of the frame sorted when None."""
    available = sorted({str(v) for v in curves[key].unique()})
    if requested is None:
        return available
    check_known(requested, available, kind=key, where=where)
    return list(requested)


def curve_array(
    curves: pd.DataFrame, *, column: str, methods: Sequence[str], benchmarks: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Dense array of `column` for the given methods and benchmarks.

    Args:
        curves: Tidy curves frame.
        column: Column to read, e.g. "value" or "regret".
        methods: Methods in the order of the first output axis.
        benchmarks: Benchmarks in the order of the third output axis.

    Returns:
        ``(values, mask)``: values of shape (n_methods, n_runs, n_benchmarks, n_grid), NaN
        where a run is missing; mask of shape (n_methods, n_runs, n_benchmarks), True where
        the method has that run. n_runs is the largest number of distinct seeds of one
        benchmark; n_grid is the largest step + 1.

    Raises:
        ValueError: A column, method or benchmark is missing, or a (benchmark, method,
            seed, step) row is repeated.
    """
    where = "curve_array"
    check_columns(curves, (*KEY_COLUMNS, column), where=where)
    check_known(methods, curves["method"], kind="method", where=where)
    check_known(benchmarks, curves["benchmark"], kind="benchmark", where=where)
    selected = curves["method"].isin(methods) & curves["benchmark"].isin(benchmarks)
    rows = curves if selected.all() else curves[selected]
    m = pd.Categorical(rows["method"], categories=list(methods)).codes.astype(np.int64)
    b = pd.Categorical(rows["benchmark"], categories=list(benchmarks)).codes.astype(np.int64)
    seeds = pd.Series(rows["seed"].to_numpy())
    r = seeds.groupby(b).rank(method="dense").to_numpy(dtype=np.int64) - 1
    step = rows["step"].to_numpy(dtype=np.int64)
    n_runs = int(r.max()) + 1 if len(rows) else 0
    n_grid = int(step.max()) + 1 if len(rows) else 0
    values = np.full((len(methods), n_runs, len(benchmarks), n_grid), np.nan)
    cell = ((m * n_runs + r) * len(benchmarks) + b) * n_grid + step
    if len(rows) and np.bincount(cell, minlength=values.size).max() > 1:
        repeated = rows.duplicated(list(KEY_COLUMNS))
        first = rows.loc[repeated, list(KEY_COLUMNS)].iloc[0].to_dict()
        raise ValueError(f"{where}: repeated row for {first}; expected one row per key")
    values[m, r, b, step] = rows[column].to_numpy(dtype=float)
    mask = np.zeros((len(methods), n_runs, len(benchmarks)), dtype=bool)
    mask[m, r, b] = True
    return values, mask


def final_array(
    curves: pd.DataFrame,
    *,
    column: str,
    methods: Sequence[str],
    benchmarks: Sequence[str],
    fraction: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """`curve_array` at one point of the budget.

    Args:
        curves: Tidy curves frame (needs the `fraction` column).
        column: Column to read.
        methods: Methods in the order of the first output axis.
        benchmarks: Benchmarks in the order of the third output axis.
        fraction: Budget fraction in (0, 1]; each benchmark uses its last grid step whose
            fraction is at or below it.

    Returns:
        ``(values, mask)`` of shapes (n_methods, n_runs, n_benchmarks) both.

    Raises:
        ValueError: Bad input as for `curve_array`, or `fraction` lies before the first grid
            point of a benchmark.
    """
    check_columns(curves, ("fraction",), where="final_array")
    values, mask = curve_array(curves, column=column, methods=methods, benchmarks=benchmarks)
    _check_fraction(fraction)
    grids = grids_of(curves, benchmarks=benchmarks, column="fraction")
    steps = [_step_in(grid, b, fraction) for b, grid in zip(benchmarks, grids, strict=True)]
    return values[:, :, np.arange(len(benchmarks)), steps], mask


def step_at(curves: pd.DataFrame, *, benchmark: str, fraction: float) -> int:
    """Last grid step of `benchmark` whose budget fraction is at or below `fraction`."""
    _check_fraction(fraction)
    return _step_in(grid_of(curves, benchmark=benchmark, column="fraction"), benchmark, fraction)


def _check_fraction(fraction: float) -> None:
    if not 0.0 < fraction <= 1.0 + _FRACTION_TOLERANCE:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")


def _step_in(grid: np.ndarray, benchmark: str, fraction: float) -> int:
    """Last step of `grid` (a benchmark's budget fractions) at or below `fraction`."""
    below = np.flatnonzero(grid <= fraction + _FRACTION_TOLERANCE)
    if below.size == 0:
        raise ValueError(
            f"fraction {fraction} lies before the first grid point ({grid[0]:.4g}) of "
            f"benchmark {benchmark!r}"
        )
    return int(below[-1])


def grid_of(curves: pd.DataFrame, *, benchmark: str, column: str = "x") -> np.ndarray:
    """Grid of `benchmark`, shape (n_grid,): the `column` ("x" or "fraction") per step."""
    rows = curves[curves["benchmark"] == benchmark]
    if rows.empty:
        check_known([benchmark], curves["benchmark"], kind="benchmark", where="grid_of")
    return _grid(rows.groupby("step")[column].first())


def grids_of(
    curves: pd.DataFrame, *, benchmarks: Sequence[str], column: str = "x"
) -> list[np.ndarray]:
    """`grid_of` of each of `benchmarks`, from one pass over the frame."""
    check_known(benchmarks, curves["benchmark"], kind="benchmark", where="grid_of")
    by_step = curves.groupby(["benchmark", "step"])[column].first()
    return [_grid(by_step.xs(b, level="benchmark")) for b in benchmarks]


def _grid(by_step: pd.Series) -> np.ndarray:
    """step -> value as an array over steps 0..max, NaN at a missing step."""
    grid = np.full(int(by_step.index.max()) + 1, np.nan)
    grid[by_step.index.to_numpy(dtype=int)] = by_step.to_numpy(dtype=float)
    return grid


def by_benchmark(curves: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each benchmark, in the frame's order and with its `attrs`.

    Figures of one benchmark drawn from its own rows read the same values as from the
    whole frame, without filtering the whole frame once per figure.
    """
    parts = {}
    for benchmark, part in curves.groupby("benchmark", sort=True):
        part.attrs = dict(curves.attrs)
        parts[str(benchmark)] = part
    return parts


def fraction_grid(curves: pd.DataFrame, *, benchmarks: Sequence[str]) -> np.ndarray:
    """Common budget-fraction grid, shape (n_grid,): per step, the mean over benchmarks."""
    grids = grids_of(curves, benchmarks=benchmarks, column="fraction")
    n_grid = max(len(g) for g in grids)
    padded = np.full((len(grids), n_grid), np.nan)
    for i, grid in enumerate(grids):
        padded[i, : len(grid)] = grid
    return np.asarray(np.nanmean(padded, axis=0))


def column_modes(curves: pd.DataFrame, *, column: str, benchmarks: Sequence[str]) -> list[Mode]:
    """Direction of `column` per benchmark: "min" for regret, else the benchmark's mode."""
    if column == "regret":
        return ["min"] * len(benchmarks)
    modes = curves.groupby("benchmark")["mode"].first()
    found = [str(modes[b]) for b in benchmarks]
    bad = {b: m for b, m in zip(benchmarks, found, strict=True) if m not in ("min", "max")}
    if bad:
        raise ValueError(f"mode must be 'min' or 'max', got {bad}")
    return [("min" if m == "min" else "max") for m in found]


def common_mode(
    curves: pd.DataFrame, *, column: str, benchmarks: Sequence[str], where: str
) -> Mode:
    """The single direction of `column` over `benchmarks`; ValueError when they disagree."""
    modes = column_modes(curves, column=column, benchmarks=benchmarks)
    if len(set(modes)) > 1:
        raise ValueError(
            f"{where}: benchmarks mix 'min' and 'max' for column {column!r} "
            f"({dict(zip(benchmarks, modes, strict=True))}); use column='regret'"
        )
    return modes[0]


def orient(values: np.ndarray, modes: Sequence[Mode], *, axis: int) -> np.ndarray:
    """Negate the benchmarks (along `axis`) whose mode is "max", so lower is better everywhere."""
    sign = np.where(np.asarray(modes) == "max", -1.0, 1.0)
    shape = [1] * values.ndim
    shape[axis] = len(modes)
    return values * sign.reshape(shape)


def require_complete(
    mask: np.ndarray, *, methods: Sequence[str], benchmarks: Sequence[str], where: str
) -> None:
    """Raise ValueError when a method has no run on a benchmark.

    Args:
        mask: Shape (n_methods, n_runs, n_benchmarks).
        methods: Names of the first axis.
        benchmarks: Names of the last axis.
        where: Caller name for the message.
    """
    empty = np.argwhere(~mask.any(axis=1))
    if empty.size:
        pairs = [(methods[i], benchmarks[j]) for i, j in empty]
        raise ValueError(
            f"{where}: (method, benchmark) pairs without any run: {pairs}; pass benchmarks= "
            "or filter the frame to compare complete ones"
        )


_MEMO_SIZE = 4096
_MEMO: OrderedDict[bytes, Estimate] = OrderedDict()
"""`Summary.estimate`'s results by a digest of the summary and its input."""


@dataclass(frozen=True)
class Summary:
    """How the runs of one method are summarised: a statistic and its interval.

    "iqm" and "mean" get stratified-bootstrap confidence intervals from a fresh
    ``numpy.random.default_rng(seed)`` per call, so a method's band does not depend on
    which other methods are drawn; "median" gets the quartiles (no bootstrap).

    Attributes:
        statistic: "iqm", "mean" or "median".
        n_resamples: Bootstrap resamples (0: no interval).
        confidence: Interval coverage in (0, 1).
        seed: Seed of the bootstrap generator.
    """

    statistic: Statistic = "iqm"
    n_resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if self.statistic not in STATISTIC_LABELS:
            raise ValueError(f"statistic must be 'iqm', 'mean' or 'median', got {self.statistic!r}")

    @property
    def label(self) -> str:
        """Short name for axis labels, e.g. "IQM"."""
        return STATISTIC_LABELS[self.statistic]

    def estimate(self, scores: np.ndarray, mask: np.ndarray) -> Estimate:
        """Pooled estimate over runs and benchmarks.

        A summary of scores it summarised before is not computed again (the last
        `_MEMO_SIZE` are kept): the grid of all benchmarks and the figure of one
        benchmark share their bands, and the result is the same either way because the
        bootstrap starts from `seed` every time.

        Args:
            scores: Shape (n_runs, n_benchmarks) or (n_runs, n_benchmarks, n_grid).
            mask: Shape (n_runs, n_benchmarks), True where the run exists.

        Returns:
            The `Estimate`, each array of shape () or (n_grid,), read-only.
        """
        key = self._memo_key(scores, mask)
        found = _MEMO.get(key)
        if found is not None:
            _MEMO.move_to_end(key)
            return found
        found = self._estimate(scores, mask)
        for array in (found.point, found.low, found.high):
            array.setflags(write=False)
        _MEMO[key] = found
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
        return found

    def _memo_key(self, scores: np.ndarray, mask: np.ndarray) -> bytes:
        values = np.ascontiguousarray(scores, dtype=float)
        present = np.ascontiguousarray(mask)
        digest = hashlib.blake2b(digest_size=20)
        digest.update(repr((self, values.shape, present.shape, present.dtype.str)).encode())
        digest.update(values.tobytes())
        digest.update(present.tobytes())
        return digest.digest()

    def _estimate(self, scores: np.ndarray, mask: np.ndarray) -> Estimate:
        if self.statistic == "median":
            return median_quartiles(scores, run_mask=mask)
        estimator = iqm if self.statistic == "iqm" else mean
        return estimator(
            scores,
            run_mask=mask,
            n_resamples=self.n_resamples,
            confidence=self.confidence,
            rng=np.random.default_rng(self.seed),
        )


def quantity_label(curves: pd.DataFrame, *, column: str, benchmarks: Sequence[str]) -> str:
    """What `column` measures: "normalised regret", the metric name, or the column name."""
    if column == "regret":
        return "normalised regret"
    if column == "value":
        metrics = curves.loc[curves["benchmark"].isin(benchmarks), "metric"].astype(str).unique()
        return str(metrics[0]) if len(metrics) == 1 else "value"
    return column
