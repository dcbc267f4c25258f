"""What keeps an experiment's start short: the table's configurations are made once,
column by column, and reach the method's preset as they are, never through Hydra."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

import tunelab.core.methods as presets
from tunelab.blackbox import TabularBlackbox, load
from tunelab.experiments.benchmarks import build_benchmark
from tunelab.experiments.methods import build_scheduler


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def _config(tmp_path: Path, *overrides: str) -> DictConfig:
    return compose("config", overrides=[f"results_root={tmp_path / 'results'}", *overrides])


def test_the_candidates_are_the_table_with_the_budget_appended(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "benchmark=sklearn-digits-mlp")
    problem = build_benchmark(cfg.benchmark, seed=0)
    table = load("sklearn-digits-mlp")
    assert isinstance(table, TabularBlackbox)
    assert problem.max_resource_attr == "epochs"
    top = problem.config_space["epochs"]
    expected = [{**config, "epochs": top} for config in table.all_configurations()]
    assert problem.restrict_to == expected
    assert [list(c) for c in problem.restrict_to] == [list(c) for c in expected]
    problem.restrict_to[0]["epochs"] = -1  # the candidates are the run's own dicts
    assert "epochs" not in table.all_configurations()[0]


@pytest.mark.parametrize("method", ["random_search", "bayesian_optimization"])
def test_large_arguments_reach_the_preset_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    cfg = _config(tmp_path, f"method={method}", "benchmark=sklearn-digits-mlp")
    problem = build_benchmark(cfg.benchmark, seed=0)
    received: dict[str, Any] = {}
    original = presets.fifo

    @functools.wraps(original)
    def recording(*args: Any, **kwargs: Any) -> Any:
        received.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(presets, "fifo", recording)
    provided = {
        "config_space": problem.config_space,
        "metric": problem.metric,
        "mode": problem.mode,
        "seed": 3,
        "resource_attr": problem.resource_attr,
        "max_resource_attr": problem.max_resource_attr,
        "restrict_to": problem.restrict_to,
    }
    build_scheduler(cfg.method, provided)
    assert received["restrict_to"] is problem.restrict_to
    assert received["config_space"] is problem.config_space
