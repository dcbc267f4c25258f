"""The experiments application: composition, one experiment, seeds, failures."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

import tunelab.experiments.conf as shipped_conf
from tunelab.core.scheduler import Scheduler
from tunelab.experiments.benchmarks import build_benchmark, config_space_from_yaml
from tunelab.experiments.experiment import experiment_path, run_experiment
from tunelab.experiments.methods import MethodConfigError, build_scheduler, restriction_problem
from tunelab.experiments.seeds import benchmark_seed, scheduler_seed
from tunelab.experiments.transfer import takes_transfer

CONF = Path(shipped_conf.__file__).parent
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
METHODS = sorted(p.stem for p in (CONF / "method").glob("*.yaml"))
BENCHMARKS = sorted(p.stem for p in (CONF / "benchmark").glob("*.yaml"))


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def config(tmp_path: Path, *overrides: str) -> DictConfig:
    return compose("config", overrides=[f"results_root={tmp_path / 'results'}", *overrides])


RAW_SOURCES = {
    "fcnet": "TUNELAB_FCNET_SOURCE",
    "nasbench201": "TUNELAB_NASBENCH201_SOURCE",
    "lcbench": "TUNELAB_LCBENCH_SOURCE",
}


def available(benchmark: str) -> bool:
    """Whether the data of a benchmark preset is on this machine."""
    if benchmark.startswith("yahpo"):
        return (SHARED / "yahpo").is_dir()
    if "-final" in benchmark:  # the -final tables, and the presets made from them
        return (SHARED / "tabular").is_dir()
    family = benchmark.removesuffix("-mo")  # the multi-objective presets of a family
    if family in RAW_SOURCES:
        return bool(os.environ.get(RAW_SOURCES[family]))
    return True


@pytest.fixture
def data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUNELAB_YAHPO_DATA", str(SHARED / "yahpo"))
    monkeypatch.setenv("TUNELAB_TABLES_DIR", str(SHARED / "tabular"))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("benchmark", ["branin", "sklearn-digits-mlp"])
def test_every_method_preset_builds_a_scheduler(
    tmp_path: Path, method: str, benchmark: str
) -> None:
    cfg = config(tmp_path, f"method={method}", f"benchmark={benchmark}")
    if takes_transfer(cfg.method):
        pytest.skip("a transfer method needs other tasks: test_transfer_protocol.py builds it")
    problem = build_benchmark(cfg.benchmark, seed=0)
    scheduler = build_scheduler(
        cfg.method,
        {
            "config_space": problem.config_space,
            "metric": problem.metric,
            "mode": problem.mode,
            "seed": 1,
            "resource_attr": problem.resource_attr,
            "max_resource_attr": problem.max_resource_attr,
            "restrict_to": problem.restrict_to,
            # reaches only methods that take it (constrained_bo requires one)
            "constraint_attr": problem.objectives.constraint or "constraint",
        },
    )
    assert isinstance(scheduler, Scheduler)
    assert scheduler.metric_names() == [problem.metric]


@pytest.mark.parametrize("benchmark", BENCHMARKS)
def test_every_benchmark_preset_builds(tmp_path: Path, benchmark: str, data_env: None) -> None:
    if not available(benchmark):
        pytest.skip(f"the data of {benchmark} is not on this machine (see its preset)")
    cfg = config(tmp_path, f"benchmark={benchmark}")
    assert str(cfg.benchmark.name).startswith(benchmark)
    problem = build_benchmark(cfg.benchmark, seed=0)
    reported = problem.backend.blackbox.objectives_names  # type: ignore[attr-defined]
    assert set(problem.objectives.named()) <= set(reported)


def test_one_experiment_writes_its_folder_and_is_skipped_next_time(tmp_path: Path) -> None:
    cfg = config(tmp_path, "benchmark=branin", "seed=3", "study=unit", "max_wallclock_time=600")
    assert cfg.study == "unit"
    outcome = run_experiment(cfg, overrides=["benchmark=branin", "seed=3"])
    assert outcome.status == "complete"
    path = tmp_path / "results" / "unit" / "branin" / "random_search" / "3"
    assert Path(outcome.path) == path == experiment_path(cfg)
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["status"] == "complete"
    assert metadata["method"] == "random_search" and metadata["benchmark"] == "branin"
    assert metadata["seed"] == 3 and metadata["scheduler_seed"] == scheduler_seed(0, 3)
    assert metadata["hydra_config"]["benchmark"]["max_wallclock_time"] == 3600
    assert metadata["reference"] == {"y": {"min": pytest.approx(0.397887)}}
    assert metadata["hydra_config"]["max_wallclock_time"] == 600
    assert metadata["overrides"] == ["benchmark=branin", "seed=3"]
    assert metadata["command_line"]
    results = pd.read_parquet(path / "results.parquet")
    assert 0 < results["tuner_time"].max() <= 600
    assert run_experiment(cfg).status == "skipped"


def test_seeds_are_paired_across_methods_and_differ_across_repetitions(tmp_path: Path) -> None:
    assert scheduler_seed(0, 1) == scheduler_seed(0, 1)
    assert len({scheduler_seed(0, s) for s in range(50)}) == 50
    assert scheduler_seed(0, 1) != scheduler_seed(1, 1) != benchmark_seed(0, 1)
    runs = []
    for study in ("a", "b"):
        cfg = config(
            tmp_path,
            "benchmark=branin",
            "benchmark.charge_decision_time=false",
            f"results_root={tmp_path / study}",
            "max_wallclock_time=300",
        )
        assert run_experiment(cfg).status == "complete"
        results = pd.read_parquet(experiment_path(cfg) / "results.parquet")
        runs.append(results.drop(columns=["decision_time"]))  # real time: differs
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_a_failing_experiment_is_recorded_and_rerun_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_YAHPO_DATA", str(tmp_path / "nowhere"))
    cfg = config(tmp_path, "benchmark=yahpo-lcbench")
    outcome = run_experiment(cfg)
    assert outcome.status == "failed"
    assert "nowhere" in str(outcome.error)
    metadata = json.loads((experiment_path(cfg) / "metadata.json").read_text())
    assert metadata["status"] == "failed" and "nowhere" in metadata["stop_reason"]
    if (SHARED / "yahpo").is_dir():
        monkeypatch.setenv("TUNELAB_YAHPO_DATA", str(SHARED / "yahpo"))
        fixed = config(tmp_path, "benchmark=yahpo-lcbench", "max_wallclock_time=300")
        assert run_experiment(fixed).status == "complete"


def test_unknown_scheduler_argument_is_named(tmp_path: Path) -> None:
    cfg = config(tmp_path, "benchmark=branin", "+method.scheduler.bogus=1")
    with pytest.raises(MethodConfigError, match=r"takes no argument \['bogus'\]"):
        build_scheduler(cfg.method, {})
    assert "bogus" in str(run_experiment(cfg).error)


@pytest.mark.parametrize("method", ["grid_search", "kde", "rea", "bayesian_optimization"])
def test_a_table_benchmark_is_the_table_for_every_method(tmp_path: Path, method: str) -> None:
    cfg = config(
        tmp_path, f"method={method}", "benchmark=sklearn-digits-mlp", "max_wallclock_time=20"
    )
    assert run_experiment(cfg).status == "complete"
    path = experiment_path(cfg)
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["problem"] == {
        "blackbox": "sklearn-digits-mlp",
        "surrogate": None,
        "restrict_to_table": True,
        "num_candidates": 250,
    }
    assert metadata["method"] == method
    results = pd.read_parquet(path / "results.parquet")
    problem = build_benchmark(cfg.benchmark, seed=0)
    assert problem.restrict_to is not None
    names = [n for n in problem.backend.blackbox.configuration_space]  # type: ignore[attr-defined]
    table = {tuple(c[n] for n in names) for c in problem.restrict_to}
    ran = results[[f"config_{n}" for n in names]].drop_duplicates()
    assert {tuple(row) for row in ran.itertuples(index=False)} <= table


def test_a_method_that_cannot_be_restricted_is_refused(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "benchmark=sklearn-digits-mlp",
        # any factory without a restrict_to parameter
        "method.scheduler._target_=tunelab.core.space.sample_config",
    )
    assert "restrict_to" in (restriction_problem(cfg.method, cfg.benchmark) or "")
    outcome = run_experiment(cfg)
    assert outcome.status == "failed" and "restrict_to" in str(outcome.error)


def test_a_surrogate_runs_only_when_the_benchmark_asks_for_one(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "benchmark=sklearn-digits-mlp",
        "benchmark.restrict_to_table=false",
        "benchmark.surrogate=knn",
        "max_wallclock_time=10",
    )
    assert run_experiment(cfg).status == "complete"
    metadata = json.loads((experiment_path(cfg) / "metadata.json").read_text())
    assert metadata["problem"]["surrogate"] == "knn"
    assert metadata["problem"]["restrict_to_table"] is False
    both = config(tmp_path, "benchmark=sklearn-digits-mlp", "benchmark.surrogate=knn")
    with pytest.raises(ValueError, match="choose one"):
        build_benchmark(both.benchmark, seed=0)


def test_benchmark_tasks_are_chosen_by_override(tmp_path: Path, data_env: None) -> None:
    if not available("fcnet-final"):
        pytest.skip(f"the tables are not in {SHARED}")
    cfg = config(tmp_path, "benchmark=fcnet-final", "benchmark.task=naval_propulsion")
    assert cfg.benchmark.name == "fcnet-final-naval_propulsion"
    problem = build_benchmark(cfg.benchmark, seed=0)
    assert problem.restrict_to is not None and len(problem.restrict_to) == 62_208


def test_yaml_config_spaces() -> None:
    node = OmegaConf.create(
        {
            "lr": {"type": "float", "lower": 1e-4, "upper": 0.1, "log": True},
            "act": {"type": "choice", "categories": ["relu", "tanh"]},
            "epochs": 10,
        }
    )
    space = config_space_from_yaml(node, where="unit")
    assert space["epochs"] == 10
    assert space["lr"].log
    with pytest.raises(ValueError, match="bad config_space"):
        config_space_from_yaml(OmegaConf.create({"x": {"type": "float", "lower": 2}}), where="u")


def test_bad_overrides_stop_a_sweep_before_any_job(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(tmp_path / "results")}
    env.pop("TUNELAB_YAHPO_DATA", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tunelab.experiments",
            "-m",
            "method=random_search,grid_search",
            "benchmark=branin,yahpo-lcbench",
            "+method.scheduler.bogus=1",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "no job was started" in run.stderr
    assert "takes no argument ['bogus']" in run.stderr
    assert "needs its data: set $TUNELAB_YAHPO_DATA" in run.stderr
    assert not list((tmp_path / "results").glob("*/*/*/*/metadata.json"))


def test_skipping_warns_when_the_settings_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = config(tmp_path, "benchmark=branin", "max_wallclock_time=200")
    assert run_experiment(first).status == "complete"
    same = config(tmp_path, "benchmark=branin", "max_wallclock_time=200")
    with caplog.at_level("WARNING"):
        assert run_experiment(same).status == "skipped"
    assert not caplog.records
    other = config(tmp_path, "benchmark=branin", "max_wallclock_time=300", "master_seed=1")
    with caplog.at_level("WARNING"):
        assert run_experiment(other).status == "skipped"
    assert "master_seed, max_wallclock_time" in caplog.text


def test_nested_method_arguments_arrive_as_plain_python(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "benchmark=branin",
        "+method.scheduler.points_to_evaluate=[{x1: 0.0, x2: 5.0}]",
        "max_wallclock_time=100",
    )
    assert run_experiment(cfg).status == "complete"
    results = pd.read_parquet(experiment_path(cfg) / "results.parquet")
    first = results[results["trial_id"] == 0].iloc[0]
    assert (first["config_x1"], first["config_x2"]) == (0.0, 5.0)


@pytest.mark.slow
def test_real_training_benchmark_of_the_repository_conf(tmp_path: Path) -> None:
    """Journey 6: the repository's conf/benchmark/digits-mlp-local.yaml, for real."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(tmp_path / "results")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tunelab.experiments",
            "benchmark=digits-mlp-local",
            "max_wallclock_time=20",
            "benchmark.config_space.epochs=3",
        ],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    path = tmp_path / "results" / "default" / "digits-mlp-local" / "random_search" / "0"
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["status"] == "complete" and metadata["backend"] == "LocalBackend"
    results = pd.read_parquet(path / "results.parquet")
    assert set(results["epoch"]) <= {1, 2, 3} and results["val_error"].between(0, 1).all()


def test_a_benchmarks_max_trial_seconds_limits_each_trial(tmp_path: Path) -> None:
    from tunelab.experiments.experiment import _build

    cfg = config(tmp_path, "benchmark=branin", "+benchmark.max_trial_seconds=90")
    tuner = _build(cfg, experiment_path(cfg), [])
    assert tuner.options.max_trial_seconds == 90.0
    default = config(tmp_path, "benchmark=branin")
    assert _build(default, experiment_path(default), []).options.max_trial_seconds is None
