from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tunelab.plotting.loading import load_study
from tunelab.plotting.selection import (
    check_duplicates,
    common_seeds,
    group_methods,
    seed_report,
)

from .conftest import synthetic_results, write_experiment


def test_complete_study_has_no_problems(study_dir: Path) -> None:
    report = seed_report(load_study(str(study_dir)))
    assert report.problems == []
    assert set(report.table["n_seeds"]) == {4}
    assert "Every method has the same seeds" in report.to_markdown()


def test_missing_seeds_are_reported_and_dropped_by_common_seeds(study_dir: Path) -> None:
    shutil.rmtree(study_dir / "bench-a" / "asha" / "1")
    shutil.rmtree(study_dir / "bench-a" / "asha" / "2")
    study = load_study(str(study_dir))
    report = seed_report(study)
    assert report.problems == ["bench-a: asha lacks seeds 1-2 that other methods have"]
    assert "| bench-a | asha | 0, 3 | 1-2 | - |" in report.to_markdown()
    paired = common_seeds(study)
    kept = paired.runs[paired.runs["benchmark"] == "bench-a"]
    assert set(kept["seed"]) == {0, 3}
    assert len(paired.runs[paired.runs["benchmark"] == "bench-b"]) == 12
    assert set(paired.results) == set(paired.runs["experiment"])


def test_incomplete_seeds_are_reported(study_dir: Path) -> None:
    meta = study_dir / "bench-b" / "bohb" / "3" / "metadata.json"
    meta.write_text(meta.read_text().replace('"complete"', '"running"'))
    report = seed_report(load_study(str(study_dir)))
    assert any("bohb has incomplete experiments for seeds 3" in p for p in report.problems)


def test_duplicates_name_the_field_that_differs(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for study_name, workers in (("s1", 1), ("s2", 4)):
        write_experiment(
            tmp_path / study_name,
            benchmark="b",
            method="m",
            seed=0,
            results=synthetic_results(rng, offset=0.0),
            n_workers=workers,
        )
    study = load_study(str(tmp_path))
    with pytest.raises(ValueError, match=r"differ in: .*n_workers") as error:
        check_duplicates(study.runs)
    assert "--group-by" in str(error.value)
    grouped = group_methods(study, ["n_workers"])
    assert sorted(grouped.runs["method"]) == ["m [n_workers=1]", "m [n_workers=4]"]
    check_duplicates(grouped.runs)
    with pytest.raises(KeyError, match="cannot group by"):
        group_methods(study, ["nope"])
