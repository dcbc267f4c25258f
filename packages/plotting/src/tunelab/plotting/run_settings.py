"""The settings that change what a run's results mean, and the rule that runs
aggregated together share them.

A figure averages the seeds of a method on a benchmark and compares the methods of a
benchmark with one another. That is only meaningful when those runs solved the same
problem under the same conditions. `check_settings` refuses a study whose runs of one
benchmark recorded different values of a setting, naming each field, its values and
which runs have which; `split_by_settings` instead makes a benchmark of each
combination of values (`sklearn-digits-mlp [max_wallclock_time=60]`).

What is compared (`run_settings`), from each experiment's `metadata.json`:

- `budget` as one value (a limit absent from it is a limit not set), `n_workers`,
  `metric`, `mode`, `resource_attr`, `backend` (simulated or real) and `config_space`;
- every leaf of `backend_settings` except its `seed` (seeds differ per repetition by
  design), of `problem` and of `reference` (the values regret is normalised with);
- every leaf of `hydra_config.benchmark` except the locations of data or code and
  the benchmark's default `n_workers` and `max_wallclock_time` (the values a run
  actually used are `n_workers` and `budget`). A location is a key named `source`,
  `path`, `paths`, `dir`, `directory`, `root`, `folder`, `file`, `url` or `uri`, or
  ending in `_` and one of these (`load_options.source`, `data_path`, ...): the same
  data read from another place is the same benchmark.

Not compared: the method and its settings, seeds, times, versions, git revision,
command line, overrides, study name, status.

A setting absent from a run's metadata (written by an older version) is unrecorded
and agrees with any value: only two recorded values that differ conflict. A null
`resource_attr` or `config_space` is unrecorded too (the tuner records what the
scheduler exposes, and some expose neither).

The methods of a benchmark may differ in a setting that their labels name: a field
given to `group_methods` (`--group-by`; the same setting recorded elsewhere, such as
`hydra_config.benchmark.time_scale` for `backend_settings.time_scale`, counts as
named), and `charge_decision_time`, which `mark_decision_time_charged` writes into
the label. The seeds of one method must agree on every setting.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tunelab.plotting.loading import Study
from tunelab.plotting.selection import seed_span

WHOLE_FIELDS = ("budget", "n_workers", "metric", "mode", "resource_attr", "backend", "config_space")
"""Settings compared as one value each."""
NESTED_FIELDS = ("backend_settings", "problem", "reference", "hydra_config.benchmark")
"""Settings compared leaf by leaf."""
CHARGE_FIELDS = (
    "backend_settings.charge_decision_time",
    "hydra_config.benchmark.charge_decision_time",
)
"""Where a run records whether decision time moved the simulated clock (first found wins)."""
CHARGED_LABEL = " (decision time charged)"
"""Appended to the label of a method whose runs charged decision time to the clock."""

_IGNORED = frozenset(
    {
        "backend_settings.seed",
        "hydra_config.benchmark.n_workers",
        "hydra_config.benchmark.max_wallclock_time",
    }
)
_NULL_IS_UNRECORDED = frozenset({"resource_attr", "config_space"})
_LOCATION_WORDS = (
    "source",
    "path",
    "paths",
    "dir",
    "directory",
    "root",
    "folder",
    "file",
    "url",
    "uri",
)
_SETTING_PREFIXES = ("hydra_config.benchmark.", "backend_settings.", "problem.", "budget.")
_UNRECORDED = "unrecorded"
_MAX_LISTED = 8


@dataclass(frozen=True)
class SettingConflict:
    """Runs of one benchmark that recorded different values of one setting.

    Attributes:
        benchmark: The benchmark (label) whose runs differ.
        field: The dotted metadata field, e.g. `budget` or `backend_settings.time_scale`.
        values: experiment -> recorded value (canonical JSON text), for the runs that
            recorded the field.
        within_method: Whether the runs of one method differ (not only methods from
            one another).
    """

    benchmark: str
    field: str
    values: Mapping[str, str]
    within_method: bool


class MixedSettingsError(ValueError):
    """Runs aggregated together ran with different settings (see `check_settings`)."""

    def __init__(self, message: str, conflicts: Sequence[SettingConflict]) -> None:
        super().__init__(message)
        self.conflicts = list(conflicts)


def run_settings(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The recorded settings of one experiment: dotted field -> canonical JSON text."""
    found: dict[str, str] = {}
    for name in WHOLE_FIELDS:
        if name in metadata and not (metadata[name] is None and name in _NULL_IS_UNRECORDED):
            found[name] = _canonical(metadata[name])
    for name in NESTED_FIELDS:
        node = _get(metadata, name)
        if not isinstance(node, Mapping):
            continue
        for leaf, value in _leaves(node, name):
            if leaf not in _IGNORED and not _is_location(leaf):
                found[leaf] = _canonical(value)
    return found


def settings_conflicts(study: Study) -> list[SettingConflict]:
    """Every setting in which the runs of a benchmark differ (module docstring: which
    settings, and when methods may differ), sorted by benchmark and field."""
    settings = {e: run_settings(study.metadata.get(e, {})) for e in study.runs["experiment"]}
    conflicts = []
    for benchmark, runs in study.runs.groupby("benchmark", sort=True):
        method_of = dict(zip(runs["experiment"], runs["method"].astype(str), strict=True))
        for name in sorted(set().union(*(settings[e] for e in method_of))):
            values = {e: settings[e][name] for e in method_of if name in settings[e]}
            if len(set(values.values())) < 2:
                continue
            per_method: dict[str, set[str]] = defaultdict(set)
            for experiment, value in values.items():
                per_method[method_of[experiment]].add(value)
            within = any(len(v) > 1 for v in per_method.values())
            if within or not _labelled(name, study.grouped_by):
                conflicts.append(SettingConflict(str(benchmark), name, values, within))
    return conflicts


def check_settings(study: Study) -> None:
    """Refuse a study whose runs of one benchmark ran with different settings.

    Raises:
        MixedSettingsError: Naming, per benchmark, each differing field, its values
            and the methods and seeds (and an experiment folder) that have each value.
    """
    conflicts = settings_conflicts(study)
    if not conflicts:
        return
    identity = {
        str(e): (str(m), int(s))
        for e, m, s in zip(
            study.runs["experiment"], study.runs["method"], study.runs["seed"], strict=True
        )
    }
    lines = [_describe(c, identity) for c in conflicts[:_MAX_LISTED]]
    if len(conflicts) > _MAX_LISTED:
        lines.append(f"... and {len(conflicts) - _MAX_LISTED} more")
    message = (
        "runs aggregated together on a benchmark ran with different settings, so their "
        "results do not mean the same thing:\n"
        + "\n".join(f"  - {line}" for line in lines)
        + "\nPlot each setting on its own with --split-by-settings, keep one value with "
        "--where FIELD=VALUE (nested fields with dots, e.g. budget.max_wallclock_time), "
        "or, where methods differ on purpose, name the field in their labels with "
        "--group-by FIELD"
    )
    raise MixedSettingsError(message, conflicts)


def split_by_settings(study: Study) -> Study:
    """Make a benchmark of each combination of the settings its runs differ in.

    `sklearn-digits-mlp` whose seeds ran 60 s and 120 s budgets becomes
    `sklearn-digits-mlp [max_wallclock_time=60]` and `... [max_wallclock_time=120]`,
    each plotted and tabulated on its own (and counted as a benchmark of its own in
    figures over benchmarks). A run that did not record a split setting goes to
    `[<name>=unrecorded]`. Benchmarks without conflicts keep their name.
    """
    conflicts = settings_conflicts(study)
    if not conflicts:
        return study
    by_benchmark: dict[str, list[SettingConflict]] = defaultdict(list)
    for conflict in conflicts:
        by_benchmark[conflict.benchmark].append(conflict)
    runs = study.runs.copy()
    labels = runs["benchmark"].astype(str).tolist()
    for i, experiment in enumerate(runs["experiment"]):
        found = by_benchmark.get(labels[i])
        if found:
            labels[i] = f"{labels[i]} [{_suffix(found, str(experiment))}]"
    runs["benchmark"] = labels
    return study.with_runs(runs)


def decision_time_charged(metadata: Mapping[str, Any]) -> bool:
    """Whether the run charged its scheduler's decision time to the simulated clock."""
    for name in CHARGE_FIELDS:
        value = _get(metadata, name)
        if value is not None:
            return bool(value)
    return False


def mark_decision_time_charged(study: Study) -> Study:
    """Append `CHARGED_LABEL` to each method whose runs on a benchmark charged decision
    time to the simulated clock: their results depend on the machine and its load."""
    charged = study.runs["experiment"].map(
        lambda e: decision_time_charged(study.metadata.get(e, {}))
    )
    if not charged.any():
        return study
    runs = study.runs.copy()
    marked = charged.groupby([runs["benchmark"], runs["method"]]).transform("any")
    runs["method"] = runs["method"].where(~marked, runs["method"] + CHARGED_LABEL)
    return study.with_runs(runs)


def charged_methods(study: Study) -> list[str]:
    """The method labels whose runs charged decision time to the clock, sorted."""
    charged = study.runs["experiment"].map(
        lambda e: decision_time_charged(study.metadata.get(e, {}))
    )
    return sorted(pd.unique(study.runs.loc[charged, "method"].astype(str)))


def _describe(conflict: SettingConflict, identity: Mapping[str, tuple[str, int]]) -> str:
    """One line: the benchmark, the field, and which runs have each value."""
    by_value: dict[str, list[str]] = defaultdict(list)
    for experiment, value in sorted(conflict.values.items()):
        by_value[value].append(experiment)
    shown = []
    for value, experiments in sorted(by_value.items()):
        seeds: dict[str, list[int]] = defaultdict(list)
        for experiment in experiments:
            method, seed = identity.get(experiment, (experiment, 0))
            seeds[method].append(seed)
        who = ", ".join(
            f"{m} seed{'s' if len(s) > 1 else ''} {seed_span(s)}" for m, s in sorted(seeds.items())
        )
        shown.append(f"{_show(value, set(by_value))} in {who} (e.g. {experiments[0]})")
    where = " (the seeds of one method differ)" if conflict.within_method else ""
    return f"{conflict.benchmark}: {conflict.field}{where}: " + "; ".join(shown)


def _suffix(conflicts: Sequence[SettingConflict], experiment: str) -> str:
    """`max_wallclock_time=60, n_workers=4`: the split settings of one run."""
    parts: dict[str, str] = {}
    for conflict in conflicts:
        value = conflict.values.get(experiment)
        leaf = conflict.field.rsplit(".", 1)[-1]
        if value is None:
            text = _UNRECORDED
        elif _is_mapping(value):
            parts.update(_differing_items(value, set(conflict.values.values())))
            continue
        else:
            text = _plain(json.loads(value))
        name = leaf if parts.get(leaf, text) == text else conflict.field
        parts[name] = text
    return ", ".join(f"{k}={v}" for k, v in parts.items())


def _show(value: str, all_values: set[str]) -> str:
    """A recorded value for messages; of a mapping (budget), the keys that differ."""
    if _is_mapping(value):
        items = _differing_items(value, all_values)
        return ", ".join(f"{k}={v}" for k, v in items.items()) or "{}"
    return _plain(json.loads(value))


def _differing_items(value: str, all_values: set[str]) -> dict[str, str]:
    """The keys of mapping `value` whose values are not the same in every one of `all_values`."""
    mine = json.loads(value)
    mappings = [json.loads(v) for v in all_values if _is_mapping(v)]
    keys = sorted(set().union(*(m.keys() for m in mappings)))
    differing = [k for k in keys if len({json.dumps(m.get(k)) for m in mappings}) > 1]
    return {k: _plain(mine[k]) if k in mine else "unset" for k in differing}


def _is_mapping(text: str) -> bool:
    return text.startswith("{")


def _plain(value: Any, limit: int = 40) -> str:
    """A value as short text: strings bare, a long `Name(...)` repr as `Name(…)`."""
    text = value if isinstance(value, str) else json.dumps(value)
    if len(text) <= limit:
        return text
    call = re.fullmatch(r"(\w+)\(.*\)", text, flags=re.DOTALL)
    return f"{call.group(1)}(…)" if call else text[: limit - 1] + "…"


def _labelled(name: str, grouped_by: Sequence[str]) -> bool:
    """Whether the method labels name setting `name` (so methods may differ in it)."""
    if _concept(name) == "charge_decision_time":
        return True
    return any(
        name == g
        or name.startswith(f"{g}.")
        or g.startswith(f"{name}.")
        or _concept(name) == _concept(g)
        for g in grouped_by
    )


def _concept(name: str) -> str:
    """The setting a field records, wherever: `backend_settings.time_scale` -> `time_scale`."""
    for prefix in _SETTING_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _is_location(name: str) -> bool:
    key = name.rsplit(".", 1)[-1].lower()
    return key in _LOCATION_WORDS or any(key.endswith(f"_{w}") for w in _LOCATION_WORDS)


def _get(metadata: Mapping[str, Any], dotted: str) -> Any:
    node: Any = metadata
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _leaves(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, name)
        else:
            yield name, value


def _canonical(value: Any) -> str:
    """JSON text that is equal for equal settings: sorted keys, 60.0 written as 60."""
    return json.dumps(_normalise(value), sort_keys=True)


def _normalise(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    return value
