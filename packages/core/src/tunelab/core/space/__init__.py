"""Configuration spaces: hyperparameter domains, their encodings and serialisation.

A configuration space is a plain dict mapping names to `Domain` objects (built with
the factories below) or to constants passed through unchanged:

    >>> from tunelab.core.space import choice, loguniform, randint, sample_config
    >>> space = {"lr": loguniform(1e-4, 1e-1), "layers": randint(1, 4),
    ...          "act": choice(["relu", "tanh"]), "epochs": 10}
"""

from __future__ import annotations

from tunelab.core.space.candidates import CandidatePool, CandidateSet
from tunelab.core.space.categorical import Categorical, Ordinal, OrdinalKind
from tunelab.core.space.config import (
    config_key,
    config_keys,
    config_space_size,
    grid_configs,
    hyperparameter_names,
    impute_config,
    midpoint_config,
    sample_config,
    validate_config,
    validate_configs,
)
from tunelab.core.space.domain import Domain, Value
from tunelab.core.space.encoding import SpaceEncoder
from tunelab.core.space.factories import (
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
from tunelab.core.space.finrange import FiniteRange
from tunelab.core.space.numeric import Float, Integer
from tunelab.core.space.serialization import (
    config_space_from_json,
    config_space_to_json,
    domain_from_json,
)

__all__ = [
    "CandidatePool",
    "CandidateSet",
    "Categorical",
    "Domain",
    "FiniteRange",
    "Float",
    "Integer",
    "Ordinal",
    "OrdinalKind",
    "SpaceEncoder",
    "Value",
    "choice",
    "config_key",
    "config_keys",
    "config_space_from_json",
    "config_space_size",
    "config_space_to_json",
    "domain_from_json",
    "finrange",
    "grid_configs",
    "hyperparameter_names",
    "impute_config",
    "logfinrange",
    "logordinal",
    "lograndint",
    "loguniform",
    "midpoint_config",
    "ordinal",
    "randint",
    "sample_config",
    "uniform",
    "validate_config",
    "validate_configs",
]
