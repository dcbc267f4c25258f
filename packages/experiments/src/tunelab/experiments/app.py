"""`tunelab-run`: the Hydra application (also `python -m tunelab.experiments`).

```bash
tunelab-run method=random_search benchmark=sklearn-digits-mlp seed=0
tunelab-run -m method=random_search,grid_search benchmark=branin seed='range(5)'
tunelab-run -m +study=demo
```

Configs are found in `./conf` (when it exists, it comes first) and in the presets
shipped with the package (`tunelab.experiments.conf`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from tunelab.core.results.io import write_json_atomic
from tunelab.experiments.experiment import run_experiment
from tunelab.experiments.sweep import OUTCOMES_DIR

logger = logging.getLogger(__name__)


@hydra.main(version_base=None, config_path="conf", config_name="config")
def _app(cfg: DictConfig) -> str:
    hydra_cfg = HydraConfig.get()
    overrides = list(hydra_cfg.overrides.task)
    outcome = run_experiment(cfg, overrides=overrides)
    if hydra_cfg.mode == RunMode.MULTIRUN:
        folder = hydra_cfg.sweep.dir
        record = Path(folder) / OUTCOMES_DIR / f"{hydra_cfg.job.num}.json"
        write_json_atomic(record, outcome.to_json())
    else:
        print(f"{outcome.status}: {outcome.path}")
        if outcome.status == "failed":
            print(f"error: {outcome.error}", file=sys.stderr)
            sys.exit(1)
    return outcome.status


def main() -> None:
    """Console entry point of `tunelab-run`."""
    _app()
