from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.plotting.cli import main

from .conftest import simulator_metadata, write_experiment, write_study

FIGURES = [
    "curves",
    "curves_bench-a",
    "curves_bench-b",
    "aggregate",
    "final_intervals",
    "ranks",
    "performance_profiles",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--quiet", "--resamples", "100"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_writes_every_figure_and_table(
    study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figures"
    code, stdout, stderr = run(capsys, str(study_dir), "--out", str(out))
    assert code == 0, stderr
    for name in FIGURES:
        for suffix in ("pdf", "png"):
            assert (out / f"{name}.{suffix}").stat().st_size > 0, name
    for stem in ("final", "final_at_25"):
        for suffix in ("md", "csv", "tex"):
            assert (out / f"{stem}.{suffix}").read_text()
    # learning curves: one PNG grid per benchmark (a diagnostic, no PDF)
    learning = sorted(str(p.relative_to(out)) for p in (out / "learning_curves").rglob("*"))
    assert learning == ["learning_curves/bench-a.png", "learning_curves/bench-b.png"]
    assert "24 experiments, 2 benchmarks, 3 methods" in stdout
    assert "| bohb |" in stdout  # the final table is printed
    assert "Every method has the same seeds" in (out / "seeds.md").read_text()
    # two benchmarks are too few for a critical-difference diagram: said, not drawn
    assert not (out / "critical_difference.png").exists()
    note = "No critical-difference diagram: N = 2 benchmark(s) for k = 3 methods"
    assert f"note: {note}" in stdout and "N >= 10" in stdout
    assert note in (out / "notes.md").read_text()
    assert "decision seconds" not in (out / "final.md").read_text()  # none recorded


def test_learning_curves_of_every_seed_one_figure_each_as_before(
    study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figures"
    code, _, stderr = run(
        capsys, str(study_dir), "--out", str(out), "--formats", "png", "--at", "1",
        "--learning-curves", "all", "--learning-curve-figures", "experiment",
        "--learning-curve-formats", "pdf,png",
    )  # fmt: skip
    assert code == 0, stderr
    learning = {str(p.relative_to(out / "learning_curves")) for p in out.rglob("*-seed*")}
    assert learning == {
        f"{benchmark}/{method}-seed{seed}.{suffix}"
        for benchmark in ("bench-a", "bench-b")
        for method in ("asha", "bohb", "random_search")
        for seed in range(4)
        for suffix in ("pdf", "png")
    }
    assert not (out / "curves.pdf").exists()  # --formats is that of the other figures


def test_critical_difference_is_drawn_with_enough_benchmarks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_study(tmp_path / "s", benchmarks=("b1", "b2", "b3"), seeds=(0, 1))
    out = tmp_path / "figures"
    code, stdout, stderr = run(
        capsys, str(root), "--out", str(out), "--formats", "png", "--learning-curves", "none",
        "--at", "1", "--cd-min-benchmarks", "3",
    )  # fmt: skip
    assert code == 0, stderr
    assert (out / "critical_difference.png").stat().st_size > 0  # CD = 1.91 on ranks 1-3
    assert "critical-difference" not in stdout
    assert (out / "notes.md").read_text() == "# Notes\n\n- Nothing to note.\n"


def test_selection_options(
    study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figures"
    code, stdout, _ = run(
        capsys,
        str(study_dir),
        "--out",
        str(out),
        "--benchmark",
        "bench-a",
        "--methods",
        "asha,bohb",
        "--where",
        "seed=0,1",
        "--learning-curves",
        "none",
        "--formats",
        "png",
        "--at",
        "0.5",
    )
    assert code == 0
    assert "4 experiments, 1 benchmarks, 2 methods" in stdout
    assert (out / "curves_bench-a.png").exists() and not (out / "curves_bench-b.png").exists()
    assert not (out / "curves.pdf").exists()
    assert not (out / "critical_difference.png").exists()  # one benchmark: no CD diagram
    assert (out / "final_at_50.md").exists() and not (out / "learning_curves").exists()


def test_missing_seeds_are_reported(
    study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(study_dir / "bench-b" / "bohb" / "3")
    out = tmp_path / "figures"
    code, stdout, stderr = run(capsys, str(study_dir), "--out", str(out))
    assert code == 0, stderr
    assert "seed coverage: bench-b: bohb lacks seeds 3 that other methods have" in stderr
    assert "23 experiments" not in stdout and "21 experiments" in stdout  # common seeds only
    code, stdout, _ = run(capsys, str(study_dir), "--out", str(out), "--seeds", "all")
    assert code == 0 and "23 experiments" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "colour=red"], "no metadata field 'colour'"),
        (["--where", "nonsense"], "expected FIELD=VALUE"),
        (["--methods", "nope"], "no complete experiment"),
        (["--formats", "gif"], "figure formats ['gif']"),
        (["--learning-curve-formats", "gif"], "learning-curve formats ['gif']"),
        (["--group-by", "nope"], "cannot group by"),
        (["--processes", "0"], "processes must be >= 1, got 0"),
    ],
)
def test_bad_input_is_named(
    study_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, _, stderr = run(capsys, str(study_dir), "--out", str(tmp_path / "f"), *args)
    assert code == 2
    assert "tunelab-plot: error:" in stderr and message in stderr


def test_missing_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in stderr


def test_multi_objective_runs_get_hypervolume_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    for method in ("a", "b"):
        for seed in range(3):
            results = pd.DataFrame(
                {
                    "trial_id": np.arange(8),
                    "tuner_time": np.arange(1.0, 9.0),
                    "error": rng.uniform(0, 1, 8),
                    "cost": rng.uniform(0, 1, 8),
                }
            )
            write_experiment(
                tmp_path / "mo", benchmark="mo", method=method, seed=seed, results=results,
                metric=["error", "cost"], mode=["min", "min"], resource_attr=None,
            )  # fmt: skip
    out = tmp_path / "figures"
    code, _, stderr = run(capsys, str(tmp_path / "mo"), "--out", str(out), "--formats", "png")
    assert code == 0, stderr
    assert (out / "hypervolume_mo.png").stat().st_size > 0
    assert (out / "curves_mo.png").exists()  # the first objective, as a single one


def test_settings_file_names_orders_and_selects_methods(
    study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "plot.yaml"
    settings.write_text(
        "title: Demo\nmethods:\n  order: [asha, random_search]\n"
        "  labels: {random_search: RS, asha: ASHA}\n"
        "  groups: {baselines: [random_search], multi-fidelity: [asha]}\n"
        "benchmarks:\n  bench-a: {title: Bench A, ylim: [0, 2]}\n"
    )
    out = tmp_path / "figures"
    code, stdout, stderr = run(
        capsys, str(study_dir), "--out", str(out), "--settings", str(settings),
        "--formats", "png", "--learning-curves", "none",
    )  # fmt: skip
    assert code == 0, stderr
    assert "16 experiments, 2 benchmarks, 2 methods" in stdout
    table = (out / "final.md").read_text()
    assert "| ASHA |" in table and "| RS |" in table and "bohb" not in table
    code, _, stderr = run(capsys, str(study_dir), "--out", str(out), "--settings", str(out))
    assert code == 2 and "Is a directory" in stderr
    settings.write_text("methods: [unclosed")
    code, _, stderr = run(capsys, str(study_dir), "--out", str(out), "--settings", str(settings))
    assert code == 2 and "not valid YAML" in stderr


def _later_seeds(**metadata: Any) -> Any:
    """Settings: `metadata` for seeds 2 and 3, the defaults for seeds 0 and 1."""
    return lambda benchmark, method, seed: metadata if seed >= 2 else {}


MIXED = {
    "budget": (
        _later_seeds(budget={"max_wallclock_time": 60.0}),
        "budget",
        ["max_wallclock_time=100", "max_wallclock_time=60"],
    ),
    "n_workers": (_later_seeds(n_workers=1), "n_workers", ["n_workers=4", "n_workers=1"]),
    "benchmark": (
        lambda b, m, seed: simulator_metadata(seed=seed, time_scale=10.0 if seed >= 2 else 1.0),
        "hydra_config.benchmark.time_scale",
        ["time_scale=1", "time_scale=10"],
    ),
}


@pytest.mark.parametrize("kind", sorted(MIXED))
def test_mixed_settings_are_refused_or_split(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, field, labels = MIXED[kind]
    root = write_study(tmp_path / kind, benchmarks=("bench-a",), methods=("asha", "bohb"),
                       settings=settings)  # fmt: skip
    out = tmp_path / "figures"
    code, _, stderr = run(capsys, str(root), "--out", str(out))
    assert code == 2
    assert "tunelab-plot: error: runs aggregated together" in stderr
    assert f"bench-a: {field}" in stderr and "asha seeds 2-3" in stderr
    assert not out.exists()  # nothing is drawn from mixed runs
    code, stdout, stderr = run(
        capsys, str(root), "--out", str(out), "--split-by-settings",
        "--formats", "png", "--learning-curves", "none", "--at", "1",
    )  # fmt: skip
    assert code == 0, stderr
    assert "8 experiments, 2 benchmarks, 2 methods" in stdout
    groups = [f"bench-a [{label}]" for label in labels]
    assert f"settings: bench-a split into {'; '.join(sorted(groups))}" in stderr
    table = (out / "final.md").read_text()
    assert all(group in table for group in groups)
    assert (out / f"curves_bench-a__{labels[1]}_.png").exists()


def test_tunelab_plot_command_refuses_mixed_budgets(tmp_path: Path) -> None:
    root = write_study(tmp_path / "s", benchmarks=("bench-a",), methods=("asha",),
                       settings=_later_seeds(budget={"max_wallclock_time": 60.0}))  # fmt: skip
    command = Path(sys.executable).with_name("tunelab-plot")
    done = subprocess.run(
        [str(command), str(root), "--out", str(tmp_path / "f"), "--quiet"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "budget (the seeds of one method differ)" in done.stderr
    assert "max_wallclock_time=60 in asha seeds 2-3 (e.g. bench-a/asha/2)" in done.stderr


def test_decision_time_is_tabulated_and_charging_is_labelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_study(
        tmp_path / "s", benchmarks=("bench-a",), methods=("asha", "bohb"),
        settings=lambda b, method, seed: simulator_metadata(
            seed=seed, charge_decision_time=method == "bohb"
        ),
        decision_time=lambda method: 0.5 if method == "bohb" else 0.01,
    )  # fmt: skip
    out = tmp_path / "figures"
    code, stdout, stderr = run(
        capsys, str(root), "--out", str(out), "--formats", "png", "--at", "1",
        "--learning-curves", "none",
    )  # fmt: skip
    assert code == 0, stderr
    table = (out / "final.md").read_text()
    assert table.splitlines()[0].endswith("| decision seconds |")
    # 4 seeds x 24 result rows each: 96 rows of 0.5 s and of 0.01 s
    assert "| bohb (decision time charged) |" in table and table.count("| 48.0 |") == 1
    assert "| asha |" in table and "| 0.960 |" in table
    assert "decision seconds" in (out / "final.csv").read_text().splitlines()[0]
    assert "decision seconds" in (out / "final.tex").read_text()
    assert "note: Decision time was charged to the simulated clock for bohb " in stdout
    assert "Decision time was charged" in (out / "notes.md").read_text()


def test_help_loads_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from tunelab.plotting.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('numpy', 'pandas', 'matplotlib', 'scipy', 'pyarrow', 'yaml')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "--processes" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_worker_processes_write_the_same_files(
    study_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # PDFs without the time they were made
    outputs = {}
    for processes in ("1", "2"):
        out = tmp_path / f"figures-{processes}"
        code, _, stderr = run(
            capsys, str(study_dir), "--out", str(out), "--processes", processes,
            "--learning-curve-formats", "pdf,png",
        )  # fmt: skip
        assert code == 0, stderr
        outputs[processes] = {
            str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
        }
    assert list(outputs["1"]) == list(outputs["2"])
    assert "learning_curves/bench-b.pdf" in outputs["1"]
    for name, content in outputs["1"].items():
        assert outputs["2"][name] == content, name
