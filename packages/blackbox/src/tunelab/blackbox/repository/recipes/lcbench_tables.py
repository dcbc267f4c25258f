"""`yahpo-lcbench-tables`: learning curves tabulated from YAHPO Gym's lcbench surrogate.

Shipped inside the package, so they load with no download and no onnxruntime:

```python
from tunelab.blackbox import load

blackbox = load("yahpo-lcbench-tables/189906")  # 2,048 configurations x 52 epochs
```

Each task is one OpenML task of lcbench (an MLP trained with SGD on an OpenML
dataset). Its configurations are a scrambled Sobol sample of lcbench's 7-dimensional
space, the same sample for every task, and every configuration's objectives at
every epoch 1..52 are the predictions of the YAHPO Gym surrogate (Pfisterer et al.,
2022) trained on LCBench (Zimmer et al., 2021); `time` is the predicted cumulative
training time in seconds, made non-decreasing (its running maximum over the epochs,
as `YahpoBlackbox` does). The values are the surrogate's, so they agree with
`load("yahpo-lcbench/<task>", source=<yahpo_data>)` at these configurations.

Why a Sobol sample: its points cover the space more evenly than independent draws
(every one-dimensional projection of a power-of-two sample is stratified), so a
table of a thousand points has no holes and no clumps in any hyperparameter, and the
table's best configurations are close to the surrogate's. It is drawn in the unit
cube and decoded with the space's own encoding, so log-scaled hyperparameters are
uniform on their log scale, as random search would draw them.

The data are derived from the yahpo_data repository (Apache-2.0); the folder holds
its licence and a NOTICE with the attribution. Regenerate it from a source checkout
and a yahpo_data folder (v1.0.2 line) with

    python -m tunelab.blackbox.repository.recipes.lcbench_tables --source <yahpo_data>
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipe import StoredRecipe
from tunelab.blackbox.repository.recipes.sklearn_curves import SHIPPED_ROOT
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import SpaceEncoder
from tunelab.core.trial import Config

NAME = "yahpo-lcbench-tables"
TASKS = ("167161", "167184", "189906")
"""The shipped OpenML tasks: on these, as in the literature, successive halving beats
random search early and Bayesian optimisation beats it at the end (on others, e.g.
167168, the first epochs rank the best configurations last and early stopping
misleads); each keeps the table's training times realistic (a median of 70-100 s for
52 epochs)."""
N_CONFIGS = 2048
SAMPLING_SEED = 0
REGENERATE_COMMAND = (
    "python -m tunelab.blackbox.repository.recipes.lcbench_tables --source <yahpo_data>"
)
LICENSE_FILE = "LICENSE-2.0.txt"
NOTICE_FILE = "NOTICE"
NOTICE = """\
The tables in this folder were derived from the YAHPO Gym lcbench surrogate:

  F. Pfisterer, L. Schneider, J. Moosbauer, M. Binder and B. Bischl (2022).
  YAHPO Gym - An Efficient Multi-Objective Multi-Fidelity Benchmark for
  Hyperparameter Optimization. International Conference on Automated Machine
  Learning (AutoML-Conf). https://github.com/slds-lmu/yahpo_gym

whose model (lcbench/model.onnx of the yahpo_data repository,
https://github.com/slds-lmu/yahpo_data, v1.0.2 line; SHA-256 {model_sha256})
was trained on LCBench:

  L. Zimmer, M. Lindauer and F. Hutter (2021). Auto-PyTorch Tabular: Multi-Fidelity
  MetaLearning for Efficient and Robust AutoDL. IEEE Transactions on Pattern
  Analysis and Machine Intelligence 43(9), 3079-3090.
  https://github.com/automl/LCBench

yahpo_data and LCBench are distributed under the Apache License, Version 2.0
({license}). The values are the surrogate's predictions, not LCBench's
measurements: for each OpenML task ({tasks}), {n_configs} configurations (a
scrambled Sobol sample of lcbench's space, seed {seed}) were evaluated at every
epoch 1..52 with onnxruntime; the cumulative time is the running maximum of the
predicted time over the epochs. Nothing else was changed.

Regenerate with: {command}
"""


class YahpoLcbenchTablesRecipe(StoredRecipe):
    """Tables sampled from YAHPO Gym's lcbench surrogate, one task per OpenML task.

    Loading reads the shipped folder only (verified against its manifest); building
    it needs the yahpo_data folder and onnxruntime.

    Args:
        root: The folder holding the tables (default: the package's
            `tunelab/blackbox/data/yahpo-lcbench-tables/`).
    """

    name = NAME
    description = (
        "MLP learning curves on lcbench OpenML tasks, 52 epochs, tabulated from the "
        "YAHPO Gym surrogate (shipped)"
    )

    def __init__(self, *, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else SHIPPED_ROOT / NAME

    def folder(self, **options: Any) -> Path:
        return self.root

    def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Blackbox:
        """The table of OpenML task `task` (one of `tasks()`)."""
        if rebuild or options:
            raise TypeError(
                f"blackbox {self.name!r} is shipped read-only and takes no options; "
                f"regenerate it with `{REGENERATE_COMMAND}`"
            )
        problem = storage.verify(self.root)
        if problem is not None:
            raise RuntimeError(
                f"the blackbox {self.name!r} in {self.root} is damaged ({problem}); "
                f"reinstall tunelab-blackbox or regenerate it with `{REGENERATE_COMMAND}`"
            )
        return storage.load_tabular(self.root / self.pick_task(task, self.tasks()))

    def build(
        self,
        folder: Path,
        *,
        source: str | Path | None = None,
        tasks: Sequence[str] = TASKS,
        n_configs: int = N_CONFIGS,
        seed: int = SAMPLING_SEED,
        **options: Any,
    ) -> dict[str, Any]:
        """Evaluate the surrogate for every task and write the tables, licence and NOTICE."""
        from tunelab.blackbox.repository.recipes.yahpo import YahpoRecipe

        if options:
            raise TypeError(f"blackbox {self.name!r}: unknown build options {sorted(options)}")
        start = time.perf_counter()
        scenario_folder = YahpoRecipe("lcbench").data_folder(source)
        license_text = _license(scenario_folder)
        model_sha256 = storage.file_sha256(scenario_folder / "model.onnx")
        for task in tasks:
            table = tabulate(scenario_folder, task, n_configs=n_configs, seed=seed)
            storage.save_tabular(
                table, folder / task, extra_metadata=_task_info(task, seed), single_precision=True
            )
        (folder / LICENSE_FILE).write_text(license_text)
        notice = NOTICE.format(
            model_sha256=model_sha256,
            license=LICENSE_FILE,
            tasks=", ".join(tasks),
            n_configs=n_configs,
            seed=seed,
            command=REGENERATE_COMMAND,
        )
        (folder / NOTICE_FILE).write_text(notice)
        return {
            "source": {"scenario": "lcbench", "model.onnx": model_sha256},
            "generator": {"tasks": list(tasks), "n_configs": n_configs, "sampling_seed": seed},
            "environment": _environment(),
            "generation_seconds": round(time.perf_counter() - start, 1),
        }


def sample_configurations(space: dict[str, Any], n: int, *, seed: int) -> list[Config]:
    """`n` configurations of `space`: a scrambled Sobol sample decoded from the unit cube.

    Args:
        space: A configuration space (domains and constants).
        n: How many configurations; a power of two keeps Sobol's balance.
        seed: Seed of the scrambling.
    """
    from scipy.stats import qmc

    encoder = SpaceEncoder(space)
    sobol = qmc.Sobol(d=encoder.dim, scramble=True, seed=np.random.default_rng(seed))
    return encoder.decode_many(sobol.random(n))


def tabulate(
    scenario_folder: Path, task: str, *, n_configs: int = N_CONFIGS, seed: int = SAMPLING_SEED
) -> TabularBlackbox:
    """The table of one lcbench task: the surrogate at every epoch of the Sobol sample.

    Args:
        scenario_folder: yahpo_data's `lcbench/` folder.
        task: The OpenML task id.
        n_configs: Configurations of the sample.
        seed: Seed of the sample.
    """
    from tunelab.blackbox.repository.recipes.yahpo import YahpoBlackbox

    surrogate = YahpoBlackbox(scenario_folder, instance=task)
    space = surrogate.configuration_space
    configs = sample_configurations(space, n_configs, seed=seed)
    curves = surrogate.evaluate_curves(configs)
    names = surrogate.objectives_names
    objectives = np.stack([curves[name] for name in names], axis=-1)[:, None]
    return TabularBlackbox(
        hyperparameters=pd.DataFrame(configs, columns=list(space)),
        objectives=objectives,
        objectives_names=names,
        configuration_space=space,
        fidelity_name=surrogate.fidelity_name,
        fidelity_values=surrogate.fidelity_values,
        time_objective=surrogate.time_objective,
    )


def _license(scenario_folder: Path) -> str:
    for path in (scenario_folder / LICENSE_FILE, scenario_folder.parent / "LICENSE"):
        if path.is_file():
            return path.read_text()
    raise FileNotFoundError(
        f"no licence next to the lcbench surrogate: expected {scenario_folder / LICENSE_FILE}"
    )


def _task_info(task: str, seed: int) -> dict[str, Any]:
    return {
        "derived_from": {
            "benchmark": "YAHPO Gym lcbench surrogate (yahpo_data v1.0.2 line)",
            "openml_task_id": task,
            "sampling": "scrambled Sobol in the unit cube, decoded with SpaceEncoder",
            "sampling_seed": seed,
            "time": "running maximum of the predicted time over the epochs",
        },
        "license": "Apache-2.0 (see LICENSE-2.0.txt and NOTICE in the blackbox folder)",
    }


def _environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("numpy", "scipy", "onnxruntime"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {"python": platform.python_version(), **versions}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tunelab.blackbox.repository.recipes.lcbench_tables",
        description="Regenerate the shipped yahpo-lcbench-tables from a yahpo_data folder.",
    )
    parser.add_argument("--source", required=True, help="the yahpo_data folder (v1.0.2 line)")
    parser.add_argument("--out", help="write here instead of into the package")
    parser.add_argument("--tasks", help=f"comma-separated OpenML tasks (default {','.join(TASKS)})")
    parser.add_argument("--n-configs", type=int, default=N_CONFIGS)
    parser.add_argument("--seed", type=int, default=SAMPLING_SEED)
    args = parser.parse_args(argv)
    recipe = YahpoLcbenchTablesRecipe(root=args.out)
    tasks = args.tasks.split(",") if args.tasks else TASKS
    folder = recipe.ensure_built(
        rebuild=True, source=args.source, tasks=tasks, n_configs=args.n_configs, seed=args.seed
    )
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    print(f"{NAME}: {folder}, {megabytes:.2f} MB")


if __name__ == "__main__":
    main()
