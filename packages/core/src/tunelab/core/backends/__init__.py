"""Backends: run trials (local processes, Python functions) for the tuner."""

from tunelab.core.backends.base import Backend
from tunelab.core.backends.local import LocalBackend
from tunelab.core.backends.python import PythonBackend

__all__ = ["Backend", "LocalBackend", "PythonBackend"]
