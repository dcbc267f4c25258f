"""`SearcherScheduler`: the part every scheduler composed with a searcher shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from tunelab.core._signatures import spell_out_options
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers._metrics import normalize_metrics
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Mode, Trial, TrialSuggestion


class SearcherScheduler(Scheduler):
    """A scheduler whose new configurations come from `searcher`.

    It checks and keeps the searcher, the metric(s) and their modes and the resource
    key, and tells the searcher what it optimises (`Searcher.configure`, with every
    metric: `searcher.metric` / `searcher.mode` are the first). By default
    a free worker starts the searcher's next configuration, which the searcher holds
    as pending once the trial is added.

    Subclasses that compare trials on one metric keep `one_metric = True` and read it
    as `metric` / `mode`; those that compare them across resource levels keep
    `needs_resource = True` (a non-empty `resource_attr`).
    """

    one_metric: ClassVar[bool] = True
    needs_resource: ClassVar[bool] = True

    searcher: Searcher
    metric: str
    """The first (for single-objective schedulers the only) metric optimised."""
    mode: Mode

    def __init__(
        self,
        searcher: Searcher,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None,
    ) -> None:
        if not isinstance(searcher, Searcher):
            raise TypeError(
                f"searcher must be a tunelab.core.Searcher, got {type(searcher).__name__}"
            )
        if self.one_metric and not isinstance(metric, str):
            raise ValueError(f"{type(self).__name__} optimises one metric (a str), got {metric!r}")
        if self.needs_resource and (not isinstance(resource_attr, str) or not resource_attr):
            raise ValueError(f"resource_attr must be a non-empty string, got {resource_attr!r}")
        self.searcher = searcher
        self._metrics, self._modes = normalize_metrics(metric, mode)
        self.metric, self.mode = self._metrics[0], self._modes[0]
        self.resource_attr = resource_attr
        searcher.configure(metric=self._metrics, mode=self._modes, resource_attr=resource_attr)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spell_out_options(cls)  # a subclass's `**rungs: Unpack[RungArguments]`

    def metric_names(self) -> list[str]:
        return list(self._metrics)

    def metric_mode(self) -> list[Mode]:
        return list(self._modes)

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        config = self.searcher.suggest(trial_id)
        return None if config is None else TrialSuggestion.start(config)

    def on_trial_add(self, trial: Trial) -> None:
        self.searcher.register_pending(trial.trial_id, trial.config)
