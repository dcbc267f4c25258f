"""S3 side of the backend: the code tarball, configurations and checkpoint prefixes."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

SKIPPED_NAMES = frozenset({"__pycache__", ".git", ".venv", ".mypy_cache", ".pytest_cache"})
"""Folders never packaged with the training code."""

_DELETE_BATCH = 1000  # most keys DeleteObjects accepts in one call


def code_tarball(source: Path) -> bytes:
    """`source`'s files as a gzipped tar (paths relative to `source`).

    Caches (`__pycache__`, `.git`, virtual environments, `*.pyc`) are left out.
    """

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        if any(part in SKIPPED_NAMES for part in parts) or info.name.endswith(".pyc"):
            return None
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(source.iterdir()):
            tar.add(path, arcname=path.name, filter=keep)
    return buffer.getvalue()


def put_bytes(s3: Any, bucket: str, key: str, data: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=data)


def list_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Every key below `prefix` (which should end with "/")."""
    keys: list[str] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if token:
            request["ContinuationToken"] = token
        page = s3.list_objects_v2(**request)
        keys += [item["Key"] for item in page.get("Contents", [])]
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return keys


def copy_prefix(s3: Any, bucket: str, source: str, target: str) -> int:
    """Copy every object below prefix `source` to the same relative key below `target`.

    Returns:
        The number of objects copied.
    """
    keys = list_keys(s3, bucket, source)
    for key in keys:
        s3.copy_object(
            Bucket=bucket,
            Key=target + key[len(source) :],
            CopySource={"Bucket": bucket, "Key": key},
        )
    return len(keys)


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Delete every object below `prefix`; returns how many there were.

    Raises:
        RuntimeError: S3 refused to delete some of them (named in the message).
    """
    keys = list_keys(s3, bucket, prefix)
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        errors = answer.get("Errors", [])
        if errors:
            failed = ", ".join(f"{e.get('Key')} ({e.get('Code')})" for e in errors[:5])
            raise RuntimeError(f"could not delete s3://{bucket}/{prefix}: {failed}")
    return len(keys)
