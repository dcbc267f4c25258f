"""tunelab-blackbox: Benchmarks as blackboxes (tabulated, surrogate and analytic) and the
simulator backend that runs them on a virtual clock.

This distribution is part of the tunelab workspace. Its features land in their own
issues; until then it only reports its version.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tunelab-blackbox")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
