"""The launcher class Hydra instantiates; the work is in `_core` (imported on launch)."""

# No `from __future__ import annotations`: Hydra loads plugin modules in a way that
# breaks string annotations.

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class SageMakerLauncher(Launcher):
    """Runs a sweep's experiments as SageMaker training jobs, several seeds per job.

    Hydra passes the `hydra.launcher` node's fields (`SageMakerLauncherConf`) as
    keyword arguments; they are checked when the sweep launches.
    """

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from hydra_plugins.tunelab_sagemaker import _core

        return _core.launch(
            launcher=self, job_overrides=job_overrides, initial_job_idx=initial_job_idx
        )


__all__ = ["SageMakerLauncher"]
