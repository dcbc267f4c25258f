"""`tunelab-run`: the Hydra application (also `python -m tunelab.experiments`).

```bash
tunelab-run method=random_search benchmark=sklearn-digits-mlp seed=0
tunelab-run -m method=random_search,grid_search benchmark=branin seed='range(5)'
tunelab-run -m study=demo
```

Configs are found in `./conf` (when it exists, it comes first) and in the presets
shipped with the package (`tunelab.experiments.conf`).

Exit codes of a single run: 0 complete or skipped, 1 failed or busy (another process
runs the experiment), 2 refused settings (nothing was written). A sweep (`-m`) exits
with 1 when an experiment did not complete, 2 when the sweep was refused.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from tunelab.core.results.io import write_json_atomic
from tunelab.experiments.experiment import ExperimentConfigError, run_experiment
from tunelab.experiments.sweep import OUTCOMES_DIR

logger = logging.getLogger(__name__)


@hydra.main(version_base=None, config_path="conf", config_name="config")
def _app(cfg: DictConfig) -> str:
    hydra_cfg = HydraConfig.get()
    overrides = list(hydra_cfg.overrides.task)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        record = run_experiment(cfg, overrides=overrides).to_json()
    except ExperimentConfigError as error:
        if not multirun:
            print(f"refused, nothing was run: {error}", file=sys.stderr)
            sys.exit(2)
        logger.error("refused, nothing was run: %s", error)
        record = _refused(cfg, overrides, error)
    if multirun:
        folder = hydra_cfg.sweep.dir
        write_json_atomic(Path(folder) / OUTCOMES_DIR / f"{hydra_cfg.job.num}.json", record)
    else:
        print(f"{record['status']}: {record['path']}")
        if record["status"] in ("failed", "busy"):
            print(f"error: {record['error']}", file=sys.stderr)
            sys.exit(1)
    return str(record["status"])


def _refused(cfg: DictConfig, overrides: list[str], error: Exception) -> dict[str, Any]:
    """The outcome of a job whose settings were refused (reached only when the sweeper
    is not tunelab's, which refuses them before the first job)."""
    return {
        "status": "failed",
        "path": "(not run)",
        "method": str(cfg.method.get("name")),
        "benchmark": str(cfg.benchmark.get("name")),
        "seed": cfg.get("seed"),
        "error": f"{type(error).__name__}: {error}",
        "overrides": overrides,
    }


def main() -> None:
    """Console entry point of `tunelab-run`."""
    _app()
