"""A corrupt metadata.json: that experiment is skipped, named, and the rest is plotted."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tunelab.plotting.loading import load_study

from .conftest import write_study


def corrupt(study: Path, experiment: str, content: bytes) -> Path:
    path = study / experiment / "metadata.json"
    path.write_bytes(content)
    return path


def test_a_truncated_metadata_file_is_skipped_with_a_warning_naming_it(
    study_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    whole = (study_dir / "bench-a/asha/1/metadata.json").read_bytes()
    truncated = corrupt(study_dir, "bench-a/asha/1", whole[: len(whole) // 2])
    not_an_object = corrupt(study_dir, "bench-b/bohb/0", b"[1, 2]")
    with caplog.at_level(logging.WARNING, logger="tunelab.plotting.loading"):
        study = load_study(str(study_dir), progress=False)
    assert len(study.runs) == 22
    assert {"bench-a/asha/1", "bench-b/bohb/0"}.isdisjoint(study.runs["experiment"])
    assert set(study.unreadable) == {"bench-a/asha/1", "bench-b/bohb/0"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert f"skipping experiment bench-a/asha/1: {truncated} is not valid JSON" in warnings[0]
    assert f"{not_an_object} holds a JSON list, not an object" in warnings[1]


def test_a_study_of_only_corrupt_metadata_is_an_error(tmp_path: Path) -> None:
    study = write_study(tmp_path / "s", benchmarks=("b",), methods=("asha",), seeds=(0, 1))
    for seed in (0, 1):
        corrupt(study, f"b/asha/{seed}", b'{"method": "asha", "see')
    with pytest.raises(ValueError, match=r"no readable experiment under .*: every metadata"):
        load_study(str(study))


def test_tunelab_plot_skips_the_corrupt_experiment_and_plots_the_rest(tmp_path: Path) -> None:
    study = write_study(tmp_path / "s", benchmarks=("b",), methods=("asha", "bohb"), seeds=(0, 1))
    broken = corrupt(study, "b/bohb/1", b'{"method": "bohb", "benchmark": "b", "se')
    command = Path(sys.executable).with_name("tunelab-plot")
    done = subprocess.run(
        [str(command), str(study), "--out", str(tmp_path / "f"), "--quiet", "--resamples", "50"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"skipping experiment b/bohb/1: {broken} is not valid JSON" in done.stderr
    assert "bohb lacks seeds 1" in done.stderr  # the seed report sees the gap too
    assert "(2 experiments, 1 benchmarks, 2 methods)" in done.stdout  # common seeds
    assert (tmp_path / "f" / "curves.png").exists()
