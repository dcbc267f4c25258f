"""Which experiments share a training job.

All seeds of one method on one benchmark (with the same other settings) go in one
job by default: they need the same data and code, and one job start-up is paid once.
`group_size` caps a job's experiments; expensive methods can have one seed per job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SEED_KEY = "seed"


@dataclass(frozen=True)
class PlannedExperiment:
    """One experiment of the sweep, as planned for a job: its Hydra job number,
    overrides and resolved config (not `tunelab.core.results.Experiment`, the results
    of a run).

    Args:
        number: The job's number in Hydra's sweep.
        overrides: The job's overrides, as Hydra gives them.
        config: The job's resolved task config (no `hydra` node), as plain data.
    """

    number: int
    overrides: tuple[str, ...]
    config: Mapping[str, Any]

    @property
    def method(self) -> str:
        return str(self.config["method"]["name"])

    @property
    def benchmark(self) -> str:
        return str(self.config["benchmark"]["name"])

    @property
    def seed(self) -> int:
        return int(self.config["seed"])

    @property
    def study(self) -> str:
        return str(self.config["study"])

    @property
    def relative_path(self) -> str:
        """`<study>/<benchmark>/<method>/<seed>`: its folder under a results root."""
        return f"{self.study}/{self.benchmark}/{self.method}/{self.seed}"


@dataclass(frozen=True)
class Group:
    """The experiments of one training job, in sweep order."""

    index: int
    experiments: tuple[PlannedExperiment, ...]

    @property
    def label(self) -> str:
        """`method on benchmark, seeds 0-4` (what a person reads in the plan)."""
        first = self.experiments[0]
        seeds = ",".join(str(e.seed) for e in self.experiments)
        return f"{first.method} on {first.benchmark}, seed(s) {seeds}"

    def rerun_overrides(self) -> list[str]:
        """Overrides of a sweep that runs this group's experiments again (and no other)."""
        first = list(self.experiments[0].overrides)
        if len(self.experiments) == 1:
            return first
        seeds = [_value(e.overrides, SEED_KEY) for e in self.experiments]
        if any(seed is None for seed in seeds):
            return first  # the seed is not swept: the experiments are one and the same
        rest = [o for o in first if _key(o) != SEED_KEY]
        return [*rest, f"{SEED_KEY}={','.join(str(s) for s in seeds)}"]


def group_experiments(
    experiments: Iterable[PlannedExperiment],
    *,
    group_size: int | None = None,
    single_seed_methods: Sequence[str] = (),
) -> list[Group]:
    """Experiments grouped into jobs, deterministically (the order of the sweep).

    Experiments whose overrides differ only in their seed share a group; groups longer
    than `group_size` are cut into chunks; a method in `single_seed_methods` gets one
    experiment per group.
    """
    if group_size is not None and group_size < 1:
        raise ValueError(f"group_size={group_size}; expected a positive number or None")
    buckets: dict[tuple[str, ...], list[PlannedExperiment]] = {}
    for experiment in experiments:
        key = tuple(o for o in experiment.overrides if _key(o) != SEED_KEY)
        buckets.setdefault(key, []).append(experiment)
    chunks: list[list[PlannedExperiment]] = []
    for members in buckets.values():
        size = 1 if members[0].method in single_seed_methods else group_size or len(members)
        chunks += [members[i : i + size] for i in range(0, len(members), size)]
    return [Group(index=i, experiments=tuple(chunk)) for i, chunk in enumerate(chunks)]


def _key(override: str) -> str:
    """The key of an override: `seed` for `seed=3`, `+seed=3` or `++seed=3`."""
    return override.partition("=")[0].lstrip("+~")


def _value(overrides: Sequence[str], key: str) -> str | None:
    for override in overrides:
        if _key(override) == key:
            return override.partition("=")[2]
    return None
