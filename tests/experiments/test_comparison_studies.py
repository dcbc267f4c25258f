"""The comparisons of issue 17 (`study=mo_comparison`, `mo_comparison_tables`,
`constrained_comparison`, `cost_comparison`): what they compare, and that every job
passes the sweep's checks, so that none of them stops a sweep before it starts."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

import tunelab.experiments.conf as shipped_conf
from tunelab.experiments.validation import problems

CONF = Path(shipped_conf.__file__).parent
STUDIES = ("mo_comparison", "mo_comparison_tables", "constrained_comparison", "cost_comparison")
METHODS = {p.stem for p in (CONF / "method").glob("*.yaml")}


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def params(study: str) -> dict[str, list[str]]:
    """The sweep of a study: each parameter's values (seeds as written)."""
    node = OmegaConf.load(CONF / "study" / f"{study}.yaml")
    assert isinstance(node, DictConfig)
    swept = cast(DictConfig, node.hydra.sweeper.params)
    return {str(k): str(v).split(",") for k, v in swept.items()}


def jobs(study: str) -> Iterator[list[str]]:
    """The overrides of each job of `study`, for seed 0."""
    sweep = {k: v for k, v in params(study).items() if k != "seed"}
    for values in itertools.product(*sweep.values()):
        yield [f"{k}={v}" for k, v in zip(sweep, values, strict=True)]


def test_the_multi_objective_study_pits_the_methods_against_random_search() -> None:
    sweep = params("mo_comparison")
    assert {"random_search", "moasha"} <= set(sweep["method"])
    assert sweep["benchmark"] == ["lcbench-table-mo"]
    assert len(sweep["benchmark.instance"]) >= 2, "at least two multi-objective benchmarks"
    tables = params("mo_comparison_tables")
    assert len(tables["benchmark"]) == 3 and "random_search" in tables["method"]
    for study in ("mo_comparison", "mo_comparison_tables"):
        assert params(study)["seed"] == ["range(10)"]


def test_the_constrained_and_cost_studies_start_from_plain_bayesian_optimization() -> None:
    constrained, cost = params("constrained_comparison"), params("cost_comparison")
    assert constrained["benchmark"] == ["nasbench201-final-constrained"]
    assert cost["benchmark"] == ["hpobench-final-cost"]
    for sweep in (constrained, cost):
        assert "bayesian_optimization" in sweep["method"]
        assert sweep["seed"] == ["range(10)"]


@pytest.mark.parametrize("study", STUDIES)
def test_every_method_of_a_study_exists(study: str) -> None:
    assert set(params(study)["method"]) <= METHODS


@pytest.mark.parametrize("study", STUDIES)
def test_every_job_of_a_study_passes_the_sweeps_checks(
    tmp_path: Path, study: str, final_tables: Path
) -> None:
    for overrides in jobs(study):
        cfg = compose(
            "config", overrides=[f"results_root={tmp_path}", f"study={study}", *overrides]
        )
        assert problems(cfg) == [], overrides


def test_one_seed_of_the_multi_objective_study_runs_through_tunelab_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    env["TUNELAB_RESULTS_ROOT"] = str(tmp_path / "results")
    env["TUNELAB_HOME"] = str(tmp_path / "home")  # shipped tables: nothing to build
    arguments = ["study=mo_comparison", "seed=0", "method=random_search,moasha"]
    run = subprocess.run(
        [sys.executable, "-m", "tunelab.experiments", "-m", *arguments, "max_wallclock_time=300"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    folders = sorted((tmp_path / "results" / "mo_comparison").glob("*/*/0"))
    assert len(folders) == 2 * len(params("mo_comparison")["benchmark.instance"])
    for folder in folders:
        metadata = json.loads((folder / "metadata.json").read_text())
        assert metadata["status"] == "complete"
        assert metadata["metric"] == ["val_accuracy", "time"]
        assert set(metadata["hypervolume_reference"]) == {"val_accuracy", "time"}
    assert not (tmp_path / "home").exists()
