"""Fixtures of the experiments tests: small final-fidelity tables in the published
long format, so that the `*-final*` benchmark presets run without the shared data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

NB201_OPS = ["avg_pool_3x3", "none", "nor_conv_1x1", "nor_conv_3x3", "skip_connect"]
LATENCY_LIMIT = 0.014
"""The latency bound of the `nasbench201-final-constrained` preset."""


def nasbench201_table(seed: int) -> pd.DataFrame:
    """40 cells x 3 seeds whose accuracy grows with latency: the 16 cells at or under
    `LATENCY_LIMIT` are feasible, the most accurate ones are not."""
    rng = np.random.default_rng(seed)
    rows = []
    for cell in range(40):
        ops = {f"Op{e}": NB201_OPS[(cell // 5**e) % 5] for e in range(6)}
        latency = 0.008 + 0.0004 * cell
        for run in range(3):
            accuracy = 60.0 + 0.7 * cell + rng.uniform(-0.2, 0.2)
            time = 1000.0 + 20.0 * cell + rng.uniform(0, 10)
            rows.append(
                {
                    **ops,
                    "seed": run,
                    "val_acc": accuracy,
                    "train_time": time,
                    "latency": latency,
                    "model_size": 0.1 + 0.02 * cell,
                }
            )
    frame: pd.DataFrame = pd.DataFrame(rows)
    return frame


def hpobench_table(seed: int) -> pd.DataFrame:
    """48 configurations x 2 seeds, training times from 0.03 s to an hour."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(48):
        config = {
            "alpha": [1e-8, 1e-4, 1.0][k % 3],
            "batch_size": [4, 32, 256][(k // 3) % 3],
            "depth": [1, 2, 3][(k // 9) % 3],
            "learning_rate_init": [1e-5, 1e-3][(k // 27) % 2],
            "width": [16, 1024][(k // 3) % 2],
        }
        time = 10 ** rng.uniform(-1.5, 3.5)
        for run in range(2):
            accuracy = 0.6 + 0.3 * rng.uniform()
            rows.append(
                {
                    **config,
                    "seed": run,
                    "val_acc": accuracy,
                    "train_time": time,
                    "val_precision": accuracy,
                    "val_f1": accuracy,
                }
            )
    frame: pd.DataFrame = pd.DataFrame(rows)
    return frame


def fcnet_table(seed: int) -> pd.DataFrame:
    """36 configurations of FCNet's grid x 2 seeds, a few of them diverged."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(36):
        config = {
            "activation_fn_1": ["tanh", "relu"][k % 2],
            "activation_fn_2": "relu",
            "batch_size": [8, 16, 32, 64][(k // 2) % 4],
            "dropout_1": 0.0,
            "dropout_2": 0.3,
            "init_lr": [0.0005, 0.01, 0.1][(k // 8) % 3],
            "lr_schedule": "cosine",
            "n_units_1": [16, 32, 64, 128, 256, 512][k % 6],
            "n_units_2": 64,
        }
        for run in range(2):
            loss = 1000.0 if k % 17 == 16 else rng.uniform(0.2, 0.8)
            size = 500.0 + 60.0 * config["n_units_1"]  # type: ignore[operator]
            rows.append(
                {
                    **config,
                    "seed": run,
                    "val_loss": loss,
                    "train_time": rng.uniform(50, 500),
                    "model_size": size,
                }
            )
    frame: pd.DataFrame = pd.DataFrame(rows).drop_duplicates(
        ["activation_fn_1", "batch_size", "init_lr", "n_units_1", "seed"]
    )
    return frame


def write_final_tables(folder: Path) -> Path:
    """Every file the `fcnet-final`, `nasbench201-final` and `hpobench-final` recipes
    read, small, into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, task in enumerate(("cifar10", "cifar100")):
        nasbench201_table(k).to_parquet(folder / f"nasbench201_{task}.parquet")
    for k, task in enumerate(("australian", "credit_g", "kc1", "segment")):
        hpobench_table(k).to_parquet(folder / f"hpobench_{task}.parquet")
    for k, task in enumerate(("protein_structure", "naval_propulsion")):
        fcnet_table(k).to_parquet(folder / f"hpolib_{task}.parquet")
    return folder


@pytest.fixture
def final_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small tables as $TUNELAB_TABLES_DIR, converted into a fresh $TUNELAB_HOME."""
    folder = write_final_tables(tmp_path / "tables")
    monkeypatch.setenv("TUNELAB_TABLES_DIR", str(folder))
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    return folder
