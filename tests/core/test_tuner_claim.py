"""`Tuner.run` looks at its folder again under the lock (issue 14, item 4): a tuner
built before another one ran in the same folder never overwrites that run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tunelab.core import (
    Decision,
    StoppingCriterion,
    Trial,
    Tuner,
    TunerCallback,
    TunerOptions,
    load_experiment,
)
from tunelab.core.methods import random_search
from tunelab.core.space import uniform
from tunelab.core.testing import InlineBackend

SPACE = {"x": uniform(0.0, 1.0), "epochs": 3}


def curve(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for epoch in range(1, config["epochs"] + 1):
        yield {"epoch": epoch, "loss": config["x"] / epoch}


def make_tuner(path: Path | None, **kwargs: Any) -> Tuner:
    return Tuner(
        backend=InlineBackend(curve),
        scheduler=random_search(SPACE, metric="loss", seed=0, resource_attr="epoch"),
        stop_criterion=StoppingCriterion(max_num_trials_completed=5),
        n_workers=2,
        path=path,
        options=TunerOptions(sleep_time=0.0, progress_interval=None),
        **kwargs,
    )


class InterruptAfter(TunerCallback):
    def __init__(self, n_results: int) -> None:
        self.n_results, self.seen = n_results, 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.seen += 1
        if self.seen == self.n_results:
            raise KeyboardInterrupt


def test_a_tuner_built_before_another_completed_the_folder_refuses_to_run(
    tmp_path: Path,
) -> None:
    path = tmp_path / "exp"
    first, second = make_tuner(path), make_tuner(path)
    first.run()
    finished = load_experiment(path)
    with pytest.raises(FileExistsError, match="is complete"):
        second.run()
    after = load_experiment(path)
    pd.testing.assert_frame_equal(after.results, finished.results)
    assert after.metadata == finished.metadata


def test_with_the_default_path_the_later_tuner_takes_a_fresh_sibling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_RESULTS", str(tmp_path))
    first, second = make_tuner(None), make_tuner(None)
    assert first.path == second.path == tmp_path / "curve"
    first.run()
    rows = len(load_experiment(first.path).results)
    second.run()
    assert second.path == tmp_path / "curve-2"
    assert len(load_experiment(first.path).results) == rows
    assert load_experiment(second.path).metadata["status"] == "complete"


def test_a_tuner_built_before_another_was_interrupted_resumes_its_run(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    first = make_tuner(path, callbacks=[InterruptAfter(7)])
    second = make_tuner(path)
    with pytest.raises(KeyboardInterrupt):
        first.run()
    before = load_experiment(path).results
    assert len(before) == 7
    second.run()
    after = load_experiment(path)
    assert len(after.metadata["resumed_at"]) == 1
    pd.testing.assert_frame_equal(after.results.iloc[:7][before.columns], before, check_dtype=False)
    assert not after.results.duplicated(["trial_id", "epoch"]).any()


def test_a_completed_tuner_cannot_run_twice(tmp_path: Path) -> None:
    tuner = make_tuner(tmp_path / "exp")
    tuner.run()
    with pytest.raises(FileExistsError, match="is complete"):
        tuner.run()
