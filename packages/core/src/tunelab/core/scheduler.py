"""The `Scheduler` ABC: decides *when* trials start, pause, resume and stop."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from tunelab.core.searcher import Searcher
from tunelab.core.space import config_space_to_json
from tunelab.core.trial import Decision, Mode, Trial, TrialSuggestion


class Scheduler(ABC):
    """Base class of every scheduler.

    The tuner calls, for each free worker, `suggest(trial_id)` with the id the new
    trial would get; for each result `on_trial_result`, whose `Decision` it carries
    out; and exactly one of `on_trial_complete`, `on_trial_error` or `on_trial_remove`
    when a trial ends (remove: stopped by the scheduler's own decision or by the
    tuner at the end of the experiment). `state_dict` / `load_state_dict` let a killed
    experiment resume with the scheduler exactly as it was.

    Subclasses must implement `suggest`, `on_trial_result`, `metric_names` and
    `metric_mode`; the other hooks default to doing nothing, and
    `removable_checkpoints` to naming no checkpoint. Run
    `tunelab.core.testing.SchedulerContract` on every implementation.
    """

    resource_attr: str | None = None
    """Name of the resource (fidelity) key in results, for multi-fidelity schedulers."""

    method_name: str | None = None
    """Name of the method this scheduler implements, recorded as `method` in an
    experiment's metadata. The presets of `tunelab.core.methods` (and of tunelab-gp)
    set their own name; None records the scheduler's and its searcher's class names."""
    searcher: Searcher | None = None
    """The searcher this scheduler composes, None for one that chooses by itself."""
    problem_space: dict[str, Any] | None = None
    """The problem's space when the method searches only part of it on purpose (e.g.
    the box of `bounding_box`): metadata.json then records it as `config_space`, so
    that its runs compare with other methods' on the same problem, and the part
    searched as `search_space`. None: the method searches `config_space` itself."""

    @property
    def config_space(self) -> dict[str, Any] | None:
        """The space the scheduler draws from: its searcher's by default. The tuner
        records it in metadata.json and refuses to resume when it changed."""
        return None if self.searcher is None else self.searcher.config_space

    @property
    def rung_levels(self) -> list[float] | None:
        """The resource levels a multi-fidelity scheduler compares trials at (for
        plots); None for others."""
        return None

    def describe(self) -> dict[str, Any]:
        """The method as an experiment's metadata.json records it: `method`,
        `scheduler`, `searcher` (class names), `scheduler_seed`, `metric`, `mode`,
        `resource_attr`, `rung_levels`, `config_space` (as JSON; the problem's, see
        `problem_space`) and, for a method searching part of it, `search_space`.
        Override it to add entries; keep the values JSON-serialisable."""
        searcher = self.searcher
        name = type(self).__name__
        space = self.config_space if self.problem_space is None else self.problem_space
        levels = self.rung_levels
        searched = self.config_space
        narrowed = (
            {}
            if self.problem_space is None or searched is None
            else {"search_space": config_space_to_json(searched)}
        )
        return {
            "method": self.method_name
            or (name if searcher is None else f"{name}({type(searcher).__name__})"),
            "scheduler": name,
            "searcher": None if searcher is None else type(searcher).__name__,
            "scheduler_seed": None if searcher is None else searcher.seed,
            "metric": self.metric_names(),
            "mode": self.metric_mode(),
            "resource_attr": self.resource_attr,
            "rung_levels": None if levels is None else [float(level) for level in levels],
            "config_space": None if space is None else config_space_to_json(space),
            **narrowed,
        }

    @abstractmethod
    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        """Return what to run next on a free worker, or None when nothing is left to do.

        Args:
            trial_id: Id that a newly started trial will get; ignored for a resume.
        """

    @abstractmethod
    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        """Digest an intermediate result and decide the trial's fate."""

    def on_trial_add(self, trial: Trial) -> None:  # noqa: B027 - optional hook
        """A trial was started from a suggestion of this scheduler."""

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:  # noqa: B027
        """The trial ended by itself; `result` is its last reported result."""

    def on_trial_error(self, trial: Trial) -> None:  # noqa: B027
        """The trial crashed; no more results will come from it."""

    def on_trial_remove(self, trial: Trial) -> None:  # noqa: B027
        """The trial was stopped before it completed; no more results will come."""

    def removable_checkpoints(self) -> list[int]:
        """Ids of paused trials whose checkpoints will (probably) not be needed again.

        With `TunerOptions(checkpoint_removal="speculative")`, the tuner asks for them
        whenever more paused trials hold a checkpoint than `max_kept_checkpoints`, and
        deletes the checkpoints named, in the order given, until the bound holds. List
        first the trials that can never be resumed (e.g. that can no longer be
        promoted), then those least likely to be. A trial resumed after its checkpoint
        was removed restarts from scratch. Ids of trials that are not paused, or were
        named before, are ignored, so the list need not be kept up to date
        incrementally. Called by the tuner between polls: keep it cheap.

        The default names none (nothing is removed speculatively).
        """
        return []

    @abstractmethod
    def metric_names(self) -> list[str]:
        """Names of the metrics this scheduler optimises (one unless multi-objective)."""

    @abstractmethod
    def metric_mode(self) -> list[Mode]:
        """For each of `metric_names()`, whether it is minimised or maximised."""

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue after a restart (picklable)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027
        """Restore what `state_dict` returned (on a freshly constructed scheduler)."""
