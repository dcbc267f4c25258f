"""The Hydra schema of `hydra/launcher=sagemaker` (see `LaunchSettings` for each field).

Kept in step with `tunelab.experiments.sagemaker.settings.LaunchSettings`, which the
launcher builds from it and which checks the values; a test compares the two.
"""

# No `from __future__ import annotations`: Hydra loads plugin modules in a way that
# breaks string annotations in dataclasses.

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore


@dataclass
class RetryConf:
    max_attempts: int = 8
    base_delay_s: float = 2.0
    max_delay_s: float = 120.0


@dataclass
class SageMakerLauncherConf:
    _target_: str = "hydra_plugins.tunelab_sagemaker.launcher.SageMakerLauncher"
    role: str | None = None
    image_uri: str | None = None
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_gb: int = 30
    max_runtime_s: int = 86400
    use_spot: bool = False
    max_wait_s: int | None = None
    keep_alive_period_s: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    s3_prefix: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    group_size: int | None = None
    single_seed_methods: list[str] = field(default_factory=list)
    max_concurrent_jobs: int | None = None
    retry: RetryConf = field(default_factory=RetryConf)
    wait: bool = False
    poll_interval_s: float = 30.0
    source_dir: str | None = None
    job_name_prefix: str = "tunelab"
    python: str = "python3"
    setup_command: str | None = None
    upload_interval_s: float = 60.0


ConfigStore.instance().store(
    group="hydra/launcher", name="sagemaker", node=SageMakerLauncherConf, provider="tunelab"
)
