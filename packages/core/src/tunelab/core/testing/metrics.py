"""What the simulated trials of the contract suites report: their metrics and a cost.

A contract suite reports one metric by default ("loss", minimised). Multi-objective
schedulers and searchers must pass the suites with several: set the suite's
`metrics` to a `ContractMetrics` with more names (`TWO_METRICS`, or the
`MultiMetric...Contract` classes), and every result carries each of them. Every
result also carries the trial's cumulative cost (`worker_cost`, as the simulator and
SageMaker backends report it), so that cost-aware methods pass the suites too.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from tunelab.core.schedulers._metrics import normalize_metrics
from tunelab.core.searcher import Searcher
from tunelab.core.space import config_key
from tunelab.core.status import COST_KEY
from tunelab.core.trial import Config, Mode


def _hash(config: Config, salt: bytes = b"") -> float:
    """A deterministic value in [0, 1) of a configuration, a different one per salt."""
    return float(zlib.crc32(salt + repr(config_key(config)).encode()) % 1000) / 1000.0


@dataclass(frozen=True)
class ContractMetrics:
    """The metrics (and the cost) the contract suites' trials report, and their values.

    The first metric follows the contract's learning curve: a value of the
    configuration in [0, 1) (its "floor"), plus `1 / epoch` in the scheduler suites
    (`SchedulerContract`: epochs 1 to 9), the floor itself in the searcher suites
    (`SearcherContract`, which reports epoch 1). Each further metric is another
    deterministic value of the configuration in [0, 1), unrelated to the first. With
    `cost_attr`, a result also carries the trial's cumulative cost: a value of the
    configuration in [0.5, 1.5) per epoch, times the epochs trained.

    Attributes:
        names: The metrics, at least one, without repeats.
        modes: "min" or "max" for each metric.
        cost_attr: Result key of the cumulative cost; None reports no cost.
    """

    names: tuple[str, ...] = ("loss",)
    modes: tuple[Mode, ...] = ("min",)
    cost_attr: str | None = COST_KEY

    def __post_init__(self) -> None:
        try:  # a single name or mode is taken as a tuple of one
            names, modes = normalize_metrics(self.names, self.modes)
        except ValueError as error:
            raise ValueError(f"ContractMetrics: {error}") from error
        if self.cost_attr is not None and (not self.cost_attr or self.cost_attr in names):
            raise ValueError(
                f"ContractMetrics: cost_attr must be None or a key other than the metrics "
                f"{names}, got {self.cost_attr!r}"
            )
        object.__setattr__(self, "names", tuple(names))
        object.__setattr__(self, "modes", tuple(modes))

    @property
    def several(self) -> bool:
        """Whether there is more than one metric."""
        return len(self.names) > 1

    def value(self, name: str, config: Config) -> float:
        """The value of metric `name` for `config`, without the learning curve's term."""
        if name not in self.names:
            raise ValueError(f"{name!r} is not one of the metrics {list(self.names)}")
        return _hash(config) if name == self.names[0] else _hash(config, name.encode())

    def cost_per_epoch(self, config: Config) -> float:
        """What one epoch of `config` costs, in [0.5, 1.5)."""
        return 0.5 + _hash(config, b"\x00cost")

    def result(self, config: Config, epoch: int) -> dict[str, float]:
        """Every metric at `epoch` (1, 2, ...) of a trial that trained all of them, and
        its cumulative cost (with `cost_attr`)."""
        values = {name: self.value(name, config) for name in self.names}
        values[self.names[0]] += 1.0 / epoch
        if self.cost_attr is not None:
            values[self.cost_attr] = epoch * self.cost_per_epoch(config)
        return values

    def observation(self, config: Config) -> dict[str, float]:
        """What the searcher suites report for `config` (at epoch 1): every metric's
        value, and the cost of one epoch (with `cost_attr`)."""
        values = {name: self.value(name, config) for name in self.names}
        if self.cost_attr is not None:
            values[self.cost_attr] = self.cost_per_epoch(config)
        return values

    def configure(self, searcher: Searcher, *, resource_attr: str | None = None) -> None:
        """`searcher.configure` with these metrics: a name and a mode for one metric,
        the lists for several."""
        if self.several:
            searcher.configure(
                metric=list(self.names), mode=list(self.modes), resource_attr=resource_attr
            )
        else:
            searcher.configure(
                metric=self.names[0], mode=self.modes[0], resource_attr=resource_attr
            )


TWO_METRICS = ContractMetrics(names=("loss", "size"), modes=("min", "max"))
""""loss" (minimised, the learning curve) and "size" (maximised, unrelated to it)."""


def observe_all(
    searcher: Searcher, configs: Sequence[Config], values: Sequence[Sequence[float]]
) -> None:
    """Register and observe `configs` as trials 0, 1, ... with the metric values
    `values` (one row per configuration, one value per metric of `searcher.metrics`),
    for tests that need a searcher to have seen chosen results."""
    for trial_id, (config, row) in enumerate(zip(configs, values, strict=True)):
        searcher.register_pending(trial_id, config)
        searcher.observe(trial_id, config, dict(zip(searcher.metrics, row, strict=True)))
        searcher.remove_pending(trial_id)
