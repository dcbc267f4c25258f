"""`tunelab-sync`, uploads of changed files only, and the code package."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import boto3
import pytest

from tunelab.core.backends.sagemaker.transfer import FolderUpload, S3Objects, S3Uri
from tunelab.experiments.sagemaker.packaging import extract_source, package_source
from tunelab.experiments.sagemaker.sync import main as sync

BUCKET = "tunelab-test"  # the bucket the fixtures create


def experiment_folder(root: Path, relative: str) -> None:
    folder = root / relative
    (folder / "tuner_state").mkdir(parents=True)
    (folder / "metadata.json").write_text('{"status": "complete"}')
    (folder / "results.parquet").write_bytes(b"PAR1 not really")
    (folder / "tuner_state" / "state-1.pkl").write_bytes(b"state")
    (folder / ".metadata.json.abc.tmp").write_text("half written")


def test_uploads_only_what_changed_and_sync_fetches_only_what_plotting_reads(
    mocked_aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = tmp_path / "job-results"
    for seed in (0, 1):
        experiment_folder(local, f"sm/branin/asha/{seed}")
    upload = FolderUpload(
        s3=S3Objects(boto3.client("s3")),
        folder=local,
        target=S3Uri.parse(f"s3://{BUCKET}/p/results"),
    )
    assert upload.push() == 6  # two experiments x three files; temporary files stay
    assert upload.push() == 0
    metadata = local / "sm/branin/asha/1/metadata.json"
    metadata.write_text('{"status": "complete", "n": 1}')
    assert upload.push() == 1

    target = tmp_path / "synced"
    assert sync([f"s3://{BUCKET}/p/results/sm", str(target)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"2 experiments in {target}: 4 file(s) downloaded, 0 unchanged"
    )
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == [
        f"branin/asha/{seed}/{name}"
        for seed in (0, 1)
        for name in ("metadata.json", "results.parquet")
    ]
    assert (target / "branin/asha/1/metadata.json").read_text() == metadata.read_text()

    assert sync([f"s3://{BUCKET}/p/results/sm", str(target)]) == 0
    assert "0 file(s) downloaded, 4 unchanged" in capsys.readouterr().out
    (target / "branin/asha/0/results.parquet").write_bytes(b"changed locally")
    assert sync([f"s3://{BUCKET}/p/results/sm", str(target)]) == 0
    assert "1 file(s) downloaded, 3 unchanged" in capsys.readouterr().out


def test_sync_of_an_empty_prefix_or_missing_bucket_says_so(
    mocked_aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync([f"s3://{BUCKET}/p/results/nothing", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert f"no experiment results under s3://{BUCKET}/p/results/nothing" in error
    assert f"aws s3 ls s3://{BUCKET}/p/results/" in error
    assert sync(["s3://no-such-bucket/results/sm", str(tmp_path / "out")]) == 1
    assert "cannot list s3://no-such-bucket/results/sm: NoSuchBucket" in capsys.readouterr().err
    assert sync(["results/sm", str(tmp_path / "out")]) == 1
    assert "expected s3://bucket/prefix" in capsys.readouterr().err


def test_the_code_package_leaves_out_vcs_caches_and_results(tmp_path: Path) -> None:
    source = tmp_path / "project"
    for path in [
        "train.py",
        "conf/method/mine.yaml",
        "pkg/module.py",
        "pkg/__pycache__/module.cpython-311.pyc",
        ".git/HEAD",
        ".venv/bin/python",
        "results/default/x/metadata.json",
        "outputs/2026/log.txt",
        "pkg/results/kept.txt",
        "my-results/metadata.json",
    ]:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(path)
    package = package_source(source, tmp_path / "code.tar.gz", also_exclude=[source / "my-results"])
    with tarfile.open(package.path) as tar:
        names = sorted(tar.getnames())
    assert names == ["conf/method/mine.yaml", "pkg/module.py", "pkg/results/kept.txt", "train.py"]
    assert package.files == 4 and package.size == os.path.getsize(package.path)
    extract_source(package.path, tmp_path / "unpacked")
    assert (tmp_path / "unpacked" / "conf/method/mine.yaml").read_text() == "conf/method/mine.yaml"


def test_extracting_refuses_members_outside_the_target(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    (tmp_path / "x.txt").write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(tmp_path / "x.txt", arcname="../escaped.txt")
    with pytest.raises(ValueError, match="would land outside"):
        extract_source(evil, tmp_path / "target")
    assert not (tmp_path / "escaped.txt").exists()
