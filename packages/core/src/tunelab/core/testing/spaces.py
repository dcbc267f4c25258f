"""Configuration spaces used by the contract suites: every domain kind, and a finite one."""

from __future__ import annotations

from typing import Any

from tunelab.core.space import (
    choice,
    finrange,
    logfinrange,
    logordinal,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)


def contract_config_space() -> dict[str, Any]:
    """A space with every kind of domain and a constant."""
    return {
        "lr": loguniform(1e-5, 1e-1),
        "momentum": uniform(0.0, 0.99),
        "layers": randint(1, 6),
        "units": lograndint(8, 1024),
        "activation": choice(["relu", "tanh", "gelu"]),
        "batch_size": ordinal([16, 32, 64, 128]),
        "dropout": finrange(0.0, 0.5, 6),
        "width": logfinrange(8, 256, 6, cast_int=True),
        "schedule": logordinal([0.001, 0.01, 0.1]),
        "epochs": 9,
    }


def finite_config_space() -> dict[str, Any]:
    """A space of 12 configurations, for exhaustion and duplicate checks."""
    return {
        "optimizer": choice(["sgd", "adam", "adamw"]),
        "layers": randint(1, 2),
        "dropout": finrange(0.0, 0.5, 2),
        "epochs": 3,
    }
