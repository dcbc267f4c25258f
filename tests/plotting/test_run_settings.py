"""Runs aggregated together must share their settings: refused, split or labelled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tunelab.plotting.loading import Study, load_study
from tunelab.plotting.run_settings import (
    CHARGED_LABEL,
    MixedSettingsError,
    check_settings,
    mark_decision_time_charged,
    run_settings,
    settings_conflicts,
    split_by_settings,
)
from tunelab.plotting.selection import group_methods

from .conftest import simulator_metadata, write_study

METHODS = ("asha", "bohb")


def study_with(tmp_path: Path, settings: Any, *, methods: tuple[str, ...] = METHODS) -> Study:
    root = write_study(tmp_path / "s", benchmarks=("bench",), methods=methods, settings=settings)
    return load_study(str(root))


def simulated(**kwargs: Any) -> Any:
    """Settings: the simulator metadata, with `kwargs` for seeds 2 and 3 only."""
    return lambda benchmark, method, seed: simulator_metadata(
        seed=seed, **(kwargs if seed >= 2 else {})
    )


def test_a_study_with_one_setting_passes(tmp_path: Path) -> None:
    study = study_with(tmp_path, simulated())
    check_settings(study)  # backend_settings.seed differs per seed, by design
    assert settings_conflicts(study) == []
    assert split_by_settings(study) is study


def test_mixed_budgets_are_refused_naming_field_values_and_runs(tmp_path: Path) -> None:
    budget = {"budget": {"max_wallclock_time": 120.0}}
    study = study_with(tmp_path, lambda b, m, seed: budget if seed >= 2 else {})
    with pytest.raises(MixedSettingsError) as error:
        check_settings(study)
    message = str(error.value)
    assert "bench: budget (the seeds of one method differ)" in message
    assert "max_wallclock_time=100 in asha seeds 0-1, bohb seeds 0-1 (e.g. bench/asha/0)" in message
    assert "max_wallclock_time=120 in asha seeds 2-3, bohb seeds 2-3 (e.g. bench/asha/2)" in message
    assert "--split-by-settings" in message
    (conflict,) = error.value.conflicts
    assert conflict.field == "budget" and conflict.within_method


def test_split_by_settings_makes_a_benchmark_of_each_budget(tmp_path: Path) -> None:
    budget = {"budget": {"max_wallclock_time": 120.0}}
    study = study_with(tmp_path, lambda b, m, seed: budget if seed >= 2 else {})
    split = split_by_settings(study)
    check_settings(split)
    groups = split.runs.groupby("benchmark")["seed"].agg(lambda s: sorted(set(s)))
    assert groups.to_dict() == {
        "bench [max_wallclock_time=100]": [0, 1],
        "bench [max_wallclock_time=120]": [2, 3],
    }


def test_workers_differing_between_methods_are_refused_unless_labelled(tmp_path: Path) -> None:
    study = study_with(tmp_path, lambda b, method, s: {"n_workers": 1 if method == "asha" else 4})
    with pytest.raises(MixedSettingsError, match=r"bench: n_workers: 1 in asha seeds 0-3 "):
        check_settings(study)
    (conflict,) = settings_conflicts(study)
    assert not conflict.within_method
    check_settings(group_methods(study, ["n_workers"]))  # the labels name the setting
    split = split_by_settings(study)
    assert sorted(set(split.runs["benchmark"])) == ["bench [n_workers=1]", "bench [n_workers=4]"]


def test_the_seeds_of_one_method_must_agree_even_when_grouped(tmp_path: Path) -> None:
    study = study_with(tmp_path, lambda b, m, seed: {"n_workers": 1 if seed == 3 else 4})
    with pytest.raises(MixedSettingsError, match="n_workers"):
        check_settings(study)
    grouped = group_methods(study, ["n_workers"])  # asha [n_workers=1] is its own method
    check_settings(grouped)
    # a setting recorded in two places is named by grouping by either
    scaled = study_with(tmp_path / "t", lambda b, m, s: simulator_metadata(time_scale=float(s)))
    check_settings(group_methods(scaled, ["hydra_config.benchmark.time_scale"]))


def test_benchmark_settings_are_compared_but_not_data_locations(tmp_path: Path) -> None:
    study = study_with(tmp_path, simulated(time_scale=100.0))
    with pytest.raises(MixedSettingsError) as error:
        check_settings(study)
    fields = {c.field for c in error.value.conflicts}
    assert fields == {"backend_settings.time_scale", "hydra_config.benchmark.time_scale"}
    assert "time_scale (the seeds of one method differ): 1 in asha seeds 0-1" in str(error.value)
    split = split_by_settings(study)
    assert set(split.runs["benchmark"]) == {"bench [time_scale=1]", "bench [time_scale=100]"}
    moved = study_with(tmp_path / "moved", simulated(source="/mnt/other/copy"))
    check_settings(moved)  # the same data read from another folder


def test_problem_and_recorded_null_values(tmp_path: Path) -> None:
    def surrogate(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        meta = simulator_metadata(seed=seed)
        if method == "bohb":
            meta["problem"]["surrogate"] = "knn"
        return meta

    with pytest.raises(MixedSettingsError, match=r"problem.surrogate: knn in bohb seeds 0-3"):
        check_settings(study_with(tmp_path, surrogate))
    nulls = study_with(
        tmp_path / "n", lambda b, m, s: {"resource_attr": None} if m == "bohb" else {}
    )
    check_settings(nulls)  # a null resource_attr is unrecorded


def test_older_metadata_without_the_new_keys_still_loads(tmp_path: Path) -> None:
    def mixed_versions(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        return simulator_metadata(seed=seed) if seed % 2 else {}

    check_settings(study_with(tmp_path, mixed_versions))  # missing on some: no conflict
    old = study_with(tmp_path / "old", lambda b, m, s: {})
    check_settings(old)
    assert "backend_settings.time_scale" not in run_settings(old.metadata["bench/asha/0"])

    def missing_and_conflicting(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        return {} if seed == 0 else simulator_metadata(seed=seed, time_scale=float(seed))

    study = study_with(tmp_path / "conflict", missing_and_conflicting)
    split = split_by_settings(study)
    assert "bench [time_scale=unrecorded]" in set(split.runs["benchmark"])
    check_settings(split)


def test_values_are_compared_as_json_and_budgets_as_a_whole(tmp_path: Path) -> None:
    same = study_with(tmp_path, lambda b, m, s: {"budget": {"max_wallclock_time": 100 + 0 * s}})
    check_settings(same)  # 100 (int) and 100.0 (float) are one value
    both = {"budget": {"max_wallclock_time": 100.0, "max_num_trials_started": 50}}
    study = study_with(tmp_path / "b", lambda b, m, seed: both if seed else {})
    with pytest.raises(MixedSettingsError, match=r"max_num_trials_started=unset in asha seed 0, "):
        check_settings(study)
    labels = set(split_by_settings(study).runs["benchmark"])
    assert labels == {"bench [max_num_trials_started=unset]", "bench [max_num_trials_started=50]"}


def test_what_is_not_a_setting(tmp_path: Path) -> None:
    def noise(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        meta = simulator_metadata(seed=seed)
        meta["hydra_config"]["method"] = {"name": method, "grace_period": seed}
        meta["hydra_config"]["benchmark"]["n_workers"] = seed  # the default, not the value
        return meta | {
            "scheduler_seed": seed * 7,
            "master_seed": seed,
            "versions": {"numpy": f"2.{seed}"},
            "git_revision": f"abc{seed}",
            "command_line": ["tunelab-run", f"seed={seed}"],
            "overrides": [f"seed={seed}"],
            "rung_levels": [1, 3] if method == "asha" else None,
            "end_time": f"2026-11-28T0{seed}:00:00+00:00",
            "study": f"study{seed}",
        }

    check_settings(study_with(tmp_path, noise))


def test_charged_decision_time_is_labelled_not_refused(tmp_path: Path) -> None:
    def charged(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        return simulator_metadata(seed=seed, charge_decision_time=method == "bohb")

    study = study_with(tmp_path, charged)
    check_settings(study)  # methods may differ: the label says so
    marked = mark_decision_time_charged(study)
    assert set(marked.runs["method"]) == {"asha", f"bohb{CHARGED_LABEL}"}

    def some_seeds(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        return simulator_metadata(seed=seed, charge_decision_time=method == "bohb" and seed < 2)

    with pytest.raises(MixedSettingsError, match=r"charge_decision_time \(the seeds of one"):
        check_settings(study_with(tmp_path / "some", some_seeds))


def test_older_runs_record_charging_in_the_hydra_config(tmp_path: Path) -> None:
    def old(benchmark: str, method: str, seed: int) -> dict[str, Any]:
        meta = simulator_metadata(seed=seed, charge_decision_time=True)
        del meta["backend_settings"]
        return meta

    marked = mark_decision_time_charged(study_with(tmp_path, old))
    assert set(marked.runs["method"]) == {f"asha{CHARGED_LABEL}", f"bohb{CHARGED_LABEL}"}
