"""MLflowCallback against a real MLflow store (SQLite files in a temporary folder),
read back with MLflow's own client. Slow: MLflow takes seconds to import and to
create a store, so these tests share one freshly created store file as a template."""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from tunelab.core import Decision, Trial, TrialStatus, TunerCallback
from tunelab.core.integrations import MLflowCallback, TrackingWarning
from tunelab.core.integrations.mlflow import COUNT_TAG, PARENT_TAG, STATUS_TAG, TRIAL_TAG

from .tracked import Interrupt, best_so_far, expected_series, make_tuner, results

slow = pytest.mark.slow
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy")  # MLflow's


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow store: creating one runs MLflow's database migrations."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow.tracking import MlflowClient

    file = tmp_path_factory.mktemp("mlflow") / "template.db"
    MlflowClient(tracking_uri=f"sqlite:///{file}").search_experiments()
    return file


@pytest.fixture
def store(template: Path, tmp_path: Path) -> str:
    """The tracking URI of a fresh store of this test."""
    file = tmp_path / "store" / "mlflow.db"
    file.parent.mkdir()
    shutil.copy(template, file)
    return f"sqlite:///{file}"


def client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def trial_runs(uri: str, parent: Any) -> dict[int, Any]:
    runs = client(uri).search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`{PARENT_TAG}` = '{parent.info.run_id}'",
        max_results=1000,
    )
    return {int(run.data.tags[TRIAL_TAG]): run for run in runs}


def histories(uri: str, runs: dict[int, Any], key: str) -> dict[int, list[tuple[int, float]]]:
    mlflow = client(uri)
    return {
        trial_id: [(m.step, m.value) for m in mlflow.get_metric_history(run.info.run_id, key)]
        for trial_id, run in runs.items()
    }


@slow
def test_a_run_per_experiment_and_a_nested_run_per_trial_in_the_default_store(
    tmp_path: Path,
) -> None:
    path = tmp_path / "exp"
    callback = MLflowCallback()
    metadata = {"benchmark": "quadratic", "seed": 3}
    tuner = make_tuner(path, [callback], multi_fidelity=False, metadata=metadata)
    tuner.run()
    uri = f"sqlite:///{path / 'mlflow' / 'mlflow.db'}"
    parent = client(uri).get_run(callback.run_id)
    assert parent.info.status == "FINISHED" and parent.info.run_name == "exp"
    assert client(uri).get_experiment(parent.info.experiment_id).name == "exp"
    tags, params, metrics = parent.data.tags, parent.data.params, parent.data.metrics
    assert (tags["benchmark"], tags["seed"], tags["method"]) == ("quadratic", "3", "random_search")
    assert tags["tunelab.results"] == str(path)
    assert params["scheduler"] == "FIFOScheduler" and params["metric"] == '["accuracy"]'
    assert params["config_space.act.categories"] == '["relu", "tanh"]'
    frame = results(path)
    best_row = frame.iloc[int(frame["accuracy"].to_numpy().argmax())]
    best = float(best_row["accuracy"])
    assert metrics["best/accuracy"] == pytest.approx(best)
    assert metrics["best_result/accuracy"] == pytest.approx(best)
    assert metrics["best_result/epoch"] == best_row["epoch"]
    assert tags["best_trial/accuracy"] == str(best_row["trial_id"])
    assert json.loads(tags["best_config/accuracy"])["x"] == pytest.approx(best_row["config_x"])
    curve = client(uri).get_metric_history(callback.run_id, "best/accuracy")
    assert [m.value for m in curve] == pytest.approx([*best_so_far(path, "accuracy", "max"), best])

    runs = trial_runs(uri, parent)
    assert runs.keys() == set(tuner.trials)
    for trial_id, run in runs.items():
        trial = tuner.trials[trial_id]
        assert run.info.run_name == f"trial {trial_id}"
        assert run.data.params["act"] == trial.config["act"]
        assert float(run.data.params["x"]) == pytest.approx(trial.config["x"])
        assert run.data.tags[STATUS_TAG] == trial.status.value
        failed = trial.status is TrialStatus.FAILED
        assert run.info.status == ("FAILED" if failed else "FINISHED")
        assert ("tunelab.error" in run.data.tags) is failed
        assert set(run.data.metrics) == {"epoch", "loss", "accuracy"}
    assert histories(uri, runs, "loss") == expected_series(path, "loss", None)


@slow
def test_a_resumed_experiment_continues_its_runs_and_logs_every_result_once(
    tmp_path: Path, store: str
) -> None:
    path = tmp_path / "exp"
    first = MLflowCallback(tracking_uri=store, experiment_name="study")
    with pytest.raises(KeyboardInterrupt):
        make_tuner(path, [Interrupt(after=9), first]).run()
    assert client(store).get_run(first.run_id).info.status == "KILLED"
    second = MLflowCallback(tracking_uri=store, experiment_name="study")
    tuner = make_tuner(path, [second])
    tuner.run()
    assert second.run_id == first.run_id
    parent = client(store).get_run(second.run_id)
    assert parent.info.status == "FINISHED"
    runs = trial_runs(store, parent)
    assert runs.keys() == set(tuner.trials)
    assert histories(store, runs, "loss") == expected_series(path, "loss", "epoch")
    counts = results(path).groupby("trial_id").size().to_dict()
    assert {t: int(run.data.tags[COUNT_TAG]) for t, run in runs.items()} == counts
    paused = [t for t, trial in tuner.trials.items() if trial.status is TrialStatus.PAUSED]
    assert paused and all(runs[t].data.tags[STATUS_TAG] == "paused" for t in paused)


@slow
def test_runs_of_trials_the_experiment_did_not_save_are_discarded(
    tmp_path: Path, store: str
) -> None:
    """A killed run may have logged a trial it started after its last save; resumed,
    the experiment gives that trial's id to a new trial."""
    from mlflow.entities import Metric

    path = tmp_path / "exp"
    callback = MLflowCallback(tracking_uri=store)
    first = make_tuner(path, [Interrupt(after=9), callback])
    with pytest.raises(KeyboardInterrupt):
        first.run()
    ghost_id = max(first.trials) + 1
    parent = client(store).get_run(callback.run_id)
    ghost = client(store).create_run(
        parent.info.experiment_id,
        tags={PARENT_TAG: parent.info.run_id, TRIAL_TAG: str(ghost_id), COUNT_TAG: "3"},
    )
    client(store).log_batch(ghost.info.run_id, metrics=[Metric("loss", 123.0, 0, 1)])
    resumed = make_tuner(path, [MLflowCallback(tracking_uri=store)])
    resumed.run()
    assert ghost_id in resumed.trials
    runs = trial_runs(store, parent)
    assert runs[ghost_id].info.run_id != ghost.info.run_id
    assert client(store).get_run(ghost.info.run_id).info.lifecycle_stage == "deleted"
    assert histories(store, runs, "loss") == expected_series(path, "loss", "epoch")


@slow
def test_an_unusable_store_warns_once_and_tuning_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    callback = MLflowCallback(tracking_uri=f"sqlite:///{blocker}/mlflow.db")
    path = tmp_path / "exp"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_tuner(path, [callback]).run()
    tracking = [w for w in caught if issubclass(w.category, TrackingWarning)]
    assert len(tracking) == 1
    assert "MLflowCallback stopped logging to MLflow" in str(tracking[0].message)
    assert not callback.enabled
    assert len(results(path)) >= 40


class DeleteRun(TunerCallback):
    """Deletes the experiment's MLflow run at the `after`-th result."""

    def __init__(self, callback: MLflowCallback, uri: str, after: int) -> None:
        self.callback, self.uri, self.after, self.seen = callback, uri, after, 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.seen += 1
        if self.seen == self.after:
            client(self.uri).delete_run(self.callback.run_id)


@slow
def test_a_failure_while_tuning_warns_once_and_tuning_goes_on(tmp_path: Path, store: str) -> None:
    path = tmp_path / "exp"
    callback = MLflowCallback(tracking_uri=store, flush_interval=0)
    with pytest.warns(TrackingWarning, match="after an error at") as caught:
        make_tuner(path, [DeleteRun(callback, store, after=5), callback]).run()
    assert len([w for w in caught if issubclass(w.category, TrackingWarning)]) == 1
    assert not callback.enabled
    assert json.loads((path / "metadata.json").read_text())["status"] == "complete"
    assert len(results(path)) >= 40


def test_a_missing_mlflow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r"pip install 'tunelab-core\[mlflow\]'"):
        MLflowCallback()


@pytest.mark.parametrize("option", ["tracking_uri", "experiment_name", "run_name"])
def test_an_empty_name_is_refused(option: str) -> None:
    settings: dict[str, Any] = {option: ""}
    with pytest.raises(ValueError, match=f"{option}='': expected a non-empty string or None"):
        MLflowCallback(**settings)
