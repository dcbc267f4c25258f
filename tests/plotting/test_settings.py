from __future__ import annotations

from pathlib import Path

import pytest

from tunelab.plotting.settings import BenchmarkSettings, PlotSettings


def test_settings_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "plot.yaml"
    path.write_text(
        """
title: My study
ncols: 2
log_y: true
methods:
  order: [random_search, asha]
  labels: {random_search: RS}
  groups: {baselines: [random_search], multi-fidelity: [asha, bohb]}
benchmarks:
  bench-a: {title: Bench A, ylim: [0, 1]}
"""
    )
    settings = PlotSettings.from_yaml(path)
    assert settings.title == "My study" and settings.ncols == 2 and settings.log_y
    assert settings.order == ("random_search", "asha")
    assert settings.label("random_search") == "RS" and settings.label("asha") == "asha"
    assert settings.groups["multi-fidelity"] == ("asha", "bohb")
    assert settings.benchmarks["bench-a"] == BenchmarkSettings(title="Bench A", ylim=(0.0, 1.0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("titel: x", r"unknown keys \['titel'\]"),
        ("ncols: 0", "ncols must be a positive integer, got 0"),
        ("benchmarks: {b: {ylim: [1, 0]}}", r"b.ylim: expected low < high"),
        ("benchmarks: {b: {xlim: 3}}", r"b.xlim: expected \[low, high\], got 3"),
        ("methods: {oder: [a]}", r"methods: unknown keys \['oder'\]"),
        ("- a", "expected a mapping at the top level"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plot.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        PlotSettings.from_yaml(path)
