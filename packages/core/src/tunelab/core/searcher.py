"""The `Searcher` ABC: decides *which* configuration to try next."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from tunelab.core.trial import Config, Mode


class Searcher(ABC):
    """Base class of every searcher; schedulers compose one.

    Call sequence: the scheduler calls `configure` once with the metric(s) it
    optimises, then for each new trial `suggest(trial_id)`, followed by
    `register_pending` when the trial starts; `observe` for results the scheduler
    passes on (FIFO: the final result of each trial; multi-fidelity: each rung),
    `remove_pending` when a trial ends without a result to learn from, and `on_error`
    for crashed trials.

    Subclasses implement `suggest` and, if they learn from data, `observe`. Run
    `tunelab.core.testing.SearcherContract` on every implementation.
    """

    one_metric: ClassVar[bool] = True
    """Whether a searcher that learns from results (overrides `observe`) models only
    `metric`, the first of `metrics`; set it to False in a searcher that uses them all
    (NSGA-II, MOREA). `tunelab-run` refuses a multi-objective benchmark for a method
    whose searcher learns from one metric. Searchers that learn nothing serve any
    number of metrics whatever the flag says."""
    config_space: dict[str, Any] | None = None
    """The space the searcher draws from (set it in `__init__`): schedulers read their
    maximum resource from it, the tuner records it in metadata.json and refuses to
    resume an experiment whose space changed."""
    seed: int | None = None
    """The integer seed the searcher was built with, None for a generator or none;
    recorded as the experiment's `scheduler_seed`."""
    metric: str | None = None
    """The metric optimised; with several (multi-objective), the first of `metrics`."""
    mode: Mode = "min"
    metrics: tuple[str, ...] = ()
    """Every metric the scheduler optimises, in its order (one unless multi-objective);
    single-objective searchers read only `metric`."""
    modes: tuple[Mode, ...] = ()
    """The mode of each of `metrics`."""
    resource_attr: str | None = None

    def configure(
        self,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None = None,
    ) -> None:
        """Tell the searcher which metric(s) it serves; called by its scheduler.

        Args:
            metric: The metric's name, or the names of several (multi-objective).
            mode: "min" or "max", one for all metrics or one per metric.
            resource_attr: The resource key of results, for multi-fidelity schedulers.

        Raises:
            ValueError: for an empty or repeated metric name, or modes that are not
                "min"/"max" or do not match the metrics in number.
        """
        # imported here: the schedulers package imports this module
        from tunelab.core.schedulers._metrics import normalize_metrics

        metrics, modes = normalize_metrics(metric, mode)
        self.metrics, self.modes = tuple(metrics), tuple(modes)
        self.metric, self.mode = metrics[0], modes[0]
        self.resource_attr = resource_attr

    @abstractmethod
    def suggest(self, trial_id: int) -> Config | None:
        """Return the configuration for trial `trial_id`, or None when exhausted."""

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:  # noqa: B027
        """Learn from `result`, reported by trial `trial_id` evaluating `config`."""

    def register_pending(self, trial_id: int, config: Config) -> None:  # noqa: B027
        """`config` is being evaluated by trial `trial_id`; no result yet."""

    def remove_pending(self, trial_id: int) -> None:  # noqa: B027
        """Trial `trial_id` is no longer being evaluated."""

    def on_error(self, trial_id: int) -> None:
        """Trial `trial_id` crashed; by default it is simply no longer pending."""
        self.remove_pending(trial_id)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue after a restart (picklable)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027
        """Restore what `state_dict` returned (on a freshly constructed searcher)."""
