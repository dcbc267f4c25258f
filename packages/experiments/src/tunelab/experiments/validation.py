"""Checks of a job's configuration that need no data: run for every job of a sweep
before the first one starts, so that a typo fails in a second, not an hour in."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from tunelab.experiments.methods import MethodConfigError, check_method, restriction_problem

BENCHMARK_TYPES = ("simulated", "local")


def problems(cfg: DictConfig) -> list[str]:
    """What is wrong with the job `cfg` (empty when nothing is)."""
    found = []
    try:
        check_method(cfg.method)
    except MethodConfigError as error:
        found.append(str(error))
    else:
        restriction = restriction_problem(cfg.method, cfg.benchmark)
        if restriction is not None:
            found.append(restriction)
    found += _benchmark_problems(cfg.benchmark)
    return found


def _benchmark_problems(benchmark: DictConfig) -> list[str]:
    name = benchmark.get("name")
    kind = benchmark.get("type")
    if kind not in BENCHMARK_TYPES:
        return [f"benchmark {name!r}: type {kind!r}; expected one of {list(BENCHMARK_TYPES)}"]
    if kind == "local":
        entry_point = Path(str(benchmark.get("entry_point"))).expanduser()
        if not entry_point.is_file():
            return [f"benchmark {name!r}: training script {entry_point} does not exist"]
        return []
    if benchmark.get("restrict_to_table") and benchmark.get("surrogate"):
        return [
            f"benchmark {name!r} sets both restrict_to_table=true and surrogate="
            f"{benchmark.get('surrogate')!r}; choose one"
        ]
    from tunelab.blackbox.repository import all_recipes

    base = str(benchmark.get("blackbox", "")).partition("/")[0]
    recipes = all_recipes()
    if base not in recipes:
        return [f"benchmark {name!r}: unknown blackbox {base!r}; known: {sorted(recipes)}"]
    env = recipes[base].source_env
    if env is None:
        return []
    source = (benchmark.get("load_options") or {}).get("source")
    if source is None:
        return [
            f"benchmark {name!r} needs its data: set ${env} or benchmark.load_options.source=<path>"
        ]
    if not Path(str(source)).expanduser().exists():
        return [f"benchmark {name!r}: data path {source} does not exist"]
    return []
