"""tunelab-experiments: The Hydra application that sweeps methods × benchmarks × seeds,
locally or as SageMaker jobs, and the plugin mechanism for new schedulers.

The command `tunelab-run` is `tunelab.experiments.app`; its configuration groups
ship in `tunelab.experiments.conf`. Importing this package imports nothing else.
"""

from __future__ import annotations

from tunelab.core._exports import distribution_version

__version__ = distribution_version("tunelab-experiments")

__all__ = ["__version__"]
