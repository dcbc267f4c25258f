"""Metric lines of a training job, read from its CloudWatch log streams."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunelab.core.backends.sagemaker.retry import error_code, is_retryable
from tunelab.core.backends.sagemaker.training_jobs import LOG_GROUP
from tunelab.core.reporter import parse_metric_line


@dataclass(frozen=True)
class LoggedResult:
    """One result a job printed, with the CloudWatch time stamp of its line (seconds)."""

    timestamp: float
    metrics: dict[str, Any]


@dataclass
class JobLogReader:
    """Reads each metric line of one job's log streams exactly once.

    The `nextForwardToken` of every stream is kept between calls, so a call returns
    only lines logged since the previous one. Lines are parsed with the same parser
    as `LocalBackend` (`[tunelab-metric]:` and Syne Tune's `[tune-metric]:`). Once
    `hosts` streams are known (one per instance), they are no longer listed.

    When CloudWatch Logs answers "later" part-way (`is_retryable`), a call returns
    what it read up to there and sets `caught_up` to False; a token is kept only with
    the lines of its page, so the next call continues exactly there.
    """

    job_name: str
    hosts: int = 1
    tokens: dict[str, str | None] = field(default_factory=dict)
    caught_up: bool = field(default=False, init=False)  # the last read reached every end

    def read(self, logs: Any) -> list[LoggedResult]:
        """New results of all the job's streams, oldest first."""
        found: list[LoggedResult] = []
        self.caught_up = False
        try:
            known = len(self.tokens) >= self.hosts
            for stream in list(self.tokens) if known else self._streams(logs):
                self._read_stream(logs, stream, found)
        except Exception as error:
            if not is_retryable(error):
                raise
        else:
            self.caught_up = True
        found.sort(key=lambda result: result.timestamp)
        return found

    def _streams(self, logs: Any) -> list[str]:
        names: list[str] = []
        request: dict[str, Any] = {
            "logGroupName": LOG_GROUP,
            "logStreamNamePrefix": f"{self.job_name}/",
        }
        while True:
            try:
                page = logs.describe_log_streams(**request)
            except Exception as error:
                if error_code(error) == "ResourceNotFoundException":
                    return names  # no log group yet: nothing logged so far
                raise
            names += [stream["logStreamName"] for stream in page.get("logStreams", [])]
            token = page.get("nextToken")
            if not token or token == request.get("nextToken"):
                return names
            request["nextToken"] = token

    def _read_stream(self, logs: Any, stream: str, found: list[LoggedResult]) -> None:
        """Append the stream's new results to `found`, page by page."""
        while True:
            token = self.tokens.get(stream)
            request: dict[str, Any] = {
                "logGroupName": LOG_GROUP,
                "logStreamName": stream,
                "startFromHead": True,
            }
            if token is not None:
                request["nextToken"] = token
            page = logs.get_log_events(**request)
            events = page.get("events", [])
            for event in events:
                for line in str(event.get("message", "")).splitlines():
                    metrics = parse_metric_line(line)
                    if metrics is not None:
                        found.append(LoggedResult(event.get("timestamp", 0) / 1000.0, metrics))
            new_token = page.get("nextForwardToken")
            if new_token is not None:
                self.tokens[stream] = new_token
            if not events or new_token is None or new_token == token:
                return
