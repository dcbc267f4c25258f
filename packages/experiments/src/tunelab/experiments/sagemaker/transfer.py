"""S3 locations and copies of folders to and from them (boto3's S3 client).

Uploads skip files that did not change since the last upload and the temporary
files of atomic writes; downloads skip files whose size and content (ETag) or age
show they are already there, and refuse keys that would land outside the local
folder (`..` parts, an absolute path after `//`, a symbolic link out of it): a
bucket's keys are not trusted.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class S3Uri:
    """`s3://bucket/key`, split; `key` has no leading or trailing `/`."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
            raise ValueError(f"{uri!r} is not an S3 URI; expected s3://bucket/prefix")
        bucket, _, key = uri[5:].partition("/")
        return cls(bucket=bucket, key=key.strip("/"))

    def join(self, *parts: str) -> S3Uri:
        key = "/".join(p.strip("/") for p in (self.key, *parts) if p.strip("/"))
        return S3Uri(bucket=self.bucket, key=key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}"


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


@dataclass
class FolderUpload:
    """Uploads a local folder under an S3 prefix, each time only what changed.

    Args:
        s3: A boto3 S3 client.
        folder: The local folder.
        target: Where its files go (`<target>/<relative path>`).
    """

    s3: Any
    folder: Path
    target: S3Uri
    _seen: dict[Path, tuple[int, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def mark_current(self, path: Path) -> None:
        """Take `path` as already uploaded as it is now (it came from the target)."""
        stat = path.stat()
        self._seen[path] = (stat.st_size, stat.st_mtime_ns)

    def push(self) -> int:
        """Upload new and changed files; the number uploaded (safe from several threads)."""
        with self._lock:
            return self._push()

    def _push(self) -> int:
        uploaded = 0
        for path in sorted(self.folder.rglob("*")):
            if not path.is_file() or _is_temporary(path):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:  # replaced by an atomic write as we looked
                continue
            if self._seen.get(path) == (stat.st_size, stat.st_mtime_ns):
                continue
            key = self.target.join(path.relative_to(self.folder).as_posix()).key
            try:
                self.s3.upload_file(str(path), self.target.bucket, key)
            except FileNotFoundError:
                continue
            self._seen[path] = (stat.st_size, stat.st_mtime_ns)
            uploaded += 1
        return uploaded


def list_objects(s3: Any, prefix: S3Uri) -> Iterator[dict[str, Any]]:
    """The objects under `prefix/` (`Key`, `Size`, `ETag`, `LastModified`)."""
    paginator = s3.get_paginator("list_objects_v2")
    folder = f"{prefix.key}/" if prefix.key else ""
    for page in paginator.paginate(Bucket=prefix.bucket, Prefix=folder):
        yield from page.get("Contents", [])


@dataclass(frozen=True)
class DownloadReport:
    """Files downloaded and files found unchanged."""

    downloaded: list[Path]
    unchanged: list[Path]


def download_folder(
    s3: Any,
    source: S3Uri,
    folder: Path,
    *,
    keep: Callable[[str], bool] = lambda relative: True,
) -> DownloadReport:
    """Copy the objects under `source/` into `folder`, skipping unchanged files.

    Every key is checked before anything is copied, so a listing with a key that
    leaves `folder` copies nothing.

    Args:
        s3: A boto3 S3 client.
        source: The prefix to copy.
        folder: Local destination (`<folder>/<path relative to source>`).
        keep: Whether to copy an object, given its path relative to `source`.

    Raises:
        ValueError: If a kept key would be written outside `folder`.
    """
    start = len(source.key) + 1 if source.key else 0
    copies = []
    for obj in list_objects(s3, source):
        relative = obj["Key"][start:]
        if not relative or relative.endswith("/") or not keep(relative):
            continue
        key = S3Uri(bucket=source.bucket, key=obj["Key"])
        copies.append((obj, local_path(folder, relative, key=key)))
    downloaded, unchanged = [], []
    for obj, path in copies:
        if _unchanged(path, obj):
            unchanged.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(source.bucket, obj["Key"], str(path))
        downloaded.append(path)
    return DownloadReport(downloaded=downloaded, unchanged=unchanged)


def local_path(folder: Path, relative: str, *, key: S3Uri) -> Path:
    """Where the object `key`, at `relative` under the copied prefix, goes in `folder`.

    Raises:
        ValueError: If that is not inside `folder` once `..`, absolute paths and
            symbolic links are resolved.
    """
    path = Path(os.path.normpath(folder / relative))
    root, target = folder.resolve(), path.resolve()
    if root not in target.parents:
        raise ValueError(
            f"refusing the S3 object {key}: its key would be written to {target}, outside "
            f"the destination {root}; whoever wrote the bucket may be trying to overwrite "
            "your files"
        )
    return path


def _unchanged(path: Path, obj: dict[str, Any]) -> bool:
    """Same size, and the same MD5 (a single-part ETag) or a newer local copy."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    if stat.st_size != int(obj["Size"]):
        return False
    etag = str(obj.get("ETag", "")).strip('"')
    if etag and "-" not in etag:
        return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest() == etag
    modified = obj.get("LastModified")
    return isinstance(modified, datetime) and stat.st_mtime >= modified.timestamp()
