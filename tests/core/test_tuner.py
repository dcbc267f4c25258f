from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tunelab.core import (
    Decision,
    FIFOScheduler,
    RandomSearcher,
    StoppingCriterion,
    TooManyFailuresError,
    Trial,
    Tuner,
    TunerCallback,
    TunerOptions,
    load_experiment,
)
from tunelab.core import tuner as tuner_module
from tunelab.core.methods import grid_search, random_search
from tunelab.core.results.store import ExperimentStore
from tunelab.core.space import choice, randint, uniform
from tunelab.core.testing import InlineBackend

SPACE = {"x": uniform(0.0, 1.0), "layers": randint(1, 4), "epochs": 3}
QUIET = TunerOptions(sleep_time=0.0, progress_interval=None)


def curve(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for epoch in range(1, config["epochs"] + 1):
        yield {"epoch": epoch, "loss": (config["x"] - 0.3) ** 2 + 1.0 / epoch}


def make_tuner(path: Path | None, fn: Any = curve, **kwargs: Any) -> Tuner:
    defaults: dict[str, Any] = {
        "backend": InlineBackend(fn),
        "scheduler": random_search(SPACE, metric="loss", seed=0, resource_attr="epoch"),
        "stop_criterion": StoppingCriterion(max_num_trials_completed=6),
        "n_workers": 2,
        "path": path,
        "options": QUIET,
    }
    defaults.update(kwargs)
    return Tuner(**defaults)


def test_run_writes_results_and_metadata(tmp_path: Path) -> None:
    tuner = make_tuner(tmp_path / "exp", metadata={"benchmark": "quadratic", "seed": 3})
    tuner.run()
    experiment = load_experiment(tmp_path / "exp")
    results = experiment.results
    assert {"trial_id", "tuner_time", "epoch", "loss", "decision", "status"} <= set(results)
    assert {"config_x", "config_layers", "config_epochs"} <= set(results)
    completed = [t for t, trial in tuner.trials.items() if trial.status.value == "completed"]
    assert len(completed) >= 6
    assert set(completed) <= set(results["trial_id"])
    assert (results["status"] == "running").all()  # the trial's status when it reported
    assert results.groupby("trial_id")["epoch"].max().min() >= 1
    assert (results["decision"] == "continue").all()
    assert results["tuner_time"].is_monotonic_increasing
    meta = experiment.metadata
    assert meta["status"] == "complete"
    assert meta["metric"] == ["loss"] and meta["mode"] == ["min"]
    assert meta["benchmark"] == "quadratic" and meta["seed"] == 3
    assert meta["scheduler"] == "FIFOScheduler" and meta["searcher"] == "RandomSearcher"
    assert meta["budget"] == {"max_num_trials_completed": 6}
    assert meta["config_space"]["x"]["type"]
    assert meta["versions"]["tunelab-core"]
    best = experiment.best_result()
    assert best.value == pytest.approx(results["loss"].min())
    assert tuner.best_config() == best.config
    assert best.config["epochs"] == 3


def test_scheduler_with_nothing_left_ends_the_run(tmp_path: Path) -> None:
    space = {"a": choice(["p", "q"]), "b": randint(0, 1), "epochs": 1}
    tuner = make_tuner(
        tmp_path / "grid",
        scheduler=grid_search(space, metric="loss"),
        fn=lambda config: [{"loss": config["b"]}],
        stop_criterion=StoppingCriterion(max_wallclock_time=60),
    )
    tuner.run()
    experiment = load_experiment(tmp_path / "grid")
    assert sorted(experiment.results["trial_id"]) == [0, 1, 2, 3]
    assert "no more configurations" in experiment.metadata["stop_reason"]


def test_failed_trials_are_recorded_and_tuning_goes_on(tmp_path: Path) -> None:
    def flaky(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"loss": config["x"], "epoch": 1}
        if config["layers"] == 1:
            raise RuntimeError("CUDA out of memory (simulated)")

    errors: list[str] = []

    class Errors(TunerCallback):
        def on_trial_error(self, trial: Trial, error: str) -> None:
            errors.append(error)

    tuner = make_tuner(
        tmp_path / "flaky",
        fn=flaky,
        callbacks=[Errors()],
        options=TunerOptions(sleep_time=0, progress_interval=None, max_failures=1000),
        stop_criterion=StoppingCriterion(max_num_trials_finished=30),
    )
    tuner.run()
    assert tuner.status.num_trials_failed > 0
    assert tuner.status.num_trials_completed > 0
    assert all("CUDA out of memory" in error for error in errors)
    assert len(errors) == tuner.status.num_trials_failed


def test_max_failures_ends_a_run_where_every_trial_fails(tmp_path: Path) -> None:
    def broken(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        raise ValueError("bad input")
        yield {}

    tuner = make_tuner(
        tmp_path / "broken",
        fn=broken,
        options=TunerOptions(sleep_time=0, progress_interval=None, max_failures=3),
        stop_criterion=StoppingCriterion(max_wallclock_time=600),
    )
    with pytest.raises(
        TooManyFailuresError, match=r"[34] trials failed \(max_failures=3\).*bad input"
    ):
        tuner.run()
    meta = load_experiment(tmp_path / "broken").metadata
    assert meta["status"] == "failed"
    assert "max_failures=3" in meta["stop_reason"]


def test_trial_that_reports_nothing_counts_as_failed(tmp_path: Path) -> None:
    tuner = make_tuner(
        tmp_path / "silent",
        fn=lambda config: [],
        options=TunerOptions(sleep_time=0, progress_interval=None, max_failures=2),
    )
    with pytest.raises(TooManyFailuresError, match="without reporting any result"):
        tuner.run()


def test_callbacks_see_every_event_in_order(tmp_path: Path) -> None:
    events: list[tuple[Any, ...]] = []

    class Recorder(TunerCallback):
        def on_tuning_start(self, tuner: Tuner) -> None:
            events.append(("start",))

        def on_trial_start(self, trial: Trial) -> None:
            events.append(("trial_start", trial.trial_id))

        def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
            events.append(("result", trial.trial_id, result["epoch"], decision))

        def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
            events.append(("complete", trial.trial_id, result["epoch"]))

        def on_tuning_end(self, tuner: Tuner) -> None:
            events.append(("end",))

    make_tuner(
        tmp_path / "cb",
        n_workers=1,
        callbacks=[Recorder()],
        stop_criterion=StoppingCriterion(max_num_trials_completed=2),
    ).run()
    assert events[0] == ("start",) and events[-1] == ("end",)
    assert events[1:9] == [
        ("trial_start", 0),
        ("result", 0, 1, Decision.CONTINUE),
        ("result", 0, 2, Decision.CONTINUE),
        ("result", 0, 3, Decision.CONTINUE),
        ("complete", 0, 3),
        ("trial_start", 1),
        ("result", 1, 1, Decision.CONTINUE),
        ("result", 1, 2, Decision.CONTINUE),
    ]


class StopOddTrials(FIFOScheduler):
    """Stops odd trials after epoch 1 and pauses trial 2 once, to exercise decisions."""

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        super().on_trial_result(trial, result)
        if trial.trial_id % 2 == 1 and result["epoch"] == 1:
            return Decision.STOP
        if trial.trial_id == 2 and result["epoch"] == 2:
            return Decision.PAUSE
        return Decision.CONTINUE


def test_stop_and_pause_decisions_reach_backend_and_results(tmp_path: Path) -> None:
    backend = InlineBackend(curve)
    scheduler = StopOddTrials(RandomSearcher(SPACE, seed=1), metric="loss")
    tuner = make_tuner(
        tmp_path / "decisions",
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=4),
    )
    tuner.run()
    results = load_experiment(tmp_path / "decisions").results
    stopped = results[results["decision"] == "stop"]
    assert sorted(stopped["trial_id"]) == [1, 3]
    assert (stopped["status"] == "stopped").all()
    assert list(results[results["decision"] == "pause"]["trial_id"]) == [2]
    assert {1, 3} <= set(backend.stopped)
    assert backend.paused == [2]
    assert tuner.trials[2].status.value == "paused"


def test_metric_threshold_stops_early(tmp_path: Path) -> None:
    tuner = make_tuner(
        tmp_path / "threshold",
        stop_criterion=StoppingCriterion(min_metric_value={"loss": 0.4}, max_num_results=10_000),
    )
    tuner.run()
    assert tuner.status.metric_min["loss"] <= 0.4
    assert tuner.status.num_results < 10_000


class InterruptAfter(TunerCallback):
    def __init__(self, n_results: int) -> None:
        self.n_results = n_results
        self.seen = 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.seen += 1
        if self.seen == self.n_results:
            raise KeyboardInterrupt


def test_interrupted_run_resumes_keeping_results_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "resume"
    first = make_tuner(path, callbacks=[InterruptAfter(7)], options=QUIET)
    with pytest.raises(KeyboardInterrupt):
        first.run()
    before = load_experiment(path)
    assert before.metadata["status"] == "interrupted"
    assert len(before.results) == 7
    interrupted = {t for t, trial in first.trials.items() if trial.status.value == "running"}
    assert interrupted

    second = make_tuner(path)
    second.run()
    after = load_experiment(path)
    assert after.metadata["status"] == "complete"
    assert len(after.metadata["resumed_at"]) == 1
    pd.testing.assert_frame_equal(
        after.results.iloc[:7].reset_index(drop=True)[before.results.columns],
        before.results,
        check_dtype=False,
    )
    ids = sorted(after.results["trial_id"].unique())
    assert ids == list(range(len(ids)))
    assert max(ids) > max(before.results["trial_id"])
    # an interrupted trial restarts from scratch; its repeated epochs are not recorded twice
    for trial_id in interrupted:
        epochs = after.results[after.results["trial_id"] == trial_id]["epoch"]
        assert sorted(epochs) == [1, 2, 3]


def test_resume_refuses_a_different_experiment(tmp_path: Path) -> None:
    path = tmp_path / "resume"
    with pytest.raises(KeyboardInterrupt):
        make_tuner(path, callbacks=[InterruptAfter(2)]).run()
    with pytest.raises(ValueError, match=r"cannot resume.*metric"):
        make_tuner(path, scheduler=random_search(SPACE, metric="accuracy", mode="max"))


def test_default_path_and_fresh_sibling_after_completion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_RESULTS", str(tmp_path / "root"))
    first = make_tuner(None)
    assert first.path == tmp_path / "root" / "curve"
    first.run()
    second = make_tuner(None)
    assert second.path == tmp_path / "root" / "curve-2"
    with pytest.raises(FileExistsError, match=r"is complete"):
        make_tuner(first.path)


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_workers must be an integer >= 1, got 0"):
        make_tuner(tmp_path, n_workers=0)
    with pytest.raises(TypeError, match="backend must be a tunelab Backend, got str"):
        make_tuner(tmp_path, backend="local")
    with pytest.raises(ValueError, match="metadata keys \\['status'\\]"):
        make_tuner(tmp_path, metadata={"status": "x"})


def test_metadata_json_is_plain_json(tmp_path: Path) -> None:
    make_tuner(tmp_path / "json").run()
    meta = json.loads((tmp_path / "json" / "metadata.json").read_text())
    assert meta["n_workers"] == 2
    assert meta["start_time"] <= meta["end_time"]


def test_best_so_far_curve_and_plot(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    make_tuner(tmp_path / "plot").run()
    experiment = load_experiment(tmp_path / "plot")
    curve = experiment.best_so_far()
    assert curve["best"].is_monotonic_decreasing
    assert curve["best"].iloc[-1] == pytest.approx(experiment.results["loss"].min())
    ax = experiment.plot()
    assert ax.get_ylabel() == "best loss so far"
    with pytest.raises(ValueError, match="not one of the experiment's"):
        experiment.best_config("accuracy")


def test_max_num_trials_started_runs_exactly_that_many_trials_to_the_end(tmp_path: Path) -> None:
    tuner = make_tuner(
        tmp_path / "started", stop_criterion=StoppingCriterion(max_num_trials_started=5)
    )
    tuner.run()
    assert len(tuner.trials) == 5
    assert all(trial.status.value == "completed" for trial in tuner.trials.values())
    assert len(tuner.results()) == 5 * 3


def test_a_second_tuner_cannot_run_in_a_locked_folder(tmp_path: Path) -> None:
    from tunelab.core.results.lock import ExperimentLock

    path = tmp_path / "locked"
    lock = ExperimentLock(path)
    with pytest.raises(RuntimeError, match="another tuner is running the experiment"):
        make_tuner(path).run()
    lock.release()
    make_tuner(path).run()
    assert load_experiment(path).metadata["status"] == "complete"


def test_best_config_names_an_unknown_metric(tmp_path: Path) -> None:
    tuner = make_tuner(tmp_path / "metric")
    tuner.run()
    with pytest.raises(ValueError, match=r"metric 'acc' is not one of the experiment's \['loss'\]"):
        tuner.best_config("acc")
    with pytest.raises(IndexError, match="metric index 1 is out of range"):
        tuner.best_config(1)
    assert load_experiment(tuner.path).metadata["scheduler_seed"] == 0


# -- decision time ----------------------------------------------------------------------


class FakeTimer:
    """Stands for `time.perf_counter` in the tuner: every timed call lasts 0.125 s, plus
    whatever the scheduler adds to `now` while it runs (dyadic values: exact sums)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += 0.125  # the time between a call's two reads
        return self.now


class SlowResults(FIFOScheduler):
    """Random search whose `on_trial_result` takes 1000 (fake) seconds."""

    def __init__(self, timer: FakeTimer) -> None:
        super().__init__(RandomSearcher(SPACE, seed=0), metric="loss", resource_attr="epoch")
        self.timer = timer

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        self.timer.now += 1000.0
        return super().on_trial_result(trial, result)


@pytest.fixture
def timer(monkeypatch: pytest.MonkeyPatch) -> FakeTimer:
    fake = FakeTimer()
    monkeypatch.setattr(tuner_module, "_decision_timer", fake)
    return fake


def expected_total(timer: FakeTimer, rows: int) -> float:
    """0.125 s per timed call (two reads each), 1000 s per on_trial_result (one a row)."""
    return 0.125 * timer.reads / 2 + 1000.0 * rows


def test_each_row_records_the_decision_time_since_the_previous_row(
    tmp_path: Path, timer: FakeTimer
) -> None:
    tuner = make_tuner(tmp_path / "timed", scheduler=SlowResults(timer))
    tuner.run()
    experiment = load_experiment(tuner.path)
    column = experiment.results["decision_time"]
    assert column.dtype == "float64"
    # the first row: suggest and on_trial_add for both workers, then its own result
    assert list(column[:2]) == [1000.0 + 5 * 0.125, 1000.0 + 0.125]
    # every row holds exactly one on_trial_result, its own, and whole calls besides
    calls = (column - 1000.0) / 0.125
    assert (calls >= 1).all() and (calls == calls.round()).all()
    total = experiment.metadata["decision_seconds"]
    assert total == tuner.decision_seconds == expected_total(timer, len(column))
    # what the scheduler did after the last row is in the total, not in the column
    state = ExperimentStore(tuner.path).load()
    assert state is not None and state["decision_seconds"] == total
    assert state["unrecorded_decision_seconds"] > 0
    assert column.sum() + state["unrecorded_decision_seconds"] == total


def test_decision_time_survives_an_interrupted_and_resumed_run(
    tmp_path: Path, timer: FakeTimer
) -> None:
    path = tmp_path / "resume"
    first = make_tuner(path, scheduler=SlowResults(timer), callbacks=[InterruptAfter(7)])
    with pytest.raises(KeyboardInterrupt):
        first.run()
    before = load_experiment(path)
    assert before.metadata["decision_seconds"] == first.decision_seconds > 7000
    saved = ExperimentStore(path).load()
    assert saved is not None and saved["decision_seconds"] == first.decision_seconds

    second = make_tuner(path, scheduler=SlowResults(timer))
    second.run()
    after = load_experiment(path)
    total = after.metadata["decision_seconds"]
    assert total == second.decision_seconds == expected_total(timer, len(after.results))
    assert total > first.decision_seconds
    column = after.results["decision_time"]
    assert list(column[:7]) == list(before.results["decision_time"])
    state = ExperimentStore(path).load()
    assert state is not None
    assert column.sum() + state["unrecorded_decision_seconds"] == total


def test_decision_time_after_a_kill_resumes_from_the_last_save(
    tmp_path: Path, timer: FakeTimer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "killed"
    options = TunerOptions(sleep_time=0.0, progress_interval=None, save_interval=0.0)
    killed = make_tuner(
        path, scheduler=SlowResults(timer), callbacks=[InterruptAfter(7)], options=options
    )
    # a kill: nothing is saved at the end, and the process's lock goes with it
    monkeypatch.setattr(killed, "_close", lambda outcome, reason: killed._lock.release())
    with pytest.raises(KeyboardInterrupt):
        killed.run()
    saved = ExperimentStore(path).load()
    assert saved is not None
    kept = load_experiment(path).results
    assert 0 < len(kept) < 7
    assert saved["decision_seconds"] < killed.decision_seconds
    assert (
        kept["decision_time"].sum() + saved["unrecorded_decision_seconds"]
        == (saved["decision_seconds"])
    )

    resumed = make_tuner(path, scheduler=SlowResults(timer), options=options)
    resumed.run()
    after = load_experiment(path)
    assert after.metadata["status"] == "complete"
    column = after.results["decision_time"]
    assert list(column[: len(kept)]) == list(kept["decision_time"])
    state = ExperimentStore(path).load()
    assert state is not None
    assert (
        column.sum() + state["unrecorded_decision_seconds"] == (after.metadata["decision_seconds"])
    )


def test_a_reported_decision_time_does_not_replace_the_tuners(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def reports_decision_time(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for result in curve(config):
            yield {**result, "decision_time": -1.0}

    with caplog.at_level(logging.WARNING, logger="tunelab.core.tuner"):
        make_tuner(tmp_path / "reserved", fn=reports_decision_time).run()
    results = load_experiment(tmp_path / "reserved").results
    assert list(results.columns).count("decision_time") == 1
    assert (results["decision_time"] >= 0).all()
    warned = [r for r in caplog.records if "'decision_time'" in r.getMessage()]
    assert len(warned) == 1, "one warning per run, not one per result"


def test_backend_settings_are_recorded_and_must_be_json(tmp_path: Path) -> None:
    class Described(InlineBackend):
        def __init__(self, settings: dict[str, Any]) -> None:
            super().__init__(curve)
            self.settings = settings

        def describe(self) -> dict[str, Any]:
            return self.settings

    make_tuner(tmp_path / "plain").run()
    assert load_experiment(tmp_path / "plain").metadata["backend_settings"] == {}
    make_tuner(tmp_path / "described", backend=Described({"speed": 2.0})).run()
    meta = load_experiment(tmp_path / "described").metadata
    assert meta["backend_settings"] == {"speed": 2.0}
    with pytest.raises(TypeError, match=r"Described.describe\(\) must return JSON"):
        make_tuner(tmp_path / "bad", backend=Described({"speed": object()}))
    with pytest.raises(ValueError, match="set by the tuner"):
        make_tuner(tmp_path / "clash", metadata={"decision_seconds": 1.0})


def test_resume_refuses_other_backend_settings(tmp_path: Path) -> None:
    class Described(InlineBackend):
        def __init__(self, speed: float) -> None:
            super().__init__(curve)
            self.speed = speed

        def describe(self) -> dict[str, Any]:
            return {"speed": self.speed}

    path = tmp_path / "resume"
    with pytest.raises(KeyboardInterrupt):
        make_tuner(path, backend=Described(1.0), callbacks=[InterruptAfter(2)]).run()
    with pytest.raises(ValueError, match=r"cannot resume.*backend_settings"):
        make_tuner(path, backend=Described(2.0))
    make_tuner(path, backend=Described(1.0)).run()
    assert load_experiment(path).metadata["status"] == "complete"


def test_a_custom_criterion_is_asked_again_after_each_trial_it_could_stop(
    tmp_path: Path,
) -> None:
    asked: list[int] = []

    def three_trials(status: Any) -> bool:
        asked.append(status.num_trials_started)
        return bool(status.num_trials_started >= 3)

    tuner = make_tuner(tmp_path / "exp", stop_criterion=three_trials, n_workers=5)
    tuner.run()
    assert len(tuner.trials) == 3  # free workers left, but the criterion held
    assert {1, 2, 3} <= set(asked)  # asked after each start
