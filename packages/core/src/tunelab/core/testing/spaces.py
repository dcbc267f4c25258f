"""Configuration spaces used by the contract suites: every domain kind, and a finite one."""

from __future__ import annotations

from typing import Any

from tunelab.core import space


def contract_config_space() -> dict[str, Any]:
    """A space with every kind of domain and a constant."""
    return {
        "lr": space.loguniform(1e-5, 1e-1),
        "momentum": space.uniform(0.0, 0.99),
        "layers": space.randint(1, 6),
        "units": space.lograndint(8, 1024),
        "activation": space.choice(["relu", "tanh", "gelu"]),
        "batch_size": space.ordinal([16, 32, 64, 128]),
        "dropout": space.finrange(0.0, 0.5, 6),
        "width": space.logfinrange(8, 256, 6, cast_int=True),
        "schedule": space.logordinal([0.001, 0.01, 0.1]),
        "epochs": 9,
    }


def finite_config_space() -> dict[str, Any]:
    """A space of 12 configurations, for exhaustion and duplicate checks."""
    return {
        "optimizer": space.choice(["sgd", "adam", "adamw"]),
        "layers": space.randint(1, 2),
        "dropout": space.finrange(0.0, 0.5, 2),
        "epochs": 3,
    }
