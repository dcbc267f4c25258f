"""Backends: run trials (local processes, Python functions, SageMaker jobs) for the tuner.

`SageMakerBackend` and `SageMakerSettings` are imported on first use, so that
`tunelab.core.backends` stays light; they need the extra `tunelab-core[aws]` only
when a backend is created.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tunelab.core.backends.base import Backend
from tunelab.core.backends.local import LocalBackend
from tunelab.core.backends.python import PythonBackend

if TYPE_CHECKING:
    from tunelab.core.backends.sagemaker import SageMakerBackend, SageMakerSettings

_LAZY = {
    "SageMakerBackend": "tunelab.core.backends.sagemaker",
    "SageMakerSettings": "tunelab.core.backends.sagemaker",
}

__all__ = ["Backend", "LocalBackend", "PythonBackend", "SageMakerBackend", "SageMakerSettings"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tunelab.core.backends' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
