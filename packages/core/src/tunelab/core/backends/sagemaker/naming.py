"""Names of training jobs: valid for SageMaker, unique per backend.

The validity rules (`JOB_NAME_PATTERN`, `sanitize`, `is_valid_job_name`) are shared
with the SageMaker launcher of tunelab-experiments.
"""

from __future__ import annotations

import re
import secrets
import time

MAX_JOB_NAME_LENGTH = 63
JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
"""What SageMaker accepts as a training job name."""

_INVALID = re.compile(r"[^a-zA-Z0-9]+")


def is_valid_job_name(name: str) -> bool:
    """Whether SageMaker accepts `name` as a training job name."""
    return len(name) <= MAX_JOB_NAME_LENGTH and bool(JOB_NAME_PATTERN.match(name))


def experiment_token(now: float | None = None) -> str:
    """A short token, unique per backend instance: UTC time to the second plus 4 hex digits.

    It goes into every job name, so that jobs of different experiments never clash
    and the backend can list its own jobs (`NameContains`).
    """
    stamp = time.strftime("%y%m%d%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"{stamp}{secrets.token_hex(2)}"


def sanitize(text: str) -> str:
    """`text` with every run of invalid characters replaced by one hyphen, trimmed."""
    return _INVALID.sub("-", text).strip("-")


def job_name(prefix: str, token: str, trial_id: int, attempt: int) -> str:
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
