"""The example plugin (examples/scheduler_plugin): its method, its discovery by Hydra,
and a comparison with the built-in methods run end to end by `tunelab-run`."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest
from hydra import compose, initialize
from tunelab_example_plugin import LocalSearcher

from tunelab.core.results.store import REAL_TIME_COLUMNS
from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.space import choice, config_key, finrange, loguniform, randint, uniform
from tunelab.experiments.methods import build_scheduler

# -- contract suites -------------------------------------------------------------------


# The contract suites of the plugin run from its own tests
# (examples/scheduler_plugin/tests, part of pytest's testpaths).


# -- behaviour --------------------------------------------------------------------------

SPACE = {
    "lr": loguniform(1e-4, 1e-1),
    "momentum": uniform(0.0, 0.9),
    "layers": randint(1, 8),
    "act": choice(["relu", "tanh", "gelu"]),
    "epochs": 10,
}


def _searcher(space: dict[str, Any], *, mode: str = "min", **kwargs: Any) -> LocalSearcher:
    searcher = LocalSearcher(space, **kwargs)
    searcher.configure(metric="loss", mode=mode)  # type: ignore[arg-type]
    return searcher


def _run(searcher: LocalSearcher, n: int, loss: Any) -> list[dict[str, Any]]:
    """Suggest and observe `n` trials in turn; return the suggested configurations."""
    configs = []
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        if config is None:
            break
        searcher.observe(trial_id, config, {"loss": loss(config)})
        configs.append(config)
    return configs


def _differences(a: dict[str, Any], b: dict[str, Any]) -> int:
    return sum(a[name] != b[name] for name in a)


def test_after_the_random_start_each_child_changes_one_hyperparameter_of_a_parent() -> None:
    searcher = _searcher(SPACE, population_size=4, random_probability=0.0, seed=0)
    configs = _run(searcher, 30, lambda c: c["momentum"])
    for index, child in enumerate(configs[4:], start=4):
        assert any(_differences(child, parent) == 1 for parent in configs[:index])
    assert len({config_key(c) for c in configs}) == len(configs)


def test_the_population_keeps_the_best_results_for_either_mode() -> None:
    for mode, best in (("min", min), ("max", max)):
        searcher = _searcher(SPACE, mode=mode, population_size=3, seed=1)
        configs = _run(searcher, 12, lambda c: c["momentum"])
        kept = sorted(member[2]["momentum"] for member in searcher.state_dict()["population"])
        values = sorted(c["momentum"] for c in configs)
        assert kept == (values[:3] if best is min else values[-3:])


def test_local_search_improves_on_its_random_start() -> None:
    searcher = _searcher({"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}, seed=3)
    losses = [
        (c["x"] - 0.3) ** 2 + (c["y"] - 0.7) ** 2
        for c in _run(searcher, 60, lambda c: (c["x"] - 0.3) ** 2 + (c["y"] - 0.7) ** 2)
    ]
    assert min(losses[30:]) < min(losses[:10])


def test_restrict_to_suggests_only_listed_configs_each_once_then_none() -> None:
    space = {"a": randint(1, 5), "b": finrange(0.0, 0.5, 3), "c": choice(["x", "y"])}
    listed = [{"a": a, "b": b, "c": "x"} for a in range(1, 6) for b in (0.0, 0.25, 0.5)]
    searcher = _searcher(
        space, restrict_to=listed, population_size=2, random_probability=0.0, seed=4
    )
    configs = _run(searcher, 100, lambda c: c["a"] + c["b"])
    assert sorted(map(config_key, configs)) == sorted(map(config_key, listed))
    assert searcher.suggest(100) is None


def test_a_finite_space_is_exhausted_while_mutating() -> None:
    space = {"a": randint(1, 3), "b": choice(["x", "y"]), "c": 7}
    searcher = _searcher(space, population_size=1, random_probability=0.0, seed=5)
    configs = _run(searcher, 10, lambda c: c["a"])
    assert len({config_key(c) for c in configs}) == len(configs) == 6
    assert all(c["c"] == 7 for c in configs)


def test_failed_or_missing_metrics_are_not_parents() -> None:
    searcher = _searcher(SPACE, population_size=2, seed=6)
    config = searcher.suggest(0)
    assert config is not None
    searcher.observe(0, config, {"loss": float("nan")})
    searcher.observe(0, config, {"accuracy": 0.5})
    assert searcher.state_dict()["population"] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"population_size": 0}, "population_size must be an integer >= 1, got 0"),
        ({"population_size": 2.5}, "population_size must be an integer >= 1, got 2.5"),
        ({"random_probability": 1.5}, r"random_probability must be in \[0, 1\], got 1.5"),
        ({"mutation_scale": 0.0}, "mutation_scale must be > 0, got 0.0"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        LocalSearcher(SPACE, **kwargs)


# -- the preset, found through the plugin's SearchPathPlugin ----------------------------


def test_preset_is_found_and_its_arguments_are_overridable() -> None:
    with initialize(version_base=None, config_path=None):
        cfg = compose(
            "config",
            overrides=["method=local_search", "+method.searcher.population_size=3"],
        )
    assert cfg.method.name == "local_search"
    listed = [{"x": 0.1}, {"x": 0.2}]
    scheduler = build_scheduler(
        cfg.method,
        {
            "config_space": {"x": uniform(0.0, 1.0)},
            "metric": "loss",
            "mode": "max",
            "seed": 7,
            "resource_attr": "epoch",
            "max_resource_attr": "epochs",
            "restrict_to": listed,
        },
    )
    assert isinstance(scheduler, FIFOScheduler)
    searcher = scheduler.searcher
    assert isinstance(searcher, LocalSearcher)
    assert (searcher.population_size, searcher.seed, searcher.mode) == (3, 7, "max")
    assert scheduler.resource_attr == "epoch"
    suggested = [scheduler.suggest(i) for i in range(3)]
    assert [s.config for s in suggested[:2] if s is not None] in (listed, listed[::-1])
    assert suggested[2] is None


# -- end to end: tunelab-run compares the plugin's method with the built-in ones ----------

METHODS = ("random_search", "grid_search", "local_search")
BENCHMARKS = ("branin", "sklearn-digits-mlp")
SEEDS = (0, 1, 2)
SUMMARY = re.compile(r"sweep finished: (\d+) experiments: (\d+) complete, (\d+) skipped")


def _sweep(workdir: Path, results: Path, name: str) -> tuple[int, int, int]:
    """Run the comparison with `tunelab-run -m`; return (experiments, complete, skipped)."""
    command = [
        sys.executable,
        "-m",
        "tunelab.experiments",
        "-m",
        f"method={','.join(METHODS)}",
        f"benchmark={','.join(BENCHMARKS)}",
        f"seed={','.join(map(str, SEEDS))}",
        # virtual seconds: branin trials take 27-54 s, digits trials about one second
        "max_wallclock_time=60",
        "benchmark.charge_decision_time=false",
        # sweeps started within the same second would share the default folder
        f"hydra.sweep.dir={results / '.hydra' / name}",
    ]
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(results)}
    env.pop("TUNELAB_CONF", None)
    process = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    output = process.stdout + process.stderr
    assert process.returncode == 0, output
    match = SUMMARY.search(process.stdout)
    assert match is not None, output
    experiments, complete, skipped = map(int, match.groups())
    return experiments, complete, skipped


def _experiments(results: Path) -> dict[tuple[str, str, int], Path]:
    folders = {}
    for folder in (f.parent for f in results.glob("*/*/*/*/metadata.json")):
        folders[(folder.parent.parent.name, folder.parent.name, int(folder.name))] = folder
    return folders


def _check_complete(folder: Path) -> None:
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["status"] == "complete", (folder, metadata.get("stop_reason"))
    assert len(pd.read_parquet(folder / "results.parquet")) > 0, folder


def _table(folder: Path) -> pd.DataFrame:
    frame = pd.read_parquet(folder / "results.parquet")
    return cast(
        pd.DataFrame, frame.drop(columns=[c for c in REAL_TIME_COLUMNS if c in frame.columns])
    )


@pytest.mark.slow
def test_tunelab_run_compares_the_plugin_method_skips_and_reruns(tmp_path: Path) -> None:
    results = tmp_path / "results"
    expected = set(itertools.product(BENCHMARKS, METHODS, SEEDS))

    assert _sweep(tmp_path, results, "first") == (18, 18, 0)
    folders = _experiments(results)
    assert set(folders) == expected
    for folder in folders.values():
        _check_complete(folder)
    metadata_files = {key: (f / "metadata.json").read_bytes() for key, f in folders.items()}

    assert _sweep(tmp_path, results, "again") == (18, 0, 18)

    deleted = folders["branin", "local_search", 1]
    before = _table(deleted)
    shutil.rmtree(deleted)
    unfinished = folders["sklearn-digits-mlp", "local_search", 2]
    metadata = json.loads((unfinished / "metadata.json").read_text())
    (unfinished / "metadata.json").write_text(json.dumps({**metadata, "status": "running"}))
    (unfinished / "results.parquet").unlink()

    assert _sweep(tmp_path, results, "repair") == (18, 2, 16)
    folders = _experiments(results)
    assert set(folders) == expected
    for key, folder in folders.items():
        _check_complete(folder)
        if folder not in (deleted, unfinished):
            assert (folder / "metadata.json").read_bytes() == metadata_files[key], key
    # Same seed, same run: the re-run experiment reproduces the deleted one exactly.
    pd.testing.assert_frame_equal(_table(deleted), before)


def test_the_plugins_searcher_runs_under_any_scheduler_from_the_command_line(
    tmp_path: Path,
) -> None:
    """`searcher=local` puts the plugin's searcher into FIFO, ASHA and synchronous
    Hyperband: one class and one YAML, no preset written for it."""
    results = tmp_path / "results"
    command = [
        sys.executable,
        "-m",
        "tunelab.experiments",
        "-m",
        "method=random_search,asha,sync_hyperband",
        "searcher=local",
        "benchmark=branin",
        "max_wallclock_time=300",
        f"hydra.sweep.dir={results / '.hydra'}",
    ]
    env = {**os.environ, "TUNELAB_RESULTS_ROOT": str(results)}
    env.pop("TUNELAB_CONF", None)
    process = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert "3 experiments: 3 complete" in process.stdout
    expected = {
        "random_search+local": "FIFOScheduler",
        "asha+local": "HyperbandScheduler",
        "sync_hyperband+local": "SynchronousHyperbandScheduler",
    }
    for method, scheduler in expected.items():
        folder = results / "default" / "branin" / method / "0"
        _check_complete(folder)
        metadata = json.loads((folder / "metadata.json").read_text())
        assert metadata["method"] == method
        assert (metadata["scheduler"], metadata["searcher"]) == (scheduler, "LocalSearcher")
