"""Every method preset decides as it did when the traces were recorded.

A trace is what an experiment decided: which configurations ran, which trials
reported at which resource levels, in which order, at which simulated times, and
how each trial ended. Each preset of `conf/method` runs (as `tunelab-run` builds it)
on an analytic benchmark (branin) and a table benchmark (lcbench-table), for two
seeds, and the fingerprint of its trace must equal the recorded one. A restructuring
that is meant to keep behaviour keeps these; a change of behaviour re-records them,
on purpose, with

    python tests/e2e/test_decision_traces.py --record [method ...]

(all methods, or the ones named) and says why in its commit.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_module

import tunelab.experiments.conf as shipped_conf
from tunelab.core import StoppingCriterion
from tunelab.experiments.experiment import _build

pytestmark = pytest.mark.slow

CONF = Path(shipped_conf.__file__).parent
TRACES = Path(__file__).with_name("decision_traces.json")


def needs_transfer(preset: Path) -> bool:
    """Whether the method of `preset` learns from evaluations of other tasks (its
    scheduler preset or its searcher takes `transfer_evaluations`): branin and
    lcbench-table have no other tasks, so such methods have no trace here; the
    multi-task benchmarks' tests cover them."""
    node = yaml.safe_load(preset.read_text())
    targets = [node["scheduler"]["_target_"]]
    for entry in node.get("defaults", []):
        if isinstance(entry, dict) and "/searcher@searcher" in entry:
            searcher = CONF / "searcher" / f"{entry['/searcher@searcher']}.yaml"
            targets.append(yaml.safe_load(searcher.read_text())["_target_"])
    for target in targets:
        module, _, name = target.rpartition(".")
        factory = getattr(importlib.import_module(module), name)
        if "transfer_evaluations" in inspect.signature(factory).parameters:
            return True
    return False


METHODS = sorted(p.stem for p in (CONF / "method").glob("*.yaml") if not needs_transfer(p))
BENCHMARKS = ("branin", "lcbench-table")
SEEDS = (0, 1)
TRIALS = 30  # finished trials per experiment: enough for every model to take over
# ... or results: fewer for the slowest methods (DyHPO and SyncMOBSTER decide at every
# epoch; Hyper-Tune fits a GP per level)
RESULTS = {
    "dyhpo": 200,
    "sync_mobster": 300,
    "hyper_tune": 500,
    "hyper_tune_joint": 500,
    "mobster_indep": 600,
}

# Settings a method needs from a benchmark that the benchmark's preset does not give:
# cost-aware methods read each trial's cumulative cost (the simulator reports it from
# the benchmark's `cost` metric, here its training time); constrained BO a constraint
# metric (derived from the training time with a bound near its median, so that about
# half the configurations are feasible).
_COST = {"branin": ["++benchmark.cost=elapsed_time"], "lcbench-table": ["++benchmark.cost=time"]}
BENCHMARK_OVERRIDES = {
    "asha_cost": _COST,
    "cost_aware_bo": _COST,
    "constrained_bo": {
        benchmark: [
            "++benchmark.constraint=slow",
            f"++benchmark.bounds={{slow:{{objective:{column},upper:{upper}}}}}",
        ]
        for benchmark, column, upper in (
            ("branin", "elapsed_time", 42),
            ("lcbench-table", "time", 37),
        )
    },
}


def fingerprint(results: pd.DataFrame, trials: pd.DataFrame) -> dict[str, object]:
    """A hash of the decisions (rounded so that a last-bit change of a float does not
    count), with sizes that help to tell what changed."""
    keep = [
        c for c in results.columns if c.startswith("config_") or c in ("trial_id", "tuner_time")
    ]
    keep += [c for c in ("epoch",) if c in results.columns]
    rows = results[sorted(keep)].copy()
    finished = trials[["trial_id", "status"]].copy()
    text = _canonical(rows) + "\n--\n" + _canonical(finished)
    return {
        "sha256": hashlib.sha256(text.encode()).hexdigest()[:16],
        "results": len(rows),
        "trials": len(finished),
    }


def _canonical(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "nan" if np.isnan(value) else f"{float(value):.9g}"
        return str(value)

    lines = [",".join(frame.columns)]
    lines += [",".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def trace(method: str, benchmark: str, seed: int, folder: Path) -> dict[str, object]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        cfg = compose(
            "config",
            overrides=[
                f"method={method}",
                f"benchmark={benchmark}",
                f"seed={seed}",
                f"results_root={folder}",
                *BENCHMARK_OVERRIDES.get(method, {}).get(benchmark, []),
            ],
        )
    path = folder / f"{method}-{benchmark}-{seed}"
    tuner = _build(cfg, path, [])
    tuner.stop_criterion = StoppingCriterion(
        max_num_trials_finished=TRIALS, max_num_results=RESULTS.get(method, 2000)
    )
    tuner.run()
    return fingerprint(
        pd.read_parquet(path / "results.parquet"), pd.read_parquet(path / "trials.parquet")
    )


def cases() -> Iterator[tuple[str, str, int]]:
    for method in METHODS:
        for benchmark in BENCHMARKS:
            for seed in SEEDS:
                yield method, benchmark, seed


def key(method: str, benchmark: str, seed: int) -> str:
    return f"{method}/{benchmark}/{seed}"


@pytest.mark.parametrize("method", METHODS)
def test_a_preset_decides_as_recorded(method: str, tmp_path: Path) -> None:
    recorded = json.loads(TRACES.read_text())
    for benchmark in BENCHMARKS:
        for seed in SEEDS:
            name = key(method, benchmark, seed)
            assert name in recorded, f"no recorded trace for {name}; record them (see above)"
            assert trace(method, benchmark, seed, tmp_path) == recorded[name], name


def test_every_recorded_preset_still_exists() -> None:
    recorded = json.loads(TRACES.read_text())
    assert sorted({name.split("/")[0] for name in recorded}) == METHODS


def record(methods: list[str]) -> None:
    """Record the traces of `methods` (all when empty) into the file of traces."""
    import tempfile

    traces = json.loads(TRACES.read_text()) if methods and TRACES.exists() else {}
    with tempfile.TemporaryDirectory() as folder:
        for method, benchmark, seed in cases():
            if methods and method not in methods:
                continue
            start = time.perf_counter()
            traces[key(method, benchmark, seed)] = trace(method, benchmark, seed, Path(folder))
            seconds = time.perf_counter() - start
            print(
                key(method, benchmark, seed),
                traces[key(method, benchmark, seed)],
                f"{seconds:.1f} s",
            )
    TRACES.write_text(json.dumps(traces, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] != ["--record"]:
        sys.exit(__doc__)
    record(sys.argv[2:])
