"""The shipped `yahpo-lcbench-tables`: what the package holds, and how it was made.

Loading needs neither a download nor onnxruntime; regenerating needs both the shared
yahpo_data folder and onnxruntime (those tests skip without them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox import load
from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipes.lcbench_tables import (
    LICENSE_FILE,
    N_CONFIGS,
    NAME,
    NOTICE_FILE,
    TASKS,
    YahpoLcbenchTablesRecipe,
    sample_configurations,
    tabulate,
)
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import validate_config

SHARED_DATA = Path(
    os.environ.get("TUNELAB_SHARED_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
LCBENCH = SHARED_DATA / "yahpo" / "lcbench"
SHIPPED = YahpoLcbenchTablesRecipe().root


def test_the_shipped_tasks_are_the_recipes() -> None:
    manifest = json.loads((SHIPPED / storage.MANIFEST).read_text())
    assert manifest["generator"]["tasks"] == list(TASKS)
    assert manifest["generator"]["n_configs"] == N_CONFIGS
    assert sorted(p.name for p in SHIPPED.iterdir() if p.is_dir()) == sorted(TASKS)
    assert storage.verify(SHIPPED) is None


def test_licence_and_attribution_ship_with_the_tables() -> None:
    notice = (SHIPPED / NOTICE_FILE).read_text()
    for needed in ("Pfisterer", "YAHPO Gym", "Zimmer", "LCBench", "Apache License", *TASKS):
        assert needed in notice, needed
    assert "Apache License" in (SHIPPED / LICENSE_FILE).read_text()
    for task in TASKS:
        metadata = storage.read_task_metadata(SHIPPED / task)
        assert metadata["derived_from"]["openml_task_id"] == task
        assert metadata["license"].startswith("Apache-2.0")


def test_tables_stay_small() -> None:
    """They ship in the wheel: a few MB, not tens."""
    size = sum(p.stat().st_size for p in SHIPPED.rglob("*") if p.is_file())
    assert size < 2.5e6 * len(TASKS), size


@pytest.mark.parametrize("task", TASKS)
def test_every_task_loads_as_a_learning_curve_table(task: str) -> None:
    blackbox = load(f"{NAME}/{task}")
    assert isinstance(blackbox, TabularBlackbox)
    configs = blackbox.all_configurations()
    assert len(configs) == N_CONFIGS == len({tuple(sorted(c.items())) for c in configs})
    for config in configs[:50]:
        validate_config(blackbox.configuration_space, config)
    assert blackbox.fidelity_values is not None
    assert list(blackbox.fidelity_values) == list(range(1, 53))
    objectives = blackbox.objectives
    assert np.isfinite(objectives).all()
    time = objectives[..., blackbox.objectives_names.index("time")]
    assert (np.diff(time, axis=-1) >= 0).all(), "time must be cumulative"
    accuracy = objectives[..., blackbox.objectives_names.index("val_accuracy")]
    assert accuracy.min() >= 0 and accuracy.max() <= 100
    # methods can differ only if configurations do: a wide spread of final accuracies
    final = accuracy[:, 0, -1]
    assert np.percentile(final, 99) - np.median(final) > 5


def test_loading_needs_no_onnxruntime() -> None:
    code = (
        "import sys\n"
        "sys.modules['onnxruntime'] = None  # importing it now fails\n"
        "from tunelab.blackbox import load\n"
        f"table = load('{NAME}/{TASKS[0]}')\n"
        "print(len(table.all_configurations()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(N_CONFIGS)


def test_unknown_task_and_options_are_refused() -> None:
    with pytest.raises(ValueError, match="no task '167168x'"):
        load(f"{NAME}/167168x")
    with pytest.raises(TypeError, match="read-only"):
        YahpoLcbenchTablesRecipe().load(TASKS[0], size="full")


def test_the_sample_is_deterministic_and_covers_the_space() -> None:
    space = load(f"{NAME}/{TASKS[0]}").configuration_space
    first = sample_configurations(space, 256, seed=0)
    assert first == sample_configurations(space, 256, seed=0)
    assert first != sample_configurations(space, 256, seed=1)
    layers = pd.Series([c["num_layers"] for c in first]).value_counts()
    assert set(layers.index) == {1, 2, 3, 4, 5}


def test_single_precision_storage_is_lossless(tmp_path: Path) -> None:
    table = load(f"{NAME}/{TASKS[0]}")
    assert isinstance(table, TabularBlackbox)
    storage.save_tabular(table, tmp_path / "again", single_precision=True)
    again = storage.load_tabular(tmp_path / "again")
    np.testing.assert_array_equal(again.objectives, table.objectives)
    doubled = TabularBlackbox(
        hyperparameters=table.hyperparameters,
        objectives=table.objectives + 1e-9,
        objectives_names=table.objectives_names,
        configuration_space=table.configuration_space,
        fidelity_name=table.fidelity_name,
        fidelity_values=table.fidelity_values,
        time_objective=table.time_objective,
    )
    with pytest.raises(ValueError, match="single precision"):
        storage.save_tabular(doubled, tmp_path / "lossy", single_precision=True)


needs_surrogate = pytest.mark.skipif(
    not (LCBENCH / "model.onnx").is_file(),
    reason=f"the shared yahpo_data lcbench folder is not at {LCBENCH} (set TUNELAB_SHARED_DATA)",
)


@needs_surrogate
def test_the_tables_are_the_surrogates_predictions() -> None:
    pytest.importorskip("onnxruntime")
    task = TASKS[0]
    shipped = load(f"{NAME}/{task}")
    assert isinstance(shipped, TabularBlackbox)
    again = tabulate(LCBENCH, task, n_configs=64)
    assert again.all_configurations() == shipped.all_configurations()[:64]
    np.testing.assert_array_equal(again.objectives, shipped.objectives[:64])
