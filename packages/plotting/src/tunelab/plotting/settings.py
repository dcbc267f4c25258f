"""Figure settings of a study, from a YAML file: method names, groups and order,
per-benchmark titles and axis limits, the layout of the subplot grid.

Example (`tunelab-plot results/my_paper --settings plot.yaml`)::

    title: Multi-fidelity methods on tabulated benchmarks
    ncols: 3
    log_y: true
    methods:
      order: [random_search, asha, bohb]        # also selects these methods
      labels: {random_search: RS, asha: ASHA, bohb: BOHB}
      groups:                                   # one line style per group
        baselines: [random_search]
        multi-fidelity: [asha, bohb]
    benchmarks:
      sklearn-digits-mlp: {title: Digits MLP, ylim: [0.0, 0.1], xlim: [0, 60]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class BenchmarkSettings:
    """How one benchmark is drawn; None keeps the default."""

    title: str | None = None
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None


@dataclass(frozen=True)
class PlotSettings:
    """Everything about a study's figures that is not data."""

    title: str | None = None
    ncols: int = 3
    log_x: bool = False
    log_y: bool = False
    order: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    benchmarks: Mapping[str, BenchmarkSettings] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: str | Path) -> PlotSettings:
        """Read a settings file; unknown keys are errors (they are usually typos)."""
        text = Path(path).read_text()
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ValueError(f"{path}: not valid YAML: {error}") from error
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping at the top level, got {data!r}")
        return cls.from_dict(data, where=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "settings") -> PlotSettings:
        """Settings from the structure of the YAML file (see the module docstring)."""
        _check_keys(data, {"title", "ncols", "log_x", "log_y", "methods", "benchmarks"}, where)
        methods = data.get("methods") or {}
        _check_keys(methods, {"order", "labels", "groups"}, f"{where}: methods")
        benchmarks = {}
        for name, entry in (data.get("benchmarks") or {}).items():
            _check_keys(
                entry or {}, {f.name for f in fields(BenchmarkSettings)}, f"{where}: {name}"
            )
            entry = entry or {}
            benchmarks[str(name)] = BenchmarkSettings(
                title=entry.get("title"),
                xlim=_limits(entry.get("xlim"), f"{where}: {name}.xlim"),
                ylim=_limits(entry.get("ylim"), f"{where}: {name}.ylim"),
            )
        ncols = data.get("ncols", 3)
        if not isinstance(ncols, int) or ncols < 1:
            raise ValueError(f"{where}: ncols must be a positive integer, got {ncols!r}")
        return cls(
            title=data.get("title"),
            ncols=ncols,
            log_x=bool(data.get("log_x", False)),
            log_y=bool(data.get("log_y", False)),
            order=tuple(str(m) for m in methods.get("order") or ()),
            labels={str(k): str(v) for k, v in (methods.get("labels") or {}).items()},
            groups={
                str(k): tuple(str(m) for m in v) for k, v in (methods.get("groups") or {}).items()
            },
            benchmarks=benchmarks,
        )

    def label(self, method: str) -> str:
        """The display name of `method`."""
        return self.labels.get(method, method)


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {data!r}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _limits(value: Any, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{where}: expected [low, high], got {value!r}")
    low, high = (float(v) for v in value)
    if not low < high:
        raise ValueError(f"{where}: expected low < high, got {value!r}")
    return low, high
