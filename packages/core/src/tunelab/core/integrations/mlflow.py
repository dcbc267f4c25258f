"""`MLflowCallback`: one MLflow run per experiment, with a nested run per trial
(extra `tunelab-core[mlflow]`, which installs MLflow's client, mlflow-skinny)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunelab.core.integrations._mlflow_entries import (
    MAX_VALUE,
    best_entries,
    experiment_tags,
    flat,
    metric_entries,
    mlflow_key,
    now_ms,
    owner_key,
    param_entries,
    tag_entries,
)
from tunelab.core.integrations._tracking import TrackingCallback, library_missing
from tunelab.core.trial import Trial, TrialStatus

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

    from tunelab.core.tuner import Tuner

DEFAULT_FOLDER = "mlflow"
"""Inside the experiment folder: the default store (`mlflow.db`, `artifacts/`)."""
OWNER_TAG = "tunelab.experiment_key"
"""Tags the experiment's run: a digest of the experiment folder and its start time."""
PARENT_TAG = "mlflow.parentRunId"
TRIAL_TAG = "tunelab.trial_id"
COUNT_TAG = "tunelab.results_logged"
STATUS_TAG = "tunelab.status"
_MAX_BATCH, _MAX_KEYS = 1000, 100  # MLflow's most runs per search, entries per batch
_END_STATUS = {"complete": "FINISHED", "interrupted": "KILLED"}


class MLflowCallback(TrackingCallback):
    """Logs a tuning run to MLflow: one run per experiment, one nested run per trial.

    The experiment's run gets tags from the experiment's metadata (method, scheduler,
    benchmark, seed, study, budget, results folder, ... whatever is a plain value) and
    the method's settings from `Scheduler.describe()` as parameters; while tuning,
    `best/<metric>`, the best value so far of each optimised metric (step: whole
    seconds of tuner time); at the end, the best result: `best_result/<key>` for each
    value of the best row of the first metric, and the tags `best_trial/<metric>` and
    `best_config/<metric>` (JSON) per metric. Each trial's nested run ("trial 7") has
    its configuration as parameters and its results as metrics, stepped by the
    resource level (else by the result's position); it ends FINISHED (with
    `tunelab.status` completed, stopped or paused) or FAILED (with the error as
    `tunelab.error`). See `TrackingCallback` in `tunelab.core.integrations._tracking`
    for what is logged when.

    A resumed or extended experiment continues the same runs, so nothing is logged
    twice: the experiment's run is found by its tag `tunelab.experiment_key` (a
    digest of the experiment folder and its start time), the trial runs by their
    parent, and each trial run counts the results it holds in its tag
    `tunelab.results_logged`, sent in the same batch as the metrics it counts.
    Metrics are sent in batches every `flush_interval` seconds and when a trial ends.

    MLflow's usage telemetry is switched off (`MLFLOW_DISABLE_TELEMETRY=true`) unless
    that variable is set already: nothing leaves the machine unless `tracking_uri`
    says so.

    Args:
        tracking_uri: Where to log: an MLflow server (`http://host:5000`), a database
            (`sqlite:////path/mlflow.db`), ... Default: the SQLite database
            `<experiment folder>/mlflow/mlflow.db`; view it with
            `mlflow ui --backend-store-uri sqlite:///<that path>`.
        experiment_name: The MLflow experiment (created when missing). Default: the
            name of the experiment folder.
        run_name: The name of the experiment's run. Default: the folder's name.
        flush_interval: Real seconds between two batches sent to MLflow.

    Raises:
        ImportError: If MLflow is not installed (`tunelab-core[mlflow]`).
    """

    tool = "MLflow"

    def __init__(
        self,
        *,
        tracking_uri: str | None = None,
        experiment_name: str | None = None,
        run_name: str | None = None,
        flush_interval: float = 5.0,
    ) -> None:
        super().__init__(flush_interval=flush_interval)
        for name, value in (
            ("tracking_uri", tracking_uri),
            ("experiment_name", experiment_name),
            ("run_name", run_name),
        ):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name}={value!r}: expected a non-empty string or None")
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        try:
            import mlflow.tracking  # noqa: F401
        except ImportError as error:
            raise library_missing(type(self).__name__, "mlflow", "mlflow") from error
        self.tracking_uri = tracking_uri
        self.experiment_name = experiment_name
        self.run_name = run_name
        self._client: MlflowClient | None = None
        self._experiment_id = ""
        self.run_id: str | None = None
        """The experiment's MLflow run, once tuning started."""
        self._runs: dict[int, str] = {}  # trial id -> run id
        self._trials: dict[str, int] = {}  # run id -> trial id
        self._running: set[int] = set()  # trials whose run has status RUNNING
        self._ended: set[int] = set()
        self._pending: dict[str, list[Any]] = {}  # run id -> metrics, params and tags
        self._counted: set[int] = set()  # trials whose count tag is out of date
        self._best_stamp = 0

    @property
    def client(self) -> MlflowClient:
        if self._client is None:
            raise RuntimeError("MLflowCallback has no client before tuning starts")
        return self._client

    @property
    def _parent(self) -> str:
        if self.run_id is None:
            raise RuntimeError("MLflowCallback has no run before tuning starts")
        return self.run_id

    # -- TrackingCallback ---------------------------------------------------------------

    def _attach(self, tuner: Tuner, *, resumed: bool) -> dict[int, int]:
        from mlflow.tracking import MlflowClient

        folder = tuner.path / DEFAULT_FOLDER
        uri = self.tracking_uri or f"sqlite:///{(folder / 'mlflow.db').absolute()}"
        if self.tracking_uri is None:
            folder.mkdir(parents=True, exist_ok=True)
        self._client = client = MlflowClient(tracking_uri=uri)
        self._runs, self._trials, self._running, self._ended = {}, {}, set(), set()
        self._pending, self._counted = {}, set()
        self._experiment_id = self._experiment(client, tuner, folder)
        owner = owner_key(tuner)
        parent = self._find_parent(owner)
        if parent is None:
            tags = {**experiment_tags(tuner), OWNER_TAG: owner}
            run = client.create_run(
                self._experiment_id, run_name=self.run_name or tuner.path.name, tags=tags
            )
            self.run_id = str(run.info.run_id)
            self._queue(self.run_id, param_entries(flat(tuner.scheduler.describe())))
            return {}
        self.run_id = str(parent.info.run_id)
        if not parent.data.params:  # killed before they were sent
            self._queue(self.run_id, param_entries(flat(tuner.scheduler.describe())))
        client.update_run(self.run_id, status="RUNNING")
        counts = {}
        for run in self._trial_runs():
            trial_id, run_id = int(run.data.tags[TRIAL_TAG]), str(run.info.run_id)
            trial = tuner.trials.get(trial_id)
            if not resumed or trial is None:  # left by an attempt that saved nothing
                client.delete_run(run_id)
                continue
            self._runs[trial_id], self._trials[run_id] = run_id, trial_id
            counts[trial_id] = int(run.data.tags.get(COUNT_TAG, "0"))
            if not run.data.params:
                self._queue(run_id, param_entries(trial.config))
            if run.info.status in ("FINISHED", "FAILED"):
                self._ended.add(trial_id)
        return counts

    def _log_result(self, trial: Trial, values: dict[str, float], step: int) -> None:
        self._queue(self._trial_run(trial), metric_entries(values, step))
        self._counted.add(trial.trial_id)

    def _log_best(self, metric: str, values: list[float], step: int) -> None:
        # MLflow orders the points of one step by time: the new best alone, each
        # one a millisecond after the previous, draws the curve in the right order
        from mlflow.entities import Metric

        self._best_stamp = max(now_ms(), self._best_stamp + 1)
        self._queue(
            self._parent, [Metric(mlflow_key(f"best/{metric}"), values[-1], self._best_stamp, step)]
        )

    def _trial_running(self, trial: Trial) -> None:
        run_id = self._trial_run(trial)
        self._ended.discard(trial.trial_id)
        if trial.trial_id not in self._running:
            self.client.update_run(run_id, status="RUNNING")
            self._running.add(trial.trial_id)

    def _trial_paused(self, trial: Trial) -> None:
        self._send(self._trial_run(trial))  # its batch need not wait for the resume

    def _trial_ended(self, trial: Trial, error: str | None) -> None:
        if trial.trial_id in self._ended:
            return
        run_id = self._trial_run(trial)
        tags = {STATUS_TAG: trial.status.value}
        if error is not None:
            tags["tunelab.error"] = error[-MAX_VALUE:]
        self._queue(run_id, tag_entries(tags))
        self._counted.add(trial.trial_id)
        self._send(run_id)
        failed = trial.status is TrialStatus.FAILED
        self.client.set_terminated(run_id, status="FAILED" if failed else "FINISHED")
        self._running.discard(trial.trial_id)
        self._ended.add(trial.trial_id)

    def _flush(self) -> None:
        counted = [self._runs[trial_id] for trial_id in sorted(self._counted)]
        for run_id in dict.fromkeys([*self._pending, *counted]):
            self._send(run_id)

    def _close(self, tuner: Tuner, best: dict[str, dict[str, Any]]) -> None:
        outcome = str(tuner.setup.metadata.get("status"))
        if outcome == "complete":
            for trial_id in sorted(self._runs.keys() - self._ended):
                trial = tuner.trials.get(trial_id)
                if trial is not None:
                    self._trial_ended(trial, None)
        else:  # the trials resume with the experiment: their runs go on then
            for trial_id in sorted(self._running):
                self.client.set_terminated(self._runs[trial_id], status="KILLED")
            self._running = set()
        self._best_stamp = max(now_ms(), self._best_stamp + 1)
        self._queue(self._parent, best_entries(best, tuner.status.tuner_time, self._best_stamp))
        self._send(self._parent)
        self.client.set_terminated(self._parent, status=_END_STATUS.get(outcome, "FAILED"))

    def _abandon(self) -> None:
        self._pending = {}

    # -- runs and batches ---------------------------------------------------------------

    def _find_parent(self, owner: str) -> Any:
        """The experiment's run from an earlier run of it (the oldest, should a kill
        have left two), else None."""
        runs = self.client.search_runs(
            [self._experiment_id],
            filter_string=f"tags.`{OWNER_TAG}` = '{owner}'",
            order_by=["attributes.start_time ASC"],
            max_results=1,
        )
        return runs[0] if runs else None

    def _experiment(self, client: MlflowClient, tuner: Tuner, folder: Path) -> str:
        name = self.experiment_name or tuner.path.name
        found = client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        location = None if self.tracking_uri else (folder / "artifacts").absolute().as_uri()
        return str(client.create_experiment(name, artifact_location=location))

    def _trial_runs(self) -> Iterator[Any]:
        """The nested runs of the experiment's run (every page of the search)."""
        token = None
        while True:
            page = self.client.search_runs(
                [self._experiment_id],
                filter_string=f"tags.`{PARENT_TAG}` = '{self.run_id}'",
                max_results=_MAX_BATCH,
                page_token=token,
            )
            yield from (run for run in page if TRIAL_TAG in run.data.tags)
            token = page.token
            if not token:
                return

    def _trial_run(self, trial: Trial) -> str:
        """The run of `trial`, created (with its configuration) on first use."""
        run_id = self._runs.get(trial.trial_id)
        if run_id is not None:
            return run_id
        run = self.client.create_run(
            self._experiment_id,
            run_name=f"trial {trial.trial_id}",
            tags={PARENT_TAG: self._parent, TRIAL_TAG: str(trial.trial_id), COUNT_TAG: "0"},
        )
        run_id = str(run.info.run_id)
        self._runs[trial.trial_id] = run_id
        self._trials[run_id] = trial.trial_id
        self._running.add(trial.trial_id)
        self._queue(run_id, param_entries(trial.config))
        return run_id

    def _queue(self, run_id: str, entries: list[Any]) -> None:
        self._pending.setdefault(run_id, []).extend(entries)

    def _send(self, run_id: str) -> None:
        """Log what is pending for `run_id`; a trial's count tag goes with its last
        batch, so that the count and the metrics it counts arrive together."""
        from mlflow.entities import Metric, Param, RunTag

        entries = self._pending.pop(run_id, [])
        trial_id = self._trials.get(run_id)
        if trial_id is not None and trial_id in self._counted:
            entries.append(RunTag(COUNT_TAG, str(self._logged.get(trial_id, 0))))
            self._counted.discard(trial_id)
        for start in range(0, len(entries), _MAX_KEYS):
            chunk = entries[start : start + _MAX_KEYS]
            self.client.log_batch(
                run_id,
                metrics=[e for e in chunk if isinstance(e, Metric)],
                params=[e for e in chunk if isinstance(e, Param)],
                tags=[e for e in chunk if isinstance(e, RunTag)],
            )
