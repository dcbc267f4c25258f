"""Names of training jobs: unique within a sweep and valid for SageMaker.

SageMaker accepts at most 63 characters matching `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`.
A name is `<prefix>-<study>-<stamp>-<index>`: the stamp (time and a random token)
separates sweeps, the index the jobs of one sweep. The prefix and study are
sanitised and truncated first, so the unique tail is always kept whole.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from tunelab.core.backends.sagemaker.naming import (
    JOB_NAME_PATTERN,
    MAX_JOB_NAME_LENGTH,
    is_valid_job_name,
    sanitize,
)

__all__ = [
    "JOB_NAME_PATTERN",
    "MAX_JOB_NAME_LENGTH",
    "is_valid_job_name",
    "job_name",
    "sanitize",
    "sweep_stamp",
]


def sweep_stamp(now: datetime | None = None, *, token: str | None = None) -> str:
    """`YYMMDD-HHMMSS-xxxx` (UTC) with a random token: the same for all jobs of a sweep."""
    moment = now or datetime.now(timezone.utc)
    return f"{moment:%y%m%d-%H%M%S}-{token if token is not None else secrets.token_hex(2)}"


def job_name(*, prefix: str, study: str, stamp: str, index: int) -> str:
    """The name of job `index` of the sweep `stamp`.

    Args:
        prefix: First part (`hydra.launcher.job_name_prefix`); may be empty.
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
