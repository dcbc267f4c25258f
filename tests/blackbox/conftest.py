"""Shared fixtures of the blackbox tests: a small synthetic table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox import TabularBlackbox
from tunelab.core.space import choice, loguniform, randint


def make_table(n_configs: int = 40, n_seeds: int = 3, n_epochs: int = 10) -> TabularBlackbox:
    """A tabular benchmark with real-looking curves: error falls, time accumulates."""
    rng = np.random.default_rng(0)
    space = {
        "lr": loguniform(1e-4, 1e-1),
        "layers": randint(1, 4),
        "act": choice(["relu", "tanh"]),
        "epochs": n_epochs,
    }
    table = pd.DataFrame(
        {
            "lr": np.round(10 ** rng.uniform(-4, -1, n_configs), 8),
            "layers": rng.integers(1, 5, n_configs),
            "act": rng.choice(["relu", "tanh"], n_configs),
        }
    )
    epochs = np.arange(1, n_epochs + 1)
    floor = rng.uniform(0.05, 0.5, (n_configs, n_seeds, 1))
    error = floor + 0.5 / np.sqrt(epochs)[None, None, :]
    step = rng.uniform(10.0, 100.0, (n_configs, 1, 1))
    elapsed = np.broadcast_to(step * epochs[None, None, :], error.shape)
    objectives = np.stack([error, elapsed], axis=-1)
    return TabularBlackbox(
        hyperparameters=table,
        objectives=objectives,
        objectives_names=["error", "elapsed_time"],
        configuration_space=space,
        fidelity_name="epoch",
        fidelity_values=epochs,
        time_objective="elapsed_time",
    )


@pytest.fixture(scope="session")
def table() -> TabularBlackbox:
    return make_table()
