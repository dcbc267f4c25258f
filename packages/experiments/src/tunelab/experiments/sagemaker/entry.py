"""The program a training job runs: the experiments of its group spec, one by one.

```bash
python -m tunelab.experiments.sagemaker.entry --spec group.json [--code source.tar.gz]
```

Each experiment runs with tunelab's `run_experiment` into a local results folder
that mirrors the spec's S3 results prefix. What S3 already holds of an experiment
is fetched first, so a complete experiment is skipped and an interrupted one
resumes (a re-launched group, a restarted spot job). Results are uploaded every
`--upload-interval` seconds and as soon as an experiment ends; a failed experiment
is recorded (status `failed`) and the next one runs. The exit code is 1 when any
experiment failed, after everything was uploaded. It runs anywhere, not only in a
job: `--spec` may be a local file or an `s3://` URI.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunelab.core.backends.sagemaker.clients import client_factory
from tunelab.core.backends.sagemaker.transfer import (
    FolderUpload,
    S3Objects,
    S3Uri,
    download_folder,
)
from tunelab.experiments.sagemaker.packaging import extract_source

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a group spec's experiments; 0 when none failed, 1 otherwise."""
    args = _parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    clients = client_factory(
        region=None, needed_by="the SageMaker job's entry", extra="tunelab-experiments[aws]"
    )
    s3 = S3Objects(clients("s3"))
    spec = _read_spec(s3, args.spec)
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="tunelab-job-"))
    if args.code:
        code = work / "code"
        extract_source(Path(args.code), code)
        os.chdir(code)  # relative paths (training scripts, ./conf) mean what they meant
        sys.path.insert(0, str(code))  # the project's own modules (a scheduler, say)
    results_dir = Path(args.results_dir) if args.results_dir else work / "results"
    results_uri = S3Uri.parse(str(spec["results_uri"]))
    upload = FolderUpload(s3=s3, folder=results_dir, target=results_uri)
    outcomes = S3Uri.parse(str(spec["outcomes_uri"]))
    periodic = _Periodic(upload, interval=float(args.upload_interval))
    periodic.start()
    failed = 0
    try:
        for item in spec["experiments"]:
            outcome = _run_one(item, s3=s3, upload=upload, results_dir=results_dir)
            failed += outcome["status"] == "failed"
            s3.put(outcomes.join(f"{item['number']}.json"), json.dumps(outcome).encode())
            logger.info("experiment %s: %s", outcome["path"], outcome["status"])
    finally:
        periodic.stop()
        upload.push()
    total = len(spec["experiments"])
    print(f"group {spec.get('job_name')}: {failed} of {total} experiments failed")
    if failed and spec.get("rerun_command"):
        print(
            f"re-run this group (complete experiments are skipped) with:\n  {spec['rerun_command']}"
        )
    return 1 if failed else 0


def _run_one(
    item: dict[str, Any], *, s3: S3Objects, upload: FolderUpload, results_dir: Path
) -> dict[str, Any]:
    """Fetch, run and upload one experiment; its outcome (with its S3 path)."""
    from omegaconf import OmegaConf

    from tunelab.experiments.experiment import experiment_path, run_experiment

    config = dict(item["config"])
    config["results_root"] = str(results_dir)
    cfg = OmegaConf.create(config)
    path = experiment_path(cfg)
    relative = path.relative_to(results_dir).as_posix()
    remote = upload.target.join(relative)
    try:
        for fetched in download_folder(s3, remote, path).downloaded:
            upload.mark_current(fetched)
        outcome = run_experiment(cfg, overrides=list(item.get("overrides", []))).to_json()
    except Exception as error:  # the next experiment still runs
        logger.error("experiment %s failed: %s\n%s", relative, error, traceback.format_exc())
        outcome = {
            "status": "failed",
            "method": str(cfg.method.name),
            "benchmark": str(cfg.benchmark.name),
            "seed": int(cfg.seed),
            "error": f"{type(error).__name__}: {error}",
            "overrides": list(item.get("overrides", [])),
        }
    upload.push()
    outcome["path"] = str(remote)
    return outcome


def _read_spec(s3: S3Objects, location: str) -> dict[str, Any]:
    if location.startswith("s3://"):
        body = s3.get(S3Uri.parse(location))
    else:
        body = Path(location).read_bytes()
    spec: dict[str, Any] = json.loads(body)
    return spec


class _Periodic:
    """Pushes an upload every `interval` seconds from a daemon thread."""

    def __init__(self, upload: FolderUpload, *, interval: float) -> None:
        self.upload = upload
        self.interval = interval
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tunelab-upload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                self.upload.push()
            except Exception as error:  # the next push, or the last one, tries again
                logger.warning("periodic upload of results failed: %s", error)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tunelab.experiments.sagemaker.entry",
        description="Run the experiments of a group spec and upload their results to S3.",
    )
    parser.add_argument("--spec", required=True, help="group spec: a local path or s3:// URI")
    parser.add_argument("--code", help="project code (tar.gz) to unpack and work in")
    parser.add_argument(
        "--work-dir", help="folder for the code and results (default: a temporary folder)"
    )
    parser.add_argument("--results-dir", help="local results folder (default: in --work-dir)")
    parser.add_argument(
        "--upload-interval", type=float, default=60.0, help="seconds between result uploads"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
