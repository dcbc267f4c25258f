from __future__ import annotations

from typing import cast

import pytest

from tunelab.core import AskTell, Decision
from tunelab.core.methods import random_search
from tunelab.core.space import choice, uniform


def test_ask_tell_loop_finds_the_best_config() -> None:
    space = {"x": uniform(-2.0, 2.0), "kind": choice(["a", "b"])}
    loop = AskTell(random_search(space, metric="y", seed=0))
    for _ in range(30):
        trial = loop.ask()
        assert trial is not None
        y = trial.config["x"] ** 2 + (0.5 if trial.config["kind"] == "b" else 0.0)
        assert loop.tell(trial.trial_id, {"y": y}, final=True) is Decision.CONTINUE
    results = loop.results()
    assert len(results) == 30
    best = loop.best_config()
    assert best["x"] == pytest.approx(results.loc[cast(int, results["y"].idxmin()), "config_x"])
    assert all(t.status.value == "completed" for t in loop.trials.values())


def test_tell_checks_trial_state() -> None:
    loop = AskTell(random_search({"x": uniform(0, 1)}, metric="y", seed=0))
    trial = loop.ask()
    assert trial is not None
    with pytest.raises(ValueError, match="before any result"):
        loop.complete(trial.trial_id)
    loop.tell(trial.trial_id, {"y": 1.0}, final=True)
    with pytest.raises(ValueError, match="trial 0 is completed"):
        loop.tell(trial.trial_id, {"y": 2.0})
    with pytest.raises(KeyError, match="no trial 7"):
        loop.fail(7)
