"""tunelab-experiments: The Hydra application that sweeps methods × benchmarks × seeds,
locally or as SageMaker jobs, and the plugin mechanism for new schedulers.

This distribution is part of the tunelab workspace. Its features land in their own
issues; until then it only reports its version.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tunelab-experiments")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
