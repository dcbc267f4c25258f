"""Names of training jobs: valid for SageMaker, unique per backend or per sweep.

SageMaker accepts at most 63 characters matching `JOB_NAME_PATTERN`. Two schemes
share the rules here:

- `SageMakerBackend`: `<prefix>-<token>-<trial_id>`, then `-r1`, `-r2`, ... for the
  jobs of a resumed trial (`trial_job_name`); the token (`experiment_token`) is
  unique per backend instance.
- the SageMaker launcher: `<prefix>-<study>-<stamp>-<index>` (`sweep_job_name`); the
  stamp (`sweep_stamp`) is the same for all jobs of one sweep.

Prefixes and studies are sanitised and cut first, so the unique tail is always kept
whole.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime, timezone

MAX_JOB_NAME_LENGTH = 63
JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
"""What SageMaker accepts as a training job name."""

_INVALID = re.compile(r"[^a-zA-Z0-9]+")


def is_valid_job_name(name: str) -> bool:
    """Whether SageMaker accepts `name` as a training job name."""
    return len(name) <= MAX_JOB_NAME_LENGTH and bool(JOB_NAME_PATTERN.match(name))


def sanitize(text: str) -> str:
    """`text` with every run of invalid characters replaced by one hyphen, trimmed."""
    return _INVALID.sub("-", text).strip("-")


def experiment_token(now: float | None = None) -> str:
    """A short token, unique per backend instance: UTC time to the second plus 4 hex digits.

    It goes into every job name, so that jobs of different experiments never clash
    and the backend can list its own jobs (`NameContains`).
    """
    stamp = time.strftime("%y%m%d%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"{stamp}{secrets.token_hex(2)}"


def trial_job_name(prefix: str, token: str, trial_id: int, attempt: int) -> str:
    """`<prefix>-<token>-<trial_id>` for a trial's first job, `...-r<attempt>` after.

    The prefix is cut so that the whole name has at most 63 characters; a prefix
    without any valid character becomes "tunelab".

    Raises:
        ValueError: The name would still be invalid (a token that is not alphanumeric).
    """
    suffix = f"-{token}-{trial_id}" + (f"-r{attempt}" if attempt > 0 else "")
    head = sanitize(prefix) or "tunelab"
    head = head[: MAX_JOB_NAME_LENGTH - len(suffix)].rstrip("-") or "t"
    name = head + suffix
    if not JOB_NAME_PATTERN.match(name):
        raise ValueError(
            f"training job name {name!r} is invalid; expected at most 63 letters, digits "
            "and hyphens, beginning and ending with a letter or digit"
        )
    return name


def sweep_stamp(now: datetime | None = None, *, token: str | None = None) -> str:
    """`YYMMDD-HHMMSS-xxxx` (UTC) with a random token: the same for all jobs of a sweep."""
    moment = now or datetime.now(timezone.utc)
    return f"{moment:%y%m%d-%H%M%S}-{token if token is not None else secrets.token_hex(2)}"


def sweep_job_name(*, prefix: str, study: str, stamp: str, index: int) -> str:
    """The name of job `index` of the sweep `stamp`.

    Args:
        prefix: First part (the launcher's `job_name_prefix`); may be empty.
        study: The study's name; shortened when the name would be too long.
        stamp: The sweep's stamp (`sweep_stamp`).
        index: The job's number in the sweep (non-negative).
    """
    if index < 0:
        raise ValueError(f"job index {index}; expected a non-negative number")
    tail = "-".join(part for part in (sanitize(stamp), str(index)) if part)
    if len(tail) > MAX_JOB_NAME_LENGTH:
        return tail[-MAX_JOB_NAME_LENGTH:].lstrip("-")
    head = "-".join(part for part in (sanitize(prefix), sanitize(study)) if part)
    head = head[: MAX_JOB_NAME_LENGTH - len(tail) - 1].rstrip("-")
    return f"{head}-{tail}" if head else tail
