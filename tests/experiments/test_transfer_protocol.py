"""Leave-one-task-out in `tunelab-run`: a method taking `transfer_evaluations` gets the
other tasks' evaluations, never the target's; others run unchanged."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from tunelab.experiments.experiment import experiment_path, run_experiment
from tunelab.experiments.transfer import TransferConfigError, build_transfer, read_transfer
from tunelab.experiments.validation import problems

from .conftest import write_final_tables

PROBE = """
from tunelab.core.methods import random_search

RECEIVED = []


def scheduler(*, transfer_evaluations, **arguments):
    RECEIVED.append(dict(transfer_evaluations))
    return random_search(**arguments)
"""
TARGET_ONLY_WIDTH = 777
"""A width that only the target task's table (kc1) holds."""


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """An importable transfer method recording what it received."""
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "tl_transfer_probe.py").write_text(PROBE)
    monkeypatch.syspath_prepend(str(folder))
    sys.modules.pop("tl_transfer_probe", None)
    import tl_transfer_probe

    module: ModuleType = tl_transfer_probe
    return module


@pytest.fixture
def tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small final tables, kc1's with one configuration no other task has."""
    folder = write_final_tables(tmp_path / "tables")
    path = folder / "hpobench_kc1.parquet"
    frame = pd.read_parquet(path)
    extra = frame.iloc[:2].copy()
    extra["width"] = TARGET_ONLY_WIDTH
    pd.concat([frame, extra], ignore_index=True).to_parquet(path)
    monkeypatch.setenv("TUNELAB_TABLES_DIR", str(folder))
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    return folder


def config(tmp_path: Path, *overrides: str, method: str = "probe") -> DictConfig:
    cfg = compose(
        "config",
        overrides=[f"results_root={tmp_path / 'results'}", "benchmark=hpobench-final", *overrides],
    )
    if method == "probe":
        OmegaConf.set_struct(cfg, False)
        cfg.method = {"name": "probe", "scheduler": {"_target_": "tl_transfer_probe.scheduler"}}
        OmegaConf.set_struct(cfg, True)
    return cfg


def metadata(cfg: DictConfig) -> dict[str, Any]:
    content: dict[str, Any] = json.loads((experiment_path(cfg) / "metadata.json").read_text())
    return content


def test_a_transfer_method_gets_every_other_task_and_never_the_target(
    tmp_path: Path, tables: Path, probe: ModuleType
) -> None:
    cfg = config(tmp_path, "benchmark.task=kc1", "max_wallclock_time=20000")
    assert problems(cfg) == []
    assert run_experiment(cfg).status == "complete"
    (received,) = probe.RECEIVED
    assert sorted(received) == ["australian", "credit_g", "segment"]
    for evaluations in received.values():
        assert TARGET_ONLY_WIDTH not in set(evaluations.configs["width"])
        assert evaluations.objectives_names == ["val_acc"]
    recorded = metadata(cfg)
    assert recorded["transfer"]["target"] == "kc1"
    assert recorded["transfer"]["tasks"] == ["australian", "credit_g", "segment"]
    assert recorded["method_arguments"]["transfer_evaluations"] == recorded["transfer"]["tasks"]


def test_the_target_only_configuration_is_passed_when_kc1_is_not_the_target(
    tmp_path: Path, tables: Path, probe: ModuleType
) -> None:
    cfg = config(tmp_path, "benchmark.task=australian", "max_wallclock_time=20000")
    assert run_experiment(cfg).status == "complete"
    (received,) = probe.RECEIVED
    assert TARGET_ONLY_WIDTH in set(received["kc1"].configs["width"])  # the check can fail


def test_the_transfer_option_chooses_tasks_metric_and_subset(
    tmp_path: Path, tables: Path, probe: ModuleType
) -> None:
    cfg = config(
        tmp_path,
        "benchmark.task=kc1",
        "max_wallclock_time=20000",
        "+benchmark.transfer={tasks: [segment], max_configs: 10, metric: [val_acc, train_time]}",
    )
    assert run_experiment(cfg).status == "complete"
    (received,) = probe.RECEIVED
    assert list(received) == ["segment"]
    assert received["segment"].n_configs == 10
    assert received["segment"].objectives_names == ["val_acc", "train_time"]
    assert metadata(cfg)["transfer"]["max_configs"] == 10


def test_a_method_without_transfer_ignores_it(tmp_path: Path, tables: Path) -> None:
    cfg = config(
        tmp_path,
        "benchmark.task=kc1",
        "max_wallclock_time=20000",
        "+benchmark.transfer={tasks: others}",
        method="random_search",
    )
    assert problems(cfg) == []
    assert run_experiment(cfg).status == "complete"
    recorded = metadata(cfg)
    assert "transfer" not in recorded and "transfer_evaluations" not in recorded["method_arguments"]


def test_a_benchmark_without_other_tasks_fails_before_any_trial(
    tmp_path: Path, probe: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    cfg = config(tmp_path, "benchmark=sklearn-digits-mlp", "max_wallclock_time=20000")
    found = problems(cfg)
    assert any("names no target task" in problem for problem in found), found
    outcome = run_experiment(cfg)
    assert outcome.status == "failed" and "names no target task" in str(outcome.error)
    assert probe.RECEIVED == []
    assert not (experiment_path(cfg) / "results.parquet").exists()


def test_a_list_naming_the_target_is_refused(
    tmp_path: Path, tables: Path, probe: ModuleType
) -> None:
    cfg = config(tmp_path, "benchmark.task=kc1", "+benchmark.transfer={tasks: [kc1, segment]}")
    assert any("contains the target task 'kc1'" in p for p in problems(cfg))
    with pytest.raises(TransferConfigError, match="target task 'kc1'"):
        build_transfer(cfg.method, cfg.benchmark, ["val_acc"])


@pytest.mark.parametrize(
    ("transfer", "message"),
    [
        ("{max_configs: 0}", "max_configs must be a positive integer"),
        ("{tasks: all}", "transfer.tasks must be 'others'"),
        ("{bogus: 1}", "unknown keys \\['bogus'\\]"),
        ("{seed: -1}", "transfer.seed"),
    ],
)
def test_bad_transfer_options_name_the_value(tmp_path: Path, transfer: str, message: str) -> None:
    cfg = config(tmp_path, f"+benchmark.transfer={transfer}", method="random_search")
    with pytest.raises(TransferConfigError, match=message):
        read_transfer(cfg.benchmark)


CONF = Path(__file__).resolve().parents[2] / "packages/experiments/src/tunelab/experiments/conf"
STUDY = CONF / "study" / "transfer_lcbench.yaml"
YAHPO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "yahpo"
TRANSFER_PRESETS = {
    "zero_shot",
    "bounding_box",
    "rush",
    "rush_promotion",
    "quantile_based",
    "asha_cts",
}


def study_sweep() -> dict[str, list[str]]:
    node = OmegaConf.load(STUDY)
    assert isinstance(node, DictConfig)
    return {str(k): str(v).split(",") for k, v in node.hydra.sweeper.params.items()}


def test_the_transfer_study_pits_transfer_methods_against_their_counterparts() -> None:
    sweep = study_sweep()
    shipped = {p.stem for p in (STUDY.parents[1] / "method").glob("*.yaml")}
    assert set(sweep["method"]) <= shipped
    assert {"random_search", "asha"} <= set(sweep["method"])
    assert TRANSFER_PRESETS & shipped <= set(sweep["method"]), "every transfer preset runs"
    assert len(sweep["benchmark.instance"]) >= 5 and sweep["seed"] == ["range(10)"]


@pytest.mark.skipif(not (YAHPO / "lcbench" / "model.onnx").is_file(), reason="no yahpo data")
def test_every_job_of_the_transfer_study_passes_the_sweeps_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_YAHPO_DATA", str(YAHPO))
    sweep = {k: v for k, v in study_sweep().items() if k != "seed"}
    for method in sweep["method"]:
        for instance in sweep["benchmark.instance"]:
            overrides = [
                f"results_root={tmp_path}",
                "study=transfer_lcbench",
                f"method={method}",
                "benchmark=yahpo-lcbench",
                f"benchmark.instance={instance}",
            ]
            assert problems(compose("config", overrides=overrides)) == [], overrides


@pytest.mark.parametrize("method", sorted(TRANSFER_PRESETS))
def test_every_shipped_transfer_preset_runs_leave_one_task_out(tmp_path: Path, method: str) -> None:
    if not (CONF / "method" / f"{method}.yaml").is_file():
        pytest.skip(f"no preset {method} yet")
    cfg = compose(
        "config",
        overrides=[
            f"results_root={tmp_path / 'results'}",
            f"method={method}",
            "benchmark=lcbench-table",
            "benchmark.instance=189906",
            "+benchmark.transfer={max_configs: 200}",
            "max_wallclock_time=600",
        ],
    )
    assert problems(cfg) == []
    assert run_experiment(cfg).status == "complete"
    assert metadata(cfg)["transfer"]["tasks"] == ["167161", "167184"]
