"""One job of a sweep: one method x benchmark x seed, run into its results folder."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from omegaconf import DictConfig, OmegaConf

from tunelab.core.results.io import write_json_atomic
from tunelab.core.results.store import METADATA_FILE
from tunelab.core.stopping import StoppingCriterion
from tunelab.core.tuner import Tuner, TunerOptions
from tunelab.experiments.benchmarks import build_benchmark
from tunelab.experiments.methods import build_scheduler
from tunelab.experiments.seeds import benchmark_seed, scheduler_seed

logger = logging.getLogger(__name__)

Status = Literal["complete", "skipped", "failed"]


@dataclass
class Outcome:
    """How a job ended, for the sweep's summary."""

    status: Status
    path: str
    method: str
    benchmark: str
    seed: int
    error: str | None = None
    overrides: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def experiment_path(cfg: DictConfig) -> Path:
    """`${results_root}/${study}/${benchmark.name}/${method.name}/${seed}`."""
    return (
        Path(str(cfg.results_root)).expanduser()
        / str(cfg.study)
        / str(cfg.benchmark.name)
        / str(cfg.method.name)
        / str(cfg.seed)
    )


def previous_status(path: Path) -> str | None:
    """Status in the experiment's metadata.json, None when there is none."""
    try:
        return str(json.loads((path / METADATA_FILE).read_text()).get("status"))
    except (OSError, ValueError):
        return None


_NOT_SETTINGS = ("results_root", "progress_interval")


def changed_settings(path: Path, cfg: DictConfig) -> list[str]:
    """Keys whose value differs between the stored experiment's config and `cfg`."""
    try:
        stored = json.loads((path / METADATA_FILE).read_text()).get("hydra_config") or {}
    except (OSError, ValueError):
        return []
    current = OmegaConf.to_container(cfg, resolve=True)
    old, new = _flatten(stored), _flatten(current)
    keys = {k for k in old.keys() | new.keys() if k.split(".")[0] not in _NOT_SETTINGS}
    return sorted(k for k in keys if old.get(k) != new.get(k))


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): node}


def run_experiment(cfg: DictConfig, *, overrides: list[str] | None = None) -> Outcome:
    """Run the experiment `cfg` describes; never raises for a failing experiment.

    A complete experiment is skipped; a failed one starts afresh; an unfinished one
    (killed or interrupted) resumes where it stopped.
    """
    path = experiment_path(cfg)
    outcome = Outcome(
        status="complete",
        path=str(path),
        method=str(cfg.method.name),
        benchmark=str(cfg.benchmark.name),
        seed=int(cfg.seed),
        overrides=list(overrides or []),
    )
    status = previous_status(path)
    if status == "complete":
        outcome.status = "skipped"
        logger.info("skipped (complete): %s", path)
        changed = changed_settings(path, cfg)
        if changed:
            logger.warning(
                "%s is complete but was run with other settings (%s); it is kept. Move it "
                "away, or use another study or results_root, to run the new settings",
                path,
                ", ".join(changed),
            )
        return outcome
    if status == "failed":
        logger.info("re-running failed experiment %s from scratch", path)
        shutil.rmtree(path)
    try:
        _run(cfg, path, outcome.overrides)
    except Exception as error:  # one failed experiment never stops the others
        outcome.status = "failed"
        outcome.error = f"{type(error).__name__}: {error}"
        logger.error("experiment %s failed: %s\n%s", path, outcome.error, traceback.format_exc())
        _mark_failed(path, cfg, outcome.error)
    return outcome


def _run(cfg: DictConfig, path: Path, overrides: list[str]) -> None:
    benchmark, seed = cfg.benchmark, int(cfg.seed)
    problem = build_benchmark(benchmark, seed=benchmark_seed(int(cfg.master_seed), seed))
    sched_seed = scheduler_seed(int(cfg.master_seed), seed)
    scheduler = build_scheduler(
        cfg.method,
        {
            "config_space": problem.config_space,
            "metric": problem.metric,
            "mode": problem.mode,
            "seed": sched_seed,
            "resource_attr": problem.resource_attr,
            "max_resource_attr": problem.max_resource_attr,
            "restrict_to": problem.restrict_to,
        },
    )
    n_workers = int(cfg.n_workers if cfg.get("n_workers") is not None else benchmark.n_workers)
    budget = float(
        cfg.max_wallclock_time
        if cfg.get("max_wallclock_time") is not None
        else benchmark.max_wallclock_time
    )
    metadata = {
        "method": str(cfg.method.name),
        "benchmark": str(benchmark.name),
        "seed": seed,
        "scheduler_seed": sched_seed,
        "master_seed": int(cfg.master_seed),
        "study": str(cfg.study),
        "reference": problem.reference,
        "problem": problem.description,
        "hydra_config": OmegaConf.to_container(cfg, resolve=True),
        "overrides": overrides,
        "command_line": [_program(), *sys.argv[1:]],
    }
    progress = cfg.get("progress_interval")
    tuner = Tuner(
        backend=problem.backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=budget),
        n_workers=n_workers,
        path=path,
        metadata=metadata,
        options=TunerOptions(progress_interval=None if progress is None else float(progress)),
    )
    tuner.run()


def _program() -> str:
    name = Path(sys.argv[0]).name
    return "tunelab-run" if name in ("__main__.py", "") else name


def _mark_failed(path: Path, cfg: DictConfig, error: str) -> None:
    """Record the failure even when it happened before the tuner wrote anything."""
    metadata_file = path / METADATA_FILE
    try:
        metadata = json.loads(metadata_file.read_text())
    except (OSError, ValueError):
        metadata = {
            "method": str(cfg.method.name),
            "benchmark": str(cfg.benchmark.name),
            "seed": int(cfg.seed),
            "study": str(cfg.study),
        }
    metadata.update(status="failed", stop_reason=error)
    write_json_atomic(metadata_file, metadata)
