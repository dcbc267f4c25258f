"""First-in-first-out scheduling: every trial runs to completion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tunelab.core.schedulers._searcher import SearcherScheduler
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Decision, Mode, Trial


class FIFOScheduler(SearcherScheduler):
    """Starts configurations from a searcher and lets each trial run to its end.

    The searcher learns from the final result of each completed trial. With a
    `RandomSearcher` this is random search, with a `GridSearcher` grid search, with a
    model-based searcher it is (asynchronous) Bayesian optimization.

    Args:
        searcher: Proposes the configurations.
        metric: Name (or names, multi-objective) of the reported metric to optimise.
        mode: "min" or "max", one for all metrics or one per metric.
        resource_attr: Name of the resource (e.g. "epoch") in results, if any; a
            resumed experiment uses it to skip results a restarted trial reports twice.
    """

    one_metric = False
    needs_resource = False

    def __init__(
        self,
        searcher: Searcher,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode] = "min",
        resource_attr: str | None = None,
    ) -> None:
        super().__init__(searcher, metric=metric, mode=mode, resource_attr=resource_attr)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        self._check_metrics(trial, result)
        return Decision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self._check_metrics(trial, result)
        self.searcher.observe(trial.trial_id, trial.config, result)
        self.searcher.remove_pending(trial.trial_id)

    def on_trial_error(self, trial: Trial) -> None:
        self.searcher.on_error(trial.trial_id)

    def on_trial_remove(self, trial: Trial) -> None:
        self.searcher.remove_pending(trial.trial_id)

    def _check_metrics(self, trial: Trial, result: dict[str, Any]) -> None:
        missing = [name for name in self._metrics if name not in result]
        if missing:
            raise ValueError(
                f"trial {trial.trial_id} reported {sorted(result)} without the metric(s) "
                f"{missing} that the scheduler optimises; report them with every result "
                "or fix the scheduler's metric"
            )

    def state_dict(self) -> dict[str, Any]:
        return {"searcher": self.searcher.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.searcher.load_state_dict(state["searcher"])
