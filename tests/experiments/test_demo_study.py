"""The demo study (`make demo`): what it runs, on which problem, from shipped data only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pandas as pd
from omegaconf import DictConfig, OmegaConf

import tunelab.experiments.conf as shipped_conf
from tunelab.blackbox import load
from tunelab.blackbox.tabular import TabularBlackbox

STUDY = Path(shipped_conf.__file__).parent / "study" / "demo.yaml"
TASKS = {"167161", "167184", "189906"}


def _params() -> DictConfig:
    study = OmegaConf.load(STUDY)
    assert isinstance(study, DictConfig)
    return cast(DictConfig, study.hydra.sweeper.params)


def test_the_demo_compares_multi_fidelity_and_model_based_methods_with_random_search() -> None:
    params = _params()
    methods = set(str(params.method).split(","))
    assert "random_search" in methods
    assert methods & {"asha", "hyperband"}, "a multi-fidelity method"
    assert methods & {"bayesian_optimization", "hyper_tune", "mobster"}, "a model-based method"
    assert params.benchmark == "lcbench-table"
    assert set(str(params["benchmark.instance"]).split(",")) == TASKS


def test_one_seed_of_the_demo_runs_every_method_on_the_shipped_tables(tmp_path: Path) -> None:
    """A reduced demo (one seed, a short budget) through `tunelab-run`, as `make demo`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    env["TUNELAB_RESULTS_ROOT"] = str(tmp_path / "results")
    env["TUNELAB_HOME"] = str(tmp_path / "home")  # nothing built or downloaded there
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tunelab.experiments",
            "-m",
            "study=demo",
            "seed=0",
            "method=random_search,asha,bayesian_optimization",
            "max_wallclock_time=300",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    folders = sorted((tmp_path / "results" / "demo").glob("*/*/0"))
    assert len(folders) == 3 * len(TASKS)
    for folder in folders:
        metadata = json.loads((folder / "metadata.json").read_text())
        task = metadata["problem"]["blackbox"].rsplit("/", 1)[-1]
        assert task in TASKS
        assert metadata["problem"]["surrogate"] is None
        assert metadata["problem"]["num_candidates"] == 2048
        assert metadata["backend_settings"]["charge_decision_time"] is False
        assert metadata["budget"] == {"max_wallclock_time": 300.0}
        table = cast(TabularBlackbox, load(f"yahpo-lcbench-tables/{task}"))
        names = list(table.configuration_space)
        members = {tuple(c[n] for n in names) for c in table.all_configurations()}
        results = pd.read_parquet(folder / "results.parquet")
        tried = results.drop_duplicates("trial_id")[[f"config_{n}" for n in names]]
        assert all(tuple(row) in members for row in tried.itertuples(index=False)), folder
    assert not (tmp_path / "home").exists()
