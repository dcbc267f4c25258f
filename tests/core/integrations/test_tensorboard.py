"""TensorBoardCallback against the real format: what it writes is read back with
TensorBoard's own event reader."""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata

from tunelab.core import Decision, Trial, TrialStatus, TunerCallback
from tunelab.core.integrations import TensorBoardCallback, TrackingWarning
from tunelab.core.integrations._event_file import EventFile
from tunelab.core.integrations.tensorboard import LEDGER_FILE, trial_run

from .tracked import Interrupt, best_so_far, expected_series, make_tuner, results

ALL = {"scalars": 0, "tensors": 0}  # keep every event, not a sample


def read_run(folder: Path) -> EventAccumulator:
    run = EventAccumulator(str(folder), size_guidance=ALL)
    run.Reload()
    return run


def scalars(folder: Path, tag: str) -> list[tuple[int, float]]:
    return [(event.step, event.value) for event in read_run(folder).Scalars(tag)]


def logged_series(log_dir: Path, tag: str) -> dict[int, list[tuple[int, float]]]:
    series = {}
    for run in sorted(log_dir.glob("trial_*")):
        if tag in read_run(run).Tags()["scalars"]:
            series[int(run.name.removeprefix("trial_"))] = scalars(run, tag)
    return series


def assert_same_series(
    logged: dict[int, list[tuple[int, float]]], expected: dict[int, list[tuple[int, float]]]
) -> None:
    assert logged.keys() == expected.keys()
    for trial_id, points in expected.items():
        assert [step for step, _ in logged[trial_id]] == [step for step, _ in points], trial_id
        assert [value for _, value in logged[trial_id]] == pytest.approx(
            [value for _, value in points], rel=1e-6
        )


def plugin_content(folder: Path, tag: str) -> bytes:
    run = read_run(folder)
    assert tag in run.Tags()["tensors"], f"{tag} missing in {folder.name}"
    content: bytes = run.SummaryMetadata(tag).plugin_data.content
    return content


def test_each_trial_is_a_run_with_every_number_at_its_resource_level(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    make_tuner(path, [TensorBoardCallback()]).run()
    log_dir = path / "tensorboard"
    assert sorted(p.name for p in log_dir.glob("trial_*")) == [
        trial_run(t) for t in sorted(results(path)["trial_id"].unique())
    ]
    for key in ("loss", "accuracy", "epoch"):
        assert_same_series(logged_series(log_dir, key), expected_series(path, key, "epoch"))
    tags = read_run(log_dir / trial_run(0)).Tags()["scalars"]
    assert sorted(tags) == ["accuracy", "epoch", "loss"]  # no string, NaN or timestamp


def test_without_a_resource_attribute_results_are_stepped_by_position(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    make_tuner(path, [TensorBoardCallback()], multi_fidelity=False, budget=12).run()
    logged = logged_series(path / "tensorboard", "accuracy")
    assert_same_series(logged, expected_series(path, "accuracy", None))
    assert [step for step, _ in logged[0]] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("multi_fidelity", "metric", "mode"), [(True, "loss", "min"), (False, "accuracy", "max")]
)
def test_the_tuner_run_holds_the_best_so_far_staircase(
    tmp_path: Path, multi_fidelity: bool, metric: str, mode: str
) -> None:
    path = tmp_path / "exp"
    make_tuner(path, [TensorBoardCallback()], multi_fidelity=multi_fidelity).run()
    points = scalars(path / "tensorboard" / "tuner", f"best/{metric}")
    bests = best_so_far(path, metric, mode)
    # each improvement: the previous best, then the new one, at the same step
    expected = [bests[0], *(v for pair in itertools.pairwise(bests) for v in pair)]
    assert [value for _, value in points] == pytest.approx(expected, rel=1e-6)
    steps = [step for step, _ in points]
    assert steps == sorted(steps)
    assert steps[-1] == int(results(path)["tuner_time"].max())


@pytest.mark.parametrize("multi_fidelity", [True, False])
def test_configurations_are_hparams_sessions_that_end_with_the_trial(
    tmp_path: Path, multi_fidelity: bool
) -> None:
    path = tmp_path / "exp"
    tuner = make_tuner(path, [TensorBoardCallback()], multi_fidelity=multi_fidelity)
    tuner.run()
    log_dir = path / "tensorboard"
    statuses = set()
    for trial in tuner.trials.values():
        folder = log_dir / trial_run(trial.trial_id)
        start = hparams_metadata.parse_session_start_info_plugin_data(
            plugin_content(folder, hparams_metadata.SESSION_START_INFO_TAG)
        )
        assert start.hparams["x"].number_value == pytest.approx(trial.config["x"])
        assert start.hparams["layers"].number_value == trial.config["layers"]
        assert start.hparams["act"].string_value == trial.config["act"]
        if trial.status is TrialStatus.PAUSED:  # may resume when the experiment is extended
            assert hparams_metadata.SESSION_END_INFO_TAG not in read_run(folder).Tags()["tensors"]
            continue
        end = hparams_metadata.parse_session_end_info_plugin_data(
            plugin_content(folder, hparams_metadata.SESSION_END_INFO_TAG)
        )
        failed = trial.status is TrialStatus.FAILED
        assert end.status == (2 if failed else 1)  # STATUS_FAILURE, STATUS_SUCCESS
        statuses.add(trial.status)
    assert TrialStatus.COMPLETED in statuses
    assert (TrialStatus.FAILED in statuses) is not multi_fidelity  # trial 4 of random search


def test_a_resumed_experiment_logs_every_result_once(tmp_path: Path) -> None:
    """The interruption comes before the callback sees the 9th result, which the
    tuner saved: the resumed run logs it from the results table, and skips the
    results the restarted trials report again."""
    path, log_dir = tmp_path / "exp", tmp_path / "tb"
    with pytest.raises(KeyboardInterrupt):
        make_tuner(path, [Interrupt(after=9), TensorBoardCallback(log_dir=log_dir)]).run()
    assert len(results(path)) == 9
    assert sum(len(points) for points in logged_series(log_dir, "loss").values()) == 8
    make_tuner(path, [TensorBoardCallback(log_dir=log_dir)]).run()
    assert_same_series(logged_series(log_dir, "loss"), expected_series(path, "loss", "epoch"))
    ledger = json.loads((log_dir / LEDGER_FILE).read_text())
    counts = results(path).groupby("trial_id").size()
    assert {int(k): v["results"] for k, v in ledger["trials"].items()} == counts.to_dict()


def test_runs_of_trials_the_experiment_did_not_save_are_discarded(tmp_path: Path) -> None:
    """A killed run may have logged a trial it started after its last save; resumed,
    the experiment gives that trial's id to a new trial."""
    path, log_dir = tmp_path / "exp", tmp_path / "tb"
    first = make_tuner(path, [Interrupt(after=9), TensorBoardCallback(log_dir=log_dir)])
    with pytest.raises(KeyboardInterrupt):
        first.run()
    ghost_id = max(first.trials) + 1
    ghost = EventFile(log_dir / trial_run(ghost_id))
    ghost.session_start({"x": 123.0})
    ghost.scalars({"loss": 123.0}, 1)
    ghost.close()
    ledger = json.loads((log_dir / LEDGER_FILE).read_text())
    ledger["trials"][str(ghost_id)] = {"results": 3}
    (log_dir / LEDGER_FILE).write_text(json.dumps(ledger))
    resumed = make_tuner(path, [TensorBoardCallback(log_dir=log_dir)])
    resumed.run()
    assert ghost_id in resumed.trials
    assert_same_series(logged_series(log_dir, "loss"), expected_series(path, "loss", "epoch"))
    sessions = read_run(log_dir / trial_run(ghost_id)).Tensors(
        hparams_metadata.SESSION_START_INFO_TAG
    )
    assert len(sessions) == 1


def test_an_attempt_that_saved_nothing_is_discarded(tmp_path: Path) -> None:
    """A run killed before its first save restarts the experiment from scratch (the
    same folder, trial ids from 0 again): its TensorBoard runs go too."""
    path = tmp_path / "exp"
    with pytest.raises(KeyboardInterrupt):
        make_tuner(path, [TensorBoardCallback(), Interrupt(after=5)]).run()
    (path / "results.parquet").unlink()  # as if killed before the first save
    shutil.rmtree(path / "tuner_state")
    make_tuner(path, [TensorBoardCallback()], budget=10).run()
    log_dir = path / "tensorboard"
    assert_same_series(logged_series(log_dir, "loss"), expected_series(path, "loss", "epoch"))


def test_a_log_dir_of_another_experiment_is_refused(tmp_path: Path) -> None:
    log_dir = tmp_path / "tb"
    make_tuner(tmp_path / "one", [TensorBoardCallback(log_dir=log_dir)], budget=6).run()
    before = sorted(p.name for p in log_dir.iterdir())
    callback = TensorBoardCallback(log_dir=log_dir)
    with pytest.warns(TrackingWarning, match="another experiment"):
        make_tuner(tmp_path / "two", [callback], budget=6).run()
    assert not callback.enabled
    assert len(results(tmp_path / "two")) > 0
    assert sorted(p.name for p in log_dir.iterdir()) == before


def test_an_unwritable_log_dir_warns_once_and_tuning_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    callback = TensorBoardCallback(log_dir=blocker / "tb")
    path = tmp_path / "exp"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_tuner(path, [callback]).run()
    tracking = [w for w in caught if issubclass(w.category, TrackingWarning)]
    assert len(tracking) == 1
    assert "TensorBoardCallback stopped logging" in str(tracking[0].message)
    assert str(path) in str(tracking[0].message)
    assert not callback.enabled
    assert len(results(path)) >= 40


class BreakFolder(TunerCallback):
    """Replaces the log folder by a file at the `after`-th result."""

    def __init__(self, log_dir: Path, after: int) -> None:
        self.log_dir, self.after, self.seen = log_dir, after, 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.seen += 1
        if self.seen == self.after:
            shutil.rmtree(self.log_dir)
            self.log_dir.write_text("")


def test_a_failure_while_tuning_warns_once_and_tuning_goes_on(tmp_path: Path) -> None:
    path, log_dir = tmp_path / "exp", tmp_path / "tb"
    callback = TensorBoardCallback(log_dir=log_dir, flush_interval=0)
    with pytest.warns(TrackingWarning, match="after an error at") as caught:
        make_tuner(path, [BreakFolder(log_dir, after=4), callback]).run()
    assert len([w for w in caught if issubclass(w.category, TrackingWarning)]) == 1
    assert not callback.enabled
    assert len(results(path)) >= 40
    assert json.loads((path / "metadata.json").read_text())["status"] == "complete"


def test_a_missing_tensorboardx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'tunelab-core\[tensorboard\]'"):
        TensorBoardCallback()


@pytest.mark.parametrize("interval", [-1.0, "5", float("nan"), True])
def test_a_bad_flush_interval_is_refused(interval: Any) -> None:
    with pytest.raises(ValueError, match=r"flush_interval=.*expected a number of seconds >= 0"):
        TensorBoardCallback(flush_interval=interval)


def test_a_bad_log_dir_is_refused() -> None:
    with pytest.raises(TypeError, match="log_dir must be a path or None, got 3"):
        TensorBoardCallback(log_dir=3)  # type: ignore[arg-type]
