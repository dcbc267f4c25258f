"""Seconds from job start to the first trial, for every shipped benchmark.

Usage: python benchmarks/experiment_start.py [--method random_search] [--repeats 3]
           [--benchmark NAME ...] [--tables-dir DIR] [--yahpo-data DIR] [--stand-ins]

Each measurement is one fresh `tunelab-run method=<method> benchmark=<name>` process.
It records when Hydra's job started (the entry of `run_experiment`) and when the
simulator had started the first trial (the end of the backend's first `start_trial`,
which follows the scheduler's first suggestion), then exits. Printed per benchmark:
the median over `--repeats` of

  cold   an empty repository (`$TUNELAB_HOME`): tables are converted or built first
  warm   the same repository again: tables and caches filled

as seconds from job start to the first trial (the target: at most 1 s), and, for the
warm run, the seconds from the process launch (imports and Hydra's composition
included) and the CPU seconds from job start, a steadier figure on a busy machine.
Children write byte code to a private cache (warmed
before measuring), as an installed package would, even when the environment asks for
none (`PYTHONDONTWRITEBYTECODE`).

Benchmarks whose data is not here are listed as skipped, with what they need: the
final-fidelity tables (`--tables-dir`, default `$TUNELAB_TABLES_DIR` or the shared
data folder next to the repository), the yahpo_data folder (`--yahpo-data`, default
`$TUNELAB_YAHPO_DATA` or the shared folder) and the raw published files of the
converters (`$TUNELAB_FCNET_SOURCE`, `$TUNELAB_LCBENCH_SOURCE`,
`$TUNELAB_NASBENCH201_SOURCE`), which are taken from the environment only.

`--stand-ins` measures the two largest of those instead on synthetic tables of their
real size (random values, built once): NAS-Bench-201's learning
curves (15,625 cells x 3 seeds x 200 epochs x 7 objectives) and FCNet's (62,208
configurations x 4 seeds x 100 epochs x 5 objectives). For them, cold means the
converted folder with the repository's caches emptied, as after a conversion.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunelab.blackbox.repository import StoredRecipe

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
TARGET_SECONDS = 1.0
_ENV_REFERENCE = re.compile(r"\$\{oc\.env:(\w+)")


# -- the child: one experiment, stopped at its first trial ----------------------------


def child(benchmark: str, method: str, results: str) -> None:
    """Run one experiment and print, as JSON, when its job and first trial started."""
    from tunelab.blackbox.repository import register_recipe
    from tunelab.blackbox.simulator import SimulatorBackend
    from tunelab.experiments import app

    stand_in = []
    if benchmark.endswith(STAND_IN_SUFFIX):
        benchmark = benchmark.removesuffix(STAND_IN_SUFFIX)
        recipe = register_recipe(stand_in_recipe(benchmark))
        stand_in = [f"benchmark.blackbox={recipe.name}/task", "benchmark.load_options={}"]

    job: dict[str, float] = {}
    run_experiment = getattr(app, "run_experiment")  # noqa: B009 (replaced below)
    start_trial = SimulatorBackend.start_trial

    def timed_run(*args: Any, **kwargs: Any) -> Any:
        job["job_start"], job["job_cpu"] = time.time(), time.process_time()
        return run_experiment(*args, **kwargs)

    def first_start(self: SimulatorBackend, trial: Any) -> None:
        start_trial(self, trial)
        report = {**job, "first_trial": time.time(), "cpu": time.process_time()}
        print(json.dumps({"measured": True, **report}), flush=True)
        os._exit(0)  # the measurement ends here; the folder is temporary

    setattr(app, "run_experiment", timed_run)  # noqa: B010
    setattr(SimulatorBackend, "start_trial", first_start)  # noqa: B010
    sys.argv = [
        "tunelab-run",
        f"method={method}",
        f"benchmark={benchmark}",
        f"results_root={results}",
        f"hydra.run.dir={results}/.hydra",
        *stand_in,
    ]
    app.main()
    raise SystemExit("the experiment ended without starting a trial")


# -- stand-ins for benchmarks whose data is not here ------------------------------------

STAND_IN_SUFFIX = " (stand-in)"
STAND_IN_SHAPES = {"nasbench201": (3, 200), "fcnet": (4, 100)}
"""Seeds and epochs of the stand-ins; their configurations are the spaces' grids."""


def stand_in_recipe(preset: str) -> StoredRecipe:
    """A recipe building random learning curves of `preset`'s size, as task `task`."""
    import itertools

    import numpy as np
    import pandas as pd

    from tunelab.blackbox.repository import StoredRecipe, storage
    from tunelab.blackbox.repository.recipes.converters import fcnet, nasbench201
    from tunelab.blackbox.tabular import TabularBlackbox

    module = {"nasbench201": nasbench201, "fcnet": fcnet}[preset]
    space, objectives = dict(module.CONFIGURATION_SPACE), list(module.OBJECTIVES)

    class StandIn(StoredRecipe):
        name = f"stand-in-{preset}"

        def build(self, folder: Path, **options: Any) -> dict[str, Any]:
            names = list(space)
            grid = list(itertools.product(*(space[name].values() for name in names)))
            n_seeds, n_epochs = STAND_IN_SHAPES[preset]
            shape = (len(grid), n_seeds, n_epochs, len(objectives))
            values = np.random.default_rng(0).uniform(0.0, 1.0, shape)
            elapsed = objectives.index("elapsed_time")
            values[..., elapsed] = np.cumsum(values[..., elapsed] * 60.0, axis=2)
            table = TabularBlackbox(
                hyperparameters=pd.DataFrame(grid, columns=names),
                objectives=values,
                objectives_names=objectives,
                configuration_space=space,
                fidelity_name="epoch",
                time_objective="elapsed_time",
            )
            storage.save_tabular(table, folder / "task")
            return {"stand_in": preset}

    return StandIn()


def prepare_stand_in(preset: str, home: Path, *, cold: bool) -> None:
    """Build the stand-in into `home` (once); `cold` empties the repository's caches
    (the array cache and the record of verified files)."""
    import shutil

    from tunelab.blackbox.repository import storage

    os.environ[storage.HOME_ENV] = str(home)
    recipe = stand_in_recipe(preset)
    recipe.ensure_built()
    if cold:
        shutil.rmtree(storage.blackboxes_root() / ".cache", ignore_errors=True)
        (recipe.folder() / ".verified.json").unlink(missing_ok=True)


# -- the parent -------------------------------------------------------------------------


def shipped_benchmarks() -> dict[str, str | None]:
    """Every benchmark preset of the package, with the environment variable naming its
    data folder (None: the data ships with tunelab or is computed)."""
    folder = files("tunelab.experiments.conf") / "benchmark"
    found: dict[str, str | None] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            match = _ENV_REFERENCE.search(entry.read_text())
            found[entry.name.removesuffix(".yaml")] = match.group(1) if match else None
    return found


def run_child(benchmark: str, method: str, env: dict[str, str], scratch: Path) -> dict[str, Any]:
    """One measured process: seconds from launch and from job start to the first trial."""
    results = tempfile.mkdtemp(dir=scratch)
    command = [sys.executable, __file__, "--child", benchmark, method, results]
    launched = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"measured"')]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    report = json.loads(lines[-1])
    return {
        "job": report["first_trial"] - report["job_start"],
        "launch": report["first_trial"] - launched,
        "cpu": report["cpu"] - report["job_cpu"],
    }


def measure(benchmark: str, method: str, env: dict[str, str], repeats: int) -> dict[str, Any]:
    """Median figures of `repeats` cold and warm runs (each cold one in a new home)."""
    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="experiment-start-") as tmp:
        scratch = Path(tmp)
        for repeat in range(repeats):
            stand_in = benchmark.endswith(STAND_IN_SUFFIX)
            home = scratch / ("home" if stand_in else f"home{repeat}")  # a stand-in: built once
            env = {**env, "TUNELAB_HOME": str(home)}
            if stand_in:
                prepare_stand_in(benchmark.removesuffix(STAND_IN_SUFFIX), home, cold=True)
            cold.append(run_child(benchmark, method, env, scratch))
            warm.append(run_child(benchmark, method, env, scratch))
    errors = [r["error"] for r in cold + warm if "error" in r]
    if errors:
        return {"error": errors[0]}
    return {
        "cold": statistics.median(r["job"] for r in cold),
        "warm": statistics.median(r["job"] for r in warm),
        "warm_launch": statistics.median(r["launch"] for r in warm),
        "warm_cpu": statistics.median(r["cpu"] for r in warm),
    }


def child_environment(args: argparse.Namespace, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    for name, value in (
        ("TUNELAB_TABLES_DIR", args.tables_dir),
        ("TUNELAB_YAHPO_DATA", args.yahpo_data),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _short(error: str) -> str:
    if "is multi-fidelity" in error and "single fidelity" in error:
        return "refused: a multi-fidelity method, a single-fidelity benchmark"
    return error.removeprefix("error: ")[:100]


def default_folder(variable: str, shared: Path) -> Path | None:
    if variable in os.environ:
        return Path(os.environ[variable])
    return shared if shared.is_dir() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--method", default="random_search")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--benchmark", action="append", help="only these (repeatable)")
    parser.add_argument("--tables-dir", type=Path)
    parser.add_argument("--yahpo-data", type=Path)
    parser.add_argument("--stand-ins", action="store_true", help="see the module's doc")
    args = parser.parse_args()
    args.tables_dir = args.tables_dir or default_folder(
        "TUNELAB_TABLES_DIR", SHARED_DATA / "tabular"
    )
    args.yahpo_data = args.yahpo_data or default_folder("TUNELAB_YAHPO_DATA", SHARED_DATA / "yahpo")
    benchmarks = shipped_benchmarks()
    chosen = args.benchmark or list(benchmarks)
    unknown = sorted(set(chosen) - set(benchmarks))
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; shipped: {sorted(benchmarks)}")
    if args.stand_ins:
        chosen += [f"{name}{STAND_IN_SUFFIX}" for name in STAND_IN_SHAPES if name in chosen]
    with tempfile.TemporaryDirectory(prefix="experiment-start-pyc-") as cache:
        env = child_environment(args, Path(cache))
        with tempfile.TemporaryDirectory() as warmup:  # compiles the byte code once
            run_child("branin", "random_search", {**env, "TUNELAB_HOME": warmup}, Path(warmup))
        print(f"method={args.method}, median of {args.repeats}; seconds to the first trial")
        print(
            f"{'benchmark':28s} {'cold':>7s} {'warm':>7s} {'warm from launch':>17s} "
            f"{'warm CPU':>9s}  target <= {TARGET_SECONDS:g} s"
        )
        for name in chosen:
            variable = benchmarks.get(name)
            if variable is not None and not env.get(variable):
                print(f"{name:28s} skipped: its data is not here (set ${variable})")
                continue
            figures = measure(name, args.method, env, args.repeats)
            if "error" in figures:
                print(f"{name:28s} not run: {_short(figures['error'])}")
                continue
            verdict = "met" if figures["warm"] <= TARGET_SECONDS else "MISSED"
            print(
                f"{name:28s} {figures['cold']:7.2f} {figures['warm']:7.2f} "
                f"{figures['warm_launch']:17.2f} {figures['warm_cpu']:9.2f}  {verdict}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
    else:
        main()
