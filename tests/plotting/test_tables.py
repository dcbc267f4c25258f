"""final_table and its Markdown, LaTeX and CSV renderings."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest

from tunelab.plotting.stats import iqm
from tunelab.plotting.tables import AGGREGATE, final_table, to_csv, to_latex, to_markdown

N = 200
CELL = re.compile(r"^-?\d+\.\d{3} \[-?\d+\.\d{3}, -?\d+\.\d{3}\]$")


def make_frame(finals: dict[tuple[str, str], list[float]], modes: dict[str, str]) -> pd.DataFrame:
    """A two-step curves frame; `finals[(benchmark, method)]` are the last values per seed."""
    rows = []
    for (benchmark, method), values in finals.items():
        sign = 1.0 if modes[benchmark] == "min" else -1.0
        for seed, value in enumerate(values):
            for step, v in ((0, value + sign), (1, value)):
                rows.append(
                    {
                        "benchmark": benchmark,
                        "method": method,
                        "seed": seed,
                        "step": step,
                        "x": 10.0 * (step + 1),
                        "fraction": (step + 1) / 2,
                        "value": v,
                        "metric": "error",
                        "mode": modes[benchmark],
                    }
                )
    frame: pd.DataFrame = pd.DataFrame(rows)
    frame["regret"] = np.nan
    for name, part in frame.groupby("benchmark"):
        assert isinstance(name, str)
        best, worst = part["value"].min(), part["value"].max()
        if modes[name] == "max":
            best, worst = worst, best
        frame.loc[part.index, "regret"] = (part["value"] - best) / (worst - best)
    return frame


def spread(center: float, width: float = 0.01, n: int = 6) -> list[float]:
    return list(center + width * np.linspace(-1.0, 1.0, n))


@pytest.fixture
def frame() -> pd.DataFrame:
    finals = {
        ("cifar_net", "good_method"): spread(0.10),
        ("cifar_net", "twin_method"): spread(0.105),  # CI overlaps good_method's: tie
        ("cifar_net", "bad_method"): spread(0.90),
        ("lcbench", "good_method"): spread(0.80),
        ("lcbench", "twin_method"): spread(0.50),
        ("lcbench", "bad_method"): spread(0.95),  # maximised: bad_method is best here
    }
    return make_frame(finals, modes={"cifar_net": "min", "lcbench": "max"})


def best_of(table: pd.DataFrame, benchmark: str) -> list[str]:
    rows = table[(table["benchmark"] == benchmark) & table["best"]]
    return sorted(rows["method"])


def test_final_table_long_format(frame: pd.DataFrame) -> None:
    table = final_table(frame, n_resamples=N, seed=4)
    assert list(table.columns) == [
        "benchmark",
        "method",
        "estimate",
        "low",
        "high",
        "n_seeds",
        "best",
        "decision_seconds",
        "decision_runs",
    ]
    assert table["decision_seconds"].isna().all()  # the frame has no decision time
    assert "decision seconds" not in to_markdown(table) + to_csv(table) + to_latex(table)
    assert list(pd.unique(table["benchmark"])) == ["cifar_net", "lcbench", AGGREGATE]
    assert (table["n_seeds"] == 6).all()
    row = table[(table["benchmark"] == "cifar_net") & (table["method"] == "bad_method")].iloc[0]
    expected = iqm(np.array(spread(0.90))[:, None], n_resamples=N, rng=np.random.default_rng(4))
    assert row["estimate"] == pytest.approx(float(expected.point))
    assert row["low"] == pytest.approx(float(expected.low))
    assert row["high"] == pytest.approx(float(expected.high))


def test_best_by_mode_with_ties(frame: pd.DataFrame) -> None:
    table = final_table(frame, n_resamples=N)
    assert best_of(table, "cifar_net") == ["good_method", "twin_method"]
    assert best_of(table, "lcbench") == ["bad_method"]
    aggregate = table[table["benchmark"] == AGGREGATE].set_index("method")
    # lower normalised regret is better in the aggregate rows
    assert aggregate["estimate"].idxmin() in best_of(table, AGGREGATE)


def test_no_interval_means_only_the_best_estimate(frame: pd.DataFrame) -> None:
    table = final_table(frame, n_resamples=0, column="regret")
    assert table["low"].isna().all()
    assert best_of(table, "cifar_net") == ["good_method"]
    assert best_of(table, "lcbench") == ["bad_method"]  # regret: lower is better


def test_final_table_validates(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['fraction'\]"):
        final_table(frame.drop(columns="fraction"))
    without_regret = final_table(frame.drop(columns="regret"), n_resamples=0)
    assert AGGREGATE not in set(without_regret["benchmark"])


def test_markdown_structure(frame: pd.DataFrame) -> None:
    text = to_markdown(final_table(frame, n_resamples=N))
    lines = text.splitlines()
    assert lines[0] == f"| method | cifar_net | lcbench | {AGGREGATE} |"
    assert lines[1] == "| :--- | ---: | ---: | ---: |"
    assert len(lines) == 2 + 3
    cells = {
        line.split(" | ")[0].lstrip("| "): line.strip("| ").split(" | ")[1:] for line in lines[2:]
    }
    assert cells["good_method"][0].startswith("**") and cells["good_method"][0].endswith("**")
    assert cells["twin_method"][0].startswith("**")
    assert not cells["bad_method"][0].startswith("**")
    assert cells["bad_method"][1].startswith("**")
    assert CELL.match(cells["bad_method"][0])
    assert CELL.match(cells["good_method"][0].strip("*"))


def test_markdown_marks_missing_cells(frame: pd.DataFrame) -> None:
    partial = frame[~((frame["benchmark"] == "lcbench") & (frame["method"] == "twin_method"))]
    text = to_markdown(final_table(partial, n_resamples=0), digits=2)
    twin = next(line for line in text.splitlines() if line.startswith("| twin_method"))
    assert twin.split(" | ")[2] == "-"
    assert re.search(r"\| 0\.10 \|", text)


def test_latex_structure_and_escapes(frame: pd.DataFrame) -> None:
    table = final_table(frame, n_resamples=N)
    text = to_latex(table)
    lines = text.splitlines()
    assert lines[0] == r"\begin{tabular}{lrrr}"
    assert lines[1] == r"\toprule"
    assert lines[2] == r"method & cifar\_net & lcbench & all (normalised regret) \\"
    assert lines[3] == r"\midrule"
    assert lines[-2:] == [r"\bottomrule", r"\end{tabular}"]
    body = {line.split(" & ")[0]: line for line in lines[4:-2]}
    assert set(body) == {r"good\_method", r"twin\_method", r"bad\_method"}
    assert r"\textbf{" in body[r"good\_method"].split(" & ")[1]
    assert r"\textbf{" not in body[r"bad\_method"].split(" & ")[1]
    assert "good_method" not in text
    wrapped = to_latex(table, caption="Final error", label="tab:final")
    assert wrapped.splitlines()[:4] == [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{Final error}",
        r"\label{tab:final}",
    ]
    assert wrapped.rstrip().endswith(r"\end{table}")


def test_csv_structure(frame: pd.DataFrame) -> None:
    text = to_csv(final_table(frame, n_resamples=N))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["method", "cifar_net", "lcbench", AGGREGATE]
    assert [r[0] for r in rows[1:]] == ["bad_method", "good_method", "twin_method"]
    assert all(CELL.match(cell) for row in rows[1:] for cell in row[1:])
    assert "**" not in text


def test_renderers_validate_the_table() -> None:
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['best'\]"):
        to_markdown(
            pd.DataFrame(columns=["benchmark", "method", "estimate", "low", "high", "n_seeds"])
        )


def test_decision_seconds_are_the_total_over_a_methods_runs(frame: pd.DataFrame) -> None:
    frame = frame.copy()
    # cumulative seconds: 1 per step for good_method, 0.002 per step for twin_method (on
    # one benchmark only), none recorded for bad_method
    per_step = frame["method"].map({"good_method": 1.0, "twin_method": 0.002})
    frame["decision_seconds"] = per_step * (frame["step"] + 1)
    frame.loc[(frame["method"] == "twin_method") & (frame["benchmark"] == "lcbench"),
              "decision_seconds"] = np.nan  # fmt: skip
    table = final_table(frame, n_resamples=0)
    good = table[(table["method"] == "good_method") & (table["benchmark"] != AGGREGATE)]
    assert list(good["decision_seconds"]) == [12.0, 12.0]  # 6 seeds x 2 s each
    assert list(good["decision_runs"]) == [6, 6]
    lines = to_markdown(table).splitlines()
    assert lines[0].endswith("| decision seconds |") and lines[1].count("---:") == 4
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert rows["good_method"].endswith("| 24.0 |")  # both benchmarks
    assert rows["twin_method"].endswith("| 0.024 (6 of 12 runs) |")
    assert rows["bad_method"].endswith("|  |")  # blank: none recorded
    assert "decision seconds" in to_latex(table) and "rrrr}" in to_latex(table)
    by_method = {r[0]: r for r in csv.reader(io.StringIO(to_csv(table)))}
    assert by_method["method"][-1] == "decision seconds" and by_method["good_method"][-1] == "24.0"
    half = final_table(frame, at=0.5, n_resamples=0).set_index(["benchmark", "method"])
    assert half.loc[("cifar_net", "good_method"), "decision_seconds"] == 6.0  # up to step 0
