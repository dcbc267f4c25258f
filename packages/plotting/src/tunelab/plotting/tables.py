"""Final-performance tables: estimates with confidence intervals, best per benchmark in bold.

`final_table` computes a long table from the tidy `curves` frame; `to_markdown`,
`to_latex` and `to_csv` pivot it to one row per method and one column per benchmark, each
cell ``estimate [low, high]``. A cell is "best" when its estimate is the best of its
benchmark (in the benchmark's direction; lower for regret and the aggregate rows) or its
interval overlaps the best one's, i.e. the data cannot tell them apart.

A last column, "decision seconds", gives per method the real time its scheduler spent
deciding, summed over all of the method's runs in the table (every benchmark and seed) up
to the table's point of the budget. It is a total, not a median per run: under paired
seeds every method has the same runs, and the total is what the comparison cost. It says
"(k of n runs)" when only some runs recorded decision time, is blank for a method none of
whose runs did, and is left out when no run in the table did (results written before
tunelab recorded `decision_time`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import numpy as np
import pandas as pd

from tunelab.plotting.figures._data import (
    Mode,
    Statistic,
    Summary,
    by_benchmark,
    check_columns,
    check_curves,
    column_modes,
    final_array,
)

AGGREGATE = "all (normalised regret)"
TABLE_COLUMNS = ("benchmark", "method", "estimate", "low", "high", "n_seeds", "best")
DECISION_COLUMNS = ("decision_seconds", "decision_runs")
"""Optional columns of `final_table`: decision seconds summed over the runs that recorded
them, and how many runs did."""
DECISION_HEADER = "decision seconds"
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def final_table(
    curves: pd.DataFrame,
    *,
    at: float = 1.0,
    column: str = "value",
    statistic: Statistic = "iqm",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Estimate and interval of every (benchmark, method) at budget fraction `at`.

    When the frame has a `regret` column, rows with benchmark ``"all (normalised regret)"``
    follow: the statistic of normalised regret pooled over all benchmarks, with a bootstrap
    stratified by benchmark (only methods that ran every benchmark).

    Args:
        curves: Tidy curves frame.
        at: Budget fraction in (0, 1]; each benchmark's last grid step at or below it.
        column: Column to summarise per benchmark ("value" or "regret").
        statistic: "iqm" or "mean" (bootstrap interval) or "median" (quartiles).
        n_resamples: Bootstrap resamples (0: no interval, low/high NaN).
        confidence: Coverage of the interval.
        seed: Seed of the bootstrap generator (a fresh one per cell).

    Returns:
        Long frame with columns benchmark, method, estimate, low, high, n_seeds (runs;
        for aggregate rows the fewest over benchmarks), best, decision_seconds (summed
        over the runs, up to `at`; NaN when none recorded it) and decision_runs (how many
        runs recorded it); benchmarks sorted, the aggregate last, methods sorted.

    Raises:
        ValueError: A column is missing or `at` precedes a benchmark's grid.
    """
    summary = Summary(statistic, n_resamples, confidence, seed)
    check_curves(curves, column=column, where="final_table")
    records: list[dict[str, object]] = []
    for benchmark, rows in by_benchmark(curves).items():
        methods = sorted(rows["method"].unique())
        values, mask = final_array(
            rows, column=column, methods=methods, benchmarks=[benchmark], fraction=at
        )
        (mode,) = column_modes(rows, column=column, benchmarks=[benchmark])
        cells = _cells(benchmark, methods, values, mask, summary=summary)
        cells = _with_decision_time(cells, rows, methods=methods, at=at)
        records.extend(_mark_best(cells, mode=mode))
    if "regret" in curves.columns:
        records.extend(_aggregate_rows(curves, at=at, summary=summary))
    table: pd.DataFrame = pd.DataFrame.from_records(
        records, columns=[*TABLE_COLUMNS, *DECISION_COLUMNS]
    )
    return table


def _with_decision_time(
    cells: list[dict[str, object]], rows: pd.DataFrame, *, methods: list[str], at: float
) -> list[dict[str, object]]:
    """Add each method's decision seconds on this benchmark, summed over its runs."""
    if "decision_seconds" not in rows:
        return [{**c, "decision_seconds": np.nan, "decision_runs": 0} for c in cells]
    benchmark = str(rows["benchmark"].iloc[0])
    seconds, mask = final_array(
        rows, column="decision_seconds", methods=methods, benchmarks=[benchmark], fraction=at
    )
    recorded = mask & np.isfinite(seconds)
    counts = recorded.sum(axis=(1, 2))
    totals = np.where(recorded, seconds, 0.0).sum(axis=(1, 2))
    return [
        {**c, "decision_seconds": float(t) if n else np.nan, "decision_runs": int(n)}
        for c, t, n in zip(cells, totals, counts, strict=True)
    ]


def _cells(
    benchmark: str,
    methods: list[str],
    values: np.ndarray,
    mask: np.ndarray,
    *,
    summary: Summary,
) -> list[dict[str, object]]:
    """One record per method from values/mask of shape (n_methods, n_runs, n_benchmarks)."""
    records: list[dict[str, object]] = []
    for i, method in enumerate(methods):
        estimate = summary.estimate(values[i], mask[i])
        records.append(
            {
                "benchmark": benchmark,
                "method": method,
                "estimate": float(estimate.point),
                "low": float(estimate.low),
                "high": float(estimate.high),
                "n_seeds": int(mask[i].sum(axis=0).min()),
            }
        )
    return records


def _aggregate_rows(
    curves: pd.DataFrame,
    *,
    at: float,
    summary: Summary,
) -> list[dict[str, object]]:
    """Rows of normalised regret pooled over benchmarks, for methods that ran them all."""
    benchmarks = sorted(curves["benchmark"].unique())
    present = curves.groupby("method")["benchmark"].nunique()
    methods = sorted(present.index[present == len(benchmarks)])
    if not methods:
        return []
    values, mask = final_array(
        curves, column="regret", methods=methods, benchmarks=benchmarks, fraction=at
    )
    cells = _cells(AGGREGATE, methods, values, mask, summary=summary)
    return _mark_best(cells, mode="min")


def _mark_best(records: list[dict[str, object]], *, mode: Mode) -> list[dict[str, object]]:
    """Set "best": the best estimate, its ties, and every interval overlapping its interval."""
    estimate = np.array([r["estimate"] for r in records], dtype=float)
    low = np.array([r["low"] for r in records], dtype=float)
    high = np.array([r["high"] for r in records], dtype=float)
    best = np.zeros(len(records), dtype=bool)
    if np.isfinite(estimate).any():
        top = np.nanmin(estimate) if mode == "min" else np.nanmax(estimate)
        best = estimate == top
        champion = int(np.flatnonzero(best)[0])
        if np.isfinite([low[champion], high[champion]]).all():
            best |= (low <= high[champion]) & (high >= low[champion])
    return [{**r, "best": bool(b)} for r, b in zip(records, best, strict=True)]


def _decision_cells(table: pd.DataFrame) -> dict[str, str] | None:
    """Method -> its "decision seconds" cell, or None when no run recorded decision time.

    Sums over the benchmark rows (the aggregate rows pool the same runs again).
    """
    if not set(DECISION_COLUMNS) <= set(table.columns):
        return None
    rows = table[table["benchmark"] != AGGREGATE]
    if not (rows["decision_runs"] > 0).any():
        return None
    cells = {}
    for method, part in rows.groupby("method", sort=False):
        recorded, runs = int(part["decision_runs"].sum()), int(part["n_seeds"].sum())
        text = _seconds(float(part["decision_seconds"].fillna(0.0).sum())) if recorded else ""
        if recorded and recorded < runs:
            text += f" ({recorded} of {runs} runs)"
        cells[str(method)] = text
    return cells


def _seconds(value: float) -> str:
    """Seconds with about three significant digits, never in exponent notation."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}"


def _pivot(
    table: pd.DataFrame, *, digits: int
) -> tuple[list[str], list[str], dict[tuple[str, str], tuple[str, bool]]]:
    """(methods, benchmarks, (method, benchmark) -> (cell text, best)) in order of appearance."""
    check_columns(table, TABLE_COLUMNS, where="table")
    methods = [str(m) for m in pd.unique(table["method"])]
    benchmarks = [str(b) for b in pd.unique(table["benchmark"])]
    numbers = table[["estimate", "low", "high"]].to_numpy(dtype=float)
    cells = {}
    for (method, benchmark, best), (estimate, low, high) in zip(
        table[["method", "benchmark", "best"]].itertuples(index=False, name=None),
        numbers,
        strict=True,
    ):
        cells[(str(method), str(benchmark))] = (
            _format(estimate, low, high, digits=digits),
            bool(best),
        )
    return methods, benchmarks, cells


def _format(estimate: float, low: float, high: float, *, digits: int) -> str:
    """``"0.123 [0.110, 0.140]"``; the interval is left out when it is NaN."""
    if not np.isfinite(estimate):
        return "n/a"
    text = f"{estimate:.{digits}f}"
    if np.isfinite(low) and np.isfinite(high):
        text += f" [{low:.{digits}f}, {high:.{digits}f}]"
    return text


def to_markdown(table: pd.DataFrame, *, digits: int = 3) -> str:
    """GitHub Markdown table: a row per method, a column per benchmark, best cells in bold.

    Args:
        table: Output of `final_table`.
        digits: Decimals of every number.

    Returns:
        The table text, one line per row, ending with a newline.
    """

    def escape(text: str) -> str:
        return text.replace("|", r"\|")

    header, *rows = _grid(table, digits=digits, missing="-", bold="**{}**".format, escape=escape)
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join([":---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped (``max_cost`` -> ``max\\_cost``)."""
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def to_latex(
    table: pd.DataFrame, *, digits: int = 3, caption: str | None = None, label: str | None = None
) -> str:
    """LaTeX booktabs table (needs ``\\usepackage{booktabs}``), best cells in ``\\textbf``.

    Method and benchmark names are escaped (``_`` becomes ``\\_``); `caption` and `label`
    are inserted verbatim, so they may contain LaTeX.

    Args:
        table: Output of `final_table`.
        digits: Decimals of every number.
        caption: Caption; with a caption or label the tabular is wrapped in a ``table``.
        label: ``\\label`` key.

    Returns:
        The LaTeX source, ending with a newline.
    """
    header, *rows = _grid(
        table, digits=digits, missing="--", bold=r"\textbf{{{}}}".format, escape=latex_escape
    )
    body = [
        r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        r"\toprule",
        " & ".join(header) + r" \\",
        r"\midrule",
        *(" & ".join(row) + r" \\" for row in rows),
        r"\bottomrule",
        r"\end{tabular}",
    ]
    if caption is None and label is None:
        return "\n".join(body) + "\n"
    head = [r"\begin{table}[t]", r"\centering"]
    if caption is not None:
        head.append(rf"\caption{{{caption}}}")
    if label is not None:
        head.append(rf"\label{{{label}}}")
    return "\n".join([*head, *body, r"\end{table}"]) + "\n"


def to_csv(table: pd.DataFrame, *, digits: int = 3) -> str:
    """CSV of the pivot (header ``method,<benchmarks>``); cells as in `to_markdown`, no bold.

    Args:
        table: Output of `final_table`.
        digits: Decimals of every number.

    Returns:
        The CSV text (cells with commas are quoted), ending with a newline.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(_grid(table, digits=digits, missing=""))
    return buffer.getvalue()


def _grid(
    table: pd.DataFrame,
    *,
    digits: int,
    missing: str,
    bold: Callable[[str], str] = str,
    escape: Callable[[str], str] = str,
) -> list[list[str]]:
    """The pivot as rows of cell texts, the header first, for every output format.

    A row per method: its name, a cell per benchmark (`missing` where it has none), and
    its decision seconds when any run recorded them (`_decision_cells`).

    Args:
        table: Output of `final_table`.
        digits: Decimals of every number.
        missing: Text of a cell without an estimate.
        bold: Marks a best cell; by default it stays as it is.
        escape: Applied to names and decision seconds (not to numbers or `bold`'s markup).
    """
    methods, benchmarks, cells = _pivot(table, digits=digits)
    decision = _decision_cells(table)
    header = ["method", *map(escape, benchmarks)]
    if decision is not None:
        header.append(escape(DECISION_HEADER))
    rows = [header]
    for method in methods:
        row = [escape(method)]
        for benchmark in benchmarks:
            text, best = cells.get((method, benchmark), (missing, False))
            row.append(bold(text) if best else text)
        if decision is not None:
            row.append(escape(decision.get(method, "")))
        rows.append(row)
    return rows
