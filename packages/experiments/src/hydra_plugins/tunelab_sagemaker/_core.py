"""The launch: each job's resolved config, then `tunelab.experiments.sagemaker`.

Each job of the sweep is composed here, as Hydra would compose it to run it, and
resolved in full, so a training job runs exactly what was asked on this machine
(the results root aside). The jobs' outcomes go where `SweepSummary` reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict, read_write

from tunelab.core.results.io import write_json_atomic
from tunelab.experiments.methods import fold_searcher
from tunelab.experiments.progress import OUTCOMES_DIR
from tunelab.experiments.sagemaker.grouping import PlannedExperiment
from tunelab.experiments.sagemaker.settings import LaunchSettings
from tunelab.experiments.sagemaker.submission import PLANNED, launch_sweep

if TYPE_CHECKING:
    from hydra_plugins.tunelab_sagemaker.launcher import SageMakerLauncher

DRY_RUN_KEY = "dry_run"


def launch(
    *, launcher: SageMakerLauncher, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
) -> list[JobReturn]:
    """Launch (or, with `+dry_run=true`, plan) the jobs; one `JobReturn` per experiment.

    A job's return value is the experiment's status: `submitted` (or `dry_run`), or,
    with `wait=true`, `complete`, `skipped` or `failed` as the training job recorded it.
    """
    config, context = launcher.config, launcher.hydra_context
    assert config is not None and context is not None, "setup() runs before launch()"
    settings = LaunchSettings.from_mapping(
        {key: _plain(value) for key, value in launcher.settings.items()}
    )
    # fail before composing every job when the sweep cannot launch (a dry run can)
    if not OmegaConf.select(config, DRY_RUN_KEY, default=False):
        settings.require_launchable()
    experiments, dry_run = [], False
    hydra_config = HydraConfig.instance()
    previous = hydra_config.cfg
    try:
        for offset, overrides in enumerate(job_overrides):
            number = initial_job_idx + offset
            job_config = context.config_loader.load_sweep_config(config, list(overrides))
            resolved = _task_config(job_config, number=number)
            dry_run = bool(resolved.pop(DRY_RUN_KEY, False)) or dry_run
            kept = tuple(o for o in overrides if o.partition("=")[0].lstrip("+~") != DRY_RUN_KEY)
            experiments.append(PlannedExperiment(number=number, overrides=kept, config=resolved))
    finally:
        hydra_config.cfg = previous
    hydra_overrides = [
        str(o) for o in config.hydra.overrides.hydra if not str(o).startswith("hydra.mode=")
    ]
    launch = launch_sweep(
        settings,
        experiments,
        hydra_overrides=hydra_overrides,
        dry_run=dry_run,
        out=lambda line: print(line, flush=True),
    )
    # SweepSummary reads these records (a dry run's too: its jobs were not lost)
    folder = Path(str(config.hydra.sweep.dir)) / OUTCOMES_DIR
    for number, record in launch.outcomes.items():
        write_json_atomic(folder / f"{number}.json", record)
    returns = []
    for experiment in experiments:
        job = JobReturn(overrides=list(experiment.overrides), status=JobStatus.COMPLETED)
        job.return_value = launch.outcomes.get(experiment.number, {}).get("status", PLANNED)
        returns.append(job)
    return returns


def _task_config(job_config: DictConfig, *, number: int) -> dict[str, Any]:
    """The job's config as its task function would see it (no `hydra` node), resolved."""
    with read_write(job_config), open_dict(job_config):
        job_config.hydra.job.num = number
    HydraConfig.instance().set_config(job_config)  # for ${hydra:...} interpolations
    task = OmegaConf.masked_copy(job_config, [str(k) for k in job_config if k != "hydra"])
    # `searcher=<name>` goes into the method here, so that the group's folder is the
    # experiment's (`<method>+<searcher>`)
    resolved = OmegaConf.to_container(fold_searcher(task), resolve=True)
    assert isinstance(resolved, dict)
    return {str(k): v for k, v in resolved.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value
