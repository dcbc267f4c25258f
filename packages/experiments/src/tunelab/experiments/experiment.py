"""One job of a sweep: one method x benchmark x seed, run into its results folder.

Nothing is lost, nothing is silent. The folder is changed only by the process that
holds its lock (`ExperimentLock`): a run that cannot take it reports the experiment
`busy` and touches nothing. Only a failure of the experiment itself marks it failed:
an error before tuning starts (a bad override, changed settings, an unreadable
metadata.json) leaves an earlier run's folder as it was. A failed experiment's
folder is moved aside (`<seed>.failed-<time>`), never deleted, when it runs again.
A complete experiment run again with a larger budget, and nothing else changed,
is extended from where it ended (`Tuner`'s `extend`).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from omegaconf import DictConfig, OmegaConf

from tunelab.core.results.io import write_json_atomic
from tunelab.core.results.lock import LOCK_FILE, ExperimentLock
from tunelab.core.results.store import METADATA_FILE, RESULTS_FILE
from tunelab.core.stopping import StoppingCriterion
from tunelab.core.tuner import Tuner, TunerOptions
from tunelab.experiments.benchmarks import build_benchmark
from tunelab.experiments.callbacks import build_callbacks
from tunelab.experiments.method_objectives import check_objectives, objectives_problem
from tunelab.experiments.methods import (
    MethodConfigError,
    build_scheduler,
    fidelity_problem,
    fold_searcher,
    takes_role,
)
from tunelab.experiments.seeds import benchmark_seed, scheduler_seed
from tunelab.experiments.transfer import TRANSFER_ARGUMENT, build_transfer, takes_transfer
from tunelab.experiments.validation import settings_problems

logger = logging.getLogger(__name__)

Status = Literal["complete", "skipped", "failed", "busy"]

ABSENT, UNREADABLE = "absent", "unreadable"
"""Folder states besides the statuses in metadata.json: no earlier run, or one whose
metadata.json cannot be read."""


class ExperimentConfigError(ValueError):
    """Settings that name no runnable experiment; raised before anything is written."""


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


def folder_state(path: Path) -> str:
    """The status of the run in `path`, `ABSENT` (none) or `UNREADABLE`."""
    metadata_file = path / METADATA_FILE
    if not metadata_file.exists():
        return UNREADABLE if (path / RESULTS_FILE).exists() else ABSENT
    try:
        metadata = json.loads(metadata_file.read_text())
        return str(metadata["status"])
    except (OSError, ValueError, TypeError, KeyError):
        return UNREADABLE


_NOT_SETTINGS = ("results_root", "progress_interval", "callbacks")
_BUDGETS = ("max_wallclock_time", "max_cost")
_BUDGET_KEYS = frozenset({*_BUDGETS, *(f"benchmark.{key}" for key in _BUDGETS)})
"""Settings that make the budget: a larger budget extends a complete experiment."""


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

    A complete experiment is skipped, unless `cfg` differs from its settings only by
    a larger budget: then it is extended from where it ended. An unfinished one
    (killed or interrupted) resumes where it stopped; a failed one is moved aside
    and runs from scratch; one that another process is running is reported `busy`
    and left alone.

    Raises:
        ExperimentConfigError: If `cfg`'s top-level values or the names that make its
            folder are invalid (`validation.settings_problems`); nothing is written.
    """
    cfg = fold_searcher(cfg)
    found = settings_problems(cfg)
    if found:
        raise ExperimentConfigError("; ".join(found))
    path = experiment_path(cfg)
    outcome = Outcome(
        status="complete",
        path=str(path),
        method=str(cfg.method.name),
        benchmark=str(cfg.benchmark.name),
        seed=int(cfg.seed),
        overrides=list(overrides or []),
    )
    if folder_state(path) == "complete" and _larger_budget(path, cfg) is None:
        return _skip(outcome, path, cfg)
    lock = _try_lock(path)
    if lock is None:
        return _busy(outcome, path)
    fresh = False
    try:
        state = folder_state(path)
        extend = state == "complete"
        if extend:  # looked at again: another process may have extended it meanwhile
            growth = _larger_budget(path, cfg)
            if growth is None:
                return _skip(outcome, path, cfg)
            logger.info("extending %s: its budget grows %s", path, growth)
        if state == UNREADABLE:
            raise RuntimeError(
                f"cannot read the {METADATA_FILE} of the earlier run in {path}; the folder is "
                "kept as it is: repair that file, or move the folder away to run again"
            )
        if state == "failed":
            lock = _move_aside(path, lock)
            if lock is None:
                return _busy(outcome, path)
            state = ABSENT
        fresh = state == ABSENT
        tuner = _build(cfg, path, outcome.overrides, extend=extend)
    except Exception as error:  # before tuning: a failed experiment only if it is new
        _record_failure(outcome, error)
        if fresh:
            _mark_failed(path, cfg, str(outcome.error))
        return outcome
    finally:
        if lock is not None:
            lock.release()
    try:
        tuner.run()  # records its own failure in metadata.json
    except Exception as error:  # one failed experiment never stops the others
        if isinstance(error, RuntimeError) and _try_lock(path, keep=False) is None:
            return _busy(outcome, path)  # another process took the folder meanwhile
        _record_failure(outcome, error)
    return outcome


def _budget(cfg: DictConfig) -> float:
    """Simulated or real seconds of tuning: the sweep's value, else the benchmark's."""
    value = cfg.get("max_wallclock_time")
    return float(value if value is not None else cfg.benchmark.max_wallclock_time)


def _max_cost(cfg: DictConfig) -> float | None:
    """Total cost of the trials (in the unit of the benchmark's `cost` metric) after
    which tuning stops: the sweep's value, else the benchmark's; None: no limit."""
    value = cfg.get("max_cost")
    if value is None:
        value = cfg.benchmark.get("max_cost")
    return None if value is None else float(value)


def _stopping(cfg: DictConfig) -> StoppingCriterion:
    return StoppingCriterion(max_wallclock_time=_budget(cfg), max_cost=_max_cost(cfg))


def _larger_budget(path: Path, cfg: DictConfig) -> str | None:
    """How the budget grows when `cfg` differs from the complete experiment in `path`
    by a larger budget (no limit smaller, one larger) and nothing else; None otherwise."""
    changed = changed_settings(path, cfg)
    if not changed or not set(changed) <= _BUDGET_KEYS:
        return None
    try:
        stored = json.loads((path / METADATA_FILE).read_text())["budget"]
        old = {key: float(stored[key]) if key in stored else None for key in _BUDGETS}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    new = _stopping(cfg).to_dict()
    grown = []
    for key in _BUDGETS:
        before, after = old[key], new.get(key)
        if after == before:
            continue
        if before is None or (after is not None and after < before):
            return None  # a limit added or lowered: the experiment ran with less
        if key == "max_wallclock_time":
            grown.append(f"from {before:g} s to {after:g} s")
        else:
            grown.append(f"{key} from {before:g} to {'no limit' if after is None else after}")
    return ", ".join(grown) or None


def _skip(outcome: Outcome, path: Path, cfg: DictConfig) -> Outcome:
    outcome.status = "skipped"
    logger.info("skipped (complete): %s", path)
    changed = changed_settings(path, cfg)
    if changed and set(changed) <= _BUDGET_KEYS:
        logger.info(
            "%s ran with a budget at least as large as %s, or another limit; nothing to extend",
            path,
            ", ".join(f"{k}={v:g}" for k, v in _stopping(cfg).to_dict().items()),
        )
    elif changed:
        logger.warning(
            "%s is complete but was run with other settings (%s); it is kept. Only a "
            "larger budget with otherwise the same settings extends a complete "
            "experiment: move it away, or use another study or results_root, to run the "
            "new settings",
            path,
            ", ".join(changed),
        )
    return outcome


def _busy(outcome: Outcome, path: Path) -> Outcome:
    outcome.status = "busy"
    outcome.error = (
        f"another process is running this experiment (it holds {path / LOCK_FILE}); "
        "nothing was changed. Run again when it has ended"
    )
    logger.error("busy: %s: %s", path, outcome.error)
    return outcome


def _record_failure(outcome: Outcome, error: Exception) -> None:
    outcome.status = "failed"
    outcome.error = f"{type(error).__name__}: {error}"
    details = traceback.format_exc()
    logger.error("experiment %s failed: %s\n%s", outcome.path, outcome.error, details)


def _try_lock(path: Path, *, keep: bool = True) -> ExperimentLock | None:
    """The folder's lock, None when another process holds it; released unless `keep`."""
    try:
        lock = ExperimentLock(path)
    except RuntimeError:
        return None
    if not keep:
        lock.release()
    return lock


def _move_aside(path: Path, lock: ExperimentLock) -> ExperimentLock | None:
    """Rename the failed experiment in `path` (whose `lock` is held) to
    `<seed>.failed-<time>`; the lock of the new, empty folder (None when taken)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.failed-{stamp}")
    number = 2
    while aside.exists():
        aside = path.with_name(f"{path.name}.failed-{stamp}-{number}")
        number += 1
    path.rename(aside)
    lock.release()
    logger.warning(
        "the failed experiment in %s was moved to %s (kept); running it again from scratch",
        path,
        aside,
    )
    return _try_lock(path)


def _build(cfg: DictConfig, path: Path, overrides: list[str], *, extend: bool = False) -> Tuner:
    benchmark, seed = cfg.benchmark, int(cfg.seed)
    problem = build_benchmark(benchmark, seed=benchmark_seed(int(cfg.master_seed), seed))
    if problem.resource_attr is None:
        mismatch = fidelity_problem(cfg.method, benchmark)
        if mismatch is not None:
            raise MethodConfigError(mismatch)
    metrics = problem.metrics
    mismatch = objectives_problem(cfg.method, metrics)
    if mismatch is not None:
        raise MethodConfigError(mismatch)
    sched_seed = scheduler_seed(int(cfg.master_seed), seed)
    objectives = problem.objectives
    roles: dict[str, Any] = {
        "constraint_attr": objectives.constraint,
        "cost_attr": objectives.cost,
        "hypervolume_reference": problem.hypervolume_reference,
    }
    transfer: dict[str, Any] = {}
    if takes_transfer(cfg.method):  # leave-one-task-out: never the target's evaluations
        evaluations, transfer = build_transfer(cfg.method, benchmark, problem.metrics)
        roles[TRANSFER_ARGUMENT] = evaluations
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
            **roles,
        },
    )
    if len(metrics) > 1:
        check_objectives(cfg.method, scheduler, metrics)
    n_workers = int(cfg.n_workers if cfg.get("n_workers") is not None else benchmark.n_workers)
    metadata = {
        "method": str(cfg.method.name),
        "benchmark": str(benchmark.name),
        "seed": seed,
        "scheduler_seed": sched_seed,
        "master_seed": int(cfg.master_seed),
        "study": str(cfg.study),
        "reference": problem.reference,
        "hypervolume_reference": problem.hypervolume_reference,
        "constraint": objectives.constraint,
        "cost_attr": objectives.cost,
        # which of them the method was given (the others it ran without)
        "method_arguments": {
            name: transfer["tasks"] if name == TRANSFER_ARGUMENT else value
            for name, value in roles.items()
            if value is not None and takes_role(cfg.method, name)
        },
        **({"transfer": transfer} if transfer else {}),  # absent: earlier runs compare equal
        "problem": problem.description,
        "hydra_config": OmegaConf.to_container(cfg, resolve=True),
        "overrides": overrides,
        "command_line": [_program(), *sys.argv[1:]],
    }
    progress = cfg.get("progress_interval")
    # the benchmark knows how long one training may take: longer means it hangs
    trial_limit = cfg.benchmark.get("max_trial_seconds")
    return Tuner(
        backend=problem.backend,
        scheduler=scheduler,
        stop_criterion=_stopping(cfg),
        n_workers=n_workers,
        path=path,
        callbacks=build_callbacks(cfg),
        metadata=metadata,
        options=TunerOptions(
            progress_interval=None if progress is None else float(progress),
            max_trial_seconds=None if trial_limit is None else float(trial_limit),
        ),
        extend=extend,
    )


def _program() -> str:
    name = Path(sys.argv[0]).name
    return "tunelab-run" if name in ("__main__.py", "") else name


def _mark_failed(path: Path, cfg: DictConfig, error: str) -> None:
    """Record the failure of a new experiment that failed before tuning started."""
    metadata = {
        "method": str(cfg.method.name),
        "benchmark": str(cfg.benchmark.name),
        "seed": int(cfg.seed),
        "study": str(cfg.study),
        "status": "failed",
        "stop_reason": error,
    }
    try:
        write_json_atomic(path / METADATA_FILE, metadata)
    except OSError as problem:  # a full disk, say: the outcome still tells the failure
        logger.error("cannot record the failure in %s: %s", path / METADATA_FILE, problem)
