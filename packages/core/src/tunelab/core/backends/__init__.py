"""Backends: run trials (local processes, Python functions, SageMaker jobs) for the tuner.

`SageMakerBackend` and `SageMakerSettings` are imported on first use, so that
`tunelab.core.backends` stays light; they need the extra `tunelab-core[aws]` only
when a backend is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunelab.core._exports import lazy_exports
from tunelab.core.backends.base import Backend
from tunelab.core.backends.local import LocalBackend
from tunelab.core.backends.python import PythonBackend

if TYPE_CHECKING:
    from tunelab.core.backends.sagemaker import SageMakerBackend, SageMakerSettings

__all__ = ["Backend", "LocalBackend", "PythonBackend", "SageMakerBackend", "SageMakerSettings"]

__getattr__, __dir__ = lazy_exports(
    globals(), {"sagemaker": ["SageMakerBackend", "SageMakerSettings"]}
)
