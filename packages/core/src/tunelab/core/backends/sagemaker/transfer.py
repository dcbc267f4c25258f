"""S3 for tunelab's SageMaker layer: locations, objects, prefixes and whole folders.

One stack, boto3's S3 client, for `SageMakerBackend` (code, configurations,
checkpoint prefixes), the SageMaker launcher (code, job specs, outcomes), the jobs'
entry and `tunelab-sync` (results folders). Every call goes through one
`RetryingCaller`, so all of them retry as `RetryPolicy` says.

Folder uploads skip files that did not change since the last upload and the
temporary files of atomic writes; downloads skip files whose size and content (ETag)
or age show they are already there, and refuse keys that would land outside the
local folder (`..` parts, an absolute path after `//`, a symbolic link out of it): a
bucket's keys are not trusted.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from tunelab.core.backends.sagemaker.retry import RetryingCaller, RetryPolicy

_DELETE_BATCH = 1000  # most keys DeleteObjects accepts in one call


@dataclass(frozen=True)
class S3Uri:
    """`s3://bucket/key`, split; `key` has no leading or trailing `/`."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        """Split `s3://bucket/key`; a ValueError names anything else."""
        if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
            raise ValueError(f"{uri!r} is not an S3 URI; expected s3://bucket/prefix")
        bucket, _, key = uri[5:].partition("/")
        return cls(bucket=bucket, key=key.strip("/"))

    def join(self, *parts: str) -> S3Uri:
        """The location `<self>/<parts...>` (empty parts and extra slashes dropped)."""
        key = "/".join(p.strip("/") for p in (self.key, *parts) if p.strip("/"))
        return S3Uri(bucket=self.bucket, key=key)

    @property
    def parent(self) -> S3Uri:
        """The location one level up (the bucket for a top-level key)."""
        return S3Uri(bucket=self.bucket, key=self.key.rpartition("/")[0])

    @property
    def folder(self) -> str:
        """The key as a prefix of the objects below it: `key/` ("" for the bucket)."""
        return f"{self.key}/" if self.key else ""

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}"


class S3Objects:
    """The S3 calls the SageMaker layer makes, on one boto3 client, each one retried.

    Args:
        client: A boto3 S3 client (or anything with its methods used here).
        caller: Retries of each call; default: `RetryPolicy()`'s.
    """

    def __init__(self, client: Any, *, caller: RetryingCaller | None = None) -> None:
        self.client = client
        self.caller = caller or RetryingCaller(policy=RetryPolicy())

    def put(self, uri: S3Uri, data: bytes) -> None:
        """Write `data` as the object `uri`."""
        self.caller.call(
            f"upload {uri}",
            lambda: self.client.put_object(Bucket=uri.bucket, Key=uri.key, Body=data),
        )

    def get(self, uri: S3Uri) -> bytes:
        """The content of the object `uri`."""
        body: bytes = self.caller.call(
            f"download {uri}",
            lambda: self.client.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read(),
        )
        return body

    def upload(self, path: Path, uri: S3Uri) -> None:
        """Copy the local file `path` to `uri`."""
        self.caller.call(
            f"upload {uri}", lambda: self.client.upload_file(str(path), uri.bucket, uri.key)
        )

    def download(self, uri: S3Uri, path: Path) -> None:
        """Copy the object `uri` to the local file `path`."""
        self.caller.call(
            f"download {uri}", lambda: self.client.download_file(uri.bucket, uri.key, str(path))
        )

    def objects(self, prefix: S3Uri) -> list[dict[str, Any]]:
        """The objects below `prefix/` (`Key`, `Size`, `ETag`, `LastModified`)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {"Bucket": prefix.bucket, "Prefix": prefix.folder}
        while True:
            page = self.caller.call(
                f"list {prefix}/", lambda: self.client.list_objects_v2(**request)
            )
            found += page.get("Contents", [])
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found
            request["ContinuationToken"] = token

    def copy_prefix(self, source: S3Uri, target: S3Uri) -> int:
        """Copy every object below `source/` to the same relative key below `target/`.

        Returns:
            The number of objects copied.
        """
        keys = [item["Key"] for item in self.objects(source)]
        for key in keys:
            destination = target.join(key[len(source.folder) :])
            copy = partial(
                self.client.copy_object,
                Bucket=destination.bucket,
                Key=destination.key,
                CopySource={"Bucket": source.bucket, "Key": key},
            )
            self.caller.call(f"copy to {destination}", copy)
        return len(keys)

    def delete_prefix(self, prefix: S3Uri) -> int:
        """Delete every object below `prefix/`; returns how many there were.

        Raises:
            RuntimeError: S3 refused to delete some of them (named in the message).
        """
        keys = [item["Key"] for item in self.objects(prefix)]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
            delete = partial(
                self.client.delete_objects,
                Bucket=prefix.bucket,
                Delete={"Objects": batch, "Quiet": True},
            )
            answer = self.caller.call(f"delete below {prefix}/", delete)
            errors = answer.get("Errors", [])
            if errors:
                failed = ", ".join(f"{e.get('Key')} ({e.get('Code')})" for e in errors[:5])
                raise RuntimeError(f"could not delete {prefix}/: {failed}")
        return len(keys)


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


@dataclass
class FolderUpload:
    """Uploads a local folder under an S3 prefix, each time only what changed.

    Args:
        s3: Where the files go.
        folder: The local folder.
        target: Where its files go (`<target>/<relative path>`).
    """

    s3: S3Objects
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
            try:
                self.s3.upload(path, self.target.join(path.relative_to(self.folder).as_posix()))
            except FileNotFoundError:
                continue
            self._seen[path] = (stat.st_size, stat.st_mtime_ns)
            uploaded += 1
        return uploaded


@dataclass(frozen=True)
class DownloadReport:
    """Files downloaded and files found unchanged."""

    downloaded: list[Path]
    unchanged: list[Path]


def download_folder(
    s3: S3Objects,
    source: S3Uri,
    folder: Path,
    *,
    keep: Callable[[str], bool] = lambda relative: True,
) -> DownloadReport:
    """Copy the objects below `source/` into `folder`, skipping unchanged files.

    Every key is checked before anything is copied, so a listing with a key that
    leaves `folder` copies nothing.

    Args:
        s3: Where the objects are.
        source: The prefix to copy.
        folder: Local destination (`<folder>/<path relative to source>`).
        keep: Whether to copy an object, given its path relative to `source`.

    Raises:
        ValueError: If a kept key would be written outside `folder`.
    """
    start = len(source.folder)
    copies = []
    for obj in s3.objects(source):
        relative = obj["Key"][start:]
        if not relative or relative.endswith("/") or not keep(relative):
            continue
        key = S3Uri(bucket=source.bucket, key=obj["Key"])
        copies.append((obj, key, local_path(folder, relative, key=key)))
    downloaded, unchanged = [], []
    for obj, key, path in copies:
        if _unchanged(path, obj):
            unchanged.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download(key, path)
        downloaded.append(path)
    return DownloadReport(downloaded=downloaded, unchanged=unchanged)


def local_path(folder: Path, relative: str, *, key: S3Uri) -> Path:
    """Where the object `key`, at `relative` below the copied prefix, goes in `folder`.

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
