"""What the tuner records about a method comes from `Scheduler.describe()` (issue 15):
an interface of the ABC, not attributes probed with getattr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.methods import asha, bohb, pbt, random_search
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import config_space_to_json, uniform
from tunelab.core.testing import InlineBackend
from tunelab.core.trial import Decision, Mode, Trial, TrialSuggestion

SPACE = {"x": uniform(0.0, 1.0), "epochs": 3}


def test_a_preset_describes_its_parts() -> None:
    described = bohb(SPACE, metric="loss", resource_attr="epoch", max_resource=3, seed=4).describe()
    assert described["method"] == "bohb"
    assert (described["scheduler"], described["searcher"]) == ("HyperbandScheduler", "KDESearcher")
    assert isinstance(described["scheduler_seed"], int)
    assert (described["metric"], described["mode"]) == (["loss"], ["min"])
    assert described["resource_attr"] == "epoch"
    assert described["rung_levels"] == [1.0, 3.0]
    assert described["config_space"] == config_space_to_json(SPACE)
    json.dumps(described)  # metadata.json takes it as it is


def test_a_scheduler_that_owns_its_space_describes_it() -> None:
    scheduler = pbt(SPACE, metric="loss", resource_attr="epoch", max_resource=3, seed=0)
    assert scheduler.describe()["config_space"] == config_space_to_json(SPACE)


class Minimal(Scheduler):
    """The least a scheduler implements: no searcher, no space, no levels."""

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        return TrialSuggestion.start({"x": 0.5}) if trial_id < 2 else None

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        return Decision.CONTINUE

    def metric_names(self) -> list[str]:
        return ["loss"]

    def metric_mode(self) -> list[Mode]:
        return ["min"]


def test_the_defaults_of_the_abc_describe_a_minimal_scheduler() -> None:
    described = Minimal().describe()
    assert described["method"] == "Minimal"
    assert described["config_space"] is None and described["rung_levels"] is None


def curve(config: dict[str, Any]) -> Any:
    for epoch in (1, 2, 3):
        yield {"epoch": epoch, "loss": config["x"] / epoch}


def test_the_tuner_records_what_the_scheduler_describes(tmp_path: Path) -> None:
    for name, scheduler in {
        "fifo": random_search(SPACE, metric="loss", seed=1),
        "asha": asha(SPACE, metric="loss", resource_attr="epoch", max_resource=3, seed=1),
        "minimal": Minimal(),
    }.items():
        Tuner(
            backend=InlineBackend(curve),
            scheduler=scheduler,
            stop_criterion=StoppingCriterion(max_num_trials_completed=2),
            path=tmp_path / name,
            options=TunerOptions(sleep_time=0.0, progress_interval=None),
        ).run()
        metadata = load_experiment(tmp_path / name).metadata
        for key, value in scheduler.describe().items():
            assert metadata[key] == value, (name, key)
