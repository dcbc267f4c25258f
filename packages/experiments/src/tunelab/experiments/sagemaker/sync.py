"""`tunelab-sync`: copy a study's results from S3 to a local folder.

```bash
tunelab-sync s3://bucket/prefix/results/my_study results/my_study
```

Only what plotting reads is copied (each experiment's `metadata.json` and
`results.parquet`, not its `tuner_state/`), and files already there unchanged are
skipped, so running it again while the jobs run fetches only what is new.

It copies with tunelab-core's S3 stack (boto3, `tunelab.core.backends.sagemaker.transfer`),
the one the launcher and the jobs write with, rather than `pyarrow.fs` (which plotting
reads `s3://` with): "unchanged" compares content checksums (ETags), which
`pyarrow.fs` does not report, and the calls retry as `RetryPolicy` says.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tunelab.core.backends.sagemaker.clients import client_factory
from tunelab.core.backends.sagemaker.retry import error_code
from tunelab.core.backends.sagemaker.transfer import S3Objects, S3Uri, download_folder

PLOTTED_FILES = ("metadata.json", "results.parquet")
STATE_DIR = "tuner_state"


def wanted(relative: str) -> bool:
    """Whether plotting needs the object at `relative` (a path under the study prefix)."""
    parts = relative.split("/")
    return parts[-1] in PLOTTED_FILES and STATE_DIR not in parts[:-1]


def sync(source: str, destination: Path, *, region: str | None = None) -> tuple[int, int, int]:
    """Copy what plotting needs from `source` (an `s3://` prefix) into `destination`.

    Returns:
        Experiments found, files downloaded and files found unchanged.

    Raises:
        FileNotFoundError: When `source` holds no experiment.
    """
    uri = S3Uri.parse(source)
    clients = client_factory(
        region=region, needed_by="tunelab-sync", extra="tunelab-experiments[aws]"
    )
    s3 = S3Objects(clients("s3"))
    try:
        report = download_folder(s3, uri, destination, keep=wanted)
    except Exception as error:
        code = error_code(error)
        if code in ("NoSuchBucket", "AccessDenied", "403", "404"):
            raise FileNotFoundError(
                f"cannot list {source}: {code}; check the bucket name and your credentials"
            ) from error
        raise
    files = report.downloaded + report.unchanged
    experiments = {p.parent for p in files if p.name == PLOTTED_FILES[0]}
    if not experiments:
        raise FileNotFoundError(
            f"no experiment results under {source} (no metadata.json there): check the "
            f"study's prefix; the studies there: aws s3 ls {uri.parent}/"
        )
    return len(experiments), len(report.downloaded), len(report.unchanged)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point of `tunelab-sync`."""
    parser = argparse.ArgumentParser(
        prog="tunelab-sync",
        description="Copy a study's results (metadata.json, results.parquet) from S3.",
    )
    parser.add_argument("source", help="s3://bucket/prefix/results/<study>")
    parser.add_argument("destination", type=Path, help="local folder, e.g. results/<study>")
    parser.add_argument("--region", help="AWS region (default: your AWS configuration)")
    args = parser.parse_args(argv)
    try:
        experiments, downloaded, unchanged = sync(args.source, args.destination, region=args.region)
    except (FileNotFoundError, ValueError) as error:
        print(f"tunelab-sync: {error}", file=sys.stderr)
        return 1
    print(
        f"{experiments} experiments in {args.destination}: {downloaded} file(s) downloaded, "
        f"{unchanged} unchanged"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
