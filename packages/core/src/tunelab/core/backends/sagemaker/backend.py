"""`SageMakerBackend`: every trial is a SageMaker training job (`tunelab-core[aws]`)."""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path

from tunelab.core._atomic import write_atomic
from tunelab.core.backends.base import Backend
from tunelab.core.backends.sagemaker._jobs import Job, JobRecord, RunState, TrialRun, end_of_job
from tunelab.core.backends.sagemaker._logs import JobLogReader
from tunelab.core.backends.sagemaker._script_mode import JobRequests
from tunelab.core.backends.sagemaker._status import StatusPoller, send_stops, settle
from tunelab.core.backends.sagemaker.clients import ClientFactory
from tunelab.core.backends.sagemaker.clients import client_factory as boto3_clients
from tunelab.core.backends.sagemaker.cost import price_per_hour
from tunelab.core.backends.sagemaker.naming import experiment_token, sanitize, trial_job_name
from tunelab.core.backends.sagemaker.retry import (
    RetryingCaller,
    error_code,
    error_message,
    is_retryable,
)
from tunelab.core.backends.sagemaker.settings import SageMakerSettings
from tunelab.core.backends.sagemaker.transfer import S3Objects, S3Uri
from tunelab.core.status import COST_KEY
from tunelab.core.trial import Trial, TrialStatus, TrialUpdate

logger = logging.getLogger(__name__)


CHECKPOINT_KEY_FILE = "sagemaker_checkpoint_key"
"""File in the experiment folder naming its checkpoints' S3 sub-prefix."""

JOBS_FILE = "sagemaker_jobs.json"
"""File in each trial's folder listing its jobs, statuses and costs."""


class SageMakerBackend(Backend):
    """Runs each trial as a SageMaker training job, created with boto3.

    The code (`settings.source_dir`) is uploaded to S3 once; every job runs
    `settings.entry_point` in `settings.image_uri` with the trial's configuration
    as hyperparameters (or a `config.json`). SageMaker syncs the job's
    `TUNELAB_CHECKPOINT_DIR` with `<s3_prefix>/checkpoints/<trial_id>/`: pausing
    stops the job, resuming creates a new one (`...-r1`, `...-r2`) with the same
    checkpoint location. `copy_checkpoint` and `delete_checkpoint` work on these
    prefixes.

    Results are the metric lines of the jobs' CloudWatch logs, each read once.
    Every `settings.poll_interval_seconds` seconds the backend lists its jobs' statuses in
    one paginated call and reads their logs; an ended job is described once, for
    its failure reason and billable time. With a known price, each result carries
    `worker_cost`, the trial's cost so far (billed cost of its earlier jobs plus an
    estimate for the running one); `jobs()` and `sagemaker_jobs.json` in the
    trial's folder hold the billed figures. A job refused with "later" (an account
    quota, `ResourceLimitExceeded`, throttling, a passing fault) is created again
    after the delays of `settings.retry`: the trial waits, busy, and does not fail;
    other AWS calls retry as that `RetryPolicy` says too. The user guide (Backends,
    SageMakerBackend) has the details.

    Args:
        settings: Where and how the jobs run.
        client_factory: Returns a client for "sagemaker", "logs" or "s3"; default:
            boto3 clients (`tunelab.core.backends.sagemaker.clients`: region and
            endpoint from the settings or boto3's configuration).
    """

    def __init__(
        self, settings: SageMakerSettings, *, client_factory: ClientFactory | None = None
    ) -> None:
        if not isinstance(settings, SageMakerSettings):
            raise TypeError(f"settings must be SageMakerSettings, got {type(settings).__name__}")
        self.settings = settings
        self._source, self._program = settings.resolve_code()
        self._clients = client_factory or boto3_clients(
            region=settings.region, endpoint_url=settings.endpoint_url
        )
        self._s3 = S3Objects(self._clients("s3"), caller=RetryingCaller(policy=settings.retry))
        self._rng = random.Random()
        self.token = experiment_token()
        self._checkpoint_key = self.token
        self._prefix = sanitize(settings.job_name_prefix or Path(self._program).stem)
        self._price = price_per_hour(settings.instance_type, settings.price_per_hour)
        self._poller = StatusPoller(self.token)
        self._runs: dict[int, TrialRun] = {}
        self._requests = JobRequests(
            settings,
            clients=self._clients,
            s3=self._s3,
            source=self._source,
            program=self._program,
            token=self.token,
        )
        self._next_poll = 0.0

    def default_name(self) -> str:
        return Path(self._program).stem or "sagemaker"

    def set_path(self, path: Path) -> None:
        """Use `path` as the experiment folder; its checkpoint key (the token of the
        backend that first ran the experiment, kept in `CHECKPOINT_KEY_FILE`) keeps
        checkpoints of different experiments apart under one `s3_prefix`, and lets
        a resumed experiment find its trials' checkpoints again."""
        super().set_path(path)
        key_file = self.path / CHECKPOINT_KEY_FILE
        if key_file.is_file():
            self._checkpoint_key = key_file.read_text().strip()
        else:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(key_file, lambda file: file.write(self._checkpoint_key.encode()))

    def checkpoint_uri(self, trial_id: int) -> str:
        """S3 location of trial `trial_id`'s checkpoint (ends with "/")."""
        return f"{self._checkpoint_prefix(trial_id)}/"

    def jobs(self, trial_id: int | None = None) -> list[JobRecord]:
        """The training jobs of one trial (or of all), oldest first."""
        runs = self._runs.values() if trial_id is None else [self._run(trial_id)]
        return [record for run in runs for record in run.records()]

    def trial_cost(self, trial_id: int) -> float | None:
        """Dollars billed for the trial's ended jobs; None if a price or bill is unknown."""
        costs = [job.cost for job in self._run(trial_id).jobs if job.has_ended]
        return None if None in costs else sum(c for c in costs if c is not None)

    # -- Backend API ---------------------------------------------------------------------

    def start_trial(self, trial: Trial) -> None:
        if trial.trial_id in self._runs:
            raise ValueError(f"trial {trial.trial_id} was started before; use resume_trial")
        run = TrialRun(trial.trial_id, dict(trial.config), RunState.PENDING)
        self._runs[trial.trial_id] = run
        self._create_job(run)

    def resume_trial(self, trial: Trial) -> None:
        """Create a new job for a paused or ended trial, with the same checkpoint location.

        The job is created once the trial's previous job has finished stopping (so its
        last checkpoint is in S3). A trial unknown to this backend instance is one of
        an experiment resumed in a new tuner process: it gets a new job as well.
        """
        run = self._runs.get(trial.trial_id)
        if run is None:
            run = TrialRun(trial.trial_id, dict(trial.config), RunState.PENDING, first_attempt=1)
            self._runs[trial.trial_id] = run
        elif run.state in (RunState.PAUSED, RunState.ENDED):
            run.config, run.state = dict(trial.config), RunState.PENDING
            run.refusals, run.retry_at = 0, 0.0
        else:
            raise ValueError(
                f"trial {trial.trial_id} is {run.state.value}; only a paused or ended "
                "trial can be resumed"
            )
        self._create_job(run)

    def pause_trial(self, trial_id: int) -> None:
        """Stop the trial's job, keeping its checkpoint in S3 for a resume."""
        self._halt(self._run(trial_id), RunState.PAUSED)

    def stop_trial(self, trial_id: int) -> None:
        self._halt(self._run(trial_id), RunState.STOPPED)

    def busy_trial_ids(self) -> list[int]:
        """Trials running or waiting for their job; with warm pools, also halted trials
        whose job is still stopping, so that the next job can take over its instance."""
        busy = (RunState.PENDING, RunState.RUNNING)
        warm = self.settings.keep_alive_seconds > 0
        return [
            trial_id
            for trial_id, run in self._runs.items()
            if run.state in busy or (warm and not run.all_jobs_ended)
        ]

    def fetch_new_results(self) -> list[TrialUpdate]:
        now = time.monotonic()
        if now < self._next_poll:
            return []
        self._next_poll = now + self.settings.poll_interval_seconds
        sagemaker = self._clients("sagemaker")
        send_stops(sagemaker, self._all_jobs())
        if any(not job.has_ended for job in self._all_jobs()):
            statuses = self._poller.statuses(sagemaker) or {}
            for job in self._all_jobs():
                job.status = statuses.get(job.name, job.status)
        updates = []
        for run in self._runs.values():
            if run.state is RunState.RUNNING:
                update = self._poll(run)
                if update is not None:
                    updates.append(update)
            else:
                self._settle_halted(run)
            if run.state is RunState.PENDING:
                self._create_job(run)
        return updates

    def copy_checkpoint(self, source_trial_id: int, target_trial_id: int) -> None:
        """Copy the S3 checkpoint of `source_trial_id` to `target_trial_id`'s prefix."""
        source, target = (
            self._checkpoint_prefix(source_trial_id),
            self._checkpoint_prefix(target_trial_id),
        )
        if self._s3.copy_prefix(source, target) == 0:
            logger.info(
                "trial %d has no checkpoint in S3; trial %d starts from scratch",
                source_trial_id,
                target_trial_id,
            )

    def has_checkpoint(self, trial_id: int) -> bool:
        """Whether the trial's S3 checkpoint prefix holds any object."""
        return bool(self._s3.objects(self._checkpoint_prefix(trial_id)))

    def delete_checkpoint(self, trial_id: int) -> None:
        """Delete every object of the trial's S3 checkpoint prefix (none is fine)."""
        self._s3.delete_prefix(self._checkpoint_prefix(trial_id))

    def _checkpoint_prefix(self, trial_id: int) -> S3Uri:
        """The S3 prefix of `checkpoint_uri(trial_id)`, where the trial's jobs write."""
        return self.settings.s3_root.join("checkpoints", self._checkpoint_key, str(trial_id))

    # -- jobs ------------------------------------------------------------------------------

    def _create_job(self, run: TrialRun) -> None:
        """Create the pending trial's next job, unless it must wait (quota, stopping job)."""
        now = time.monotonic()
        if now < run.retry_at or not run.all_jobs_ended:
            return
        attempt = run.first_attempt + len(run.jobs)
        name = trial_job_name(self._prefix, self.token, run.trial_id, attempt)
        request = self._requests.build(
            name=name,
            trial_id=run.trial_id,
            config=run.config,
            checkpoint_uri=self.checkpoint_uri(run.trial_id),
        )
        try:
            self._clients("sagemaker").create_training_job(**request)
        except Exception as error:
            code = error_code(error) or type(error).__name__
            if not is_retryable(error):
                raise RuntimeError(
                    f"could not create training job {name} for trial {run.trial_id}: "
                    f"{code}: {error_message(error)}"
                ) from error
            delay = self.settings.retry.delay(run.refusals + 1, self._rng)
            run.refusals, run.retry_at = run.refusals + 1, now + delay
            logger.info("training job %s refused (%s); retried in %.0f s", name, code, delay)
            return
        run.jobs.append(
            Job(
                name=name,
                created=time.time(),
                reader=JobLogReader(name, hosts=self.settings.instance_count),
            )
        )
        run.state, run.refusals = RunState.RUNNING, 0
        logger.debug("trial %d runs as training job %s", run.trial_id, name)
        self._write_record(run)

    def _halt(self, run: TrialRun, state: RunState) -> None:
        """Stop the trial's job (if it runs) and mark the trial `state`."""
        if state is RunState.PAUSED and run.state is RunState.STOPPED:
            raise ValueError(f"trial {run.trial_id} is stopped; expected a running trial")
        job = run.job
        if run.state is RunState.RUNNING and job is not None:
            job.stop_requested = True
            send_stops(self._clients("sagemaker"), [job])
        run.state = state

    def _poll(self, run: TrialRun) -> TrialUpdate | None:
        """New results of a running trial, and its end once its job has ended."""
        job = run.job
        assert job is not None
        ended = job.has_ended and (job.settled or self._settle(job))
        logged = job.reader.read(self._clients("logs"))
        if not job.reader.caught_up:  # the rest at the next poll, before the end
            logger.info("reading the logs of %s: continued at the next poll", job.name)
            ended = False
        count, price = self.settings.instance_count, self._price
        results = [
            item.metrics
            if price is None
            else {**item.metrics, COST_KEY: run.cost_so_far(job, item.timestamp, count, price)}
            for item in logged
        ]
        if not ended:
            return TrialUpdate(run.trial_id, results=results) if results else None
        run.state = RunState.ENDED
        self._write_record(run)
        status, reason = end_of_job(job)
        if status is TrialStatus.FAILED:
            logger.debug("trial %d: %s", run.trial_id, reason)
        return TrialUpdate(run.trial_id, results=results, status=status, error=reason)

    def _settle_halted(self, run: TrialRun) -> None:
        """Read the bills of a halted trial's jobs once they have ended."""
        for job in run.jobs:
            if job.has_ended and not job.settled and self._settle(job):
                self._write_record(run)

    def _settle(self, job: Job) -> bool:
        count, price = self.settings.instance_count, self._price
        return settle(self._clients("sagemaker"), job, instance_count=count, price=price)

    def _write_record(self, run: TrialRun) -> None:
        if self._path is None:
            return
        path = self.trial_path(run.trial_id) / JOBS_FILE
        text = json.dumps([record.to_dict() for record in run.records()], indent=2) + "\n"
        write_atomic(path, lambda file: file.write(text.encode()))

    def _all_jobs(self) -> list[Job]:
        return [job for run in self._runs.values() for job in run.jobs]

    def _run(self, trial_id: int) -> TrialRun:
        try:
            return self._runs[trial_id]
        except KeyError:
            raise ValueError(f"trial {trial_id} was never started by this backend") from None
