"""Refused before anything runs: bad values and names, dry runs nobody plans,
multi-fidelity methods on single-fidelity benchmarks; studies that set the budget;
a sweep with failures exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

import tunelab.experiments.conf as shipped_conf
from tunelab.experiments.experiment import ExperimentConfigError, run_experiment
from tunelab.experiments.methods import MethodConfigError
from tunelab.experiments.validation import problems, settings_problems

CONF = Path(shipped_conf.__file__).parent
TABLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tabular"

QUICK_STUDY = """# @package _global_
study: quick
max_wallclock_time: 600
n_workers: 2
hydra:
  sweeper:
    params:
      method: random_search,grid_search
      benchmark: branin,hartmann3
      seed: range(3)
"""


@pytest.fixture
def user_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's `conf/` (found through $TUNELAB_CONF) with the docs' `quick` study."""
    conf = tmp_path / "conf"
    (conf / "study").mkdir(parents=True)
    (conf / "study" / "quick.yaml").write_text(QUICK_STUDY)
    (conf / "study" / "escape.yaml").write_text("# @package _global_\nstudy: ../escape\n")
    monkeypatch.setenv("TUNELAB_CONF", str(conf))
    return conf


@pytest.fixture
def hydra_context(user_conf: Path) -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def config(tmp_path: Path, *overrides: str) -> DictConfig:
    return compose("config", overrides=[f"results_root={tmp_path / 'results'}", *overrides])


def tunelab_run(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(tmp_path / "results")}
    env.pop("TUNELAB_CONF", None)
    return subprocess.run(
        [sys.executable, "-m", "tunelab.experiments", *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=240,
    )


def written(tmp_path: Path) -> list[Path]:
    """What was written under tmp_path but Hydra's logs (`results/.hydra`) and conf/."""
    kept = {".hydra", "conf"}
    return [
        p
        for p in tmp_path.rglob("*")
        if not kept & set(p.relative_to(tmp_path).parts) and p != tmp_path / "results"
    ]


# -- item 8: a study's top-level keys ----------------------------------------------------


def test_a_studys_top_level_keys_win_over_the_defaults_and_lose_to_the_command_line(
    tmp_path: Path, hydra_context: None
) -> None:
    cfg = config(tmp_path, "study=quick")
    assert (cfg.study, cfg.max_wallclock_time, cfg.n_workers) == ("quick", 600, 2)
    assert cfg.seed == 0 and cfg.results_root == str(tmp_path / "results")
    cfg = config(tmp_path, "study=quick", "max_wallclock_time=60", "n_workers=1")
    assert (cfg.max_wallclock_time, cfg.n_workers) == (60, 1)
    cfg = config(tmp_path)
    assert (cfg.study, cfg.max_wallclock_time, cfg.n_workers) == ("default", None, None)


def test_the_demo_study_sets_its_budget_as_a_top_level_key(
    tmp_path: Path, hydra_context: None
) -> None:
    study = OmegaConf.load(CONF / "study" / "demo.yaml")
    assert isinstance(study, DictConfig)
    assert study.max_wallclock_time == 1800
    assert "max_wallclock_time" not in study.hydra.sweeper.params
    assert config(tmp_path, "study=demo").max_wallclock_time == 1800
    assert config(tmp_path, "study=demo", "max_wallclock_time=300").max_wallclock_time == 300


def test_the_repository_method_quality_study_sets_n_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_CONF", str(Path(__file__).resolve().parents[2] / "conf"))
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        assert config(tmp_path, "study=method_quality").n_workers == 4


# -- item 10 and 17: values and names -----------------------------------------------------


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("seed=abc", "seed='abc'"),
        ("seed=1.5", "seed=1.5"),
        ("seed=-3", "seed=-3"),
        ("seed=true", "seed=True"),
        ("master_seed=-1", "master_seed=-1"),
        ("n_workers=abc", "n_workers='abc'"),
        ("n_workers=-1", "n_workers=-1"),
        ("n_workers=0", "n_workers=0"),
        ("max_wallclock_time=abc", "max_wallclock_time='abc'"),
        ("max_wallclock_time=-5", "max_wallclock_time=-5"),
        (
            "max_wallclock_time=null benchmark.max_wallclock_time=null",
            "benchmark.max_wallclock_time=None",
        ),
        ("progress_interval=0", "progress_interval=0"),
        ("benchmark.name=../../x", "benchmark.name='../../x'"),
        ("benchmark.name=a/b", "benchmark.name='a/b'"),
        ("benchmark.name=..", "benchmark.name='..'"),
        ("benchmark.name=''", "benchmark.name=''"),
        ("method.name=.hidden", "method.name='.hidden'"),
        ("study=escape", "study='../escape'"),
        ("+dry_run=true", "dry_run=true"),
    ],
)
def test_bad_values_and_names_are_refused_before_any_folder_exists(
    tmp_path: Path, hydra_context: None, override: str, named: str
) -> None:
    cfg = config(tmp_path, "benchmark=branin", "max_wallclock_time=30", *override.split())
    assert any(p.startswith(named) for p in settings_problems(cfg)), settings_problems(cfg)
    assert any(p.startswith(named) for p in problems(cfg))
    with pytest.raises(ExperimentConfigError, match=r"expected|only hydra/launcher=sagemaker"):
        run_experiment(cfg)
    assert written(tmp_path) == []


def test_good_values_and_names_pass(tmp_path: Path, hydra_context: None) -> None:
    for overrides in (
        [],
        ["seed=12", "master_seed=3", "n_workers=1", "max_wallclock_time=0.5"],
        ["benchmark=lcbench-table", "progress_interval=10"],
        ["study=quick", "method.name=my-method_v2.1"],
    ):
        assert settings_problems(config(tmp_path, *overrides)) == [], overrides


def test_the_command_line_refuses_bad_values_with_exit_code_2(tmp_path: Path) -> None:
    args = ("benchmark=branin", "max_wallclock_time=30")
    for override, key in (
        ("seed=abc", "seed='abc'"),
        ("n_workers=abc", "n_workers='abc'"),
        ("seed=1.5", "seed=1.5"),
        ("seed=-3", "seed=-3"),
        ("benchmark.name=../../x", "benchmark.name='../../x'"),
        ("+dry_run=true", "dry_run=true"),
    ):
        run = tunelab_run(tmp_path, *args, override)
        assert run.returncode == 2, (override, run.stderr[-2000:])
        assert f"refused, nothing was run: {key}" in run.stderr
    assert written(tmp_path) == []


def test_a_sweep_refuses_bad_values_names_and_dry_runs_before_any_job(tmp_path: Path) -> None:
    args = ["-m", "benchmark=branin", "max_wallclock_time=30"]
    for launcher in ([], ["hydra/launcher=tunelab_joblib"]):
        run = tunelab_run(tmp_path, *args, *launcher, "seed=abc,1.5,-3,0", "+dry_run=true")
        assert run.returncode == 2, run.stderr[-2000:]
        assert "no job was started" in run.stderr
        for key in ("seed='abc'", "seed=1.5", "seed=-3"):
            assert f"  {key}: expected an integer >= 0" in run.stderr
        assert "  dry_run=true: only hydra/launcher=sagemaker plans a sweep" in run.stderr
    run = tunelab_run(tmp_path, *args, "benchmark.name=../../x", "n_workers=abc")
    assert run.returncode == 2
    assert "  n_workers='abc': expected an integer >= 1" in run.stderr
    assert "  benchmark.name='../../x' cannot name a folder of the results" in run.stderr
    assert written(tmp_path) == []


# -- item 10: the exit code of a sweep ----------------------------------------------------


def test_a_sweep_with_failed_experiments_exits_non_zero_and_says_how_many(
    tmp_path: Path,
) -> None:
    sweep = ["-m", "benchmark=branin", "max_wallclock_time=30", "seed=0,1,2"]
    run = tunelab_run(tmp_path, *sweep, "benchmark.time_scale=-1")
    assert run.returncode == 1, run.stderr[-2000:]
    assert "sweep finished: 3 experiments: 0 complete, 0 skipped (already complete), 3 failed" in (
        run.stdout
    )
    assert "tunelab-run: 3 of 3 experiments did not complete (3 failed); exit code 1" in run.stderr
    fixed = tunelab_run(tmp_path, *sweep)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert "tunelab-run:" not in fixed.stderr


# -- item 9: multi-fidelity methods on single-fidelity benchmarks --------------------------


def test_a_multi_fidelity_method_on_a_single_fidelity_benchmark_is_refused(
    tmp_path: Path, hydra_context: None
) -> None:
    for method in ("asha", "hyperband", "bohb", "sync_sh", "mobster", "pbt"):
        cfg = config(tmp_path, f"method={method}", "benchmark=fcnet-final")
        found = [p for p in problems(cfg) if "single fidelity" in p]
        assert found == [
            f"method {method!r} is multi-fidelity ({cfg.method.scheduler._target_} needs a "
            "resource_attr) but benchmark 'fcnet-final-protein_structure' has a single "
            "fidelity (one value per configuration, no resource to stop or promote trials "
            "at); run a single-fidelity method (random_search, bayesian_optimization, ...) "
            "on it, or the method on a benchmark with learning curves"
        ]
    for method, benchmark in (("random_search", "fcnet-final"), ("asha", "fcnet")):
        cfg = config(tmp_path, f"method={method}", f"benchmark={benchmark}")
        assert not [p for p in problems(cfg) if "single fidelity" in p], (method, benchmark)
    local = config(tmp_path, "method=asha", "benchmark=sklearn-digits-mlp")
    local.benchmark = OmegaConf.create(
        {"name": "script", "type": "local", "entry_point": "x.py", "resource_attr": None}
    )
    assert any("benchmark 'script' has a single fidelity" in p for p in problems(local))
    local.benchmark.resource_attr = "epoch"
    assert not any("single fidelity" in p for p in problems(local))


def test_a_sweep_with_a_multi_fidelity_method_on_a_table_of_final_values_stops_first(
    tmp_path: Path,
) -> None:
    run = tunelab_run(tmp_path, "-m", "method=random_search,asha", "benchmark=fcnet-final")
    assert run.returncode == 2, run.stderr[-2000:]
    assert "no job was started" in run.stderr
    assert "method 'asha' is multi-fidelity" in run.stderr
    assert "benchmark 'fcnet-final-protein_structure' has a single fidelity" in run.stderr
    assert written(tmp_path) == []


@pytest.mark.skipif(not TABLES.is_dir(), reason="the final-fidelity tables are not here")
def test_an_undeclared_single_fidelity_blackbox_fails_before_the_scheduler_is_built(
    tmp_path: Path, hydra_context: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    cfg = config(
        tmp_path,
        "method=asha",
        "benchmark=fcnet-final",
        f"benchmark.load_options.source={TABLES}",
        "~benchmark.multi_fidelity",
    )
    assert not [p for p in problems(cfg) if "single fidelity" in p]  # not known in advance
    outcome = run_experiment(cfg)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith(f"{MethodConfigError.__name__}: method 'asha' is multi")
    assert "benchmark 'fcnet-final-protein_structure' has a single fidelity" in outcome.error


def test_cost_promotion_needs_a_benchmark_with_a_cost(tmp_path: Path, hydra_context: None) -> None:
    """asha_cost reads each trial's cumulative cost from every result: on a benchmark
    without one it would fail at its first result, so the sweep refuses it up front."""
    without = problems(config(tmp_path, "method=asha_cost", "benchmark=lcbench-table"))
    assert any("kind=cost_promotion" in p and "benchmark.cost=" in p for p in without), without
    given = problems(
        config(tmp_path, "method=asha_cost", "benchmark=lcbench-table", "+benchmark.cost=time")
    )
    assert not any("cost" in p for p in given), given
