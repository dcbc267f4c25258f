from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunelab.plotting.cli import main

from .conftest import write_experiment

FIGURES = [
    "curves",
    "curves_bench-a",
    "curves_bench-b",
    "aggregate",
    "final_intervals",
    "ranks",
    "performance_profiles",
    "critical_difference",
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
    assert (out / "learning_curves" / "bench-a" / "asha-seed0.png").exists()
    assert not (out / "learning_curves" / "bench-a" / "asha-seed1.png").exists()
    assert "24 experiments, 2 benchmarks, 3 methods" in stdout
    assert "| bohb |" in stdout  # the final table is printed
    assert "Every method has the same seeds" in (out / "seeds.md").read_text()


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
        (["--group-by", "nope"], "cannot group by"),
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
