"""tunelab-gp: Gaussian-process Bayesian optimization (GP searchers, kernels, acquisition
functions, multi-fidelity models) built on tunelab-core's Searcher API.

This distribution is part of the tunelab workspace. Its features land in their own
issues; until then it only reports its version.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tunelab-gp")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
