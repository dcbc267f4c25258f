"""What a benchmark asks methods to optimise: its metric(s) and mode(s), the metrics
that play another role (a constraint, a cost), and the reference values of its
hypervolume.

A benchmark preset may name several metrics (`metric: [val_acc, latency]`, `mode:
[max, min]`): methods then get the lists. `constraint: <metric>` names a metric that
is feasible when <= 0 (as in Syne Tune); `bounds` derives such a metric from a bound
on an objective of a simulated benchmark (`latency_excess: {objective: latency,
upper: 0.014}` reports `latency - 0.014`). `cost: <metric>` names the cumulative cost
of a trial (e.g. its training time), which `max_cost` limits. `reference_point`
gives the hypervolume's reference value of some metrics, as a number or as a quantile
of the metric's values in the benchmark's table (`{quantile: 0.99}`, for a metric
whose worst values are rare outliers); the others get the worst value the benchmark
knows.

Everything here is checked without data (`objectives_problems`), so a sweep refuses a
bad preset or override before its first job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

from omegaconf import DictConfig, ListConfig, OmegaConf

from tunelab.core.trial import Mode

MODES = ("min", "max")
BOUND_KEYS = frozenset({"objective", "upper", "lower"})


@dataclass(frozen=True)
class Quantile:
    """A reference value given as the `q`-quantile of a metric's values in the table
    (over every configuration, seed and fidelity), with 0 <= q <= 1."""

    q: float


ReferenceValue = float | Quantile


@dataclass(frozen=True)
class Objectives:
    """A benchmark's metrics and the roles of its other metrics.

    Attributes:
        metrics: The metrics methods optimise (one unless multi-objective).
        modes: "min" or "max" for each of `metrics`.
        constraint: The metric that is feasible when <= 0, or None.
        cost: The metric holding a trial's cumulative cost, or None.
        reference_point: Hypervolume reference values given by the preset, per metric:
            numbers, or quantiles of the table's values.
        bounds: Derived constraint metrics: name -> `{"objective": ..., "upper"/"lower":
            ...}` (simulated benchmarks only).
    """

    metrics: tuple[str, ...]
    modes: tuple[Mode, ...]
    constraint: str | None = None
    cost: str | None = None
    reference_point: dict[str, ReferenceValue] = field(default_factory=dict)
    bounds: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def metric(self) -> str | list[str]:
        """What a method's `metric` gets: the name, or the list of several."""
        return self.metrics[0] if len(self.metrics) == 1 else list(self.metrics)

    @property
    def mode(self) -> Mode | list[Mode]:
        """What a method's `mode` gets: the mode, or one per metric."""
        return self.modes[0] if len(self.modes) == 1 else list(self.modes)

    @property
    def multi_objective(self) -> bool:
        return len(self.metrics) > 1

    def with_default_metric(self, metric: str) -> Objectives:
        """These objectives, with `metric` when the preset named none."""
        if self.metrics:
            return self
        return Objectives(
            (metric,),
            self.modes,
            constraint=self.constraint,
            cost=self.cost,
            reference_point=self.reference_point,
            bounds=self.bounds,
        )

    def named(self) -> list[str]:
        """Every metric the benchmark names: metrics, constraint, cost (in this order)."""
        extra = [name for name in (self.constraint, self.cost) if name is not None]
        return [*self.metrics, *(name for name in extra if name not in self.metrics)]


def objectives_problems(benchmark: DictConfig) -> list[str]:
    """What is wrong with the benchmark's metric, mode, constraint, cost, bounds and
    reference_point (empty when nothing is); needs no data."""
    where = f"benchmark {benchmark.get('name')!r}"
    found: list[str] = []
    metrics = _metric_names(benchmark.get("metric"), where, found)
    _modes(benchmark.get("mode", "min"), metrics, where, found)
    for key in ("constraint", "cost"):
        value = benchmark.get(key)
        if value is not None and not _is_name(value):
            found.append(f"{where}: {key}={_show(value)}: expected the name of a reported metric")
    constraint = benchmark.get("constraint")
    if metrics is not None and _is_name(constraint) and constraint in metrics:
        found.append(
            f"{where}: constraint={constraint!r} is also a metric to optimise; a constraint "
            "metric (feasible when <= 0) is reported besides the metrics"
        )
    found += _reference_problems(benchmark.get("reference_point"), metrics, where)
    found += _bounds_problems(benchmark, where)
    return found


def read_objectives(benchmark: DictConfig) -> Objectives:
    """The benchmark's objectives; call `objectives_problems` first.

    Raises:
        ValueError: If `objectives_problems` finds anything.
    """
    found = objectives_problems(benchmark)
    if found:
        raise ValueError("; ".join(found))
    metrics = _metric_names(benchmark.get("metric"), "", [])
    modes = _modes(benchmark.get("mode", "min"), metrics, "", []) or []
    reference = _plain(benchmark.get("reference_point")) or {}
    bounds = _plain(benchmark.get("bounds")) or {}
    constraint, cost = benchmark.get("constraint"), benchmark.get("cost")
    return Objectives(
        tuple(metrics or ()),
        tuple(modes),
        constraint=None if constraint is None else str(constraint),
        cost=None if cost is None else str(cost),
        reference_point={str(k): _reference_value(v) for k, v in reference.items()},
        bounds={str(k): dict(v) for k, v in bounds.items()},
    )


def _metric_names(value: Any, where: str, found: list[str]) -> list[str] | None:
    """The metric names of `value` (None: the blackbox's first objective)."""
    if value is None:
        return None
    names = [value] if _is_name(value) else _plain(value)
    if not isinstance(names, list) or not names or not all(_is_name(n) for n in names):
        found.append(
            f"{where}: metric={_show(value)}: expected a metric name or a non-empty list "
            "of metric names"
        )
        return None
    if len(set(names)) != len(names):
        found.append(f"{where}: metric={names}: the metric names must be distinct")
        return None
    return [str(name) for name in names]


def _modes(
    value: Any, metrics: list[str] | None, where: str, found: list[str]
) -> list[Mode] | None:
    """One mode per metric: a single mode applies to all of them."""
    count = 1 if metrics is None else len(metrics)
    modes = [value] * count if isinstance(value, str) else _plain(value)
    if not isinstance(modes, list) or not all(m in MODES for m in modes):
        found.append(f"{where}: mode={_show(value)}: expected 'min' or 'max', or a list of them")
        return None
    if len(modes) != count:
        found.append(
            f"{where}: mode={modes} gives {len(modes)} modes for the {count} metric(s) "
            f"{metrics}; give one mode per metric, or a single one for all"
        )
        return None
    return [cast(Mode, m) for m in modes]


def _reference_problems(value: Any, metrics: list[str] | None, where: str) -> list[str]:
    if value is None:
        return []
    entries = _plain(value)
    expected = (
        "expected {metric: <number> or {quantile: <q in [0, 1]>}} for some of the "
        "benchmark's metrics"
    )
    if not isinstance(entries, dict):
        return [f"{where}: reference_point={_show(value)}: {expected}"]
    found = []
    unknown = sorted(str(k) for k in entries if metrics is None or k not in metrics)
    if unknown:
        found.append(
            f"{where}: reference_point names {unknown}, which the benchmark does not "
            f"optimise (its metrics: {metrics}); {expected}"
        )
    for name, entry in entries.items():
        if _is_finite(entry):
            continue
        q = entry.get("quantile") if isinstance(entry, dict) and len(entry) == 1 else None
        if q is None or not _is_finite(q) or not 0 <= q <= 1:
            found.append(
                f"{where}: reference_point.{name}={entry!r}: expected a finite number or "
                "{quantile: <q in [0, 1]>}"
            )
    return found


def _reference_value(entry: Any) -> ReferenceValue:
    return Quantile(float(entry["quantile"])) if isinstance(entry, dict) else float(entry)


def _bounds_problems(benchmark: DictConfig, where: str) -> list[str]:
    value = benchmark.get("bounds")
    if value is None:
        return []
    if benchmark.get("type") != "simulated":
        return [
            f"{where}: bounds derive constraint metrics from a blackbox's objectives, so "
            "only a simulated benchmark has them; a training script reports its "
            "constraint metric itself (name it with constraint=<metric>)"
        ]
    entries = _plain(value)
    if not isinstance(entries, dict):
        return [
            f"{where}: bounds={_show(value)}: expected {{name: {{objective: <objective>, "
            "upper: <number>, lower: <number>}}}"
        ]
    found = []
    for name, bound in entries.items():
        spot = f"{where}: bounds.{name}"
        if not isinstance(bound, dict) or not _is_name(bound.get("objective")):
            found.append(f"{spot}={bound!r}: expected {{objective: <objective>, upper/lower: ...}}")
            continue
        extra = sorted(set(bound) - BOUND_KEYS)
        if extra:
            found.append(f"{spot} has unknown keys {extra}; expected {sorted(BOUND_KEYS)}")
        limits = {k: bound.get(k) for k in ("upper", "lower") if bound.get(k) is not None}
        if not limits:
            found.append(f"{spot} sets neither upper nor lower")
        found += [
            f"{spot}.{k}={v!r}: expected a finite number"
            for k, v in limits.items()
            if not _is_finite(v)
        ]
    return found


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_finite(value: Any) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and math.isfinite(value)


def _plain(node: Any) -> Any:
    if isinstance(node, (DictConfig, ListConfig)):
        return OmegaConf.to_container(node, resolve=True)
    return node


def _show(value: Any) -> str:
    return repr(_plain(value))
