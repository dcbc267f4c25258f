"""A constraint metric (feasible when <= 0): the tuner's and ask/tell's best results,
the best value the tuner prints and its metric thresholds count feasible results only."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.core import (
    ProgressPrinter,
    StoppingCriterion,
    Tuner,
    TunerOptions,
    TuningStatus,
    load_experiment,
)
from tunelab.core.asktell import AskTell
from tunelab.core.methods import grid_search
from tunelab.core.space import choice
from tunelab.core.status import is_feasible
from tunelab.core.testing import InlineBackend

# x = 0 is the best loss but infeasible; x = 2 the best feasible one
SPACE = {"x": choice([0, 1, 2, 3, 4])}
QUIET = TunerOptions(sleep_time=0.0, progress_interval=None)


def evaluate(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    x = config["x"]
    yield {"loss": float(x), "c": 1.5 - x}  # feasible iff x >= 1.5


def tuner(path: Path, **kwargs: Any) -> Tuner:
    arguments: dict[str, Any] = {
        "backend": InlineBackend(evaluate),
        "scheduler": grid_search(SPACE, metric="loss", seed=0),
        "stop_criterion": StoppingCriterion(max_num_trials_completed=5),
        "path": path,
        "options": QUIET,
    }
    arguments.update(kwargs)
    return Tuner(**arguments)


@pytest.mark.parametrize(
    ("result", "feasible"),
    [
        ({"c": -1.0}, True),
        ({"c": 0}, True),
        ({"c": np.float32(-0.5)}, True),
        ({"c": 0.1}, False),
        ({"c": math.nan}, False),
        ({"c": "-1"}, False),
        ({"c": True}, False),
        ({}, False),
    ],
)
def test_a_result_is_feasible_when_its_constraint_is_at_most_0(
    result: dict[str, Any], feasible: bool
) -> None:
    assert is_feasible(result, "c") is feasible
    assert is_feasible(result, None)


def test_the_best_config_is_the_best_feasible_one_and_metadata_records_it(tmp_path: Path) -> None:
    run = tuner(tmp_path / "exp", constraint="c")
    run.run()
    assert run.best_config() == {"x": 2}
    experiment = load_experiment(tmp_path / "exp")
    assert experiment.metadata["constraint"] == "c"
    assert experiment.best_config() == {"x": 2}
    assert run.status.metric_min["loss"] == 2.0  # feasible results only
    assert run.status.metric_min["c"] == -2.5  # the constraint's own values: all


def test_without_a_constraint_every_result_counts(tmp_path: Path) -> None:
    run = tuner(tmp_path / "exp")
    run.run()
    assert run.best_config() == {"x": 0}
    assert "constraint" not in json.loads((tmp_path / "exp" / "metadata.json").read_text())
    assert run.status.metric_min["loss"] == 0.0


def test_the_printed_best_is_feasible(tmp_path: Path) -> None:
    stream = io.StringIO()
    run = tuner(tmp_path / "exp", constraint="c", callbacks=[ProgressPrinter(stream=stream)])
    run.run()
    assert stream.getvalue().splitlines()[-1].endswith("best loss = 2")


def test_a_threshold_is_met_by_feasible_results_only(tmp_path: Path) -> None:
    criterion = StoppingCriterion(min_metric_value={"loss": 0.5})
    run = tuner(tmp_path / "exp", constraint="c", stop_criterion=criterion)
    run.run()  # x = 0 reaches the threshold but is infeasible: all five run
    assert len(run.trials) == 5
    status = TuningStatus(constraint="c")
    status.observe_result({"loss": 0.1, "c": 1.0})
    assert not criterion(status) and status.metric_max == {"c": 1.0}
    status.observe_result({"loss": 0.4, "c": -1.0})
    assert criterion(status)


def test_the_metadata_names_the_constraint_too(tmp_path: Path) -> None:
    run = tuner(tmp_path / "exp", metadata={"constraint": "c"})
    assert run.constraint == "c"
    run.run()
    assert run.best_config() == {"x": 2}
    same = tuner(tmp_path / "other", constraint="c", metadata={"constraint": "c", "seed": 1})
    assert same.constraint == "c"
    unset = tuner(tmp_path / "unset", metadata={"constraint": None})
    assert unset.constraint is None


def test_bad_or_conflicting_constraints_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="constraint must be None or the name of a reported"):
        tuner(tmp_path / "a", constraint="")
    with pytest.raises(ValueError, match=r"metadata\['constraint'\]: constraint must be None"):
        tuner(tmp_path / "b", metadata={"constraint": 3})
    with pytest.raises(ValueError, match=r"constraint='c', but metadata\['constraint'\] = 'd'"):
        tuner(tmp_path / "c", constraint="c", metadata={"constraint": "d"})


def test_no_feasible_result_is_a_clear_error(tmp_path: Path) -> None:
    run = tuner(tmp_path / "exp", constraint="missing")
    run.run()
    with pytest.raises(ValueError, match=r"no result of .* is feasible: the constraint 'missing'"):
        run.best_config()


def test_a_resumed_tuner_keeps_counting_feasible_results(tmp_path: Path) -> None:
    first = tuner(
        tmp_path / "exp", constraint="c", stop_criterion=StoppingCriterion(max_num_results=3)
    )
    first.run()
    assert first.best_config() == {"x": 2}
    more = tuner(tmp_path / "exp", constraint="c", extend=True)
    more.run()
    assert more.best_config() == {"x": 2} and more.status.metric_min["loss"] == 2.0
    assert load_experiment(tmp_path / "exp").metadata["constraint"] == "c"


# -- ask/tell ------------------------------------------------------------------------------


def ask_tell_all(loop: AskTell) -> None:
    while (asked := loop.ask()) is not None:
        for result in evaluate(asked.config):
            loop.tell(asked.trial_id, result, final=True)


def test_ask_tell_counts_feasible_results_only() -> None:
    loop = AskTell(grid_search(SPACE, metric="loss", seed=0), constraint="c")
    ask_tell_all(loop)
    assert loop.best_config() == {"x": 2}
    assert loop.best_trial().config == {"x": 2}
    plain = AskTell(grid_search(SPACE, metric="loss", seed=0))
    ask_tell_all(plain)
    assert plain.best_config() == {"x": 0}


def test_ask_tell_without_feasible_result_or_with_a_bad_constraint_is_an_error() -> None:
    loop = AskTell(grid_search(SPACE, metric="loss", seed=0), constraint="latency")
    ask_tell_all(loop)
    with pytest.raises(ValueError, match="no told result is feasible: the constraint 'latency'"):
        loop.best_config()
    with pytest.raises(ValueError, match="constraint must be None or the name"):
        AskTell(grid_search(SPACE, metric="loss"), constraint=["c"])  # type: ignore[arg-type]
